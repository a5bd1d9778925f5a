// The hot-path calls (marks, fills, stress, drift, plan, pre-trade check) must not allocate.
// This binary replaces the global operator new to count allocations.
#include "risk/config.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

namespace {
std::atomic<long> allocation_count{0};
} // namespace

void* operator new(std::size_t n) {
    allocation_count.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n != 0 ? n : 1)) {
        return p;
    }
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}

namespace ballast::risk {
namespace {

TEST(allocation, hot_path_calls_do_not_allocate) {
    auto loaded = load_risk_config(std::string(BALLAST_TEST_DATA_DIR) + "/risk/portfolio.toml");
    ASSERT_TRUE(loaded.ok());
    auto& cfg = *loaded.config;
    auto& book = cfg.book;
    auto checker = cfg.make_checker();
    std::vector<drift_row> drift(cfg.targets.size());
    std::vector<plan_row> plan(cfg.targets.size());
    std::vector<double> per(book.underlying_count());
    const auto btc = *book.find_underlying("BTC");
    const auto spot = *book.find_instrument("binance", "BTCUSDT");
    const auto put = *book.find_instrument("deribit", "BTC-24SEP21-34000-P");
    const auto pos = *book.find_position(book.add_account("binance-main"), spot);
    const risk_order order{cfg.find_venue("binance"), spot, side::bid, price(3220000), qty(10000)};
    const timestamp_ns now = book.valuation_time();

    const long before = allocation_count.load();
    EXPECT_EQ(book.on_underlying_mark(btc, 32300.0), risk_error::ok);
    EXPECT_EQ(book.on_instrument_mark(put, 32450.0), risk_error::ok);
    EXPECT_EQ(book.on_vol_mark(put, 0.77), risk_error::ok);
    EXPECT_EQ(book.on_fill(pos, 0.1, 32300.0), risk_error::ok);
    EXPECT_EQ(book.full_revalue(), risk_error::ok);
    const auto cell = book.stress(-0.3, -10.0, per);
    compute_drift(book, cfg.targets, drift);
    plan_rebalance(book, cfg.targets, drift, cfg.routes, cfg.trigger, now, cfg.last_rebalance,
                   plan);
    const auto r = checker.check(order, now);
    const long after = allocation_count.load();

    EXPECT_TRUE(r.accepted()) << to_string(r.reason);
    EXPECT_NE(cell.pnl_usd, 0.0);
    EXPECT_EQ(after - before, 0);
    // The counter does count: a setup call allocates.
    book.add_account("an-account-name-longer-than-the-small-string-buffer");
    EXPECT_GT(allocation_count.load(), after);
}

} // namespace
} // namespace ballast::risk
