#include "exec/fill_dedup.hpp"
#include "exec/sim_gateway.hpp"
#include "router/amm_pool.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ballast::exec {
namespace {

instrument_spec btc_spec() {
    instrument_spec s;
    s.venue = "bybit_spot";
    s.symbol = "BTCUSDT";
    s.tick = {1, 1}; // 0.1
    s.lot = {1, 6};  // 0.000001
    return s;
}

TEST(SimGateway, IocBuySweepsLevelsPartiallyUpToItsLimitAndPaysTakerFee) {
    const auto spec = btc_spec();
    l2_book book(16);
    (void)book.set_level(side::ask, price(651000), qty(500000));  // 65100.0 x 0.5
    (void)book.set_level(side::ask, price(651010), qty(300000));  // 65101.0 x 0.3
    (void)book.set_level(side::ask, price(651050), qty(1000000)); // 65105.0 x 1.0 (beyond limit)
    (void)book.set_level(side::bid, price(650990), qty(1000000));
    order o;
    o.order_side = side::bid;
    o.quantity = qty(1000000); // 1 BTC
    o.limit = price(651010);   // 65101.0
    const sim_venue_terms terms{10.0, 5'000'000, 0.0};
    std::vector<sim_fill> fills;
    const qty done =
        fill_on_book(o, book, spec, terms, [&](const sim_fill& f) { fills.push_back(f); });
    EXPECT_EQ(done, qty(800000)); // 0.8 filled, 0.2 left for the IOC cancel
    ASSERT_EQ(fills.size(), 2u);  // one fill per level: partial fills
    EXPECT_EQ(fills[0].quantity, qty(500000));
    EXPECT_DOUBLE_EQ(fills[0].price_quote, 65100.0);
    EXPECT_DOUBLE_EQ(fills[0].notional_quote, 32550.0);
    EXPECT_DOUBLE_EQ(fills[0].fee_quote, 32.55); // 10 bps
    EXPECT_EQ(fills[1].quantity, qty(300000));
    EXPECT_DOUBLE_EQ(fills[1].price_quote, 65101.0);
    // The liquidity taken is gone from the mirror until the venue updates the level.
    EXPECT_EQ(book.best_ask().px, price(651050));
    EXPECT_EQ(book.depth(side::ask), 1u);
    EXPECT_EQ(book.best_bid().sz, qty(1000000));
}

TEST(SimGateway, SellTakesBidsAndStopsAtQuantity) {
    const auto spec = btc_spec();
    l2_book book(16);
    (void)book.set_level(side::bid, price(650000), qty(200000));
    (void)book.set_level(side::bid, price(649990), qty(900000));
    order o;
    o.order_side = side::ask;
    o.quantity = qty(250000);
    o.limit = price(649000);
    std::vector<sim_fill> fills;
    const qty done = fill_on_book(o, book, spec, sim_venue_terms{5.5, 0, 0.0},
                                  [&](const sim_fill& f) { fills.push_back(f); });
    EXPECT_EQ(done, qty(250000));
    ASSERT_EQ(fills.size(), 2u);
    EXPECT_EQ(fills[1].quantity, qty(50000));
    EXPECT_EQ(book.best_bid().px, price(649990));
    EXPECT_EQ(book.best_bid().sz, qty(850000));
}

TEST(SimGateway, PoolSwapRunsTheExactV3MathMovesThePoolAndPaysGas) {
    auto st = load_pool_state(std::string(BALLAST_TEST_DATA_DIR) +
                              "/../../scenario/default/uniswap_v3_usdc_weth_500.json");
    ASSERT_TRUE(st.ok()) << st.error;
    auto view = router::amm_pool::from_state(st.state, "WETH", "USDC");
    ASSERT_TRUE(view.ok()) << view.error;
    pool_terms terms;
    terms.base_is_token0 = view.pool.base_is_token0();
    terms.base_decimals = view.pool.base_decimals();
    terms.quote_decimals = view.pool.quote_decimals();
    terms.lot = {1, 8};
    order o;
    o.order_side = side::bid;
    o.quantity = qty(250000000); // 2.5 WETH
    // The router's exact quote for the same amount is what the swap must pay.
    const auto q = view.pool.quote_buy(o.quantity.value(), decimal_step{1, 8});
    ASSERT_TRUE(q.ok());
    pool_state pool = st.state;
    const auto before = pool.v3.sqrt_price_x96();
    const auto r = swap_on_pool(o, pool, terms, sim_venue_terms{0.0, 0, 4.5});
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.fill.quantity, o.quantity);
    EXPECT_NEAR(r.fill.notional_quote + r.fill.fee_quote, q.quote, 1e-6);
    EXPECT_NEAR(r.fill.fee_quote, q.fee_quote, 1e-6);
    EXPECT_NEAR(r.fill.fee_quote / (r.fill.notional_quote + r.fill.fee_quote), 0.0005, 1e-6);
    EXPECT_DOUBLE_EQ(r.fill.gas_quote, 4.5);
    EXPECT_GT(r.fill.price_quote, 1800.0);
    EXPECT_LT(r.fill.price_quote, 2100.0);
    EXPECT_NE(pool.v3.sqrt_price_x96(), before); // the pool moved
    // The same order again costs more: the pool's price went up.
    const auto r2 = swap_on_pool(o, pool, terms, sim_venue_terms{0.0, 0, 4.5});
    ASSERT_TRUE(r2.ok);
    EXPECT_GT(r2.fill.price_quote, r.fill.price_quote);
    // Selling back receives less than was paid (fees both ways).
    order s = o;
    s.order_side = side::ask;
    const auto r3 = swap_on_pool(s, pool, terms, sim_venue_terms{0.0, 0, 4.5});
    ASSERT_TRUE(r3.ok);
    EXPECT_LT(r3.fill.notional_quote - r3.fill.fee_quote,
              r2.fill.notional_quote + r2.fill.fee_quote);
}

