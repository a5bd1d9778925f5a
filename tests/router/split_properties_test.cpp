// Caps, limit price, minimum notional, unfilled quantity, health, and the baselines: the
// optimiser is never worse than any of them.
#include "router/split.hpp"
#include "tests/router/market_fixture.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace ballast;
using namespace ballast::router;
using ballast::router::test::market_fixture;

namespace {

parent_order buy(std::int64_t steps) {
    parent_order o;
    o.order_side = side::bid;
    o.amount = base_qty(steps);
    return o;
}

parent_order sell(std::int64_t steps) {
    parent_order o = buy(steps);
    o.order_side = side::ask;
    return o;
}

std::int64_t amount_at(const split_result& r, std::uint16_t venue) {
    for (const auto& a : r.allocations) {
        if (a.venue.value == venue) {
            return a.amount.value();
        }
    }
    return 0;
}

double signed_cost(const split_result& r) {
    return r.order_side == side::bid ? r.total_cost_quote : -r.total_cost_quote;
}

/// Two books with different fees: 1.00 each at 100.00/100.01 asks.
market_fixture two_books() {
    market_fixture m;
    m.add_book(1, {{99.99, 1.0}, {99.90, 5.0}}, {{100.00, 1.0}, {100.10, 5.0}}, 10, {1, 2});
    m.add_book(2, {{99.98, 1.0}, {99.80, 5.0}}, {{100.01, 1.0}, {100.20, 5.0}}, 2, {1, 2});
    return m;
}

} // namespace

TEST(Split, EqualisesFeeAdjustedMarginalPrices) {
    auto m = two_books();
    smart_router router;
    // Buy 2.00: all-in 100.00*1.001 = 100.10 on v1, 100.01*1.0002 = 100.03 on v2: v2 first,
    // then v1's 100.10 (all-in) beats v2's second level at 100.22.
    const auto& r = router.split(m.snapshot(), buy(200));
    EXPECT_EQ(r.status, route_status::ok);
    EXPECT_EQ(amount_at(r, 1), 100);
    EXPECT_EQ(amount_at(r, 2), 100);
    const double expect = 100.00 * 1.0 * 1.001 + 100.01 * 1.0 * 1.0002;
    EXPECT_NEAR(r.total_cost_quote, expect, 1e-9);
    EXPECT_NEAR(r.mid_price, (99.99 + 100.00) / 2, 1e-12);
    EXPECT_NEAR(r.cost_vs_mid_bps, (expect / 2.0 - r.mid_price) / r.mid_price * 1e4, 1e-9);
    EXPECT_EQ(r.allocations[0].levels, 1u);
}

TEST(Split, SellReceivesNetOfFeesAndReportsPositiveShortfall) {
    auto m = two_books();
    smart_router router;
    const auto& r = router.split(m.snapshot(), sell(150));
    EXPECT_EQ(r.filled.value(), 150);
    // Bids all-in: v1 99.99*0.999 = 99.89, v2 99.98*0.9998 = 99.96 then v1 99.89 then...
    EXPECT_EQ(amount_at(r, 2), 100);
    EXPECT_EQ(amount_at(r, 1), 50);
    const double expect = 99.98 * 0.9998 + 99.99 * 0.5 * 0.999;
    EXPECT_NEAR(r.total_cost_quote, expect, 1e-9);
    EXPECT_GT(r.cost_vs_mid_bps, 0.0);
}

TEST(Split, RespectsHardCapsAndReportsUnfilled) {
    auto m = two_books();
    m.book_sources[1].cost.cap_steps = 50; // only 0.50 available on v2
    smart_router router;
    const auto& r = router.split(m.snapshot(), buy(200));
    EXPECT_EQ(amount_at(r, 2), 50);
    EXPECT_EQ(amount_at(r, 1), 150);
    // Depth: 12.00 on the asks in total, 6.50 reachable with the cap.
    const auto& big = router.split(m.snapshot(), buy(10000));
    EXPECT_EQ(big.status, route_status::partial);
    EXPECT_EQ(big.filled.value(), 600 + 50);
    EXPECT_EQ(big.unfilled.value(), 10000 - 650);
}

TEST(Split, NeverTakesBeyondTheLimitPrice) {
    auto m = two_books();
    smart_router router;
    auto o = buy(1000);
    o.has_limit = true;
    o.limit_price = 100.05; // only the first level of each book
    const auto& r = router.split(m.snapshot(), o);
    EXPECT_EQ(r.filled.value(), 200);
    EXPECT_EQ(r.unfilled.value(), 800);
    for (const auto& a : r.allocations) {
        EXPECT_LE(a.limit_price, 100.05);
    }
    auto s = sell(1000);
    s.has_limit = true;
    s.limit_price = 99.95;
    const auto& rs = router.split(m.snapshot(), s);
    EXPECT_EQ(rs.filled.value(), 200);
    for (const auto& a : rs.allocations) {
        EXPECT_GE(a.limit_price, 99.95);
    }
}

