#pragma once
/// Child orders and the pre-trade gate every one of them must pass before it leaves. The gate
/// is an interface only: exec wires it to risk's checks (router never includes risk).

#include "book/types.hpp"
#include "router/split.hpp"

#include <cstddef>
#include <span>
#include <string_view>

namespace ballast::router {

/// One child of a parent order, ready for a venue gateway.
struct child_order {
    client_order_id id{};
    instrument_id instrument{};
    venue_id venue{};
    source_kind kind = source_kind::book;
    std::uint16_t source_index = 0; ///< into market_snapshot::books or ::pools
    side order_side = side::bid;
    base_qty amount{0};               ///< base steps
    qty venue_amount{0};              ///< the same in the venue's lots (CEX children)
    double limit_price = 0.0;         ///< quote per base: worst level / pool spot after the swap
    price limit_ticks{0};             ///< the same in the venue's ticks (CEX children)
    double expected_cost_quote = 0.0; ///< all-in, as the split priced it
    timestamp_ns created{};
};

/// A gate's verdict. `reason` points at static text (the checker's own reason names).
struct check_result {
    bool approved = false;
    std::string_view reason;
};

/// Pre-trade checks for child orders. There is deliberately no implementation here and none
/// that approves everything: exec adapts risk's limits to this interface.
class child_order_gate {
  public:
    virtual ~child_order_gate() = default;
    /// Called once per child, on the engine thread, before the child is journalled and sent.
    [[nodiscard]] virtual check_result check(const child_order& order) noexcept = 0;
};

/// What release_children did.
struct release_summary {
    std::size_t approved = 0;
    std::size_t rejected = 0;
    base_qty approved_amount{0};
    base_qty rejected_amount{0};
    std::string_view first_reject_reason; ///< empty when nothing was rejected
    bool truncated = false;               ///< `out` was too small for every allocation
};

/// Turns each allocation of `split` into a child order (ids from `first_id` upwards), asks
/// `gate` about it, and writes the approved ones to `out` in allocation order. Rejected
/// children are not sent; their quantity is reported so the caller can re-route or stop.
[[nodiscard]] release_summary release_children(const split_result& split,
                                               const market_snapshot& market,
                                               instrument_id instrument, client_order_id first_id,
                                               timestamp_ns now, child_order_gate& gate,
                                               std::span<child_order> out) noexcept;

} // namespace ballast::router
