// Subset search: the optimiser's outer loop. Every subset of the usable pools is water-filled
// (gas makes the problem non-convex; above a few pools they are dropped greedily), and a book
// left below its minimum notional is branched on, within a budget of solves per subset.
#include "router/split_detail.hpp"

#include <cstdint>

namespace ballast::router::detail {

namespace {
constexpr std::size_t max_enumerated_pools = 6; // 64 subsets; more pools: greedy removal
} // namespace

void workspace::explore(std::uint32_t mask, std::uint64_t excluded, bool any_forced) noexcept {
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

void workspace::optimise(const router_limits& lim) noexcept {
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

} // namespace ballast::router::detail
