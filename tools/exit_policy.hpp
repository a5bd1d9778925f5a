#pragma once
// One exit policy for every `ballast` command (README, "Exit status"):
//   0  the command did its job (and --help / --version);
//   1  it could not do its job: a venue or node unreachable, a write that failed (a full disk,
//      a closed pipe), a run that halted;
//   2  bad usage or bad input: an unknown option, a value out of its range, a file that is not
//      what the command reads. Always one line on stderr naming the option or field, the value
//      and the reason.
#include <CLI/CLI.hpp>

#include <string_view>

namespace ballast::cli {

inline constexpr int exit_done = 0;
inline constexpr int exit_failed = 1;
inline constexpr int exit_bad_input = 2;

/// The version `--version` prints ("ballast 0.1.0").
[[nodiscard]] std::string_view version_line() noexcept;

/// Adds `--version` to a command's parser.
void add_version_flag(CLI::App& app);

/// A CLI11 parse outcome under the policy: --help and --version print to stdout and give 0;
/// anything else prints one line "<command>: <reason> (see ballast <command> --help)" on
/// stderr and gives 2 (CLI11's own
/// codes, 105 to 114, are not used).
[[nodiscard]] int parse_failed(const CLI::App& app, const CLI::ParseError& e);

/// A failed write to stdout: the first one's errno is kept for finish_output (a later flush
/// or ferror no longer knows why). Call right after the failing write, before errno changes.
void note_output_error(int err) noexcept;

/// Writes `text` to stdout; false once stdout has failed (the first errno is noted).
[[nodiscard]] bool write_out(std::string_view text) noexcept;

/// A command's name as its messages start: "ballast replay" and "replay" are both "replay".
[[nodiscard]] std::string_view command_name(const CLI::App& app) noexcept;

/// After a command: stdout is flushed and checked. Output that could not be written (a full
/// disk, a closed pipe) turns a 0 into 1 with one line on stderr saying so.
[[nodiscard]] int finish_output(std::string_view command, int code);

} // namespace ballast::cli
