#include "book/decimal.hpp"
#include "book/int128.hpp"

#include <climits>
#include <cmath>
#include <cstdint>
#include <limits>

namespace ballast {

std::string_view to_string(decimal_error e) noexcept {
    switch (e) {
    case decimal_error::ok:
        return "ok";
    case decimal_error::empty:
        return "empty number";
    case decimal_error::syntax:
        return "not a decimal number";
    case decimal_error::negative:
        return "negative value";
    case decimal_error::too_precise:
        return "more decimals than the instrument's step";
    case decimal_error::off_step:
        return "not a multiple of the instrument's step";
    case decimal_error::overflow:
        return "number out of range";
    }
    return "unknown";
}

namespace {

constexpr int max_pow10 = 38;
constexpr int128 int128_max = static_cast<int128>(~static_cast<uint128>(0) >> 1);

constexpr int128 pow10_i128(int n) noexcept {
    int128 r = 1;
    for (int i = 0; i < n; ++i) {
        r *= 10;
    }
    return r;
}

struct scanned_decimal {
    int128 digits = 0; // significant digits as an integer
    int scale = 0;     // value = digits * 10^scale
    bool negative = false;
    decimal_error error = decimal_error::ok;
};

// Reads [sign] digits [. digits] [e|E [sign] digits]. Leading zeros do not count towards the
// 38-digit limit, trailing fractional zeros are dropped.
scanned_decimal scan(std::string_view s) noexcept {
    scanned_decimal r;
    if (s.empty()) {
        r.error = decimal_error::empty;
        return r;
    }
    std::size_t i = 0;
    if (s[i] == '-' || s[i] == '+') {
        r.negative = s[i] == '-';
        ++i;
    }
    int significant = 0;
    int frac_digits = 0;
    int dropped_int_zeros = 0; // integer digits beyond capacity (must be zeros)
    bool any_digit = false;
    bool seen_point = false;
    for (; i < s.size(); ++i) {
        const char c = s[i];
        if (c >= '0' && c <= '9') {
            any_digit = true;
            if (r.digits == 0 && c == '0') {
                if (seen_point) {
                    ++frac_digits;
                }
                continue;
            }
            if (significant >= max_pow10 - 1) {
                if (c != '0') {
                    r.error = decimal_error::overflow;
                    return r;
                }
                // A zero beyond capacity: exact if we scale instead of storing it.
                if (!seen_point) {
                    ++dropped_int_zeros;
                }
                continue;
            }
            r.digits = r.digits * 10 + (c - '0');
            ++significant;
            if (seen_point) {
                ++frac_digits;
            }
        } else if (c == '.' && !seen_point) {
            seen_point = true;
        } else if (c == 'e' || c == 'E') {
            break;
        } else {
            r.error = decimal_error::syntax;
            return r;
        }
    }
    if (!any_digit) {
        r.error = decimal_error::syntax;
        return r;
    }
    int exp10 = 0;
    if (i < s.size()) { // exponent part
        ++i;
        bool exp_negative = false;
        if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
            exp_negative = s[i] == '-';
            ++i;
        }
        if (i == s.size()) {
            r.error = decimal_error::syntax;
            return r;
        }
        for (; i < s.size(); ++i) {
            const char c = s[i];
            if (c < '0' || c > '9') {
                r.error = decimal_error::syntax;
                return r;
            }
            if (exp10 > 10000) {
                r.error = decimal_error::overflow;
                return r;
            }
            exp10 = exp10 * 10 + (c - '0');
        }
        if (exp_negative) {
            exp10 = -exp10;
        }
    }
    r.scale = exp10 - frac_digits + dropped_int_zeros;
    // Normalise: strip trailing zeros of the digits into the scale.
    while (r.digits != 0 && r.digits % 10 == 0) {
        r.digits /= 10;
        ++r.scale;
    }
    if (r.digits == 0) {
        r.scale = 0;
    }
    return r;
}

} // namespace

