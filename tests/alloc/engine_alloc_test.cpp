// The counting-allocator test: global operator new/delete are replaced in this executable only
// (counting_new.hpp).
// While the live engine thread is between taking a book event from a feed's ring and handing
// the orders it triggered to their gateway (exec::engine_hot_window), every allocation on that
// thread is counted; the run must count none. Its system calls in the same window are watched
// too (syscall_watch.hpp): only the journal's and the send's are allowed.
#include "exec/engine.hpp"
#include "exec/loopback.hpp"
#include "exec/scenario.hpp"

#include "counting_new.hpp"
#include "syscall_watch.hpp"

#include <gtest/gtest.h>

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <thread>

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

/// The bundled scenario's Bybit recording, served by a loopback sim-venue 20 times faster than
/// recorded; every 3rd book update sends an order through Bybit's signed gateway. `window` is
/// the engine's hot-window hook; the engine runs on a thread of its own.
struct hot_run {
    run_result result;
    std::string journal; ///< canonical path, while the run lasted
    std::string error;
};
hot_run run_bybit_live(void (*window)(bool) noexcept, const std::string& journal_sync) {
    hot_run out;
    auto sc = load_scenario(std::string(BALLAST_TEST_DATA_DIR) + "/../../scenario/default/" +
                            "scenario.toml");
    if (!sc.value) {
        out.error = sc.error;
        return out;
    }
    scenario& s = *sc.value;
    std::erase_if(s.feeds, [](const feed_input& f) {
        return f.recording.find("BYBIT") == std::string::npos;
    });
    if (s.feeds.size() != 1) {
        out.error = "the bundled scenario has no single Bybit recording";
        return out;
    }
    s.journal =
        ::testing::TempDir() + "ballast_alloc_test_" + std::to_string(::getpid()) + ".journal";
    s.live.journal_sync = journal_sync;
    s.live.idle = "yield";
    loopback_options lo;
    lo.pace = 20.0;
    lo.tail_s = 1.0;
    loopback_venues venues;
    if (const auto err = start_loopback(s, lo, venues)) {
        out.error = *err;
        return out;
    }
    engine_options eo;
    eo.live = true;
    eo.credentials = venues.credentials;
    eo.probe_every = 3;
    auto created = engine::create(s, eo);
    if (!created.value) {
        out.error = created.error;
        return out;
    }
    std::error_code ec;
    out.journal = std::filesystem::canonical(s.journal, ec).string();
    engine_hot_window = window;
    std::thread engine_thread([&] { out.result = created.value->run(); });
    engine_thread.join();
    engine_hot_window = nullptr;
    std::remove(s.journal.c_str());
    if (!out.result.error.empty()) {
        out.error = out.result.error;
    }
    return out;
}

/// Enough events and orders went through the watched window for a count of zero to mean
/// something.
void expect_orders_measured(const run_result& r) {
    EXPECT_GT(windows.load(), 1000u);
    std::uint64_t orders = 0;
    for (const auto n : r.orders_by_state) {
        orders += n;
    }
    EXPECT_GT(orders, 20u);
    std::uint64_t measured = 0;
    for (const auto& h : r.tick_to_order) {
        if (h.hop == "tick_to_order") {
            measured = h.count;
        }
    }
    EXPECT_GT(measured, 0u);
}

TEST(EngineAllocation, NoAllocationBetweenAFrameAndItsOrders) {
    windows.store(0);
    const hot_run run = run_bybit_live(hot_window, "none");
    ASSERT_TRUE(run.error.empty()) << run.error;
    expect_orders_measured(run.result);
    // The report's time series were sampled on book updates inside the watched window too.
    EXPECT_GT(run.result.series.offered, 10u);
    EXPECT_EQ(watched_allocations.load(), 0u)
        << "allocations on the engine thread between a frame and its orders";
}

// The same window, watched for system calls (a seccomp filter on the engine thread hands each
// one to a supervisor): the only ones allowed are the journal's write and sync and the hand-off
// of an order to its gateway (the wake of the gateway's I/O thread, or a socket write).
alloc_test::syscall_watch* syscalls = nullptr;
std::atomic<bool> install_failed{false};
int install_errno = 0;

void syscall_window(bool open) noexcept {
    if (open && !syscalls->installed() && !install_failed.load()) {
        if (!syscalls->install()) {
            install_errno = errno;
            install_failed.store(true);
        }
    }
    syscalls->set_window(open);
    if (open) {
        windows.fetch_add(1, std::memory_order_relaxed);
    }
}

bool allowed_call(const alloc_test::syscall_watch::call& c, const std::string& journal) {
    const std::string_view target(c.target.data());
    const bool writes = c.nr == __NR_write || c.nr == __NR_pwrite64 || c.nr == __NR_writev;
    if (target == journal) {
        return writes || c.nr == __NR_fdatasync || c.nr == __NR_fsync;
    }
    if (target.starts_with("anon_inode:[eventfd]")) {
        return c.nr == __NR_write; // the wake of the gateway's I/O thread
    }
    if (target.starts_with("socket:")) {
        return writes || c.nr == __NR_sendto || c.nr == __NR_sendmsg;
    }
    return false;
}

TEST(EngineSystemCalls, NoneBetweenAFrameAndItsOrdersButTheJournalAndTheSend) {
    windows.store(0);
    alloc_test::syscall_watch watch;
    syscalls = &watch;
    const hot_run run = run_bybit_live(syscall_window, "grouped");
    watch.stop();
    syscalls = nullptr;
    ASSERT_FALSE(install_failed.load())
        << "seccomp user notification refused: " << std::strerror(install_errno);
    ASSERT_TRUE(run.error.empty()) << run.error;
    expect_orders_measured(run.result);
    // The filter saw the engine's calls outside the windows too (its idle yields, the
    // gateways' reports): it was on.
    EXPECT_GT(watch.calls_seen(), watch.window_calls());
    std::size_t wakes = 0;
    std::string refused;
    for (std::size_t i = 0; i < watch.recorded(); ++i) {
        const auto& c = watch.at(i);
        wakes += std::string_view(c.target.data()).starts_with("anon_inode:[eventfd]") ? 1 : 0;
        if (!allowed_call(c, run.journal)) {
            refused += alloc_test::syscall_watch::describe(c) + "\n";
        }
    }
    // The journal's records are copies into its mapping and its syncs are its own thread's
    // (no call here); the wakes of the gateway's I/O thread were seen: the watch watched the
    // right thread and windows.
    EXPECT_GT(wakes, 0u);
    EXPECT_TRUE(refused.empty()) << "system calls on the engine thread between a frame and its "
                                    "orders, other than the journal and the send:\n"
                                 << refused;
}

} // namespace
} // namespace ballast::exec
