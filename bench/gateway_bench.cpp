// The signed gateways' engine-thread cost and their order round trip over loopback.
// - Encode + sign + ring write per venue, key type and order path (Binance WebSocket API or
//   REST; OKX and Bybit sessions are logged in, so their requests carry no signature): the
//   request text written into an SPSC ring slot (the gateway's own slot type and encoders),
//   popped by the same thread so the ring never fills. Baseline: the same ring write of a slot
//   without encoding.
// - Round trip against the in-process sim-venue (Binance WebSocket API, HMAC, listen-key user
//   stream): send -> ack (the order.place answer) and send -> first fill (the user stream's
//   executionReport), p50/p99 over limit IOC orders that cross the book.
// ccxt's createOrder against the same sim-venue: tests/node/ccxt_order_latency.js.
// ballast_gateway_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include "exec/gateway_binance.hpp"
#include "exec/gateway_bybit.hpp"
#include "exec/gateway_okx.hpp"
#include "exec/sim_venue.hpp"
#include "feed/http_client.hpp"
#include "feed/spsc_ring.hpp"
#include "feed/tsc.hpp"

#include <benchmark/benchmark.h>
#include <boost/asio/io_context.hpp>
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace ballast;
using namespace ballast::exec;
using namespace std::chrono_literals;

instrument_spec spot_spec() {
    instrument_spec s;
    s.venue = "binance";
    s.symbol = "NKNUSDT";
    s.base = "NKN";
    s.quote = "USDT";
    s.tick = {1, 5};
    s.lot = {1, 1};
    return s;
}

order_request sample_order(const instrument_spec& spec, std::uint64_t id) {
    order_request r;
    r.id = client_order_id{id};
    r.wire_id = make_wire_order_id(0x5eed, r.id);
    r.spec = &spec;
    r.order_side = side::bid;
    r.tif = order_tif::ioc;
    r.quantity = qty(1000);
    r.limit = price(35130);
    return r;
}

