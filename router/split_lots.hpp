#pragma once
// Lot rounding, greedy part (private to router/): the remainder a continuous split leaves after
// rounding down to lots goes to the cheapest source per unit (the exact polish is in
// split_lots.cpp). Defined inline here because solve() (split_water_fill.cpp) runs it on every
// solve and was compiled with it inlined when the split was one file: as an out-of-line call
// the water-fill's hot loop spills its running sum and a decision takes ~25% longer.

#include "router/split_detail.hpp"

#include <algorithm>
#include <cstdint>

namespace ballast::router::detail {

inline std::int64_t workspace::fill_deficit(std::uint32_t mask, std::uint64_t excluded,
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
            const double unit = (pool_cost(p, cand[nb + p] + t) - pool_cost(p, cand[nb + p])) / t;
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

} // namespace ballast::router::detail
