#pragma once
// What the signed gateways' end-to-end tests against sim-venue share: an injectable clock,
// a report log with bounded waits, and a limit-order builder. Every wait is a poll loop with a
// deadline (no sleeps).
#include "exec/gateway_session.hpp"
#include "exec/sim_venue.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace ballast::test {

using namespace ballast::exec;

/// Wall time fixed where the test puts it; steady time real plus an offset the test moves.
class test_clock final : public gateway_clock {
  public:
    explicit test_clock(std::int64_t wall_ms) : wall(wall_ms) {}
    std::int64_t wall_ms() const noexcept override { return wall.load(); }
    std::int64_t steady_ns() const noexcept override {
        return gateway_clock::steady_ns() + offset_ns.load();
    }
    std::atomic<std::int64_t> wall;
    std::atomic<std::int64_t> offset_ns{0};
};

/// Drains reports into `seen` until `pred` holds for one not matched before (returned) or the
/// limit passes; `from_start` looks at every report seen, matched or not.
struct report_log {
    explicit report_log(venue_gateway& g) : gw(g) {}
    const exec_report* wait(const std::function<bool(const exec_report&)>& pred,
                            std::chrono::milliseconds limit = std::chrono::seconds(5),
                            bool from_start = false) {
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
                                 std::chrono::milliseconds limit = std::chrono::seconds(5)) {
        return wait([&](const exec_report& r) { return r.kind == k && r.id.value == id; }, limit);
    }
    /// Takes in what arrives within `limit` (reports after the one a test waited for).
    void drain(std::chrono::milliseconds limit) {
        (void)wait([](const exec_report&) { return false; }, limit);
    }
    std::size_t count(exec_kind k, std::uint64_t id) const {
        return static_cast<std::size_t>(std::count_if(seen.begin(), seen.end(), [&](const auto& r) {
            return r.kind == k && r.id.value == id;
        }));
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

/// Polls `cond` until it holds or the limit passes; its last value.
inline bool wait_until(const std::function<bool()>& cond,
                       std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!cond()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return cond();
        }
        std::this_thread::yield(); // bounded by the deadline
    }
    return true;
}