/// Writes one request into a ring slot through `encode`, then frees the slot.
template <class Encode> void ring_write(benchmark::State& state, Encode&& encode) {
    feed::spsc_ring<outbound_request> ring(256);
    std::uint64_t id = 1;
    std::size_t bytes = 0;
    for (auto _ : state) {
        outbound_request* slot = nullptr;
        bool ok = ring.try_emplace();
        slot = ring.front();
        text_writer w{slot->text.data(), slot->text.size()};
        ok = ok && encode(id++, w);
        slot->size = static_cast<std::uint16_t>(w.size);
        bytes += w.size;
        benchmark::DoNotOptimize(ok);
        benchmark::DoNotOptimize(slot->text.data());
        ring.pop();
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

void BM_RingWriteOnly(benchmark::State& state) {
    ring_write(state, [](std::uint64_t id, text_writer& w) {
        w.put_uint(id);
        return true;
    });
}
BENCHMARK(BM_RingWriteOnly);

/// Binance: `order.place` (or the REST line) encoded and signed with one key type.
enum class binance_key : std::uint8_t { hmac, ed25519, ed25519_logged_on };
void BM_Binance_Encode(benchmark::State& state, binance_key key, binance_order_path path) {
    const auto spec = spot_spec();
    binance_request_encoder enc;
    api_credentials c;
    c.api_key = std::string(64, 'k');
    if (key == binance_key::hmac) {
        c.secret = secret_text(std::string(64, 's'));
    } else {
        c.ed25519_pem = secret_text(new_ed25519_private_pem());
    }
    if (enc.init(c)) {
        state.SkipWithError("credentials");
        return;
    }
    enc.set_order_path(path);
    // After session.logon (Ed25519, WebSocket API) requests carry no signature.
    enc.set_logged_on(key == binance_key::ed25519_logged_on);
    ring_write(state, [&](std::uint64_t id, text_writer& w) {
        return enc.place(sample_order(spec, id), id, 1633998600000, 5000, w);
    });
}
BENCHMARK_CAPTURE(BM_Binance_Encode, SignHmac, binance_key::hmac,
                  binance_order_path::websocket_api);
BENCHMARK_CAPTURE(BM_Binance_Encode, SignEd25519, binance_key::ed25519,
                  binance_order_path::websocket_api);
BENCHMARK_CAPTURE(BM_Binance_Encode, Ed25519LoggedOn, binance_key::ed25519_logged_on,
                  binance_order_path::websocket_api);
BENCHMARK_CAPTURE(BM_Binance_Encode, RestSignHmac, binance_key::hmac, binance_order_path::rest);
BENCHMARK_CAPTURE(BM_Binance_Encode, RestSignEd25519, binance_key::ed25519,
                  binance_order_path::rest);

void BM_Okx_Encode(benchmark::State& state) {
    auto spec = spot_spec();
    spec.venue = "okx";
    ring_write(state, [&](std::uint64_t id, text_writer& w) {
        return okx_request_encoder::order(sample_order(spec, id), id, w);
    });
}
BENCHMARK(BM_Okx_Encode);

void BM_Bybit_Encode(benchmark::State& state) {
    auto spec = spot_spec();
    spec.venue = "bybit";
    ring_write(state, [&](std::uint64_t id, text_writer& w) {
        return bybit_request_encoder::create(sample_order(spec, id), id, 1633998600000, 5000, w);
    });
}
BENCHMARK(BM_Bybit_Encode);

// ---- round trip over loopback -----------------------------------------------------------------

class fixed_wall_clock final : public gateway_clock {
  public:
    std::int64_t wall_ms() const noexcept override { return 1633998600000; }
};

void BM_Binance_RoundTripLoopback(benchmark::State& state) {
    static fixed_wall_clock clock;
    sim_venue_options o;
    o.venue = "binance";
    o.captures.push_back(std::string(BALLAST_TEST_DATA_DIR) + "/binance/BINANCE.ws.1.0.txt");
    o.max_speed = true;
    sim_account_config acct;
    acct.api_key = "benchKey";
    acct.secret = secret_text("benchSecret");
    acct.balances = {{"USDT", *sim_decimal::parse("100000000")},
                     {"NKN", *sim_decimal::parse("100000000")}};
    o.accounts = {acct};
    o.clock_ms = [] { return clock.wall_ms(); };
    sim_venue sim(o);
    if (auto err = sim.start()) {
        state.SkipWithError(err->c_str());
        return;
    }
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!sim.capture_done() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
    }
    const std::string host = "127.0.0.1:" + std::to_string(sim.port());
    const instrument_spec spec = spot_spec();
    // The best ask, then a limit far enough above it that every order fills.
    price ask{0};
    {
        boost::asio::io_context io;
        feed::http_client client(io, {});
        std::string body;
        client.get("http://" + host + "/api/v3/depth?symbol=NKNUSDT&limit=5",
                   [&](feed::http_response r) { body = r.body; });
        while (body.empty() && std::chrono::steady_clock::now() < deadline + 10s) {
            io.run_for(5ms);
        }
        simdjson::dom::parser p;
        simdjson::dom::element e;
        std::string_view px;
        if (p.parse(body).get(e) || e["asks"].at(0).at(0).get_string().get(px)) {
            state.SkipWithError("no depth from the sim");
            return;
        }
        ask = spec.parse_price(px).value;
    }
    gateway_options g;
    g.venue = venue_id{1};
    g.ws_url = "ws://" + host + "/ws-api/v3";
    g.ws_private_url = "ws://" + host;
    g.rest_url = "http://" + host;
    g.journal_tag = 0x5eed; // sample_order()'s tag
    g.clock = &clock;
    g.instruments = {&spec};
    api_credentials c;
    c.api_key = "benchKey";
    c.secret = secret_text("benchSecret");
    std::string error;
    auto gw = binance_gateway::create(g, c, error, binance_user_stream::listen_key);
    if (!gw) {
        state.SkipWithError(error.c_str());
        return;
    }
    gw->start();
    exec_report r;
    while (!gw->connected() && std::chrono::steady_clock::now() < deadline + 20s) {
        (void)gw->poll(r);
    }
    const double tsc_per_ns = feed::calibrate_tsc_per_ns();
    feed::latency_histogram to_ack;
    feed::latency_histogram to_fill;
    std::uint64_t id = 1;
    for (auto _ : state) {
        order_request o1 = sample_order(spec, id);
        o1.limit = price(ask.value() + 200);
        o1.quantity = qty(1000);
        const std::uint64_t t0 = feed::tsc_now();
        if (gw->send(o1) != gateway_status::ok) {
            state.SkipWithError("send refused (not connected or rate limited)");
            break;
        }
        bool acked = false;
        bool filled = false;
        const auto limit = std::chrono::steady_clock::now() + 5s;
        while ((!acked || !filled) && std::chrono::steady_clock::now() < limit) {
            if (!gw->poll(r)) {
                continue;
            }
            if (std::getenv("BALLAST_BENCH_TRACE") != nullptr) {
                std::fprintf(stderr, "%s id=%llu %s\n", std::string(to_string(r.kind)).c_str(),
                             static_cast<unsigned long long>(r.id.value), r.reason.data());
            }
            if (r.id.value != id) {
                continue;
            }
            const std::uint64_t now = feed::tsc_now();
            if (r.kind == exec_kind::ack && !acked) {
                acked = true;
                to_ack.record(
                    static_cast<std::uint64_t>(static_cast<double>(now - t0) / tsc_per_ns));
            } else if (r.kind == exec_kind::fill && !filled) {
                filled = true;
                to_fill.record(
                    static_cast<std::uint64_t>(static_cast<double>(now - t0) / tsc_per_ns));
            } else if (is_final(r.state) && r.kind != exec_kind::fill) {
                filled = true; // canceled without a fill: no fill sample
                acked = acked || r.kind == exec_kind::rejected;
            }
        }
        ++id;
    }
    state.counters["ack_p50_us"] = static_cast<double>(to_ack.quantile(0.5)) / 1e3;
    state.counters["ack_p99_us"] = static_cast<double>(to_ack.quantile(0.99)) / 1e3;
    state.counters["fill_p50_us"] = static_cast<double>(to_fill.quantile(0.5)) / 1e3;
    state.counters["fill_p99_us"] = static_cast<double>(to_fill.quantile(0.99)) / 1e3;
    state.counters["fills"] = static_cast<double>(to_fill.count());
    gw->stop();
    sim.stop();
}
// 45 orders: the venue's ORDERS limit is 50 per 10 s, which the gateway honours.
BENCHMARK(BM_Binance_RoundTripLoopback)
    ->Iterations(45)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

} // namespace

BENCHMARK_MAIN();
