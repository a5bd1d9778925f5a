// Decode + apply of real recorded venue messages (tests/data) through Ballast's decoders,
// next to the naive baseline a typical user writes (nlohmann::json + std::map<double,double>),
// in the same binary. Also the L2 level update against std::map.
#include "bench/book_candidates.hpp"
#include "book/l2_book.hpp"
#include "feed/instruments.hpp"
#include "feed/recording.hpp"
#include "feed/venues.hpp"

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

using namespace ballast;
using namespace ballast::feed;

namespace {

struct loaded_frame {
    std::string text; // with 64 bytes of padding after size()
    std::size_t size = 0;
    std::string url;
    bool response = false;
    timestamp_ns ts;
};

struct corpus {
    std::vector<loaded_frame> frames;
    std::size_t bytes = 0;
    instrument_registry instruments;
};

// Loads the frames of one venue (stream + REST replies), merged by timestamp as replay does.
corpus load(std::vector<std::string> files, std::string_view venue) {
    corpus c;
    for (const auto& list :
         {"kraken/KRAKEN.0.txt", "deribit/DERIBIT.0.txt", "bybit/BYBIT_instruments_subset.json",
          "coinbase/COINBASE_instruments_subset.json", "binance/BINANCE.instruments.json",
          "binance_usdm/BINANCE_FUTURES.instruments.json", "okx/OKX.instruments.json",
          "coinbase_exchange/COINBASE.instruments.json"}) {
        (void)load_instrument_file(std::string(BALLAST_TEST_DATA_DIR) + "/" + list, c.instruments);
    }
    for (const auto& file : files) {
        recording_reader r;
        if (r.open(std::string(BALLAST_TEST_DATA_DIR) + "/" + file)) {
            continue;
        }
        while (auto f = r.next()) {
            if ((f->kind != frame_kind::received && f->kind != frame_kind::response) ||
                detect_venue(f->url) != venue) {
                continue;
            }
            loaded_frame lf;
            lf.text = std::string(f->data) + std::string(64, '\0');
            lf.size = f->data.size();
            lf.url = std::string(f->url);
            lf.response = f->kind == frame_kind::response;
            lf.ts = f->ts;
            c.bytes += lf.size;
            c.frames.push_back(std::move(lf));
        }
    }
    std::stable_sort(c.frames.begin(), c.frames.end(),
                     [](const loaded_frame& a, const loaded_frame& b) { return a.ts < b.ts; });
    return c;
}

void replay_ballast(benchmark::State& state, const std::vector<std::string>& files,
                    std::string_view venue) {
    const corpus c = load(files, venue);
    reject_log rejects;
    auto feed = make_venue_feed(venue, c.instruments, rejects, {});
    std::uint64_t line = 0;
    const feed_frame connect{{}, {},   0, c.frames.empty() ? std::string_view{} : c.frames[0].url,
                             0,  false};
    for (auto _ : state) {
        feed->on_connect(connect); // each pass is a new connection: books resynchronise
        for (const auto& f : c.frames) {
            feed_frame ff{
                std::string_view(f.text.data(), f.size), f.ts, ++line, f.url, 0, f.response};
            feed->on_frame(ff);
        }
        benchmark::ClobberMemory();
    }
    std::uint64_t applied = 0;
    for (const auto& b : feed->books()) {
        applied += b->counters.applied;
    }
    state.counters["applied"] = static_cast<double>(applied);
    state.counters["rejects"] = static_cast<double>(rejects.total());
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * c.frames.size()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.bytes));
    state.counters["ns_per_msg"] =
        benchmark::Counter(static_cast<double>(state.iterations() * c.frames.size()),
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// ---- the naive baseline: nlohmann::json DOM + std::map<double, double> per side -------------

struct naive_book {
    std::map<double, double, std::greater<>> bids;
    std::map<double, double> asks;
    long long last = -1;
    /// A level's new size; 0 removes it.
    void set(bool bid, double px, double sz) {
        auto apply = [&](auto& side) {
            if (sz == 0) {
                side.erase(px);
            } else {
                side[px] = sz;
            }
        };
        bid ? apply(bids) : apply(asks);
    }
};

void naive_apply(naive_book& b, const nlohmann::json& levels, bool bid, int px_i = 0,
                 int sz_i = 1) {
    for (const auto& l : levels) {
        const double px = std::stod(l[px_i].get<std::string>());
        const double sz = std::stod(l[sz_i].get<std::string>());
        b.set(bid, px, sz);
    }
}

void naive_message(std::map<std::string, naive_book>& books, std::string_view venue,
                   const loaded_frame& f) {
    const auto j = nlohmann::json::parse(f.text.data(), f.text.data() + f.size, nullptr, false);
    if (j.is_discarded()) {
        return;
    }
    if (venue == "binance" || venue == "binance_usdm") {
        if (f.response) {
            auto& b = books[f.url.substr(f.url.find("symbol=") + 7)];
            b.bids.clear();
            b.asks.clear();
            naive_apply(b, j["bids"], true);
            naive_apply(b, j["asks"], false);
            b.last = j["lastUpdateId"].get<long long>();
            return;
        }
        if (!j.contains("data") || j["data"].value("e", "") != "depthUpdate") {
            return;
        }
        const auto& d = j["data"];
        auto& b = books[d["s"].get<std::string>()];
        if (d["u"].get<long long>() <= b.last) {
            return;
        }
        b.last = d["u"].get<long long>();
        naive_apply(b, d["b"], true);
        naive_apply(b, d["a"], false);
    } else if (venue == "okx") {
        if (!j.contains("action") || j["arg"]["channel"] != "books") {
            return;
        }
        auto& b = books[j["arg"]["instId"].get<std::string>()];
        if (j["action"] == "snapshot") {
            b.bids.clear();
            b.asks.clear();
        }
        naive_apply(b, j["data"][0]["bids"], true);
        naive_apply(b, j["data"][0]["asks"], false);
    } else if (venue == "bybit_spot" || venue == "bybit_linear") {
        if (!j.contains("topic") || j["topic"].get<std::string>().rfind("orderbook", 0) != 0) {
            return;
        }
        auto& b = books[j["data"]["s"].get<std::string>()];
        if (j["type"] == "snapshot") {
            b.bids.clear();
            b.asks.clear();
        }
        naive_apply(b, j["data"]["b"], true);
        naive_apply(b, j["data"]["a"], false);
    } else if (venue == "kraken") {
        // [channelID, {"as"/"bs" | "a"/"b"}, ({"b", "c"},) "book-N", "PAIR"]
        if (!j.is_array() || j.size() < 4) {
            return;
        }
        auto& b = books[j[j.size() - 1].get<std::string>()];
        for (std::size_t i = 1; i + 2 < j.size(); ++i) {
            const auto& o = j[i];
            if (o.contains("as")) {
                b.bids.clear();
                b.asks.clear();
                naive_apply(b, o["as"], false);
                naive_apply(b, o["bs"], true);
            }
            if (o.contains("a")) {
                naive_apply(b, o["a"], false);
            }
            if (o.contains("b")) {
                naive_apply(b, o["b"], true);
            }
        }
    } else if (venue == "deribit") {
        if (!j.contains("params") || !j["params"].contains("data") ||
            j["params"]["channel"].get<std::string>().rfind("book.", 0) != 0) {
            return;
        }
        const auto& d = j["params"]["data"];
        auto& b = books[d["instrument_name"].get<std::string>()];
        if (d["type"] == "snapshot") {
            b.bids.clear();
            b.asks.clear();
        }
        for (const auto& [key, bid] : {std::pair{"bids", true}, std::pair{"asks", false}}) {
            for (const auto& l : d[key]) {
                const double px = l[1].get<double>();
                const double sz = l[2].get<double>();
                b.set(bid, px, l[0] == "delete" ? 0.0 : sz);
            }
        }
    } else if (venue == "coinbase_exchange") {
        const auto type = j.value("type", "");
        if (type == "snapshot") {
            auto& b = books[j["product_id"].get<std::string>()];
            b.bids.clear();
            b.asks.clear();
            naive_apply(b, j["bids"], true);
            naive_apply(b, j["asks"], false);
        } else if (type == "l2update") {
            auto& b = books[j["product_id"].get<std::string>()];
            for (const auto& c : j["changes"]) {
                const double px = std::stod(c[1].get<std::string>());
                const double sz = std::stod(c[2].get<std::string>());
                b.set(c[0] == "buy", px, sz);
            }
        }
    } else if (venue == "coinbase") {
        if (j.value("channel", "") != "l2_data") {
            return;
        }
        for (const auto& e : j["events"]) {
            auto& b = books[e["product_id"].get<std::string>()];
            if (e["type"] == "snapshot") {
                b.bids.clear();
                b.asks.clear();
            }
            for (const auto& u : e["updates"]) {
                const double px = std::stod(u["price_level"].get<std::string>());
                const double sz = std::stod(u["new_quantity"].get<std::string>());
                b.set(u["side"] == "bid", px, sz);
            }
        }
    }
}

void replay_naive(benchmark::State& state, const std::vector<std::string>& files,
                  std::string_view venue) {
    const corpus c = load(files, venue);
    std::map<std::string, naive_book> books;
    for (auto _ : state) {
        for (const auto& f : c.frames) {
            naive_message(books, venue, f);
        }
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * c.frames.size()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.bytes));
    state.counters["ns_per_msg"] =
        benchmark::Counter(static_cast<double>(state.iterations() * c.frames.size()),
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

const std::vector<std::string> binance_files = {"binance/BINANCE.ws.1.0.txt",
                                                "binance/BINANCE.http.0.0.txt"};
const std::vector<std::string> usdm_files = {"binance_usdm/BINANCE_FUTURES.ws.1.0.txt",
                                             "binance_usdm/BINANCE_FUTURES.http.0.0.txt"};
const std::vector<std::string> okx_files = {"okx/OKX.ws.1.0.txt"};
const std::vector<std::string> bybit_files = {"bybit/BYBIT.jsonl"};
const std::vector<std::string> coinbase_files = {"coinbase/COINBASE_ADVANCED.jsonl"};
const std::vector<std::string> kraken_files = {"kraken/KRAKEN.ws.50.0.txt"};
const std::vector<std::string> deribit_files = {"deribit/DERIBIT.ws.1.0.txt"};
const std::vector<std::string> coinbase_exchange_files = {"coinbase_exchange/COINBASE.ws.28.0.txt"};

} // namespace

#define BALLAST_REPLAY_BENCH(name, files, venue)                                                   \
    static void BM_Replay_##name(benchmark::State& s) {                                            \
        replay_ballast(s, files, venue);                                                           \
    }                                                                                              \
    BENCHMARK(BM_Replay_##name)->Unit(benchmark::kMicrosecond);                                    \
    static void BM_Replay_##name##_Naive(benchmark::State& s) {                                    \
        replay_naive(s, files, venue);                                                             \
    }                                                                                              \
    BENCHMARK(BM_Replay_##name##_Naive)->Unit(benchmark::kMicrosecond);

BALLAST_REPLAY_BENCH(Binance, binance_files, "binance")
BALLAST_REPLAY_BENCH(BinanceUsdm, usdm_files, "binance_usdm")
BALLAST_REPLAY_BENCH(Okx, okx_files, "okx")
BALLAST_REPLAY_BENCH(BybitLinear, bybit_files, "bybit_linear")
BALLAST_REPLAY_BENCH(BybitSpot, bybit_files, "bybit_spot")
BALLAST_REPLAY_BENCH(Coinbase, coinbase_files, "coinbase")
BALLAST_REPLAY_BENCH(CoinbaseExchange, coinbase_exchange_files, "coinbase_exchange")
BALLAST_REPLAY_BENCH(Kraken, kraken_files, "kraken")
BALLAST_REPLAY_BENCH(Deribit, deribit_files, "deribit")

// ---- one level update: the recorded Bybit BTCUSDT linear level changes ------------------------

namespace {
// Captures every level change the decoder makes, to replay them on bare books.
struct op_recorder final : book_listener {
    struct op {
        side s;
        std::int64_t px;
        std::int64_t sz;
    };
    std::vector<op> ops;
    std::vector<op> snapshot;
    bool in_snapshot = false;
    void on_clear(const venue_book&) noexcept override {
        in_snapshot = true;
        snapshot.clear();
    }
    void on_level(const venue_book& b, side s, price px, qty sz) noexcept override {
        if (b.symbol() != "BTCUSDT") {
            return;
        }
        (in_snapshot && ops.empty() ? snapshot : ops).push_back({s, px.value(), sz.value()});
    }
    void on_update(const venue_book&, timestamp_ns) noexcept override { in_snapshot = false; }
};

const op_recorder& recorded_ops() {
    static const op_recorder rec = [] {
        op_recorder r;
        const corpus c = load({"bybit/BYBIT.jsonl"}, "bybit_linear");
        reject_log rejects;
        auto feed = make_venue_feed("bybit_linear", c.instruments, rejects, {});
        feed->set_listener(&r);
        for (const auto& f : c.frames) {
            feed->on_frame({std::string_view(f.text.data(), f.size), f.ts, 0, f.url, 0, false});
        }
        return r;
    }();
    return rec;
}
} // namespace

namespace {
// Replays the recorded changes on one book layout; each time they run out the book starts again
// from the recorded snapshot, untimed.
template <class Book> void replay_changes(benchmark::State& state, Book& b) {
    const auto& rec = recorded_ops();
    std::size_t i = rec.ops.size();
    for (auto _ : state) {
        if (i == rec.ops.size()) {
            state.PauseTiming();
            b.clear();
            for (const auto& o : rec.snapshot) {
                b.set_level(o.s, price(o.px), qty(o.sz));
            }
            i = 0;
            state.ResumeTiming();
        }
        const auto& o = rec.ops[i++];
        benchmark::DoNotOptimize(b.set_level(o.s, price(o.px), qty(o.sz)));
    }
    state.counters["recorded_ops"] = static_cast<double>(rec.ops.size());
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
} // namespace

// l2_book: the price-indexed ladder (book/detail/price_ladder.hpp).
static void BM_Book_SetLevel(benchmark::State& state) {
    l2_book b(4096);
    replay_changes(state, b);
    state.counters["bytes_per_book"] = static_cast<double>(b.reserved_bytes());
}
BENCHMARK(BM_Book_SetLevel);

// The candidates measured for l2_book (bench/book_candidates.hpp): the book it replaced
// (flat_book), a B+-tree-like layout (blocked_book) and the ladder at smaller windows.
template <class Book> static void BM_Book_SetLevel_Candidate(benchmark::State& state) {
    Book b(4096);
    replay_changes(state, b);
}
BENCHMARK(BM_Book_SetLevel_Candidate<bench::flat_book>);
BENCHMARK(BM_Book_SetLevel_Candidate<bench::blocked_book>);
BENCHMARK(BM_Book_SetLevel_Candidate<bench::ladder_book<256>>);
BENCHMARK(BM_Book_SetLevel_Candidate<bench::ladder_book<1024>>);

// Reading the top 25 levels of both sides in order, as OKX's checksum does after each update.
template <class Book> static void BM_Book_Top25(benchmark::State& state) {
    Book b(4096);
    const auto& rec = recorded_ops();
    for (const auto* ops : {&rec.snapshot, &rec.ops}) { // the book at the recording's end
        for (const auto& o : *ops) {
            b.set_level(o.s, price(o.px), qty(o.sz));
        }
    }
    benchmark::DoNotOptimize(&b); // the book escapes: the clobber below makes every read real
    for (auto _ : state) {
        benchmark::ClobberMemory(); // the book may have changed: read it again
        std::int64_t sum = 0;
        for (side s : {side::bid, side::ask}) {
            const std::size_t n = std::min<std::size_t>(25, b.depth(s));
            for (std::size_t i = 0; i < n; ++i) {
                sum += b.at(s, i).px.value();
            }
        }
        benchmark::DoNotOptimize(sum);
    }
    state.counters["bids"] = static_cast<double>(b.depth(side::bid));
    state.counters["asks"] = static_cast<double>(b.depth(side::ask));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_Book_Top25<l2_book>);
BENCHMARK(BM_Book_Top25<bench::flat_book>);

static void BM_Book_SetLevel_StdMap(benchmark::State& state) {
    const auto& rec = recorded_ops();
    std::map<double, double, std::greater<>> bids;
    std::map<double, double> asks;
    std::size_t i = rec.ops.size(); // from the snapshot, as replay_changes
    for (auto _ : state) {
        if (i == rec.ops.size()) {
            state.PauseTiming();
            bids.clear();
            asks.clear();
            for (const auto& o : rec.snapshot) {
                (o.s == side::bid ? bids[o.px * 0.1] : asks[o.px * 0.1]) = o.sz * 0.001;
            }
            i = 0;
            state.ResumeTiming();
        }
        const auto& o = rec.ops[i++];
        const double p = static_cast<double>(o.px) * 0.1;
        if (o.s == side::bid) {
            if (o.sz == 0) {
                benchmark::DoNotOptimize(bids.erase(p));
            } else {
                bids[p] = static_cast<double>(o.sz) * 0.001;
            }
        } else if (o.sz == 0) {
            benchmark::DoNotOptimize(asks.erase(p));
        } else {
            asks[p] = static_cast<double>(o.sz) * 0.001;
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_Book_SetLevel_StdMap);

BENCHMARK_MAIN();
