#pragma once
// Checks every command's options share (issue 14's "every numeric input has a stated range"):
// numbers are decimal text (no hex, no inf or nan, nothing empty) inside a stated range, counts
// are whole numbers in range (a "-1" never wraps into an unsigned), and no output is one of the
// command's own inputs. Each failure is one line naming the option, the value and the range.
#include "exec/scenario.hpp"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ballast::cli {

/// A CLI11 check on the option's text: a finite decimal number in [lo, hi]. Its description
/// ("in [lo, hi]") is shown by --help.
[[nodiscard]] CLI::Validator number_in(double lo, double hi);
/// The same for a whole number (decimal digits, optional sign) in [lo, hi].
[[nodiscard]] CLI::Validator integer_in(std::int64_t lo, std::int64_t hi);
/// Every comma-separated item a finite decimal number in [lo, hi] (lists like --profile).
[[nodiscard]] CLI::Validator numbers_in(double lo, double hi);

/// A CLI11 check that the option's text is not empty (a file name, a name).
[[nodiscard]] CLI::Validator non_empty();

/// A number as a range bound or value is shown: "64", "0.1", "1e+06".
[[nodiscard]] std::string number_text(double v);

/// The same file (one inode), or the same path when either does not exist yet.
using exec::same_file;

/// Adds `files` to `inputs` as {option, path}; "<option>: <path> given twice" when one of them
/// is already there under the same option (each input once).
[[nodiscard]] std::optional<std::string>
add_inputs(std::string_view option, const std::vector<std::string>& files,
           std::vector<std::pair<std::string, std::string>>& inputs);

/// An output given with `output_option` that is one of `inputs` ({option, path}) would destroy
/// that input: the error line ("--report: scenario.toml is also --config"), or nullopt.
[[nodiscard]] std::optional<std::string>
output_is_an_input(std::string_view output_option, const std::string& output,
                   const std::vector<std::pair<std::string, std::string>>& inputs);

} // namespace ballast::cli
