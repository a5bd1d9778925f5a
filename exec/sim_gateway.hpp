#pragma once
/// Simulated venue gateways. A CEX gateway fills immediate (IOC / marketable limit) orders
/// against the venue's mirrored book as it is when the order arrives, level by level (partial
/// fills), charging the taker fee, and takes the liquidity it used out of the mirror until the
/// venue's next update of that level. A pool gateway runs the exact Uniswap v3 swap on
/// the pool state and pays gas. Perps fill like spot books; the engine books them as positions.
#include "book/instrument.hpp"
#include "book/l2_book.hpp"
#include "book/pool_state.hpp"
#include "exec/gateway.hpp"
#include "exec/order.hpp"

#include <cstdint>
#include <vector>

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

/// The simulated venue behind the gateway interface. An order sent at market time t arrives at
/// t + the venue's latency; advance(now) executes every order that has arrived by then, in send
/// order, against the engine's mirror of the venue's book as it is at that moment (or the pool's
/// state), and queues the reports a venue would send: an acknowledgement, one fill per level
/// taken (trade ids "sim-<n>", cumulative quantity), and the IOC remainder's cancel, or a reject
/// with the reason when a swap would revert. It runs on the engine thread, so its reports wait in a
/// plain queue; nothing allocates after construction unless one order takes more levels than the
/// queue was sized for.
class sim_gateway final : public venue_gateway {
  public:
    /// `clock`: the engine's market time (ns); read at send() and compared in advance().
    sim_gateway(venue_id venue, sim_venue_terms terms, const std::int64_t* clock,
                std::size_t capacity = 1 << 14);

    /// The books and pools the venue trades, by the instrument spec that order requests carry.
    void add_book(const instrument_spec* spec, l2_book* book);
    void add_pool(const instrument_spec* spec, pool_state* pool, pool_terms terms);

    [[nodiscard]] venue_id venue() const noexcept override { return venue_; }
    [[nodiscard]] bool connected() const noexcept override { return true; }
    [[nodiscard]] gateway_status send(const order_request& r) noexcept override;
    /// Orders are immediate (IOC): nothing is left working to cancel.
    [[nodiscard]] gateway_status cancel(const cancel_request& r) noexcept override;
    [[nodiscard]] gateway_status query(const query_request& r) noexcept override;
    [[nodiscard]] gateway_status reconcile(timestamp_ns since) noexcept override;
    [[nodiscard]] bool poll(exec_report& out) noexcept override;

    /// Executes the orders that arrived by `now`.
    void advance(std::int64_t now) noexcept;
    /// When the earliest order in flight arrives; INT64_MAX when none is.
    [[nodiscard]] std::int64_t next_arrival() const noexcept;
    [[nodiscard]] std::int64_t latency_ns() const noexcept { return terms_.latency_ns; }

  private:
    struct in_flight {
        order_request request;
        std::int64_t arrives = 0;
    };
    struct book_entry {
        const instrument_spec* spec = nullptr;
        l2_book* book = nullptr;
    };
    struct pool_entry {
        const instrument_spec* spec = nullptr;
        pool_state* pool = nullptr;
        pool_terms terms;
    };
    void execute(const order_request& r) noexcept;
    void report(exec_report r) noexcept;
    [[nodiscard]] exec_report base_report(exec_kind k, const order_request& r) const noexcept;

    venue_id venue_;
    sim_venue_terms terms_;
    const std::int64_t* clock_;
    std::vector<book_entry> books_;
    std::vector<pool_entry> pools_;
    std::vector<in_flight> pending_; ///< send order; arrival times never decrease
    std::size_t pending_head_ = 0;
    std::vector<exec_report> reports_; ///< drained by poll(); same thread, so no ring
    std::size_t reports_head_ = 0;
    std::uint64_t trades_ = 0;
};

} // namespace ballast::exec
