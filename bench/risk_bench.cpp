// Risk layer benchmarks: one mark into a 1,000-position book (an underlying mark, which moves
// all its instruments, and an instrument's own mark), full revaluation, and the pre-trade
// check; the naive baseline (std::map keyed by strings, full revaluation on every tick) runs
// in the same binary.
#include "risk/portfolio.hpp"
#include "risk/pre_trade.hpp"

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <string>
#include <vector>

using namespace ballast;
using namespace ballast::risk;

namespace {

constexpr timestamp_ns t0{1626993723LL * 1'000'000'000};
constexpr std::int64_t ns_per_day = 86'400'000'000'000;
constexpr int positions_total = 1000;

// Relative moves of Deribit's BTC forward in the recording (ticker underlying_price), cycled
// as the mark stream; falls back to a fixed +-1 bp walk if the file is missing.
std::vector<double> recorded_moves() {
    std::vector<double> prices;
    std::ifstream in(std::string(BALLAST_TEST_DATA_DIR) + "/deribit/DERIBIT.ws.1.0.txt");
    std::string line;
    while (std::getline(in, line)) {
        const auto pos = line.find('{');
        if (pos == std::string::npos || line.find("ticker.BTC") == std::string::npos) {
            continue;
        }
        const auto j = nlohmann::json::parse(line.substr(pos), nullptr, false);
        if (j.is_discarded() || j.value("method", "") != "subscription") {
            continue; // the subscribe request also names ticker channels
        }
        const auto& data = j["params"]["data"];
        if (data.contains("underlying_price")) {
            prices.push_back(data["underlying_price"].get<double>());
        }
    }
    std::vector<double> moves;
    for (std::size_t i = 1; i < prices.size(); ++i) {
        moves.push_back(prices[i] / prices[i - 1]);
    }
    if (moves.empty()) {
        moves = {1.0001, 0.9999};
    }
    return moves;
}

struct bench_book {
    portfolio book;
    std::vector<underlying_id> underlyings;
    std::vector<instrument_id> instruments;
    std::vector<double> spot;
};

// `n_underlyings` underlyings sharing 1,000 positions: per underlying a spot, a linear perp,
// an inverse perp and options on 5 strikes x 2 rights; instruments cycle over as many
// accounts as it takes to hold 1,000 distinct positions.
bench_book make_book(int n_underlyings) {
    bench_book b;
    for (int u = 0; u < n_underlyings; ++u) {
        const std::string name = "U" + std::to_string(u);
        const auto uid = b.book.add_underlying(name);
        b.underlyings.push_back(uid);
        const double s = 100.0 * (u + 1);
        b.spot.push_back(s);
        std::vector<instrument_id> mine;
        instrument_spec spec;
        spec.venue = "v";
        spec.base = name;
        spec.symbol = name + "-SPOT";
        mine.push_back(b.book.add_instrument(spec, uid));
        spec.kind = instrument_kind::linear_perp;
        spec.symbol = name + "-LPERP";
        spec.contract_size = 0.01;
        mine.push_back(b.book.add_instrument(spec, uid));
        spec.kind = instrument_kind::inverse_perp;
        spec.symbol = name + "-IPERP";
        spec.contract_size = 10;
        mine.push_back(b.book.add_instrument(spec, uid));
        spec.kind = instrument_kind::option;
        spec.contract_size = 1;
        for (int k = 0; k < 5; ++k) {
            for (const auto right : {option_right::call, option_right::put}) {
                spec.symbol =
                    name + "-O" + std::to_string(k) + (right == option_right::call ? "C" : "P");
                spec.right = right;
                spec.strike = s * (0.8 + 0.1 * k);
                spec.expiry = timestamp_ns{t0.ns + (7 + 30 * k) * ns_per_day};
                mine.push_back(b.book.add_instrument(spec, uid));
            }
        }
        b.book.on_underlying_mark(uid, s);
        for (const auto i : mine) {
            b.instruments.push_back(i);
            if (b.book.instrument(i).terms.kind == instrument_kind::option) {
                b.book.on_vol_mark(i, 0.6);
            }
        }
    }
    for (int p = 0; p < positions_total; ++p) {
        const auto i = b.instruments[static_cast<std::size_t>(p) % b.instruments.size()];
        // Appended, not "a" + to_string(): GCC 12 warns (-Wrestrict, a false positive) on
        // the inlined operator+ of a literal and a temporary string.
        std::string account(1, 'a');
        account += std::to_string(static_cast<std::size_t>(p) / b.instruments.size());
        const auto acct = b.book.add_account(account);
        const double px = b.book.instrument(i).price;
        b.book.add_position(acct, i, (p % 7) - 3.0 + 0.5, px);
    }
    b.book.set_valuation_time(t0);
    return b;
}

void BM_Risk_TickUpdate(benchmark::State& state) {
    auto b = make_book(static_cast<int>(state.range(0)));
    const auto moves = recorded_moves();
    std::size_t k = 0;
    std::size_t u = 0;
    for (auto _ : state) {
        const auto uid = b.underlyings[u];
        b.spot[u] *= moves[k];
        benchmark::DoNotOptimize(b.book.on_underlying_mark(uid, b.spot[u]));
        benchmark::DoNotOptimize(b.book.underlying(uid).totals.delta_base);
        k = k + 1 == moves.size() ? 0 : k + 1;
        u = u + 1 == b.underlyings.size() ? 0 : u + 1;
    }
    state.counters["positions"] = static_cast<double>(b.book.position_count());
    state.counters["marks/s"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Risk_TickUpdate)->Arg(20)->Arg(1)->ArgName("underlyings");

// An instrument's own mark (what exec sends on a book's mid): each mark moves one instrument,
// cycling over the book's linear instruments (spot, perps: no Black-76) or its options (one
// Black-76 each); all 1,000 positions are on 20 underlyings or on one.
void BM_Risk_TickUpdate_InstrumentMark(benchmark::State& state) {
    auto b = make_book(static_cast<int>(state.range(0)));
    const bool options = state.range(1) != 0;
    std::vector<instrument_id> marked;
    std::vector<double> px;
    for (const auto i : b.instruments) {
        if ((b.book.instrument(i).terms.kind == instrument_kind::option) == options) {
            marked.push_back(i);
            px.push_back(b.book.instrument(i).price);
        }
    }
    const auto moves = recorded_moves();
    std::size_t k = 0;
    std::size_t m = 0;
    for (auto _ : state) {
        px[m] *= moves[k];
        benchmark::DoNotOptimize(b.book.on_instrument_mark(marked[m], px[m]));
        benchmark::DoNotOptimize(b.book.nav_usd());
        k = k + 1 == moves.size() ? 0 : k + 1;
        m = m + 1 == marked.size() ? 0 : m + 1;
    }
    state.counters["positions"] = static_cast<double>(b.book.position_count());
    state.counters["marks/s"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Risk_TickUpdate_InstrumentMark)
    ->ArgsProduct({{20, 1}, {0, 1}})
    ->ArgNames({"underlyings", "options"});

void BM_Risk_FullRevalue(benchmark::State& state) {
    auto b = make_book(20);
    for (auto _ : state) {
        benchmark::DoNotOptimize(b.book.full_revalue());
        benchmark::DoNotOptimize(b.book.nav_usd());
    }
    state.counters["positions"] = static_cast<double>(b.book.position_count());
    state.counters["revalues/s"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Risk_FullRevalue);

void BM_Risk_PreTradeCheck(benchmark::State& state) {
    auto b = make_book(20);
    pre_trade_checker checker(b.book);
    for (const auto i : b.instruments) {
        checker.set_instrument_limits(i, {1e9, 1e12, 1e12, 1.0});
    }
    for (const auto u : b.underlyings) {
        checker.set_underlying_limits(u, {1e12, 1e12});
    }
    checker.set_venue_rate(venue_id{1}, 1e9, 1'000'000);
    // Orders on the spot, perps and options of every underlying at their reference prices.
    std::vector<risk_order> orders;
    for (const auto i : b.instruments) {
        const auto& inst = b.book.instrument(i);
        const double ref =
            inst.terms.kind == instrument_kind::option ? inst.unit.value_usd : inst.price;
        const auto ticks = static_cast<std::int64_t>(ref / 0.01);
        if (ticks > 0) {
            orders.push_back({venue_id{1}, i, orders.size() % 2 ? side::ask : side::bid,
                              price(ticks), qty(100'000'000)});
        }
    }
    std::size_t k = 0;
    std::int64_t now = t0.ns;
    std::int64_t accepted = 0;
    for (auto _ : state) {
        const auto r = checker.check(orders[k], timestamp_ns{now});
        accepted += r.accepted();
        benchmark::DoNotOptimize(r);
        now += 1000;
        k = k + 1 == orders.size() ? 0 : k + 1;
    }
    state.counters["accepted_ratio"] =
        static_cast<double>(accepted) / static_cast<double>(state.iterations());
    state.counters["checks/s"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Risk_PreTradeCheck);

// Baseline: positions in a std::map keyed by "account/venue/symbol", marks in a std::map keyed
// by name, and the whole book revalued on every tick.
struct naive_position {
    instrument_terms terms;
    std::string underlying;
    std::string instrument;
    double contracts = 0.0;
    double entry = 0.0;
    position_risk risk;
};

void BM_Risk_TickUpdate_NaiveMapFullRevalue(benchmark::State& state) {
    auto b = make_book(20);
    std::map<std::string, naive_position> positions;
    std::map<std::string, double> underlying_px;
    std::map<std::string, double> basis;
    std::map<std::string, double> vols;
    for (std::uint32_t p = 0; p < b.book.position_count(); ++p) {
        const auto& pos = b.book.position(position_id{p});
        const auto& inst = b.book.instrument(pos.instrument);
        const auto& u = b.book.underlying(inst.underlying);
        const std::string key = std::string(b.book.account_name(pos.account)) + "/" +
                                inst.spec.venue + "/" + inst.spec.symbol;
        positions[key] = {inst.terms, u.name, inst.spec.symbol, pos.contracts, pos.entry_price, {}};
        underlying_px[u.name] = u.price;
        basis[inst.spec.symbol] = inst.basis_ratio;
        vols[inst.spec.symbol] = inst.vol;
    }
    const auto moves = recorded_moves();
    std::size_t k = 0;
    std::size_t u = 0;
    for (auto _ : state) {
        const std::string name = "U" + std::to_string(u);
        underlying_px[name] *= moves[k];
        std::map<std::string, position_risk> totals;
        for (auto& [key, p] : positions) {
            const double px = underlying_px[p.underlying] * basis[p.instrument];
            const auto r =
                value_position(p.terms, p.contracts, p.entry, {px, vols[p.instrument]}, t0);
            p.risk = r.value;
            totals[p.underlying] += r.value;
        }
        benchmark::DoNotOptimize(totals[name].delta_base);
        k = k + 1 == moves.size() ? 0 : k + 1;
        u = u + 1 == 20 ? 0 : u + 1;
    }
    state.counters["positions"] = static_cast<double>(positions.size());
    state.counters["marks/s"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Risk_TickUpdate_NaiveMapFullRevalue);

} // namespace

BENCHMARK_MAIN();
