#include "router/child_order.hpp"
#include "tests/router/market_fixture.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

using namespace ballast;
using namespace ballast::router;
using ballast::router::test::market_fixture;

namespace {

/// A test gate with a notional limit per child, recording what it saw.
class notional_gate final : public child_order_gate {
  public:
    explicit notional_gate(double max_notional) : max_(max_notional) {}
    check_result check(const child_order& c) noexcept override {
        seen.push_back(c);
        if (c.expected_cost_quote > max_) {
            return {false, "max_child_notional"};
        }
        return {true, {}};
    }
    std::vector<child_order> seen;

  private:
    double max_;
};

} // namespace

TEST(ChildOrderGate, EveryChildPassesTheGateAndRejectsAreNotReleased) {
    market_fixture m;
    m.base_step = {1, 3};
    m.add_book(1, {}, {{100.00, 1.0}}, 0, {1, 2}, {1, 2});
    m.add_book(2, {}, {{100.00, 3.0}}, 0, {1, 3}, {5, 2});
    smart_router router;
    parent_order o;
    o.amount = base_qty(4000);
    const auto snap = m.snapshot();
    const auto& split = router.split(snap, o);
    ASSERT_EQ(split.allocations.size(), 2u);
    notional_gate gate(150.0);
    std::array<child_order, 4> out;
    const auto s = release_children(split, snap, instrument_id{7}, client_order_id{100},
                                    timestamp_ns{42}, gate, out);
    ASSERT_EQ(gate.seen.size(), 2u); // every child was checked
    EXPECT_EQ(s.approved, 1u);
    EXPECT_EQ(s.rejected, 1u);
    EXPECT_EQ(s.approved_amount.value(), 1000);
    EXPECT_EQ(s.rejected_amount.value(), 3000);
    EXPECT_EQ(s.first_reject_reason, "max_child_notional");
    const auto& c = out[0];
    EXPECT_EQ(c.venue.value, 1);
    EXPECT_EQ(c.id.value, 100u);
    EXPECT_EQ(c.instrument.value, 7u);
    EXPECT_EQ(c.created.ns, 42);
    EXPECT_EQ(c.venue_amount.value(), 100); // 1.0 in lots of 0.01
    EXPECT_EQ(c.limit_ticks.value(), 10000);
    // The rejected child carried the venue's own units too: 3.0 at lot 0.001 and tick 0.05.
    EXPECT_EQ(gate.seen[1].venue_amount.value(), 3000);
    EXPECT_EQ(gate.seen[1].limit_ticks.value(), 2000);
    EXPECT_EQ(gate.seen[1].id.value, 101u);
}

TEST(ChildOrderGate, ReportsWhenTheOutputIsTooSmall) {
    market_fixture m;
    m.add_book(1, {}, {{100.00, 1.0}}, 0, {1, 2});
    m.add_book(2, {}, {{100.00, 1.0}}, 0, {1, 2});
    smart_router router;
    parent_order o;
    o.amount = base_qty(200);
    const auto snap = m.snapshot();
    const auto& split = router.split(snap, o);
    notional_gate gate(1e9);
    std::array<child_order, 1> out;
    const auto s = release_children(split, snap, instrument_id{1}, client_order_id{1},
                                    timestamp_ns{0}, gate, out);
    EXPECT_EQ(s.approved, 1u);
    EXPECT_TRUE(s.truncated);
}
