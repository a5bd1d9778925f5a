// The ladder behind l2_book: a price-indexed window around the top and an overflow ring beyond
// it. Edge cases of each part, then random operations against a std::map reference model that
// applies the capacity rules by brute force.
#include "book/l2_book.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

using namespace ballast;

namespace {

constexpr std::int64_t window = static_cast<std::int64_t>(l2_book::ladder_window);

std::vector<std::int64_t> prices(const l2_book& b, side s) {
    std::vector<std::int64_t> out;
    for (std::size_t i = 0; i < b.depth(s); ++i) {
        out.push_back(b.at(s, i).px.value());
    }
    return out;
}

} // namespace

TEST(PriceLadder, TopMovingFarSlidesTheWindowAndKeepsOrder) {
    l2_book b(64);
    for (std::int64_t px : {100000, 99999, 99990, 99000}) {
        ASSERT_EQ(b.set_level(side::bid, price(px), qty(1)), level_change::inserted);
    }
    // Far better than the window's top: the window slides, every older level is beyond it.
    ASSERT_EQ(b.set_level(side::bid, price(100000 + 3 * window), qty(7)), level_change::inserted);
    EXPECT_EQ(b.best_bid().px, price(100000 + 3 * window));
    EXPECT_EQ(prices(b, side::bid),
              (std::vector<std::int64_t>{100000 + 3 * window, 100000, 99999, 99990, 99000}));
    EXPECT_EQ(b.qty_at(side::bid, price(99990)), qty(1));
    // The far top goes: the levels in the overflow come back into the window.
    ASSERT_EQ(b.set_level(side::bid, price(100000 + 3 * window), qty(0)), level_change::deleted);
    EXPECT_EQ(b.best_bid().px, price(100000));
    EXPECT_EQ(prices(b, side::bid), (std::vector<std::int64_t>{100000, 99999, 99990, 99000}));
    // A small improvement stays inside the window's headroom.
    ASSERT_EQ(b.set_level(side::bid, price(100005), qty(2)), level_change::inserted);
    EXPECT_EQ(b.best_bid().px, price(100005));
    EXPECT_EQ(b.depth(side::bid), 5u);
}

TEST(PriceLadder, TopFallingFarPullsTheLevelsBehindIt) {
    l2_book b(4096);
    // Asks every 100 ticks over ten windows: most start in the overflow.
    for (std::int64_t i = 0; i < 10 * window / 100; ++i) {
        ASSERT_EQ(b.set_level(side::ask, price(50000 + 100 * i), qty(i + 1)),
                  level_change::inserted);
    }
    const std::size_t n = b.depth(side::ask);
    // Eat the book from the top: the window follows, best and order stay right all the way.
    for (std::size_t k = 0; k < n; ++k) {
        const auto px = 50000 + 100 * static_cast<std::int64_t>(k);
        ASSERT_EQ(b.best_ask().px, price(px));
        ASSERT_EQ(b.at(side::ask, b.depth(side::ask) - 1).px,
                  price(50000 + 100 * static_cast<std::int64_t>(n - 1)));
        ASSERT_EQ(b.set_level(side::ask, price(px), qty(0)), level_change::deleted);
    }
    EXPECT_TRUE(b.empty(side::ask));
    EXPECT_EQ(b.best_ask().px, price(0));
}

TEST(PriceLadder, FarLevelsLiveInTheOverflow) {
    l2_book b(16);
    b.set_level(side::ask, price(1000), qty(1));
    b.set_level(side::ask, price(1000 + 5 * window), qty(5));
    b.set_level(side::ask, price(1000 + 2 * window), qty(2));
    b.set_level(side::ask, price(1000 + 9 * window), qty(9));
    EXPECT_EQ(
        prices(b, side::ask),
        (std::vector<std::int64_t>{1000, 1000 + 2 * window, 1000 + 5 * window, 1000 + 9 * window}));
    EXPECT_EQ(b.set_level(side::ask, price(1000 + 5 * window), qty(50)), level_change::updated);
    EXPECT_EQ(b.qty_at(side::ask, price(1000 + 5 * window)), qty(50));
    EXPECT_EQ(b.qty_at(side::ask, price(1001 + 5 * window)), qty(0));
    EXPECT_EQ(b.set_level(side::ask, price(1001 + 5 * window), qty(0)),
              level_change::delete_unknown);
    EXPECT_EQ(b.set_level(side::ask, price(1000 + 2 * window), qty(0)), level_change::deleted);
    EXPECT_EQ(b.at(side::ask, 1).px, price(1000 + 5 * window));
    const auto r = b.sweep(side::ask, qty(60));
    EXPECT_EQ(r.filled, qty(60));
    EXPECT_EQ(r.worst, price(1000 + 9 * window));
    EXPECT_EQ(r.levels, 3u);
}

