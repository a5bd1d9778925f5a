// The Binance gateway end to end against the in-process sim-venue (WebSocket API, user data
// stream by listen key or Ed25519 logon) over the capture's NKNUSDT book: IOC fills, resting
// order and cancel, queries, wrong keys, and each order fault (rate limit, dropped ack,
// duplicate reports, connection closed in flight). Every wait is a poll loop with a deadline.
#include "exec/gateway_binance.hpp"
#include "exec/sim_venue.hpp"
#include "feed/http_client.hpp"

#include "../feed/asio_test_util.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace ballast::exec {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t t0 = 1633998600000; // the venue's and the gateway's wall clock
constexpr std::uint64_t journal_tag = 0xb1a5;

/// Wall time fixed at the venue's; steady time real plus an offset the test moves.
class test_clock final : public gateway_clock {
  public:
    std::int64_t wall_ms() const noexcept override { return wall.load(); }
    std::int64_t steady_ns() const noexcept override {
        return gateway_clock::steady_ns() + offset_ns.load();
    }
    std::atomic<std::int64_t> wall{t0};
    std::atomic<std::int64_t> offset_ns{0};
};

instrument_spec nknusdt() {
    instrument_spec s;
    s.venue = "binance";
    s.symbol = "NKNUSDT";
    s.base = "NKN";
    s.quote = "USDT";
    s.tick = {1, 5}; // exchangeInfo: tickSize 0.00001000, stepSize 0.10000000
    s.lot = {1, 1};
    return s;
}

struct sim_fixture {
    explicit sim_fixture(const std::string& faults = "") {
        sim_venue_options o;
        o.venue = "binance";
        o.captures.push_back(std::string(BALLAST_TEST_DATA_DIR) + "/binance/BINANCE.ws.1.0.txt");
        o.max_speed = true;
        if (auto err = parse_sim_faults(faults, o.faults)) {
            ADD_FAILURE() << *err;
        }
        sim_account_config hmac;
        hmac.api_key = "hmacKey1";
        hmac.secret = secret_text("hmacSecret1");
        hmac.balances = {{"USDT", *sim_decimal::parse("100000")},
                         {"NKN", *sim_decimal::parse("100000")}};
        sim_account_config ed;
        ed.api_key = "edKey1";
        ed_pem = new_ed25519_private_pem();
        ed25519_key k;
        EXPECT_FALSE(k.load_private_pem(ed_pem));
        ed.ed25519_public_pem = k.public_pem();
        ed.balances = hmac.balances;
        o.accounts = {hmac, ed};
        o.clock_ms = [this] { return clock.wall.load(); };
        sim = std::make_unique<sim_venue>(o);
        if (auto err = sim->start()) {
            ADD_FAILURE() << *err;
        }
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        while (!sim->capture_done() && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::yield(); // bounded by the deadline
        }
        EXPECT_TRUE(sim->capture_done());
    }

    std::string base(std::string_view scheme) const {
        return std::string(scheme) + "://127.0.0.1:" + std::to_string(sim->port());
    }

    gateway_options options(std::chrono::milliseconds timeout = 3s) const {
        gateway_options g;
        g.venue = venue_id{7};
        g.ws_url = base("ws") + "/ws-api/v3";
        g.ws_private_url = base("ws");
        g.rest_url = base("http");
        g.journal_tag = journal_tag;
        g.request_timeout = timeout;
        g.reconnect_initial = 50ms;
        g.reconnect_max = 200ms;
        g.clock = &clock;
        g.instruments = {&spec};
        return g;
    }

    std::unique_ptr<binance_gateway>
    hmac_gateway(const std::string& secret = "hmacSecret1", std::chrono::milliseconds timeout = 3s,
                 binance_order_path path = binance_order_path::websocket_api) {
        api_credentials c;
        c.api_key = "hmacKey1";
        c.secret = secret_text(secret);
        std::string error;
        auto g = binance_gateway::create(options(timeout), c, error,
                                         binance_user_stream::listen_key, path);
        EXPECT_TRUE(g) << error;
        return g;
    }

    std::unique_ptr<binance_gateway> ed_gateway(const std::string& pem) {
        api_credentials c;
        c.api_key = "edKey1";
        c.ed25519_pem = secret_text(pem);
        std::string error;
        auto g = binance_gateway::create(options(), c, error);
        EXPECT_TRUE(g) << error;
        return g;
    }

