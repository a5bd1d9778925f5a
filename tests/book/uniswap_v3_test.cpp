// Uniswap v3 model: the contract's reverts, TickMath properties, tick bitmap stepping, and
// pool updates from Swap/Mint/Burn events. Exact amounts are checked against the SDK in
// uniswap_reference_test.cpp.
#include "book/uniswap_v3.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace ballast;
namespace v3 = ballast::uniswap_v3;

namespace {

// A 0.3% pool at tick 0 with a full-range position and two concentrated ranges.
uniswap_v3_pool make_pool() {
    uniswap_v3_pool p;
    const uint128 full = 1'000'000'000'000'000'000ULL; // 1e18
    const uint128 inner = 5 * full;
    const std::vector<v3_tick> ticks = {
        {-887220, static_cast<int128>(full), full}, {-600, static_cast<int128>(inner), inner},
        {-120, static_cast<int128>(inner), inner},  {120, -static_cast<int128>(inner), inner},
        {600, -static_cast<int128>(inner), inner},  {887220, -static_cast<int128>(full), full},
    };
    EXPECT_EQ(p.reset(3000, 60, v3::q96, full + 2 * inner, 0, ticks), pool_error::ok);
    return p;
}

} // namespace

TEST(UniswapV3Math, TickMathExtremesAndRoundTrip) {
    EXPECT_EQ(v3::sqrt_ratio_at_tick(v3::min_tick).value, v3::min_sqrt_ratio);
    EXPECT_EQ(v3::sqrt_ratio_at_tick(v3::max_tick).value, v3::max_sqrt_ratio);
    EXPECT_EQ(v3::sqrt_ratio_at_tick(0).value, v3::q96);
    EXPECT_EQ(v3::sqrt_ratio_at_tick(v3::max_tick + 1).error, pool_error::tick_out_of_range);
    EXPECT_EQ(v3::sqrt_ratio_at_tick(v3::min_tick - 1).error, pool_error::tick_out_of_range);
    EXPECT_EQ(v3::tick_at_sqrt_ratio(v3::min_sqrt_ratio).value, v3::min_tick);
    EXPECT_EQ(v3::tick_at_sqrt_ratio(v3::max_sqrt_ratio - 1).value, v3::max_tick - 1);
    EXPECT_EQ(v3::tick_at_sqrt_ratio(v3::min_sqrt_ratio - 1).error, pool_error::price_out_of_range);
    EXPECT_EQ(v3::tick_at_sqrt_ratio(v3::max_sqrt_ratio).error, pool_error::price_out_of_range);
    // The greatest tick whose ratio is <= the price, at and just below every boundary.
    for (std::int32_t t = -70000; t <= 70000; t += 997) {
        const u256 r = v3::sqrt_ratio_at_tick(t).value;
        EXPECT_EQ(v3::tick_at_sqrt_ratio(r).value, t);
        EXPECT_EQ(v3::tick_at_sqrt_ratio(r - 1).value, t - 1);
        EXPECT_LT(r, v3::sqrt_ratio_at_tick(t + 1).value);
    }
}

TEST(UniswapV3Math, FullMathRevertsLikeTheContract) {
    EXPECT_FALSE(mul_div(1, 1, 0).has_value());
    EXPECT_FALSE(mul_div(u256_max, 2, 1).has_value());
    EXPECT_EQ(mul_div(u256_max, u256_max, u256_max).value(), u256_max);
    EXPECT_EQ(mul_div_rounding_up(5, 3, 2).value(), 8U);
    EXPECT_EQ(mul_div(5, 3, 2).value(), 7U);
    EXPECT_FALSE(mul_div_rounding_up(u256_max, u256_max, u256_max - 1).has_value());
    EXPECT_EQ(v3::add_delta(1, -2).error, pool_error::liquidity_underflow);
    EXPECT_EQ(v3::add_delta(~uint128(0), 1).error, pool_error::liquidity_overflow);
}

