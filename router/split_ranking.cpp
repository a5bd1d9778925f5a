// Ranking candidates: what a plan fills and costs, the dust rule (a remainder no usable source
// takes as an order of its own ranks as filled, the cost scaled to the whole order), and the
// best plan kept so far. Shared by the optimiser and the baselines.
#include "router/split_detail.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace ballast::router::detail {

std::int64_t workspace::min_amount(std::size_t b) const noexcept {
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

double workspace::cand_cost(std::int64_t* filled) noexcept {
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

std::int64_t workspace::smallest_order() const noexcept {
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
std::int64_t workspace::ranked_fill(std::int64_t f) const noexcept {
    return order - f < dust ? order : f;
}

/// The plan's cost scaled to the whole order when it leaves dust (its own average price
/// on the remainder): plans that leave different dust are compared on the same quantity.
double workspace::ranked_cost(double c, std::int64_t f) const noexcept {
    const std::int64_t rest = order - f;
    if (rest <= 0 || rest >= dust || f <= 0) {
        return c;
    }
    return c * static_cast<double>(order) / static_cast<double>(f);
}

void workspace::offer() noexcept {
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

} // namespace ballast::router::detail
