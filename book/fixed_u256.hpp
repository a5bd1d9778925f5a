#pragma once
/// A 256-bit unsigned integer of four fixed 64-bit limbs for the Uniswap v3 hot path: exactly
/// the operations the swap math needs (wrapping and checked add/sub, shifts, compare, the
/// 512-bit product and FullMath's mulDiv by long division). No allocation, no exceptions.
/// `u256` (Boost.Multiprecision) stays the type of the public API and the tests' oracle.

#include "book/int128.hpp"
#include "book/u256.hpp"

#include <array>
#include <compare>
#include <cstdint>
#include <optional>

namespace ballast {

/// An EVM word in little-endian 64-bit limbs; + and - wrap modulo 2^256 like unchecked
/// Solidity, checked_add/checked_sub report the overflow where the contracts revert.
struct fixed_u256 {
    std::array<std::uint64_t, 4> limb{};

    constexpr fixed_u256() noexcept = default;
    /// Explicit, so that a literal never picks between this and u256 in overloaded calls.
    explicit constexpr fixed_u256(std::uint64_t v) noexcept : limb{v, 0, 0, 0} {}
    constexpr fixed_u256(std::uint64_t l3, std::uint64_t l2, std::uint64_t l1,
                         std::uint64_t l0) noexcept
        : limb{l0, l1, l2, l3} {}

    [[nodiscard]] static constexpr fixed_u256 from_u128(uint128 v) noexcept {
        return {0, 0, static_cast<std::uint64_t>(v >> 64), static_cast<std::uint64_t>(v)};
    }
    /// The low 128 bits (the whole value when it fits in a uint128).
    [[nodiscard]] constexpr uint128 low_u128() const noexcept {
        return (static_cast<uint128>(limb[1]) << 64) | limb[0];
    }
    [[nodiscard]] constexpr bool is_zero() const noexcept {
        return (limb[0] | limb[1] | limb[2] | limb[3]) == 0;
    }
    /// Number of significant bits: 0 for 0, msb + 1 otherwise.
    [[nodiscard]] constexpr unsigned bit_width() const noexcept {
        for (unsigned i = 4; i-- > 0;) {
            if (limb[i] != 0) {
                return 64 * i + 64 - static_cast<unsigned>(__builtin_clzll(limb[i]));
            }
        }
        return 0;
    }

