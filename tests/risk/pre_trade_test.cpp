#include "risk/pre_trade.hpp"

#include <gtest/gtest.h>

namespace ballast::risk {
namespace {

constexpr timestamp_ns t0{1'700'000'000'000'000'000};
constexpr std::int64_t ns_per_day = 86'400'000'000'000;

struct fixture {
    portfolio book;
    underlying_id btc;
    instrument_id spot, perp, inverse, call;
    position_id p_spot;
    venue_id binance{1}, deribit{2};

    fixture() {
        btc = book.add_underlying("BTC");
        const auto acct = book.add_account("main");
        instrument_spec s;
        s.venue = "binance";
        s.symbol = "BTCUSDT";
        s.kind = instrument_kind::spot;
        s.base = "BTC";
        s.tick = {1, 2}; // 0.01
        s.lot = {1, 5};  // 0.00001
        spot = book.add_instrument(s, btc);
        s.symbol = "BTCUSDT-PERP";
        s.kind = instrument_kind::linear_perp;
        s.contract_size = 0.001;
        s.lot = {1, 0};
        s.tick = {1, 1};
        perp = book.add_instrument(s, btc);
        s.venue = "deribit";
        s.symbol = "BTC-PERPETUAL";
        s.kind = instrument_kind::inverse_perp;
        s.contract_size = 10.0;
        s.tick = {5, 1};
        inverse = book.add_instrument(s, btc);
        s.symbol = "BTC-C";
        s.kind = instrument_kind::option;
        s.contract_size = 1.0;
        s.settle = "BTC";
        s.right = option_right::call;
        s.strike = 60000;
        s.expiry = timestamp_ns{t0.ns + 30 * ns_per_day};
        s.tick = {5, 4}; // 0.0005 BTC
        s.lot = {1, 1};  // 0.1
        call = book.add_instrument(s, btc);
        p_spot = book.add_position(acct, spot, 2.0, 0.0);
        book.add_position(acct, perp, 0.0, 60000.0);
        book.add_position(acct, inverse, 0.0, 60000.0);
        book.add_position(acct, call, 0.0, 0.0);
        book.on_underlying_mark(btc, 60000.0);
        book.on_vol_mark(call, 0.6);
        EXPECT_EQ(book.set_valuation_time(t0), risk_error::ok);
    }

