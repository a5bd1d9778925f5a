#pragma once
/// Uniswap v3 core math, bit for bit: TickMath, SqrtPriceMath, SwapMath and LiquidityMath as
/// the v3-core contracts compute them. Every function returns nullopt (or an error) exactly
/// where the contract reverts. No allocation. The work is done on fixed-limb words
/// (`uniswap_v3::fixed`, what the pool's swap loop calls); the u256 functions are the same
/// math for callers and tests that hold Boost.Multiprecision words.

#include "book/fixed_u256.hpp"
#include "book/int128.hpp"
#include "book/pool_error.hpp"
#include "book/u256.hpp"

#include <cstdint>
#include <optional>

namespace ballast::uniswap_v3 {

inline constexpr std::int32_t min_tick = -887272;
inline constexpr std::int32_t max_tick = 887272;
/// getSqrtRatioAtTick(MIN_TICK).
inline const u256 min_sqrt_ratio{4295128739ULL};
/// getSqrtRatioAtTick(MAX_TICK).
inline const u256 max_sqrt_ratio{"1461446703485210103287273052203988822378723970342"};
/// 2^96, FixedPoint96.Q96.
inline const u256 q96 = u256(1) << 96;
/// Fees are in hundredths of a basis point: 1e6 is 100%.
inline constexpr std::uint32_t fee_denominator = 1'000'000;

/// The tick spacing the factory enables for a fee tier (100/500/3000/10000 -> 1/10/60/200),
/// 0 for a fee that is not a standard tier.
[[nodiscard]] constexpr std::int32_t standard_tick_spacing(std::uint32_t fee) noexcept {
    switch (fee) {
    case 100:
        return 1;
    case 500:
        return 10;
    case 3000:
        return 60;
    case 10000:
        return 200;
    default:
        return 0;
    }
}

/// A value or the contract's revert.
template <class T> struct math_result {
    T value{};
    pool_error error = pool_error::ok;
    [[nodiscard]] constexpr bool ok() const noexcept { return error == pool_error::ok; }
};

/// TickMath.getSqrtRatioAtTick: sqrt(1.0001^tick) * 2^96, rounded up; 'T' when |tick| too big.
[[nodiscard]] math_result<u256> sqrt_ratio_at_tick(std::int32_t tick) noexcept;
/// TickMath.getTickAtSqrtRatio: greatest tick whose ratio <= sqrtPriceX96; 'R' out of range.
[[nodiscard]] math_result<std::int32_t> tick_at_sqrt_ratio(const u256& sqrt_price_x96) noexcept;

/// SqrtPriceMath.getNextSqrtPriceFromAmount0RoundingUp.
[[nodiscard]] std::optional<u256> next_sqrt_price_from_amount0_rounding_up(const u256& sqrt_p,
                                                                           uint128 liquidity,
                                                                           const u256& amount,
                                                                           bool add) noexcept;
/// SqrtPriceMath.getNextSqrtPriceFromAmount1RoundingDown.
[[nodiscard]] std::optional<u256> next_sqrt_price_from_amount1_rounding_down(const u256& sqrt_p,
                                                                             uint128 liquidity,
                                                                             const u256& amount,
                                                                             bool add) noexcept;
/// SqrtPriceMath.getNextSqrtPriceFromInput.
[[nodiscard]] std::optional<u256> next_sqrt_price_from_input(const u256& sqrt_p, uint128 liquidity,
                                                             const u256& amount_in,
                                                             bool zero_for_one) noexcept;
/// SqrtPriceMath.getNextSqrtPriceFromOutput.
[[nodiscard]] std::optional<u256> next_sqrt_price_from_output(const u256& sqrt_p, uint128 liquidity,
                                                              const u256& amount_out,
                                                              bool zero_for_one) noexcept;
/// SqrtPriceMath.getAmount0Delta (unsigned form): token0 between two prices.
[[nodiscard]] std::optional<u256> amount0_delta(u256 sqrt_a, u256 sqrt_b, uint128 liquidity,
                                                bool round_up) noexcept;
/// SqrtPriceMath.getAmount1Delta (unsigned form): token1 between two prices.
[[nodiscard]] std::optional<u256> amount1_delta(u256 sqrt_a, u256 sqrt_b, uint128 liquidity,
                                                bool round_up) noexcept;

/// The result of SwapMath.computeSwapStep.
struct swap_step {
    u256 sqrt_price_next_x96;
    u256 amount_in; ///< excluding the fee
    u256 amount_out;
    u256 fee_amount;
};
/// SwapMath.computeSwapStep. `amount_remaining` is the magnitude of the int256 argument and
/// `exact_input` its sign (>= 0 is exact input).
[[nodiscard]] std::optional<swap_step>
compute_swap_step(const u256& sqrt_current, const u256& sqrt_target, uint128 liquidity,
                  const u256& amount_remaining, bool exact_input, std::uint32_t fee_pips) noexcept;

/// LiquidityMath.addDelta: 'LS' below zero, 'LA' above uint128.
[[nodiscard]] math_result<uint128> add_delta(uint128 x, int128 y) noexcept;

/// The same math on fixed-limb words: the swap loop's hot path.
namespace fixed {

inline constexpr fixed_u256 min_sqrt_ratio{4295128739ULL};
inline constexpr fixed_u256 max_sqrt_ratio{0, 0xfffd8963ULL, 0xefd1fc6a50648849ULL,
                                           0x5d951d5263988d26ULL};
inline constexpr fixed_u256 q96{0, 0, 1ULL << 32, 0};

[[nodiscard]] math_result<fixed_u256> sqrt_ratio_at_tick(std::int32_t tick) noexcept;
[[nodiscard]] math_result<std::int32_t>
tick_at_sqrt_ratio(const fixed_u256& sqrt_price_x96) noexcept;
[[nodiscard]] std::optional<fixed_u256>
next_sqrt_price_from_amount0_rounding_up(const fixed_u256& sqrt_p, uint128 liquidity,
                                         const fixed_u256& amount, bool add) noexcept;
[[nodiscard]] std::optional<fixed_u256>
next_sqrt_price_from_amount1_rounding_down(const fixed_u256& sqrt_p, uint128 liquidity,
                                           const fixed_u256& amount, bool add) noexcept;
[[nodiscard]] std::optional<fixed_u256> next_sqrt_price_from_input(const fixed_u256& sqrt_p,
                                                                   uint128 liquidity,
                                                                   const fixed_u256& amount_in,
                                                                   bool zero_for_one) noexcept;
[[nodiscard]] std::optional<fixed_u256> next_sqrt_price_from_output(const fixed_u256& sqrt_p,
                                                                    uint128 liquidity,
                                                                    const fixed_u256& amount_out,
                                                                    bool zero_for_one) noexcept;
[[nodiscard]] std::optional<fixed_u256> amount0_delta(fixed_u256 sqrt_a, fixed_u256 sqrt_b,
                                                      uint128 liquidity, bool round_up) noexcept;
[[nodiscard]] std::optional<fixed_u256> amount1_delta(fixed_u256 sqrt_a, fixed_u256 sqrt_b,
                                                      uint128 liquidity, bool round_up) noexcept;

/// SwapMath.computeSwapStep's result on fixed-limb words.
struct swap_step {
    fixed_u256 sqrt_price_next_x96;
    fixed_u256 amount_in; ///< excluding the fee
    fixed_u256 amount_out;
    fixed_u256 fee_amount;
};
/// What a step that reaches its target moves, known ahead (a pool caches it per range between
/// two initialized ticks): the input rounded up, the output rounded down, and the fee on that
/// input (mulDivRoundingUp(amountIn, fee, 1e6 - fee)), all at the step's liquidity.
struct full_step {
    fixed_u256 amount_in;
    fixed_u256 amount_out;
    fixed_u256 fee_amount;
};
/// SwapMath.computeSwapStep. With `to_target` (the amounts from sqrt_current to sqrt_target at
/// `liquidity`) those are not recomputed, and a step that reaches the target is them; the
/// result is the same bits.
[[nodiscard]] std::optional<swap_step>
compute_swap_step(const fixed_u256& sqrt_current, const fixed_u256& sqrt_target, uint128 liquidity,
                  const fixed_u256& amount_remaining, bool exact_input, std::uint32_t fee_pips,
                  const full_step* to_target = nullptr) noexcept;

} // namespace fixed

} // namespace ballast::uniswap_v3