TEST(UniswapV3Pool, RevertsWhatThePoolReverts) {
    const auto pool = make_pool();
    EXPECT_EQ(pool.quote({true, true, 0, 0}).error, pool_error::zero_amount);
    // zeroForOne needs MIN_SQRT_RATIO < limit < price; oneForZero price < limit < MAX.
    EXPECT_EQ(pool.quote({true, true, 1000, v3::q96}).error, pool_error::price_limit);
    EXPECT_EQ(pool.quote({true, true, 1000, v3::q96 + 1}).error, pool_error::price_limit);
    EXPECT_EQ(pool.quote({true, true, 1000, v3::min_sqrt_ratio}).error, pool_error::price_limit);
    EXPECT_EQ(pool.quote({false, true, 1000, v3::q96 - 1}).error, pool_error::price_limit);
    EXPECT_EQ(pool.quote({false, true, 1000, v3::max_sqrt_ratio}).error, pool_error::price_limit);
    EXPECT_TRUE(pool.quote({true, true, 1000, v3::min_sqrt_ratio + 1}).ok());
    EXPECT_TRUE(pool.quote({false, false, 1000, v3::max_sqrt_ratio - 1}).ok());
    // |amountSpecified| must be an int256: exact output may be 2^255, exact input not.
    EXPECT_EQ(pool.quote({true, true, i256_max + 1, 0}).error, pool_error::amount_too_large);
    EXPECT_TRUE(pool.quote({true, false, i256_max + 1, 0}).ok());
}

TEST(UniswapV3Pool, PriceLimitGivesPartialFillWithActualAmounts) {
    const auto pool = make_pool();
    const u256 limit = v3::sqrt_ratio_at_tick(-300).value;
    const auto r = pool.quote({true, true, u256("1000000000000000000000000"), limit});
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r.partial);
    EXPECT_EQ(r.sqrt_price_x96_after, limit);
    EXPECT_LT(r.amount_in, u256("1000000000000000000000000"));
    EXPECT_EQ(r.ticks_crossed, 1U); // -120
    // Exactly the input it took is a complete (not partial) swap to the same place.
    const auto again = pool.quote({true, true, r.amount_in, limit});
    EXPECT_FALSE(again.partial);
    EXPECT_EQ(again.amount_out, r.amount_out);
    EXPECT_EQ(again.sqrt_price_x96_after, r.sqrt_price_x96_after);
    // One wei less stops short of the limit.
    const auto less = pool.quote({true, true, r.amount_in - 1, limit});
    EXPECT_FALSE(less.partial);
    EXPECT_GT(less.sqrt_price_x96_after, limit);
}

TEST(UniswapV3Pool, ExactOutputThatExhaustsLiquidityDeliversWhatExists) {
    const auto pool = make_pool();
    const auto r = pool.quote({false, false, i256_max, 0});
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r.partial);
    EXPECT_EQ(r.sqrt_price_x96_after, v3::max_sqrt_ratio - 1);
    EXPECT_EQ(r.liquidity_after, 0U); // past the last position
    EXPECT_EQ(r.ticks_crossed, 3U);   // 120, 600, 887220
    // All token0 the pool holds for those ranges: below 2^256 and positive.
    EXPECT_GT(r.amount_out, 0U);
}

TEST(UniswapV3Pool, SwapThenReverseReturnsNearTheStart) {
    auto pool = make_pool();
    const auto there = pool.swap({true, true, u256("3000000000000000000"), 0});
    ASSERT_TRUE(there.ok());
    EXPECT_EQ(pool.tick(), there.tick_after);
    EXPECT_EQ(pool.liquidity(), there.liquidity_after);
    const auto back = pool.swap({false, false, u256("3000000000000000000") - there.fee_amount, 0});
    ASSERT_TRUE(back.ok());
    // The round trip pays the fee twice: more token1 goes back than came out.
    EXPECT_GT(back.amount_in, there.amount_out);
}

TEST(UniswapV3Pool, NextInitializedTickStopsAtWordBoundaries) {
    const auto pool = make_pool();
    // Compressed tick 0 with spacing 60: word 0 covers ticks [0, 15300].
    auto n = pool.next_initialized_tick_within_one_word(0, false);
    EXPECT_EQ(n.index, 120);
    EXPECT_TRUE(n.initialized);
    n = pool.next_initialized_tick_within_one_word(600, false);
    EXPECT_EQ(n.index, 255 * 60);
    EXPECT_FALSE(n.initialized);
    n = pool.next_initialized_tick_within_one_word(-1, true); // compressed -1, word -1
    EXPECT_EQ(n.index, -120);
    EXPECT_TRUE(n.initialized);
    n = pool.next_initialized_tick_within_one_word(-601, true);
    EXPECT_EQ(n.index, -256 * 60);
    EXPECT_FALSE(n.initialized);
}

