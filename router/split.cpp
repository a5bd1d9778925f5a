#include "router/split.hpp"

#include "router/amm_pool.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ballast::router {

std::string_view to_string(route_status s) noexcept {
    switch (s) {
    case route_status::ok:
        return "ok";
    case route_status::partial:
        return "partial";
    case route_status::no_liquidity:
        return "no_liquidity";
    case route_status::bad_order:
        return "bad_order";
    case route_status::bad_market:
        return "bad_market";
    case route_status::too_many_sources:
        return "too_many_sources";
    }
    return "unknown";
}

std::string_view to_string(route_method m) noexcept {
    switch (m) {
    case route_method::optimal:
        return "optimal";
    case route_method::best_single_venue:
        return "best_single_venue";
    case route_method::equal_split:
        return "equal_split";
    case route_method::increments_5pct:
        return "increments_5pct";
    }
    return "unknown";
}

namespace detail {

namespace {
constexpr double inf = std::numeric_limits<double>::infinity();
constexpr std::size_t max_enumerated_pools = 6; // 64 subsets; more pools: greedy removal
// Lot repair (a deficit no single lot fits): exact over adjustments within this window.
constexpr std::int64_t max_repair_window = 256; // base steps per book
constexpr std::size_t max_repair_books = 16;
constexpr std::size_t max_repair_states = 2 * 4096 + 1;
constexpr std::int64_t max_polish_work = 400000; // ~0.2 ms at worst
} // namespace

/// One book level as the router sees it: signed all-in marginal cost per base unit (`key`,
/// ascending is better-first on both sides), raw price, and size in base steps.
struct ladder_level {
    double key;
    double px;
    std::int64_t qty;
};

struct merged_level {
    double key;
    std::int64_t qty;
    std::uint32_t book; ///< usable-book slot
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

    // ---- costs ---------------------------------------------------------------------------

    [[nodiscard]] double key_of(double px, double fee) const noexcept {
        return buy ? px * (1.0 + fee) : -px * (1.0 - fee);
    }

