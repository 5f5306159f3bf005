#pragma once

#include <functional>
#include <string>

namespace pss {

/// How serious a log line is.
enum class log_level { info, warning, error };

/// Receives every log line of pss: its level, the server (or component) it
/// is about, and the text.
using log_sink = std::function<void(log_level, const std::string& source,
                                    const std::string& text)>;

/// Replaces where log lines go. The default writes
/// `2026-11-25T12:00:00.123Z warning [NAME] text` to stderr; an empty sink
/// silences pss. Thread-safe.
void set_log_sink(log_sink sink);

/// The default sink: one timestamped line on stderr.
void log_to_stderr(log_level level, const std::string& source,
                   const std::string& text);

/// Writes one log line through the current sink. Thread-safe.
void log(log_level level, const std::string& source, const std::string& text);

} // namespace pss
