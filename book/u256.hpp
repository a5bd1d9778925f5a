#pragma once
/// 256-bit unsigned integers for on-chain amounts and prices (EVM word semantics), with the
/// full-precision mul/div helpers of Uniswap's FullMath and UnsafeMath.

#include "book/int128.hpp"

#include <boost/multiprecision/cpp_int.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ballast {

/// An EVM word: arithmetic wraps modulo 2^256 exactly like unchecked Solidity.
using u256 = boost::multiprecision::uint256_t;
/// Intermediate for exact products of two words (FullMath's 512-bit product).
using u512 = boost::multiprecision::uint512_t;

/// 2^256 - 1.
inline const u256 u256_max = ~u256(0);
/// 2^160 - 1 (uint160, the type of sqrtPriceX96).
inline const u256 u160_max = (u256(1) << 160) - 1;
/// 2^128 - 1 (uint128, the type of liquidity).
inline const u256 u128_max = (u256(1) << 128) - 1;
/// 2^255 - 1 (int256 max: the largest |amountSpecified| of an exact-input swap).
inline const u256 i256_max = (u256(1) << 255) - 1;

/// Parses a non-negative decimal integer ("0", "79228162514264337593543950336"): digits only,
/// no sign, no leading '+', at most 78 digits. nullopt on syntax error or overflow past 2^256-1.
[[nodiscard]] std::optional<u256> parse_u256(std::string_view text) noexcept;
/// Parses an optionally negative decimal integer that must fit in int128 (liquidityNet).
[[nodiscard]] std::optional<int128> parse_i128(std::string_view text) noexcept;

/// Decimal text of a word (allocates; for output and tests, not the hot path).
[[nodiscard]] std::string to_decimal(const u256& v);
[[nodiscard]] std::string to_decimal(int128 v);
[[nodiscard]] std::string to_decimal(uint128 v);

[[nodiscard]] inline u256 to_u256(uint128 v) noexcept {
    u256 r = static_cast<std::uint64_t>(v >> 64);
    r <<= 64;
    r |= static_cast<std::uint64_t>(v);
    return r;
}
/// Precondition: v <= u128_max.
[[nodiscard]] inline uint128 to_u128(const u256& v) noexcept {
    const auto hi = static_cast<std::uint64_t>(v >> 64);
    const auto lo = static_cast<std::uint64_t>(v);
    return (static_cast<uint128>(hi) << 64) | lo;
}
/// The word as a double (for costs and prices only, never for amounts that must be exact).
[[nodiscard]] inline double to_double(const u256& v) noexcept {
    return v.convert_to<double>();
}

/// FullMath.mulDiv: floor(a*b/d) with a 512-bit product; nullopt where the contract reverts
/// (d == 0 or the result does not fit in 256 bits).
[[nodiscard]] std::optional<u256> mul_div(const u256& a, const u256& b, const u256& d) noexcept;
/// FullMath.mulDivRoundingUp: ceil(a*b/d); nullopt where the contract reverts.
[[nodiscard]] std::optional<u256> mul_div_rounding_up(const u256& a, const u256& b,
                                                      const u256& d) noexcept;
/// floor(x/d) as the EVM's DIV: 0 when d == 0.
[[nodiscard]] u256 div_floor(const u256& x, const u256& d) noexcept;
/// UnsafeMath.divRoundingUp: ceil(x/d); 0 when d == 0, as the EVM.
[[nodiscard]] u256 div_rounding_up(const u256& x, const u256& d) noexcept;

} // namespace ballast
