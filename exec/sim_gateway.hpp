#pragma once
/// Simulated venue gateways. A CEX gateway fills immediate (IOC / marketable limit) orders
/// against the venue's mirrored book as it is when the order arrives, level by level (partial
/// fills), charging the taker fee, and takes the liquidity it used out of the mirror until the
/// venue's next update of that level. A pool gateway runs the exact Uniswap v3 swap on
/// the pool state and pays gas. Perps fill like spot books; the engine books them as positions.
#include "book/instrument.hpp"
#include "book/l2_book.hpp"
#include "book/pool_state.hpp"
#include "exec/order.hpp"

#include <cstdint>

namespace ballast::exec {

/// One execution report.
struct sim_fill {
    qty quantity{0};             ///< lots of the order's instrument
    double price_quote = 0.0;    ///< execution price before fees (quote per base)
    double notional_quote = 0.0; ///< quantity * price, before fees
    double fee_quote = 0.0;      ///< taker fee (CEX) or LP fee (pool)
    double gas_quote = 0.0;      ///< pool swaps only
};

/// Terms of one simulated venue. Latency is market time from send to arrival.
struct sim_venue_terms {
    double taker_fee_bps = 0.0;
    std::int64_t latency_ns = 0;
    double gas_quote = 0.0; ///< per pool swap
};

/// Fills `o` (a CEX order) against `book` as it stands. Calls on_fill(const sim_fill&) once per
/// level taken, best first, never beyond the order's limit ticks or quantity, and removes what
/// it took from the book. Returns the quantity filled.
template <class OnFill>
qty fill_on_book(const order& o, l2_book& book, const instrument_spec& spec,
                 const sim_venue_terms& terms, OnFill&& on_fill) noexcept {
    const side take = opposite(o.order_side); // a buy takes asks
    qty left = o.quantity;
    qty done{0};
    const double fee_rate = terms.taker_fee_bps * 1e-4;
    while (left.value() > 0 && !book.empty(take)) {
        const level best = book.best(take);
        const bool beyond = o.order_side == side::bid ? best.px > o.limit : best.px < o.limit;
        if (beyond) {
            break;
        }
        const qty q = best.sz < left ? best.sz : left;
        sim_fill f;
        f.quantity = q;
        f.price_quote = spec.to_double(best.px);
        f.notional_quote = f.price_quote * spec.to_double(q);
        f.fee_quote = f.notional_quote * fee_rate;
        (void)book.set_level(take, best.px, best.sz - q);
        left -= q;
        done += q;
        on_fill(f);
    }
    return done;
}

/// How a pool's tokens map to the instrument.
struct pool_terms {
    bool base_is_token0 = false;
    int base_decimals = 18;
    int quote_decimals = 6;
    decimal_step lot{1, 8}; ///< the pool instrument's lot (base units per order lot)
};

/// Runs the swap for a pool order (buy: exact output of base; sell: exact input of base) on the
/// pool state, moving it. nullopt-like: `ok` false when the contract would revert.
struct pool_fill_result {
    bool ok = false;
    sim_fill fill;
    pool_error error = pool_error::ok;
};
[[nodiscard]] pool_fill_result swap_on_pool(const order& o, pool_state& pool,
                                            const pool_terms& terms,
                                            const sim_venue_terms& venue) noexcept;

} // namespace ballast::exec
