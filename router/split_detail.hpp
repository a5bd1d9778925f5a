#pragma once
// Private to router/ (not installed, not part of the public API; router/split.hpp is): the
// split's workspace and the cost primitives every step uses. The steps live one per file:
//   split_ladder.cpp      prepared market: mid, book ladders, pool capacities, merged ladder
//   split_water_fill.cpp  equalised marginal cost for one pool subset (solve, solve_lambda)
//   split_lots.hpp/.cpp   lot rounding: greedy remainder (fill_deficit, inline), exact polish
//   split_ranking.cpp     plan cost, dust rule, keeping the best candidate (offer)
//   split_search.cpp      pool subsets and minimum-notional branching (optimise, explore)
//   split_baselines.cpp   best single venue, equal split, 5% increments
//   split_result.cpp      allocations and totals of the chosen plan (publish, fail)
//   split.cpp             smart_router: owns the workspace, runs the steps in order
// The cost primitives below are called in the inner loops of several steps: they stay inline.
// The two functions declared `inline` below serve solve() alone and are defined where it sees
// them (split_water_fill.cpp, split_lots.hpp), so they stay inlined into it as they were when
// the split was one file: solve()'s hot loop keeps its registers only that way.

#include "router/pool_curve.hpp"
#include "router/split.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace ballast::router::detail {

inline constexpr double inf = std::numeric_limits<double>::infinity();
// Lot repair DP tables (split_lots.cpp): sources and states it is sized for.
inline constexpr std::size_t max_repair_books = 16;
inline constexpr std::size_t max_repair_states = 2 * 4096 + 1;
// Books a decision can merge (router_limits::max_books is clamped to it in split.cpp).
inline constexpr std::size_t max_merge_books = 64;

/// One book level as the router sees it: signed all-in marginal cost per base unit (`key`,
/// ascending is better-first on both sides), raw price, and size in base steps.
struct ladder_level {
    double key;
    double px;
    std::int64_t qty;
    std::int64_t cum = 0;    ///< the book's quantity through this level
    double cum_notional = 0; ///< sum of qty * px through this level, added best-first
    std::uint32_t pos = 0;   ///< its index in the merged ladder (set by merge)
};

struct merged_level {
    double key;
    std::int64_t qty;
    std::uint32_t book;      ///< usable-book slot
    std::int64_t before = 0; ///< the merged ladder's quantity strictly before this level
};

struct book_slot {
    std::uint16_t index = 0; ///< into market_snapshot::books
    venue_id venue{};
    double fee = 0.0;
    double min_notional = 0.0;
    std::int64_t lot = 1;      ///< base steps per venue lot
    std::int64_t capacity = 0; ///< sum of the ladder (already cut by cap, limit, order size)
    std::size_t offset = 0;    ///< into ladder
    std::size_t count = 0;
};

struct pool_slot {
    std::uint16_t index = 0;
    venue_id venue{};
    const pool_curve* curve = nullptr;
    const amm_pool* exact = nullptr;
    double gas = 0.0;
    std::int64_t capacity = 0; ///< base steps: min(cap, limit, liquidity)
};

/// Every buffer the decision path touches, sized once.
struct workspace {
    explicit workspace(const router_limits& l)
        : ladder(l.max_books * l.max_levels_per_book), merged(l.max_books * l.max_levels_per_book),
          eff_qty(l.max_books * l.max_levels_per_book),
          eff_prefix(l.max_books * l.max_levels_per_book), books(l.max_books), pools(l.max_pools),
          forced(l.max_books), skip_left(l.max_books), cand(l.max_books + l.max_pools),
          best(l.max_books + l.max_pools), notional(l.max_books), heads(l.max_books),
          dp_a(max_repair_states), dp_b(max_repair_states),
          dp_choice(max_repair_books * max_repair_states) {
        for (auto& a : allocs) {
            a.resize(l.max_books + l.max_pools);
        }
    }

    // Prepared market (per decision).
    side order_side = side::bid;
    bool buy = true;
    std::int64_t order = 0;
    double step_units = 0.0;
    decimal_step base_step{1, 8};
    bool has_limit = false;
    double limit = 0.0;
    std::vector<ladder_level> ladder;
    std::vector<merged_level> merged;
    std::size_t merged_count = 0;
    std::int64_t merged_total = 0;                  ///< every merged level's quantity
    bool merged_all = false;                        ///< every book level is in `merged`
    std::array<double, max_merge_books> head_key{}; ///< each book's next key to merge
    std::vector<std::int64_t> eff_qty;
    std::vector<std::int64_t> eff_prefix; ///< quantity strictly before entry i
    std::vector<book_slot> books;
    std::size_t nb = 0;
    std::vector<pool_slot> pools;
    std::size_t np = 0;
    double mid = 0.0;

