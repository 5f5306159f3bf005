// The asynchronous request helpers (pss/requests.hpp): an event-based actor
// asks an in-process registry with names, ports and chrono durations, no
// atoms or exact integer types, and gets each reply and error.

#include <chrono>
#include <string>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <catch2/catch.hpp>

#include "loopback_client.hpp"
#include "pss/requests.hpp"
#include "test_node.hpp"

using namespace pss;
using namespace pss::test;
using namespace std::chrono_literals;

namespace {

using go_atom = caf::atom_constant<caf::atom("t_go")>;

// What the asking actor saw, one line per reply, in order.
using transcript = std::vector<std::string>;

// Asks `reg` about the echo server it starts, each request once the
// previous one answered, and answers the caller with the transcript.
caf::behavior asker(caf::event_based_actor* self, registry_actor reg) {
  return {[self, reg](go_atom) {
    auto rp = self->make_response_promise<transcript>();
    auto seen = std::make_shared<transcript>();
    auto fail = [rp, seen](caf::error& err) mutable {
      seen->push_back("error " + describe(err));
      rp.deliver(*seen);
    };
    server_spec spec;
    spec.handler = "echo";
    spec.name = "asked";
    spec.max = 3;
    request_start(self, reg, spec, 5s)
        .then(
            [=](server_info& info) mutable {
              seen->push_back("started " + info.name);
              request_set_max(self, reg, info.port, 7, 5s)
                  .then(
                      [=](status st) mutable {
                        seen->push_back("max " + std::to_string(st.max));
                        request_status(self, reg, "asked", 5s)
                            .then(
                                [=](status st) mutable {
                                  seen->push_back("status "
                                                  + std::to_string(st.num) + "/"
                                                  + std::to_string(st.max));
                                  request_status(self, reg, "nope", 5s)
                                      .then([=](status) mutable {},
                                            [=](caf::error& err) mutable {
                                              seen->push_back(describe(err));
                                              request_drain(self, reg, "asked",
                                                            100ms, 5s)
                                                  .then(
                                                      [=](drain_report&
                                                              r) mutable {
                                                        seen->push_back(
                                                            "drained, closed "
                                                            + std::to_string(
                                                                r.closed));
                                                        rp.deliver(*seen);
                                                      },
                                                      fail);
                                            });
                                },
                                fail);
                      },
                      fail);
            },
            fail);
    return rp;
  }};
}

} // namespace

TEST_CASE("an actor asks the registry through the request helpers, by name "
          "and by port, with chrono durations") {
  test_node node;
  auto who = node.sys.spawn(asker, node.reg);
  caf::scoped_actor self{node.sys};
  transcript seen;
  self->request(who, 10s, go_atom::value)
      .receive([&](transcript& x) { seen = std::move(x); },
               [&](caf::error& err) { seen.push_back(describe(err)); });
  CHECK(seen
        == transcript{"started asked", "max 7", "status 0/7",
                      "retrylater: no server nope", "drained, closed 0"});
  self->send_exit(who, caf::exit_reason::user_shutdown);
}
