#include "book/l2_book.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace ballast {

l2_book::l2_book(std::size_t capacity_per_side, bool keep_text)
    : capacity_(capacity_per_side), keep_text_(keep_text) {
    bids_.reserve(capacity_);
    asks_.reserve(capacity_);
    if (keep_text_) {
        bid_text_.reserve(capacity_);
        ask_text_.reserve(capacity_);
    }
}

void l2_book::clear() noexcept {
    bids_.clear();
    asks_.clear();
    bid_text_.clear();
    ask_text_.clear();
}

// Storage order: bids ascending, asks descending, so the best level is always at the back and
// updates near the top move few elements.
std::size_t l2_book::position(side s, price px) const noexcept {
    const auto& v = side_of(s);
    const std::size_t n = v.size();
    // Most updates land within a few levels of the touch: scan back from the best level, and
    // binary-search the rest only for deep updates.
    constexpr std::size_t scan = 16;
    const std::size_t stop = n > scan ? n - scan : 0;
    std::size_t i = n;
    if (s == side::bid) {
        while (i > stop && v[i - 1].px >= px) {
            --i;
        }
        if (i > stop || stop == 0) {
            return i;
        }
        return static_cast<std::size_t>(
            std::lower_bound(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(stop), px,
                             [](const level& l, price p) { return l.px < p; }) -
            v.begin());
    }
    while (i > stop && v[i - 1].px <= px) {
        --i;
    }
    if (i > stop || stop == 0) {
        return i;
    }
    return static_cast<std::size_t>(
        std::lower_bound(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(stop), px,
                         [](const level& l, price p) { return l.px > p; }) -
        v.begin());
}

void l2_book::store_text(level_text& t, std::string_view px, std::string_view sz) noexcept {
    // An empty view may carry a null pointer, which memcpy may not be given even for 0 bytes.
    if (!px.empty()) {
        std::memcpy(t.px.data(), px.data(), px.size());
    }
    t.px_len = static_cast<std::uint8_t>(px.size());
    if (!sz.empty()) {
        std::memcpy(t.sz.data(), sz.data(), sz.size());
    }
    t.sz_len = static_cast<std::uint8_t>(sz.size());
}

level_change l2_book::set_level(side s, price px, qty sz, std::string_view px_text,
                                std::string_view sz_text) noexcept {
    if (keep_text_ &&
        (px_text.size() > level_text::max_len || sz_text.size() > level_text::max_len)) {
        return level_change::text_too_long;
    }
    auto& v = side_of(s);
    std::size_t i = position(s, px);
    const bool found = i < v.size() && v[i].px == px;
    if (sz.value() == 0) {
        if (!found) {
            return level_change::delete_unknown;
        }
        v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
        if (keep_text_) {
            auto& t = text_of(s);
            t.erase(t.begin() + static_cast<std::ptrdiff_t>(i));
        }
        return level_change::deleted;
    }
    if (found) {
        v[i].sz = sz;
        if (keep_text_) {
            store_text(text_of(s)[i], px_text, sz_text);
        }
        return level_change::updated;
    }
    if (v.size() == capacity_) {
        // Full: the worst level (index 0) makes room, unless the new one is worse still.
        if (i == 0) {
            return level_change::dropped_full;
        }
        v.erase(v.begin());
        if (keep_text_) {
            text_of(s).erase(text_of(s).begin());
        }
        --i;
    }
    v.insert(v.begin() + static_cast<std::ptrdiff_t>(i), level{px, sz});
    if (keep_text_) {
        auto& t = text_of(s);
        auto it = t.insert(t.begin() + static_cast<std::ptrdiff_t>(i), level_text{});
        store_text(*it, px_text, sz_text);
    }
    return level_change::inserted;
}

qty l2_book::qty_at(side s, price px) const noexcept {
    const auto& v = side_of(s);
    const std::size_t i = position(s, px);
    return i < v.size() && v[i].px == px ? v[i].sz : qty{};
}

bool l2_book::crossed() const noexcept {
    return !bids_.empty() && !asks_.empty() && bids_.back().px >= asks_.back().px;
}

bool l2_book::rescale(std::int64_t price_factor, std::int64_t qty_factor) noexcept {
    if (price_factor < 1 || qty_factor < 1) {
        return false;
    }
    std::int64_t scaled = 0;
    for (const auto* v : {&bids_, &asks_}) {
        for (const auto& l : *v) {
            if (__builtin_mul_overflow(l.px.value(), price_factor, &scaled) ||
                __builtin_mul_overflow(l.sz.value(), qty_factor, &scaled)) {
                return false;
            }
        }
    }
    for (auto* v : {&bids_, &asks_}) {
        for (auto& l : *v) {
            l.px = price(l.px.value() * price_factor);
            l.sz = qty(l.sz.value() * qty_factor);
        }
    }
    return true;
}

void l2_book::truncate(side s, std::size_t n) noexcept {
    auto& v = side_of(s);
    if (v.size() <= n) {
        return;
    }
    const auto drop = static_cast<std::ptrdiff_t>(v.size() - n);
    v.erase(v.begin(), v.begin() + drop);
    if (keep_text_) {
        auto& t = text_of(s);
        t.erase(t.begin(), t.begin() + drop);
    }
}

sweep_result l2_book::sweep(side s, qty amount) const noexcept {
    constexpr auto lowest = std::numeric_limits<price::rep>::min();
    constexpr auto highest = std::numeric_limits<price::rep>::max();
    return sweep(s, amount, price(s == side::ask ? highest : lowest));
}

sweep_result l2_book::sweep(side s, qty amount, price limit) const noexcept {
    sweep_result r;
    const auto& v = side_of(s);
    std::int64_t left = amount.value();
    for (auto it = v.rbegin(); it != v.rend() && left > 0; ++it) {
        // Taking asks (a buy) stops above the limit; taking bids (a sell) stops below it.
        if (s == side::ask ? it->px > limit : it->px < limit) {
            break;
        }
        const std::int64_t take = std::min(left, it->sz.value());
        r.notional += static_cast<int128>(take) * it->px.value();
        r.filled += qty(take);
        r.worst = it->px;
        ++r.levels;
        left -= take;
    }
    return r;
}

} // namespace ballast
