// The Binance gateway end to end against the in-process sim-venue (WebSocket API, user data
// stream by listen key or Ed25519 logon) over the capture's NKNUSDT book: IOC fills, resting
// order and cancel, queries, wrong keys, and each order fault (rate limit, dropped ack,
// duplicate reports, connection closed in flight). Every wait is a poll loop with a deadline.
#include "exec/gateway_binance.hpp"
#include "exec/sim_venue.hpp"
#include "feed/http_client.hpp"

#include "../feed/asio_test_util.hpp"
#include "gateway_sim_harness.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <simdjson.h>

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

using test::report_log;

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
        sim = test::start_trading_sim("binance", "binance/BINANCE.ws.1.0.txt", faults, {hmac, ed},
                                      [this] { return clock.wall.load(); });
    }

    std::string base(std::string_view scheme) const {
        return std::string(scheme) + "://127.0.0.1:" + std::to_string(sim->port());
    }

    gateway_options options(std::chrono::milliseconds timeout = 3s) const {
        gateway_options g =
            test::sim_gateway_options(*sim, venue_id{7}, journal_tag, timeout, clock, spec);
        g.ws_url = base("ws") + "/ws-api/v3";
        g.ws_private_url = base("ws");
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

    test::test_clock clock{t0};
    instrument_spec spec = nknusdt();
    std::string ed_pem;
    std::unique_ptr<sim_venue> sim;
};

order_request order(const instrument_spec& spec, std::uint64_t id, side s, order_tif tif, price px,
                    qty q) {
    return test::limit_order(spec, journal_tag, id, s, tif, px, q);
}

using test::expect_connected;

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
    test::expect_reconciled(log, *g, timestamp_ns{t0 * 1'000'000 - 60'000'000'000}, 3);
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
    test::expect_unknown_then_settled(log, *g, *f.sim, "hmacKey1", journal_tag, 9);
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
    test::expect_duplicates_dropped(log, *g, 10);
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
    test::expect_lost_in_flight_then_queried(log, *g, 11);
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
    test::expect_reconciled(log, *g, timestamp_ns{t0 * 1'000'000 - 60'000'000'000}, 3);
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
