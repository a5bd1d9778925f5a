#include "risk/valuation.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace ballast::risk {
namespace {

constexpr timestamp_ns now{1'700'000'000'000'000'000};
constexpr std::int64_t ns_per_day = 86'400'000'000'000;

instrument_terms option_terms(option_right right, double strike, int days) {
    instrument_terms t;
    t.kind = instrument_kind::option;
    t.right = right;
    t.contract_size = 1.0;
    t.strike = strike;
    t.expiry = timestamp_ns{now.ns + days * ns_per_day};
    return t;
}

instrument_terms linear(instrument_kind kind, double contract_size) {
    instrument_terms t;
    t.kind = kind;
    t.contract_size = contract_size;
    return t;
}

TEST(valuation, spot_value_and_delta_are_the_holding) {
    const auto r =
        value_position(linear(instrument_kind::spot, 1.0), 2.5, 0.0, {64000.0, 0.0}, now);
    ASSERT_TRUE(r.ok());
    EXPECT_DOUBLE_EQ(r.value.value_usd, 160000.0);
    EXPECT_DOUBLE_EQ(r.value.delta_base, 2.5);
    EXPECT_DOUBLE_EQ(r.value.delta_usd, 160000.0);
    EXPECT_DOUBLE_EQ(r.value.gamma_base, 0.0);
    EXPECT_DOUBLE_EQ(r.value.notional_usd, 160000.0);
}

TEST(valuation, linear_perp_delta_is_contracts_times_contract_size) {
    // 300 contracts of 0.001 BTC, short, entered at 60,000.
    const auto r = value_position(linear(instrument_kind::linear_perp, 0.001), -300.0, 60000.0,
                                  {62000.0, 0.0}, now);
    ASSERT_TRUE(r.ok());
    EXPECT_DOUBLE_EQ(r.value.delta_base, -0.3);
    EXPECT_NEAR(r.value.value_usd, -0.3 * 2000.0, 1e-9);
    EXPECT_NEAR(r.value.delta_usd, -0.3 * 62000.0, 1e-9);
    EXPECT_NEAR(r.value.notional_usd, 0.3 * 62000.0, 1e-9);
}

TEST(valuation, inverse_contract_follows_usd_face_value) {
    // 1,000 contracts of 10 USD face (Deribit BTC-PERPETUAL), long, entered at 50,000.
    const auto terms = linear(instrument_kind::inverse_perp, 10.0);
    const double entry = 50000.0;
    const double p = 55000.0;
    const auto r = value_position(terms, 1000.0, entry, {p, 0.0}, now);
    ASSERT_TRUE(r.ok());
    const double face = 10000.0;
    // Coin P&L face (1/entry - 1/P), in USD at P.
    EXPECT_NEAR(r.value.value_usd, face * (1.0 / entry - 1.0 / p) * p, 1e-9);
    EXPECT_NEAR(r.value.delta_base, face / p, 1e-15);
    EXPECT_DOUBLE_EQ(r.value.delta_usd, face);
    EXPECT_DOUBLE_EQ(r.value.notional_usd, face);
    // Gamma is the slope of the coin-equivalent exposure face/P.
    const double h = 1.0;
    const auto up = value_position(terms, 1000.0, entry, {p + h, 0.0}, now);
    const auto dn = value_position(terms, 1000.0, entry, {p - h, 0.0}, now);
    EXPECT_NEAR(r.value.gamma_base, (up.value.delta_base - dn.value.delta_base) / (2 * h), 1e-12);
    EXPECT_NEAR(r.value.gamma_usd_1pct, r.value.gamma_base * p * p / 100.0, 1e-9);
    // A short of equal face hedges a coin holding worth face at entry: value is constant in USD.
    const double coins = face / entry;
    for (const double q : {30000.0, 50000.0, 80000.0}) {
        const auto s = value_position(terms, -1000.0, entry, {q, 0.0}, now);
        EXPECT_NEAR(coins * q + s.value.value_usd, face, 1e-6);
    }
}

TEST(valuation, inverse_contract_needs_an_entry_price) {
    const auto r = value_position(linear(instrument_kind::inverse_future, 100.0), 5.0, 0.0,
                                  {50000.0, 0.0}, now);
    EXPECT_EQ(r.error, risk_error::non_positive_entry);
}

TEST(valuation, option_position_scales_black76_and_matches_finite_differences) {
    const auto terms = option_terms(option_right::put, 30000.0, 45);
    const double contracts = -12.0;
    const instrument_mark mark{31000.0, 0.72};
    const auto r = value_position(terms, contracts, 0.0, mark, now);
    ASSERT_TRUE(r.ok());
    const auto unit = black76_unchecked({.forward = mark.price,
                                         .strike = terms.strike,
                                         .vol = mark.vol,
                                         .years = 45.0 / 365.0,
                                         .rate = 0.0,
                                         .right = option_right::put});
    EXPECT_NEAR(r.value.value_usd, contracts * unit.price, 1e-8);
    EXPECT_NEAR(r.value.vega_usd, contracts * unit.vega, 1e-9);
    EXPECT_NEAR(r.value.theta_usd, contracts * unit.theta, 1e-9);
    const double h = 5.0;
    const auto up = value_position(terms, contracts, 0.0, {mark.price + h, mark.vol}, now);
    const auto dn = value_position(terms, contracts, 0.0, {mark.price - h, mark.vol}, now);
    EXPECT_NEAR(r.value.delta_base, (up.value.value_usd - dn.value.value_usd) / (2 * h), 1e-6);
    EXPECT_NEAR(r.value.gamma_base,
                (up.value.value_usd - 2 * r.value.value_usd + dn.value.value_usd) / (h * h), 1e-8);
    EXPECT_NEAR(r.value.gamma_usd_1pct, r.value.gamma_base * mark.price * mark.price / 100, 1e-9);
    // One day later the value has moved by about theta.
    const auto tomorrow =
        value_position(terms, contracts, 0.0, mark, timestamp_ns{now.ns + ns_per_day});
    EXPECT_NEAR(tomorrow.value.value_usd - r.value.value_usd, r.value.theta_usd,
                0.02 * std::fabs(r.value.theta_usd));
}

TEST(valuation, bad_marks_and_expired_options_are_errors) {
    EXPECT_EQ(value_position(linear(instrument_kind::spot, 1), 1, 0, {0.0, 0}, now).error,
              risk_error::non_positive_price);
    EXPECT_EQ(value_position(linear(instrument_kind::linear_perp, 1), 1, 1, {-3.0, 0}, now).error,
              risk_error::non_positive_price);
    EXPECT_EQ(value_position(linear(instrument_kind::spot, 1), NAN, 0, {10.0, 0}, now).error,
              risk_error::non_finite_qty);
    EXPECT_EQ(
        value_position(option_terms(option_right::call, 100, -1), 1, 0, {100, 0.5}, now).error,
        risk_error::expired);
    EXPECT_EQ(value_position(option_terms(option_right::call, 100, 0), 1, 0, {100, 0.5}, now).error,
              risk_error::expired);
    EXPECT_EQ(
        value_position(option_terms(option_right::call, 100, 10), 1, 0, {100, 0.0}, now).error,
        risk_error::non_positive_vol);
    EXPECT_EQ(
        value_position(option_terms(option_right::call, 100, 10), 1, 0, {100, -0.3}, now).error,
        risk_error::non_positive_vol);
}

} // namespace
} // namespace ballast::risk

