// The Bybit gateway end to end against the in-process sim-venue (WebSocket trade stream
// /v5/trade, private stream /v5/private, REST queries) over the capture's BTCUSDT spot book:
// IOC fills equal the venue's trades, resting order and cancel, amend, queries, duplicate
// orderLinkId, wrong secret and expired auth, and each order fault (rate limit, dropped ack,
// duplicate reports, connection closed in flight). Every wait is a poll loop with a deadline.
#include "exec/gateway_bybit.hpp"
#include "exec/sim_venue.hpp"
#include "feed/http_client.hpp"

#include "../feed/asio_test_util.hpp"
#include "gateway_sim_harness.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace ballast::exec {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t t0 = 1633998600000; // the venue's and the gateway's wall clock
constexpr std::uint64_t journal_tag = 0xb7b1;
constexpr const char* api_key = "bybitKey1";
constexpr const char* api_secret = "bybitSecret1";

/// A GET against the sim's REST port; the parsed body (kept alive by the parser).
simdjson::dom::element rest_get(simdjson::dom::parser& p, const std::string& url) {
    boost::asio::io_context io;
    feed::http_client client(io, {});
    std::string body;
    bool done = false;
    client.get(url, [&](feed::http_response r) {
        body = r.body;
        done = true;
    });
    EXPECT_TRUE(test::run_until(
        io, [&] { return done; }, 10s));
    simdjson::dom::element e;
    EXPECT_EQ(p.parse(body).get(e), simdjson::SUCCESS) << body;
    return e;
}

struct sim_fixture {
    explicit sim_fixture(const std::string& faults = "") {
        sim_account_config a;
        a.api_key = api_key;
        a.secret = secret_text(api_secret);
        a.balances = {{"USDT", *sim_decimal::parse("1000000")}, {"BTC", *sim_decimal::parse("10")}};
        sim = test::start_trading_sim("bybit", "bybit/BYBIT.jsonl", faults, {a},
                                      [this] { return venue_now.load(); });
        // The spot instrument as the venue lists it ("Get Instruments Info").
        simdjson::dom::parser p;
        const auto info = rest_get(p, base("http") + "/v5/market/instruments-info?category=spot");
        for (simdjson::dom::element i : info["result"]["list"].get_array()) {
            if (std::string_view(i["symbol"].get_string().value()) != "BTCUSDT") {
                continue;
            }
            spec.venue = "bybit";
            spec.symbol = "BTCUSDT";
            spec.base = "BTC";
            spec.quote = "USDT";
            const auto tick = parse_step(i["priceFilter"]["tickSize"].get_string().value());
            const auto lot = parse_step(i["lotSizeFilter"]["basePrecision"].get_string().value());
            EXPECT_TRUE(tick.ok() && lot.ok());
            spec.tick = tick.value;
            spec.lot = lot.value;
        }
        EXPECT_EQ(spec.symbol, "BTCUSDT");
    }

    std::string base(std::string_view scheme) const {
        return std::string(scheme) + "://127.0.0.1:" + std::to_string(sim->port());
    }

    std::unique_ptr<bybit_gateway> gateway(const std::string& secret = api_secret,
                                           std::chrono::milliseconds timeout = 3s,
                                           bool spin = false, int cpu = -1) {
        gateway_options g =
            test::sim_gateway_options(*sim, venue_id{9}, journal_tag, timeout, clock, spec);
        g.spin = spin;
        g.cpu = cpu;
        g.ws_url = sim->url("ws_trade");
        g.ws_private_url = sim->url("ws_private");
        api_credentials c;
        c.api_key = api_key;
        c.secret = secret_text(secret);
        std::string error;
        auto gw = bybit_gateway::create(g, c, error);
        EXPECT_TRUE(gw) << error;
        return gw;
    }

