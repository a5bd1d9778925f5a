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

using limb = std::uint64_t;
using dlimb = uint128;
using sdlimb = int128;
static_assert(sizeof(boost::multiprecision::limb_type) == sizeof(limb),
              "Boost.Multiprecision limbs are expected to be 64-bit");

// The little-endian 64-bit limbs of a fixed-width Boost integer into out[0..cap); returns the
// number of limbs up to the most significant non-zero one.
template <class Int> unsigned to_limbs(const Int& x, limb* out, unsigned cap) noexcept {
    const auto& b = x.backend();
    const unsigned size = b.size();
    for (unsigned i = 0; i < cap; ++i) {
        out[i] = i < size ? b.limbs()[i] : 0;
    }
    unsigned used = std::min(size, cap);
    while (used > 0 && out[used - 1] == 0) {
        --used;
    }
    return used;
}

u256 from_limbs(const limb* l) noexcept {
    u256 r;
    auto& b = r.backend();
    b.resize(4, 4);
    for (unsigned i = 0; i < 4; ++i) {
        b.limbs()[i] = l[i];
    }
    b.normalize();
    return r;
}

// Long division on 64-bit limbs (Knuth's algorithm D, as in Hacker's Delight's divmnu):
// q[0..m-n] = u / v and r[0..n) = u % v, for m >= n >= 1 limbs, v[n-1] != 0, m <= 8, n <= 4.
// Boost.Multiprecision's generic division was most of a v3 quote's time.
void divmod_limbs(const limb* u, unsigned m, const limb* v, unsigned n, limb* q, limb* r) noexcept {
    if (n == 1) {
        dlimb rem = 0;
        for (unsigned j = m; j-- > 0;) {
            const dlimb cur = (rem << 64) | u[j];
            q[j] = static_cast<limb>(cur / v[0]);
            rem = cur % v[0];
        }
        r[0] = static_cast<limb>(rem);
        return;
    }
    // Normalise so that the divisor's top limb has its high bit set.
    const int s = __builtin_clzll(v[n - 1]);
    auto shl = [s](limb hi, limb lo) { return s == 0 ? hi : (hi << s) | (lo >> (64 - s)); };
    limb vn[4];
    limb un[9];
    for (unsigned i = n - 1; i > 0; --i) {
        vn[i] = shl(v[i], v[i - 1]);
    }
    vn[0] = v[0] << s;
    un[m] = s == 0 ? 0 : u[m - 1] >> (64 - s);
    for (unsigned i = m - 1; i > 0; --i) {
        un[i] = shl(u[i], u[i - 1]);
    }
    un[0] = u[0] << s;
    for (unsigned j = m - n + 1; j-- > 0;) {
        // Estimate the quotient limb from the top two limbs, then correct it (at most twice).
        const dlimb top = (static_cast<dlimb>(un[j + n]) << 64) | un[j + n - 1];
        dlimb qhat = top / vn[n - 1];
        dlimb rhat = top - qhat * vn[n - 1];
        while ((qhat >> 64) != 0 || qhat * vn[n - 2] > ((rhat << 64) | un[j + n - 2])) {
            --qhat;
            rhat += vn[n - 1];
            if ((rhat >> 64) != 0) {
                break;
            }
        }
        // un[j..j+n] -= qhat * vn
        sdlimb borrow = 0;
        sdlimb t = 0;
        for (unsigned i = 0; i < n; ++i) {
            const dlimb p = qhat * vn[i];
            t = static_cast<sdlimb>(un[i + j]) - borrow - static_cast<sdlimb>(static_cast<limb>(p));
            un[i + j] = static_cast<limb>(t);
            borrow = static_cast<sdlimb>(p >> 64) - (t >> 64);
        }
        t = static_cast<sdlimb>(un[j + n]) - borrow;
        un[j + n] = static_cast<limb>(t);
        q[j] = static_cast<limb>(qhat);
        if (t < 0) { // the estimate was one too large: add the divisor back
            --q[j];
            dlimb carry = 0;
            for (unsigned i = 0; i < n; ++i) {
                const dlimb sum = static_cast<dlimb>(un[i + j]) + vn[i] + carry;
                un[i + j] = static_cast<limb>(sum);
                carry = sum >> 64;
            }
            un[j + n] += static_cast<limb>(carry);
        }
    }
    for (unsigned i = 0; i < n; ++i) {
        r[i] = s == 0 ? un[i] : (un[i] >> s) | (un[i + 1] << (64 - s));
    }
}

// floor(p / d), rounded up when asked and the division left a remainder; nullopt when the
// result does not fit in 256 bits. Powers of two (Q96) are shifts.
template <class Wide> std::optional<u256> divide(const Wide& p, const u256& d, bool round_up) {
    constexpr unsigned wide_limbs = std::is_same_v<Wide, u512> ? 8 : 4;
    limb q[8] = {};
    bool remainder = false;
    if ((d & (d - 1)) == 0) {
        const auto shift = static_cast<unsigned>(boost::multiprecision::msb(d));
        const Wide shifted = p >> shift;
        remainder = (p & ((Wide(1) << shift) - 1)) != 0;
        to_limbs(shifted, q, wide_limbs);
    } else {
        limb u[8];
        limb v[4];
        limb r[4] = {};
        const unsigned m = to_limbs(p, u, wide_limbs);
        const unsigned n = to_limbs(d, v, 4);
        if (m >= n) {
            divmod_limbs(u, m, v, n, q, r);
            remainder = (r[0] | r[1] | r[2] | r[3]) != 0;
        } else {
            remainder = m != 0;
        }
    }
    if ((q[4] | q[5] | q[6] | q[7]) != 0) {
        return std::nullopt;
    }
    u256 result = from_limbs(q);
    if (round_up && remainder) {
        ++result;
        if (result == 0) { // wrapped past 2^256
            return std::nullopt;
        }
    }
    return result;
}

} // namespace

u256 div_floor(const u256& x, const u256& d) noexcept {
    return d == 0 ? u256(0) : divide<u256>(x, d, false).value_or(u256(0));
}

u256 div_rounding_up(const u256& x, const u256& d) noexcept {
    // ceil(x/d) <= x, so rounding up never wraps.
    return d == 0 ? u256(0) : divide<u256>(x, d, true).value_or(u256(0));
}

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