    /// A gateway whose orders go over REST (`/api/v3/order`): an HMAC key with a listen-key
    /// stream, or the Ed25519 key whose stream is the WebSocket API session's.
    std::unique_ptr<binance_gateway> rest_gateway(bool ed25519,
                                                  std::chrono::milliseconds timeout = 3s) {
        api_credentials c;
        c.api_key = ed25519 ? "edKey1" : "hmacKey1";
        if (ed25519) {
            c.ed25519_pem = secret_text(ed_pem);
        } else {
            c.secret = secret_text("hmacSecret1");
        }
        std::string error;
        auto g = binance_gateway::create(options(timeout), c, error,
                                         binance_user_stream::listen_key, binance_order_path::rest);
        EXPECT_TRUE(g) << error;
        return g;
    }

    /// The best price of a side of the sim's book, in ticks.
    price best(const char* side_key) const {
        boost::asio::io_context io;
        feed::http_client client(io, {});
        std::string body;
        bool done = false;
        client.get(base("http") + "/api/v3/depth?symbol=NKNUSDT&limit=5",
                   [&](feed::http_response r) {
                       body = r.body;
                       done = true;
                   });
        EXPECT_TRUE(test::run_until(
            io, [&] { return done; }, 10s));
        simdjson::dom::parser p;
        simdjson::dom::element e;
        EXPECT_EQ(p.parse(body).get(e), simdjson::SUCCESS) << body;
        std::string_view px;
        EXPECT_EQ(e[side_key].at(0).at(0).get_string().get(px), simdjson::SUCCESS) << body;
        const auto r = spec.parse_price(px);
        EXPECT_TRUE(r.ok()) << px;
        return r.value;
    }

    test_clock clock;
    instrument_spec spec = nknusdt();
    std::string ed_pem;
    std::unique_ptr<sim_venue> sim;
};

/// Drains reports into `seen` until `pred` holds for one not matched before (returned) or the
/// limit passes; `from_start` looks at every report seen, matched or not.
struct report_log {
    explicit report_log(venue_gateway& g) : gw(g) {}
    const exec_report* wait(const std::function<bool(const exec_report&)>& pred,
                            std::chrono::milliseconds limit = 5s, bool from_start = false) {
        if (from_start) {
            for (const auto& r : seen) {
                if (pred(r)) {
                    return &r;
                }
            }
        }
        const auto deadline = std::chrono::steady_clock::now() + limit;
        for (;;) {
            for (; checked < seen.size(); ++checked) {
                if (pred(seen[checked])) {
                    return &seen[checked++];
                }
            }
            exec_report r;
            if (gw.poll(r)) {
                seen.push_back(r);
                continue;
            }
            if (std::chrono::steady_clock::now() > deadline) {
                return nullptr;
            }
            std::this_thread::yield(); // bounded by the deadline
        }
    }
    const exec_report* wait_kind(exec_kind k, std::uint64_t id,
                                 std::chrono::milliseconds limit = 5s) {
        return wait([&](const exec_report& r) { return r.kind == k && r.id.value == id; }, limit);
    }
    std::size_t count(exec_kind k, std::uint64_t id) const {
        std::size_t n = 0;
        for (const auto& r : seen) {
            n += r.kind == k && r.id.value == id ? 1 : 0;
        }
        return n;
    }
    std::string dump() const {
        std::string out;
        for (const auto& r : seen) {
            out += std::string(to_string(r.kind)) + " id=" + std::to_string(r.id.value) +
                   " state=" + std::string(to_string(r.state)) +
                   " qty=" + std::to_string(r.last_qty.value()) +
                   " cum=" + std::to_string(r.cum_qty.value()) +
                   " code=" + std::to_string(r.venue_code) + " '" + std::string(r.reason_view()) +
                   "'\n";
        }
        return out;
    }
    venue_gateway& gw;
    std::deque<exec_report> seen; // stable addresses: wait() hands out pointers into it
    std::size_t checked = 0;
};

order_request order(const instrument_spec& spec, std::uint64_t id, side s, order_tif tif, price px,
                    qty q) {
    order_request r;
    r.id = client_order_id{id};
    r.wire_id = make_wire_order_id(journal_tag, r.id);
    r.spec = &spec;
    r.order_side = s;
    r.type = order_type::limit;
    r.tif = tif;
    r.quantity = q;
    r.limit = px;
    return r;
}

void expect_connected(report_log& log, binance_gateway& g) {
    ASSERT_TRUE(log.wait_kind(exec_kind::connected, 0)) << log.dump() << g.last_error();
    EXPECT_TRUE(g.connected());
}