    // Search state.
    std::vector<std::int64_t> forced;
    std::vector<std::int64_t> skip_left;
    std::vector<std::int64_t> cand; ///< books then pools
    std::vector<std::int64_t> best;
    std::vector<double> notional;
    std::vector<std::size_t> heads;
    std::vector<double> dp_a;
    std::vector<double> dp_b;
    std::vector<std::int16_t> dp_choice;
    bool have_best = false;
    std::int64_t best_fill = 0; ///< ranked fill (see ranked_fill)
    double best_cost = 0.0;     ///< ranked cost (see ranked_cost)
    /// The smallest order any usable source accepts on its own (a book's lot or its minimum
    /// notional, whichever binds; a pool's base step). A remainder below it is dust.
    std::int64_t dust = 1;
    std::size_t budget = 0;

    // Results per method.
    split_result results[route_method_count];
    std::vector<allocation> allocs[route_method_count];

    // ---- costs (inline: every step calls them in its inner loops) ------------------------

    [[nodiscard]] double key_of(double px, double fee) const noexcept {
        return buy ? px * (1.0 + fee) : -px * (1.0 - fee);
    }

    /// Raw notional of the first `x` steps of book slot b; optional worst price and levels.
    double book_notional(std::size_t b, std::int64_t x, double* worst = nullptr,
                         std::uint32_t* levels = nullptr) const noexcept {
        // The levels taken whole are a prefix of the ladder: their notional is the prefix sum
        // (added in the same order as a walk, so the same bits), then the part of the next.
        const auto& s = books[b];
        double n = 0.0;
        std::uint32_t touched = 0;
        double last = 0.0;
        if (x > 0 && s.count > 0) {
            const ladder_level* first = ladder.data() + s.offset;
            const ladder_level* end = first + s.count;
            const ladder_level* j =
                std::partition_point(first, end, [x](const ladder_level& l) { return l.cum < x; });
            if (j == end) {
                n = (end - 1)->cum_notional;
                last = (end - 1)->px;
                touched = static_cast<std::uint32_t>(s.count);
            } else {
                const std::int64_t before = j == first ? 0 : (j - 1)->cum;
                n = (j == first ? 0.0 : (j - 1)->cum_notional) +
                    static_cast<double>(x - before) * j->px;
                last = j->px;
                touched = static_cast<std::uint32_t>(j - first + 1);
            }
        }
        if (worst != nullptr) {
            *worst = last;
        }
        if (levels != nullptr) {
            *levels = touched;
        }
        return n * step_units;
    }

    /// Signed all-in cost (buy: paid; sell: minus received) of x steps on book slot b.
    [[nodiscard]] double book_cost(std::size_t b, std::int64_t x) const noexcept {
        if (x <= 0) {
            return 0.0;
        }
        const double n = book_notional(b, x);
        return buy ? n * (1.0 + books[b].fee) : -n * (1.0 - books[b].fee);
    }

    /// Signed all-in cost of x steps on pool slot p, gas included when x > 0.
    [[nodiscard]] double pool_cost(std::size_t p, std::int64_t x) const noexcept {
        if (x <= 0) {
            return 0.0;
        }
        const double base = static_cast<double>(x) * step_units;
        const auto& s = pools[p];
        return buy ? s.curve->quote_in_for_base_out(base) + s.gas
                   : -(s.curve->quote_out_for_base_in(base) - s.gas);
    }

    /// Steps pool p supplies at signed marginal key `lambda`, capped.
    [[nodiscard]] double pool_supply(std::size_t p, double lambda) const noexcept {
        const auto& s = pools[p];
        const double base =
            buy ? s.curve->base_out_at_marginal(lambda) : s.curve->base_in_at_marginal(-lambda);
        return std::min(static_cast<double>(s.capacity), base / step_units);
    }

    [[nodiscard]] double pools_supply(std::uint32_t mask, double lambda) const noexcept {
        double total = 0.0;
        for (std::size_t p = 0; p < np; ++p) {
            if ((mask >> p) & 1U) {
                total += pool_supply(p, lambda);
            }
        }
        return total;
    }

    /// Signed marginal key of pool p at its capacity (the last unit it can supply).
    [[nodiscard]] double pool_key_at_capacity(std::size_t p) const noexcept {
        const auto& s = pools[p];
        const double base = static_cast<double>(s.capacity) * step_units;
        return buy ? s.curve->marginal_buy(base) : -s.curve->marginal_sell(base);
    }
    [[nodiscard]] double pool_key_initial(std::size_t p) const noexcept {
        const auto& c = *pools[p].curve;
        return buy ? c.spot_price() / (1.0 - c.fee_rate()) : -c.spot_price() * (1.0 - c.fee_rate());
    }

