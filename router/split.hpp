#pragma once
/// The least-cost split of a parent order across healthy CEX books and AMM pools, and the
/// three baselines it must beat (best single venue, equal split, 5%-increment greedy).

#include "book/l2_book.hpp"
#include "router/cost_model.hpp"
#include "router/pool_curve.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace ballast::router {

enum class source_kind : std::uint8_t { book, pool };

/// A CEX venue's book for the routed instrument (prices in `cost.tick`, sizes in `cost.lot`).
struct book_source {
    const l2_book* book = nullptr;
    venue_cost_model cost;
};

class amm_pool;

/// An AMM pool's supply curve (human units) with its venue's gas, cap and health. With
/// `exact` set, the decided amounts are priced by the pool contract's own math.
struct pool_source {
    const pool_curve* curve = nullptr;
    venue_cost_model cost;
    const amm_pool* exact = nullptr;
};

/// Everything the split looks at for one instrument; the router never owns or copies it.
struct market_snapshot {
    decimal_step base_step{1, 8}; ///< router quantity unit; every venue lot is a multiple
    std::span<const book_source> books;
    std::span<const pool_source> pools;
};

/// A parent order: side::bid buys base (takes asks and pools' base), side::ask sells.
struct parent_order {
    side order_side = side::bid;
    base_qty amount{0}; ///< in base steps
    bool has_limit = false;
    /// Worst acceptable execution price (quote per base, before fees): no CEX level beyond
    /// it is taken and no pool swap moves the pool's spot price beyond it.
    double limit_price = 0.0;
};

/// One child of a split: how much goes to a source and what it costs there.
struct allocation {
    source_kind kind = source_kind::book;
    std::uint16_t index = 0; ///< into market_snapshot::books or ::pools
    venue_id venue{};
    base_qty amount{0};
    double notional_quote = 0.0; ///< execution value before fees and gas
    double fees_quote = 0.0;     ///< taker fee (CEX) or LP fee (pool)
    double gas_quote = 0.0;
    double cost_quote = 0.0;  ///< buy: notional + fees + gas; sell: notional - fees - gas
    double limit_price = 0.0; ///< child's limit: worst level taken / pool spot after the swap
    std::uint32_t levels = 0; ///< CEX levels touched (0 for pools)
    [[nodiscard]] double avg_price(double base_step_units) const noexcept {
        return amount.value() > 0
                   ? notional_quote / (static_cast<double>(amount.value()) * base_step_units)
                   : 0.0;
    }
};

enum class route_status : std::uint8_t {
    ok = 0,          ///< filled in full
    partial,         ///< some quantity could not be filled (caps, limit, depth): see unfilled
    no_liquidity,    ///< nothing could be filled
    bad_order,       ///< non-positive quantity or a limit that is not a positive number
    bad_market,      ///< a lot that is not a multiple of the base step, a null book or curve
    too_many_sources ///< more books, pools or levels than the router was sized for
};
[[nodiscard]] std::string_view to_string(route_status s) noexcept;

/// The outcome of one routing decision. `allocations` views the router's workspace and stays
/// valid until the next call of the same method on the same router.
struct split_result {
    route_status status = route_status::ok;
    side order_side = side::bid;
    base_qty requested{0};
    base_qty filled{0};
    base_qty unfilled{0};
    double base_step_units = 0.0;  ///< one base step in base units
    double total_cost_quote = 0.0; ///< buy: quote paid; sell: net quote received
    double avg_price = 0.0;        ///< total_cost_quote per base filled (all-in)
    double mid_price = 0.0;        ///< mid of the best raw bid/ask over healthy books
    double cost_vs_mid_bps = 0.0;  ///< shortfall against the mid; positive is worse
    std::span<const allocation> allocations;
};

/// Which allocation rule to run: the optimiser or one of the baselines it is measured against.
enum class route_method : std::uint8_t {
    optimal = 0,       ///< marginal-cost equalisation + gas subsets + lots + min notional
    best_single_venue, ///< everything on the one source that fills most at least cost
    equal_split,       ///< the same share to every usable source (shares a source cannot
                       ///< take are re-shared among the others)
    increments_5pct,   ///< 20 chunks, each to the source with the cheapest increment (gas
                       ///< counted on a pool's first chunk), as AMM aggregators do
};
inline constexpr std::size_t route_method_count = 4;
[[nodiscard]] std::string_view to_string(route_method m) noexcept;

/// Capacities of the preallocated workspace.
struct router_limits {
    std::size_t max_books = 16;
    std::size_t max_pools = 8;              ///< pool subsets are enumerated: keep small
    std::size_t max_levels_per_book = 4096; ///< levels read per book per decision
    std::size_t max_solves = 64;            ///< min-notional branch budget per pool subset
};

namespace detail {
struct workspace;
}

/// The smart order router. One instance per engine thread; all storage is sized at
/// construction, so `route` never allocates.
class smart_router {
  public:
    explicit smart_router(router_limits limits = {});
    ~smart_router();
    smart_router(const smart_router&) = delete;
    smart_router& operator=(const smart_router&) = delete;
    smart_router(smart_router&&) noexcept;
    smart_router& operator=(smart_router&&) noexcept;

    /// Splits `order` over `market` with `method`. The result (and its allocations) lives in
    /// the router until the next call with the same method.
    [[nodiscard]] const split_result& route(const market_snapshot& market,
                                            const parent_order& order,
                                            route_method method = route_method::optimal) noexcept;
    /// Shorthand for route(market, order, route_method::optimal).
    [[nodiscard]] const split_result& split(const market_snapshot& market,
                                            const parent_order& order) noexcept {
        return route(market, order, route_method::optimal);
    }
    [[nodiscard]] const router_limits& limits() const noexcept { return limits_; }

  private:
    router_limits limits_;
    detail::workspace* ws_ = nullptr;
};

} // namespace ballast::router
