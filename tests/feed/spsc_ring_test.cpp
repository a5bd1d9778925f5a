#include "feed/spsc_ring.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <thread>

namespace ballast::feed {
namespace {

TEST(SpscRing, CapacityRoundsUpToPowerOfTwo) {
    spsc_ring<int> r(5);
    EXPECT_EQ(r.capacity(), 8u);
    spsc_ring<int> one(1);
    EXPECT_EQ(one.capacity(), 2u);
}

TEST(SpscRing, FullAndEmptyAreReportedNotOverwritten) {
    spsc_ring<int> r(4);
    int out = 0;
    EXPECT_FALSE(r.try_pop(out));
    EXPECT_EQ(r.front(), nullptr);
    for (int i = 0; i < 4; ++i) {
        EXPECT_TRUE(r.try_push(i));
    }
    EXPECT_FALSE(r.try_push(99)); // full: the oldest element is kept
    ASSERT_NE(r.front(), nullptr);
    EXPECT_EQ(*r.front(), 0);
    r.pop();
    EXPECT_TRUE(r.try_push(4));
    for (int i = 1; i <= 4; ++i) {
        ASSERT_TRUE(r.try_pop(out));
        EXPECT_EQ(out, i);
    }
    EXPECT_TRUE(r.empty());
}

TEST(SpscRing, DestroysElementsLeftInside) {
    auto counter = std::make_shared<int>(0);
    {
        spsc_ring<std::shared_ptr<int>> r(8);
        ASSERT_TRUE(r.try_push(counter));
        ASSERT_TRUE(r.try_push(counter));
        EXPECT_EQ(counter.use_count(), 3);
    }
    EXPECT_EQ(counter.use_count(), 1);
}

// Two threads, a small ring (constant wrap-around and full/empty races): every element arrives
// once, in order, intact.
TEST(SpscRing, TwoThreadsDeliverEverythingInOrder) {
    struct item {
        std::uint64_t seq;
        std::uint64_t check;
    };
    constexpr std::uint64_t n = 200'000; // thousands of wrap-arounds of the 64-slot ring
    spsc_ring<item> r(64);
    std::thread producer([&] {
        for (std::uint64_t i = 0; i < n; ++i) {
            while (!r.try_push(item{i, i * 2654435761u})) {
                std::this_thread::yield();
            }
        }
    });
    std::uint64_t expected = 0;
    std::uint64_t bad = 0;
    while (expected < n) {
        item it{};
        if (!r.try_pop(it)) {
            std::this_thread::yield();
            continue;
        }
        bad += (it.seq != expected || it.check != expected * 2654435761u) ? 1 : 0;
        ++expected;
    }
    producer.join();
    EXPECT_EQ(bad, 0u);
    EXPECT_TRUE(r.empty());
}

} // namespace
} // namespace ballast::feed
