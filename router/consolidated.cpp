#include "router/consolidated.hpp"

#include <algorithm>
#include <cmath>

namespace ballast::router {

consolidated_book::consolidated_book(std::size_t capacity_per_side, std::size_t pool_bands,
                                     double pool_band_bps)
    : bids_(capacity_per_side), asks_(capacity_per_side), pool_bands_(pool_bands),
      pool_band_bps_(pool_band_bps) {}

void consolidated_book::add(side s, const consolidated_level& l) noexcept {
    auto& v = s == side::bid ? bids_ : asks_;
    auto& n = s == side::bid ? bid_count_ : ask_count_;
    if (n == v.size()) {
        ++dropped_;
        return;
    }
    v[n++] = l;
}

void consolidated_book::rebuild(const market_snapshot& market) noexcept {
    bid_count_ = 0;
    ask_count_ = 0;
    dropped_ = 0;
    for (std::size_t i = 0; i < market.books.size(); ++i) {
        const auto& b = market.books[i];
        if (b.book == nullptr || !b.cost.healthy) {
            continue;
        }
        const double fee = b.cost.taker_fee_rate();
        for (const side s : {side::bid, side::ask}) {
            b.book->for_each(s, [&](const level& l) {
                consolidated_level c;
                c.price = steps_to_double(l.px.value(), b.cost.tick);
                c.all_in_price = s == side::bid ? c.price * (1.0 - fee) : c.price * (1.0 + fee);
                c.size_base = steps_to_double(l.sz.value(), b.cost.lot);
                c.venue = b.cost.venue;
                c.kind = source_kind::book;
                c.index = static_cast<std::uint16_t>(i);
                add(s, c);
            });
        }
    }
    const double band = 1.0 + pool_band_bps_ * 1e-4;
    for (std::size_t i = 0; i < market.pools.size(); ++i) {
        const auto& p = market.pools[i];
        if (p.curve == nullptr || !p.curve->valid() || !p.cost.healthy) {
            continue;
        }
        const auto& c = *p.curve;
        const double cap =
            p.cost.cap_steps >= unlimited_steps
                ? INFINITY
                : static_cast<double>(p.cost.cap_steps) * steps_to_double(1, market.base_step);
        // Asks: buying base moves the spot up band by band; bids: selling moves it down.
        // Each band is the base between two spot prices at its average all-in price.
        for (const side s : {side::ask, side::bid}) {
            const bool ask = s == side::ask;
            double spot = c.spot_price();
            double prev_base = 0.0;
            double prev_quote = 0.0;
            for (std::size_t k = 0; k < pool_bands_ && prev_base < cap; ++k) {
                spot = ask ? spot * band : spot / band;
                const double base =
                    std::min(ask ? c.base_out_to_spot(spot) : c.base_in_to_spot(spot), cap);
                const double quote =
                    ask ? c.quote_in_for_base_out(base) : c.quote_out_for_base_in(base);
                if (!(base > prev_base) || !std::isfinite(quote)) {
                    break;
                }
                consolidated_level l;
                l.size_base = base - prev_base;
                l.all_in_price = (quote - prev_quote) / l.size_base;
                l.price = ask ? l.all_in_price * (1.0 - c.fee_rate())
                              : l.all_in_price / (1.0 - c.fee_rate());
                l.venue = p.cost.venue;
                l.kind = source_kind::pool;
                l.index = static_cast<std::uint16_t>(i);
                add(s, l);
                prev_base = base;
                prev_quote = quote;
            }
        }
    }
    // std::sort, not stable_sort: stable_sort may allocate a buffer. Ties break by source.
    const auto source_order = [](const consolidated_level& a, const consolidated_level& b) {
        return a.kind != b.kind ? a.kind < b.kind : a.index < b.index;
    };
    std::sort(asks_.begin(), asks_.begin() + static_cast<std::ptrdiff_t>(ask_count_),
              [&](const auto& a, const auto& b) {
                  return a.all_in_price != b.all_in_price ? a.all_in_price < b.all_in_price
                                                          : source_order(a, b);
              });
    std::sort(bids_.begin(), bids_.begin() + static_cast<std::ptrdiff_t>(bid_count_),
              [&](const auto& a, const auto& b) {
                  return a.all_in_price != b.all_in_price ? a.all_in_price > b.all_in_price
                                                          : source_order(a, b);
              });
}

std::optional<consolidated_level> consolidated_book::best_bid() const noexcept {
    if (bid_count_ == 0) {
        return std::nullopt;
    }
    return bids_[0];
}

std::optional<consolidated_level> consolidated_book::best_ask() const noexcept {
    if (ask_count_ == 0) {
        return std::nullopt;
    }
    return asks_[0];
}

} // namespace ballast::router
