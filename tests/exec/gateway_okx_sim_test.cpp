// The OKX gateway end to end against the in-process sim-venue (private WebSocket: login, the
// orders channel, order / cancel-order / amend-order ops; REST queries and reconciliation):
// IOC fills, a resting order amended and canceled, queries, wrong secret and passphrase, and
// each order fault (rate limit, dropped ack, duplicate reports, connection closed in flight).
// Every wait is a poll loop with a deadline.
//
// The OKX capture's only full book is UNI-USD-SWAP, a coin-margined swap the sim does not
// trade; the fixture replays the same recorded frames with the instrument renamed UNI-USDT, so
// the sim trades that book as spot (tick 0.001, lot 1 from the capture's decimals).
#include "exec/gateway_okx.hpp"
#include "exec/sim_venue.hpp"
#include "feed/http_client.hpp"

#include "../feed/asio_test_util.hpp"
#include "gateway_sim_harness.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace ballast::exec {
namespace {

using namespace std::chrono_literals;
using test::expect_connected;
using test::report_log;

constexpr std::int64_t t0 = 1652459300000; // the venue's and the gateway's wall clock
constexpr std::uint64_t journal_tag = 0x0c5;

instrument_spec uni_usdt() {
    instrument_spec s;
    s.venue = "okx";
    s.symbol = "UNI-USDT";
    s.base = "UNI";
    s.quote = "USDT";
    s.tick = {1, 3};
    s.lot = {1, 0};
    return s;
}

/// The capture with the swap's frames renamed to a spot instrument (see the file comment).
std::string spot_capture() {
    std::ifstream in(std::string(BALLAST_TEST_DATA_DIR) + "/okx/OKX.ws.1.0.txt");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    EXPECT_FALSE(text.empty());
    const std::string from = "UNI-USD-SWAP";
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
        text.replace(at, from.size(), "UNI-USDT");
    }
    const std::string path = ::testing::TempDir() + "okx_spot_" + std::to_string(::getpid()) + "_" +
                             ::testing::UnitTest::GetInstance()->current_test_info()->name() +
                             ".txt";
    std::ofstream(path) << text;
    return path;
}

/// The spot instrument as Ballast's instrument file writes it (the sim's balances need its
/// base and quote).
std::string spot_instruments(const std::string& capture) {
    const std::string path = capture + ".instruments.toml";
    std::ofstream(path) << "[[instrument]]\nvenue = \"okx\"\nsymbol = \"UNI-USDT\"\n"
                           "kind = \"spot\"\nbase = \"UNI\"\nquote = \"USDT\"\n"
                           "tick = \"0.001\"\nlot = \"1\"\n";
    return path;
}