    /// Raw notional of the first `x` steps of book slot b; optional worst price and levels.
    double book_notional(std::size_t b, std::int64_t x, double* worst = nullptr,
                         std::uint32_t* levels = nullptr) const noexcept {
        const auto& s = books[b];
        double n = 0.0;
        std::uint32_t touched = 0;
        double last = 0.0;
        for (std::size_t i = 0; i < s.count && x > 0; ++i) {
            const auto& l = ladder[s.offset + i];
            const std::int64_t take = std::min(x, l.qty);
            n += static_cast<double>(take) * l.px;
            x -= take;
            last = l.px;
            ++touched;
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

    /// Smallest lot multiple on book slot b whose notional reaches its minimum (0: none).
    [[nodiscard]] std::int64_t min_amount(std::size_t b) const noexcept {
        const auto& s = books[b];
        double n = 0.0;
        std::int64_t x = 0;
        for (std::size_t i = 0; i < s.count; ++i) {
            const auto& l = ladder[s.offset + i];
            const double level_notional = static_cast<double>(l.qty) * l.px * step_units;
            if (n + level_notional >= s.min_notional) {
                const double need_units = (s.min_notional - n) / (l.px * step_units);
                std::int64_t lots = static_cast<std::int64_t>(
                    std::ceil(need_units / static_cast<double>(s.lot) - 1e-9));
                lots = std::max<std::int64_t>(lots, 1);
                std::int64_t add = lots * s.lot;
                if (add > l.qty) {
                    add = l.qty;
                }
                x += add;
                // Guard against rounding: step up a lot at a time until the notional binds.
                while (book_notional(b, x) < s.min_notional && x + s.lot <= s.capacity) {
                    x += s.lot;
                }
                return book_notional(b, x) >= s.min_notional ? x : 0;
            }
            n += level_notional;
            x += l.qty;
        }
        return 0;
    }

    // ---- preparation -----------------------------------------------------------------------

    route_status prepare(const market_snapshot& m, const parent_order& o,
                         const router_limits& lim) noexcept {
        nb = 0;
        np = 0;
        merged_count = 0;
        mid = 0.0;
        dust = 1;
        order_side = o.order_side;
        buy = o.order_side == side::bid;
        order = o.amount.value();
        has_limit = o.has_limit;
        limit = o.limit_price;
        step_units = steps_to_double(1, m.base_step);
        base_step = m.base_step;
        if (order <= 0 || (has_limit && !(limit > 0.0 && std::isfinite(limit)))) {
            return route_status::bad_order;
        }
        if (m.books.size() > lim.max_books || m.pools.size() > lim.max_pools) {
            return route_status::too_many_sources;
        }
        // Mid over healthy books; pools' spot when no book quotes both sides.
        double best_bid = 0.0;
        double best_ask = inf;
        for (const auto& b : m.books) {
            if (b.book == nullptr) {
                return route_status::bad_market;
            }
            if (!b.cost.healthy) {
                continue;
            }
            if (!b.book->empty(side::bid)) {
                best_bid =
                    std::max(best_bid, steps_to_double(b.book->best_bid().px.value(), b.cost.tick));
            }
            if (!b.book->empty(side::ask)) {
                best_ask =
                    std::min(best_ask, steps_to_double(b.book->best_ask().px.value(), b.cost.tick));
            }
        }
        if (best_bid > 0.0 && best_ask < inf) {
            mid = 0.5 * (best_bid + best_ask);
        } else {
            double sum = 0.0;
            int n = 0;
            for (const auto& p : m.pools) {
                if (p.curve != nullptr && p.curve->valid() && p.cost.healthy) {
                    sum += p.curve->spot_price();
                    ++n;
                }
            }
            mid = n > 0 ? sum / n : (best_bid > 0.0 ? best_bid : (best_ask < inf ? best_ask : 0.0));
        }

        const side taken = buy ? side::ask : side::bid;
        std::size_t offset = 0;
        for (std::size_t i = 0; i < m.books.size(); ++i) {
            const auto& b = m.books[i];
            if (!b.cost.healthy || b.book->empty(taken)) {
                continue;
            }
            const std::int64_t lot = steps_per(b.cost.lot, m.base_step);
            if (lot <= 0) {
                return route_status::bad_market;
            }
            std::int64_t need = std::min(order, b.cost.cap_steps);
            need = need / lot * lot;
            if (need <= 0) {
                continue;
            }
            auto& s = books[nb];
            s.index = static_cast<std::uint16_t>(i);
            s.venue = b.cost.venue;
            s.fee = b.cost.taker_fee_rate();
            s.min_notional = b.cost.min_notional_quote;
            s.lot = lot;
            s.offset = offset;
            s.count = 0;
            std::int64_t cum = 0;
            const std::size_t depth = std::min(b.book->depth(taken), lim.max_levels_per_book);
            // ticks * mantissa / 10^exponent, rounded once as steps_to_double does, without its
            // 128-bit conversion per level.
            const double tick_div = steps_to_double(1, decimal_step{1, b.cost.tick.exponent});
            const double tick_scale = 1.0 / tick_div;
            for (std::size_t k = 0; k < depth && cum < need; ++k) {
                const level& l = b.book->at(taken, k);
                const double px =
                    static_cast<double>(l.px.value() * b.cost.tick.mantissa) / tick_scale;
                if (has_limit && (buy ? px > limit : px < limit)) {
                    break;
                }
                const std::int64_t q = std::min(l.sz.value(), (need - cum) / lot) * lot;
                if (q <= 0) {
                    continue;
                }
                ladder[offset + s.count] = {key_of(px, s.fee), px, q};
                ++s.count;
                cum += q;
            }
            s.capacity = cum;
            if (s.count == 0) {
                continue;
            }
            offset += s.count;
            ++nb;
        }
        for (std::size_t i = 0; i < m.pools.size(); ++i) {
            const auto& p = m.pools[i];
            if (p.curve == nullptr) {
                return route_status::bad_market;
            }
            if (!p.cost.healthy || !p.curve->valid()) {
                continue;
            }
            double max_base = buy ? p.curve->max_base_out() : p.curve->max_base_in();
            if (has_limit) {
                max_base = std::min(max_base, buy ? p.curve->base_out_to_spot(limit)
                                                  : p.curve->base_in_to_spot(limit));
            }
            // Stay strictly inside the curve's range so costs stay finite.
            double steps = std::floor(max_base / step_units * (1.0 - 1e-12));
            steps = std::min(steps, static_cast<double>(unlimited_steps));
            std::int64_t cap = std::min<std::int64_t>(static_cast<std::int64_t>(steps),
                                                      std::min(order, p.cost.cap_steps));
            if (cap <= 0) {
                continue;
            }
            auto& s = pools[np];
            s.index = static_cast<std::uint16_t>(i);
            s.venue = p.cost.venue;
            s.curve = p.curve;
            s.exact = p.exact;
            s.gas = p.cost.gas_quote;
            s.capacity = cap;
            ++np;
        }
        return route_status::ok;
    }

    /// k-way merge of the books' ladders by key (each ladder is already sorted by key).
    void merge() noexcept {
        merged_count = 0;
        for (std::size_t b = 0; b < nb; ++b) {
            heads[b] = 0;
        }
        for (;;) {
            std::size_t pick = nb;
            double pick_key = inf;
            for (std::size_t b = 0; b < nb; ++b) {
                if (heads[b] < books[b].count) {
                    const double k = ladder[books[b].offset + heads[b]].key;
                    if (k < pick_key) {
                        pick_key = k;
                        pick = b;
                    }
                }
            }
            if (pick == nb) {
                break;
            }
            const auto& l = ladder[books[pick].offset + heads[pick]];
            merged[merged_count++] = {l.key, l.qty, static_cast<std::uint32_t>(pick)};
            ++heads[pick];
        }
    }

    // ---- the optimiser ---------------------------------------------------------------------

    /// Finds lambda in [lo, hi] with pools_supply(mask, lambda) ~= target (Illinois method).
    [[nodiscard]] double solve_lambda(std::uint32_t mask, double target, double lo,
                                      double hi) const noexcept {
        double flo = pools_supply(mask, lo) - target;
        double fhi = pools_supply(mask, hi) - target;
        if (flo >= 0.0) {
            return lo;
        }
        if (fhi <= 0.0) {
            return hi;
        }
        int stale = 0;
        for (int it = 0; it < 100; ++it) {
            double x = hi - fhi * (hi - lo) / (fhi - flo);
            if (!(x > lo && x < hi)) {
                x = 0.5 * (lo + hi);
            }
            const double fx = pools_supply(mask, x) - target;
            if (std::fabs(fx) < 1e-3 || hi - lo <= 1e-15 * std::fabs(hi)) {
                return x;
            }
            if (fx > 0.0) {
                hi = x;
                fhi = fx;
                if (stale == -1) {
                    flo *= 0.5;
                }
                stale = -1;
            } else {
                lo = x;
                flo = fx;
                if (stale == 1) {
                    fhi *= 0.5;
                }
                stale = 1;
            }
        }
        return lo;
    }

    /// Water-fills `order` over the non-excluded books (after forced minimums) and the pools
    /// in `mask`, rounds to lots and fills the rounding deficit greedily. Writes `cand`.
    /// Returns false when the forced minimums alone exceed the order.
    bool solve(std::uint32_t mask, std::uint64_t excluded, bool any_forced) noexcept {
        std::int64_t r = order;
        for (std::size_t b = 0; b < nb; ++b) {
            cand[b] = ((excluded >> b) & 1U) ? 0 : forced[b];
            r -= cand[b];
        }
        for (std::size_t p = 0; p < np; ++p) {
            cand[nb + p] = 0;
        }
        if (r < 0) {
            return false;
        }
        // Effective ladder: excluded books contribute nothing, forced books start after the
        // part already forced.
        std::int64_t running = 0;
        for (std::size_t b = 0; b < nb; ++b) {
            skip_left[b] = cand[b];
        }
        for (std::size_t i = 0; i < merged_count; ++i) {
            const auto b = merged[i].book;
            std::int64_t q = merged[i].qty;
            if ((excluded >> b) & 1U) {
                q = 0;
            } else if (any_forced && skip_left[b] > 0) {
                const std::int64_t s = std::min(q, skip_left[b]);
                q -= s;
                skip_left[b] -= s;
            }
            eff_qty[i] = q;
            eff_prefix[i] = running;
            running += q;
        }
        const std::int64_t total_books = running;

        // Smallest i where everything up to and including level i covers the order.
        std::size_t lo_i = 0;
        std::size_t hi_i = merged_count;
        while (lo_i < hi_i) {
            const std::size_t mid_i = (lo_i + hi_i) / 2;
            const double g = static_cast<double>(eff_prefix[mid_i] + eff_qty[mid_i]) +
                             pools_supply(mask, merged[mid_i].key);
            if (g >= static_cast<double>(r)) {
                hi_i = mid_i;
            } else {
                lo_i = mid_i + 1;
            }
        }
        const std::size_t i = lo_i;

        double lambda = 0.0;
        std::size_t full_levels = 0;
        std::int64_t partial = 0;
        if (mask == 0) {
            // Books only: take levels below i in full and the rest of the order from level i.
            full_levels = std::min(i, merged_count);
            if (i < merged_count) {
                partial = std::min(eff_qty[i], r - eff_prefix[i]);
            }
        } else {
            double pool_lo = inf;
            double pool_hi = -inf;
            for (std::size_t p = 0; p < np; ++p) {
                if ((mask >> p) & 1U) {
                    pool_lo = std::min(pool_lo, pool_key_initial(p));
                    pool_hi = std::max(pool_hi, pool_key_at_capacity(p));
                }
            }
            if (i < merged_count) {
                const double key_i = merged[i].key;
                const double pools_at_i = pools_supply(mask, key_i);
                const double before = static_cast<double>(eff_prefix[i]);
                if (before + pools_at_i >= static_cast<double>(r)) {
                    // Level i is not needed: the pools close the gap below its price.
                    const double lo = i > 0 ? merged[i - 1].key : std::min(pool_lo, key_i);
                    lambda = solve_lambda(mask, static_cast<double>(r - eff_prefix[i]),
                                          std::min(lo, key_i), key_i);
                    full_levels = i;
                } else {
                    lambda = key_i;
                    full_levels = i;
                    partial = -1; // computed after the pools are rounded
                }
            } else {
                full_levels = merged_count;
                const double target = static_cast<double>(r - total_books);
                const double lo =
                    merged_count > 0 ? std::min(merged[merged_count - 1].key, pool_lo) : pool_lo;
                lambda = solve_lambda(mask, target, lo, std::max(lo, pool_hi));
            }
        }
        for (std::size_t k = 0; k < full_levels; ++k) {
            cand[merged[k].book] += eff_qty[k];
        }
        std::int64_t used = order - r;
        for (std::size_t k = 0; k < full_levels; ++k) {
            used += eff_qty[k];
        }
        if (mask != 0) {
            for (std::size_t p = 0; p < np; ++p) {
                if ((mask >> p) & 1U) {
                    std::int64_t a = static_cast<std::int64_t>(std::floor(pool_supply(p, lambda)));
                    a = std::clamp<std::int64_t>(a, 0, std::max<std::int64_t>(0, order - used));
                    cand[nb + p] = a;
                    used += a;
                }
            }
            if (partial == -1) {
                partial = std::clamp<std::int64_t>(order - used, 0, eff_qty[i]);
            }
        }
        if (partial > 0 && i < merged_count) {
            const auto b = merged[i].book;
            const std::int64_t lots = partial / books[b].lot * books[b].lot;
            cand[b] += lots;
            used += lots;
        }
        const std::int64_t left = fill_deficit(mask, excluded, order - used);
        polish(mask, excluded, left);
        return true;
    }

    /// Lot polishing. Rounding a continuous split to lots is not always optimal when lots
    /// are coarse next to the order (a deficit of 1 with lots of 2 and 5; a cheaper mix of
    /// coarse and fine lots). This is a small exact dynamic programme over per-source
    /// adjustments within +-window of the rounded split, filling as much of `deficit` as any
    /// adjustment can at the least cost. It runs only while its work stays under a budget:
    /// when lots are fine next to the order, rounding costs far less than 0.01% anyway.
    void polish(std::uint32_t mask, std::uint64_t excluded, std::int64_t deficit) noexcept {
        const std::size_t n = nb + np;
        if (n == 0 || n > max_repair_books) {
            return;
        }
        std::int64_t max_lot = 1;
        for (std::size_t b = 0; b < nb; ++b) {
            if (!((excluded >> b) & 1U)) {
                max_lot = std::max(max_lot, books[b].lot);
            }
        }
        if (max_lot == 1 && deficit == 0) {
            return; // every source is continuous at the base step: rounding is already exact
        }
        const std::int64_t window = 2 * max_lot + deficit;
        if (window > max_repair_window) {
            return;
        }
        const std::int64_t span =
            std::min<std::int64_t>(static_cast<std::int64_t>(n) * window,
                                   static_cast<std::int64_t>(max_repair_states - 1) / 2);
        const auto width = static_cast<std::size_t>(2 * span + 1);
        // Work estimate: options per source times states.
        std::int64_t work = 0;
        for (std::size_t k = 0; k < n; ++k) {
            const bool active = k < nb ? !((excluded >> k) & 1U) : ((mask >> (k - nb)) & 1U);
            if (active) {
                work += (2 * window / lot_of(k) + 1) * static_cast<std::int64_t>(width);
            }
        }
        if (work > max_polish_work) {
            return;
        }
        double* prev = dp_a.data();
        double* cur = dp_b.data();
        std::fill(prev, prev + width, inf);
        prev[span] = 0.0;
        for (std::size_t k = 0; k < n; ++k) {
            std::fill(cur, cur + width, inf);
            std::int16_t* choice = dp_choice.data() + k * max_repair_states;
            const std::int64_t lot = lot_of(k);
            std::int64_t kmin = 0;
            std::int64_t kmax = 0;
            const bool active = k < nb ? !((excluded >> k) & 1U) : ((mask >> (k - nb)) & 1U);
            if (active) {
                const std::int64_t floor_amount = k < nb ? forced[k] : 0;
                kmin = -std::min(cand[k] - floor_amount, window) / lot;
                kmax = std::min(capacity_of(k) - cand[k], window) / lot;
            }
            const double base = cost_of(k, cand[k]);
            for (std::int64_t q = kmin; q <= kmax; ++q) {
                const std::int64_t d = q * lot;
                const double dc = cost_of(k, cand[k] + d) - base;
                const std::int64_t from = std::max<std::int64_t>(0, -d);
                const std::int64_t to = std::min<std::int64_t>(2 * span, 2 * span - d);
                for (std::int64_t j = from; j <= to; ++j) {
                    const double v = prev[j] + dc;
                    if (v < cur[j + d]) {
                        cur[j + d] = v;
                        choice[j + d] = static_cast<std::int16_t>(q);
                    }
                }
            }
            std::swap(prev, cur);
        }
        std::int64_t t = std::min(deficit, span);
        while (t > 0 && prev[span + t] == inf) {
            --t;
        }
        if (t == 0 && !(prev[span] < -1e-12)) {
            return; // nothing to fill and no cheaper mix
        }
        std::int64_t j = span + t;
        for (std::size_t k = n; k-- > 0;) {
            const std::int64_t q = dp_choice[k * max_repair_states + static_cast<std::size_t>(j)];
            cand[k] += q * lot_of(k);
            j -= q * lot_of(k);
        }
    }

    /// Gives the rounding remainder to whichever source adds it at the lowest cost per unit;
    /// returns what no single lot could take.
    std::int64_t fill_deficit(std::uint32_t mask, std::uint64_t excluded,
                              std::int64_t deficit) noexcept {
        while (deficit > 0) {
            double best_unit = inf;
            std::size_t pick = nb + np;
            std::int64_t pick_amount = 0;
            for (std::size_t b = 0; b < nb; ++b) {
                const auto& s = books[b];
                if (((excluded >> b) & 1U) || s.lot > deficit || cand[b] + s.lot > s.capacity) {
                    continue;
                }
                // The rest of the level the book's allocation ends in costs the same per unit:
                // take it in one go (whole lots) rather than a lot at a time.
                std::int64_t cum = 0;
                std::size_t k = 0;
                while (k < s.count && cum + ladder[s.offset + k].qty <= cand[b]) {
                    cum += ladder[s.offset + k].qty;
                    ++k;
                }
                if (k == s.count) {
                    continue;
                }
                const auto& l = ladder[s.offset + k];
                const std::int64_t room = cum + l.qty - cand[b];
                const std::int64_t t = std::min(room, deficit) / s.lot * s.lot;
                const double unit = l.key * step_units;
                if (t > 0 && unit < best_unit) {
                    best_unit = unit;
                    pick = b;
                    pick_amount = t;
                }
            }
            for (std::size_t p = 0; p < np; ++p) {
                const std::int64_t room = pools[p].capacity - cand[nb + p];
                if (!((mask >> p) & 1U) || room <= 0) {
                    continue;
                }
                const std::int64_t t = std::min(room, deficit);
                const double unit =
                    (pool_cost(p, cand[nb + p] + t) - pool_cost(p, cand[nb + p])) / t;
                if (unit < best_unit) {
                    best_unit = unit;
                    pick = nb + p;
                    pick_amount = t;
                }
            }
            if (pick == nb + np) {
                return deficit;
            }
            cand[pick] += pick_amount;
            deficit -= pick_amount;
        }
        return 0;
    }

    /// Total signed cost of `cand`; fills `notional` for books.
    [[nodiscard]] double cand_cost(std::int64_t* filled) noexcept {
        double c = 0.0;
        std::int64_t f = 0;
        for (std::size_t b = 0; b < nb; ++b) {
            notional[b] = cand[b] > 0 ? book_notional(b, cand[b]) : 0.0;
            c += buy ? notional[b] * (1.0 + books[b].fee) : -notional[b] * (1.0 - books[b].fee);
            f += cand[b];
        }
        for (std::size_t p = 0; p < np; ++p) {
            c += pool_cost(p, cand[nb + p]);
            f += cand[nb + p];
        }
        *filled = f;
        return c;
    }

    /// Smallest order any usable source accepts on its own (unlimited when none does).
    [[nodiscard]] std::int64_t smallest_order() const noexcept {
        std::int64_t least = np > 0 ? 1 : unlimited_steps;
        for (std::size_t b = 0; b < nb && least > 1; ++b) {
            const std::int64_t m = min_amount(b);
            if (m > 0) {
                least = std::min(least, m);
            }
        }
        return least;
    }

    /// Plans are compared at equal fills: a remainder no source could take as an order of its
    /// own (what a parent sized in finer base steps leaves below a coarse lot or a minimum
    /// notional) ranks as filled, so no plan wins by buying that remainder through a dearer
    /// venue or a dust child.
    [[nodiscard]] std::int64_t ranked_fill(std::int64_t f) const noexcept {
        return order - f < dust ? order : f;
    }
    /// The plan's cost scaled to the whole order when it leaves dust (its own average price
    /// on the remainder): plans that leave different dust are compared on the same quantity.
    [[nodiscard]] double ranked_cost(double c, std::int64_t f) const noexcept {
        const std::int64_t rest = order - f;
        if (rest <= 0 || rest >= dust || f <= 0) {
            return c;
        }
        return c * static_cast<double>(order) / static_cast<double>(f);
    }

    /// Keeps `cand` when it fills more, or as much for less (fills and costs as ranked).
    void offer() noexcept {
        std::int64_t filled = 0;
        const double raw = cand_cost(&filled);
        const std::int64_t f = ranked_fill(filled);
        const double c = ranked_cost(raw, filled);
        if (!have_best || f > best_fill || (f == best_fill && c < best_cost)) {
            have_best = true;
            best_fill = f;
            best_cost = c;
            for (std::size_t k = 0; k < nb + np; ++k) {
                best[k] = cand[k];
            }
        }
    }

    /// Solves, then branches on the first book below its minimum notional: without it, or
    /// with at least its minimum.
    void explore(std::uint32_t mask, std::uint64_t excluded, bool any_forced) noexcept {
        if (budget == 0) {
            return;
        }
        --budget;
        if (!solve(mask, excluded, any_forced)) {
            return;
        }
        std::int64_t f = 0;
        (void)cand_cost(&f);
        std::size_t violator = nb;
        for (std::size_t b = 0; b < nb; ++b) {
            if (cand[b] > 0 && notional[b] < books[b].min_notional) {
                violator = b;
                break;
            }
        }
        if (violator == nb) {
            offer();
            return;
        }
        explore(mask, excluded | (std::uint64_t{1} << violator), any_forced);
        if (forced[violator] == 0) {
            const std::int64_t m = min_amount(violator);
            if (m > 0 && m <= order) {
                forced[violator] = m;
                explore(mask, excluded, true);
                forced[violator] = 0;
            }
        }
    }

    void optimise(const router_limits& lim) noexcept {
        merge();
        have_best = false;
        for (std::size_t b = 0; b < nb; ++b) {
            forced[b] = 0;
        }
        const auto run = [&](std::uint32_t mask) {
            budget = lim.max_solves;
            explore(mask, 0, false);
        };
        if (np <= max_enumerated_pools) {
            for (std::uint32_t mask = 0; mask < (1U << np); ++mask) {
                run(mask);
            }
        } else {
            // Too many subsets: start from all pools and drop one at a time while it helps.
            std::uint32_t mask = (np >= 32 ? ~0U : (1U << np) - 1U);
            run(mask);
            bool improved = true;
            while (improved) {
                improved = false;
                const double before = best_cost;
                const std::int64_t fill_before = best_fill;
                std::uint32_t best_mask = mask;
                for (std::size_t p = 0; p < np; ++p) {
                    if ((mask >> p) & 1U) {
                        run(mask & ~(1U << p));
                        if (best_fill > fill_before ||
                            (best_fill == fill_before && best_cost < before)) {
                            best_mask = mask & ~(1U << p);
                        }
                    }
                }
                if (best_mask != mask) {
                    mask = best_mask;
                    improved = true;
                }
            }
        }
        if (!have_best) {
            for (std::size_t k = 0; k < nb + np; ++k) {
                best[k] = 0;
            }
        }
    }

    // ---- baselines -------------------------------------------------------------------------

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

    void best_single_venue() noexcept {
        have_best = false;
        for (std::size_t k = 0; k < nb + np; ++k) {
            for (std::size_t j = 0; j < nb + np; ++j) {
                cand[j] = 0;
            }
            std::int64_t x = std::min(order, capacity_of(k));
            x = x / lot_of(k) * lot_of(k);
            if (x <= 0 || !meets_min(k, x)) {
                continue;
            }
            cand[k] = x;
            offer();
        }
        if (!have_best) {
            for (std::size_t k = 0; k < nb + np; ++k) {
                best[k] = 0;
            }
        }
    }

    void equal_split() noexcept {
        const std::size_t n = nb + np;
        std::uint64_t dropped = 0;
        for (int round = 0; round < 64; ++round) {
            // Max-min fair shares: sources that cannot take the common share take all they can.
            for (std::size_t k = 0; k < n; ++k) {
                cand[k] = 0;
            }
            std::uint64_t fixed = dropped;
            std::int64_t left = order;
            for (;;) {
                std::size_t active = 0;
                for (std::size_t k = 0; k < n; ++k) {
                    active += ((fixed >> k) & 1U) ? 0 : 1;
                }
                if (active == 0) {
                    break;
                }
                const std::int64_t share = left / static_cast<std::int64_t>(active);
                bool changed = false;
                for (std::size_t k = 0; k < n; ++k) {
                    if (!((fixed >> k) & 1U) && capacity_of(k) <= share) {
                        cand[k] = capacity_of(k);
                        left -= cand[k];
                        fixed |= std::uint64_t{1} << k;
                        changed = true;
                    }
                }
                if (!changed) {
                    for (std::size_t k = 0; k < n; ++k) {
                        if (!((fixed >> k) & 1U)) {
                            cand[k] = share;
                        }
                    }
                    break;
                }
            }
            // Lots, then hand the remainder out a lot at a time in source order.
            std::int64_t used = 0;
            for (std::size_t k = 0; k < n; ++k) {
                cand[k] = cand[k] / lot_of(k) * lot_of(k);
                used += cand[k];
            }
            bool progress = true;
            while (used < order && progress) {
                progress = false;
                for (std::size_t k = 0; k < n && used < order; ++k) {
                    if ((dropped >> k) & 1U) {
                        continue;
                    }
                    const std::int64_t add = std::min(lot_of(k) == 1 ? order - used : lot_of(k),
                                                      capacity_of(k) - cand[k]);
                    if (add > 0 && add % lot_of(k) == 0 && used + add <= order) {
                        cand[k] += add;
                        used += add;
                        progress = true;
                    }
                }
            }
            std::uint64_t violators = 0;
            for (std::size_t k = 0; k < n; ++k) {
                if (cand[k] > 0 && !meets_min(k, cand[k])) {
                    violators |= std::uint64_t{1} << k;
                }
            }
            if (violators == 0) {
                break;
            }
            dropped |= violators;
        }
        for (std::size_t k = 0; k < n; ++k) {
            best[k] = ((dropped >> k) & 1U) ? 0 : cand[k];
        }
    }

    void increments(int chunks) noexcept {
        const std::size_t n = nb + np;
        for (std::size_t k = 0; k < n; ++k) {
            best[k] = 0;
        }
        std::int64_t carry = 0;
        const auto place = [&](std::int64_t c) -> std::int64_t {
            // Returns how much of c was placed (one source per chunk).
            double best_unit = inf;
            std::size_t pick = n;
            std::int64_t pick_amount = 0;
            bool pick_full = false;
            for (std::size_t k = 0; k < n; ++k) {
                std::int64_t t = std::min(c, capacity_of(k) - best[k]);
                t = t / lot_of(k) * lot_of(k);
                if (t <= 0 || !meets_min(k, best[k] + t)) {
                    continue;
                }
                // All of the chunk but dust counts as all of it: the remainder carries to the
                // next chunk instead of steering this one to a finer-lot, dearer source.
                const bool full = c - t < dust;
                const double unit = (cost_of(k, best[k] + t) - cost_of(k, best[k])) / t;
                if ((full && !pick_full) || (full == pick_full && unit < best_unit)) {
                    best_unit = unit;
                    pick = k;
                    pick_amount = t;
                    pick_full = full;
                }
            }
            if (pick == n) {
                return 0;
            }
            best[pick] += pick_amount;
            return pick_amount;
        };
        for (int k = 0; k < chunks; ++k) {
            const std::int64_t c = order * (k + 1) / chunks - order * k / chunks + carry;
            carry = c - place(c);
        }
        while (carry > 0) {
            const std::int64_t placed = place(carry);
            if (placed == 0) {
                break;
            }
            carry -= placed;
        }
    }

    // ---- results ---------------------------------------------------------------------------

    void publish(route_method method, const market_snapshot& m) noexcept {
        auto& res = results[static_cast<std::size_t>(method)];
        auto& out = allocs[static_cast<std::size_t>(method)];
        std::size_t count = 0;
        double total = 0.0;
        std::int64_t filled = 0;
        for (std::size_t b = 0; b < nb; ++b) {
            if (best[b] <= 0) {
                continue;
            }
            auto& a = out[count++];
            const auto& s = books[b];
            a = allocation{};
            a.kind = source_kind::book;
            a.index = s.index;
            a.venue = s.venue;
            a.amount = base_qty(best[b]);
            a.notional_quote = book_notional(b, best[b], &a.limit_price, &a.levels);
            a.fees_quote = a.notional_quote * s.fee;
            a.cost_quote = buy ? a.notional_quote + a.fees_quote : a.notional_quote - a.fees_quote;
            total += a.cost_quote;
            filled += best[b];
        }
        for (std::size_t p = 0; p < np; ++p) {
            const std::int64_t x = best[nb + p];
            if (x <= 0) {
                continue;
            }
            const auto& s = pools[p];
            const double base = static_cast<double>(x) * step_units;
            const double fee = s.curve->fee_rate();
            auto& a = out[count++];
            a = allocation{};
            a.kind = source_kind::pool;
            a.index = s.index;
            a.venue = s.venue;
            a.amount = base_qty(x);
            a.gas_quote = s.gas;
            const exact_pool_quote exact = s.exact == nullptr
                                               ? exact_pool_quote{0.0, 0.0, pool_error::bad_state}
                                           : buy ? s.exact->quote_buy(x, base_step)
                                                 : s.exact->quote_sell(x, base_step);
            if (exact.ok()) {
                // The contract's own amounts for the decided size.
                a.fees_quote = exact.fee_quote;
                a.notional_quote =
                    buy ? exact.quote - exact.fee_quote : exact.quote + exact.fee_quote;
                a.cost_quote = buy ? exact.quote + s.gas : exact.quote - s.gas;
                a.limit_price =
                    buy ? s.curve->spot_after_buy(base) : s.curve->spot_after_sell(base);
            } else if (buy) {
                const double quote_in = s.curve->quote_in_for_base_out(base);
                a.fees_quote = quote_in * fee;
                a.notional_quote = quote_in - a.fees_quote;
                a.cost_quote = quote_in + s.gas;
                a.limit_price = s.curve->spot_after_buy(base);
            } else {
                const double quote_out = s.curve->quote_out_for_base_in(base);
                a.fees_quote = quote_out * fee / (1.0 - fee);
                a.notional_quote = quote_out + a.fees_quote;
                a.cost_quote = quote_out - s.gas;
                a.limit_price = s.curve->spot_after_sell(base);
            }
            total += a.cost_quote;
            filled += x;
        }
        (void)m;
        res.order_side = order_side;
        res.requested = base_qty(order);
        res.filled = base_qty(filled);
        res.unfilled = base_qty(order - filled);
        res.base_step_units = step_units;
        res.total_cost_quote = total;
        res.mid_price = mid;
        res.avg_price = filled > 0 ? total / (static_cast<double>(filled) * step_units) : 0.0;
        res.cost_vs_mid_bps = filled > 0 && mid > 0.0
                                  ? (buy ? res.avg_price - mid : mid - res.avg_price) / mid * 1e4
                                  : 0.0;
        res.status = filled == 0      ? route_status::no_liquidity
                     : filled < order ? route_status::partial
                                      : route_status::ok;
        res.allocations = std::span<const allocation>(out.data(), count);
    }

    void fail(route_method method, route_status status, const parent_order& o) noexcept {
        auto& res = results[static_cast<std::size_t>(method)];
        res = split_result{};
        res.status = status;
        res.order_side = o.order_side;
        res.requested = o.amount;
        res.unfilled = o.amount;
        res.mid_price = mid;
        res.base_step_units = step_units;
    }
};

} // namespace detail

namespace {
// Books are tracked in 64-bit masks and pools in 32-bit subset masks.
router_limits clamped(router_limits l) noexcept {
    l.max_books = std::min<std::size_t>(l.max_books, 64);
    l.max_pools = std::min<std::size_t>(l.max_pools, 31);
    l.max_solves = std::max<std::size_t>(l.max_solves, 1);
    return l;
}
} // namespace

smart_router::smart_router(router_limits limits)
    : limits_(clamped(limits)), ws_(new detail::workspace(limits_)) {}

smart_router::~smart_router() {
    delete ws_;
}

smart_router::smart_router(smart_router&& o) noexcept : limits_(o.limits_), ws_(o.ws_) {
    o.ws_ = nullptr;
}

smart_router& smart_router::operator=(smart_router&& o) noexcept {
    if (this != &o) {
        delete ws_;
        limits_ = o.limits_;
        ws_ = o.ws_;
        o.ws_ = nullptr;
    }
    return *this;
}

const split_result& smart_router::route(const market_snapshot& market, const parent_order& order,
                                        route_method method) noexcept {
    auto& ws = *ws_;
    const auto status = ws.prepare(market, order, limits_);
    if (status != route_status::ok) {
        ws.fail(method, status, order);
        return ws.results[static_cast<std::size_t>(method)];
    }
    ws.dust = ws.smallest_order();
    switch (method) {
    case route_method::optimal:
        ws.optimise(limits_);
        break;
    case route_method::best_single_venue:
        ws.best_single_venue();
        break;
    case route_method::equal_split:
        ws.equal_split();
        break;
    case route_method::increments_5pct:
        ws.increments(20);
        break;
    }
    ws.publish(method, market);
    return ws.results[static_cast<std::size_t>(method)];
}

} // namespace ballast::router