    pre_trade_checker checker() const {
        pre_trade_checker c(book);
        const instrument_limits lim{.max_order_contracts = 5.0,
                                    .max_order_notional_usd = 200000.0,
                                    .max_position_contracts = 6.0,
                                    .price_collar = 0.05};
        c.set_instrument_limits(spot, lim);
        c.set_instrument_limits(perp, {2000.0, 100000.0, 3000.0, 0.05});
        c.set_instrument_limits(inverse, {10000.0, 100000.0, 20000.0, 0.05});
        c.set_instrument_limits(call, {50.0, 3000000.0, 100.0, 0.5});
        c.set_underlying_limits(btc, {.max_abs_delta_base = 8.0, .max_abs_gamma_usd_1pct = 2000.0});
        c.set_venue_rate(binance, 10.0, 3);
        c.set_venue_rate(deribit, 5.0, 1);
        return c;
    }
};

risk_order buy_spot(const fixture& f, double btc, double px) {
    return {f.binance, f.spot, side::bid, price(static_cast<std::int64_t>(px * 100)),
            qty(static_cast<std::int64_t>(btc * 100000))};
}

TEST(pre_trade, accepts_an_order_within_every_limit) {
    fixture f;
    auto c = f.checker();
    const auto r = c.check(buy_spot(f, 1.0, 60100.0), t0);
    EXPECT_TRUE(r.accepted()) << to_string(r.reason);
}

TEST(pre_trade, each_limit_rejects_with_its_reason) {
    fixture f;
    auto c = f.checker();
    EXPECT_EQ(c.check(buy_spot(f, 5.5, 60000.0), t0).reason, reject_reason::max_order_qty);
    // 3.5 BTC at 60,000 = 210,000 USD > 200,000.
    EXPECT_EQ(c.check(buy_spot(f, 3.5, 60000.0), t0).reason, reject_reason::max_order_notional);
    const auto collar = c.check(buy_spot(f, 1.0, 63500.0), t0);
    EXPECT_EQ(collar.reason, reject_reason::price_collar);
    EXPECT_NEAR(collar.value, 3500.0 / 60000.0, 1e-12);
    // Holding 5 after a fill; buying 1.5 more exceeds the 6-BTC position limit.
    f.book.on_fill(f.p_spot, 3.0, 60000.0);
    const auto pos = c.check(buy_spot(f, 1.5, 60000.0), t0);
    EXPECT_EQ(pos.reason, reject_reason::position_limit);
    EXPECT_DOUBLE_EQ(pos.value, 6.5);
    EXPECT_EQ(c.check(buy_spot(f, 0.0, 60000.0), t0).reason, reject_reason::bad_qty);
    EXPECT_EQ(c.check(buy_spot(f, 1.0, 0.0), t0).reason, reject_reason::bad_price);
    auto unknown = buy_spot(f, 1.0, 60000.0);
    unknown.instrument = instrument_id{77};
    EXPECT_EQ(c.check(unknown, t0).reason, reject_reason::unknown_instrument);
    unknown = buy_spot(f, 1.0, 60000.0);
    unknown.venue = venue_id{9};
    EXPECT_EQ(c.check(unknown, t0).reason, reject_reason::unknown_venue);
}

TEST(pre_trade, post_trade_delta_and_gamma_limits_per_underlying) {
    fixture f;
    auto c = f.checker();
    // Delta 2 BTC now; buying 1,500 perp contracts (1.5 BTC) is fine, 3,000 would not be
    // (max order 2000 anyway): use the inverse: 10,000 x 10 USD = 100,000 USD = 1.67 BTC.
    const risk_order perp_buy{f.binance, f.perp, side::bid, price(600000), qty(1500)};
    EXPECT_TRUE(c.check(perp_buy, t0).accepted());
    f.book.on_fill(position_id{1}, 1500.0, 60000.0); // delta now 3.5 BTC
    f.book.on_fill(f.p_spot, 4.0, 60000.0);          // delta now 7.5 BTC
    auto c2 = f.checker();
    const risk_order inv_buy{f.deribit, f.inverse, side::bid, price(120000), qty(5000)};
    const auto r = c2.check(inv_buy, t0);
    EXPECT_EQ(r.reason, reject_reason::delta_limit);
    EXPECT_NEAR(r.value, 7.5 + 50000.0 / 60000.0, 1e-9);
    // Selling reduces delta: accepted even though it is large.
    const risk_order inv_sell{f.deribit, f.inverse, side::ask, price(120000), qty(5000)};
    EXPECT_TRUE(c2.check(inv_sell, timestamp_ns{t0.ns + 500'000'000}).accepted());
    // Gamma: each call adds unit gamma; 40 calls exceed 2,000 USD per 1%.
    const double unit_gamma = f.book.instrument(f.call).unit.gamma_usd_1pct;
    ASSERT_GT(unit_gamma * 40.0, 2000.0);
    const double premium_coin = f.book.instrument(f.call).unit.value_usd / 60000.0;
    const auto ticks = static_cast<std::int64_t>(premium_coin / 0.0005 + 0.5);
    const risk_order calls{f.deribit, f.call, side::bid, price(ticks), qty(400)};
    c2.set_underlying_limits(f.btc,
                             {.max_abs_delta_base = 100.0, .max_abs_gamma_usd_1pct = 2000.0});
    const auto g = c2.check(calls, timestamp_ns{t0.ns + 1'000'000'000});
    EXPECT_EQ(g.reason, reject_reason::gamma_limit) << to_string(g.reason);
    EXPECT_NEAR(g.value, 40.0 * unit_gamma, 1e-9);
}

TEST(pre_trade, option_collar_is_in_the_coin_premium) {
    fixture f;
    auto c = f.checker();
    const double premium_coin = f.book.instrument(f.call).unit.value_usd / 60000.0;
    const auto ticks = static_cast<std::int64_t>(premium_coin / 0.0005 + 0.5);
    EXPECT_TRUE(c.check({f.deribit, f.call, side::bid, price(ticks), qty(10)}, t0).accepted());
    const auto far = c.check({f.deribit, f.call, side::bid, price(ticks * 2), qty(10)},
                             timestamp_ns{t0.ns + 1'000'000'000});
    EXPECT_EQ(far.reason, reject_reason::price_collar);
}

TEST(pre_trade, kill_switch_states) {
    fixture f;
    auto c = f.checker();
    c.set_kill_switch(kill_switch::halted);
    EXPECT_EQ(c.check(buy_spot(f, 0.1, 60000.0), t0).reason, reject_reason::halted);
    c.set_kill_switch(kill_switch::reduce_only);
    EXPECT_EQ(c.check(buy_spot(f, 0.1, 60000.0), t0).reason, reject_reason::reduce_only);
    auto sell = buy_spot(f, 1.0, 60000.0);
    sell.s = side::ask;
    EXPECT_TRUE(c.check(sell, t0).accepted());
    sell.q = qty(200000); // 2 BTC: exactly flat
    EXPECT_TRUE(c.check(sell, timestamp_ns{t0.ns + 1'000'000'000}).accepted());
    sell.q = qty(300000); // 3 BTC: would flip short
    EXPECT_EQ(c.check(sell, timestamp_ns{t0.ns + 2'000'000'000}).reason,
              reject_reason::reduce_only);
    c.set_kill_switch(kill_switch::active);
    EXPECT_TRUE(c.check(buy_spot(f, 0.1, 60000.0), timestamp_ns{t0.ns + 3'000'000'000}).accepted());
}

TEST(pre_trade, venue_token_bucket_allows_burst_then_rate) {
    fixture f;
    auto c = f.checker(); // binance: 10/s, burst 3
    const auto o = buy_spot(f, 0.1, 60000.0);
    EXPECT_TRUE(c.check(o, t0).accepted());
    EXPECT_TRUE(c.check(o, t0).accepted());
    EXPECT_TRUE(c.check(o, t0).accepted());
    EXPECT_EQ(c.check(o, t0).reason, reject_reason::rate_limited);
    // 100 ms later exactly one more token.
    const timestamp_ns later{t0.ns + 100'000'000};
    EXPECT_TRUE(c.check(o, later).accepted());
    EXPECT_EQ(c.check(o, later).reason, reject_reason::rate_limited);
    // Rejections by other checks do not consume tokens.
    const timestamp_ns much_later{t0.ns + 10'000'000'000};
    EXPECT_EQ(c.check(buy_spot(f, 9.0, 60000.0), much_later).reason, reject_reason::max_order_qty);
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(c.check(o, much_later).accepted());
    }
}

TEST(pre_trade, token_bucket_is_exact_in_integer_time) {
    token_bucket b(1000.0, 1); // one per millisecond
    EXPECT_TRUE(b.try_take(timestamp_ns{0}));
    EXPECT_FALSE(b.try_take(timestamp_ns{999'999}));
    EXPECT_TRUE(b.try_take(timestamp_ns{1'000'000}));
    token_bucket unconfigured;
    EXPECT_FALSE(unconfigured.try_take(timestamp_ns{0}));
}

TEST(pre_trade, reason_names) {
    EXPECT_EQ(to_string(reject_reason::delta_limit), "delta_limit");
    kill_switch k{};
    EXPECT_TRUE(parse_kill_switch("reduce_only", k));
    EXPECT_EQ(k, kill_switch::reduce_only);
    EXPECT_FALSE(parse_kill_switch("paused", k));
}

} // namespace
} // namespace ballast::risk