    constexpr bool operator==(const fixed_u256& o) const noexcept {
        return ((limb[0] ^ o.limb[0]) | (limb[1] ^ o.limb[1]) | (limb[2] ^ o.limb[2]) |
                (limb[3] ^ o.limb[3])) == 0; // branch-free; the defaulted one calls memcmp
    }
    constexpr std::strong_ordering operator<=>(const fixed_u256& o) const noexcept {
        for (unsigned i = 4; i-- > 0;) {
            if (limb[i] != o.limb[i]) {
                return limb[i] < o.limb[i] ? std::strong_ordering::less
                                           : std::strong_ordering::greater;
            }
        }
        return std::strong_ordering::equal;
    }
};

/// The full product of two words (FullMath's 512-bit intermediate), little-endian limbs.
struct fixed_u512 {
    std::array<std::uint64_t, 8> limb{};
};

/// 2^256 - 1, 2^160 - 1 (uint160), 2^128 - 1 (uint128), 2^255 - 1 (int256 max).
inline constexpr fixed_u256 fixed_u256_max{~0ULL, ~0ULL, ~0ULL, ~0ULL};
inline constexpr fixed_u256 fixed_u160_max{0, 0xffffffffULL, ~0ULL, ~0ULL};
inline constexpr fixed_u256 fixed_u128_max{0, 0, ~0ULL, ~0ULL};
inline constexpr fixed_u256 fixed_i256_max{0x7fffffffffffffffULL, ~0ULL, ~0ULL, ~0ULL};

[[nodiscard]] constexpr fixed_u256 operator+(const fixed_u256& a, const fixed_u256& b) noexcept {
    fixed_u256 r;
    std::uint64_t carry = 0;
    for (unsigned i = 0; i < 4; ++i) {
        const uint128 s = static_cast<uint128>(a.limb[i]) + b.limb[i] + carry;
        r.limb[i] = static_cast<std::uint64_t>(s);
        carry = static_cast<std::uint64_t>(s >> 64);
    }
    return r;
}

[[nodiscard]] constexpr fixed_u256 operator-(const fixed_u256& a, const fixed_u256& b) noexcept {
    fixed_u256 r;
    std::uint64_t borrow = 0;
    for (unsigned i = 0; i < 4; ++i) {
        const std::uint64_t d = a.limb[i] - b.limb[i];
        const std::uint64_t out = d - borrow;
        borrow = static_cast<std::uint64_t>(a.limb[i] < b.limb[i]) |
                 static_cast<std::uint64_t>(d < borrow);
        r.limb[i] = out;
    }
    return r;
}

/// a + b, nullopt past 2^256 - 1 (LowGasSafeMath.add's revert).
[[nodiscard]] constexpr std::optional<fixed_u256> checked_add(const fixed_u256& a,
                                                              const fixed_u256& b) noexcept {
    const fixed_u256 s = a + b;
    if (s < a) {
        return std::nullopt;
    }
    return s;
}
/// a - b, nullopt below zero (LowGasSafeMath.sub's revert).
[[nodiscard]] constexpr std::optional<fixed_u256> checked_sub(const fixed_u256& a,
                                                              const fixed_u256& b) noexcept {
    if (a < b) {
        return std::nullopt;
    }
    return a - b;
}

/// Logical shifts; a shift of 256 or more gives 0, as the EVM's SHL/SHR.
[[nodiscard]] constexpr fixed_u256 operator<<(const fixed_u256& a, unsigned s) noexcept {
    fixed_u256 r;
    if (s >= 256) {
        return r;
    }
    const unsigned limbs = s / 64;
    const unsigned bits = s % 64;
    for (unsigned i = 4; i-- > limbs;) {
        const unsigned from = i - limbs;
        r.limb[i] = a.limb[from] << bits;
        if (bits != 0 && from > 0) {
            r.limb[i] |= a.limb[from - 1] >> (64 - bits);
        }
    }
    return r;
}

[[nodiscard]] constexpr fixed_u256 operator>>(const fixed_u256& a, unsigned s) noexcept {
    fixed_u256 r;
    if (s >= 256) {
        return r;
    }
    const unsigned limbs = s / 64;
    const unsigned bits = s % 64;
    for (unsigned i = 0; i + limbs < 4; ++i) {
        const unsigned from = i + limbs;
        r.limb[i] = a.limb[from] >> bits;
        if (bits != 0 && from + 1 < 4) {
            r.limb[i] |= a.limb[from + 1] << (64 - bits);
        }
    }
    return r;
}

[[nodiscard]] constexpr fixed_u256 operator&(const fixed_u256& a, const fixed_u256& b) noexcept {
    return {a.limb[3] & b.limb[3], a.limb[2] & b.limb[2], a.limb[1] & b.limb[1],
            a.limb[0] & b.limb[0]};
}

/// The exact 512-bit product a * b (schoolbook on 64-bit limbs, 128-bit partial products).
/// Every limb is written once before it is added to, so nothing is zeroed first (a zeroed
/// 64-byte result compiles to `rep stos`, which costs more than the product on short operands).
[[nodiscard]] constexpr fixed_u512 mul_wide(const fixed_u256& a, const fixed_u256& b) noexcept {
    std::uint64_t t[8];
    std::uint64_t carry = 0;
    for (unsigned j = 0; j < 4; ++j) {
        const uint128 p = static_cast<uint128>(a.limb[0]) * b.limb[j] + carry;
        t[j] = static_cast<std::uint64_t>(p);
        carry = static_cast<std::uint64_t>(p >> 64);
    }
    t[4] = carry;
    t[5] = t[6] = t[7] = 0;
    for (unsigned i = 1; i < 4; ++i) {
        if (a.limb[i] == 0) {
            continue;
        }
        carry = 0;
        for (unsigned j = 0; j < 4; ++j) {
            const uint128 p = static_cast<uint128>(a.limb[i]) * b.limb[j] + t[i + j] + carry;
            t[i + j] = static_cast<std::uint64_t>(p);
            carry = static_cast<std::uint64_t>(p >> 64);
        }
        t[i + 4] = carry;
    }
    return fixed_u512{{t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]}};
}

/// The low word of a 512-bit value and whether its high word is zero.
[[nodiscard]] constexpr fixed_u256 low_word(const fixed_u512& p) noexcept {
    return {p.limb[3], p.limb[2], p.limb[1], p.limb[0]};
}
[[nodiscard]] constexpr bool fits_word(const fixed_u512& p) noexcept {
    return (p.limb[4] | p.limb[5] | p.limb[6] | p.limb[7]) == 0;
}

/// FullMath.mulDiv: floor(a*b/d); nullopt where the contract reverts (d == 0, result past
/// 2^256 - 1).
[[nodiscard]] std::optional<fixed_u256> mul_div(const fixed_u256& a, const fixed_u256& b,
                                                const fixed_u256& d) noexcept;
/// FullMath.mulDivRoundingUp: ceil(a*b/d); nullopt where the contract reverts.
[[nodiscard]] std::optional<fixed_u256>
mul_div_rounding_up(const fixed_u256& a, const fixed_u256& b, const fixed_u256& d) noexcept;
/// floor(x/d) as the EVM's DIV: 0 when d == 0.
[[nodiscard]] fixed_u256 div_floor(const fixed_u256& x, const fixed_u256& d) noexcept;
/// UnsafeMath.divRoundingUp: ceil(x/d); 0 when d == 0, as the EVM.
[[nodiscard]] fixed_u256 div_rounding_up(const fixed_u256& x, const fixed_u256& d) noexcept;

/// floor(x/d), or ceil(x/d) when `round_up`, of 512-bit operands; nullopt when d == 0 or the
/// quotient does not fit in 256 bits.
[[nodiscard]] std::optional<fixed_u256> div_wide(const fixed_u512& x, const fixed_u512& d,
                                                 bool round_up) noexcept;

/// Conversions at the API boundary (Boost.Multiprecision words in, results out).
[[nodiscard]] fixed_u256 to_fixed(const u256& v) noexcept;
[[nodiscard]] u256 to_u256(const fixed_u256& v) noexcept;

} // namespace ballast
