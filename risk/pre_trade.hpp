#pragma once
/// Pre-trade checks: allocation-free, branch-light, called by exec for every child order
/// before it reaches a venue gateway. Time is injected, never read from a clock.

#include "book/types.hpp"
#include "risk/portfolio.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace ballast::risk {

/// Engine-wide trading state.
enum class kill_switch : std::uint8_t {
    active,      ///< trading allowed
    reduce_only, ///< only orders that shrink a position (without flipping it) pass
    halted,      ///< nothing passes
};
[[nodiscard]] std::string_view to_string(kill_switch k) noexcept;
[[nodiscard]] bool parse_kill_switch(std::string_view text, kill_switch& out) noexcept;

/// Why an order was refused.
enum class reject_reason : std::uint8_t {
    none = 0,           ///< accepted
    halted,             ///< kill switch halted
    reduce_only,        ///< kill switch reduce-only and the order would grow or flip a position
    unknown_instrument, ///< instrument index outside the portfolio or without limits
    unknown_venue,      ///< venue without an order-rate bucket
    bad_qty,            ///< quantity <= 0
    bad_price,          ///< limit price <= 0
    max_order_qty,      ///< order quantity above the instrument's maximum
    max_order_notional, ///< order notional (USD) above the instrument's maximum
    no_reference_price, ///< no valid mark to collar against
    price_collar,       ///< limit price too far from the reference price
    position_limit,     ///< |net position| after the fill above the instrument's limit
    delta_limit,        ///< |underlying delta| after the fill above its limit
    gamma_limit,        ///< |underlying gamma per 1%| after the fill above its limit
    rate_limited,       ///< venue order-rate bucket empty
};
[[nodiscard]] std::string_view to_string(reject_reason r) noexcept;

/// An order as risk sees it; exec converts router child orders into it.
struct risk_order {
    venue_id venue;
    instrument_id instrument; ///< portfolio instrument index
    side s = side::bid;       ///< bid = buy
    price px;                 ///< limit price in the instrument's ticks
    qty q;                    ///< quantity in the instrument's lots
};

/// Outcome of a check: the reason, and the value that broke the limit.
struct check_result {
    reject_reason reason = reject_reason::none;
    double value = 0.0; ///< e.g. post-trade delta, order notional, collar distance
    double limit = 0.0;
    [[nodiscard]] constexpr bool accepted() const noexcept { return reason == reject_reason::none; }
};

/// Limits of one instrument (contracts are the instrument's contracts, not lots).
struct instrument_limits {
    double max_order_contracts = 0.0;
    double max_order_notional_usd = 0.0;
    double max_position_contracts = 0.0; ///< on the net position across accounts
    double price_collar = 0.0;           ///< max |px/reference - 1| (0.05 = 5%)
};

/// Post-trade exposure limits of one underlying.
struct underlying_limits {
    double max_abs_delta_base = 0.0;
    double max_abs_gamma_usd_1pct = 0.0;
};

/// Generic cell rate algorithm: `burst` orders at once, then one per `interval`. Exact in
/// integer nanoseconds.
class token_bucket {
  public:
    token_bucket() = default;
    token_bucket(double orders_per_second, std::uint32_t burst) noexcept;
    /// Takes one token at `now` if available.
    [[nodiscard]] bool try_take(timestamp_ns now) noexcept;
    /// True when a token is available at `now` (takes nothing).
    [[nodiscard]] bool available(timestamp_ns now) const noexcept;
    [[nodiscard]] bool configured() const noexcept { return interval_ns_ > 0; }

  private:
    std::int64_t interval_ns_ = 0;
    std::int64_t tolerance_ns_ = 0; ///< (burst - 1) * interval
    std::int64_t tat_ns_ = 0;       ///< theoretical arrival time of the next order
};

/// Checks orders against limits, the portfolio's current positions and Greeks, and the
/// per-venue rate buckets. Sized at construction from the portfolio's instruments (build it
/// after the last add_instrument); reads positions and Greeks live; check() never allocates.
class pre_trade_checker {
  public:
    explicit pre_trade_checker(const portfolio& book);

    void set_kill_switch(kill_switch k) noexcept { kill_ = k; }
    [[nodiscard]] kill_switch state() const noexcept { return kill_; }
    void set_instrument_limits(instrument_id i, const instrument_limits& l) noexcept;
    void set_underlying_limits(underlying_id u, const underlying_limits& l) noexcept;
    /// Grows the venue table if needed (setup only).
    void set_venue_rate(venue_id v, double orders_per_second, std::uint32_t burst);

    /// Runs every check; consumes a rate token only when all others pass.
    [[nodiscard]] check_result check(const risk_order& o, timestamp_ns now) noexcept;

  private:
    struct instrument_slot {
        instrument_limits limits;
        bool configured = false;
        double price_per_tick = 0.0;    ///< tick as a double
        double contracts_per_lot = 0.0; ///< lot as a double
    };
    const portfolio* book_;
    kill_switch kill_ = kill_switch::active;
    std::vector<instrument_slot> instruments_;
    std::vector<underlying_limits> underlyings_;
    std::vector<token_bucket> venues_;
};

} // namespace ballast::risk