TEST(SimGateway, PoolSwapBeyondLiquidityIsRefused) {
    auto st = load_pool_state(std::string(BALLAST_TEST_DATA_DIR) +
                              "/../../scenario/default/uniswap_v3_usdc_weth_500.json");
    ASSERT_TRUE(st.ok());
    auto view = router::amm_pool::from_state(st.state, "WETH", "USDC");
    ASSERT_TRUE(view.ok());
    pool_terms terms;
    terms.base_is_token0 = view.pool.base_is_token0();
    terms.base_decimals = view.pool.base_decimals();
    terms.quote_decimals = view.pool.quote_decimals();
    order o;
    o.order_side = side::bid;
    o.quantity = qty(4'000'000'000'000'000); // 40 million WETH
    pool_state pool = st.state;
    const auto before = pool.v3.sqrt_price_x96();
    const auto r = swap_on_pool(o, pool, terms, sim_venue_terms{});
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(pool.v3.sqrt_price_x96(), before);
}

// The simulated venue behind the gateway interface: latency in market time, then the reports a
// venue sends (ack, one fill per level with cumulative quantity and a trade id, the IOC cancel).
TEST(SimGatewayInterface, OrdersArriveAfterTheLatencyAndReportLikeAVenue) {
    const auto spec = btc_spec();
    l2_book book(16);
    (void)book.set_level(side::ask, price(651000), qty(500000));
    (void)book.set_level(side::ask, price(651010), qty(300000));
    std::int64_t clock = 1'000'000'000;
    sim_gateway g(venue_id{3}, sim_venue_terms{10.0, 5'000'000, 0.0}, &clock);
    g.add_book(&spec, &book);
    order_request r;
    r.id = client_order_id{7};
    r.spec = &spec;
    r.order_side = side::bid;
    r.quantity = qty(1000000);
    r.limit = price(651010);
    ASSERT_EQ(g.send(r), gateway_status::ok);
    EXPECT_EQ(g.next_arrival(), clock + 5'000'000);
    exec_report rep;
    g.advance(clock + 4'999'999);
    EXPECT_FALSE(g.poll(rep)); // not there yet
    clock += 5'000'000;
    g.advance(clock);
    std::vector<exec_report> got;
    while (g.poll(rep)) {
        got.push_back(rep);
    }
    ASSERT_EQ(got.size(), 4u);
    EXPECT_EQ(got[0].kind, exec_kind::ack);
    EXPECT_EQ(got[1].kind, exec_kind::fill);
    EXPECT_EQ(got[1].last_qty, qty(500000));
    EXPECT_EQ(got[1].cum_qty, qty(500000));
    EXPECT_EQ(got[1].state, order_state::partially_filled);
    EXPECT_EQ(got[2].cum_qty, qty(800000));
    EXPECT_NE(got[1].trade_id_view(), got[2].trade_id_view());
    EXPECT_DOUBLE_EQ(got[2].notional_quote, 65101.0 * 0.3);
    EXPECT_EQ(got[3].kind, exec_kind::canceled);
    EXPECT_EQ(got[3].cum_qty, qty(800000));
    for (const auto& x : got) {
        EXPECT_EQ(x.id, client_order_id{7});
        EXPECT_EQ(x.venue, venue_id{3});
    }
    EXPECT_EQ(g.next_arrival(), INT64_MAX);
}

TEST(SimGatewayInterface, RefusesWhatNoVenueWouldTake) {
    const auto spec = btc_spec();
    const auto other = btc_spec();
    l2_book book(16);
    std::int64_t clock = 0;
    sim_gateway g(venue_id{1}, sim_venue_terms{}, &clock, 2);
    g.add_book(&spec, &book);
    order_request r;
    r.id = client_order_id{1};
    r.spec = &spec;
    EXPECT_EQ(g.send(r), gateway_status::rejected); // zero quantity
    r.quantity = qty(1);
    EXPECT_EQ(g.send(r), gateway_status::ok);
    EXPECT_EQ(g.send(r), gateway_status::ok);
    EXPECT_EQ(g.send(r), gateway_status::back_pressured); // sized for two in flight
    g.advance(0);
    exec_report rep;
    while (g.poll(rep)) {
    }
    r.spec = &other; // an instrument the venue does not trade
    ASSERT_EQ(g.send(r), gateway_status::ok);
    g.advance(0);
    ASSERT_TRUE(g.poll(rep));
    EXPECT_EQ(rep.kind, exec_kind::rejected);
    EXPECT_EQ(rep.reason_view(), "unknown instrument");
    EXPECT_EQ(g.query(query_request{}), gateway_status::unsupported);
}

TEST(FillDedup, EachFillOnceByVenueOrderAndTrade) {
    fill_dedup d(8);
    const auto k1 = fill_dedup::key(venue_id{1}, client_order_id{5}, "42");
    EXPECT_EQ(d.insert(k1), fill_dedup::result::added);
    EXPECT_EQ(d.insert(k1), fill_dedup::result::duplicate);
    // The same trade id of another order (a trade between two of our orders) or venue is new.
    EXPECT_EQ(d.insert(fill_dedup::key(venue_id{1}, client_order_id{6}, "42")),
              fill_dedup::result::added);
    EXPECT_EQ(d.insert(fill_dedup::key(venue_id{2}, client_order_id{5}, "42")),
              fill_dedup::result::added);
    EXPECT_TRUE(d.contains(k1));
    EXPECT_FALSE(d.contains(fill_dedup::key(venue_id{1}, client_order_id{5}, "43")));
    for (int i = 0; i < 100; ++i) {
        (void)d.insert(fill_dedup::key(venue_id{9}, client_order_id{1}, std::to_string(i)));
    }
    EXPECT_EQ(d.insert(fill_dedup::key(venue_id{9}, client_order_id{2}, "x")),
              fill_dedup::result::full); // sized at construction: never grows, says so
    EXPECT_EQ(d.size(), 8u);
}

} // namespace
} // namespace ballast::exec
