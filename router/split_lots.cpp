// Lot rounding, exact part: a small dynamic programme over per-source adjustments of a few
// lots, run when lots are coarse next to the order (the greedy part is in split_lots.hpp).
#include "router/split_detail.hpp"

#include <algorithm>
#include <cstdint>

namespace ballast::router::detail {

namespace {
// Lot repair (a deficit no single lot fits): exact over adjustments within this window.
constexpr std::int64_t max_repair_window = 256;  // base steps per book
constexpr std::int64_t max_polish_work = 400000; // ~0.2 ms at worst
} // namespace

/// Lot polishing. Rounding a continuous split to lots is not always optimal when lots
/// are coarse next to the order (a deficit of 1 with lots of 2 and 5; a cheaper mix of
/// coarse and fine lots). This is a small exact dynamic programme over per-source
/// adjustments within +-window of the rounded split, filling as much of `deficit` as any
/// adjustment can at the least cost. It runs only while its work stays under a budget:
/// when lots are fine next to the order, rounding costs far less than 0.01% anyway.
void workspace::polish(std::uint32_t mask, std::uint64_t excluded, std::int64_t deficit) noexcept {
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

} // namespace ballast::router::detail
