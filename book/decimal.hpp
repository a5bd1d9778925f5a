#pragma once
/// Exact conversion between venues' decimal text and integer counts of a decimal step
/// (a tick or a lot). No floating point is involved in either direction.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace ballast {

/// A decimal quantum: mantissa * 10^-exponent (tick 0.0005 is {5, 4}; lot 1 is {1, 0}).
struct decimal_step {
    std::int64_t mantissa = 1;
    int exponent = 0;
    constexpr bool operator==(const decimal_step&) const noexcept = default;
};

enum class decimal_error : std::uint8_t {
    ok = 0,
    empty,       ///< no characters
    syntax,      ///< not a decimal number (letters, NaN, Infinity, two dots, ...)
    negative,    ///< a minus sign where only non-negative values are allowed
    too_precise, ///< non-zero digits below the step's exponent
    off_step,    ///< a multiple of 10^-exponent but not of the step's mantissa
    overflow,    ///< does not fit in 64 bits at the step's scale
};
[[nodiscard]] std::string_view to_string(decimal_error e) noexcept;

template <class T> struct parse_result {
    T value{};
    decimal_error error = decimal_error::ok;
    [[nodiscard]] constexpr bool ok() const noexcept { return error == decimal_error::ok; }
};

/// Parses a decimal ("0.35130000", "65000.1", "415", "5e-4", "-1.5" when allowed) into a
/// whole number of `step`s. Fails rather than rounds.
[[nodiscard]] parse_result<std::int64_t> parse_steps(std::string_view text, decimal_step step,
                                                     bool allow_negative = false) noexcept;

/// Parses a step itself from text ("0.0005" -> {5, 4}, "1" -> {1, 0}, "10" -> {10, 0}).
[[nodiscard]] parse_result<decimal_step> parse_step(std::string_view text) noexcept;

/// Decimals the text is written with: digits after the point minus the exponent ("0.3510" -> 4,
/// "5e-05" -> 5, "1.5E+3" -> 0, "415" -> 0). Trailing zeros count: they are the venue's scale.
/// Syntax is not checked (parse_steps does that).
[[nodiscard]] int decimals_of(std::string_view text) noexcept;

/// Largest decimal text: sign, 19 digits, point, leading zeros up to exponent 18.
using decimal_buffer = std::array<char, 48>;

/// Formats `steps * step` exactly. With `trim`, trailing fractional zeros (and a bare point)
/// are removed; without it, exactly `step.exponent` decimals are written.
/// Returns the number of characters written into `out`.
std::size_t format_steps(std::int64_t steps, decimal_step step, bool trim,
                         decimal_buffer& out) noexcept;
[[nodiscard]] std::string format_steps(std::int64_t steps, decimal_step step, bool trim = true);

/// steps * step as a double (for costs and Greeks only; never for book keys).
[[nodiscard]] double steps_to_double(std::int64_t steps, decimal_step step) noexcept;

} // namespace ballast