TEST(PriceLadder, CapacityEvictsTheWorstInTheWindowOrTheOverflow) {
    l2_book b(3);
    // All three in the window: the worst is the window's last level.
    b.set_level(side::ask, price(100), qty(1));
    b.set_level(side::ask, price(101), qty(1));
    b.set_level(side::ask, price(105), qty(1));
    EXPECT_EQ(b.set_level(side::ask, price(106), qty(1)), level_change::dropped_full);
    EXPECT_EQ(b.set_level(side::ask, price(102), qty(1)), level_change::inserted);
    EXPECT_EQ(prices(b, side::ask), (std::vector<std::int64_t>{100, 101, 102}));
    // The worst beyond the window: a far level is dropped, a nearer one evicts it.
    b.set_level(side::ask, price(102), qty(0));
    b.set_level(side::ask, price(100 + 2 * window), qty(1));
    EXPECT_EQ(b.set_level(side::ask, price(100 + 3 * window), qty(1)), level_change::dropped_full);
    EXPECT_EQ(b.set_level(side::ask, price(100 + window + 7), qty(1)), level_change::inserted);
    EXPECT_EQ(prices(b, side::ask), (std::vector<std::int64_t>{100, 101, 100 + window + 7}));
    // A new top far above a full side evicts the worst and slides the window.
    EXPECT_EQ(b.set_level(side::ask, price(100 - 5 * window), qty(1)), level_change::inserted);
    EXPECT_EQ(prices(b, side::ask), (std::vector<std::int64_t>{100 - 5 * window, 100, 101}));
    // An update or a delete at capacity is never refused.
    EXPECT_EQ(b.set_level(side::ask, price(101), qty(9)), level_change::updated);
    EXPECT_EQ(b.set_level(side::ask, price(100), qty(0)), level_change::deleted);
}

TEST(PriceLadder, CapacityOneAndZero) {
    l2_book one(1);
    EXPECT_EQ(one.set_level(side::bid, price(10), qty(1)), level_change::inserted);
    EXPECT_EQ(one.set_level(side::bid, price(9), qty(1)), level_change::dropped_full);
    EXPECT_EQ(one.set_level(side::bid, price(11), qty(2)), level_change::inserted);
    EXPECT_EQ(one.set_level(side::bid, price(11 + 4 * window), qty(3)), level_change::inserted);
    EXPECT_EQ(prices(one, side::bid), (std::vector<std::int64_t>{11 + 4 * window}));
    l2_book zero(0);
    EXPECT_EQ(zero.set_level(side::ask, price(10), qty(1)), level_change::dropped_full);
    EXPECT_EQ(zero.set_level(side::ask, price(10), qty(0)), level_change::delete_unknown);
    EXPECT_TRUE(zero.empty(side::ask));
}