TEST(Split, PoolSwapsStopAtTheLimitPrice) {
    market_fixture m;
    m.add_pool(5, pool_curve::constant_product(100.0, 10000.0, 0.003), 0.0);
    smart_router router;
    auto o = buy(100000); // 1000.00 base: far more than the limit allows
    o.has_limit = true;
    o.limit_price = 101.0;
    const auto& r = router.split(m.snapshot(), o);
    ASSERT_EQ(r.allocations.size(), 1u);
    EXPECT_LE(r.allocations[0].limit_price, 101.0 * (1 + 1e-12));
    EXPECT_GT(r.allocations[0].limit_price, 100.97); // within one base step of the limit
    // x*y = k: base out to move the spot from 100 to 101 is 100 - sqrt(10000*100/101).
    const double expect = 100.0 - std::sqrt(1e6 / 101.0);
    EXPECT_NEAR(static_cast<double>(r.filled.value()) * 0.01, expect, 0.011);
}

TEST(Split, MinimumNotionalDropsOrRaisesTinyChildren) {
    market_fixture m;
    m.add_book(1, {}, {{100.00, 10.0}}, 10, {1, 2});
    auto& c = m.add_book(2, {}, {{99.00, 0.05}, {101.00, 10.0}}, 10, {1, 2});
    c.min_notional_quote = 20.0; // 0.05 at 99 is only 4.95 of notional
    smart_router router;
    const auto& r = router.split(m.snapshot(), buy(100));
    for (const auto& a : r.allocations) {
        if (a.venue.value == 2) {
            EXPECT_GE(a.notional_quote, 20.0);
        }
    }
    // Cheaper without v2 than with v2 raised to its minimum (0.20: 0.05@99 + 0.15@101).
    EXPECT_EQ(amount_at(r, 2), 0);
    EXPECT_EQ(amount_at(r, 1), 100);
    // When v2's cheap level is big enough to clear the minimum, it is used.
    market_fixture m2;
    m2.add_book(1, {}, {{100.00, 10.0}}, 10, {1, 2});
    auto& c2 = m2.add_book(2, {}, {{99.00, 0.30}, {101.00, 10.0}}, 10, {1, 2});
    c2.min_notional_quote = 20.0;
    const auto& r2 = router.split(m2.snapshot(), buy(100));
    EXPECT_EQ(amount_at(r2, 2), 30);
}

TEST(Split, StaleBooksAreExcluded) {
    auto m = two_books();
    m.book_sources[1].cost.healthy = false;
    smart_router router;
    const auto& r = router.split(m.snapshot(), buy(200));
    EXPECT_EQ(amount_at(r, 2), 0);
    EXPECT_EQ(amount_at(r, 1), 200);
}

TEST(Split, PoolGasDecidesWhetherAPoolIsWorthIt) {
    market_fixture m;
    m.add_book(1, {}, {{100.00, 1.0}, {100.50, 100.0}}, 0, {1, 2});
    m.add_pool(5, pool_curve::constant_product(10000.0, 1000000.0, 0.0005), 1.0);
    smart_router router;
    // Small order: the book's 100.00 beats the pool plus a 1.00 gas fee.
    const auto& small = router.split(m.snapshot(), buy(50));
    EXPECT_EQ(amount_at(small, 5), 0);
    // Large order: the pool (spot 100, 5 bp) beats the book's 100.50 by far more than gas.
    const auto& large = router.split(m.snapshot(), buy(4000));
    EXPECT_GT(amount_at(large, 5), 0);
    EXPECT_NEAR(large.allocations.back().gas_quote, 1.0, 0);
    // Marginal prices equalised: the pool's marginal price sits at the book's 100.50 level.
    const double pool_marginal = m.curves[0].marginal_buy(amount_at(large, 5) * 0.01);
    EXPECT_NEAR(pool_marginal, 100.50, 0.02);
}

TEST(Split, BadOrdersAndMarketsAreRefused) {
    auto m = two_books();
    smart_router router;
    EXPECT_EQ(router.split(m.snapshot(), buy(0)).status, route_status::bad_order);
    auto o = buy(10);
    o.has_limit = true;
    o.limit_price = -1.0;
    EXPECT_EQ(router.split(m.snapshot(), o).status, route_status::bad_order);
    // A lot finer than the base step.
    m.book_sources[0].cost.lot = {1, 3};
    EXPECT_EQ(router.split(m.snapshot(), buy(10)).status, route_status::bad_market);
    smart_router tiny({1, 1, 64, 8});
    auto m2 = two_books();
    EXPECT_EQ(tiny.split(m2.snapshot(), buy(10)).status, route_status::too_many_sources);
}

