#include "kv_session.hpp"

#include <cctype>
#include <chrono>
#include <memory>

#include <caf/atom.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scheduled_actor.hpp>
#include <caf/send.hpp>
#include <caf/sec.hpp>
#include <caf/spawn_options.hpp>

#include "cpu_work.hpp"

namespace kv {

namespace {

/// How long a session waits for the store before it answers `ERROR`.
const caf::duration store_timeout{std::chrono::seconds{5}};

/// The error handler of a request whose answer fills `reply`: the client
/// still gets its one line. (A `.then` without an error handler would end
/// the session on the first error.)
auto reply_error(pss::reply_slot reply) {
  return [reply](const caf::error& err) mutable {
    reply.send(err == caf::sec::request_timeout ? "ERROR timeout"
                                                : "ERROR failed");
  };
}

/// One connection: its session, the store, and its CPU worker.
class connection {
public:
  connection(pss::session& s, caf::actor store,
             const std::atomic<bool>& stopping)
      : s_(s), store_(std::move(store)), stopping_(stopping) {
    // nop
  }

  void handle(const command& cmd) {
    switch (cmd.verb) {
      case command::set:
        return set(cmd.key, cmd.value);
      case command::get:
        return get(cmd.key);
      case command::del:
        return del(cmd.key);
      case command::slow:
        return slow(cmd.ms);
      case command::invalid:
        // Even a reply computed at once waits behind the replies reserved
        // before it: `send` keeps the order too.
        s_.send("ERROR " + cmd.error);
        return;
    }
  }

private:
  // SET, GET and DEL ask the store. The reply's place in the output is
  // reserved now, while this line is in order, and filled when the store
  // answers. The session does not wait: the next pipelined line is handled
  // at once, and its reply queues behind this one.
  void get(const std::string& key) {
    auto reply = s_.reserve_reply();
    s_.request(store_, store_timeout, caf::get_atom::value, key)
        .then(
            [reply](bool found, const std::string& value) mutable {
              reply.send(found ? "VALUE " + value : "NONE");
            },
            reply_error(reply));
  }

  void set(const std::string& key, const std::string& value) {
    auto reply = s_.reserve_reply();
    s_.request(store_, store_timeout, caf::put_atom::value, key, value)
        .then([reply](caf::ok_atom) mutable { reply.send("OK"); },
              reply_error(reply));
  }

  void del(const std::string& key) {
    auto reply = s_.reserve_reply();
    s_.request(store_, store_timeout, caf::delete_atom::value, key)
        .then(
            [reply](bool deleted) mutable {
              reply.send(deleted ? "DELETED" : "NONE");
            },
            reply_error(reply));
  }

  // SLOW computes. Where depends on where this session runs.
  void slow(uint32_t ms) {
    if (s_.runs_on() == pss::run_mode::thread) {
      // A thread of its own: blocking here stalls this connection only.
      // Its next lines wait, in order, until the computation returns.
      burn_cpu(std::chrono::milliseconds{ms}, stopping_);
      s_.send("SLOW");
      return;
    }
    // `io` runs on the node's one I/O thread and `pool` on CAF's few
    // scheduler threads, which every session and the store share: computing
    // here would stall them all. A scheduled actor would not do either
    // (a few jobs occupy every scheduler thread). So the job goes to this
    // session's CPU worker, a detached actor with a thread of its own, and
    // its answer fills the reply's place like the store's.
    auto reply = s_.reserve_reply();
    s_.request(worker(), caf::infinite, slow_atom::value, ms)
        .then([reply](caf::ok_atom) mutable { reply.send("SLOW"); },
              reply_error(reply));
  }

  // The CPU worker, spawned on the first SLOW: sessions that never ask for
  // one cost no thread. It runs one job at a time (a client that pipelines
  // SLOWs gets them one after the other, as in mode `thread`), so a session
  // holds at most one thread. It ends with the session (the server stops,
  // the session fails), cutting its job short. A peer that only closes its
  // sending side still gets SLOW's reply, so that job runs to its end. No
  // timeout on its requests: it answers once its job is done.
  const caf::actor& worker() {
    if (!worker_) {
      auto cancel = std::make_shared<std::atomic<bool>>(false);
      worker_ = s_.self()->spawn<caf::detached>(cpu_worker, cancel);
      s_.self()->attach_functor([cancel, worker = worker_] {
        cancel->store(true);
        caf::anon_send_exit(worker, caf::exit_reason::user_shutdown);
      });
    }
    return worker_;
  }

  pss::session& s_;
  caf::actor store_;
  const std::atomic<bool>& stopping_;
  caf::actor worker_;
};

bool is_digits(caf::string_view text) {
  if (text.empty())
    return false;
  for (auto c : text)
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return false;
  return true;
}

/// `text` without a trailing `\n` and a `\r` before it.
caf::string_view strip_newline(caf::string_view text) {
  if (!text.empty() && text.back() == '\n')
    text.remove_suffix(1);
  if (!text.empty() && text.back() == '\r')
    text.remove_suffix(1);
  return text;
}

std::string to_string(caf::string_view text) {
  return {text.begin(), text.end()};
}

command invalid(std::string why) {
  command result;
  result.error = std::move(why);
  return result;
}

} // namespace

command parse_command(caf::string_view line) {
  line = strip_newline(line);
  auto space = line.find(' ');
  auto verb = line.substr(0, space);
  auto rest = space == caf::string_view::npos ? caf::string_view{}
                                              : line.substr(space + 1);
  command result;
  if (verb == "SET") {
    auto key_end = rest.find(' ');
    if (key_end == 0 || key_end == caf::string_view::npos)
      return invalid("usage: SET key value");
    result.verb = command::set;
    result.key = to_string(rest.substr(0, key_end));
    result.value = to_string(rest.substr(key_end + 1));
  } else if (verb == "GET" || verb == "DEL") {
    if (rest.empty() || rest.find(' ') != caf::string_view::npos)
      return invalid("usage: " + to_string(verb) + " key");
    result.verb = verb == "GET" ? command::get : command::del;
    result.key = to_string(rest);
  } else if (verb == "SLOW") {
    auto usage = "usage: SLOW ms (0 to " + std::to_string(max_slow_ms) + ")";
    // At most 5 digits: no overflow before the bound is checked.
    if (!is_digits(rest) || rest.size() > 5)
      return invalid(usage);
    auto ms = std::stoul(to_string(rest));
    if (ms > max_slow_ms)
      return invalid(usage);
    result.verb = command::slow;
    result.ms = static_cast<uint32_t>(ms);
  } else if (line.empty()) {
    return invalid("empty line");
  } else {
    return invalid("unknown command");
  }
  return result;
}

caf::behavior kv_session(pss::session& s, caf::actor store,
                         const std::atomic<bool>& stopping) {
  auto conn = std::make_shared<connection>(s, std::move(store), stopping);
  return {
      [conn](const pss::packet& line) { conn->handle(parse_command(line.data)); },
  };
}

} // namespace kv
