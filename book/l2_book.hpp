#pragma once
/// Price-level (L2) order book for one instrument: per side, a price-indexed ladder around the
/// top and a sorted ring for the levels beyond it (book/detail/price_ladder.hpp).

#include "book/detail/price_ladder.hpp"
#include "book/int128.hpp"
#include "book/level.hpp"
#include "book/types.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ballast {

/// The result of walking one side of the book for a quantity.
struct sweep_result {
    qty filled;        ///< at most the requested quantity
    price worst;       ///< last (worst) price touched; 0 when nothing filled
    int128 notional{}; ///< sum of px*sz in tick*lot units (exact)
    std::size_t levels = 0;
};

/// Invariants: prices are unique per side, quantities are positive, depth <= capacity per
/// side. All storage is allocated at construction: set_level never allocates.
///
/// Costs: a level within `ladder_window` ticks of the top is set in O(1) (a slot indexed by
/// price); best bid/ask O(1); evicting the worst level at capacity O(1); a level beyond the
/// window is a binary search and a shift of the shorter part of a ring. at(s, i) is O(1) once
/// the levels down to i have been listed: after a change, the first read lists the top levels
/// from the window's bitmap (a few dozen at least, doubling as deeper levels are asked for).
/// That list is a cache filled by const reads: like every book in Ballast, a book is read by
/// one thread at a time, its owner's.
class l2_book {
  public:
    /// Ticks covered by each side's price-indexed window.
    static constexpr std::size_t ladder_window = 4096;

    explicit l2_book(std::size_t capacity_per_side = 8192, bool keep_text = false);

    /// Empties both sides (snapshot start); capacity is kept.
    void clear() noexcept {
        bids_.clear();
        asks_.clear();
    }

    /// Sets the absolute quantity at a price; zero deletes. Text is stored when the book keeps it.
    /// At capacity a new level better than the worst evicts the worst; a worse one is dropped.
    level_change set_level(side s, price px, qty sz, std::string_view px_text = {},
                           std::string_view sz_text = {}) noexcept {
        if (keep_text_ &&
            (px_text.size() > level_text::max_len || sz_text.size() > level_text::max_len)) {
            return level_change::text_too_long;
        }
        return side_of(s).set(px, sz, px_text, sz_text);
    }

    [[nodiscard]] bool empty(side s) const noexcept { return side_of(s).size() == 0; }
    [[nodiscard]] std::size_t depth(side s) const noexcept { return side_of(s).size(); }
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
    [[nodiscard]] bool keeps_text() const noexcept { return keep_text_; }
    /// Bytes allocated at construction for both sides (levels, text when kept, bookkeeping).
    [[nodiscard]] std::size_t reserved_bytes() const noexcept {
        return bids_.reserved_bytes() + asks_.reserved_bytes();
    }

    /// i-th level from the top (0 = best). Precondition: i < depth(s).
    [[nodiscard]] const level& at(side s, std::size_t i) const noexcept { return side_of(s).at(i); }
    /// Precondition: the book keeps text and i < depth(s).
    [[nodiscard]] const level_text& text_at(side s, std::size_t i) const noexcept {
        return side_of(s).text_at(i);
    }
    /// Best level; {0, 0} when the side is empty.
    [[nodiscard]] level best(side s) const noexcept { return side_of(s).best(); }
    [[nodiscard]] level best_bid() const noexcept { return bids_.best(); }
    [[nodiscard]] level best_ask() const noexcept { return asks_.best(); }
    /// Quantity held at a price (0 when absent).
    [[nodiscard]] qty qty_at(side s, price px) const noexcept { return side_of(s).qty_at(px); }

    /// Both sides present and best bid >= best ask.
    [[nodiscard]] bool crossed() const noexcept {
        return !empty(side::bid) && !empty(side::ask) && bids_.best().px >= asks_.best().px;
    }

    /// Replaces a whole side in O(n) from levels given best first (strictly worsening prices,
    /// positive quantities): `get(i)` returns {price, qty, px_text, sz_text}. Keeps the best
    /// `capacity()` levels. Returns false, leaving the side empty, if the order is violated;
    /// the caller then falls back to set_level.
    template <class Get> bool assign_best_first(side s, std::size_t n, Get&& get) noexcept {
        return side_of(s).assign_best_first(n, get);
    }

    /// Re-expresses every level in finer units: prices times `price_factor`, quantities times
    /// `qty_factor` (both >= 1), for a scale widened from 10^-d to 10^-(d+k). All or nothing:
    /// returns false, leaving the book unchanged, if any level would overflow. Text is kept.
    [[nodiscard]] bool rescale(std::int64_t price_factor, std::int64_t qty_factor) noexcept;

    /// Keeps the best `n` levels of a side (venues that define the book at a fixed depth).
    void truncate(side s, std::size_t n) noexcept { side_of(s).truncate(n); }
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
        std::size_t n = 0;
        side_of(s).visit([&](const level& l) {
            if (n == max_levels) {
                return false;
            }
            ++n;
            f(l);
            return true;
        });
    }

  private:
    using ladder = detail::price_ladder<ladder_window>;

    [[nodiscard]] ladder& side_of(side s) noexcept { return s == side::bid ? bids_ : asks_; }
    [[nodiscard]] const ladder& side_of(side s) const noexcept {
        return s == side::bid ? bids_ : asks_;
    }

    ladder bids_;
    ladder asks_;
    std::size_t capacity_;
    bool keep_text_;
};

} // namespace ballast
