#include "book/u256.hpp"

#include <algorithm>
#include <type_traits>

namespace ballast {

std::optional<u256> parse_u256(std::string_view text) noexcept {
    if (text.empty() || text.size() > 78) {
        return std::nullopt;
    }
    u256 v = 0;
    const u256 max_div_10 = u256_max / 10;
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        const unsigned d = static_cast<unsigned>(c - '0');
        if (v > max_div_10 || (v == max_div_10 && d > static_cast<unsigned>(u256_max % 10))) {
            return std::nullopt;
        }
        v = v * 10 + d;
    }
    return v;
}

std::optional<int128> parse_i128(std::string_view text) noexcept {
    const bool negative = !text.empty() && text.front() == '-';
    if (negative) {
        text.remove_prefix(1);
    }
    const auto mag = parse_u256(text);
    if (!mag) {
        return std::nullopt;
    }
    const u256 limit = (u256(1) << 127) - (negative ? 0 : 1);
    if (*mag > limit) {
        return std::nullopt;
    }
    const auto m = to_u128(*mag);
    return negative ? static_cast<int128>(uint128(0) - m) : static_cast<int128>(m);
}

std::string to_decimal(const u256& v) {
    return v.str();
}

std::string to_decimal(uint128 v) {
    if (v == 0) {
        return "0";
    }
    std::string s;
    while (v != 0) {
        s.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
        v /= 10;
    }
    std::reverse(s.begin(), s.end());
    return s;
}

std::string to_decimal(int128 v) {
    if (v >= 0) {
        return to_decimal(static_cast<uint128>(v));
    }
    std::string s = to_decimal(uint128(0) - static_cast<uint128>(v));
    s.insert(s.begin(), '-');
    return s;
}

namespace {

// Upper bound on the bit length of a*b: the product fits in 256 bits when this is <= 256.
unsigned product_bits(const u256& a, const u256& b) noexcept {
    if (a == 0 || b == 0) {
        return 0;
    }
    return static_cast<unsigned>(boost::multiprecision::msb(a) + boost::multiprecision::msb(b) + 2);
}

// floor(p / d) and whether the division left a remainder, on the narrowest type that holds p.
// Powers of two (Q96) are shifts.
template <class Wide> std::optional<u256> divide(const Wide& p, const u256& d, bool round_up) {
    Wide q;
    bool remainder = false;
    if ((d & (d - 1)) == 0) {
        const auto shift = static_cast<unsigned>(boost::multiprecision::msb(d));
        q = p >> shift;
        remainder = (p & ((Wide(1) << shift) - 1)) != 0;
    } else {
        q = p / d;
        remainder = q * d != p;
    }
    if (round_up && remainder) {
        ++q;
        if (q == 0) { // wrapped past 2^256 (only possible for Wide == u256)
            return std::nullopt;
        }
    }
    if constexpr (std::is_same_v<Wide, u512>) {
        if (q > u512(u256_max)) {
            return std::nullopt;
        }
        return static_cast<u256>(q);
    } else {
        return q;
    }
}

} // namespace

std::optional<u256> mul_div(const u256& a, const u256& b, const u256& d) noexcept {
    if (d == 0) {
        return std::nullopt;
    }
    if (product_bits(a, b) <= 256) {
        return divide<u256>(a * b, d, false);
    }
    return divide<u512>(u512(a) * b, d, false);
}

std::optional<u256> mul_div_rounding_up(const u256& a, const u256& b, const u256& d) noexcept {
    if (d == 0) {
        return std::nullopt;
    }
    if (product_bits(a, b) <= 256) {
        return divide<u256>(a * b, d, true);
    }
    return divide<u512>(u512(a) * b, d, true);
}

} // namespace ballast
