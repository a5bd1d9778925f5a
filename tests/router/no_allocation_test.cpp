// The decision path allocates nothing after construction: counted by replacing the global
// operator new for this test binary.
#include "router/consolidated.hpp"
#include "router/market_file.hpp"
#include "router/schedule.hpp"
#include "router/split.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

namespace {
std::atomic<long> allocations{0};
}

void* operator new(std::size_t n) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n == 0 ? 1 : n)) {
        return p;
    }
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
    return operator new(n);
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}

using namespace ballast;
using namespace ballast::router;

TEST(NoAllocation, RoutingTheRecordedMarketAllocatesNothing) {
    const auto loaded = load_market(std::string(BALLAST_TEST_DATA_DIR) + "/router/eth_usdc.json");
    ASSERT_TRUE(loaded.ok()) << loaded.error;
    const auto snap = loaded.market.snapshot();
    smart_router router;
    consolidated_book view(4096);
    std::vector<schedule_slice> slices(32);
    schedule_params sp;
    sp.total = base_qty(1000000);
    sp.horizon_ns = 3'600'000'000'000;
    sp.slices = 32;
    sp.reference_price = 1921.0;
    ac_params ac{1e-6, 0.5, 0.05, 0.001, 0.0};
    const long before = allocations.load();
    ASSERT_GT(before, 0) << "the counting operator new is in use (loading the market allocates)";
    double sink = 0.0;
    for (const side s : {side::bid, side::ask}) {
        for (const double base : {0.3, 25.0, 400.0, 2500.0}) {
            parent_order o;
            o.order_side = s;
            o.amount = base_qty(static_cast<std::int64_t>(base * 1e8));
            for (const auto m : {route_method::optimal, route_method::best_single_venue,
                                 route_method::equal_split, route_method::increments_5pct}) {
                sink += router.route(snap, o, m).total_cost_quote;
            }
            o.has_limit = true;
            o.limit_price = s == side::bid ? 1925.0 : 1918.0;
            sink += router.split(snap, o).total_cost_quote;
        }
    }
    view.rebuild(snap);
    sink += twap(sp, slices).slices.size();
    sink += almgren_chriss(sp, ac, 1e-8, slices).slices.size();
    EXPECT_EQ(allocations.load() - before, 0);
    EXPECT_GT(sink, 0.0);
}