struct sim_fixture {
    explicit sim_fixture(const std::string& faults = "")
        : capture(spot_capture()), instruments(spot_instruments(capture)) {
        sim_venue_options o;
        o.venue = "okx";
        o.captures.push_back(capture);
        o.instrument_files.push_back(instruments);
        o.max_speed = true;
        if (auto err = parse_sim_faults(faults, o.faults)) {
            ADD_FAILURE() << *err;
        }
        sim_account_config a;
        a.api_key = "okxKey1";
        a.secret = secret_text("okxSecret1");
        a.passphrase = secret_text("okxPass1");
        a.balances = {{"USDT", *sim_decimal::parse("100000")},
                      {"UNI", *sim_decimal::parse("100000")}};
        o.accounts = {a};
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
    ~sim_fixture() {
        std::remove(capture.c_str());
        std::remove(instruments.c_str());
    }

    std::unique_ptr<okx_gateway> gateway(const std::string& secret = "okxSecret1",
                                         const std::string& passphrase = "okxPass1",
                                         std::chrono::milliseconds timeout = 3s) {
        gateway_options g =
            test::sim_gateway_options(*sim, venue_id{5}, journal_tag, timeout, clock, spec);
        g.ws_url = sim->url("ws_private");
        api_credentials c;
        c.api_key = "okxKey1";
        c.secret = secret_text(secret);
        c.passphrase = secret_text(passphrase);
        std::string error;
        auto gw = okx_gateway::create(g, c, error);
        EXPECT_TRUE(gw) << error;
        return gw;
    }

    /// The best price of a side of the sim's book, in ticks.
    price best(const char* side_key) const {
        boost::asio::io_context io;
        feed::http_client client(io, {});
        std::string body;
        bool done = false;
        client.get(sim->rest_url() + "/api/v5/market/books?instId=UNI-USDT&sz=5",
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
        EXPECT_EQ(e["data"].at(0)[side_key].at(0).at(0).get_string().get(px), simdjson::SUCCESS)
            << body;
        const auto r = spec.parse_price(px);
        EXPECT_TRUE(r.ok()) << px;
        return r.value;
    }

    test::test_clock clock{t0};
    instrument_spec spec = uni_usdt();
    std::string capture;
    std::string instruments;
    std::unique_ptr<sim_venue> sim;
};

order_request order(const instrument_spec& spec, std::uint64_t id, side s, order_tif tif, price px,
                    qty q) {
    return test::limit_order(spec, journal_tag, id, s, tif, px, q);
}

template <class Request> Request for_order(const instrument_spec& spec, std::uint64_t id) {
    Request r{};
    r.id = client_order_id{id};
    r.wire_id = make_wire_order_id(journal_tag, r.id);
    r.spec = &spec;
    return r;
}

const exec_report* wait_final(report_log& log, std::uint64_t id) {
    return log.wait([&](const exec_report& r) { return r.id.value == id && is_final(r.state); }, 5s,
                    true);
}

TEST(GatewayOkxSim, IocThatCrossesIsAckedFilledAndFinal) {
    sim_fixture f;
    auto g = f.gateway();
    g->start();
    report_log log(*g);
    expect_connected(log, *g);
    const price ask = f.best("asks");
    ASSERT_EQ(g->send(order(f.spec, 1, side::bid, order_tif::ioc, ask, qty(10))),
              gateway_status::ok);
    const exec_report* ack = log.wait_kind(exec_kind::ack, 1);
    ASSERT_TRUE(ack) << log.dump();
    EXPECT_NE(ack->send_tsc, 0u);
    ASSERT_TRUE(log.wait_kind(exec_kind::fill, 1)) << log.dump();
    ASSERT_TRUE(wait_final(log, 1)) << log.dump();
    std::int64_t filled = 0;
    std::int64_t cum = 0;
    for (const auto& r : log.seen) {
        if (r.kind == exec_kind::fill && r.id.value == 1) {
            filled += r.last_qty.value();
            cum = r.cum_qty.value();
            EXPECT_EQ(r.last_px, ask);
            EXPECT_GT(r.fee_quote, 0.0); // charged in UNI on a buy, valued in USDT
            EXPECT_NEAR(r.fee_quote, r.notional_quote * 0.001, 1e-9);
            EXPECT_FALSE(r.trade_id_view().empty());
        }
    }
    EXPECT_EQ(filled, cum);
    EXPECT_EQ(filled, 10) << log.dump(); // the best ask holds more than 10
    EXPECT_EQ(log.count(exec_kind::ack, 1), 1u) << log.dump();
    EXPECT_EQ(g->counters().foreign_reports.load(), 0u);
    EXPECT_EQ(g->counters().malformed.load(), 0u) << g->last_error();
}

TEST(GatewayOkxSim, RestingOrderIsAmendedCanceledAndUnknownIdIsNotFound) {
    sim_fixture f;
    auto g = f.gateway();
    g->start();
    report_log log(*g);
    expect_connected(log, *g);
    const price below = price(f.best("bids").value() - 50);
    ASSERT_EQ(g->send(order(f.spec, 2, side::bid, order_tif::gtc, below, qty(10))),
              gateway_status::ok);
    ASSERT_TRUE(log.wait_kind(exec_kind::ack, 2)) << log.dump();
    auto a = for_order<amend_request>(f.spec, 2);
    a.quantity = qty(7);
    ASSERT_EQ(g->amend(a), gateway_status::ok);
    ASSERT_TRUE(log.wait_kind(exec_kind::amended, 2)) << log.dump();
    const auto c = for_order<cancel_request>(f.spec, 2);
    ASSERT_EQ(g->cancel(c), gateway_status::ok);
    const exec_report* done = log.wait_kind(exec_kind::canceled, 2);
    ASSERT_TRUE(done) << log.dump();
    EXPECT_EQ(done->state, order_state::canceled);
    EXPECT_EQ(log.count(exec_kind::canceled, 2), 1u);
    // A second cancel of the same order: 51400.
    ASSERT_EQ(g->cancel(c), gateway_status::ok);
    const exec_report* rej = log.wait_kind(exec_kind::cancel_reject, 2);
    ASSERT_TRUE(rej) << log.dump();
    EXPECT_EQ(rej->venue_code, 51400);

    ASSERT_EQ(g->query(for_order<query_request>(f.spec, 99)), gateway_status::ok);
    const exec_report* nf = log.wait_kind(exec_kind::not_found, 99);
    ASSERT_TRUE(nf) << log.dump();
    EXPECT_EQ(nf->venue_code, 51603);

    // The same clOrdId while the first order is open: 51016, and the first order stays.
    ASSERT_EQ(g->send(order(f.spec, 3, side::bid, order_tif::gtc, below, qty(10))),
              gateway_status::ok);
    ASSERT_TRUE(log.wait_kind(exec_kind::ack, 3)) << log.dump();
    ASSERT_EQ(g->send(order(f.spec, 3, side::bid, order_tif::gtc, below, qty(10))),
              gateway_status::ok);
    const exec_report* dup = log.wait_kind(exec_kind::rejected, 3);
    ASSERT_TRUE(dup) << log.dump();
    EXPECT_EQ(dup->venue_code, 51016);

    // Reconciliation: the open order of ours, then the closing status with id 0.
    test::expect_reconciled(log, *g, timestamp_ns{(t0 - 60'000) * 1'000'000}, 3);
    EXPECT_EQ(g->counters().malformed.load(), 0u) << g->last_error();
}

TEST(GatewayOkxSim, QueryOfAFilledOrderBringsItsFills) {
    sim_fixture f;
    auto g = f.gateway();
    g->start();
    report_log log(*g);
    expect_connected(log, *g);
    const price bid = f.best("bids");
    ASSERT_EQ(g->send(order(f.spec, 4, side::ask, order_tif::ioc, bid, qty(5))),
              gateway_status::ok);
    ASSERT_TRUE(wait_final(log, 4)) << log.dump();
    ASSERT_EQ(g->send(order(f.spec, 5, side::ask, order_tif::ioc, bid, qty(3))),
              gateway_status::ok);
    ASSERT_TRUE(wait_final(log, 5)) << log.dump();
    ASSERT_EQ(g->query(for_order<query_request>(f.spec, 4)), gateway_status::ok);
    const exec_report* st = log.wait_kind(exec_kind::status, 4);
    ASSERT_TRUE(st) << log.dump();
    EXPECT_EQ(st->state, order_state::filled);
    EXPECT_EQ(st->cum_qty, qty(5));
    // The fills were seen on the channel already: the query's copy of order 4's trade is
    // dropped, and order 5's trade is not taken for one of order 4's.
    EXPECT_EQ(log.count(exec_kind::fill, 4), 1u) << log.dump();
    EXPECT_EQ(log.count(exec_kind::fill, 5), 1u) << log.dump();
    EXPECT_EQ(g->counters().duplicate_fills.load(), 1u);
}

TEST(GatewayOkxSim, ReconciliationAfterARestartBringsTheFillsSince) {
    sim_fixture f;
    const price ask = f.best("asks");
    {
        auto g = f.gateway();
        g->start();
        report_log log(*g);
        expect_connected(log, *g);
        ASSERT_EQ(g->send(order(f.spec, 13, side::bid, order_tif::ioc, ask, qty(4))),
                  gateway_status::ok);
        ASSERT_TRUE(wait_final(log, 13)) << log.dump();
    }
    // A new gateway (a restart): the fills since `since` come back, marked reconcile, then the
    // closing status; with `since` after the trade, none.
    for (const std::int64_t since_ms : {t0 - 1'000, t0 + 1'000}) {
        auto g = f.gateway();
        g->start();
        report_log log(*g);
        expect_connected(log, *g);
        ASSERT_EQ(g->reconcile(timestamp_ns{since_ms * 1'000'000}), gateway_status::ok);
        ASSERT_TRUE(log.wait([](const exec_report& r) {
            return r.reconcile && r.kind == exec_kind::status && r.id.value == 0;
        })) << log.dump();
        std::int64_t filled = 0;
        for (const auto& r : log.seen) {
            if (r.kind == exec_kind::fill && r.id.value == 13) {
                EXPECT_TRUE(r.reconcile);
                EXPECT_EQ(r.last_px, ask);
                EXPECT_GT(r.fee_quote, 0.0);
                filled += r.last_qty.value();
            }
        }
        EXPECT_EQ(filled, since_ms < t0 ? 4 : 0) << log.dump();
    }
}

TEST(GatewayOkxSim, WrongSecretOrPassphraseIsRefusedAtLogin) {
    sim_fixture f;
    struct bad_case {
        std::string secret;
        std::string passphrase;
        std::int64_t code;
        std::string_view reason;
    };
    for (const auto& c : {bad_case{"notTheSecret", "okxPass1", 60007, "Invalid sign"},
                          bad_case{"okxSecret1", "notThePass", 60024, "Wrong passphrase"}}) {
        auto g = f.gateway(c.secret, c.passphrase);
        g->start();
        report_log log(*g);
        const exec_report* down = log.wait_kind(exec_kind::disconnected, 0);
        ASSERT_TRUE(down) << log.dump();
        EXPECT_EQ(down->venue_code, c.code) << down->reason_view();
        EXPECT_NE(down->reason_view().find("login refused"), std::string_view::npos);
        EXPECT_NE(down->reason_view().find(c.reason), std::string_view::npos)
            << down->reason_view();
        EXPECT_FALSE(g->connected());
        EXPECT_EQ(g->send(order(f.spec, 5, side::bid, order_tif::ioc, price(1), qty(1))),
                  gateway_status::not_connected);
        for (const auto& r : log.seen) {
            EXPECT_EQ(r.reason_view().find(c.secret), std::string_view::npos);
            EXPECT_EQ(r.reason_view().find(c.passphrase), std::string_view::npos);
        }
    }
}

TEST(GatewayOkxSim, RateLimitBacksOffThenRecovers) {
    sim_fixture f("rate_limit:order=1");
    auto g = f.gateway();
    g->start();
    report_log log(*g);
    expect_connected(log, *g);
    const price below = price(f.best("bids").value() - 50);
    ASSERT_EQ(g->send(order(f.spec, 7, side::bid, order_tif::gtc, below, qty(10))),
              gateway_status::ok);
    const exec_report* rl = log.wait_kind(exec_kind::rate_limit, 0);
    ASSERT_TRUE(rl) << log.dump();
    EXPECT_EQ(rl->venue_code, 50011);
    EXPECT_GT(rl->retry_after_ns, 0);
    const exec_report* rej = log.wait_kind(exec_kind::rejected, 7);
    ASSERT_TRUE(rej) << log.dump(); // refused, not processed
    EXPECT_EQ(rej->venue_code, 50011);
    EXPECT_EQ(g->send(order(f.spec, 8, side::bid, order_tif::gtc, below, qty(10))),
              gateway_status::rate_limited);
    f.clock.offset_ns.fetch_add(rl->retry_after_ns + 1);
    ASSERT_EQ(g->send(order(f.spec, 8, side::bid, order_tif::gtc, below, qty(10))),
              gateway_status::ok);
    ASSERT_TRUE(log.wait_kind(exec_kind::ack, 8)) << log.dump();
    EXPECT_EQ(
        f.sim->new_order_requests(
            "okxKey1", std::string(make_wire_order_id(journal_tag, client_order_id{7}).view())),
        0u); // the rate-limited one never arrived
}

TEST(GatewayOkxSim, OwnOrderWindowRefusesTheSixtyFirstOrderInTwoSeconds) {
    sim_fixture f;
    auto g = f.gateway();
    g->start();
    report_log log(*g);
    expect_connected(log, *g);
    // The venue's window is 2 s of wall time; the test clock stands still inside one.
    f.clock.wall.store(t0 - t0 % 2000);
    const price below = price(f.best("bids").value() - 50);
    for (std::uint64_t i = 0; i < 60; ++i) {
        ASSERT_EQ(g->send(order(f.spec, 100 + i, side::bid, order_tif::gtc, below, qty(1))),
                  gateway_status::ok)
            << i;
    }
    EXPECT_EQ(g->send(order(f.spec, 200, side::bid, order_tif::gtc, below, qty(1))),
              gateway_status::rate_limited);
    f.clock.wall.store(t0 - t0 % 2000 + 2000);
    EXPECT_EQ(g->send(order(f.spec, 200, side::bid, order_tif::gtc, below, qty(1))),
              gateway_status::ok);
}

TEST(GatewayOkxSim, DroppedAckIsUnknownThenSettledByAQuery) {
    sim_fixture f("ack_drop:order=1");
    auto g = f.gateway("okxSecret1", "okxPass1", 300ms);
    g->start();
    report_log log(*g);
    expect_connected(log, *g);
    const price below = price(f.best("bids").value() - 50);
    ASSERT_EQ(g->send(order(f.spec, 9, side::bid, order_tif::gtc, below, qty(10))),
              gateway_status::ok);
    test::expect_unknown_then_settled(log, *g, *f.sim, "okxKey1", journal_tag, 9);
}

TEST(GatewayOkxSim, DuplicateReportsGiveOneFill) {
    sim_fixture f("report_dup:order=1");
    auto g = f.gateway();
    g->start();
    report_log log(*g);
    expect_connected(log, *g);
    const price ask = f.best("asks");
    ASSERT_EQ(g->send(order(f.spec, 10, side::bid, order_tif::ioc, ask, qty(10))),
              gateway_status::ok);
    ASSERT_TRUE(wait_final(log, 10)) << log.dump();
    test::expect_duplicates_dropped(log, *g, 10);
}

TEST(GatewayOkxSim, DelayedFillsFollowTheAck) {
    sim_fixture f("fill_delay:order=1:ms=1000");
    auto g = f.gateway();
    g->start();
    report_log log(*g);
    expect_connected(log, *g);
    ASSERT_EQ(g->send(order(f.spec, 12, side::bid, order_tif::ioc, f.best("asks"), qty(10))),
              gateway_status::ok);
    ASSERT_TRUE(log.wait_kind(exec_kind::ack, 12)) << log.dump();
    // The op's reply is the ack; the channel's fills come a second later.
    EXPECT_FALSE(log.wait_kind(exec_kind::fill, 12, 300ms)) << log.dump();
    const exec_report* fill = log.wait_kind(exec_kind::fill, 12);
    ASSERT_TRUE(fill) << log.dump();
    EXPECT_EQ(fill->cum_qty, qty(10));
    EXPECT_EQ(fill->state, order_state::filled);
}

TEST(GatewayOkxSim, ConnectionClosedInFlightIsUnknownThenQueriedAfterReconnect) {
    sim_fixture f("order_close:order=1");
    auto g = f.gateway();
    g->start();
    report_log log(*g);
    expect_connected(log, *g);
    const price below = price(f.best("bids").value() - 50);
    ASSERT_EQ(g->send(order(f.spec, 11, side::bid, order_tif::gtc, below, qty(10))),
              gateway_status::ok);
    test::expect_lost_in_flight_then_queried(log, *g, 11);
}

/// One raw connection to the sim's private WebSocket: what a client other than our gateway sees.
struct raw_private {
    explicit raw_private(const sim_fixture& f) {
        link.on_frame = [this](std::string_view t) { frames.emplace_back(t); };
        EXPECT_FALSE(link.configure(f.sim->url("ws_private"), ""));
        link.open(io);
        EXPECT_TRUE(test::run_until(
            io, [&] { return link.is_open(); }, 10s));
    }
    /// Sends and returns the next frame (empty after 5 s without one).
    std::string ask(std::string_view text) {
        link.send(text);
        return next();
    }
    std::string next() {
        const std::size_t before = taken;
        if (!test::run_until(
                io, [&] { return frames.size() > before; }, 5s)) {
            return {};
        }
        return frames[taken++];
    }
    boost::asio::io_context io;
    gateway_link link;
    std::vector<std::string> frames;
    std::size_t taken = 0;
};

std::string field_of(const std::string& json, std::string_view key) {
    simdjson::dom::parser p;
    simdjson::dom::element e;
    if (p.parse(json).get(e) != simdjson::SUCCESS) {
        return "not json: " + json;
    }
    return std::string(json_text(e, key));
}

TEST(GatewayOkxSim, PrivateStreamLoginErrorsOpsAndBatches) {
    sim_fixture f;
    raw_private c(f);
    EXPECT_EQ(c.ask("ping"), "pong");
    const std::string op =
        R"({"id":"7","op":"order","args":[{"instId":"UNI-USDT","tdMode":"cash","side":"buy",)"
        R"("ordType":"limit","px":"1","sz":"1","clOrdId":"r1"}]})";
    EXPECT_EQ(field_of(c.ask(op), "code"), "60011"); // please log in
    const auto login = [&](std::string_view key, std::string_view pass, std::string ts,
                           std::string_view secret) {
        return okx_request_encoder::login(key, pass, secret, ts);
    };
    const std::string now_s = std::to_string(t0 / 1000);
    EXPECT_EQ(field_of(c.ask(login("noSuchKey", "okxPass1", now_s, "okxSecret1")), "code"),
              "60005");
    EXPECT_EQ(field_of(c.ask(login("okxKey1", "okxPass1", "soon", "okxSecret1")), "code"), "60004");
    EXPECT_EQ(
        field_of(c.ask(login("okxKey1", "okxPass1", std::to_string(t0 / 1000 - 31), "okxSecret1")),
                 "code"),
        "60006");
    EXPECT_EQ(field_of(c.ask(R"({"op":"login","args":[{"apiKey":"okxKey1"}]})"), "code"), "60012");
    const std::string ok = c.ask(login("okxKey1", "okxPass1", now_s, "okxSecret1"));
    EXPECT_EQ(field_of(ok, "event"), "login") << ok;
    EXPECT_EQ(field_of(ok, "code"), "0") << ok;
    EXPECT_EQ(
        field_of(c.ask(R"({"op":"subscribe","args":[{"channel":"orders","instType":"ANY"}]})"),
                 "event"),
        "subscribe");
    EXPECT_EQ(field_of(c.ask(R"({"id":"8","op":"fly","args":[{}]})"), "code"), "60019");

    // Two orders with one clOrdId in a batch: the first rests, the second is 51016; code "2".
    const std::string order_arg = R"({"instId":"UNI-USDT","tdMode":"cash","side":"buy",)"
                                  R"("ordType":"limit","px":"1","sz":"1","clOrdId":"r2"})";
    const std::string reply =
        c.ask(R"({"id":"9","op":"batch-orders","args":[)" + order_arg + "," + order_arg + "]}");
    EXPECT_EQ(field_of(reply, "id"), "9") << reply;
    EXPECT_EQ(field_of(reply, "code"), "2") << reply;
    EXPECT_NE(reply.find(R"("sCode":"0")"), std::string::npos) << reply;
    EXPECT_NE(reply.find(R"("sCode":"51016")"), std::string::npos) << reply;
    // The orders channel: the resting order, live, nothing filled.
    const std::string push = c.next();
    EXPECT_NE(push.find(R"("channel":"orders")"), std::string::npos) << push;
    EXPECT_NE(push.find(R"("clOrdId":"r2")"), std::string::npos) << push;
    EXPECT_NE(push.find(R"("state":"live")"), std::string::npos) << push;
    EXPECT_NE(push.find(R"("accFillSz":"0")"), std::string::npos) << push;
    // A one-order op with two args is refused as a whole.
    EXPECT_EQ(
        field_of(c.ask(R"({"id":"10","op":"order","args":[)" + order_arg + "," + order_arg + "]}"),
                 "code"),
        "60013");
    EXPECT_EQ(f.sim->new_order_requests("okxKey1", "r2"), 2u);
}

} // namespace
} // namespace ballast::exec