namespace {
constexpr std::uint64_t pow10_u64[] = {1ULL,
                                       10ULL,
                                       100ULL,
                                       1000ULL,
                                       10000ULL,
                                       100000ULL,
                                       1000000ULL,
                                       10000000ULL,
                                       100000000ULL,
                                       1000000000ULL,
                                       10000000000ULL,
                                       100000000000ULL,
                                       1000000000000ULL,
                                       10000000000000ULL,
                                       100000000000000ULL,
                                       1000000000000000ULL,
                                       10000000000000000ULL,
                                       100000000000000000ULL,
                                       1000000000000000000ULL};

// The common case in 64-bit arithmetic: plain decimals with at most 19 significant digits and
// no exponent. Returns false when the general (128-bit) path must decide. Two tight loops find
// the integer and fractional digit runs; leading integer zeros and trailing fractional zeros
// are trimmed by pointer before any arithmetic, so the accumulation has no branch but the
// loop's and cannot overflow (19 digits < 2^64).
bool parse_steps_fast(std::string_view text, decimal_step step, bool allow_negative,
                      parse_result<std::int64_t>& out) noexcept {
    const char* p = text.data();
    const char* const end = p + text.size();
    if (p == end || step.mantissa <= 0 || step.exponent < 0 || step.exponent > 18) {
        return false;
    }
    bool negative = false;
    if (*p == '-' || *p == '+') {
        negative = *p == '-';
        ++p;
    }
    auto is_digit = [](char c) { return static_cast<unsigned>(c - '0') < 10; };
    const char* int_begin = p;
    while (p != end && is_digit(*p)) {
        ++p;
    }
    const char* const int_end = p;
    const char* frac_begin = p;
    const char* frac_end = p;
    if (p != end) {
        if (*p != '.') {
            return false; // exponents and syntax errors: the general path
        }
        frac_begin = ++p;
        while (p != end && is_digit(*p)) {
            ++p;
        }
        if (p != end) {
            return false;
        }
        frac_end = p;
    }
    if (int_begin == int_end && frac_begin == frac_end) {
        return false; // no digit at all
    }
    while (int_begin != int_end && *int_begin == '0') {
        ++int_begin;
    }
    while (frac_end != frac_begin && frac_end[-1] == '0') {
        --frac_end;
    }
    const auto frac = static_cast<int>(frac_end - frac_begin);
    if ((int_end - int_begin) + frac > 19) {
        return false;
    }
    std::uint64_t digits = 0;
    for (const char* c = int_begin; c != int_end; ++c) {
        digits = digits * 10 + static_cast<unsigned>(*c - '0');
    }
    for (const char* c = frac_begin; c != frac_end; ++c) {
        digits = digits * 10 + static_cast<unsigned>(*c - '0');
    }
    if (negative && digits != 0 && !allow_negative) {
        out.error = decimal_error::negative; // the sign first, as the general path decides
        return true;
    }
    // value = digits * 10^-frac; steps = value / (m * 10^-e) = digits * 10^(e - frac) / m
    const int k = step.exponent - frac;
    if (k < 0) {
        out.error = decimal_error::too_precise; // digits ends in a non-zero fractional digit
        return true;
    }
    std::uint64_t units = 0;
    if (__builtin_mul_overflow(digits, pow10_u64[k], &units)) {
        return false;
    }
    if (step.mantissa != 1) {
        const auto m = static_cast<std::uint64_t>(step.mantissa);
        if (units % m != 0) {
            out.error = decimal_error::off_step;
            return true;
        }
        units /= m;
    }
    if (units > static_cast<std::uint64_t>(INT64_MAX)) {
        return false;
    }
    out.value = negative ? -static_cast<std::int64_t>(units) : static_cast<std::int64_t>(units);
    out.error = decimal_error::ok;
    return true;
}
} // namespace

parse_result<std::int64_t> parse_steps(std::string_view text, decimal_step step,
                                       bool allow_negative) noexcept {
    parse_result<std::int64_t> out;
    if (parse_steps_fast(text, step, allow_negative, out)) {
        return out;
    }
    const scanned_decimal d = scan(text);
    if (d.error != decimal_error::ok) {
        out.error = d.error;
        return out;
    }
    if (d.negative && d.digits != 0 && !allow_negative) {
        out.error = decimal_error::negative;
        return out;
    }
    if (step.mantissa <= 0 || step.exponent < 0 || step.exponent > 30) {
        out.error = decimal_error::off_step;
        return out;
    }
    // value / (m * 10^-e) = digits * 10^(scale + e) / m
    const int k = d.scale + step.exponent;
    int128 units = d.digits;
    if (k > 0) {
        if (k > max_pow10) {
            out.error = d.digits == 0 ? decimal_error::ok : decimal_error::overflow;
            return out;
        }
        const int128 p = pow10_i128(k);
        if (units > int128_max / p) {
            out.error = decimal_error::overflow;
            return out;
        }
        units *= p;
    } else if (k < 0) {
        // digits has no trailing zeros, so any negative k means sub-step precision.
        if (d.digits != 0) {
            out.error = decimal_error::too_precise;
            return out;
        }
    }
    if (units % step.mantissa != 0) {
        out.error = decimal_error::off_step;
        return out;
    }
    units /= step.mantissa;
    if (units > std::numeric_limits<std::int64_t>::max()) {
        out.error = decimal_error::overflow;
        return out;
    }
    out.value = static_cast<std::int64_t>(units);
    if (d.negative) {
        out.value = -out.value;
    }
    return out;
}

