#include "risk/rebalance.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace ballast::risk {
namespace {

constexpr timestamp_ns t0{1'700'000'000'000'000'000};
constexpr std::int64_t ns_per_day = 86'400'000'000'000;

instrument_spec spec(std::string symbol, instrument_kind kind, std::string base, double cs) {
    instrument_spec s;
    s.venue = "v";
    s.symbol = std::move(symbol);
    s.kind = kind;
    s.base = std::move(base);
    s.quote = "USD";
    s.contract_size = cs;
    return s;
}

// NAV 200,000: BTC 2 x 60,000 = 120,000 (60%), ETH 20 x 2,000 = 40,000 (20%), USDC 40,000 (20%).
struct book_fixture {
    portfolio book;
    underlying_id btc, eth, usdc;
    instrument_id btc_spot, btc_perp, btc_future, btc_call, eth_spot, usdc_spot;
    position_id p_btc, p_eth, p_usdc;
    std::vector<underlying_target> targets;

    book_fixture() {
        btc = book.add_underlying("BTC");
        eth = book.add_underlying("ETH");
        usdc = book.add_underlying("USDC", true);
        const auto a = book.add_account("main");
        btc_spot = book.add_instrument(spec("BTC-SPOT", instrument_kind::spot, "BTC", 1), btc);
        btc_perp =
            book.add_instrument(spec("BTC-PERP", instrument_kind::linear_perp, "BTC", 0.001), btc);
        auto fut = spec("BTC-FUT", instrument_kind::linear_future, "BTC", 1);
        fut.expiry = timestamp_ns{t0.ns + 90 * ns_per_day};
        btc_future = book.add_instrument(fut, btc);
        auto call = spec("BTC-C", instrument_kind::option, "BTC", 1);
        call.right = option_right::call;
        call.strike = 60000;
        call.expiry = timestamp_ns{t0.ns + 30 * ns_per_day};
        btc_call = book.add_instrument(call, btc);
        eth_spot = book.add_instrument(spec("ETH-SPOT", instrument_kind::spot, "ETH", 1), eth);
        usdc_spot = book.add_instrument(spec("USDC", instrument_kind::spot, "USDC", 1), usdc);
        p_btc = book.add_position(a, btc_spot, 2.0, 0.0);
        p_eth = book.add_position(a, eth_spot, 20.0, 0.0);
        p_usdc = book.add_position(a, usdc_spot, 40000.0, 0.0);
        book.add_position(a, btc_perp, 0.0, 60000.0);
        book.add_position(a, btc_future, 0.0, 60000.0);
        book.add_position(a, btc_call, 0.0, 0.0);
        book.on_underlying_mark(btc, 60000.0);
        book.on_underlying_mark(eth, 2000.0);
        book.on_underlying_mark(usdc, 1.0);
        book.on_instrument_mark(btc_future, 61200.0); // 2% premium
        book.on_vol_mark(btc_call, 0.6);
        EXPECT_EQ(book.set_valuation_time(t0), risk_error::ok);
        targets = {{btc, target_kind::weight, 0.5, 0.05},
                   {eth, target_kind::weight, 0.3, 0.05},
                   {usdc, target_kind::weight, 0.2, 0.05}};
    }
};

TEST(rebalance, drift_in_weight_and_notional) {
    book_fixture f;
    std::vector<drift_row> d(3);
    compute_drift(f.book, f.targets, d);
    EXPECT_DOUBLE_EQ(f.book.nav_usd(), 200000.0);
    EXPECT_NEAR(d[0].weight, 0.6, 1e-12);
    EXPECT_NEAR(d[0].weight_drift, 0.1, 1e-12);
    EXPECT_NEAR(d[0].notional_drift_usd, 20000.0, 1e-6);
    EXPECT_NEAR(d[0].target_delta_base, 100000.0 / 60000.0, 1e-12);
    EXPECT_TRUE(d[0].outside_band);
    EXPECT_NEAR(d[1].weight_drift, -0.1, 1e-12);
    EXPECT_NEAR(d[1].notional_drift_usd, -20000.0, 1e-6);
    EXPECT_FALSE(d[2].outside_band);
}

TEST(rebalance, executing_the_spot_plan_restores_the_targets) {
    book_fixture f;
    std::vector<drift_row> d(3);
    compute_drift(f.book, f.targets, d);
    const std::vector<hedge_route> routes = {
        {f.btc_spot, 0.0, 0.0, 0.0}, {f.eth_spot, 0.0, 0.0, 0.0}, {f.usdc_spot, 0.0, 0.0, 0.0}};
    std::vector<plan_row> plan(3);
    plan_rebalance(f.book, f.targets, d, routes, {}, t0, t0, plan);
    ASSERT_TRUE(plan[0].trade);
    ASSERT_TRUE(plan[1].trade);
    EXPECT_FALSE(plan[2].trade);
    EXPECT_EQ(plan[0].delta_leg.instrument, f.btc_spot);
    EXPECT_NEAR(plan[0].delta_leg.contracts, -20000.0 / 60000.0, 1e-12);
    EXPECT_NEAR(plan[1].delta_leg.contracts, 10.0, 1e-12);
    // Fill both legs against cash at the marks.
    f.book.on_fill(f.p_btc, plan[0].delta_leg.contracts, 60000.0);
    f.book.on_fill(f.p_usdc, -plan[0].delta_leg.contracts * 60000.0, 1.0);
    f.book.on_fill(f.p_eth, plan[1].delta_leg.contracts, 2000.0);
    f.book.on_fill(f.p_usdc, -plan[1].delta_leg.contracts * 2000.0, 1.0);
    compute_drift(f.book, f.targets, d);
    for (const auto& row : d) {
        EXPECT_NEAR(row.weight_drift, 0.0, 1e-12);
    }
}

TEST(rebalance, delta_target_band_in_base_units) {
    book_fixture f;
    const std::vector<underlying_target> t = {{f.btc, target_kind::delta_base, 1.9, 0.2}};
    std::vector<drift_row> d(1);
    compute_drift(f.book, t, d);
    EXPECT_FALSE(d[0].outside_band);
    EXPECT_NEAR(d[0].notional_drift_usd, 0.1 * 60000.0, 1e-6);
    const std::vector<underlying_target> tight = {{f.btc, target_kind::delta_base, 1.5, 0.2}};
    compute_drift(f.book, tight, d);
    EXPECT_TRUE(d[0].outside_band);
}

TEST(rebalance, synthetic_mode_picks_the_cheapest_route_with_funding_and_basis) {
    book_fixture f;
    // Spot 10 bps; perp 4 bps but 1 bp funding per 8h (3 bps/day paid by longs); future 4 bps
    // with a 2% premium decaying over 90 days.
    const hedge_route spot{f.btc_spot, 8.0, 2.0, 0.0};
    const hedge_route perp{f.btc_perp, 3.0, 1.0, 0.0001};
    const hedge_route fut{f.btc_future, 3.0, 1.0, 0.0};
    const double n = 1.0 * 60000.0;
    // Buy 1 BTC over 1 day: spot 10 bps = 60; perp 4 bps + 3 bps funding = 42.
    auto c = price_delta_route(f.book, perp, 1.0, 1.0, true);
    EXPECT_NEAR(c.cost_usd, n * 7e-4, 1e-9);
    EXPECT_NEAR(c.contracts, 1000.0, 1e-9);
    // Over 5 days: perp 4 + 15 = 19 bps > spot 10 bps.
    c = price_delta_route(f.book, perp, 1.0, 5.0, true);
    EXPECT_NEAR(c.cost_usd, n * 19e-4, 1e-9);
    // A short receives funding.
    c = price_delta_route(f.book, perp, -1.0, 5.0, true);
    EXPECT_NEAR(c.cost_usd, n * (4e-4 - 15e-4), 1e-9);
    // Future: buying at a 2% premium pays 1/90 of it per day of horizon.
    c = price_delta_route(f.book, fut, 1.0, 9.0, true);
    EXPECT_NEAR(c.cost_usd, n * 4e-4 + n * 0.02 * 0.1, 1e-6);
    // Without synthetic mode only spot is eligible.
    EXPECT_FALSE(price_delta_route(f.book, perp, 1.0, 1.0, false).eligible);
    EXPECT_TRUE(price_delta_route(f.book, spot, 1.0, 1.0, false).eligible);

    const std::vector<underlying_target> t = {{f.btc, target_kind::delta_base, 3.0, 0.1}};
    std::vector<drift_row> d(1);
    compute_drift(f.book, t, d);
    const std::vector<hedge_route> routes = {spot, perp, fut};
    std::vector<plan_row> plan(1);
    trigger_config trig;
    trig.synthetic = true;
    trig.horizon_days = 1.0;
    // One day: future 4 + 2.2 bps < perp 7 bps < spot 10 bps.
    plan_rebalance(f.book, t, d, routes, trig, t0, t0, plan);
    EXPECT_EQ(plan[0].delta_leg.instrument, f.btc_future);
    EXPECT_EQ(plan[0].considered_count, 3);
    const std::vector<hedge_route> no_future = {spot, perp};
    plan_rebalance(f.book, t, d, no_future, trig, t0, t0, plan);
    EXPECT_EQ(plan[0].delta_leg.instrument, f.btc_perp);
    EXPECT_NEAR(plan[0].delta_leg.contracts, 1000.0, 1e-9);
    // Five days: spot 10 bps < future 4 + 11.1 bps < perp 19 bps.
    trig.horizon_days = 5.0;
    plan_rebalance(f.book, t, d, routes, trig, t0, t0, plan);
    EXPECT_EQ(plan[0].delta_leg.instrument, f.btc_spot);
}

TEST(rebalance, gamma_target_adds_an_options_overlay_and_nets_its_delta) {
    book_fixture f;
    const auto& unit = f.book.instrument(f.btc_call).unit;
    underlying_target t{f.btc, target_kind::delta_base, 2.0, 0.05};
    t.has_gamma = true;
    t.gamma_usd_1pct = 10.0 * unit.gamma_usd_1pct;
    const std::vector<underlying_target> targets = {t};
    std::vector<drift_row> d(1);
    compute_drift(f.book, targets, d);
    const std::vector<hedge_route> routes = {{f.btc_spot, 10.0, 0.0, 0.0},
                                             {f.btc_call, 3.0, 50.0, 0.0}};
    std::vector<plan_row> plan(1);
    trigger_config trig;
    trig.synthetic = true;
    plan_rebalance(f.book, targets, d, routes, trig, t0, t0, plan);
    ASSERT_TRUE(plan[0].has_option_leg);
    EXPECT_NEAR(plan[0].option_leg.contracts, 10.0, 1e-9);
    // Delta already on target: the spot leg undoes the calls' delta.
    EXPECT_NEAR(plan[0].delta_base_to_trade, -10.0 * unit.delta_base, 1e-9);
    EXPECT_EQ(plan[0].delta_leg.instrument, f.btc_spot);
    const double expected_option_cost =
        10.0 * 60000.0 * 3e-4 + 10.0 * unit.value_usd * 50e-4 - 10.0 * unit.theta_usd * 1.0;
    EXPECT_NEAR(plan[0].option_leg.cost_usd, expected_option_cost, 1e-9);
}

TEST(rebalance, triggers_time_threshold_and_cost_aware) {
    book_fixture f;
    std::vector<drift_row> d(3);
    compute_drift(f.book, f.targets, d);
    const std::vector<hedge_route> routes = {
        {f.btc_spot, 10.0, 0.0, 0.0}, {f.eth_spot, 10.0, 0.0, 0.0}, {f.usdc_spot, 0.0, 0.0, 0.0}};
    std::vector<plan_row> plan(3);
    trigger_config trig;
    trig.kind = trigger_kind::time;
    trig.interval_ns = 3600 * 1'000'000'000LL;
    plan_rebalance(f.book, f.targets, d, routes, trig, timestamp_ns{t0.ns + 1'000'000'000}, t0,
                   plan);
    EXPECT_FALSE(plan[0].trade);
    plan_rebalance(f.book, f.targets, d, routes, trig, timestamp_ns{t0.ns + trig.interval_ns}, t0,
                   plan);
    EXPECT_TRUE(plan[0].trade);
    EXPECT_TRUE(plan[2].trade == (d[2].notional_drift_usd != 0.0));

    // Cost-aware: benefit lambda/2 x^2 sigma^2 h / NAV against 10 bps of |x|.
    // x = 20,000, sigma = 0.8, h = 1/365, NAV = 200,000: benefit = lambda * 0.0701...; cost 20.
    trig.kind = trigger_kind::cost_aware;
    trig.horizon_days = 1.0;
    std::vector<underlying_target> t = f.targets;
    t[0].annual_vol = 0.8;
    t[1].annual_vol = 0.8;
    const double per_lambda = 0.5 * 20000.0 * 20000.0 * 0.64 / 365.0 / 200000.0;
    trig.risk_aversion = 0.9 * 20.0 / per_lambda;
    plan_rebalance(f.book, t, d, routes, trig, t0, t0, plan);
    EXPECT_NEAR(plan[0].benefit_usd, trig.risk_aversion * per_lambda, 1e-9);
    EXPECT_NEAR(plan[0].total_cost_usd, 20.0, 1e-9);
    EXPECT_FALSE(plan[0].trade);
    trig.risk_aversion = 1.1 * 20.0 / per_lambda;
    plan_rebalance(f.book, t, d, routes, trig, t0, t0, plan);
    EXPECT_TRUE(plan[0].trade);
    EXPECT_FALSE(plan[2].trade); // inside its band whatever the benefit
}

TEST(rebalance, trigger_names_round_trip) {
    trigger_kind k{};
    EXPECT_TRUE(parse_trigger_kind("cost_aware", k));
    EXPECT_EQ(k, trigger_kind::cost_aware);
    EXPECT_FALSE(parse_trigger_kind("weekly", k));
}

} // namespace
} // namespace ballast::risk