namespace ballast::risk {
namespace {

// The portfolio values positions by scaling per-contract risk; it must agree with the direct
// valuation for every kind.
TEST(valuation, scaled_unit_risk_equals_direct_valuation) {
    struct kind_case {
        instrument_terms terms;
        double contracts, entry;
        instrument_mark mark;
    };
    const kind_case cases[] = {
        {linear(instrument_kind::spot, 1.0), 3.5, 0.0, {64000.0, 0.0}},
        {linear(instrument_kind::linear_perp, 0.01), -250.0, 61000.0, {64000.0, 0.0}},
        {linear(instrument_kind::linear_future, 1.0), 2.0, 66000.0, {64500.0, 0.0}},
        {linear(instrument_kind::inverse_perp, 10.0), -4000.0, 59000.0, {64000.0, 0.0}},
        {linear(instrument_kind::inverse_future, 100.0), 30.0, 70000.0, {64000.0, 0.0}},
        {option_terms(option_right::call, 70000.0, 60), -7.0, 0.0, {64800.0, 0.55}},
        {option_terms(option_right::put, 50000.0, 10), 12.5, 0.0, {64800.0, 0.9}},
    };
    for (const auto& c : cases) {
        const auto direct = value_position(c.terms, c.contracts, c.entry, c.mark, now);
        const auto unit = unit_risk(c.terms, c.mark, now);
        ASSERT_TRUE(direct.ok() && unit.ok());
        const auto scaled = scale_unit(c.terms, unit.value, c.contracts, c.entry, c.mark.price);
        ASSERT_TRUE(scaled.ok());
        const auto& a = direct.value;
        const auto& b = scaled.value;
        auto near = [](double x, double y) {
            return std::fabs(x - y) <= 1e-12 * (1 + std::fabs(x));
        };
        EXPECT_TRUE(near(a.value_usd, b.value_usd)) << a.value_usd << " " << b.value_usd;
        EXPECT_TRUE(near(a.notional_usd, b.notional_usd));
        EXPECT_TRUE(near(a.delta_base, b.delta_base));
        EXPECT_TRUE(near(a.delta_usd, b.delta_usd));
        EXPECT_TRUE(near(a.gamma_base, b.gamma_base));
        EXPECT_TRUE(near(a.gamma_usd_1pct, b.gamma_usd_1pct));
        EXPECT_TRUE(near(a.vega_usd, b.vega_usd));
        EXPECT_TRUE(near(a.theta_usd, b.theta_usd));
    }
    EXPECT_EQ(scale_unit(linear(instrument_kind::inverse_perp, 10), {}, 1.0, 0.0, 100.0).error,
              risk_error::non_positive_entry);
    EXPECT_EQ(scale_unit(linear(instrument_kind::spot, 1), {}, NAN, 0.0, 100.0).error,
              risk_error::non_finite_qty);
}

} // namespace
} // namespace ballast::risk
