// The live market-data path, per recorded capture: sim-venue serves the capture over loopback
// at its maximum speed to a live_feed_thread (WebSocket client, decoder, listener, SPSC ring);
// the bench thread is the engine side and pops every event. Against it, the same decoder,
// listener and ring fed from memory: the socket's cost is the ratio of the two.
//   Socket: time = first to last event pushed (TSC); frames/s and bytes/s over that span.
//   frame_p50_ns/frame_p99_ns: the client reading the frame -> its update in the ring
//   (Memory: on_frame call -> update in the ring).
// Binance is not here: its books sync from a REST snapshot kept in a companion file, which the
// in-memory run does not read.
// ballast_live_feed_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include "exec/sim_venue.hpp"
#include "feed/live_feed.hpp"
#include "feed/recording.hpp"
#include "feed/venues.hpp"

#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using namespace ballast;

struct capture_case {
    const char* sim_venue;
    const char* feed_venue;
    const char* ws_key;
    const char* capture; // under tests/data
    const char* channel;
};

const capture_case cases[] = {
    {"bybit", "bybit_linear", "ws_linear", "bybit/BYBIT.jsonl", "200"},
    {"okx", "okx", "ws", "okx/OKX.ws.1.0.txt", "books"},
    {"coinbase", "coinbase", "ws", "coinbase/COINBASE_ADVANCED.jsonl", "level2"},
};

std::string data_path(const char* rel) {
    return std::string(BALLAST_TEST_DATA_DIR) + "/" + rel;
}

double tsc_per_ns() {
    static const double r = feed::calibrate_tsc_per_ns();
    return r;
}

/// Rates over the benchmark's time (CPU for Memory, manual for Socket) and the frame latencies.
void report(benchmark::State& state, std::uint64_t frames, std::uint64_t bytes,
            const feed::latency_histogram& h) {
    state.counters["frames/s"] =
        benchmark::Counter(static_cast<double>(frames), benchmark::Counter::kIsRate);
    state.counters["bytes/s"] =
        benchmark::Counter(static_cast<double>(bytes), benchmark::Counter::kIsRate);
    state.counters["frame_p50_ns"] = static_cast<double>(h.quantile(0.5)) / tsc_per_ns();
    state.counters["frame_p99_ns"] = static_cast<double>(h.quantile(0.99)) / tsc_per_ns();
}

/// The capture's frames for one venue, padded, in memory.
struct memory_frame {
    feed::frame_kind kind;
    std::string data; // text + padding
    std::size_t size;
    std::string url;
    std::uint32_t conn;
    timestamp_ns ts;
};

std::vector<memory_frame> load(const capture_case& c) {
    std::vector<memory_frame> out;
    feed::recording_reader reader(false);
    if (reader.open(data_path(c.capture))) {
        return out;
    }
    std::vector<std::string> conns;
    while (auto rf = reader.next()) {
        if (rf->url.empty() || feed::detect_venue(rf->url) != c.feed_venue ||
            rf->kind == feed::frame_kind::marker) {
            continue;
        }
        std::uint32_t index = 0;
        while (index < conns.size() && conns[index] != rf->conn) {
            ++index;
        }
        if (index == conns.size()) {
            conns.emplace_back(rf->conn);
        }
        memory_frame f{
            rf->kind, std::string(rf->data), rf->data.size(), std::string(rf->url), index, rf->ts};
        f.data.append(64, '\0');
        out.push_back(std::move(f));
    }
    return out;
}

/// Books of every symbol the capture holds for the venue (the slots of the listener).
std::vector<std::string> symbols_of(const capture_case& c, const std::vector<memory_frame>& fs) {
    instrument_registry instruments;
    feed::reject_log rejects;
    auto d = feed::make_venue_feed(c.feed_venue, instruments, rejects, {});
    for (const auto& f : fs) {
        const feed::feed_frame ff{std::string_view(f.data.data(), f.size), f.ts, 0, f.url, f.conn,
                                  f.kind == feed::frame_kind::response};
        if (f.kind == feed::frame_kind::connect) {
            d->on_connect(ff);
        } else if (f.kind != feed::frame_kind::sent) {
            d->on_frame(ff);
        }
    }
    std::vector<std::string> out;
    for (const auto& b : d->books()) {
        out.push_back(b->symbol());
    }
    return out;
}

