// The router's view of a pool: prices in base/quote human units, all-in costs with gas, and
// a depth ladder that adds up to the exact swap to its last price.
#include "book/pool_view.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <string>

using namespace ballast;

namespace {

pool_state load(const char* name) {
    const auto r = load_pool_state(std::string(BALLAST_TEST_DATA_DIR) + "/dex/" + name);
    EXPECT_TRUE(r.ok()) << r.error;
    return r.state;
}

// ETH at ~3000 USDC; gas 20 gwei.
constexpr gas_model gas{110'000, 25'000, 20.0, 3000.0};

} // namespace

TEST(UniswapView, MidPriceInHumanUnitsBothOrientations) {
    const auto pool = load("usdc_weth_500_v3.json"); // token0 USDC (6), token1 WETH (18)
    const amm_view weth_usdc(pool, false, gas);      // base WETH, quote USDC
    EXPECT_NEAR(weth_usdc.mid_price(), 3000.0, 0.01);
    const amm_view usdc_weth(pool, true, gas);
    EXPECT_NEAR(usdc_weth.mid_price(), 1.0 / 3000.0, 1e-8);
    const auto pair = load("usdc_weth_v2.json");
    EXPECT_NEAR(amm_view(pair, false, default_gas(pool_kind::uniswap_v2)).mid_price(), 3000.0,
                1e-9);
}

TEST(UniswapView, BuyAndSellAreTheExactSwapsPlusGas) {
    const auto pool = load("usdc_weth_500_v3.json");
    const amm_view view(pool, false, gas);
    const u256 ten_eth("10000000000000000000");
    const auto buy = view.buy(ten_eth);
    ASSERT_TRUE(buy.ok());
    // Buying WETH (token1) is zeroForOne exact output.
    const auto swap = pool.v3.quote({true, false, ten_eth, 0});
    EXPECT_EQ(buy.amount_in, swap.amount_in);
    EXPECT_EQ(buy.amount_out, ten_eth);
    EXPECT_DOUBLE_EQ(buy.base, 10.0);
    EXPECT_DOUBLE_EQ(buy.quote, to_double(swap.amount_in) / 1e6);
    EXPECT_DOUBLE_EQ(buy.gas_quote, (110'000.0 + 25'000.0 * swap.ticks_crossed) * 20e-9 * 3000.0);
    EXPECT_DOUBLE_EQ(buy.all_in_quote, buy.quote + buy.gas_quote);
    EXPECT_GT(buy.avg_price, view.mid_price() * 1.0005); // at least the 5 bp fee
    EXPECT_GT(buy.price_after, view.mid_price());
    const auto sell = view.sell(ten_eth);
    ASSERT_TRUE(sell.ok());
    EXPECT_LT(sell.avg_price, view.mid_price() * 0.9995);
    EXPECT_DOUBLE_EQ(sell.all_in_quote, sell.quote - sell.gas_quote);
    EXPECT_LT(view.marginal_price_after(side::bid, ten_eth), view.mid_price());
    EXPECT_DOUBLE_EQ(view.marginal_price_after(side::ask, ten_eth), buy.price_after);
    // Bigger trades cost more per unit.
    const auto big = view.buy(ten_eth * 100);
    ASSERT_TRUE(big.ok());
    EXPECT_GT(big.avg_price, buy.avg_price);
    EXPECT_GT(big.ticks_crossed, 0U);
}

TEST(UniswapView, LadderAddsUpToTheSwapToItsLastPrice) {
    for (const char* file : {"usdc_weth_500_v3.json", "usdc_weth_v2.json"}) {
        const auto pool = load(file);
        const amm_view view(pool, false, gas);
        for (const side taken : {side::ask, side::bid}) {
            std::array<amm_level, 20> ladder{};
            const auto n = view.depth_ladder(taken, 10.0, ladder);
            ASSERT_EQ(n, ladder.size()) << file;
            double total = 0.0;
            for (std::size_t i = 0; i < n; ++i) {
                const double expected_price =
                    view.mid_price() *
                    (taken == side::ask ? 1.0 + (i + 1) * 1e-3 : 1.0 - (i + 1) * 1e-3);
                EXPECT_NEAR(ladder[i].price, expected_price, 1e-9 * expected_price);
                EXPECT_GT(ladder[i].base, 0.0);
                // Average within a level lies between the neighbouring marginal prices (+fee).
                if (taken == side::ask) {
                    EXPECT_GT(ladder[i].avg_price, i == 0 ? view.mid_price() : ladder[i - 1].price);
                } else {
                    EXPECT_LT(ladder[i].avg_price, i == 0 ? view.mid_price() : ladder[i - 1].price);
                }
                total += ladder[i].base;
            }
            // Trading the ladder's total lands on (about) its last price.
            const u256 raw(total * 1e18 * (1 - 1e-9));
            const double after = view.marginal_price_after(taken, raw);
            EXPECT_NEAR(after / ladder[n - 1].price, 1.0, 2e-4) << file;
        }
    }
}

TEST(UniswapView, GasModel) {
    EXPECT_EQ(gas.gas_units(0), 110'000U);
    EXPECT_EQ(gas.gas_units(3), 185'000U);
    EXPECT_DOUBLE_EQ(gas.cost_quote(0), 110'000 * 20e-9 * 3000.0);
    EXPECT_EQ(default_gas(pool_kind::uniswap_v2).per_tick_gas, 0U);
}