TEST(Split, AllocationsSumToFilledAndCostsAddUp) {
    std::mt19937_64 rng(99);
    smart_router router;
    for (int t = 0; t < 200; ++t) {
        market_fixture m;
        for (std::uint16_t v = 1; v <= 4; ++v) {
            std::vector<ballast::router::test::level_spec> asks, bids;
            for (int l = 0; l < 20; ++l) {
                asks.push_back({100.0 + 0.01 * (l * 3 + v), 0.01 * (1 + rng() % 50)});
                bids.push_back({99.99 - 0.01 * (l * 3 + v), 0.01 * (1 + rng() % 50)});
            }
            m.add_book(v, bids, asks, static_cast<double>(rng() % 20), {1, 2});
        }
        m.add_pool(9, pool_curve::constant_product(50.0, 5000.0, 0.003), 0.5);
        const auto o = (rng() % 2) ? buy(1 + rng() % 3000) : sell(1 + rng() % 3000);
        const auto& r = router.split(m.snapshot(), o);
        std::int64_t total = 0;
        double cost = 0.0;
        for (const auto& a : r.allocations) {
            total += a.amount.value();
            cost += a.cost_quote;
            EXPECT_GT(a.amount.value(), 0);
            const double sign = o.order_side == side::bid ? 1.0 : -1.0;
            EXPECT_NEAR(a.cost_quote, a.notional_quote + sign * (a.fees_quote + a.gas_quote),
                        1e-9 * std::fabs(a.cost_quote));
        }
        EXPECT_EQ(total, r.filled.value());
        EXPECT_EQ(r.filled.value() + r.unfilled.value(), o.amount.value());
        EXPECT_NEAR(cost, r.total_cost_quote, 1e-9 * std::fabs(cost));
    }
}

TEST(Baselines, OptimumIsNeverWorseThanAnyBaseline) {
    std::mt19937_64 rng(7);
    smart_router router;
    std::uniform_real_distribution<double> u(0.0, 1.0);
    int strictly_better = 0;
    for (int t = 0; t < 300; ++t) {
        market_fixture m;
        const int books = 1 + static_cast<int>(rng() % 5);
        for (int v = 0; v < books; ++v) {
            std::vector<ballast::router::test::level_spec> asks, bids;
            double a = 100.0 + 0.01 * (1 + rng() % 10);
            double b = 100.0 - 0.01 * (1 + rng() % 10);
            const std::int64_t lot = (rng() % 3 == 0) ? 10 : 1;
            for (int l = 0; l < 1 + static_cast<int>(rng() % 30); ++l) {
                asks.push_back({a, 0.01 * lot * (1 + rng() % 20)});
                bids.push_back({b, 0.01 * lot * (1 + rng() % 20)});
                a += 0.01 * (1 + rng() % 10);
                b -= 0.01 * (1 + rng() % 10);
            }
            auto& c = m.add_book(static_cast<std::uint16_t>(v + 1), bids, asks,
                                 static_cast<double>(rng() % 40), decimal_step{lot, 2});
            if (u(rng) < 0.3) {
                c.cap_steps = 10 + static_cast<std::int64_t>(rng() % 200);
            }
            if (u(rng) < 0.3) {
                c.min_notional_quote = 5.0 * u(rng);
            }
        }
        for (int p = 0; p < static_cast<int>(rng() % 4); ++p) {
            const double px = 100.0 * (1 + 0.002 * (u(rng) - 0.5));
            const double rb = 5.0 + 50.0 * u(rng);
            m.add_pool(static_cast<std::uint16_t>(20 + p),
                       pool_curve::constant_product(rb, rb * px, p % 2 ? 0.003 : 0.0005),
                       2.0 * u(rng));
        }
        auto o = (rng() % 2) ? buy(1 + rng() % 2000) : sell(1 + rng() % 2000);
        if (rng() % 3 == 0) {
            o.has_limit = true;
            o.limit_price = o.order_side == side::bid ? 100.2 : 99.8;
        }
        const auto snap = m.snapshot();
        const auto& best = router.route(snap, o, route_method::optimal);
        for (const auto method : {route_method::best_single_venue, route_method::equal_split,
                                  route_method::increments_5pct}) {
            const auto& base = router.route(snap, o, method);
            ASSERT_GE(best.filled.value(), base.filled.value())
                << to_string(method) << " market " << t;
            if (best.filled == base.filled && base.filled.value() > 0) {
                EXPECT_LE(signed_cost(best),
                          signed_cost(base) + 1e-9 * std::fabs(signed_cost(base)))
                    << to_string(method) << " market " << t;
                strictly_better += signed_cost(best) < signed_cost(base) - 1e-9 ? 1 : 0;
            }
        }
    }
    EXPECT_GT(strictly_better, 300); // the baselines are beaten, not just matched
}

TEST(Baselines, IncrementsGiveEachChunkToOneSourceAndEqualSplitShares) {
    auto m = two_books();
    smart_router router;
    const auto& eq = router.route(m.snapshot(), buy(200), route_method::equal_split);
    EXPECT_EQ(amount_at(eq, 1), 100);
    EXPECT_EQ(amount_at(eq, 2), 100);
    const auto& single = router.route(m.snapshot(), buy(200), route_method::best_single_venue);
    EXPECT_EQ(single.allocations.size(), 1u);
    EXPECT_EQ(single.filled.value(), 200);
    const auto& inc = router.route(m.snapshot(), buy(2000), route_method::increments_5pct);
    EXPECT_EQ(inc.filled.value(), 1200); // all the depth there is
    for (const auto& a : inc.allocations) {
        EXPECT_EQ(a.amount.value() % 100, 0); // whole 5% chunks of 20.00 (1.00)
    }
}
