#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

/// \file
/// pss's log: every line has a level, a source (the server or component it
/// is about) and a text, and goes through one replaceable sink.
///
/// Lines are rate-limited per cause, before the sink: a cause is the source
/// plus the kind of event (`log_kind`; without one, the level). At most 10
/// lines per cause and second are written (`set_log_rate_limit`); past
/// that, lines are counted, and once the second is over one line
/// `N more suppressed (KIND)` reports them, with the source and level of
/// the lines it stands for.
///
/// The default sink never blocks its caller: lines go into a bounded queue
/// (256 KiB) that a thread of pss's own writes to stderr. When stderr does
/// not take them (a pipe nobody reads), the queue fills, further lines are
/// dropped and counted (`N log lines dropped: stderr blocked`, once writing
/// goes on), and neither actors nor shutdown wait for it.

namespace pss {

/// How serious a log line is.
enum class log_level { info, warning, error };

/// Receives every log line of pss that passed the rate limit: its level,
/// the server (or component) it is about, and the text.
using log_sink = std::function<void(log_level, const std::string& source,
                                    const std::string& text)>;

/// The kind of event a line reports, e.g. `refused` or `session ended:
/// timeout`; with the source it forms the line's cause for rate limiting.
struct log_kind {
  /// A short name, shown in the `suppressed` summary line.
  std::string name;
};

/// Replaces where log lines go, and starts the rate limit afresh. The
/// default writes `2026-11-25T12:00:00.123Z warning [NAME] text` to stderr
/// without blocking (see above); an empty sink silences pss. Thread-safe.
void set_log_sink(log_sink sink);

/// The default sink: queues one timestamped line for stderr. Never blocks.
void log_to_stderr(log_level level, const std::string& source,
                   const std::string& text);

/// Writes one log line through the current sink, rate-limited by its source
/// and level. Thread-safe.
void log(log_level level, const std::string& source, const std::string& text);

/// Writes one log line through the current sink, rate-limited by its source
/// and `kind`. Thread-safe.
void log(log_level level, const std::string& source, const log_kind& kind,
         const std::string& text);

/// Sets the rate limit: at most `lines` per cause within `interval` (the
/// default: 10 per second); `lines` 0 turns it off. Forgets what was
/// counted so far.
void set_log_rate_limit(size_t lines, std::chrono::milliseconds interval);

/// Queues `line` for stdout without blocking (as the default sink does for
/// stderr): for programs whose stdout is an interface (pss-node's events)
/// and that must not hang when nobody reads it.
void print_line(const std::string& line);

/// Writes a `suppressed` summary for every cause with lines held back, then
/// waits until the lines queued for stdout and stderr are written or
/// `deadline` passes (a blocked descriptor is not waited for longer);
/// returns whether all were. Runs at exit by itself, with a deadline of
/// 500 ms.
bool flush_log(std::chrono::milliseconds deadline);

/// Stops the relay of `log_caf_output` when it goes (see there).
class caf_output_log {
public:
  /// Takes charge of `relay` in `sys` (made by `log_caf_output`).
  caf_output_log(caf::actor_system& sys, caf::actor relay);
  /// Stops the relay and waits until it has ended.
  ~caf_output_log();
  caf_output_log(const caf_output_log&) = delete;
  caf_output_log& operator=(const caf_output_log&) = delete;

private:
  caf::actor_system& sys_;
  caf::actor relay_;
};

/// Sends what CAF prints with `aout` (among it CAF's `*** unexpected
/// message` lines, which any peer of a published actor can provoke) to
/// pss's log instead of stdout: source `caf`, rate-limited, never blocking.
/// Call it once, after constructing the actor system; pss-node does. Keep
/// what it returns while the system runs and let it go before the system
/// ends (declare it after the system): it stops the actor that carries the
/// lines, which the system's end would otherwise leave behind.
[[nodiscard]] caf_output_log log_caf_output(caf::actor_system& sys);

} // namespace pss
