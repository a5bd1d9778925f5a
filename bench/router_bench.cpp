// The router's decision path on a realistic market: 6 CEX books x 200 levels (the recorded
// Bybit spot, Bybit perp and Coinbase ETH books, plus three venues made from them with shifted
// prices and other fees) and 3 pools (the re-centred Uniswap v3 0.05% and v2 0.3% states, and
// a v3 0.3% copy), next to the 5%-increment split AMM aggregators use, in the same binary.
// Per-decision latency is timed one call at a time so the median and p99 can be reported.
#include "router/market_file.hpp"
#include "router/split.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <string>
#include <utility>
#include <vector>

using namespace ballast;
using namespace ballast::router;

namespace {

struct bench_market {
    market_data data; // the recorded market (3 books, 2 pools)
    std::deque<l2_book> extra_books;
    std::deque<amm_pool> extra_pools;
    std::vector<book_source> books;
    std::vector<pool_source> pools;
    [[nodiscard]] market_snapshot snapshot() const { return {data.base_step, books, pools}; }
};

/// The recorded ETH market widened to 6 books and 3 pools.
const bench_market& market() {
    static const bench_market m = [] {
        bench_market b;
        auto r = load_market(std::string(BALLAST_TEST_DATA_DIR) + "/router/eth_usdc.json");
        if (!r.ok()) {
            std::fprintf(stderr, "router_bench: %s\n", r.error.c_str());
            std::abort();
        }
        b.data = std::move(r.market);
        b.books = b.data.book_sources;
        b.pools = b.data.pool_sources;
        // Three more venues: each recorded book shifted by a few ticks with another fee.
        const double shift_bps[] = {1.5, -2.0, 3.0};
        const double fee_bps[] = {7.5, 4.0, 20.0};
        for (std::size_t i = 0; i < 3; ++i) {
            const auto& src = b.data.book_sources[i];
            auto& book = b.extra_books.emplace_back(256);
            for (const side s : {side::bid, side::ask}) {
                src.book->for_each(s, [&](const level& l) {
                    const auto px = static_cast<std::int64_t>(std::llround(
                        static_cast<double>(l.px.value()) * (1 + shift_bps[i] * 1e-4)));
                    book.set_level(s, price(px), l.sz);
                });
            }
            // Shifts can cross a thin book: trim the crossing levels.
            while (book.crossed()) {
                book.set_level(side::bid, book.best_bid().px, qty(0));
            }
            book_source copy = src;
            copy.book = &book;
            copy.cost.taker_fee_bps = fee_bps[i];
            copy.cost.venue = venue_id{static_cast<std::uint16_t>(100 + i)};
            b.books.push_back(copy);
        }
        // A third pool: the v3 state at the 0.3% tier (same liquidity, same price).
        auto state = b.data.pools.front().state();
        (void)state.v3.reset(3000, 60, state.v3.sqrt_price_x96(), state.v3.liquidity(),
                             state.v3.tick(), {});
        auto p = amm_pool::from_state(state, b.data.base, b.data.quote);
        if (p.ok()) {
            auto& stored = b.extra_pools.emplace_back(std::move(p.pool));
            pool_source ps = b.data.pool_sources.front();
            ps.curve = &stored.curve();
            ps.exact = &stored;
            ps.cost.venue = venue_id{200};
            b.pools.push_back(ps);
        }
        return b;
    }();
    return m;
}

/// A recorded market file as it is (eth_usdc.json: 3 books + 2 pools; btc_usd.json: 3 books).
const market_data& recorded(const char* file) {
    static std::deque<std::pair<std::string, market_data>> cache;
    for (const auto& [name, m] : cache) {
        if (name == file) {
            return m;
        }
    }
    auto r = load_market(std::string(BALLAST_TEST_DATA_DIR) + "/router/" + file);
    if (!r.ok()) {
        std::fprintf(stderr, "router_bench: %s\n", r.error.c_str());
        std::abort();
    }
    return cache.emplace_back(file, std::move(r.market)).second;
}

parent_order order_of(side s, double base) {
    parent_order o;
    o.order_side = s;
    o.amount = base_qty(static_cast<std::int64_t>(std::llround(base * 1e8)));
    return o;
}

/// Times each decision separately; reports the median and p99 as counters.
void timed_route(benchmark::State& state, route_method method) {
    const auto& m = market();
    const auto snap = m.snapshot();
    smart_router router;
    const parent_order orders[] = {order_of(side::bid, 25.0), order_of(side::ask, 25.0),
                                   order_of(side::bid, 400.0), order_of(side::ask, 400.0)};
    std::vector<double> ns;
    ns.reserve(1 << 20);
    std::size_t k = 0;
    for (auto _ : state) {
        const auto& o = orders[k++ & 3];
        const auto t0 = std::chrono::steady_clock::now();
        const auto& r = router.route(snap, o, method);
        benchmark::DoNotOptimize(r.total_cost_quote);
        const auto t1 = std::chrono::steady_clock::now();
        if (ns.size() < ns.capacity()) {
            ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
        }
    }
    std::sort(ns.begin(), ns.end());
    if (!ns.empty()) {
        state.counters["median_ns"] = ns[ns.size() / 2];
        state.counters["p99_ns"] = ns[std::min(ns.size() - 1, ns.size() * 99 / 100)];
    }
    state.counters["books"] = static_cast<double>(snap.books.size());
    state.counters["pools"] = static_cast<double>(snap.pools.size());
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_Route_Split(benchmark::State& state) {
    timed_route(state, route_method::optimal);
}
void BM_Route_Increments5pct(benchmark::State& state) {
    timed_route(state, route_method::increments_5pct);
}
void BM_Route_EqualSplit(benchmark::State& state) {
    timed_route(state, route_method::equal_split);
}

/// Cost advantage on realistic markets, per order size (base units, first argument), side
/// (0 buy, 1 sell) and market (0: the 6-book + 3-pool bench market, 1: eth_usdc.json, 2:
/// btc_usd.json): saving in bps of the order's notional against each baseline (positive =
/// router cheaper).
void BM_Route_CostAdvantage(benchmark::State& state) {
    const auto which = state.range(2);
    const auto snap = which == 0   ? market().snapshot()
                      : which == 1 ? recorded("eth_usdc.json").snapshot()
                                   : recorded("btc_usd.json").snapshot();
    smart_router router;
    const double base = static_cast<double>(state.range(0));
    const side s = state.range(1) == 0 ? side::bid : side::ask;
    const auto o = order_of(s, base);
    for (auto _ : state) {
        const auto& r = router.route(snap, o, route_method::optimal);
        benchmark::DoNotOptimize(r.total_cost_quote);
    }
    const auto& r = router.route(snap, o, route_method::optimal);
    const double best = s == side::bid ? r.total_cost_quote : -r.total_cost_quote;
    const double notional = static_cast<double>(r.filled.value()) * r.base_step_units * r.mid_price;
    state.counters["router_bps"] = r.cost_vs_mid_bps;
    for (const auto method : {route_method::best_single_venue, route_method::equal_split,
                              route_method::increments_5pct}) {
        const auto& b = router.route(snap, o, method);
        const double c = s == side::bid ? b.total_cost_quote : -b.total_cost_quote;
        const std::string name =
            std::string("saving_vs_") + std::string(to_string(method)) + "_bps";
        state.counters[name] =
            b.filled == r.filled && notional > 0 ? (c - best) / notional * 1e4 : NAN;
    }
}

} // namespace

BENCHMARK(BM_Route_Split)->Repetitions(3)->ReportAggregatesOnly(false);
BENCHMARK(BM_Route_Increments5pct)->Repetitions(3);
BENCHMARK(BM_Route_EqualSplit);
BENCHMARK(BM_Route_CostAdvantage)
    ->ArgsProduct({{1, 10, 100, 1000}, {0, 1}, {0, 1, 2}})
    ->Iterations(20);

BENCHMARK_MAIN();
