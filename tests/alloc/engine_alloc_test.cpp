// The counting-allocator test: global operator new/delete are replaced in this executable only
// (counting_new.hpp).
// While the live engine thread is between taking a book event from a feed's ring and handing
// the orders it triggered to their gateway (exec::engine_hot_window), every allocation on that
// thread is counted; the run must count none.
#include "exec/engine.hpp"
#include "exec/loopback.hpp"
#include "exec/scenario.hpp"

#include "counting_new.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>

namespace {

using ballast::alloc_test::watching;
auto& watched_allocations = ballast::alloc_test::watched;
std::atomic<std::uint64_t> windows{0};

void hot_window(bool open) noexcept {
    watching = open;
    if (open) {
        windows.fetch_add(1, std::memory_order_relaxed);
    }
}

} // namespace

namespace ballast::exec {
namespace {

TEST(EngineAllocation, TheCounterSeesAnAllocationInsideAWindowOnly) {
    const std::uint64_t before = watched_allocations.load();
    auto outside = std::make_unique<int>(1);
    EXPECT_EQ(watched_allocations.load(), before);
    hot_window(true);
    auto inside = std::make_unique<int>(2);
    hot_window(false);
    EXPECT_EQ(watched_allocations.load(), before + 1);
    watched_allocations.store(before);
    windows.store(0);
}

TEST(EngineAllocation, NoAllocationBetweenAFrameAndItsOrders) {
    // The bundled scenario's Bybit recording, served by a loopback sim-venue 20 times faster
    // than recorded; every 3rd book update sends an order through Bybit's signed gateway.
    auto sc = load_scenario(std::string(BALLAST_TEST_DATA_DIR) + "/../../scenario/default/" +
                            "scenario.toml");
    ASSERT_TRUE(sc.value) << sc.error;
    scenario& s = *sc.value;
    std::erase_if(s.feeds, [](const feed_input& f) {
        return f.recording.find("BYBIT") == std::string::npos;
    });
    ASSERT_EQ(s.feeds.size(), 1u);
    s.journal =
        ::testing::TempDir() + "ballast_alloc_test_" + std::to_string(::getpid()) + ".journal";
    s.live.journal_sync = "none";
    s.live.idle = "yield";
    loopback_options lo;
    lo.pace = 20.0;
    lo.tail_s = 1.0;
    loopback_venues venues;
    const auto err = start_loopback(s, lo, venues);
    ASSERT_FALSE(err) << *err;
    engine_options eo;
    eo.live = true;
    eo.credentials = venues.credentials;
    eo.probe_every = 3;
    auto created = engine::create(s, eo);
    ASSERT_TRUE(created.value) << created.error;
    engine_hot_window = hot_window;
    const run_result r = created.value->run();
    engine_hot_window = nullptr;
    std::remove(s.journal.c_str());
    ASSERT_TRUE(r.error.empty()) << r.error;
    std::uint64_t orders = 0;
    for (const auto n : r.orders_by_state) {
        orders += n;
    }
    // Enough events and orders went through the watched window for the count to mean something.
    EXPECT_GT(windows.load(), 1000u);
    EXPECT_GT(orders, 20u);
    std::uint64_t measured = 0;
    for (const auto& h : r.tick_to_order) {
        if (h.hop == "tick_to_order") {
            measured = h.count;
        }
    }
    EXPECT_GT(measured, 0u);
    // The report's time series were sampled on book updates inside the watched window too.
    EXPECT_GT(r.series.offered, 10u);
    EXPECT_EQ(watched_allocations.load(), 0u)
        << "allocations on the engine thread between a frame and its orders";
}

} // namespace
} // namespace ballast::exec
