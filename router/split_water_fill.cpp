// Water-fill: for one pool subset, the books' merged ladder and the pools' closed-form supply
// are filled up to the marginal cost `lambda` at which together they cover the order (a binary
// search over the ladder, then regula falsi for the pools between two levels), then rounded
// down to lots; the rounding remainder goes to split_lots.hpp and split_lots.cpp.
#include "router/split_detail.hpp"
#include "router/split_lots.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace ballast::router::detail {

inline double workspace::solve_lambda(std::uint32_t mask, double target, double lo,
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

bool workspace::solve(std::uint32_t mask, std::uint64_t excluded, bool any_forced) noexcept {
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
    // part already forced. With neither (the common case) it is the merged ladder itself.
    const bool plain = excluded == 0 && r == order;
    std::int64_t total_books = 0;
    if (!plain) {
        if (!merged_all) {
            merge_until(std::numeric_limits<std::int64_t>::max());
        }
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
        total_books = running;
    } else {
        total_books = merged_total;
    }
    const auto eff_qty_at = [&](std::size_t k) { return plain ? merged[k].qty : eff_qty[k]; };
    const auto eff_before = [&](std::size_t k) { return plain ? merged[k].before : eff_prefix[k]; };

    // Smallest i where everything up to and including level i covers the order.
    std::size_t lo_i = 0;
    std::size_t hi_i = merged_count;
    while (lo_i < hi_i) {
        const std::size_t mid_i = (lo_i + hi_i) / 2;
        const double g = static_cast<double>(eff_before(mid_i) + eff_qty_at(mid_i)) +
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
            partial = std::min(eff_qty_at(i), r - eff_before(i));
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
            const double before = static_cast<double>(eff_before(i));
            if (before + pools_at_i >= static_cast<double>(r)) {
                // Level i is not needed: the pools close the gap below its price.
                const double lo = i > 0 ? merged[i - 1].key : std::min(pool_lo, key_i);
                lambda = solve_lambda(mask, static_cast<double>(r - eff_before(i)),
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
    std::int64_t used = order - r;
    if (plain) {
        take_merged_levels(full_levels);
        used += full_levels < merged_count ? merged[full_levels].before : merged_total;
    } else {
        for (std::size_t k = 0; k < full_levels; ++k) {
            cand[merged[k].book] += eff_qty[k];
            used += eff_qty[k];
        }
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
            partial = std::clamp<std::int64_t>(order - used, 0, eff_qty_at(i));
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

} // namespace ballast::router::detail
