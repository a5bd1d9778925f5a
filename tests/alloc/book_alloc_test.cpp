// The counting-allocator test for l2_book (issue 12): once built, a book never allocates,
// whatever the updates do to it (new tops far away, levels beyond the window, evictions at
// capacity, truncation, snapshots, rescaling) and whatever is read from it. Likewise a loaded
// Uniswap v3 pool: quotes, swaps and Swap events never allocate.
#include "book/l2_book.hpp"
#include "book/uniswap_v3.hpp"
#include "tests/alloc/counting_new.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

namespace ballast {
namespace {

struct update {
    side s;
    price px;
    qty sz;
};

/// Updates around a wandering mid: mostly at the touch, some deep, some jumping the top.
std::vector<update> updates(std::uint64_t seed, std::size_t n) {
    std::mt19937_64 rng(seed);
    const auto window = static_cast<std::int64_t>(l2_book::ladder_window);
    std::vector<update> out;
    std::int64_t mid = 500'000;
    for (std::size_t i = 0; i < n; ++i) {
        if (rng() % 500 == 0) {
            mid += static_cast<std::int64_t>(rng() % (6 * window)) - 3 * window;
        }
        const side s = rng() % 2 ? side::bid : side::ask;
        const std::int64_t dir = s == side::bid ? -1 : 1;
        const auto far = rng() % 10;
        const std::int64_t d = far == 0 ? static_cast<std::int64_t>(rng() % (20 * window))
                                        : static_cast<std::int64_t>(rng() % 100);
        out.push_back({s, price(mid + dir * (1 + d)),
                       qty(rng() % 3 == 0 ? 0 : static_cast<std::int64_t>(rng() % 90 + 1))});
    }
    return out;
}

void exercise(l2_book& b, const std::vector<update>& ops) {
    std::int64_t sum = 0;
    for (std::size_t i = 0; i < ops.size(); ++i) {
        const auto& o = ops[i];
        (void)b.set_level(o.s, o.px, o.sz, b.keeps_text() ? "123.45" : "", "6.7");
        if (i % 64 == 0) {
            for (side s : {side::bid, side::ask}) {
                for (std::size_t k = 0; k < std::min<std::size_t>(25, b.depth(s)); ++k) {
                    sum += b.at(s, k).px.value();
                    if (b.keeps_text()) {
                        sum += static_cast<std::int64_t>(b.text_at(s, k).price_text().size());
                    }
                }
                b.for_each(
                    s, [&](const level& l) { sum += l.sz.value(); }, 50);
                sum += b.sweep(s, qty(1000)).filled.value();
                sum += b.qty_at(s, o.px).value() + b.best(s).px.value();
            }
        }
        if (i % 5000 == 4999) {
            b.truncate(b.capacity() / 2);
        }
        if (i % 7000 == 6999) {
            (void)b.assign_best_first(o.s, 40, [&](std::size_t k) {
                const auto dir = o.s == side::bid ? -1 : 1;
                return std::tuple{price(o.px.value() + dir * 3 * static_cast<std::int64_t>(k)),
                                  qty(1), std::string_view("1"), std::string_view("1")};
            });
        }
    }
    EXPECT_NE(sum, 0);
}

TEST(BookAllocation, TheCounterSeesAnAllocation) {
    const alloc_test::watch w;
    auto p = std::make_unique<int>(1);
    EXPECT_EQ(w.allocations(), 1u);
}

TEST(BookAllocation, AWarmBookNeverAllocates) {
    const auto ops = updates(11, 60000);
    for (bool text : {false, true}) {
        for (std::size_t capacity : {std::size_t{64}, std::size_t{8192}}) {
            SCOPED_TRACE(std::string(text ? "text " : "") + std::to_string(capacity));
            l2_book b(capacity, text); // every allocation happens here
            const alloc_test::watch w;
            exercise(b, ops);
            ASSERT_TRUE(b.rescale(10, 10));
            b.clear();
            exercise(b, ops);
            EXPECT_EQ(w.allocations(), 0u);
        }
    }
}

TEST(BookAllocation, AWarmV3PoolQuoteNeverAllocates) {
    // Nested ranges [-60(i+1), 60(i+1)) around tick 30, as in bench/dex_bench.cpp.
    std::vector<v3_tick> ticks;
    const auto l = static_cast<int128>(1'000'000'000'000'000'000ULL);
    for (int i = 20; i >= 0; --i) {
        ticks.push_back({-60 * (i + 1), l, static_cast<uint128>(l)});
    }
    for (int i = 0; i <= 20; ++i) {
        ticks.push_back({60 * (i + 1), -l, static_cast<uint128>(l)});
    }
    uniswap_v3_pool pool;
    ASSERT_EQ(pool.reset(3000, 60, uniswap_v3::sqrt_ratio_at_tick(30).value,
                         static_cast<uint128>(21 * l), 30, ticks),
              pool_error::ok);
    std::vector<v3_swap_request> requests;
    for (const bool zero_for_one : {true, false}) {
        for (const bool exact_input : {true, false}) {
            for (const std::int32_t limit_tick : {0, 15, 45, -600, 600, -30000, 30000}) {
                const bool valid = zero_for_one ? limit_tick < 30 : limit_tick > 30;
                const u256 limit = limit_tick == 0 || !valid
                                       ? u256(0)
                                       : uniswap_v3::sqrt_ratio_at_tick(limit_tick).value;
                for (const char* amount : {"1000", "1000000000000000000", "100000000000000000000",
                                           "1000000000000000000000000000000"}) {
                    requests.push_back({zero_for_one, exact_input, u256(amount), limit});
                }
            }
        }
    }
    std::uint64_t crossed = 0;
    const alloc_test::watch w;
    for (const auto& r : requests) {
        const auto q = pool.quote(r);
        crossed += q.ticks_crossed;
    }
    EXPECT_EQ(w.allocations(), 0u);
    EXPECT_GT(crossed, 10u);
}

TEST(BookAllocation, AWarmV3PoolSwapAndSwapEventNeverAllocate) {
    std::vector<v3_tick> ticks = {{-600, 1'000'000'000'000'000'000, 1'000'000'000'000'000'000},
                                  {600, -1'000'000'000'000'000'000, 1'000'000'000'000'000'000}};
    uniswap_v3_pool pool;
    ASSERT_EQ(pool.reset(3000, 60, uniswap_v3::q96, 1'000'000'000'000'000'000, 0, ticks),
              pool_error::ok);
    const alloc_test::watch w;
    for (int i = 0; i < 100; ++i) {
        const auto r = pool.swap({i % 2 == 0, true, u256(1'000'000'000'000'000ULL), 0});
        ASSERT_TRUE(r.ok());
    }
    const auto back = pool.quote({true, true, u256(1'000'000'000'000'000ULL), 0});
    ASSERT_EQ(
        pool.apply_swap_event(back.sqrt_price_x96_after, back.liquidity_after, back.tick_after),
        pool_error::ok);
    EXPECT_EQ(w.allocations(), 0u);
}

} // namespace
} // namespace ballast
