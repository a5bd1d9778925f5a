#include "risk/portfolio.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace ballast::risk {
namespace {

constexpr timestamp_ns now{1'700'000'000'000'000'000};
constexpr std::int64_t ns_per_day = 86'400'000'000'000;

instrument_spec make_spec(std::string venue, std::string symbol, instrument_kind kind,
                          std::string base, double contract_size) {
    instrument_spec s;
    s.venue = std::move(venue);
    s.symbol = std::move(symbol);
    s.kind = kind;
    s.base = std::move(base);
    s.quote = "USD";
    s.settle = "USD";
    s.contract_size = contract_size;
    return s;
}

instrument_spec make_option(std::string symbol, std::string base, option_right right, double strike,
                            int days, bool coin_settled) {
    auto s = make_spec("deribit", std::move(symbol), instrument_kind::option, base, 1.0);
    s.right = right;
    s.strike = strike;
    s.expiry = timestamp_ns{now.ns + days * ns_per_day};
    s.settle = coin_settled ? base : "USD";
    return s;
}

// A small multi-venue book: BTC spot, linear perp, inverse perp, two options; ETH spot and a
// call; USDC cash.
struct sample_book {
    portfolio book;
    underlying_id btc, eth, usdc;
    instrument_id btc_spot, btc_perp, btc_inverse, btc_put, btc_call, eth_spot, eth_call, usdc_spot;
    position_id p_btc_spot, p_btc_perp, p_btc_inverse, p_btc_put, p_btc_call, p_eth_call;

