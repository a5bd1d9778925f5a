#include "exec/oms.hpp"

namespace ballast::exec {

std::string_view to_string(order_state s) noexcept {
    switch (s) {
    case order_state::new_order:
        return "new";
    case order_state::acknowledged:
        return "acknowledged";
    case order_state::partially_filled:
        return "partially_filled";
    case order_state::filled:
        return "filled";
    case order_state::canceled:
        return "canceled";
    case order_state::rejected:
        return "rejected";
    }
    return "?";
}

std::string_view to_string(oms_error e) noexcept {
    switch (e) {
    case oms_error::ok:
        return "ok";
    case oms_error::full:
        return "full";
    case oms_error::unknown_order:
        return "unknown_order";
    case oms_error::illegal_transition:
        return "illegal_transition";
    case oms_error::overfill:
        return "overfill";
    }
    return "?";
}

transition next_state(order_state from, order_event e, bool completes) noexcept {
    switch (from) {
    case order_state::new_order:
        if (e == order_event::ack) {
            return {order_state::acknowledged, true};
        }
        if (e == order_event::reject) {
            return {order_state::rejected, true};
        }
        break;
    case order_state::acknowledged:
    case order_state::partially_filled:
        if (e == order_event::fill) {
            return {completes ? order_state::filled : order_state::partially_filled, true};
        }
        if (e == order_event::cancel) {
            return {order_state::canceled, true};
        }
        break;
    case order_state::filled:
    case order_state::canceled:
    case order_state::rejected:
        break;
    }
    return {from, false};
}

oms::oms(std::size_t capacity) : capacity_(capacity) {
    orders_.reserve(capacity);
}

oms_error oms::add(order& o) noexcept {
    if (orders_.size() >= capacity_) {
        return oms_error::full;
    }
    o.id = next_id();
    o.state = order_state::new_order;
    o.filled = qty{0};
    orders_.push_back(o); // capacity reserved: never reallocates
    return oms_error::ok;
}

bool oms::start_ids_after(std::uint64_t last) noexcept {
    if (!orders_.empty()) {
        return false;
    }
    base_ = last;
    return true;
}

order* oms::find(client_order_id id) noexcept {
    return id.value > base_ && id.value - base_ <= orders_.size() ? &orders_[id.value - base_ - 1]
                                                                  : nullptr;
}

const order* oms::find(client_order_id id) const noexcept {
    return id.value > base_ && id.value - base_ <= orders_.size() ? &orders_[id.value - base_ - 1]
                                                                  : nullptr;
}

oms_error oms::move(client_order_id id, order_event e, bool completes) noexcept {
    order* o = find(id);
    if (o == nullptr) {
        return oms_error::unknown_order;
    }
    const transition t = next_state(o->state, e, completes);
    if (!t.legal) {
        ++illegal_;
        return oms_error::illegal_transition;
    }
    o->state = t.to;
    return oms_error::ok;
}

oms_error oms::acknowledge(client_order_id id) noexcept {
    return move(id, order_event::ack, false);
}
oms_error oms::cancel(client_order_id id) noexcept {
    return move(id, order_event::cancel, false);
}
oms_error oms::reject(client_order_id id) noexcept {
    return move(id, order_event::reject, false);
}

oms_error oms::fill(client_order_id id, qty q, double notional_quote, double fee_quote) noexcept {
    order* o = find(id);
    if (o == nullptr) {
        return oms_error::unknown_order;
    }
    if (q.value() <= 0 || o->filled + q > o->quantity) {
        ++illegal_;
        return oms_error::overfill;
    }
    const bool completes = o->filled + q == o->quantity;
    if (auto e = move(id, order_event::fill, completes); e != oms_error::ok) {
        return e;
    }
    o->filled += q;
    o->notional_quote += notional_quote;
    o->fees_quote += fee_quote;
    ++o->fills;
    return oms_error::ok;
}

std::size_t oms::open_orders() const noexcept {
    std::size_t n = 0;
    for (const auto& o : orders_) {
        n += is_final(o.state) ? 0 : 1;
    }
    return n;
}

} // namespace ballast::exec