TEST(UniswapV3Pool, MintAndBurnMaintainTicksAndActiveLiquidity) {
    auto pool = make_pool();
    const uint128 before = pool.liquidity();
    ASSERT_EQ(pool.apply_position_delta(-60, 60, 777), pool_error::ok);
    EXPECT_EQ(pool.liquidity(), before + 777);
    ASSERT_NE(pool.find_tick(-60), nullptr);
    EXPECT_EQ(pool.find_tick(60)->liquidity_net, -777);
    // Out of range: ticks change, active liquidity does not.
    ASSERT_EQ(pool.apply_position_delta(1200, 1800, 5), pool_error::ok);
    EXPECT_EQ(pool.liquidity(), before + 777);
    // Burn it all: the ticks are uninitialized again.
    ASSERT_EQ(pool.apply_position_delta(-60, 60, -777), pool_error::ok);
    EXPECT_EQ(pool.find_tick(-60), nullptr);
    EXPECT_EQ(pool.liquidity(), before);
    // Burning more than exists, bad ranges: rejected, pool unchanged.
    const auto ticks_before = std::vector<v3_tick>(pool.ticks().begin(), pool.ticks().end());
    EXPECT_EQ(pool.apply_position_delta(1200, 1800, -6), pool_error::liquidity_underflow);
    EXPECT_EQ(pool.apply_position_delta(60, 60, 1), pool_error::bad_tick);
    EXPECT_EQ(pool.apply_position_delta(61, 120, 1), pool_error::bad_tick);
    EXPECT_EQ(pool.apply_position_delta(-887280, 120, 1), pool_error::bad_tick);
    EXPECT_EQ(std::vector<v3_tick>(pool.ticks().begin(), pool.ticks().end()), ticks_before);
}

TEST(UniswapV3Pool, ResetRejectsInconsistentState) {
    uniswap_v3_pool p;
    EXPECT_EQ(p.reset(3000, 10, v3::q96, 1, 0, {}), pool_error::bad_fee);
    EXPECT_EQ(p.reset(1'000'000, 10, v3::q96, 1, 0, {}), pool_error::bad_fee);
    EXPECT_EQ(p.reset(3000, 60, v3::q96, 1, 5, {}), pool_error::bad_state);
    EXPECT_EQ(p.reset(3000, 60, v3::min_sqrt_ratio - 1, 1, 0, {}), pool_error::price_out_of_range);
    const std::vector<v3_tick> unsorted = {{120, 1, 1}, {60, -1, 1}};
    EXPECT_EQ(p.reset(3000, 60, v3::q96, 1, 0, unsorted), pool_error::bad_tick);
    const std::vector<v3_tick> off_spacing = {{30, 1, 1}};
    EXPECT_EQ(p.reset(3000, 60, v3::q96, 1, 0, off_spacing), pool_error::bad_tick);
    // After a downward cross the slot0 tick is one below the boundary price: accepted.
    EXPECT_EQ(p.reset(3000, 60, v3::q96, 1, -1, {}), pool_error::ok);
    // Non-standard fees accept any positive spacing.
    EXPECT_EQ(p.reset(2500, 50, v3::q96, 1, 0, {}), pool_error::ok);
}

TEST(UniswapV3Pool, SwapEventUpdatesSlot0) {
    auto pool = make_pool();
    const u256 p = v3::sqrt_ratio_at_tick(-200).value + 5;
    EXPECT_EQ(pool.apply_swap_event(p, 42, -200), pool_error::ok);
    EXPECT_EQ(pool.sqrt_price_x96(), p);
    EXPECT_EQ(pool.liquidity(), 42U);
    EXPECT_EQ(pool.tick(), -200);
    EXPECT_EQ(pool.apply_swap_event(0, 42, -200), pool_error::price_out_of_range);
    EXPECT_EQ(pool.sqrt_price_x96(), p);
}