    sample_book() {
        btc = book.add_underlying("BTC");
        eth = book.add_underlying("ETH");
        usdc = book.add_underlying("USDC", true);
        const auto main = book.add_account("main");
        const auto sub = book.add_account("sub");
        btc_spot = book.add_instrument(
            make_spec("binance", "BTCUSDT", instrument_kind::spot, "BTC", 1), btc);
        btc_perp = book.add_instrument(
            make_spec("bybit", "BTCUSDT", instrument_kind::linear_perp, "BTC", 0.001), btc);
        btc_inverse = book.add_instrument(
            make_spec("deribit", "BTC-PERPETUAL", instrument_kind::inverse_perp, "BTC", 10), btc);
        btc_put = book.add_instrument(
            make_option("BTC-P", "BTC", option_right::put, 55000, 30, true), btc);
        btc_call = book.add_instrument(
            make_option("BTC-C", "BTC", option_right::call, 70000, 90, false), btc);
        eth_spot = book.add_instrument(
            make_spec("coinbase", "ETH-USD", instrument_kind::spot, "ETH", 1), eth);
        eth_call = book.add_instrument(
            make_option("ETH-C", "ETH", option_right::call, 3500, 20, true), eth);
        usdc_spot = book.add_instrument(
            make_spec("coinbase", "USDC-USD", instrument_kind::spot, "USDC", 1), usdc);

        p_btc_spot = book.add_position(main, btc_spot, 3.0, 0.0);
        book.add_position(sub, btc_spot, 1.5, 0.0);
        p_btc_perp = book.add_position(main, btc_perp, -2000.0, 61000.0);
        p_btc_inverse = book.add_position(sub, btc_inverse, 5000.0, 59000.0);
        p_btc_put = book.add_position(main, btc_put, 20.0, 0.0);
        p_btc_call = book.add_position(main, btc_call, -8.0, 0.0);
        book.add_position(main, eth_spot, 40.0, 0.0);
        p_eth_call = book.add_position(sub, eth_call, -100.0, 0.0);
        book.add_position(main, usdc_spot, 150000.0, 0.0);

        // Options lack vols until marked below: these first marks report it.
        EXPECT_EQ(book.on_underlying_mark(btc, 60000.0), risk_error::non_positive_vol);
        EXPECT_EQ(book.on_underlying_mark(eth, 3000.0), risk_error::non_positive_vol);
        EXPECT_EQ(book.on_underlying_mark(usdc, 1.0), risk_error::ok);
        book.on_instrument_mark(btc_perp, 60030.0);
        book.on_instrument_mark(btc_inverse, 60010.0);
        book.on_instrument_mark(btc_put, 60300.0);
        book.on_instrument_mark(btc_call, 60900.0);
        book.on_instrument_mark(eth_call, 3010.0);
        book.on_vol_mark(btc_put, 0.65);
        book.on_vol_mark(btc_call, 0.58);
        book.on_vol_mark(eth_call, 0.80);
        EXPECT_EQ(book.set_valuation_time(now), risk_error::ok);
    }
};

void expect_same(const position_risk& a, const position_risk& b) {
    EXPECT_EQ(a.value_usd, b.value_usd);
    EXPECT_EQ(a.notional_usd, b.notional_usd);
    EXPECT_EQ(a.delta_base, b.delta_base);
    EXPECT_EQ(a.delta_usd, b.delta_usd);
    EXPECT_EQ(a.gamma_base, b.gamma_base);
    EXPECT_EQ(a.gamma_usd_1pct, b.gamma_usd_1pct);
    EXPECT_EQ(a.vega_usd, b.vega_usd);
    EXPECT_EQ(a.theta_usd, b.theta_usd);
}

TEST(portfolio, aggregates_positions_per_underlying) {
    sample_book s;
    const auto& btc = s.book.underlying(s.btc).totals;
    double delta = 0, gamma = 0, vega = 0, value = 0;
    for (std::uint32_t i = 0; i < s.book.position_count(); ++i) {
        const auto& p = s.book.position(position_id{i});
        EXPECT_EQ(p.last_error, risk_error::ok);
        if (s.book.instrument(p.instrument).underlying == s.btc) {
            delta += p.risk.delta_base;
            gamma += p.risk.gamma_base;
            vega += p.risk.vega_usd;
        }
        value += p.risk.value_usd;
    }
    EXPECT_DOUBLE_EQ(btc.delta_base, delta);
    EXPECT_DOUBLE_EQ(btc.gamma_base, gamma);
    EXPECT_DOUBLE_EQ(btc.vega_usd, vega);
    EXPECT_DOUBLE_EQ(s.book.nav_usd(), value);
    // Spot 4.5 BTC across two accounts; perp -2 BTC; inverse 50,000 USD face.
    const double expected_linear = 4.5 - 2.0 + 50000.0 / 60010.0;
    const double options = s.book.position(s.p_btc_put).risk.delta_base +
                           s.book.position(s.p_btc_call).risk.delta_base;
    EXPECT_NEAR(btc.delta_base, expected_linear + options, 1e-12);
    EXPECT_DOUBLE_EQ(s.book.instrument(s.btc_spot).net_contracts, 4.5);
    // Weights are exposure over NAV.
    EXPECT_DOUBLE_EQ(s.book.weight(s.usdc), 150000.0 / s.book.nav_usd());
}

TEST(portfolio, incremental_updates_equal_full_revaluation) {
    sample_book s;
    const auto eth_before = s.book.underlying(s.eth).totals;
    ASSERT_EQ(s.book.on_underlying_mark(s.btc, 57321.5), risk_error::ok);
    // ETH untouched by a BTC mark.
    expect_same(s.book.underlying(s.eth).totals, eth_before);
    ASSERT_EQ(s.book.on_vol_mark(s.btc_put, 0.71), risk_error::ok);
    ASSERT_EQ(s.book.on_instrument_mark(s.eth_call, 2950.0), risk_error::ok);
    ASSERT_EQ(s.book.on_fill(s.p_btc_perp, 500.0, 57400.0), risk_error::ok);
    ASSERT_EQ(s.book.on_fill(s.p_btc_inverse, -7000.0, 57500.0), risk_error::ok);
    ASSERT_EQ(s.book.on_fill(s.p_eth_call, 30.0, 20.0), risk_error::ok);

    std::vector<position_risk> incremental;
    for (std::uint32_t u = 0; u < s.book.underlying_count(); ++u) {
        incremental.push_back(s.book.underlying(underlying_id{u}).totals);
    }
    const double nav = s.book.nav_usd();
    ASSERT_EQ(s.book.full_revalue(), risk_error::ok);
    for (std::uint32_t u = 0; u < s.book.underlying_count(); ++u) {
        expect_same(s.book.underlying(underlying_id{u}).totals, incremental[u]);
    }
    EXPECT_EQ(s.book.nav_usd(), nav);

    // The same state built from scratch gives the same numbers too.
    sample_book fresh;
    fresh.book.on_underlying_mark(fresh.btc, 57321.5);
    fresh.book.on_vol_mark(fresh.btc_put, 0.71);
    fresh.book.on_instrument_mark(fresh.eth_call, 2950.0);
    fresh.book.on_fill(fresh.p_btc_perp, 500.0, 57400.0);
    fresh.book.on_fill(fresh.p_btc_inverse, -7000.0, 57500.0);
    fresh.book.on_fill(fresh.p_eth_call, 30.0, 20.0);
    EXPECT_NEAR(fresh.book.nav_usd(), nav, 1e-9 * std::fabs(nav));
}

TEST(portfolio, underlying_mark_keeps_each_instruments_basis) {
    sample_book s;
    const double ratio = 60030.0 / 60000.0;
    ASSERT_EQ(s.book.on_underlying_mark(s.btc, 50000.0), risk_error::ok);
    EXPECT_NEAR(s.book.instrument(s.btc_perp).price, 50000.0 * ratio, 1e-9);
    EXPECT_DOUBLE_EQ(s.book.instrument(s.btc_spot).price, 50000.0);
}

TEST(portfolio, fills_average_entry_and_realise_pnl) {
    sample_book s;
    // Short 2 BTC of linear perp at 61,000: buying back 1 BTC at 60,000 realises +1,000 USD.
    ASSERT_EQ(s.book.on_fill(s.p_btc_perp, 1000.0, 60000.0), risk_error::ok);
    const auto& p = s.book.position(s.p_btc_perp);
    EXPECT_NEAR(p.realized_usd, 1000.0, 1e-9);
    EXPECT_DOUBLE_EQ(p.entry_price, 61000.0);
    EXPECT_DOUBLE_EQ(p.contracts, -1000.0);
    // Flip through zero: the remainder opens at the fill price.
    ASSERT_EQ(s.book.on_fill(s.p_btc_perp, 3000.0, 59000.0), risk_error::ok);
    EXPECT_DOUBLE_EQ(s.book.position(s.p_btc_perp).entry_price, 59000.0);
    EXPECT_NEAR(s.book.position(s.p_btc_perp).realized_usd, 1000.0 + 2000.0, 1e-9);
    // Inverse adds average harmonically: 50,000 face at 59,000 plus 50,000 face at 61,000.
    ASSERT_EQ(s.book.on_fill(s.p_btc_inverse, 5000.0, 61000.0), risk_error::ok);
    EXPECT_NEAR(s.book.position(s.p_btc_inverse).entry_price, 2.0 / (1 / 59000.0 + 1 / 61000.0),
                1e-9);
}

TEST(portfolio, bad_marks_and_fills_are_refused_without_change) {
    sample_book s;
    const double nav = s.book.nav_usd();
    EXPECT_EQ(s.book.on_underlying_mark(s.btc, 0.0), risk_error::non_positive_price);
    EXPECT_EQ(s.book.on_underlying_mark(s.btc, -1.0), risk_error::non_positive_price);
    EXPECT_EQ(s.book.on_underlying_mark(underlying_id{99}, 1.0), risk_error::unknown_underlying);
    EXPECT_EQ(s.book.on_instrument_mark(instrument_id{99}, 1.0), risk_error::unknown_instrument);
    EXPECT_EQ(s.book.on_vol_mark(s.btc_put, 0.0), risk_error::non_positive_vol);
    EXPECT_EQ(s.book.on_vol_mark(s.btc_put, -0.5), risk_error::non_positive_vol);
    EXPECT_EQ(s.book.on_fill(position_id{99}, 1.0, 1.0), risk_error::unknown_position);
    EXPECT_EQ(s.book.on_fill(s.p_btc_spot, 1.0, 0.0), risk_error::non_positive_price);
    EXPECT_EQ(s.book.nav_usd(), nav);
}

TEST(portfolio, expired_option_is_reported_and_keeps_last_value) {
    sample_book s;
    const auto before = s.book.position(s.p_eth_call).risk;
    EXPECT_EQ(s.book.set_valuation_time(timestamp_ns{now.ns + 25 * ns_per_day}),
              risk_error::expired);
    EXPECT_EQ(s.book.position(s.p_eth_call).last_error, risk_error::expired);
    EXPECT_EQ(s.book.position(s.p_eth_call).risk.value_usd, before.value_usd);
}

TEST(portfolio, instrument_in_error_keeps_last_valuation_through_fills_and_recovers) {
    sample_book s;
    const auto before = s.book.position(s.p_eth_call).risk;
    const double eth_value = s.book.underlying(s.eth).totals.value_usd;
    const auto later = timestamp_ns{now.ns + 25 * ns_per_day};
    ASSERT_EQ(s.book.set_valuation_time(later), risk_error::expired);
    // A fill while the option cannot be valued changes the holding, not the last valuation.
    EXPECT_EQ(s.book.on_fill(s.p_eth_call, 30.0, 20.0), risk_error::expired);
    EXPECT_EQ(s.book.on_instrument_mark(s.eth_call, 3100.0), risk_error::expired);
    const auto& frozen = s.book.position(s.p_eth_call);
    EXPECT_DOUBLE_EQ(frozen.contracts, -70.0);
    EXPECT_EQ(frozen.last_error, risk_error::expired);
    EXPECT_EQ(frozen.risk.value_usd, before.value_usd);
    EXPECT_DOUBLE_EQ(s.book.underlying(s.eth).totals.value_usd, eth_value);
    // Valued again, the position is the new holding at the new marks.
    ASSERT_EQ(s.book.set_valuation_time(now), risk_error::ok);
    const auto& eth_call = s.book.instrument(s.eth_call);
    EXPECT_EQ(s.book.position(s.p_eth_call).last_error, risk_error::ok);
    EXPECT_DOUBLE_EQ(s.book.position(s.p_eth_call).risk.value_usd, -70.0 * eth_call.unit.value_usd);
    EXPECT_DOUBLE_EQ(eth_call.price, 3100.0);
}

TEST(portfolio, missing_marks_are_reported) {
    portfolio book;
    const auto btc = book.add_underlying("BTC");
    const auto opt =
        book.add_instrument(make_option("X", "BTC", option_right::call, 1, 5, false), btc);
    book.add_position(book.add_account("a"), opt, 1.0, 0.0);
    EXPECT_EQ(book.set_valuation_time(now), risk_error::non_positive_forward);
    book.on_instrument_mark(opt, 100.0);
    EXPECT_EQ(book.full_revalue(), risk_error::non_positive_vol);
}

TEST(portfolio, stress_is_full_revaluation_and_matches_taylor_for_small_moves) {
    sample_book s;
    const auto zero = s.book.stress(0.0, 0.0);
    EXPECT_EQ(zero.pnl_usd, 0.0);
    // Small move: delta-gamma Taylor (against each instrument's own price) is close.
    const double h = 0.001;
    double taylor = 0.0;
    for (std::uint32_t u = 0; u < s.book.underlying_count(); ++u) {
        const auto& st = s.book.underlying(underlying_id{u});
        if (st.cash) {
            continue;
        }
        for (const auto idx : st.positions) {
            const auto& p = s.book.position(position_id{idx});
            const double price = s.book.instrument(p.instrument).price;
            const double dp = price * h;
            taylor += p.risk.delta_base * dp + 0.5 * p.risk.gamma_base * dp * dp;
        }
    }
    const auto small = s.book.stress(h, 0.0);
    // Inverse contracts are linear in USD (their gamma is the coin-equivalent convexity).
    const auto& inv = s.book.position(s.p_btc_inverse);
    const double inv_price = s.book.instrument(s.btc_inverse).price;
    const double inv_gamma_term = 0.5 * inv.risk.gamma_base * (inv_price * h) * (inv_price * h);
    const double inv_exact_delta = inv.contracts * 10.0 / inv.entry_price;
    const double inv_correction =
        (inv_exact_delta - inv.risk.delta_base) * inv_price * h - inv_gamma_term;
    EXPECT_NEAR(small.pnl_usd, taylor + inv_correction, 1e-3 * std::fabs(small.pnl_usd));
    // Vol shock: vega as a central difference over +-1 vol point.
    const auto vol_up = s.book.stress(0.0, 1.0);
    const auto vol_dn = s.book.stress(0.0, -1.0);
    double vega = 0.0;
    for (std::uint32_t u = 0; u < s.book.underlying_count(); ++u) {
        vega += s.book.underlying(underlying_id{u}).totals.vega_usd;
    }
    EXPECT_NEAR((vol_up.pnl_usd - vol_dn.pnl_usd) / 2.0, vega, 0.002 * std::fabs(vega));
    // Per-underlying P&L adds up to the total; cash is never shocked.
    std::vector<double> per(s.book.underlying_count());
    const auto big = s.book.stress(-0.3, -10.0, per);
    EXPECT_NEAR(per[0] + per[1] + per[2], big.pnl_usd, 1e-6);
    EXPECT_EQ(per[2], 0.0);
    EXPECT_NEAR(s.book.stress_one(s.btc, -0.3, -10.0).pnl_usd, per[0], 1e-6);
    // BTC at -30% and -10 vol points, position by position from closed forms.
    auto option_pnl = [&](instrument_id i, double contracts, double forward, double strike,
                          double vol, int days, option_right right) {
        black76_input in{.forward = forward,
                         .strike = strike,
                         .vol = vol,
                         .years = days / 365.0,
                         .rate = 0.0,
                         .right = right};
        const double base = black76_price_unchecked(in);
        in.forward *= 0.7;
        in.vol -= 0.10;
        EXPECT_EQ(s.book.instrument(i).price, forward);
        return contracts * (black76_price_unchecked(in) - base);
    };
    const double expected_btc =
        4.5 * 60000.0 * -0.3 + -2.0 * 60030.0 * -0.3 +
        50000.0 * (60010.0 * 0.7 - 60010.0) / 59000.0 +
        option_pnl(s.btc_put, 20.0, 60300.0, 55000.0, 0.65, 30, option_right::put) +
        option_pnl(s.btc_call, -8.0, 60900.0, 70000.0, 0.58, 90, option_right::call);
    EXPECT_NEAR(per[0], expected_btc, 1e-6 * std::fabs(expected_btc));
}

TEST(portfolio, stress_floors_vol_at_one_point) {
    sample_book s;
    s.book.on_vol_mark(s.btc_put, 0.05);
    const auto cell = s.book.stress(0.0, -10.0);
    EXPECT_GE(cell.vol_floored, 1u);
}

} // namespace
} // namespace ballast::risk
