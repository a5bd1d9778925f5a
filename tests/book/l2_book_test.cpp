#include "book/l2_book.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>

using namespace ballast;

TEST(L2Book, SetLevelInsertUpdateDelete) {
    l2_book b(16);
    EXPECT_EQ(b.set_level(side::bid, price(100), qty(5)), level_change::inserted);
    EXPECT_EQ(b.set_level(side::bid, price(101), qty(3)), level_change::inserted);
    EXPECT_EQ(b.set_level(side::bid, price(99), qty(7)), level_change::inserted);
    EXPECT_EQ(b.best_bid().px, price(101));
    EXPECT_EQ(b.set_level(side::bid, price(101), qty(4)), level_change::updated);
    EXPECT_EQ(b.best_bid().sz, qty(4));
    EXPECT_EQ(b.set_level(side::bid, price(101), qty(0)), level_change::deleted);
    EXPECT_EQ(b.best_bid().px, price(100));
    EXPECT_EQ(b.set_level(side::bid, price(50), qty(0)), level_change::delete_unknown);
    EXPECT_EQ(b.depth(side::bid), 2u);
    EXPECT_EQ(b.qty_at(side::bid, price(99)), qty(7));
    EXPECT_EQ(b.qty_at(side::bid, price(98)), qty(0));
}

TEST(L2Book, AsksBestIsLowest) {
    l2_book b(16);
    b.set_level(side::ask, price(105), qty(1));
    b.set_level(side::ask, price(103), qty(2));
    b.set_level(side::ask, price(104), qty(3));
    EXPECT_EQ(b.best_ask().px, price(103));
    EXPECT_EQ(b.at(side::ask, 1).px, price(104));
    EXPECT_EQ(b.at(side::ask, 2).px, price(105));
    EXPECT_FALSE(b.crossed());
    b.set_level(side::bid, price(103), qty(1));
    EXPECT_TRUE(b.crossed());
}

TEST(L2Book, EmptyBookBestIsZero) {
    l2_book b(4);
    EXPECT_TRUE(b.empty(side::bid));
    EXPECT_EQ(b.best_bid().px, price(0));
    EXPECT_FALSE(b.crossed());
    const auto r = b.sweep(side::ask, qty(10));
    EXPECT_EQ(r.filled, qty(0));
    EXPECT_EQ(r.levels, 0u);
}

TEST(L2Book, TruncateKeepsBest) {
    l2_book b(16);
    for (int i = 1; i <= 10; ++i) {
        b.set_level(side::bid, price(i), qty(1));
        b.set_level(side::ask, price(100 + i), qty(1));
    }
    b.truncate(3);
    EXPECT_EQ(b.depth(side::bid), 3u);
    EXPECT_EQ(b.at(side::bid, 2).px, price(8));
    EXPECT_EQ(b.at(side::ask, 2).px, price(103));
}

TEST(L2Book, SweepCostAndWorstPrice) {
    l2_book b(16);
    b.set_level(side::ask, price(100), qty(2));
    b.set_level(side::ask, price(101), qty(3));
    b.set_level(side::ask, price(103), qty(10));
    auto r = b.sweep(side::ask, qty(4));
    EXPECT_EQ(r.filled, qty(4));
    EXPECT_EQ(r.worst, price(101));
    EXPECT_EQ(static_cast<long long>(r.notional), 2 * 100 + 2 * 101);
    r = b.sweep(side::ask, qty(100));
    EXPECT_EQ(r.filled, qty(15));
    EXPECT_EQ(r.worst, price(103));
    r = b.sweep(side::ask, qty(100), price(101)); // limit
    EXPECT_EQ(r.filled, qty(5));
    b.set_level(side::bid, price(99), qty(1));
    b.set_level(side::bid, price(98), qty(1));
    r = b.sweep(side::bid, qty(5), price(99));
    EXPECT_EQ(r.filled, qty(1));
    EXPECT_EQ(r.worst, price(99));
}