TEST(GatewayBinanceSim, IocThatCrossesIsAckedFilledAndFinal) {
    sim_fixture f;
    auto g = f.hmac_gateway();
    g->start();
    report_log log(*g);
    expect_connected(log, *g);
    const price ask = f.best("asks");
    ASSERT_EQ(g->send(order(f.spec, 1, side::bid, order_tif::ioc, ask, qty(1000))),
              gateway_status::ok);
    const exec_report* ack = log.wait_kind(exec_kind::ack, 1);
    ASSERT_TRUE(ack) << log.dump();
    EXPECT_NE(ack->send_tsc, 0u);
    ASSERT_TRUE(log.wait_kind(exec_kind::fill, 1)) << log.dump();
    // Final: filled by the last fill, or the IOC remainder canceled.
    ASSERT_TRUE(log.wait([](const exec_report& r) { return r.id.value == 1 && is_final(r.state); },
                         5s, true))
        << log.dump();
    std::int64_t filled = 0;
    std::int64_t cum = 0;
    for (const auto& r : log.seen) {
        if (r.kind == exec_kind::fill && r.id.value == 1) {
            filled += r.last_qty.value();
            cum = r.cum_qty.value();
            EXPECT_EQ(r.last_px, ask);
            EXPECT_GT(r.fee_quote, 0.0);
            EXPECT_FALSE(r.trade_id_view().empty());
        }
    }
    EXPECT_EQ(filled, cum);
    EXPECT_GT(filled, 0);
    EXPECT_EQ(log.count(exec_kind::ack, 1), 1u) << log.dump();
    EXPECT_EQ(g->counters().foreign_reports.load(), 0u);
}

