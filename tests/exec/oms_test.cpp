#include "exec/latency.hpp"
#include "exec/oms.hpp"

#include <gtest/gtest.h>

#include <cstdio>

namespace ballast::exec {
namespace {

order make_order(std::int64_t lots) {
    order o;
    o.venue = venue_id{1};
    o.instrument = instrument_id{2};
    o.order_side = side::bid;
    o.quantity = qty(lots);
    o.limit = price(650000);
    o.limit_price = 65000.0;
    o.created = timestamp_ns{1000};
    return o;
}

TEST(OrderStateMachine, LegalPaths) {
    oms m(8);
    order a = make_order(10);
    ASSERT_EQ(m.add(a), oms_error::ok);
    EXPECT_EQ(a.id.value, 1u);
    EXPECT_EQ(m.find(a.id)->state, order_state::new_order);
    EXPECT_EQ(m.acknowledge(a.id), oms_error::ok);
    EXPECT_EQ(m.fill(a.id, qty(4), 4.0, 0.1), oms_error::ok);
    EXPECT_EQ(m.find(a.id)->state, order_state::partially_filled);
    EXPECT_EQ(m.fill(a.id, qty(6), 6.0, 0.1), oms_error::ok);
    EXPECT_EQ(m.find(a.id)->state, order_state::filled);
    EXPECT_EQ(m.find(a.id)->filled, qty(10));
    EXPECT_DOUBLE_EQ(m.find(a.id)->fees_quote, 0.2);

    order b = make_order(5);
    ASSERT_EQ(m.add(b), oms_error::ok);
    EXPECT_EQ(b.id.value, 2u);
    EXPECT_EQ(m.acknowledge(b.id), oms_error::ok);
    EXPECT_EQ(m.fill(b.id, qty(2), 2.0, 0.0), oms_error::ok);
    EXPECT_EQ(m.cancel(b.id), oms_error::ok); // IOC remainder
    EXPECT_EQ(m.find(b.id)->state, order_state::canceled);

    order c = make_order(5);
    ASSERT_EQ(m.add(c), oms_error::ok);
    EXPECT_EQ(m.reject(c.id), oms_error::ok);
    EXPECT_EQ(m.find(c.id)->state, order_state::rejected);
    EXPECT_EQ(m.open_orders(), 0u);
    EXPECT_EQ(m.illegal_transitions(), 0u);
}

TEST(OrderStateMachine, IllegalTransitionsAreRefusedAndCounted) {
    oms m(8);
    order a = make_order(10);
    ASSERT_EQ(m.add(a), oms_error::ok);
    EXPECT_EQ(m.fill(a.id, qty(1), 1.0, 0.0), oms_error::illegal_transition); // before ack
    EXPECT_EQ(m.cancel(a.id), oms_error::illegal_transition);                 // before ack
    ASSERT_EQ(m.acknowledge(a.id), oms_error::ok);
    EXPECT_EQ(m.acknowledge(a.id), oms_error::illegal_transition); // twice
    EXPECT_EQ(m.reject(a.id), oms_error::illegal_transition);      // after ack
    EXPECT_EQ(m.fill(a.id, qty(11), 11.0, 0.0), oms_error::overfill);
    EXPECT_EQ(m.fill(a.id, qty(0), 0.0, 0.0), oms_error::overfill);
    ASSERT_EQ(m.fill(a.id, qty(10), 10.0, 0.0), oms_error::ok);
    EXPECT_EQ(m.cancel(a.id), oms_error::illegal_transition); // filled is final
    EXPECT_EQ(m.fill(a.id, qty(1), 1.0, 0.0), oms_error::overfill);
    EXPECT_EQ(m.find(a.id)->state, order_state::filled);
    EXPECT_EQ(m.find(a.id)->filled, qty(10));
    EXPECT_EQ(m.illegal_transitions(), 8u);
    EXPECT_EQ(m.acknowledge(client_order_id{42}), oms_error::unknown_order);
}

TEST(OrderStateMachine, TableOfEveryTransition) {
    const order_state states[] = {order_state::new_order,        order_state::acknowledged,
                                  order_state::partially_filled, order_state::filled,
                                  order_state::canceled,         order_state::rejected};
    const order_event events[] = {order_event::ack, order_event::fill, order_event::cancel,
                                  order_event::reject};
    int legal = 0;
    for (auto s : states) {
        for (auto e : events) {
            const auto t = next_state(s, e, false);
            legal += t.legal ? 1 : 0;
            if (is_final(s)) {
                EXPECT_FALSE(t.legal) << to_string(s);
            }
            if (!t.legal) {
                EXPECT_EQ(t.to, s);
            }
        }
    }
    // new: ack, reject; acknowledged and partially_filled: fill, cancel.
    EXPECT_EQ(legal, 6);
}

TEST(OrderStateMachine, OmsRefusesOrdersBeyondItsCapacity) {
    oms m(2);
    order a = make_order(1);
    order b = make_order(1);
    order c = make_order(1);
    EXPECT_EQ(m.add(a), oms_error::ok);
    EXPECT_EQ(m.add(b), oms_error::ok);
    EXPECT_EQ(m.add(c), oms_error::full);
}

TEST(LatencyHistogram, QuantilesWithinOneSixteenth) {
    latency_histogram h;
    for (std::uint64_t v = 1; v <= 100000; ++v) {
        h.record(v);
    }
    EXPECT_EQ(h.count(), 100000u);
    EXPECT_EQ(h.max(), 100000u);
    const auto p50 = static_cast<double>(h.quantile(0.5));
    const auto p99 = static_cast<double>(h.quantile(0.99));
    EXPECT_NEAR(p50, 50000.0, 50000.0 / 16);
    EXPECT_NEAR(p99, 99000.0, 99000.0 / 16);
    EXPECT_EQ(h.quantile(1.0), 100000u);
    for (std::uint64_t v : {0ull, 15ull, 16ull, 17ull, 1000ull, 123456789ull}) {
        const auto i = latency_histogram::index_of(v);
        EXPECT_GE(latency_histogram::upper_of(i), v);
        EXPECT_LE(static_cast<double>(latency_histogram::upper_of(i)),
                  static_cast<double>(v) * (1.0 + 1.0 / 16) + 1);
    }
}

} // namespace
} // namespace ballast::exec
