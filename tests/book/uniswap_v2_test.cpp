// Uniswap v2 pair: the library formulas (amounts checked against the v2 SDK in
// uniswap_reference_test.cpp), other fee levels, the pair's own reverts.
#include "book/uniswap_v2.hpp"

#include <gtest/gtest.h>

using namespace ballast;

TEST(UniswapV2Pair, CanonicalFeeIsThe997Formula) {
    uniswap_v2_pool pair;
    ASSERT_EQ(pair.reset(3000, 1'000'000, 2'000'000), pool_error::ok);
    // out = 1000*997*2e6 / (1e6*1000 + 1000*997) = 1992013.96... / 1000 -> 1992
    EXPECT_EQ(pair.amount_out(1000, true).value, 1992U);
    // in = 1e6*1992*1000 / ((2e6-1992)*997) + 1 = 999.9... + 1 -> 1000
    EXPECT_EQ(pair.amount_in(1992, true).value, 1000U);
    EXPECT_EQ(pair.amount_in(1993, true).value, 1001U);
}

TEST(UniswapV2Pair, OtherFeesUseTheirOwnRatio) {
    constexpr auto pancake = v2_fee_as_ratio(2500);
    EXPECT_EQ(pancake.keep, 9975U);
    EXPECT_EQ(pancake.scale, 10000U);
    uniswap_v2_pool pair;
    ASSERT_EQ(pair.reset(2500, 1'000'000, 2'000'000), pool_error::ok);
    // 10000*9975*2e6 / (1e6*10000 + 10000*9975) = 19752.96...
    EXPECT_EQ(pair.amount_out(10000, true).value, 19752U);
    ASSERT_EQ(pair.reset(0, 1'000'000, 1'000'000), pool_error::ok);
    EXPECT_EQ(pair.amount_out(1'000'000, true).value, 500'000U); // no fee: x*y=k exactly
}

TEST(UniswapV2Pair, RevertsWhatTheLibraryAndPairRevert) {
    uniswap_v2_pool pair;
    ASSERT_EQ(pair.reset(3000, 1000, 1000), pool_error::ok);
    EXPECT_EQ(pair.amount_out(0, true).error, pool_error::insufficient_input);
    EXPECT_EQ(pair.amount_in(0, true).error, pool_error::insufficient_output);
    EXPECT_EQ(pair.amount_in(1000, true).error, pool_error::insufficient_liquidity);
    EXPECT_EQ(pair.quote({true, true, 1}).error, pool_error::insufficient_output); // rounds to 0
    EXPECT_EQ(pair.amount_out(u256_max, true).error, pool_error::math_overflow);
    uniswap_v2_pool empty;
    EXPECT_EQ(empty.amount_out(5, false).error, pool_error::insufficient_liquidity);
    // Reserves are uint112; a swap that would push the input reserve past it reverts.
    const u256 max112 = (u256(1) << 112) - 1;
    ASSERT_EQ(pair.reset(3000, max112 - 10, max112), pool_error::ok);
    EXPECT_EQ(pair.quote({true, true, 11}).error, pool_error::reserve_overflow);
    EXPECT_EQ(pair.reset(3000, max112 + 1, 1), pool_error::reserve_overflow);
    EXPECT_EQ(pair.reserve0(), max112 - 10);
}

TEST(UniswapV2Pair, SwapMovesReservesAndKeepsK) {
    uniswap_v2_pool pair;
    ASSERT_EQ(pair.reset(3000, u256("5000000000000000000000"), u256("15000000000000")),
              pool_error::ok);
    const u256 k = pair.reserve0() * pair.reserve1();
    const auto r = pair.swap({false, false, u256("1000000000000000000")}); // buy 1 token0
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(pair.reserve0(), u256("4999000000000000000000"));
    EXPECT_EQ(pair.reserve1(), u256("15000000000000") + r.amount_in);
    EXPECT_GE(pair.reserve0() * pair.reserve1(), k);
    EXPECT_EQ(pair.apply_sync(7, 9), pool_error::ok);
    EXPECT_EQ(pair.reserve1(), 9U);
}