parse_result<decimal_step> parse_step(std::string_view text) noexcept {
    parse_result<decimal_step> out;
    const scanned_decimal d = scan(text);
    if (d.error != decimal_error::ok) {
        out.error = d.error;
        return out;
    }
    if (d.negative || d.digits == 0) {
        out.error = d.negative ? decimal_error::negative : decimal_error::syntax;
        return out;
    }
    int128 m = d.digits;
    int e = -d.scale;
    while (e < 0) { // 10 -> {10, 0}, 1e2 -> {100, 0}
        m *= 10;
        ++e;
        if (m > std::numeric_limits<std::int64_t>::max()) {
            out.error = decimal_error::overflow;
            return out;
        }
    }
    if (m > std::numeric_limits<std::int64_t>::max() || e > 30) {
        out.error = decimal_error::overflow;
        return out;
    }
    out.value = decimal_step{static_cast<std::int64_t>(m), e};
    return out;
}

std::size_t format_steps(std::int64_t steps, decimal_step step, bool trim,
                         decimal_buffer& out) noexcept {
    int128 v = static_cast<int128>(steps) * step.mantissa;
    const bool negative = v < 0;
    if (negative) {
        v = -v;
    }
    // Digits in reverse.
    char rev[48];
    int n = 0;
    const int e = step.exponent;
    do {
        rev[n++] = static_cast<char>('0' + static_cast<int>(v % 10));
        v /= 10;
    } while (v != 0 && n < 46);
    while (n <= e) { // at least one integer digit
        rev[n++] = '0';
    }
    std::size_t len = 0;
    if (negative) {
        out[len++] = '-';
    }
    for (int i = n - 1; i >= 0; --i) {
        if (i == e - 1) {
            out[len++] = '.';
        }
        out[len++] = rev[i];
    }
    if (trim && e > 0) {
        while (out[len - 1] == '0') {
            --len;
        }
        if (out[len - 1] == '.') {
            --len;
        }
    }
    if (len == 2 && out[0] == '-' &&
        out[1] == '0') { // -0 after trimming cannot happen, but be exact
        out[0] = '0';
        len = 1;
    }
    return len;
}

std::string format_steps(std::int64_t steps, decimal_step step, bool trim) {
    decimal_buffer buf;
    const std::size_t n = format_steps(steps, step, trim, buf);
    return std::string(buf.data(), n);
}

int decimals_of(std::string_view text) noexcept {
    int frac = 0;
    std::size_t i = 0;
    const auto point = text.find('.');
    const auto e = text.find_first_of("eE");
    if (point != std::string_view::npos && (e == std::string_view::npos || point < e)) {
        for (i = point + 1; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
            ++frac;
        }
    }
    long exponent = 0;
    if (e != std::string_view::npos) {
        i = e + 1;
        const bool negative = i < text.size() && text[i] == '-';
        if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
            ++i;
        }
        for (; i < text.size() && text[i] >= '0' && text[i] <= '9' && exponent < 1000; ++i) {
            exponent = exponent * 10 + (text[i] - '0');
        }
        exponent = negative ? -exponent : exponent;
    }
    const long d = frac - exponent;
    return d < 0 ? 0 : (d > 1000 ? 1000 : static_cast<int>(d));
}

double steps_to_double(std::int64_t steps, decimal_step step) noexcept {
    // Powers of ten up to 1e22 are exact doubles, so the division rounds once.
    static constexpr double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    const double units = static_cast<double>(static_cast<int128>(steps) * step.mantissa);
    if (step.exponent >= 0 && step.exponent <= 22) {
        return units / pow10[step.exponent];
    }
    return units * std::pow(10.0, -step.exponent);
}

} // namespace ballast
