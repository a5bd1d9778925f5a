#include "router/child_order.hpp"

#include <cmath>

namespace ballast::router {

release_summary release_children(const split_result& split, const market_snapshot& market,
                                 instrument_id instrument, client_order_id first_id,
                                 timestamp_ns now, child_order_gate& gate,
                                 std::span<child_order> out) noexcept {
    release_summary s;
    std::uint64_t next_id = first_id.value;
    for (const auto& a : split.allocations) {
        child_order c;
        c.id = client_order_id{next_id++};
        c.instrument = instrument;
        c.venue = a.venue;
        c.kind = a.kind;
        c.source_index = a.index;
        c.order_side = split.order_side;
        c.amount = a.amount;
        c.limit_price = a.limit_price;
        c.expected_cost_quote = a.cost_quote;
        c.created = now;
        if (a.kind == source_kind::book && a.index < market.books.size()) {
            const auto& cost = market.books[a.index].cost;
            const std::int64_t lot = steps_per(cost.lot, market.base_step);
            c.venue_amount = qty(lot > 0 ? a.amount.value() / lot : 0);
            // The worst level taken is on the venue's tick grid.
            c.limit_ticks = price(std::llround(a.limit_price / steps_to_double(1, cost.tick)));
        }
        const auto verdict = gate.check(c);
        if (!verdict.approved) {
            ++s.rejected;
            s.rejected_amount += a.amount;
            if (s.first_reject_reason.empty()) {
                s.first_reject_reason = verdict.reason.empty() ? "rejected" : verdict.reason;
            }
            continue;
        }
        if (s.approved >= out.size()) {
            s.truncated = true;
            continue;
        }
        out[s.approved++] = c;
        s.approved_amount += a.amount;
    }
    return s;
}

} // namespace ballast::router
