#pragma once
/// Per-venue cost model of the router: fees, gas, lot/tick, minimum notional, hard cap and
/// health. All money is in the instrument's quote currency; quantities in router base steps.

#include "book/decimal.hpp"
#include "book/types.hpp"

#include <cstdint>
#include <limits>

namespace ballast::router {

/// A router quantity: a whole number of the router's base step (`market_snapshot::base_step`).
/// Every venue lot must be a whole number of base steps.
using base_qty = qty;

/// No cap: the venue's balance or inventory does not bind.
inline constexpr std::int64_t unlimited_steps = std::numeric_limits<std::int64_t>::max() / 4;

/// What it costs to trade at one venue, and what it allows.
struct venue_cost_model {
    venue_id venue{};
    double taker_fee_bps = 0.0;      ///< charged on marketable child orders (what the split sends)
    double maker_fee_bps = 0.0;      ///< charged on resting children (schedules' passive slices)
    double gas_quote = 0.0;          ///< fixed cost of one pool swap, in quote; 0 for CEX venues
    decimal_step lot{1, 8};          ///< the venue's quantity step (a multiple of the base step)
    decimal_step tick{1, 2};         ///< the venue's price step
    double min_notional_quote = 0.0; ///< a child below this notional is rejected
    std::int64_t cap_steps = unlimited_steps; ///< hard cap (balance/inventory) in base steps
    bool healthy = true;                      ///< false: stale book, excluded from routing

    [[nodiscard]] constexpr double taker_fee_rate() const noexcept { return taker_fee_bps * 1e-4; }
    [[nodiscard]] constexpr double maker_fee_rate() const noexcept { return maker_fee_bps * 1e-4; }
};

/// Number of base steps in one `step` (lot) when the base step is 10^-base_exponent.
/// Returns 0 when `step` is finer than the base step or not a whole number of it.
[[nodiscard]] constexpr std::int64_t steps_per(decimal_step step, decimal_step base) noexcept {
    if (base.mantissa <= 0 || step.mantissa <= 0) {
        return 0;
    }
    // step = m*10^-e, base = bm*10^-be; ratio = m*10^(be-e)/bm.
    std::int64_t num = step.mantissa;
    std::int64_t den = base.mantissa;
    int shift = base.exponent - step.exponent;
    while (shift > 0) {
        if (num > std::numeric_limits<std::int64_t>::max() / 10) {
            return 0;
        }
        num *= 10;
        --shift;
    }
    while (shift < 0) {
        den *= 10;
        ++shift;
    }
    return num % den == 0 ? num / den : 0;
}

/// Cost of trading `notional_quote` at a venue's taker fee, as a signed all-in amount:
/// a buy pays notional plus fee, a sell receives notional minus fee.
[[nodiscard]] constexpr double taker_all_in(side order_side, double notional_quote,
                                            double fee_rate) noexcept {
    return order_side == side::bid ? notional_quote * (1.0 + fee_rate)
                                   : notional_quote * (1.0 - fee_rate);
}

} // namespace ballast::router