TEST(PriceLadder, EmptiedSideRestartsAnywhereAndCrossingIsSeen) {
    l2_book b(32);
    b.set_level(side::bid, price(500), qty(1));
    b.set_level(side::bid, price(500), qty(0));
    EXPECT_TRUE(b.empty(side::bid));
    EXPECT_EQ(b.best_bid().px, price(0));
    EXPECT_EQ(b.set_level(side::bid, price(500), qty(0)), level_change::delete_unknown);
    // Far from where the side was: a new window there.
    b.set_level(side::bid, price(10 * window), qty(3));
    b.set_level(side::ask, price(10 * window + 1), qty(3));
    EXPECT_FALSE(b.crossed());
    b.set_level(side::ask, price(10 * window - 2), qty(3));
    EXPECT_TRUE(b.crossed());
    EXPECT_EQ(b.best_ask().px, price(10 * window - 2));
    b.clear();
    EXPECT_TRUE(b.empty(side::bid));
    EXPECT_TRUE(b.empty(side::ask));
    EXPECT_FALSE(b.crossed());
    b.set_level(side::ask, price(7), qty(1));
    EXPECT_EQ(prices(b, side::ask), (std::vector<std::int64_t>{7}));
}

TEST(PriceLadder, ExtremePricesKeepTheirOrder) {
    constexpr auto top = std::numeric_limits<std::int64_t>::max();
    constexpr auto bottom = std::numeric_limits<std::int64_t>::min();
    l2_book b(8);
    for (side s : {side::bid, side::ask}) {
        b.set_level(s, price(top), qty(1));
        b.set_level(s, price(top - 3), qty(1));
        b.set_level(s, price(bottom), qty(1));
        b.set_level(s, price(bottom + 2), qty(1));
        b.set_level(s, price(0), qty(1));
    }
    EXPECT_EQ(prices(b, side::bid),
              (std::vector<std::int64_t>{top, top - 3, 0, bottom + 2, bottom}));
    EXPECT_EQ(prices(b, side::ask),
              (std::vector<std::int64_t>{bottom, bottom + 2, 0, top - 3, top}));
    EXPECT_EQ(b.qty_at(side::ask, price(top - 3)), qty(1));
    EXPECT_EQ(b.qty_at(side::bid, price(bottom + 1)), qty(0));
}

TEST(PriceLadder, TextFollowsItsLevelThroughSlidesAndTheOverflow) {
    l2_book b(8, true);
    const auto set = [&](side s, std::int64_t px, std::int64_t sz) {
        const std::string t = std::to_string(px);
        const std::string q = std::to_string(sz);
        return b.set_level(s, price(px), qty(sz), t, q);
    };
    set(side::bid, 1000, 1);
    set(side::bid, 990, 2);
    set(side::bid, 1000 - 2 * window, 3); // overflow
    set(side::bid, 1000 + 2 * window, 4); // slides: 1000 and 990 join the overflow
    set(side::bid, 1000 + 2 * window, 0); // back into the window
    ASSERT_EQ(b.depth(side::bid), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(b.text_at(side::bid, i).price_text(),
                  std::to_string(b.at(side::bid, i).px.value()));
        EXPECT_EQ(b.text_at(side::bid, i).size_text(),
                  std::to_string(b.at(side::bid, i).sz.value()));
    }
}

TEST(PriceLadder, AssignBestFirstSpansTheWindowAndTheOverflow) {
    l2_book b(5, true);
    const std::vector<std::int64_t> px{
        100, 101, 100 + window, 100 + 3 * window, 100 + 4 * window, 100 + 9 * window};
    ASSERT_TRUE(b.assign_best_first(side::ask, px.size(), [&](std::size_t i) {
        return std::tuple{price(px[i]), qty(1), std::string_view("p"), std::string_view("q")};
    }));
    EXPECT_EQ(prices(b, side::ask), (std::vector<std::int64_t>(px.begin(), px.begin() + 5)));
    // Out of order: the side is left empty.
    EXPECT_FALSE(b.assign_best_first(side::ask, 2, [&](std::size_t i) {
        return std::tuple{price(i == 0 ? 5 : 4), qty(1), std::string_view(), std::string_view()};
    }));
    EXPECT_TRUE(b.empty(side::ask));
}