void BM_LiveFeed_Memory(benchmark::State& state, const capture_case& c) {
    const auto frames = load(c);
    const auto symbols = symbols_of(c, frames);
    if (frames.empty() || symbols.empty()) {
        state.SkipWithError("no frames for the venue in the capture");
        return;
    }
    std::vector<std::pair<std::string, std::uint16_t>> slots;
    for (std::size_t i = 0; i < symbols.size(); ++i) {
        slots.emplace_back(symbols[i], static_cast<std::uint16_t>(i));
    }
    feed::latency_histogram lat;
    std::uint64_t n = 0;
    std::uint64_t bytes = 0;
    std::int64_t checksum = 0;
    for (auto _ : state) {
        state.PauseTiming();
        instrument_registry instruments;
        feed::reject_log rejects;
        feed::feed_options fo;
        fo.symbols = symbols;
        auto d = feed::make_venue_feed(c.feed_venue, instruments, rejects, fo);
        feed::book_ring ring(1u << 16);
        feed::ring_listener listener(ring, slots);
        d->set_listener(&listener);
        state.ResumeTiming();
        for (const auto& f : frames) {
            const feed::feed_frame ff{
                std::string_view(f.data.data(), f.size), f.ts, 0, f.url, f.conn,
                f.kind == feed::frame_kind::response};
            listener.frame_ts = f.ts.ns;
            listener.frame_tsc = feed::tsc_now();
            switch (f.kind) {
            case feed::frame_kind::connect:
                d->on_connect(ff);
                break;
            case feed::frame_kind::sent:
                d->on_sent(ff);
                break;
            default:
                d->on_frame(ff);
                ++n;
                bytes += f.size;
                break;
            }
            while (const feed::book_event* e = ring.front()) {
                checksum += e->px;
                ring.pop();
            }
        }
        lat.merge(listener.frame_latency());
    }
    benchmark::DoNotOptimize(checksum);
    report(state, n, bytes, lat);
}

void BM_LiveFeed_Socket(benchmark::State& state, const capture_case& c) {
    const auto symbols = symbols_of(c, load(c));
    if (symbols.empty()) {
        state.SkipWithError("no frames for the venue in the capture");
        return;
    }
    feed::latency_histogram lat;
    std::uint64_t n = 0;
    std::uint64_t bytes = 0;
    std::int64_t checksum = 0;
    for (auto _ : state) {
        exec::sim_venue_options so;
        so.venue = c.sim_venue;
        so.captures = {data_path(c.capture)};
        so.max_speed = true;
        exec::sim_venue sim(so);
        if (auto err = sim.start()) {
            state.SkipWithError(err->c_str());
            return;
        }
        feed::live_feed_options o;
        o.venue = c.feed_venue;
        o.client.symbols = symbols;
        o.client.ws_url = sim.url(c.ws_key);
        o.client.rest_url = sim.rest_url();
        o.client.protocol.channel = c.channel;
        o.ring = {feed::full_ring_policy::wait, 0}; // lossless: the bench counts every frame
        o.stats_interval = 1ms;
        feed::live_feed_thread live(o);
        if (auto err = live.start()) {
            state.SkipWithError(err->c_str());
            return;
        }
        std::uint64_t first = 0;
        std::uint64_t last = 0;
        const auto drain = [&] {
            while (const feed::book_event* e = live.ring().front()) {
                first = first == 0 ? e->tsc : first;
                last = e->tsc;
                checksum += e->px;
                live.ring().pop();
            }
        };
        // Done: the sim has played the whole capture, every requested book is live, and no
        // frame has come for 100 ms (a bench may wait on the wall clock; the span measured
        // below ends at the last event, before this wait).
        const auto deadline = std::chrono::steady_clock::now() + 60s;
        std::uint64_t frames_seen = 0;
        auto quiet_since = std::chrono::steady_clock::now();
        while (std::chrono::steady_clock::now() < deadline) {
            drain();
            const auto st = live.stats();
            const auto now = std::chrono::steady_clock::now();
            if (st.frames != frames_seen) {
                frames_seen = st.frames;
                quiet_since = now;
            } else if (sim.capture_done() && st.all_live && now - quiet_since > 100ms) {
                break;
            }
        }
        live.stop();
        drain();
        sim.stop();
        const auto st = live.stats();
        n += st.frames;
        bytes += st.bytes;
        lat.merge(live.frame_latency());
        state.SetIterationTime(static_cast<double>(last - first) / tsc_per_ns() * 1e-9);
    }
    benchmark::DoNotOptimize(checksum);
    report(state, n, bytes, lat);
}

const bool registered = [] {
    for (const auto& c : cases) {
        const std::string name = std::string(c.feed_venue);
        benchmark::RegisterBenchmark(("BM_LiveFeed_Memory/" + name).c_str(), BM_LiveFeed_Memory, c)
            ->Unit(benchmark::kMicrosecond);
        benchmark::RegisterBenchmark(("BM_LiveFeed_Socket/" + name).c_str(), BM_LiveFeed_Socket, c)
            ->UseManualTime()
            ->Iterations(5)
            ->Unit(benchmark::kMicrosecond);
    }
    return true;
}();

} // namespace

BENCHMARK_MAIN();