    /// The best price of a side ("a" or "b") of the sim's spot book, in ticks.
    price best(const char* side_key) const {
        simdjson::dom::parser p;
        const auto e =
            rest_get(p, base("http") + "/v5/market/orderbook?category=spot&symbol=BTCUSDT&limit=1");
        std::string_view px;
        EXPECT_EQ(e["result"][side_key].at(0).at(0).get_string().get(px), simdjson::SUCCESS);
        const auto r = spec.parse_price(px);
        EXPECT_TRUE(r.ok()) << px;
        return r.value;
    }

    test::test_clock clock{t0};              ///< the gateway's
    std::atomic<std::int64_t> venue_now{t0}; ///< the venue's
    instrument_spec spec;
    std::unique_ptr<sim_venue> sim;
};

using test::expect_connected;
using test::report_log;

order_request order(const instrument_spec& spec, std::uint64_t id, side s, order_tif tif, price px,
                    qty q) {
    return test::limit_order(spec, journal_tag, id, s, tif, px, q);
}

/// `text` with the first `from` replaced by `to`.
std::string replace_first(std::string text, std::string_view from, std::string_view to) {
    const auto at = text.find(from);
    if (at != std::string::npos) {
        text.replace(at, from.size(), to);
    }
    return text;
}

std::string wire(std::uint64_t id) {
    return std::string(make_wire_order_id(journal_tag, client_order_id{id}).view());
}

/// 0.001 BTC in the spec's lots.
qty small_qty(const instrument_spec& spec) {
    const auto q = spec.parse_qty("0.001");
    EXPECT_TRUE(q.ok());
    return q.value;
}

/// Waits until the order is final in the reports seen so far or later.
void expect_final(report_log& log, std::uint64_t id) {
    ASSERT_TRUE(log.wait(
        [&](const exec_report& r) { return r.id.value == id && is_final(r.state); }, 5s, true))
        << log.dump();
}