TEST(GatewayBinanceSim, RestingOrderIsCanceledAndUnknownIdIsNotFound) {
    sim_fixture f;
    auto g = f.hmac_gateway();
    g->start();
    report_log log(*g);
    expect_connected(log, *g);
    const price below = price(f.best("bids").value() - 500);
    ASSERT_EQ(g->send(order(f.spec, 2, side::bid, order_tif::gtc, below, qty(1000))),
              gateway_status::ok);
    ASSERT_TRUE(log.wait_kind(exec_kind::ack, 2)) << log.dump();
    const cancel_request c{client_order_id{2}, make_wire_order_id(journal_tag, client_order_id{2}),
                           &f.spec};
    ASSERT_EQ(g->cancel(c), gateway_status::ok);
    const exec_report* done = log.wait_kind(exec_kind::canceled, 2);
    ASSERT_TRUE(done) << log.dump();
    EXPECT_EQ(done->state, order_state::canceled);
    EXPECT_EQ(log.count(exec_kind::canceled, 2), 1u);
    // A second cancel of the same order: the venue refuses it.
    ASSERT_EQ(g->cancel(c), gateway_status::ok);
    const exec_report* rej = log.wait_kind(exec_kind::cancel_reject, 2);
    ASSERT_TRUE(rej) << log.dump();
    EXPECT_NE(rej->venue_code, 0);

    const query_request q{client_order_id{99}, make_wire_order_id(journal_tag, client_order_id{99}),
                          &f.spec};
    ASSERT_EQ(g->query(q), gateway_status::ok);
    const exec_report* nf = log.wait_kind(exec_kind::not_found, 99);
    ASSERT_TRUE(nf) << log.dump();
    EXPECT_EQ(nf->venue_code, -2013);

    // Reconciliation: an open order of ours, then the closing status with id 0.
    ASSERT_EQ(g->send(order(f.spec, 3, side::bid, order_tif::gtc, below, qty(1000))),
              gateway_status::ok);
    ASSERT_TRUE(log.wait_kind(exec_kind::ack, 3)) << log.dump();
    ASSERT_EQ(g->reconcile(timestamp_ns{t0 * 1'000'000 - 60'000'000'000}), gateway_status::ok);
    const exec_report* open =
        log.wait([](const exec_report& r) { return r.reconcile && r.id.value == 3; });
    ASSERT_TRUE(open) << log.dump();
    EXPECT_EQ(open->state, order_state::acknowledged);
    ASSERT_TRUE(log.wait([](const exec_report& r) {
        return r.reconcile && r.kind == exec_kind::status && r.id.value == 0;
    })) << log.dump();
}

TEST(GatewayBinanceSim, WrongSecretIsRejectedWithTheVenuesReason) {
    sim_fixture f;
    auto g = f.hmac_gateway("notTheSecret");
    g->start();
    report_log log(*g);
    expect_connected(log, *g); // the listen key needs the API key only
    ASSERT_EQ(g->send(order(f.spec, 4, side::bid, order_tif::ioc, f.best("asks"), qty(1000))),
              gateway_status::ok);
    const exec_report* rej = log.wait_kind(exec_kind::rejected, 4);
    ASSERT_TRUE(rej) << log.dump();
    EXPECT_EQ(rej->venue_code, -1022);
    EXPECT_NE(rej->reason_view().find("Signature"), std::string_view::npos) << rej->reason_view();
    for (const auto& r : log.seen) {
        EXPECT_EQ(r.reason_view().find("notTheSecret"), std::string_view::npos);
    }
}

TEST(GatewayBinanceSim, Ed25519LogsOnAndAWrongKeyIsRefusedAtLogon) {
    sim_fixture f;
    {
        auto g = f.ed_gateway(f.ed_pem);
        g->start();
        report_log log(*g);
        expect_connected(log, *g);
        ASSERT_EQ(g->send(order(f.spec, 5, side::bid, order_tif::ioc, f.best("asks"), qty(1000))),
                  gateway_status::ok);
        ASSERT_TRUE(log.wait_kind(exec_kind::ack, 5)) << log.dump();
        ASSERT_TRUE(log.wait_kind(exec_kind::fill, 5)) << log.dump();
    }
    auto g = f.ed_gateway(new_ed25519_private_pem()); // another key than the account's
    g->start();
    report_log log(*g);
    const exec_report* down = log.wait_kind(exec_kind::disconnected, 0);
    ASSERT_TRUE(down) << log.dump();
    EXPECT_NE(down->reason_view().find("session.logon refused"), std::string_view::npos)
        << down->reason_view();
    EXPECT_NE(down->venue_code, 0);
    EXPECT_FALSE(g->connected());
    EXPECT_EQ(g->send(order(f.spec, 6, side::bid, order_tif::ioc, price(1), qty(1000))),
              gateway_status::not_connected);
}

/// The order faults, over both order paths.
class GatewayBinanceFault : public ::testing::TestWithParam<binance_order_path> {};

TEST_P(GatewayBinanceFault, RateLimitBacksOffThenRecovers) {
    sim_fixture f("rate_limit:order=1");
    auto g = f.hmac_gateway("hmacSecret1", 3s, GetParam());
    g->start();
    report_log log(*g);
    expect_connected(log, *g);
    const price below = price(f.best("bids").value() - 500);
    ASSERT_EQ(g->send(order(f.spec, 7, side::bid, order_tif::gtc, below, qty(1000))),
              gateway_status::ok);
    const exec_report* rl = log.wait_kind(exec_kind::rate_limit, 0);
    ASSERT_TRUE(rl) << log.dump();
    EXPECT_EQ(rl->venue_code, -1003);
    EXPECT_GT(rl->retry_after_ns, 0);
    const exec_report* rej = log.wait_kind(exec_kind::rejected, 7);
    ASSERT_TRUE(rej) << log.dump(); // refused, not processed
    EXPECT_EQ(g->send(order(f.spec, 8, side::bid, order_tif::gtc, below, qty(1000))),
              gateway_status::rate_limited);
    // The back-off passes (the gateway's monotonic clock moves on): sending works again.
    f.clock.offset_ns.fetch_add(rl->retry_after_ns + 1);
    ASSERT_EQ(g->send(order(f.spec, 8, side::bid, order_tif::gtc, below, qty(1000))),
              gateway_status::ok);
    ASSERT_TRUE(log.wait_kind(exec_kind::ack, 8)) << log.dump();
}

TEST_P(GatewayBinanceFault, DroppedAckIsUnknownThenSettledByAQuery) {
    sim_fixture f("ack_drop:order=1");
    auto g = f.hmac_gateway("hmacSecret1", 300ms, GetParam());
    g->start();
    report_log log(*g);
    expect_connected(log, *g);
    const price below = price(f.best("bids").value() - 500);
    ASSERT_EQ(g->send(order(f.spec, 9, side::bid, order_tif::gtc, below, qty(1000))),
              gateway_status::ok);
    const exec_report* unknown = log.wait_kind(exec_kind::unknown, 9);
    ASSERT_TRUE(unknown) << log.dump();
    const exec_report* st = log.wait_kind(exec_kind::status, 9);
    ASSERT_TRUE(st) << log.dump();
    EXPECT_EQ(st->state, order_state::acknowledged);
    // Never sent twice: the venue saw one new-order request for the id.
    EXPECT_EQ(
        f.sim->new_order_requests(
            "hmacKey1", std::string(make_wire_order_id(journal_tag, client_order_id{9}).view())),
        1u);
    EXPECT_EQ(g->counters().unknown_outcomes.load(), 1u);
}

INSTANTIATE_TEST_SUITE_P(OrderPaths, GatewayBinanceFault,
                         ::testing::Values(binance_order_path::websocket_api,
                                           binance_order_path::rest),
                         [](const auto& p) {
                             return p.param == binance_order_path::rest ? "rest" : "websocket_api";
                         });

TEST(GatewayBinanceSim, DuplicateReportsGiveOneFill) {
    sim_fixture f("report_dup:order=1");
    auto g = f.hmac_gateway();
    g->start();
    report_log log(*g);
    expect_connected(log, *g);
    const price ask = f.best("asks");
    ASSERT_EQ(g->send(order(f.spec, 10, side::bid, order_tif::ioc, ask, qty(1000))),
              gateway_status::ok);
    ASSERT_TRUE(log.wait([](const exec_report& r) { return r.id.value == 10 && is_final(r.state); },
                         5s, true))
        << log.dump();
    // Let the duplicates arrive: wait until the gateway has counted them.
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (g->counters().duplicate_fills.load() == 0 &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
    }
    EXPECT_GT(g->counters().duplicate_fills.load(), 0u);
    (void)log.wait([](const exec_report&) { return false; }, 200ms); // drain what is left
    std::int64_t filled = 0;
    std::int64_t cum = 0;
    std::vector<std::string> trades;
    for (const auto& r : log.seen) {
        if (r.kind == exec_kind::fill && r.id.value == 10) {
            filled += r.last_qty.value();
            cum = r.cum_qty.value();
            trades.emplace_back(r.trade_id_view());
        }
    }
    EXPECT_EQ(filled, cum) << log.dump();
    std::sort(trades.begin(), trades.end());
    EXPECT_EQ(std::adjacent_find(trades.begin(), trades.end()), trades.end()) << log.dump();
    EXPECT_EQ(log.count(exec_kind::ack, 10), 1u) << log.dump();
}

TEST(GatewayBinanceSim, ConnectionClosedInFlightIsUnknownThenQueriedAfterReconnect) {
    sim_fixture f("order_close:order=1");
    auto g = f.hmac_gateway();
    g->start();
    report_log log(*g);
    expect_connected(log, *g);
    const price below = price(f.best("bids").value() - 500);
    ASSERT_EQ(g->send(order(f.spec, 11, side::bid, order_tif::gtc, below, qty(1000))),
              gateway_status::ok);
    ASSERT_TRUE(log.wait_kind(exec_kind::disconnected, 0)) << log.dump();
    ASSERT_TRUE(log.wait_kind(exec_kind::unknown, 11)) << log.dump();
    ASSERT_TRUE(log.wait_kind(exec_kind::connected, 0)) << log.dump();
    const exec_report* st = log.wait_kind(exec_kind::status, 11);
    ASSERT_TRUE(st) << log.dump();
    EXPECT_EQ(st->state, order_state::acknowledged); // it was processed as it arrived
    EXPECT_EQ(g->counters().reconnects.load(), 1u);
}

// ---- the REST order path ----------------------------------------------------------------------

class GatewayBinanceRest : public ::testing::TestWithParam<bool> {};

TEST_P(GatewayBinanceRest, FillsCancelsQueriesAndReconcilesOverRest) {
    sim_fixture f;
    auto g = f.rest_gateway(GetParam());
    g->start();
    report_log log(*g);
    expect_connected(log, *g);
    const price ask = f.best("asks");
    ASSERT_EQ(g->send(order(f.spec, 1, side::bid, order_tif::ioc, ask, qty(1000))),
              gateway_status::ok);
    ASSERT_TRUE(log.wait_kind(exec_kind::ack, 1)) << log.dump() << g->last_error();
    ASSERT_TRUE(log.wait([](const exec_report& r) { return r.id.value == 1 && is_final(r.state); },
                         5s, true))
        << log.dump();
    std::int64_t filled = 0;
    for (const auto& r : log.seen) {
        if (r.kind == exec_kind::fill && r.id.value == 1) {
            filled += r.last_qty.value();
            EXPECT_EQ(r.last_px, ask);
            EXPECT_FALSE(r.trade_id_view().empty());
        }
    }
    EXPECT_GT(filled, 0) << log.dump();
    EXPECT_EQ(log.count(exec_kind::ack, 1), 1u) << log.dump();

    // A resting order, canceled by DELETE; a second cancel is refused by the venue.
    const price below = price(f.best("bids").value() - 500);
    ASSERT_EQ(g->send(order(f.spec, 2, side::bid, order_tif::gtc, below, qty(1000))),
              gateway_status::ok);
    ASSERT_TRUE(log.wait_kind(exec_kind::ack, 2)) << log.dump();
    const cancel_request c{client_order_id{2}, make_wire_order_id(journal_tag, client_order_id{2}),
                           &f.spec};
    ASSERT_EQ(g->cancel(c), gateway_status::ok);
    ASSERT_TRUE(log.wait_kind(exec_kind::canceled, 2)) << log.dump();
    ASSERT_EQ(g->cancel(c), gateway_status::ok);
    const exec_report* rej = log.wait_kind(exec_kind::cancel_reject, 2);
    ASSERT_TRUE(rej) << log.dump();
    EXPECT_EQ(rej->venue_code, -2011);

    // Queries: an unknown id, then the filled order (its trades come with it).
    const query_request q{client_order_id{99}, make_wire_order_id(journal_tag, client_order_id{99}),
                          &f.spec};
    ASSERT_EQ(g->query(q), gateway_status::ok);
    const exec_report* nf = log.wait_kind(exec_kind::not_found, 99);
    ASSERT_TRUE(nf) << log.dump();
    EXPECT_EQ(nf->venue_code, -2013);
    ASSERT_EQ(g->query({client_order_id{1}, make_wire_order_id(journal_tag, client_order_id{1}),
                        &f.spec}),
              gateway_status::ok);
    const exec_report* st = log.wait_kind(exec_kind::status, 1);
    ASSERT_TRUE(st) << log.dump();
    EXPECT_EQ(st->cum_qty.value(), filled);
    ASSERT_TRUE(log.wait([](const exec_report& r) {
        return r.kind == exec_kind::fill && r.id.value == 1 && r.reconcile;
    })) << log.dump();

    // Reconciliation lists the open order of ours.
    ASSERT_EQ(g->send(order(f.spec, 3, side::bid, order_tif::gtc, below, qty(1000))),
              gateway_status::ok);
    ASSERT_TRUE(log.wait_kind(exec_kind::ack, 3)) << log.dump();
    ASSERT_EQ(g->reconcile(timestamp_ns{t0 * 1'000'000 - 60'000'000'000}), gateway_status::ok);
    const exec_report* open =
        log.wait([](const exec_report& r) { return r.reconcile && r.id.value == 3; });
    ASSERT_TRUE(open) << log.dump();
    EXPECT_EQ(open->state, order_state::acknowledged);
    EXPECT_EQ(g->counters().malformed.load(), 0u) << g->last_error();
}

INSTANTIATE_TEST_SUITE_P(KeyTypes, GatewayBinanceRest, ::testing::Bool(),
                         [](const auto& p) { return p.param ? "ed25519" : "hmac"; });

TEST(GatewayBinanceRestSetup, WrongSecretIsRefusedAndNoRestUrlIsAnError) {
    sim_fixture f;
    auto g = f.hmac_gateway("notTheSecret", 3s, binance_order_path::rest);
    g->start();
    report_log log(*g);
    expect_connected(log, *g);
    ASSERT_EQ(g->send(order(f.spec, 4, side::bid, order_tif::ioc, f.best("asks"), qty(1000))),
              gateway_status::ok);
    const exec_report* rej = log.wait_kind(exec_kind::rejected, 4);
    ASSERT_TRUE(rej) << log.dump();
    EXPECT_EQ(rej->venue_code, -1022);
    // No REST URL: the REST order path cannot be built.
    gateway_options o = f.options();
    o.rest_url.clear();
    api_credentials c;
    c.api_key = "hmacKey1";
    c.secret = secret_text("hmacSecret1");
    std::string error;
    EXPECT_FALSE(binance_gateway::create(o, c, error, binance_user_stream::signature,
                                         binance_order_path::rest));
    EXPECT_NE(error.find("rest_url"), std::string::npos) << error;
}

} // namespace
} // namespace ballast::exec