    // Source index k: books first (k < nb), then pools (k - nb).
    [[nodiscard]] std::int64_t capacity_of(std::size_t k) const noexcept {
        return k < nb ? books[k].capacity : pools[k - nb].capacity;
    }
    [[nodiscard]] std::int64_t lot_of(std::size_t k) const noexcept {
        return k < nb ? books[k].lot : 1;
    }
    [[nodiscard]] double cost_of(std::size_t k, std::int64_t x) const noexcept {
        return k < nb ? book_cost(k, x) : pool_cost(k - nb, x);
    }
    [[nodiscard]] bool meets_min(std::size_t k, std::int64_t x) const noexcept {
        return k >= nb || x == 0 || book_notional(k, x) >= books[k].min_notional;
    }

    // ---- split_ladder.cpp -------------------------------------------------------------------

    /// Validates the order and market and prepares both for one decision (see the file).
    route_status prepare(const market_snapshot& m, const parent_order& o,
                         const router_limits& lim) noexcept;
    /// Adds to cand[b] each book's quantity among the first `k` merged levels.
    void take_merged_levels(std::size_t k) noexcept;
    /// Fills `merged` from the book ladders, best key first, until it covers the order.
    void merge() noexcept;
    /// Merges on until `covered` is merged or every level is (merged_all).
    void merge_until(std::int64_t covered) noexcept;

    // ---- split_water_fill.cpp ---------------------------------------------------------------

    /// Finds lambda in [lo, hi] with pools_supply(mask, lambda) ~= target (Illinois method).
    [[nodiscard]] inline double solve_lambda(std::uint32_t mask, double target, double lo,
                                             double hi) const noexcept;
    /// Water-fills `order` over the non-excluded books (after forced minimums) and the pools
    /// in `mask`, rounds to lots and fills the rounding deficit greedily. Writes `cand`.
    /// Returns false when the forced minimums alone exceed the order.
    bool solve(std::uint32_t mask, std::uint64_t excluded, bool any_forced) noexcept;

    // ---- split_lots.hpp, split_lots.cpp ----------------------------------------------------

    /// Exact lot polishing of `cand` when lots are coarse next to the order (see the file).
    void polish(std::uint32_t mask, std::uint64_t excluded, std::int64_t deficit) noexcept;
    /// Gives the rounding remainder to whichever source adds it at the lowest cost per unit;
    /// returns what no single lot could take.
    inline std::int64_t fill_deficit(std::uint32_t mask, std::uint64_t excluded,
                                     std::int64_t deficit) noexcept;

    // ---- split_ranking.cpp ------------------------------------------------------------------

    /// Smallest lot multiple on book slot b whose notional reaches its minimum (0: none).
    [[nodiscard]] std::int64_t min_amount(std::size_t b) const noexcept;
    /// Total signed cost of `cand`; fills `notional` for books.
    [[nodiscard]] double cand_cost(std::int64_t* filled) noexcept;
    /// Smallest order any usable source accepts on its own (unlimited when none does).
    [[nodiscard]] std::int64_t smallest_order() const noexcept;
    /// A plan's fill as ranked: a remainder below `dust` counts as filled.
    [[nodiscard]] std::int64_t ranked_fill(std::int64_t f) const noexcept;
    /// A plan's cost as ranked: scaled to the whole order when it leaves dust.
    [[nodiscard]] double ranked_cost(double c, std::int64_t f) const noexcept;
    /// Keeps `cand` when it fills more, or as much for less (fills and costs as ranked).
    void offer() noexcept;

    // ---- split_search.cpp -------------------------------------------------------------------

    /// Solves, then branches on the first book below its minimum notional: without it, or
    /// with at least its minimum.
    void explore(std::uint32_t mask, std::uint64_t excluded, bool any_forced) noexcept;
    /// Runs the search over pool subsets and leaves the best plan in `best` (zeros: none).
    void optimise(const router_limits& lim) noexcept;

    // ---- split_baselines.cpp ----------------------------------------------------------------

    void best_single_venue() noexcept;
    void equal_split() noexcept;
    void increments(int chunks) noexcept;

    // ---- split_result.cpp -------------------------------------------------------------------

    /// Turns `best` into the method's allocations and totals.
    void publish(route_method method, const market_snapshot& m) noexcept;
    /// The method's result for an order or market that could not be routed.
    void fail(route_method method, route_status status, const parent_order& o) noexcept;
};

} // namespace ballast::router::detail
