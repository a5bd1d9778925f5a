#pragma once
/// The order management system: every child order by client order id, its state machine, and
/// the count of illegal transitions it refused. Storage is sized at construction.
#include "exec/order.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace ballast::exec {

enum class oms_error : std::uint8_t {
    ok = 0,
    full,               ///< more orders than the OMS was sized for
    unknown_order,      ///< no order with that client order id
    illegal_transition, ///< e.g. a fill after a cancel; the order is unchanged
    overfill,           ///< a fill beyond the order's quantity; the order is unchanged
};
[[nodiscard]] std::string_view to_string(oms_error e) noexcept;

class oms {
  public:
    explicit oms(std::size_t capacity = 1 << 16);

    /// Adds a new order (state new_order) with the next client order id, written into `o.id`.
    [[nodiscard]] oms_error add(order& o) noexcept;
    [[nodiscard]] oms_error acknowledge(client_order_id id) noexcept;
    /// A fill of `q` lots at `px_quote` (quote per base) paying `fee_quote`.
    [[nodiscard]] oms_error fill(client_order_id id, qty q, double notional_quote,
                                 double fee_quote) noexcept;
    [[nodiscard]] oms_error cancel(client_order_id id) noexcept;
    [[nodiscard]] oms_error reject(client_order_id id) noexcept;

    [[nodiscard]] order* find(client_order_id id) noexcept;
    [[nodiscard]] const order* find(client_order_id id) const noexcept;
    [[nodiscard]] std::span<const order> orders() const noexcept { return orders_; }
    [[nodiscard]] std::uint64_t illegal_transitions() const noexcept { return illegal_; }
    [[nodiscard]] std::size_t open_orders() const noexcept;
    /// The id the next add() will assign.
    [[nodiscard]] client_order_id next_id() const noexcept {
        return client_order_id{base_ + orders_.size() + 1};
    }
    /// Ids start after `last` (the journal's last order id, so a new order never reuses the
    /// client order id of an earlier session). Only before the first add(); false after.
    [[nodiscard]] bool start_ids_after(std::uint64_t last) noexcept;

  private:
    oms_error move(client_order_id id, order_event e, bool completes) noexcept;
    std::vector<order> orders_; // id base_ + n is orders_[n - 1]
    std::uint64_t base_ = 0;
    std::size_t capacity_;
    std::uint64_t illegal_ = 0;
};

} // namespace ballast::exec
