#include "router/schedule.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

using namespace ballast;
using namespace ballast::router;

namespace {

schedule_params params(std::int64_t total, std::size_t slices, std::int64_t lot = 1) {
    schedule_params p;
    p.order_side = side::bid;
    p.total = base_qty(total);
    p.lot_steps = lot;
    p.start = timestamp_ns{1'000'000'000};
    p.horizon_ns = 3'600'000'000'000; // 1h
    p.slices = slices;
    p.reference_price = 2000.0;
    p.collar_bps = 25.0;
    return p;
}

std::int64_t sum(const schedule_result& r) {
    std::int64_t s = 0;
    for (const auto& x : r.slices) {
        EXPECT_GE(x.amount.value(), 0);
        s += x.amount.value();
    }
    return s;
}

} // namespace

TEST(Schedule, TwapSumsToParentInLotsAtEqualIntervals) {
    std::vector<schedule_slice> out(64);
    for (const std::int64_t total : {1, 7, 100, 1001, 123456789}) {
        for (const std::size_t n : {1u, 3u, 7u, 64u}) {
            const auto r = twap(params(total * 5, n, 5), out);
            ASSERT_TRUE(r.ok());
            ASSERT_EQ(r.slices.size(), n);
            EXPECT_EQ(sum(r), total * 5);
            for (std::size_t j = 0; j < n; ++j) {
                EXPECT_EQ(r.slices[j].amount.value() % 5, 0);
                // Equal to within one lot of total/n.
                EXPECT_LE(std::llabs(r.slices[j].amount.value() * static_cast<std::int64_t>(n) -
                                     total * 5),
                          5 * static_cast<std::int64_t>(n));
            }
        }
    }
    const auto r = twap(params(1000, 4), out);
    EXPECT_EQ(r.slices[0].at.ns, 1'000'000'000);
    EXPECT_EQ(r.slices[1].at.ns - r.slices[0].at.ns, 900'000'000'000);
    EXPECT_EQ(r.slices[3].at.ns, 1'000'000'000 + 2'700'000'000'000);
    EXPECT_DOUBLE_EQ(r.slices[0].limit_price, 2000.0 * 1.0025);
}

TEST(Schedule, CollarMovesAgainstTheOrder) {
    EXPECT_DOUBLE_EQ(collar_limit(side::bid, 100.0, 50), 100.5);
    EXPECT_DOUBLE_EQ(collar_limit(side::ask, 100.0, 50), 99.5);
    std::vector<schedule_slice> out(4);
    auto p = params(100, 4);
    p.order_side = side::ask;
    const auto r = twap(p, out);
    EXPECT_DOUBLE_EQ(r.slices[2].limit_price, 2000.0 * (1 - 0.0025));
}

TEST(Schedule, VwapFollowsTheProfile) {
    std::vector<schedule_slice> out(5);
    const std::vector<double> profile{1, 2, 3, 0, 4};
    const auto r = vwap(params(1000, 5), profile, out);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(sum(r), 1000);
    const std::int64_t expect[] = {100, 200, 300, 0, 400};
    for (std::size_t j = 0; j < 5; ++j) {
        EXPECT_EQ(r.slices[j].amount.value(), expect[j]);
    }
    // Rounding never loses quantity.
    const std::vector<double> odd{1, 1, 1};
    const auto r3 = vwap(params(1000, 3), odd, out);
    EXPECT_EQ(sum(r3), 1000);
    const std::vector<double> zero{0, 0, 0};
    EXPECT_EQ(vwap(params(1000, 3), zero, out).error, schedule_error::bad_profile);
    const std::vector<double> neg{1, -1, 1};
    EXPECT_EQ(vwap(params(1000, 3), neg, out).error, schedule_error::bad_profile);
    EXPECT_EQ(vwap(params(1000, 4), odd, out).error, schedule_error::bad_profile);
}

TEST(Schedule, PovParticipatesAndReportsWhatTheVolumeCannotTake) {
    std::vector<schedule_slice> out(4);
    // Base step 0.01; volumes in base units; 10% participation.
    const std::vector<double> volume{5.0, 10.0, 0.0, 20.0};
    const auto r = pov(params(200, 4), 0.1, volume, 0.01, out);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.slices[0].amount.value(), 50);
    EXPECT_EQ(r.slices[1].amount.value(), 100);
    EXPECT_EQ(r.slices[2].amount.value(), 0);
    EXPECT_EQ(r.slices[3].amount.value(), 50); // only 50 left of 200
    EXPECT_EQ(sum(r) + r.unfilled.value(), 200);
    EXPECT_EQ(r.unfilled.value(), 0);
    const auto thin = pov(params(1000, 4), 0.1, volume, 0.01, out);
    EXPECT_EQ(thin.unfilled.value(), 1000 - 350);
    EXPECT_EQ(sum(thin) + thin.unfilled.value(), 1000);
    EXPECT_EQ(pov(params(200, 4), 0.0, volume, 0.01, out).error, schedule_error::bad_rate);
    EXPECT_EQ(pov(params(200, 4), 1.5, volume, 0.01, out).error, schedule_error::bad_rate);
}

TEST(Schedule, PovTrackerKeepsPaceWithInjectedTime) {
    pov_tracker t(base_qty(1000), 0.2, 10, timestamp_ns{100});
    EXPECT_EQ(t.next_child(timestamp_ns{1}).value(), 0);
    t.on_market_volume(base_qty(555));
    EXPECT_EQ(t.next_child(timestamp_ns{2}).value(), 110); // 0.2*555 = 111 -> lots of 10
    t.on_sent(base_qty(110));
    EXPECT_EQ(t.next_child(timestamp_ns{3}).value(), 0);
    t.on_market_volume(base_qty(100000));
    EXPECT_EQ(t.next_child(timestamp_ns{4}).value(), 890); // capped at the remainder
    EXPECT_EQ(t.next_child(timestamp_ns{101}).value(), 0); // past the end
}

TEST(Schedule, AlmgrenChrissMatchesTheClosedForm) {
    ac_params a;
    a.risk_aversion = 1e-6;
    a.volatility = 0.5;
    a.temporary = 0.05;
    a.permanent = 0.001;
    const double X = 1000.0;
    const double T = 3600.0;
    const std::size_t N = 60;
    std::vector<double> x(N + 1);
    ac_plan plan;
    ASSERT_EQ(ac_trajectory(X, T, N, a, x, &plan), schedule_error::ok);
    const double tau = T / N;
    const double eta_t = a.temporary - 0.5 * a.permanent * tau;
    const double kt2 = a.risk_aversion * a.volatility * a.volatility / eta_t;
    // The discrete optimum satisfies the AC difference equation
    // (x_{j-1} - 2 x_j + x_{j+1}) / tau^2 = kappa~^2 x_j, with x_0 = X and x_N = 0.
    EXPECT_DOUBLE_EQ(x[0], X);
    EXPECT_DOUBLE_EQ(x[N], 0.0);
    for (std::size_t j = 1; j < N; ++j) {
        const double lhs = (x[j - 1] - 2 * x[j] + x[j + 1]) / (tau * tau);
        EXPECT_NEAR(lhs, kt2 * x[j], 1e-9 * X / (tau * tau));
        EXPECT_LT(x[j], x[j - 1]); // sells monotonically
    }
    // Independent closed form: kappa from cosh(kappa tau) = 1 + kappa~^2 tau^2 / 2.
    const double kappa = std::acosh(1 + 0.5 * kt2 * tau * tau) / tau;
    EXPECT_NEAR(plan.kappa, kappa, 1e-15);
    for (std::size_t j = 0; j <= N; j += 7) {
        const double t = tau * j;
        EXPECT_NEAR(x[j], X * std::sinh(kappa * (T - t)) / std::sinh(kappa * T), 1e-9 * X);
    }
    // No risk aversion: the straight line (TWAP), the minimum-impact schedule.
    a.risk_aversion = 0.0;
    ASSERT_EQ(ac_trajectory(X, T, N, a, x, nullptr), schedule_error::ok);
    for (std::size_t j = 0; j <= N; ++j) {
        EXPECT_NEAR(x[j], X * (1.0 - static_cast<double>(j) / N), 1e-9);
    }
    // More risk aversion front-loads.
    std::vector<double> lo(N + 1), hi(N + 1);
    a.risk_aversion = 1e-7;
    ASSERT_EQ(ac_trajectory(X, T, N, a, lo, nullptr), schedule_error::ok);
    a.risk_aversion = 1e-4;
    ASSERT_EQ(ac_trajectory(X, T, N, a, hi, nullptr), schedule_error::ok);
    EXPECT_LT(hi[N / 4], lo[N / 4]);
    // eta~ <= 0 has no optimum.
    a.temporary = 0.5 * a.permanent * tau;
    EXPECT_EQ(ac_trajectory(X, T, N, a, x, nullptr), schedule_error::bad_parameters);
}

TEST(Schedule, AlmgrenChrissSlicesSumAndTrackTheTrajectory) {
    ac_params a;
    a.risk_aversion = 2e-6;
    a.volatility = 0.8;
    a.temporary = 0.02;
    a.permanent = 0.00005;
    auto p = params(100000, 12, 1); // 1000.00 base at step 0.01
    std::vector<schedule_slice> out(12);
    ac_plan plan;
    const auto r = almgren_chriss(p, a, 0.01, out, &plan);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(sum(r), 100000);
    std::vector<double> x(13);
    ASSERT_EQ(ac_trajectory(1000.0, 3600.0, 12, a, x, nullptr), schedule_error::ok);
    double held = 1000.0;
    for (std::size_t j = 0; j < 12; ++j) {
        held -= static_cast<double>(r.slices[j].amount.value()) * 0.01;
        EXPECT_NEAR(held, x[j + 1], 0.01); // within one base step of the closed form
        if (j > 0) {
            EXPECT_LE(r.slices[j].amount.value(), r.slices[j - 1].amount.value() + 1);
        }
    }
    EXPECT_GT(plan.expected_cost, 0.0);
    EXPECT_GT(plan.variance, 0.0);
}

TEST(Schedule, RejectsBadParameters) {
    std::vector<schedule_slice> out(4);
    EXPECT_EQ(twap(params(0, 4), out).error, schedule_error::bad_quantity);
    EXPECT_EQ(twap(params(101, 4, 2), out).error, schedule_error::bad_quantity);
    EXPECT_EQ(twap(params(100, 5), out).error, schedule_error::bad_slices);
    EXPECT_EQ(twap(params(100, 0), out).error, schedule_error::bad_slices);
    auto p = params(100, 4);
    p.horizon_ns = 0;
    EXPECT_EQ(twap(p, out).error, schedule_error::bad_horizon);
    p = params(100, 4);
    p.reference_price = 0;
    EXPECT_EQ(twap(p, out).error, schedule_error::bad_price);
}

TEST(Schedule, RejectsNumbersThatWouldOverflow) {
    std::vector<schedule_slice> out(3);
    auto p = params(300, 3);
    for (const std::int64_t start :
         {std::numeric_limits<std::int64_t>::max(), std::int64_t{9'223'372'036'000'000'000}}) {
        p.start = timestamp_ns{start}; // the last slice would wrap to a negative time
        EXPECT_EQ(twap(p, out).error, schedule_error::bad_horizon) << start;
    }
    p.start = timestamp_ns{std::numeric_limits<std::int64_t>::max() - p.horizon_ns};
    ASSERT_TRUE(twap(p, out).ok());
    EXPECT_GT(out[2].at.ns, out[1].at.ns);
    for (const double price : {std::numeric_limits<double>::infinity(), std::nan(""), 1.79e308}) {
        p = params(300, 3);
        p.reference_price = price;
        p.collar_bps = 100;
        EXPECT_EQ(twap(p, out).error, schedule_error::bad_price) << price;
    }
    for (const double collar : {10000.5, 20000.0, std::numeric_limits<double>::infinity()}) {
        p = params(300, 3);
        p.order_side = side::ask;
        p.collar_bps = collar;
        EXPECT_EQ(twap(p, out).error, schedule_error::bad_price) << collar;
    }
    // A profile whose sum overflows would give every slice a share of 0.
    const std::vector<double> huge(3, 1e308);
    EXPECT_EQ(vwap(params(300, 3), huge, out).error, schedule_error::bad_profile);
    // A forecast far above the parent takes what is left, never an int64 overflow.
    const auto r = pov(params(300, 3), 1.0, huge, 1e-18, out);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(out[0].amount.value(), 300);
    EXPECT_EQ(out[1].amount.value(), 0);
    EXPECT_EQ(r.unfilled.value(), 0);
    // lambda sigma^2 / eta~ beyond a double: no infinite kappa.
    const ac_params a{.risk_aversion = 1e300, .volatility = 1e10, .temporary = 1.0};
    EXPECT_EQ(almgren_chriss(params(300, 3), a, 1.0, out).error, schedule_error::bad_parameters);
    const ac_params inf_cost{.risk_aversion = 1e-6,
                             .volatility = 0.5,
                             .temporary = 0.01,
                             .spread_cost = std::numeric_limits<double>::infinity()};
    EXPECT_EQ(almgren_chriss(params(300, 3), inf_cost, 1.0, out).error,
              schedule_error::bad_parameters);
}
