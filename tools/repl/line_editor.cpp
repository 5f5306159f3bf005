#include "line_editor.hpp"

#include <cstdlib>
#include <cstring>

#include <editline/readline.h>

namespace pss::repl {

namespace {

// libedit's readline interface calls plain C functions; they reach the
// completer through these.
line_editor::completer* active_completer = nullptr;
std::vector<std::string> candidates;
size_t next_candidate = 0;

char* candidate_generator(const char* text, int state) {
  if (state == 0)
    next_candidate = 0;
  auto length = std::strlen(text);
  while (next_candidate < candidates.size()) {
    auto& word = candidates[next_candidate++];
    if (word.compare(0, length, text) == 0)
      return ::strdup(word.c_str());
  }
  return nullptr;
}

char** complete(const char* text, int start, int) {
  // No file-name completion when nothing matches.
  rl_attempted_completion_over = 1;
  candidates.clear();
  if (active_completer != nullptr)
    candidates = (*active_completer)(rl_line_buffer, start == 0);
  return rl_completion_matches(text, candidate_generator);
}

} // namespace

line_editor::line_editor(std::string prompt, std::string history_file,
                         completer complete_fn)
    : prompt_(std::move(prompt)), history_file_(std::move(history_file)) {
  static completer stored;
  stored = std::move(complete_fn);
  active_completer = &stored;
  rl_readline_name = "pss-repl";
  rl_attempted_completion_function = complete;
  rl_completion_append_character = ' ';
  stifle_history(1000);
  if (!history_file_.empty())
    read_history(history_file_.c_str());
}

line_editor::~line_editor() {
  if (!history_file_.empty())
    write_history(history_file_.c_str());
  active_completer = nullptr;
}

bool line_editor::read_line(std::string& line) {
  char* raw = readline(prompt_.c_str());
  if (raw == nullptr)
    return false;
  line = raw;
  std::free(raw);
  // Keep distinct, non-blank lines in the history.
  if (line.find_first_not_of(" \t") != std::string::npos) {
    auto last = history_length > 0
                    ? history_get(history_base + history_length - 1)
                    : nullptr;
    if (last == nullptr || line != last->line)
      add_history(line.c_str());
  }
  return true;
}

} // namespace pss::repl
