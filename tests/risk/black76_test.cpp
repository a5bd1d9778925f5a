#include "risk/black76.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace ballast::risk {
namespace {

black76_input atm_call() {
    return {.forward = 30000.0,
            .strike = 32000.0,
            .vol = 0.8,
            .years = 0.25,
            .rate = 0.0,
            .right = option_right::call};
}

// Haug, "The Complete Guide to Option Pricing Formulas" (2nd ed.), Black-76 example:
// F = K = 19, T = 0.75, r = 10%, vol = 28% -> call = put = 1.7011.
TEST(black76, matches_haug_published_example) {
    black76_input in{.forward = 19.0,
                     .strike = 19.0,
                     .vol = 0.28,
                     .years = 0.75,
                     .rate = 0.10,
                     .right = option_right::call};
    const auto call = black76(in);
    ASSERT_TRUE(call.ok());
    EXPECT_NEAR(call.value.price, 1.7011, 5e-5);
    in.right = option_right::put;
    const auto put = black76(in);
    ASSERT_TRUE(put.ok());
    EXPECT_NEAR(put.value.price, 1.7011, 5e-5);
}

TEST(black76, put_call_parity_holds_with_and_without_discounting) {
    for (const double rate : {0.0, 0.05}) {
        for (const double strike : {5000.0, 30000.0, 90000.0}) {
            auto in = atm_call();
            in.rate = rate;
            in.strike = strike;
            const auto c = black76_unchecked(in);
            in.right = option_right::put;
            const auto p = black76_unchecked(in);
            const double df = std::exp(-rate * in.years);
            EXPECT_NEAR(c.price - p.price, df * (in.forward - strike), 1e-8 * in.forward);
            EXPECT_NEAR(c.delta - p.delta, df, 1e-12);
            EXPECT_NEAR(c.gamma, p.gamma, 1e-15);
            EXPECT_NEAR(c.vega, p.vega, 1e-9);
        }
    }
}

// Central differences of the price against the analytic Greeks.
TEST(black76, greeks_match_finite_differences) {
    for (const auto right : {option_right::call, option_right::put}) {
        for (const double rate : {0.0, 0.03}) {
            auto in = atm_call();
            in.right = right;
            in.rate = rate;
            const auto g = black76_unchecked(in);
            const double h = in.forward * 1e-4;
            auto up = in;
            auto dn = in;
            up.forward += h;
            dn.forward -= h;
            const double pu = black76_price_unchecked(up);
            const double pd = black76_price_unchecked(dn);
            EXPECT_NEAR(g.delta, (pu - pd) / (2 * h), 1e-7);
            EXPECT_NEAR(g.gamma, (pu - 2 * g.price + pd) / (h * h), 1e-9);

            auto vu = in;
            auto vd = in;
            vu.vol += 1e-5;
            vd.vol -= 1e-5;
            const double vega_fd =
                (black76_price_unchecked(vu) - black76_price_unchecked(vd)) / 2e-5 * 0.01;
            EXPECT_NEAR(g.vega, vega_fd, 1e-6);

            auto tu = in;
            auto td = in;
            tu.years += 1e-6;
            td.years -= 1e-6;
            const double theta_fd =
                -(black76_price_unchecked(tu) - black76_price_unchecked(td)) / 2e-6 / 365.0;
            EXPECT_NEAR(g.theta, theta_fd, 1e-5);
        }
    }
}

TEST(black76, approaches_discounted_intrinsic_at_tiny_vol) {
    auto in = atm_call();
    in.vol = 1e-6;
    in.strike = 25000.0;
    in.rate = 0.02;
    const auto g = black76_unchecked(in);
    EXPECT_NEAR(g.price, std::exp(-0.02 * 0.25) * 5000.0, 1e-6);
    EXPECT_NEAR(g.delta, std::exp(-0.02 * 0.25), 1e-12);
}

TEST(black76, coin_settled_premium_and_premium_adjusted_delta) {
    auto in = atm_call();
    const auto g = black76_unchecked(in);
    const auto q = coin_settled(g, in.forward);
    EXPECT_DOUBLE_EQ(q.price_coin, g.price / in.forward);
    // Premium-adjusted delta is F * d(price_coin)/dF.
    const double h = in.forward * 1e-5;
    auto up = in;
    auto dn = in;
    up.forward += h;
    dn.forward -= h;
    const double coin_slope =
        (black76_price_unchecked(up) / up.forward - black76_price_unchecked(dn) / dn.forward) /
        (2 * h);
    EXPECT_NEAR(q.premium_adjusted_delta, coin_slope * in.forward, 1e-8);
}

TEST(black76, rejects_bad_inputs_naming_the_field) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    struct bad_case {
        black76_input in;
        risk_error expected;
    };
    auto with = [](auto mutate) {
        auto in = atm_call();
        mutate(in);
        return in;
    };
    const bad_case cases[] = {
        {with([](auto& i) { i.vol = 0.0; }), risk_error::non_positive_vol},
        {with([](auto& i) { i.vol = -0.2; }), risk_error::non_positive_vol},
        {with([&](auto& i) { i.vol = nan; }), risk_error::non_positive_vol},
        {with([](auto& i) { i.years = 0.0; }), risk_error::expired},
        {with([](auto& i) { i.years = -0.01; }), risk_error::expired},
        {with([](auto& i) { i.forward = 0.0; }), risk_error::non_positive_forward},
        {with([](auto& i) { i.forward = -5.0; }), risk_error::non_positive_forward},
        {with([](auto& i) { i.strike = 0.0; }), risk_error::non_positive_strike},
        {with([&](auto& i) { i.rate = nan; }), risk_error::non_finite_rate},
        {with([](auto& i) { i.right = option_right::none; }), risk_error::not_an_option},
    };
    for (const auto& c : cases) {
        const auto r = black76(c.in);
        EXPECT_EQ(r.error, c.expected) << to_string(c.expected);
    }
    EXPECT_EQ(to_string(risk_error::non_positive_vol).substr(0, 4), "vol:");
    EXPECT_EQ(to_string(risk_error::expired).substr(0, 7), "expiry:");
    EXPECT_EQ(to_string(risk_error::non_positive_forward).substr(0, 8), "forward:");
}

} // namespace
} // namespace ballast::risk
