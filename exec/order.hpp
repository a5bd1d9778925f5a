#pragma once
/// Orders and their state machine: new -> acknowledged -> partially_filled* -> filled, or
/// canceled / rejected. Quantities are integers in the order instrument's lots.
#include "book/types.hpp"
#include "router/split.hpp"

#include <cstdint>
#include <string_view>

namespace ballast::exec {

enum class order_state : std::uint8_t {
    new_order,        ///< created and journalled, not yet seen by the venue
    acknowledged,     ///< the venue accepted it
    partially_filled, ///< some quantity filled, the rest still working
    filled,           ///< final: everything filled
    canceled,         ///< final: the rest was canceled (IOC remainder)
    rejected,         ///< final: the venue or a check refused it
};
[[nodiscard]] std::string_view to_string(order_state s) noexcept;
[[nodiscard]] constexpr bool is_final(order_state s) noexcept {
    return s == order_state::filled || s == order_state::canceled || s == order_state::rejected;
}

enum class order_event : std::uint8_t { ack, fill, cancel, reject };

/// The state an event moves an order to; `from` when the transition is illegal (`legal`
/// false). A fill moves to filled when it completes the order, else partially_filled.
struct transition {
    order_state to = order_state::new_order;
    bool legal = false;
};
[[nodiscard]] transition next_state(order_state from, order_event e, bool completes) noexcept;

/// Time in force of a child order. Simulated gateways take only immediate orders.
enum class time_in_force : std::uint8_t { ioc, marketable_limit };

/// One child order as the OMS tracks it.
struct order {
    client_order_id id{};
    venue_id venue{};
    instrument_id instrument{}; ///< portfolio instrument index
    router::source_kind kind = router::source_kind::book;
    std::uint16_t source = 0; ///< engine venue-book or pool index
    side order_side = side::bid;
    time_in_force tif = time_in_force::ioc;
    qty quantity{0};          ///< lots of the instrument
    price limit{0};           ///< ticks of the instrument (books); 0 for pool swaps
    double limit_price = 0.0; ///< quote per base
    timestamp_ns created{};
    timestamp_ns arrives{}; ///< at the venue, after the gateway latency
    order_state state = order_state::new_order;
    qty filled{0};
    double notional_quote = 0.0; ///< sum of fill px * qty, before fees
    double fees_quote = 0.0;
    double gas_quote = 0.0;
    double arrival_mid = 0.0; ///< mid of the routed market when the parent slice was split
    std::uint32_t parent = 0; ///< index of the engine's parent order
    std::uint32_t fills = 0;
};

} // namespace ballast::exec
