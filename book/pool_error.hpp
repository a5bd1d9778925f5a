#pragma once
/// Why an AMM quote or pool update failed: the revert reasons of the Uniswap contracts, plus
/// the pool model's own bad-input cases.

#include <cstdint>
#include <string_view>

namespace ballast {

enum class pool_error : std::uint8_t {
    ok = 0,
    zero_amount,            ///< v3 'AS': amountSpecified == 0
    price_limit,            ///< v3 'SPL': limit on the wrong side of the price or out of range
    tick_out_of_range,      ///< TickMath 'T': |tick| > 887272
    price_out_of_range,     ///< TickMath 'R': sqrtPriceX96 outside [MIN_SQRT_RATIO, MAX_SQRT_RATIO)
    liquidity_underflow,    ///< LiquidityMath 'LS'
    liquidity_overflow,     ///< LiquidityMath 'LA'
    math_overflow,          ///< an arithmetic revert without a reason (FullMath, SafeCast, ...)
    amount_too_large,       ///< |amountSpecified| does not fit in int256
    insufficient_input,     ///< v2 'UniswapV2Library: INSUFFICIENT_INPUT_AMOUNT'
    insufficient_output,    ///< v2 'UniswapV2Library: INSUFFICIENT_OUTPUT_AMOUNT'
    insufficient_liquidity, ///< v2 'UniswapV2Library: INSUFFICIENT_LIQUIDITY'
    reserve_overflow,       ///< v2 'UniswapV2: OVERFLOW': a reserve would exceed uint112
    bad_fee,                ///< fee outside [0, 1e6) or a v3 tier without its tick spacing
    bad_tick,               ///< tick not a multiple of the spacing, unsorted or duplicate
    bad_state,              ///< tick inconsistent with sqrtPriceX96, zero price, ...
};

/// The contract's revert string where there is one ("AS", "SPL", ...), else a short reason.
[[nodiscard]] constexpr std::string_view to_string(pool_error e) noexcept {
    switch (e) {
    case pool_error::ok:
        return "ok";
    case pool_error::zero_amount:
        return "AS";
    case pool_error::price_limit:
        return "SPL";
    case pool_error::tick_out_of_range:
        return "T";
    case pool_error::price_out_of_range:
        return "R";
    case pool_error::liquidity_underflow:
        return "LS";
    case pool_error::liquidity_overflow:
        return "LA";
    case pool_error::math_overflow:
        return "arithmetic overflow";
    case pool_error::amount_too_large:
        return "amount does not fit in int256";
    case pool_error::insufficient_input:
        return "UniswapV2Library: INSUFFICIENT_INPUT_AMOUNT";
    case pool_error::insufficient_output:
        return "UniswapV2Library: INSUFFICIENT_OUTPUT_AMOUNT";
    case pool_error::insufficient_liquidity:
        return "UniswapV2Library: INSUFFICIENT_LIQUIDITY";
    case pool_error::reserve_overflow:
        return "UniswapV2: OVERFLOW";
    case pool_error::bad_fee:
        return "bad fee";
    case pool_error::bad_tick:
        return "bad tick";
    case pool_error::bad_state:
        return "bad pool state";
    }
    return "unknown";
}

/// What the revert means, for people: "amount specified is zero" for 'AS'. to_string stays
/// the contract's own code (tests compare it with the contracts' reverts).
[[nodiscard]] constexpr std::string_view explain(pool_error e) noexcept {
    switch (e) {
    case pool_error::ok:
        return "ok";
    case pool_error::zero_amount:
        return "amount specified is zero";
    case pool_error::price_limit:
        return "sqrt price limit is on the wrong side of the current price or outside "
               "[MIN_SQRT_RATIO, MAX_SQRT_RATIO)";
    case pool_error::tick_out_of_range:
        return "tick outside [-887272, 887272]";
    case pool_error::price_out_of_range:
        return "sqrt price outside [MIN_SQRT_RATIO, MAX_SQRT_RATIO)";
    case pool_error::liquidity_underflow:
        return "liquidity would go below zero";
    case pool_error::liquidity_overflow:
        return "liquidity would exceed uint128";
    case pool_error::math_overflow:
        return "an intermediate result overflows the contract's integer types";
    case pool_error::amount_too_large:
        return "the amount does not fit in int256";
    case pool_error::insufficient_input:
        return "the input amount is zero";
    case pool_error::insufficient_output:
        return "the output amount is zero";
    case pool_error::insufficient_liquidity:
        return "a reserve is zero or the output would take the whole reserve";
    case pool_error::reserve_overflow:
        return "a reserve would exceed uint112";
    case pool_error::bad_fee:
        return "fee outside [0, 1e6) or a v3 fee tier without its tick spacing";
    case pool_error::bad_tick:
        return "a tick is not a multiple of the spacing, unsorted or duplicate";
    case pool_error::bad_state:
        return "the pool state is inconsistent (tick vs sqrt price, zero price, ...)";
    }
    return "unknown";
}

} // namespace ballast