/// A limit order whose wire id comes from the journal tag and the id.
inline order_request limit_order(const instrument_spec& spec, std::uint64_t journal_tag,
                                 std::uint64_t id, side s, order_tif tif, price px, qty q) {
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

/// An in-process sim-venue with order entry on a capture under tests/data, at max speed, once
/// the capture has played (a bounded wait).
inline std::unique_ptr<sim_venue> start_trading_sim(const std::string& venue,
                                                    const std::string& capture,
                                                    const std::string& faults,
                                                    std::vector<sim_account_config> accounts,
                                                    std::function<std::int64_t()> clock_ms) {
    sim_venue_options o;
    o.venue = venue;
    o.captures.push_back(std::string(BALLAST_TEST_DATA_DIR) + "/" + capture);
    o.max_speed = true;
    if (auto err = parse_sim_faults(faults, o.faults)) {
        ADD_FAILURE() << *err;
    }
    o.accounts = std::move(accounts);
    o.clock_ms = std::move(clock_ms);
    auto sim = std::make_unique<sim_venue>(o);
    if (auto err = sim->start()) {
        ADD_FAILURE() << *err;
        return sim;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!sim->capture_done() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield(); // bounded by the deadline
    }
    EXPECT_TRUE(sim->capture_done());
    return sim;
}

/// Gateway options for a sim-venue on loopback (REST on its port): the test's clock, quick
/// reconnects, one instrument. The WebSocket URLs are the caller's.
inline gateway_options sim_gateway_options(const sim_venue& sim, venue_id venue,
                                           std::uint64_t journal_tag,
                                           std::chrono::milliseconds timeout,
                                           const gateway_clock& clock,
                                           const instrument_spec& spec) {
    gateway_options g;
    g.venue = venue;
    g.rest_url = sim.rest_url();
    g.journal_tag = journal_tag;
    g.request_timeout = timeout;
    g.reconnect_initial = std::chrono::milliseconds(50);
    g.reconnect_max = std::chrono::milliseconds(200);
    g.clock = &clock;
    g.instruments = {&spec};
    return g;
}

/// reconcile(since) reports the open order `id` as acknowledged, then the closing status (id 0).
inline void expect_reconciled(report_log& log, venue_gateway& g, timestamp_ns since,
                              std::uint64_t id) {
    ASSERT_EQ(g.reconcile(since), gateway_status::ok);
    const exec_report* open =
        log.wait([&](const exec_report& r) { return r.reconcile && r.id.value == id; });
    ASSERT_TRUE(open) << log.dump();
    EXPECT_EQ(open->state, order_state::acknowledged);
    ASSERT_TRUE(log.wait([](const exec_report& r) {
        return r.reconcile && r.kind == exec_kind::status && r.id.value == 0;
    })) << log.dump();
}

/// After a fault that repeats the venue's execution reports for order `id`: the gateway counted
/// duplicates, and what reached the engine is one ack and each trade once, adding up to the
/// order's cumulative quantity.
inline void expect_duplicates_dropped(report_log& log, threaded_gateway& g, std::uint64_t id) {
    EXPECT_TRUE(wait_until([&] { return g.counters().duplicate_fills.load() > 0; }));
    log.drain(std::chrono::milliseconds(200)); // what is left
    std::int64_t filled = 0;
    std::int64_t cum = 0;
    std::vector<std::string> trades;
    for (const auto& r : log.seen) {
        if (r.kind == exec_kind::fill && r.id.value == id) {
            filled += r.last_qty.value();
            cum = r.cum_qty.value();
            trades.emplace_back(r.trade_id_view());
        }
    }
    EXPECT_GT(filled, 0) << log.dump();
    EXPECT_EQ(filled, cum) << log.dump();
    std::sort(trades.begin(), trades.end());
    EXPECT_EQ(std::adjacent_find(trades.begin(), trades.end()), trades.end()) << log.dump();
    EXPECT_EQ(log.count(exec_kind::ack, id), 1u) << log.dump();
}

/// After a fault that drops the answer to order `id` (a resting order): the outcome is
/// unknown, a query settles it as acknowledged, and the venue saw one new-order request for it.
inline void expect_unknown_then_settled(report_log& log, threaded_gateway& g, sim_venue& sim,
                                        const std::string& api_key, std::uint64_t journal_tag,
                                        std::uint64_t id) {
    ASSERT_TRUE(log.wait_kind(exec_kind::unknown, id)) << log.dump();
    const exec_report* st = log.wait_kind(exec_kind::status, id);
    ASSERT_TRUE(st) << log.dump();
    EXPECT_EQ(st->state, order_state::acknowledged);
    EXPECT_EQ(
        sim.new_order_requests(
            api_key, std::string(make_wire_order_id(journal_tag, client_order_id{id}).view())),
        1u);
    EXPECT_EQ(g.counters().unknown_outcomes.load(), 1u);
}

/// After a fault that closes the connection right after order `id` arrived (a resting order):
/// the session drops, the outcome is unknown, and after the reconnect a query finds the order
/// (it was processed as it arrived).
inline void expect_lost_in_flight_then_queried(report_log& log, threaded_gateway& g,
                                               std::uint64_t id) {
    ASSERT_TRUE(log.wait_kind(exec_kind::disconnected, 0)) << log.dump();
    ASSERT_TRUE(log.wait_kind(exec_kind::unknown, id)) << log.dump();
    ASSERT_TRUE(log.wait_kind(exec_kind::connected, 0)) << log.dump();
    const exec_report* st = log.wait_kind(exec_kind::status, id);
    ASSERT_TRUE(st) << log.dump();
    EXPECT_EQ(st->state, order_state::acknowledged);
    EXPECT_EQ(g.counters().reconnects.load(), 1u);
}

inline void expect_connected(report_log& log, threaded_gateway& g) {
    ASSERT_TRUE(log.wait_kind(exec_kind::connected, 0)) << log.dump() << g.last_error();
    EXPECT_TRUE(g.connected());
}

} // namespace ballast::test
