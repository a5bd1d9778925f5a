// Ladder building: the prepared market for one decision. The mid over healthy books; each
// healthy book's taken side read best-first into a ladder keyed by signed all-in marginal cost
// (cut at its cap, the limit and the order, in whole lots); each pool's capacity (cap, limit,
// liquidity); and the k-way merge of the book ladders into one consolidated ladder.
#include "router/split_detail.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

namespace ballast::router::detail {

route_status workspace::prepare(const market_snapshot& m, const parent_order& o,
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
        double walked = 0.0; // notional through the level, best-first
        const std::size_t depth = std::min(b.book->depth(taken), lim.max_levels_per_book);
        // ticks * mantissa / 10^exponent, rounded once as steps_to_double does, without its
        // 128-bit conversion per level.
        const double tick_div = steps_to_double(1, decimal_step{1, b.cost.tick.exponent});
        const double tick_scale = 1.0 / tick_div;
        for (std::size_t k = 0; k < depth && cum < need; ++k) {
            const level& l = b.book->at(taken, k);
            const double px = static_cast<double>(l.px.value() * b.cost.tick.mantissa) / tick_scale;
            if (has_limit && (buy ? px > limit : px < limit)) {
                break;
            }
            const std::int64_t q = std::min(l.sz.value(), (need - cum) / lot) * lot;
            if (q <= 0) {
                continue;
            }
            cum += q;
            walked += static_cast<double>(q) * px;
            ladder[offset + s.count] = {key_of(px, s.fee), px, q, cum, walked};
            ++s.count;
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

/// k-way merge of the books' ladders by key (each ladder is already sorted by key), up to the
/// first level where the merged quantity covers the order: no plan takes a book level past it
/// unless some book is left out or forced (then solve asks for the rest, merge_rest).
void workspace::merge() noexcept {
    merged_count = 0;
    merged_total = 0;
    for (std::size_t b = 0; b < nb; ++b) {
        heads[b] = 0;
        head_key[b] = books[b].count > 0 ? ladder[books[b].offset].key : inf;
    }
    merged_all = false;
    merge_until(order);
}

void workspace::merge_until(std::int64_t covered) noexcept {
    // Each book's next key, +inf once it is used up: the pick is a min over a few doubles.
    while (merged_total < covered) {
        std::size_t pick = nb;
        double pick_key = inf;
        for (std::size_t b = 0; b < nb; ++b) {
            if (head_key[b] < pick_key) { // ties: the lower slot first
                pick_key = head_key[b];
                pick = b;
            }
        }
        if (pick == nb) {
            merged_all = true;
            return;
        }
        auto& l = ladder[books[pick].offset + heads[pick]];
        l.pos = static_cast<std::uint32_t>(merged_count);
        merged[merged_count++] = {l.key, l.qty, static_cast<std::uint32_t>(pick), merged_total};
        merged_total += l.qty;
        ++heads[pick];
        head_key[pick] =
            heads[pick] < books[pick].count ? ladder[books[pick].offset + heads[pick]].key : inf;
    }
}

void workspace::take_merged_levels(std::size_t k) noexcept {
    // Each book's levels keep their order in the merged ladder: its share of the first k
    // merged levels is a prefix of its own ladder, found by its levels' merged positions.
    for (std::size_t b = 0; b < nb; ++b) {
        const ladder_level* first = ladder.data() + books[b].offset;
        const ladder_level* last = first + heads[b]; // its merged levels
        const ladder_level* end =
            std::partition_point(first, last, [k](const ladder_level& l) { return l.pos < k; });
        cand[b] += end == first ? 0 : (end - 1)->cum;
    }
}

} // namespace ballast::router::detail
