#include "book/u256.hpp"

#include "book/fixed_u256.hpp"

#include <algorithm>

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

// The Boost-typed FullMath/UnsafeMath forward to the fixed-limb implementation (one long
// division for the whole book).
u256 div_floor(const u256& x, const u256& d) noexcept {
    return to_u256(div_floor(to_fixed(x), to_fixed(d)));
}

u256 div_rounding_up(const u256& x, const u256& d) noexcept {
    return to_u256(div_rounding_up(to_fixed(x), to_fixed(d)));
}

std::optional<u256> mul_div(const u256& a, const u256& b, const u256& d) noexcept {
    const auto r = mul_div(to_fixed(a), to_fixed(b), to_fixed(d));
    return r ? std::optional<u256>(to_u256(*r)) : std::nullopt;
}

std::optional<u256> mul_div_rounding_up(const u256& a, const u256& b, const u256& d) noexcept {
    const auto r = mul_div_rounding_up(to_fixed(a), to_fixed(b), to_fixed(d));
    return r ? std::optional<u256>(to_u256(*r)) : std::nullopt;
}

} // namespace ballast
