// Baselines the optimiser is measured against, on the same prepared market and ranked by the
// same dust rule: best single venue, equal split (max-min fair shares) and 5% increments.
#include "router/split_detail.hpp"

#include <algorithm>
#include <cstdint>

namespace ballast::router::detail {

void workspace::best_single_venue() noexcept {
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

void workspace::equal_split() noexcept {
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
                const std::int64_t add =
                    std::min(lot_of(k) == 1 ? order - used : lot_of(k), capacity_of(k) - cand[k]);
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

void workspace::increments(int chunks) noexcept {
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

} // namespace ballast::router::detail