TEST(L2Book, CapacityEvictsWorstNeverReallocates) {
    l2_book b(3);
    b.set_level(side::bid, price(10), qty(1));
    b.set_level(side::bid, price(11), qty(1));
    b.set_level(side::bid, price(12), qty(1));
    const level* twelve = &b.at(side::bid, 0);
    EXPECT_EQ(b.set_level(side::bid, price(9), qty(1)), level_change::dropped_full);
    EXPECT_EQ(b.set_level(side::bid, price(13), qty(1)), level_change::inserted);
    EXPECT_EQ(b.depth(side::bid), 3u);
    EXPECT_EQ(b.at(side::bid, 2).px, price(11)); // 10 evicted
    EXPECT_EQ(&b.at(side::bid, 1), twelve);      // a held level never moves in memory
}

TEST(L2Book, KeepsVenueText) {
    l2_book b(8, true);
    b.set_level(side::ask, price(5160), qty(122), "5.16", "122");
    b.set_level(side::ask, price(5148), qty(60), "5.148", "60");
    EXPECT_EQ(b.text_at(side::ask, 0).price_text(), "5.148");
    EXPECT_EQ(b.text_at(side::ask, 1).price_text(), "5.16");
    EXPECT_EQ(b.text_at(side::ask, 1).size_text(), "122");
    b.set_level(side::ask, price(5148), qty(0), "5.148", "0");
    EXPECT_EQ(b.text_at(side::ask, 0).price_text(), "5.16");
    EXPECT_EQ(b.set_level(side::ask, price(1), qty(1), std::string(40, '1'), "1"),
              level_change::text_too_long);
    EXPECT_EQ(b.depth(side::ask), 1u);
}

// Against std::map as an independent reference, on random operations.
TEST(L2Book, MatchesStdMapReference) {
    std::mt19937_64 rng(7);
    l2_book b(4096);
    std::map<std::int64_t, std::int64_t> bids, asks;
    for (int i = 0; i < 200000; ++i) {
        const side s = rng() % 2 ? side::bid : side::ask;
        const std::int64_t px = s == side::bid ? 900 + static_cast<std::int64_t>(rng() % 100)
                                               : 1001 + static_cast<std::int64_t>(rng() % 100);
        const std::int64_t sz = rng() % 3 == 0 ? 0 : static_cast<std::int64_t>(rng() % 50 + 1);
        b.set_level(s, price(px), qty(sz));
        auto& m = s == side::bid ? bids : asks;
        if (sz == 0) {
            m.erase(px);
        } else {
            m[px] = sz;
        }
    }
    ASSERT_EQ(b.depth(side::bid), bids.size());
    ASSERT_EQ(b.depth(side::ask), asks.size());
    std::size_t i = 0;
    for (auto it = bids.rbegin(); it != bids.rend(); ++it, ++i) {
        ASSERT_EQ(b.at(side::bid, i).px.value(), it->first);
        ASSERT_EQ(b.at(side::bid, i).sz.value(), it->second);
    }
    i = 0;
    for (auto& [px, sz] : asks) {
        ASSERT_EQ(b.at(side::ask, i).px.value(), px);
        ASSERT_EQ(b.at(side::ask, i++).sz.value(), sz);
    }
}

TEST(L2BookRescale, FinerUnitsKeepEveryLevelAndOverflowChangesNothing) {
    ballast::l2_book b(16, true);
    using ballast::price;
    using ballast::qty;
    using ballast::side;
    (void)b.set_level(side::bid, price(105), qty(2), "10.5", "2");
    (void)b.set_level(side::ask, price(106), qty(15), "10.6", "1.5");
    ASSERT_TRUE(b.rescale(10, 100));
    EXPECT_EQ(b.best_bid().px, price(1050));
    EXPECT_EQ(b.best_bid().sz, qty(200));
    EXPECT_EQ(b.best_ask().px, price(1060));
    EXPECT_EQ(b.best_ask().sz, qty(1500));
    EXPECT_EQ(b.text_at(side::ask, 0).price_text(), "10.6");
    (void)b.set_level(side::ask, price(4'000'000'000'000'000'000), qty(1));
    EXPECT_FALSE(b.rescale(10, 1)); // the far ask would overflow: nothing changes
    EXPECT_EQ(b.best_bid().px, price(1050));
    EXPECT_EQ(b.at(side::ask, 1).px, price(4'000'000'000'000'000'000));
    EXPECT_FALSE(b.rescale(0, 1));
}
