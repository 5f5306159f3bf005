#pragma once

#include <functional>
#include <string>
#include <vector>

namespace pss::repl {

/// Interactive line input through libedit: a prompt, line editing,
/// persistent history and tab completion. One per process (libedit's
/// readline interface is global).
class line_editor {
public:
  /// Gives the words that may complete `word`, the word under the cursor;
  /// `first_word` says whether it is the line's first word.
  using completer = std::function<std::vector<std::string>(
      const std::string& line, bool first_word)>;

  /// `history_file`: where history is loaded from and saved to (empty:
  /// none).
  line_editor(std::string prompt, std::string history_file, completer complete);
  line_editor(const line_editor&) = delete;
  line_editor& operator=(const line_editor&) = delete;

  /// Saves the history.
  ~line_editor();

  /// Reads one line; false at end of input (Ctrl-D).
  bool read_line(std::string& line);

private:
  std::string prompt_;
  std::string history_file_;
};

} // namespace pss::repl