/// The gateway's fills of an order: trade id -> (qty in lots, price in ticks).
std::vector<std::tuple<std::string, std::int64_t, std::int64_t>> fills_of(const report_log& log,
                                                                          std::uint64_t id) {
    std::vector<std::tuple<std::string, std::int64_t, std::int64_t>> out;
    for (const auto& r : log.seen) {
        if (r.kind == exec_kind::fill && r.id.value == id) {
            out.emplace_back(std::string(r.trade_id_view()), r.last_qty.value(), r.last_px.value());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

/// The venue's trades of an order (/ballast/account), in the same form.
std::vector<std::tuple<std::string, std::int64_t, std::int64_t>> venue_trades(sim_fixture& f,
                                                                              std::uint64_t id) {
    simdjson::dom::parser p;
    simdjson::dom::element acc;
    const std::string text = f.sim->account_json(api_key);
    EXPECT_EQ(p.parse(text).get(acc), simdjson::SUCCESS) << text;
    std::vector<std::tuple<std::string, std::int64_t, std::int64_t>> out;
    for (simdjson::dom::element t : acc["trades"].get_array()) {
        if (std::string_view(t["client_id"].get_string().value()) != wire(id)) {
            continue;
        }
        std::string trade_id;
        std::string_view s;
        if (!t["trade_id"].get(s)) {
            trade_id = std::string(s);
        } else {
            trade_id = simdjson::minify(t["trade_id"]);
        }
        const auto q = f.spec.parse_qty(t["qty"].get_string().value());
        const auto px = f.spec.parse_price(t["price"].get_string().value());
        EXPECT_TRUE(q.ok() && px.ok()) << text;
        out.emplace_back(trade_id, q.value.value(), px.value.value());
    }
    std::sort(out.begin(), out.end());
    return out;
}

/// The sum of an order's fills and the last cumulative quantity reported with them.
std::pair<std::int64_t, std::int64_t> filled_and_cum(const report_log& log, std::uint64_t id) {
    std::int64_t filled = 0;
    std::int64_t cum = 0;
    for (const auto& r : log.seen) {
        if (r.kind == exec_kind::fill && r.id.value == id) {
            filled += r.last_qty.value();
            cum = r.cum_qty.value();
        }
    }
    return {filled, cum};
}

/// A sim-venue and a started gateway on it, with the gateway's reports.
struct trading {
    explicit trading(const std::string& faults = "", const std::string& secret = api_secret,
                     std::chrono::milliseconds timeout = 3s, std::int64_t gateway_wall = t0)
        : f(faults), g(f.gateway(secret, timeout)), log(*g) {
        f.clock.wall = gateway_wall;
        g->start();
    }
    /// A GTC buy of 0.001 500 ticks below the best bid: it rests.
    order_request resting(std::uint64_t id) const {
        return order(f.spec, id, side::bid, order_tif::gtc, price(f.best("b").value() - 500),
                     small_qty(f.spec));
    }
    /// An IOC buy of 0.001 at the best ask: it fills.
    order_request crossing(std::uint64_t id) const {
        return order(f.spec, id, side::bid, order_tif::ioc, f.best("a"), small_qty(f.spec));
    }
    template <class Request> Request about(std::uint64_t id) const {
        Request r{};
        r.id = client_order_id{id};
        r.wire_id = make_wire_order_id(journal_tag, r.id);
        r.spec = &f.spec;
        return r;
    }
    /// The session went down at auth: its reason.
    std::string refused_at_auth() {
        const exec_report* down = log.wait_kind(exec_kind::disconnected, 0);
        EXPECT_TRUE(down) << log.dump();
        EXPECT_FALSE(g->connected());
        return down == nullptr ? std::string() : std::string(down->reason_view());
    }
    sim_fixture f;
    std::unique_ptr<bybit_gateway> g;
    report_log log;
};

TEST(GatewayBybitSim, IocThatCrossesIsAckedFilledAndFinalAndItsFillsAreTheVenuesTrades) {
    trading t;
    auto& log = t.log;
    expect_connected(log, *t.g);
    const order_request o = t.crossing(1);
    ASSERT_EQ(t.g->send(o), gateway_status::ok);
    const exec_report* ack = log.wait_kind(exec_kind::ack, 1);
    ASSERT_TRUE(ack) << log.dump();
    EXPECT_NE(ack->send_tsc, 0u);
    ASSERT_TRUE(log.wait_kind(exec_kind::fill, 1)) << log.dump();
    expect_final(log, 1);
    log.drain(200ms); // what is left
    for (const auto& r : log.seen) {
        if (r.kind == exec_kind::fill && r.id.value == 1) {
            EXPECT_EQ(r.last_px, o.limit);
            EXPECT_GT(r.fee_quote, 0.0); // the buy pays its fee in BTC, valued in USDT
        }
    }
    const auto [filled, cum] = filled_and_cum(log, 1);
    EXPECT_EQ(filled, cum);
    EXPECT_EQ(filled, o.quantity.value());
    const auto venue = venue_trades(t.f, 1);
    EXPECT_FALSE(venue.empty());
    EXPECT_EQ(fills_of(log, 1), venue) << log.dump() << t.f.sim->account_json(api_key);
    EXPECT_EQ(log.count(exec_kind::ack, 1), 1u) << log.dump();
    EXPECT_EQ(t.g->counters().foreign_reports.load(), 0u);
    EXPECT_EQ(t.g->counters().malformed.load(), 0u) << t.g->last_error();

    // The same orderLinkId again: the venue remembers it (110072), the order is refused.
    ASSERT_EQ(t.g->send(o), gateway_status::ok);
    const exec_report* dup = log.wait_kind(exec_kind::rejected, 1);
    ASSERT_TRUE(dup) << log.dump();
    EXPECT_EQ(dup->venue_code, 110072);
    EXPECT_NE(dup->reason_view().find("duplicate"), std::string_view::npos) << dup->reason_view();
}

TEST(GatewayBybitSim, ASpinningPinnedIOThreadTradesAndAForbiddenCoreIsRefused) {
    // The I/O thread polls without sleeping: the engine's send makes no wake-up call, and the
    // order still goes out, is acknowledged, filled and final.
    sim_fixture f;
    auto g = f.gateway(api_secret, 3s, true, 0);
    report_log log(*g);
    ASSERT_FALSE(g->start().has_value());
    expect_connected(log, *g);
    const order_request o =
        order(f.spec, 1, side::bid, order_tif::ioc, f.best("a"), small_qty(f.spec));
    ASSERT_EQ(g->send(o), gateway_status::ok);
    const exec_report* ack = log.wait_kind(exec_kind::ack, 1);
    ASSERT_TRUE(ack) << log.dump();
    EXPECT_NE(ack->send_tsc, 0u);
    ASSERT_TRUE(log.wait_kind(exec_kind::fill, 1)) << log.dump();
    expect_final(log, 1);
    g->stop();

    // A core this process may not run on: start says so, and the thread is stopped again.
    auto h = f.gateway(api_secret, 3s, true, 1023);
    const auto err = h->start();
    ASSERT_TRUE(err.has_value());
    EXPECT_NE(err->find("1023"), std::string::npos) << *err;
    EXPECT_FALSE(h->connected());
}

TEST(GatewayBybitSim, QueryOfAFilledOrderBringsItsExecutions) {
    // After a crash or a disconnect the private stream's fills may be gone: a query with
    // executed quantity asks the order's executions too (each booked once by the engine).
    trading t;
    auto& log = t.log;
    expect_connected(log, *t.g);
    ASSERT_EQ(t.g->send(t.crossing(20)), gateway_status::ok);
    expect_final(log, 20);
    ASSERT_EQ(t.g->query(t.about<query_request>(20)), gateway_status::ok);
    const exec_report* st = log.wait_kind(exec_kind::status, 20);
    ASSERT_TRUE(st) << log.dump();
    EXPECT_GT(st->cum_qty.value(), 0);
    const auto venue = venue_trades(t.f, 20);
    ASSERT_FALSE(venue.empty());
    std::vector<std::tuple<std::string, std::int64_t, std::int64_t>> asked;
    ASSERT_TRUE(test::wait_until([&] {
        (void)log.wait([](const exec_report&) { return false; }, 20ms);
        asked.clear();
        for (const auto& r : log.seen) {
            if (r.kind == exec_kind::fill && r.id.value == 20 && r.reconcile) {
                asked.emplace_back(std::string(r.trade_id_view()), r.last_qty.value(),
                                   r.last_px.value());
            }
        }
        return asked.size() >= venue.size();
    })) << log.dump();
    std::sort(asked.begin(), asked.end());
    EXPECT_EQ(asked, venue) << log.dump();
    EXPECT_EQ(t.g->counters().malformed.load(), 0u) << t.g->last_error();
}

TEST(GatewayBybitSim, IocAcrossLevelsFillsEachAndCancelsTheRestAndASellPaysItsFeeInQuote) {
    trading t;
    auto& log = t.log;
    const auto& spec = t.f.spec;
    expect_connected(log, *t.g);
    // More than the first three ask levels hold, limited at the third.
    simdjson::dom::parser p;
    const auto book =
        rest_get(p, t.f.base("http") + "/v5/market/orderbook?category=spot&symbol=BTCUSDT&limit=3");
    std::int64_t available = 0;
    price limit{0};
    for (simdjson::dom::element level : book["result"]["a"].get_array()) {
        const auto px = spec.parse_price(level.at(0).get_string().value());
        const auto sz = spec.parse_qty(level.at(1).get_string().value());
        ASSERT_TRUE(px.ok() && sz.ok());
        available += sz.value.value();
        limit = px.value;
    }
    const price ask = t.f.best("a");
    const qty wanted = qty(available + small_qty(spec).value());
    ASSERT_EQ(t.g->send(order(spec, 30, side::bid, order_tif::ioc, limit, wanted)),
              gateway_status::ok);
    expect_final(log, 30);
    log.drain(200ms); // what is left
    const auto fills = fills_of(log, 30);
    EXPECT_EQ(fills, venue_trades(t.f, 30)) << log.dump();
    EXPECT_EQ(fills.size(), 3u) << log.dump();
    for (const auto& [id, lots, px] : fills) {
        EXPECT_GE(px, ask.value());
        EXPECT_LE(px, limit.value());
    }
    EXPECT_EQ(filled_and_cum(log, 30).first, available) << log.dump();
    ASSERT_EQ(log.count(exec_kind::canceled, 30), 1u) << log.dump();
    const exec_report* end = log.wait(
        [](const exec_report& r) { return r.kind == exec_kind::canceled && r.id.value == 30; }, 0ms,
        true);
    ASSERT_TRUE(end);
    EXPECT_EQ(end->cum_qty.value(), available); // PartiallyFilledCanceled: what was filled

    const price bid = t.f.best("b");
    ASSERT_EQ(t.g->send(order(spec, 31, side::ask, order_tif::ioc, bid, small_qty(spec))),
              gateway_status::ok);
    const exec_report* sold = log.wait_kind(exec_kind::fill, 31);
    ASSERT_TRUE(sold) << log.dump();
    EXPECT_EQ(sold->last_px, bid);
    // 0.1% of 0.001 x bid, in USDT.
    EXPECT_NEAR(sold->fee_quote, 0.001 * spec.to_double(bid) * 0.001, 1e-9);
    expect_final(log, 31);
}

TEST(GatewayBybitSim, RestingOrderIsAmendedThenCanceledAndUnknownIdIsNotFound) {
    trading t;
    auto& log = t.log;
    expect_connected(log, *t.g);
    const order_request o = t.resting(2);
    ASSERT_EQ(t.g->send(o), gateway_status::ok);
    ASSERT_TRUE(log.wait_kind(exec_kind::ack, 2)) << log.dump();

    auto a = t.about<amend_request>(2);
    a.limit = price(o.limit.value() - 100);
    ASSERT_EQ(t.g->amend(a), gateway_status::ok);
    ASSERT_TRUE(log.wait_kind(exec_kind::amended, 2)) << log.dump();
    const std::string acc = t.f.sim->account_json(api_key); // the venue's view of the order
    EXPECT_NE(acc.find("\"price\":\"" + t.f.spec.format_price(a.limit) + "\""), std::string::npos)
        << acc;

    const auto c = t.about<cancel_request>(2);
    ASSERT_EQ(t.g->cancel(c), gateway_status::ok);
    const exec_report* done = log.wait_kind(exec_kind::canceled, 2);
    ASSERT_TRUE(done) << log.dump();
    EXPECT_EQ(done->state, order_state::canceled);
    EXPECT_EQ(log.count(exec_kind::canceled, 2), 1u);
    // A second cancel of the same order: the venue refuses it.
    ASSERT_EQ(t.g->cancel(c), gateway_status::ok);
    const exec_report* rej = log.wait_kind(exec_kind::cancel_reject, 2);
    ASSERT_TRUE(rej) << log.dump();
    EXPECT_EQ(rej->venue_code, 170213);

    ASSERT_EQ(t.g->query(t.about<query_request>(99)), gateway_status::ok);
    ASSERT_TRUE(log.wait_kind(exec_kind::not_found, 99)) << log.dump();

    // Reconciliation: an open order of ours, then the closing status with id 0.
    ASSERT_EQ(t.g->send(t.resting(3)), gateway_status::ok);
    ASSERT_TRUE(log.wait_kind(exec_kind::ack, 3)) << log.dump();
    test::expect_reconciled(log, *t.g, timestamp_ns{t0 * 1'000'000 - 60'000'000'000}, 3);
}

TEST(GatewayBybitSim, WrongSecretIsRefusedAtAuthWithTheVenuesReason) {
    trading t("", "notTheSecret");
    const std::string why = t.refused_at_auth();
    EXPECT_NE(why.find("auth refused"), std::string::npos) << why;
    // The trade stream's 10004 or the private stream's signature failure, whichever came first.
    EXPECT_TRUE(why.find("Error sign") != std::string::npos ||
                why.find("signature verification failed") != std::string::npos)
        << why;
    EXPECT_EQ(
        t.g->send(order(t.f.spec, 4, side::bid, order_tif::ioc, price(1), small_qty(t.f.spec))),
        gateway_status::not_connected);
    for (const auto& r : t.log.seen) {
        EXPECT_EQ(r.reason_view().find("notTheSecret"), std::string_view::npos);
    }
}

TEST(GatewayBybitSim, ExpiredAuthIsRefused) {
    // The gateway's clock a minute behind the venue's: its auth expires in the past.
    trading t("", api_secret, 3s, t0 - 60'000);
    const std::string why = t.refused_at_auth();
    EXPECT_NE(why.find("auth refused"), std::string::npos) << why;
    EXPECT_NE(why.find("Params Error"), std::string::npos) << why;
}

TEST(GatewayBybitSim, StaleRequestTimestampIsRefusedWithTheVenuesCode) {
    trading t;
    auto& log = t.log;
    expect_connected(log, *t.g);
    // Six seconds behind the venue: outside the default 5000 ms receive window.
    t.f.clock.wall = t0 - 6'000;
    ASSERT_EQ(t.g->send(t.resting(12)), gateway_status::ok);
    const exec_report* rej = log.wait_kind(exec_kind::rejected, 12);
    ASSERT_TRUE(rej) << log.dump();
    EXPECT_EQ(rej->venue_code, 10002);
    EXPECT_NE(rej->reason_view().find("recv_window"), std::string_view::npos) << rej->reason_view();
    EXPECT_EQ(t.f.sim->new_order_requests(api_key, wire(12)), 0u);
}

TEST(GatewayBybitSim, DelayedFillsArriveAfterTheAck) {
    trading t("fill_delay:order=1:ms=1000");
    auto& log = t.log;
    expect_connected(log, *t.g);
    ASSERT_EQ(t.g->send(t.crossing(13)), gateway_status::ok);
    ASSERT_TRUE(log.wait_kind(exec_kind::ack, 13)) << log.dump();
    EXPECT_EQ(log.count(exec_kind::fill, 13), 0u) << log.dump();
    ASSERT_TRUE(log.wait_kind(exec_kind::fill, 13)) << log.dump();
    expect_final(log, 13);
    EXPECT_EQ(fills_of(log, 13), venue_trades(t.f, 13)) << log.dump();
}

TEST(GatewayBybitSim, RateLimitBacksOffThenRecovers) {
    trading t("rate_limit:order=1");
    auto& log = t.log;
    expect_connected(log, *t.g);
    ASSERT_EQ(t.g->send(t.resting(7)), gateway_status::ok);
    const exec_report* rl = log.wait_kind(exec_kind::rate_limit, 0);
    ASSERT_TRUE(rl) << log.dump();
    EXPECT_EQ(rl->venue_code, 10006);
    EXPECT_GT(rl->retry_after_ns, 0);
    const exec_report* rej = log.wait_kind(exec_kind::rejected, 7);
    ASSERT_TRUE(rej) << log.dump(); // refused, not processed
    EXPECT_EQ(rej->venue_code, 10006);
    EXPECT_EQ(t.f.sim->new_order_requests(api_key, wire(7)), 0u);
    EXPECT_EQ(t.g->send(t.resting(8)), gateway_status::rate_limited);
    // The back-off passes and the venue's window resets (a second goes by on every clock):
    // sending works again.
    t.f.clock.offset_ns.fetch_add(rl->retry_after_ns + 1);
    t.f.clock.wall += 1000;
    t.f.venue_now += 1000;
    ASSERT_EQ(t.g->send(t.resting(8)), gateway_status::ok);
    ASSERT_TRUE(log.wait_kind(exec_kind::ack, 8)) << log.dump();
}

TEST(GatewayBybitSim, DroppedAckIsUnknownThenSettledByAQuery) {
    trading t("ack_drop:order=1", api_secret, 300ms);
    auto& log = t.log;
    expect_connected(log, *t.g);
    ASSERT_EQ(t.g->send(t.resting(9)), gateway_status::ok);
    // The private stream's "New" may ack the order before the timeout; either way the trade
    // stream's reply never comes, so the outcome is unknown and a query settles it.
    test::expect_unknown_then_settled(log, *t.g, *t.f.sim, api_key, journal_tag, 9);
}

TEST(GatewayBybitSim, DuplicateReportsGiveOneFill) {
    trading t("report_dup:order=1");
    auto& log = t.log;
    expect_connected(log, *t.g);
    ASSERT_EQ(t.g->send(t.crossing(10)), gateway_status::ok);
    expect_final(log, 10);
    // Let the duplicates arrive: wait until the gateway has counted them.
    EXPECT_TRUE(test::wait_until([&] { return t.g->counters().duplicate_fills.load() > 0; }));
    log.drain(200ms); // what is left
    const auto [filled, cum] = filled_and_cum(log, 10);
    EXPECT_EQ(filled, cum) << log.dump();
    EXPECT_EQ(fills_of(log, 10), venue_trades(t.f, 10)) << log.dump();
    EXPECT_EQ(log.count(exec_kind::ack, 10), 1u) << log.dump();
}

TEST(GatewayBybitSim, ConnectionClosedInFlightIsUnknownThenQueriedAfterReconnect) {
    trading t("order_close:order=1");
    auto& log = t.log;
    expect_connected(log, *t.g);
    ASSERT_EQ(t.g->send(t.resting(11)), gateway_status::ok);
    test::expect_lost_in_flight_then_queried(log, *t.g, 11);
    EXPECT_EQ(t.f.sim->new_order_requests(api_key, wire(11)), 1u);
}

/// A bare WebSocket client of the sim (the gateway's own link): what one request gets back.
struct raw_ws {
    explicit raw_ws(const std::string& url) {
        EXPECT_FALSE(link.configure(url, ""));
        link.on_open = [this] { up = true; };
        link.on_frame = [this](std::string_view t) { frames.emplace_back(t); };
        link.on_closed = [this](std::string_view) { up = false; };
        link.open(io);
        EXPECT_TRUE(test::run_until(
            io, [this] { return up; }, 10s));
    }
    ~raw_ws() { link.close(); }
    /// The first message after sending `text`; empty when none came in time.
    std::string ask(const std::string& text) {
        const std::size_t n = frames.size();
        link.send(text);
        (void)test::run_until(
            io, [&] { return frames.size() > n; }, 5s);
        return frames.size() > n ? frames[n] : std::string();
    }
    boost::asio::io_context io;
    gateway_link link;
    std::deque<std::string> frames;
    bool up = false;
};

std::string ws_auth(std::int64_t expires, const std::string& secret = api_secret) {
    return R"({"op":"auth","args":[")" + std::string(api_key) + R"(",)" + std::to_string(expires) +
           R"(,")" + bybit_ws_signature(secret, std::to_string(expires)) + R"("]})";
}

bool has(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

TEST(SimVenueBybitWs, TradeStreamAnswersBadRequestsWithTheVenuesCodes) {
    sim_fixture f;
    raw_ws ws(f.sim->url("ws_trade"));
    const std::string ts = std::to_string(t0);
    const std::string header = R"("header":{"X-BAPI-TIMESTAMP":")" + ts + R"("})";
    const std::string create =
        R"({"reqId":"r1",)" + header +
        R"(,"op":"order.create","args":[{"category":"spot","symbol":"BTCUSDT","side":"Buy",)"
        R"("orderType":"Limit","qty":"0.001","price":"60000","orderLinkId":"raw1"}]})";
    EXPECT_TRUE(has(ws.ask("not json"), R"("retCode":10001)"));
    std::string r = ws.ask(create); // before auth
    EXPECT_TRUE(has(r, R"("retCode":10001)") && has(r, "not authorized")) << r;
    EXPECT_TRUE(has(r, R"("reqId":"r1")")) << r;
    r = ws.ask(R"({"op":"auth","args":["x"]})");
    EXPECT_TRUE(has(r, R"("retCode":10001)") && has(r, R"("op":"auth")")) << r;
    r = ws.ask(ws_auth(t0 + 5000, "wrong"));
    EXPECT_TRUE(has(r, R"("retCode":10004)")) << r;
    r = ws.ask(ws_auth(t0 - 1));
    EXPECT_TRUE(has(r, R"("retCode":10002)")) << r;
    r = ws.ask(ws_auth(t0 + 5000));
    EXPECT_TRUE(has(r, R"("retCode":0)") && has(r, R"("connId":"sim-)")) << r;
    r = ws.ask(ws_auth(t0 + 5000));
    EXPECT_TRUE(has(r, R"("retCode":20001)")) << r;
    r = ws.ask(R"({"op":"ping"})");
    EXPECT_TRUE(has(r, R"("op":"pong")")) << r;
    r = ws.ask(R"({"reqId":"r2","op":"order.replace","args":[]})");
    EXPECT_TRUE(has(r, R"("retCode":10404)")) << r;
    r = ws.ask(R"({"reqId":"r3","op":"order.create","args":[{"category":"spot"}]})");
    EXPECT_TRUE(has(r, R"("retCode":10001)") && has(r, "X-BAPI-TIMESTAMP")) << r;
    r = ws.ask(R"({"reqId":"r4",)" + header + R"(,"op":"order.create","args":[]})");
    EXPECT_TRUE(has(r, R"("retCode":10001)") && has(r, "args")) << r;
    r = ws.ask(R"({"reqId":"r5",)" + header +
               R"(,"op":"order.create","args":[{"category":"spot","symbol":"NOPEUSDT"}]})");
    EXPECT_TRUE(has(r, R"("retCode":10001)") && has(r, "symbol")) << r;
    r = ws.ask(replace_first(create, "r1", "r6"));
    EXPECT_TRUE(has(r, R"("retCode":0)") && has(r, R"("orderLinkId":"raw1")")) << r;
    EXPECT_TRUE(has(r, R"("X-Bapi-Limit-Status":")")) << r;
    r = ws.ask(replace_first(create, "r1", "r6")); // the same reqId again
    EXPECT_TRUE(has(r, R"("retCode":20006)")) << r;
    r = ws.ask(replace_first(create, "r1", "r7")); // the same orderLinkId again
    EXPECT_TRUE(has(r, R"("retCode":110072)")) << r;
    EXPECT_EQ(f.sim->new_order_requests(api_key, "raw1"), 2u);
}

TEST(SimVenueBybitWs, PrivateStreamNeedsAuthAndKnownTopics) {
    sim_fixture f;
    raw_ws ws(f.sim->url("ws_private"));
    std::string r = ws.ask(R"({"req_id":"s1","op":"subscribe","args":["order"]})");
    EXPECT_TRUE(has(r, R"("success":false)") && has(r, "not authorized")) << r;
    EXPECT_TRUE(has(r, R"("req_id":"s1")")) << r;
    r = ws.ask(ws_auth(t0 - 1));
    EXPECT_TRUE(has(r, R"("success":false)") && has(r, "Params Error")) << r;
    r = ws.ask(ws_auth(t0 + 5000, "wrong"));
    EXPECT_TRUE(has(r, R"("success":false)") && has(r, "signature")) << r;
    r = ws.ask(ws_auth(t0 + 5000));
    EXPECT_TRUE(has(r, R"("success":true)") && has(r, R"("op":"auth")")) << r;
    r = ws.ask(R"({"op":"subscribe","args":["orderbook.1.BTCUSDT"]})");
    EXPECT_TRUE(has(r, R"("success":false)") && has(r, "orderbook.1.BTCUSDT")) << r;
    r = ws.ask(R"({"op":"subscribe","args":["execution.spot","order"]})");
    EXPECT_TRUE(has(r, R"("success":true)")) << r;
    r = ws.ask(R"({"req_id":"p","op":"ping"})");
    EXPECT_TRUE(has(r, R"("op":"pong")") && has(r, R"("req_id":"p")")) << r;
    r = ws.ask("{]");
    EXPECT_TRUE(has(r, R"("success":false)")) << r;
}

} // namespace
} // namespace ballast::exec