TEST(PriceLadder, RescaleRebuildsTheWindow) {
    l2_book b(16);
    b.set_level(side::bid, price(1000), qty(1));
    b.set_level(side::bid, price(999), qty(2));
    b.set_level(side::bid, price(1000 - window + 10), qty(3));
    b.set_level(side::ask, price(1001), qty(4));
    ASSERT_TRUE(b.rescale(100, 10)); // the bids now span many windows
    EXPECT_EQ(prices(b, side::bid),
              (std::vector<std::int64_t>{100000, 99900, (1000 - window + 10) * 100}));
    EXPECT_EQ(b.at(side::bid, 2).sz, qty(30));
    EXPECT_EQ(b.best_ask().px, price(100100));
    EXPECT_EQ(b.set_level(side::bid, price(99950), qty(5)), level_change::inserted);
    EXPECT_EQ(b.at(side::bid, 1).px, price(99950));
}

namespace {

/// The reference: a std::map per side with today's capacity rules applied by brute force.
struct reference_side {
    bool bid;
    std::size_t capacity;
    std::map<std::int64_t, std::int64_t> levels;

    [[nodiscard]] bool better(std::int64_t a, std::int64_t b) const { return bid ? a > b : a < b; }
    [[nodiscard]] std::int64_t worst() const {
        return bid ? levels.begin()->first : levels.rbegin()->first;
    }
    level_change set(std::int64_t px, std::int64_t sz) {
        const auto it = levels.find(px);
        if (sz == 0) {
            if (it == levels.end()) {
                return level_change::delete_unknown;
            }
            levels.erase(it);
            return level_change::deleted;
        }
        if (it != levels.end()) {
            it->second = sz;
            return level_change::updated;
        }
        if (levels.size() == capacity) {
            if (capacity == 0 || !better(px, worst())) {
                return level_change::dropped_full;
            }
            levels.erase(worst());
        }
        levels[px] = sz;
        return level_change::inserted;
    }
    [[nodiscard]] std::vector<std::pair<std::int64_t, std::int64_t>> best_first() const {
        std::vector<std::pair<std::int64_t, std::int64_t>> out(levels.begin(), levels.end());
        if (bid) {
            std::reverse(out.begin(), out.end());
        }
        return out;
    }
};

void expect_same(const l2_book& b, const reference_side& r, side s, std::mt19937_64& rng) {
    const auto want = r.best_first();
    ASSERT_EQ(b.depth(s), want.size());
    ASSERT_EQ(b.best(s).px.value(), want.empty() ? 0 : want[0].first);
    // At random indices first, while the read order is cold (it is filled past each one), then
    // every level in order.
    for (int k = 0; k < 3 && !want.empty(); ++k) {
        const std::size_t i = rng() % want.size();
        ASSERT_EQ(b.at(s, i).px.value(), want[i].first) << "random level " << i;
    }
    for (std::size_t i = 0; i < want.size(); ++i) {
        ASSERT_EQ(b.at(s, i).px.value(), want[i].first) << "level " << i;
        ASSERT_EQ(b.at(s, i).sz.value(), want[i].second) << "level " << i;
        if (b.keeps_text()) {
            ASSERT_EQ(b.text_at(s, i).price_text(), std::to_string(want[i].first));
        }
    }
    std::size_t i = 0;
    b.for_each(s, [&](const level& l) {
        ASSERT_EQ(l.px.value(), want[i].first);
        ++i;
    });
    ASSERT_EQ(i, want.size());
}

/// Random operations around a wandering mid: most near the top, some many windows away, some
/// beyond the top (a new best far away), with deletes, truncation, snapshots and clears.
void run_against_reference(std::uint64_t seed, std::size_t capacity, bool keep_text, int ops) {
    std::mt19937_64 rng(seed);
    l2_book b(capacity, keep_text);
    reference_side ref_bid{true, capacity, {}};
    reference_side ref_ask{false, capacity, {}};
    std::int64_t mid = 1'000'000;
    for (int n = 0; n < ops; ++n) {
        const side s = rng() % 2 ? side::bid : side::ask;
        auto& ref = s == side::bid ? ref_bid : ref_ask;
        const int dir = s == side::bid ? -1 : 1;
        const auto roll = rng() % 1000;
        if (roll < 3) { // the market jumps, sometimes by several windows
            mid += static_cast<std::int64_t>(rng() % (8 * window)) - 4 * window;
        } else if (roll < 40) {
            mid += static_cast<std::int64_t>(rng() % 21) - 10;
        }
        if (roll == 41) {
            const std::size_t keep = rng() % (capacity + 2);
            b.truncate(s, keep);
            auto v = ref.best_first();
            ref.levels.clear();
            for (std::size_t i = 0; i < std::min(keep, v.size()); ++i) {
                ref.levels.insert(v[i]);
            }
            continue;
        }
        if (roll == 42) {
            b.clear();
            ref_bid.levels.clear();
            ref_ask.levels.clear();
            continue;
        }
        if (roll == 43) { // a snapshot, best first, from the reference's own levels shifted
            std::vector<std::int64_t> px;
            std::int64_t p = mid + dir * static_cast<std::int64_t>(rng() % 50);
            const std::size_t count = rng() % (2 * capacity + 3);
            for (std::size_t i = 0; i < count; ++i) {
                px.push_back(p);
                p += dir *
                     (1 + static_cast<std::int64_t>(rng() % (rng() % 8 == 0 ? 3 * window : 4)));
            }
            std::vector<std::string> text;
            for (auto x : px) {
                text.push_back(std::to_string(x));
            }
            ASSERT_TRUE(b.assign_best_first(s, px.size(), [&](std::size_t i) {
                return std::tuple{price(px[i]), qty(static_cast<std::int64_t>(i) + 1),
                                  std::string_view(text[i]), std::string_view("1")};
            }));
            ref.levels.clear();
            for (std::size_t i = 0; i < std::min(capacity, px.size()); ++i) {
                ref.levels[px[i]] = static_cast<std::int64_t>(i) + 1;
            }
            continue;
        }
        std::int64_t distance = 0;
        const auto where = rng() % 100;
        if (where < 80) {
            distance = static_cast<std::int64_t>(rng() % 64); // near the touch
        } else if (where < 92) {
            distance = static_cast<std::int64_t>(rng() % (2 * window));
        } else if (where < 97) {
            distance = static_cast<std::int64_t>(rng() % (40 * window)); // deep, sparse
        } else {
            distance = -static_cast<std::int64_t>(rng() % (3 * window)); // through the top
        }
        const std::int64_t px = mid + dir * (1 + distance);
        const std::int64_t sz = rng() % 3 == 0 ? 0 : static_cast<std::int64_t>(rng() % 50 + 1);
        const std::string text = std::to_string(px);
        const auto got = b.set_level(s, price(px), qty(sz), text, "1");
        ASSERT_EQ(got, ref.set(px, sz)) << "op " << n << " px " << px << " sz " << sz;
        if (n % 97 == 0) {
            expect_same(b, ref_bid, side::bid, rng);
            expect_same(b, ref_ask, side::ask, rng);
        }
        if (n % 13 == 0) { // a price the book may or may not hold
            const std::int64_t probe = mid + dir * static_cast<std::int64_t>(rng() % (3 * window));
            const auto it = ref.levels.find(probe);
            ASSERT_EQ(b.qty_at(s, price(probe)).value(), it == ref.levels.end() ? 0 : it->second);
        }
    }
    expect_same(b, ref_bid, side::bid, rng);
    expect_same(b, ref_ask, side::ask, rng);
}

} // namespace

TEST(PriceLadderDifferential, RandomOperationsMatchAStdMapModel) {
    // Capacities that bind all the time, sometimes, and never; seeds fixed for reproducibility.
    for (std::size_t capacity : {1u, 7u, 64u, 500u, 20000u}) {
        for (std::uint64_t seed : {1u, 2u, 3u}) {
            SCOPED_TRACE("capacity " + std::to_string(capacity) + " seed " + std::to_string(seed));
            run_against_reference(seed * 7919 + capacity, capacity, false, 60000);
            if (HasFatalFailure()) {
                return;
            }
        }
    }
}

TEST(PriceLadderDifferential, WithVenueText) {
    for (std::size_t capacity : {5u, 300u}) {
        SCOPED_TRACE("capacity " + std::to_string(capacity));
        run_against_reference(capacity, capacity, true, 60000);
        if (HasFatalFailure()) {
            return;
        }
    }
}
