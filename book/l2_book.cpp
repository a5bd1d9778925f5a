#include "book/l2_book.hpp"

#include <algorithm>
#include <limits>

namespace ballast {

l2_book::l2_book(std::size_t capacity_per_side, bool keep_text)
    : bids_(true, capacity_per_side, keep_text), asks_(false, capacity_per_side, keep_text),
      capacity_(capacity_per_side), keep_text_(keep_text) {}

bool l2_book::rescale(std::int64_t price_factor, std::int64_t qty_factor) noexcept {
    if (price_factor < 1 || qty_factor < 1 || !bids_.can_scale(price_factor, qty_factor) ||
        !asks_.can_scale(price_factor, qty_factor)) {
        return false;
    }
    bids_.scale(price_factor, qty_factor);
    asks_.scale(price_factor, qty_factor);
    return true;
}

sweep_result l2_book::sweep(side s, qty amount) const noexcept {
    constexpr auto lowest = std::numeric_limits<price::rep>::min();
    constexpr auto highest = std::numeric_limits<price::rep>::max();
    return sweep(s, amount, price(s == side::ask ? highest : lowest));
}

sweep_result l2_book::sweep(side s, qty amount, price limit) const noexcept {
    sweep_result r;
    std::int64_t left = amount.value();
    side_of(s).visit([&](const level& l) {
        // Taking asks (a buy) stops above the limit; taking bids (a sell) stops below it.
        if (left <= 0 || (s == side::ask ? l.px > limit : l.px < limit)) {
            return false;
        }
        const std::int64_t take = std::min(left, l.sz.value());
        r.notional += static_cast<int128>(take) * l.px.value();
        r.filled += qty(take);
        r.worst = l.px;
        ++r.levels;
        left -= take;
        return true;
    });
    return r;
}

} // namespace ballast
