#pragma once
/// Price-level (L2) order book for one instrument: two flat, preallocated, sorted arrays.

#include "book/int128.hpp"
#include "book/types.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace ballast {

struct level {
    price px;
    qty sz;
};

/// The venue's own text of a level, kept only for venues whose checksum is defined on it.
struct level_text {
    static constexpr std::size_t max_len = 31;
    std::array<char, max_len> px{};
    std::uint8_t px_len = 0;
    std::array<char, max_len> sz{};
    std::uint8_t sz_len = 0;
    [[nodiscard]] std::string_view price_text() const noexcept { return {px.data(), px_len}; }
    [[nodiscard]] std::string_view size_text() const noexcept { return {sz.data(), sz_len}; }
};

enum class level_change : std::uint8_t {
    inserted,
    updated,
    deleted,
    delete_unknown, ///< zero quantity for a price the book does not hold: a no-op
    dropped_full,   ///< the side is at capacity and the level is worse than all held levels
    text_too_long,  ///< the venue text does not fit `level_text`; book unchanged
};

/// The result of walking one side of the book for a quantity.
struct sweep_result {
    qty filled;        ///< at most the requested quantity
    price worst;       ///< last (worst) price touched; 0 when nothing filled
    int128 notional{}; ///< sum of px*sz in tick*lot units (exact)
    std::size_t levels = 0;
};

/// Invariants: each side is sorted with its best level at the back (bids ascending, asks
/// descending), prices are unique per side, quantities are positive, size <= capacity.
/// Storage never reallocates after construction.
class l2_book {
  public:
    explicit l2_book(std::size_t capacity_per_side = 8192, bool keep_text = false);

    /// Empties both sides (snapshot start); capacity is kept.
    void clear() noexcept;

    /// Sets the absolute quantity at a price; zero deletes. Text is stored when the book keeps it.
    level_change set_level(side s, price px, qty sz, std::string_view px_text = {},
                           std::string_view sz_text = {}) noexcept;

    [[nodiscard]] bool empty(side s) const noexcept { return side_of(s).size() == 0; }
    [[nodiscard]] std::size_t depth(side s) const noexcept { return side_of(s).size(); }
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
    [[nodiscard]] bool keeps_text() const noexcept { return keep_text_; }

    /// i-th level from the top (0 = best). Precondition: i < depth(s).
    [[nodiscard]] const level& at(side s, std::size_t i) const noexcept {
        const auto& v = side_of(s);
        return v[v.size() - 1 - i];
    }
    [[nodiscard]] const level_text& text_at(side s, std::size_t i) const noexcept {
        const auto& v = text_of(s);
        return v[v.size() - 1 - i];
    }
    /// Best level; {0, 0} when the side is empty.
    [[nodiscard]] level best(side s) const noexcept {
        const auto& v = side_of(s);
        return v.empty() ? level{} : v.back();
    }
    [[nodiscard]] level best_bid() const noexcept { return best(side::bid); }
    [[nodiscard]] level best_ask() const noexcept { return best(side::ask); }
    /// Quantity held at a price (0 when absent).
    [[nodiscard]] qty qty_at(side s, price px) const noexcept;

    /// Both sides present and best bid >= best ask.
    [[nodiscard]] bool crossed() const noexcept;

    /// Replaces a whole side in O(n) from levels given best first (strictly worsening prices,
    /// positive quantities): `get(i)` returns {price, qty, px_text, sz_text}. Keeps the best
    /// `capacity()` levels. Returns false, leaving the side empty, if the order is violated;
    /// the caller then falls back to set_level.
    template <class Get> bool assign_best_first(side s, std::size_t n, Get&& get) noexcept {
        auto& v = side_of(s);
        v.clear();
        if (keep_text_) {
            text_of(s).clear();
        }
        const std::size_t keep = n < capacity_ ? n : capacity_;
        v.resize(keep);
        if (keep_text_) {
            text_of(s).resize(keep);
        }
        for (std::size_t i = 0; i < keep; ++i) {
            const auto [px, sz, px_text, sz_text] = get(i);
            const bool ordered =
                i == 0 || (s == side::bid ? px < v[keep - i].px : px > v[keep - i].px);
            if (!ordered || sz.value() <= 0 ||
                (keep_text_ &&
                 (px_text.size() > level_text::max_len || sz_text.size() > level_text::max_len))) {
                v.clear();
                if (keep_text_) {
                    text_of(s).clear();
                }
                return false;
            }
            v[keep - 1 - i] = level{px, sz};
            if (keep_text_) {
                store_text(text_of(s)[keep - 1 - i], px_text, sz_text);
            }
        }
        return true;
    }

    /// Re-expresses every level in finer units: prices times `price_factor`, quantities times
    /// `qty_factor` (both >= 1), for a scale widened from 10^-d to 10^-(d+k). All or nothing:
    /// returns false, leaving the book unchanged, if any level would overflow. Text is kept.
    [[nodiscard]] bool rescale(std::int64_t price_factor, std::int64_t qty_factor) noexcept;

    /// Keeps the best `n` levels of a side (venues that define the book at a fixed depth).
    void truncate(side s, std::size_t n) noexcept;
    void truncate(std::size_t n) noexcept {
        truncate(side::bid, n);
        truncate(side::ask, n);
    }

    /// Walks `s` from the best level for up to `amount` (a buy sweeps asks, a sell sweeps bids),
    /// optionally stopping at a limit price (inclusive).
    [[nodiscard]] sweep_result sweep(side s, qty amount) const noexcept;
    [[nodiscard]] sweep_result sweep(side s, qty amount, price limit) const noexcept;

    /// Calls f(const level&) from the best level outwards, at most `max_levels` times.
    template <class F> void for_each(side s, F&& f, std::size_t max_levels = SIZE_MAX) const {
        const auto& v = side_of(s);
        std::size_t n = 0;
        for (auto it = v.rbegin(); it != v.rend() && n < max_levels; ++it, ++n) {
            f(*it);
        }
    }

  private:
    [[nodiscard]] std::vector<level>& side_of(side s) noexcept {
        return s == side::bid ? bids_ : asks_;
    }
    [[nodiscard]] const std::vector<level>& side_of(side s) const noexcept {
        return s == side::bid ? bids_ : asks_;
    }
    [[nodiscard]] std::vector<level_text>& text_of(side s) noexcept {
        return s == side::bid ? bid_text_ : ask_text_;
    }
    [[nodiscard]] const std::vector<level_text>& text_of(side s) const noexcept {
        return s == side::bid ? bid_text_ : ask_text_;
    }
    static void store_text(level_text& t, std::string_view px, std::string_view sz) noexcept;
    /// Index of the first element not "before" px in storage order (lower bound).
    [[nodiscard]] std::size_t position(side s, price px) const noexcept;

    std::vector<level> bids_;
    std::vector<level> asks_;
    std::vector<level_text> bid_text_;
    std::vector<level_text> ask_text_;
    std::size_t capacity_;
    bool keep_text_;
};

} // namespace ballast
