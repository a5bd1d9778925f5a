#pragma once
/// One side of an L2 book: a price-indexed ladder over a window of `Window` ticks from the top,
/// and a sorted ring of the levels beyond it.

#include "book/level.hpp"

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>
#include <vector>

namespace ballast::detail {

/// Prices are handled as keys that grow away from the top: an ask's key is its price, a bid's
/// the bitwise complement (~px = -px - 1 reverses the order and cannot overflow). So for both
/// sides the best level has the smallest key.
///
/// Invariants:
/// - every level's key is >= `base_`; levels with key in [base_, base_ + Window) sit in the
///   window at slot `key % Window` (a ring: a level never moves while the window slides over
///   it), marked in `bits_`; `summary_` has bit w set iff `bits_[w] != 0`;
/// - levels with key >= base_ + Window sit in the overflow ring, sorted by key (logical index 0
///   is the best), their storage preallocated for `capacity` levels;
/// - the window holds at least one level whenever the side holds any, and `best_key_` is the
///   smallest key held; the number of levels never exceeds `capacity`.
template <std::size_t Window> class price_ladder {
    static_assert(Window >= 64 && Window <= 4096 && std::has_single_bit(Window),
                  "one 64-bit summary word covers the window's bitmap");
    static constexpr std::size_t words = Window / 64;
    static constexpr std::uint64_t slot_mask = Window - 1;
    /// Room above the best when the window is placed: the top can improve this many ticks
    /// before the window slides.
    static constexpr std::int64_t headroom = Window / 8;

  public:
    static constexpr std::size_t window = Window;

    price_ladder(bool bid, std::size_t capacity, bool keep_text)
        : capacity_(capacity), bid_(bid), keep_text_(keep_text) {
        slots_.resize(Window);
        order_.resize(Window);
        const std::size_t ring = std::bit_ceil(std::max<std::size_t>(capacity, 1));
        over_.resize(ring);
        over_mask_ = ring - 1;
        if (keep_text_) {
            slot_text_.resize(Window);
            over_text_.resize(ring);
        }
    }

    /// Bytes preallocated for this side (what a side costs whatever it holds).
    [[nodiscard]] std::size_t reserved_bytes() const noexcept {
        return sizeof(*this) + slots_.size() * sizeof(level) + over_.size() * sizeof(level) +
               order_.size() * sizeof(std::uint16_t) +
               (slot_text_.size() + over_text_.size()) * sizeof(level_text);
    }

    void clear() noexcept {
        bits_.fill(0);
        summary_ = 0;
        win_count_ = 0;
        over_head_ = 0;
        over_size_ = 0;
        forget_order();
    }

    [[nodiscard]] std::size_t size() const noexcept { return win_count_ + over_size_; }

    /// Sets the absolute quantity at a price; zero deletes. Text must fit `level_text`.
    /// Inline: a level in the window; out of line: the rest (new top beyond the window, levels
    /// beyond it, a full side, the best level deleted).
    level_change set(price px, qty sz, std::string_view px_text,
                     std::string_view sz_text) noexcept {
        forget_order();
        const std::int64_t key = key_of(px);
        if (key < base_ || offset(key) >= Window) [[unlikely]] {
            return set_outside(key, px, sz, px_text, sz_text);
        }
        // In the window (an empty side keeps its last window: any window holding the key will do).
        const std::size_t slot = slot_of(key);
        const std::uint64_t bit = std::uint64_t{1} << (slot & 63);
        std::uint64_t& word = bits_[slot >> 6];
        if ((word & bit) != 0) {
            if (sz.value() != 0) {
                slots_[slot].sz = sz;
                if (keep_text_) {
                    store_text(slot_text_[slot], px_text, sz_text);
                }
                return level_change::updated;
            }
            word &= ~bit;
            if (word == 0) {
                summary_ &= ~(std::uint64_t{1} << (slot >> 6));
            }
            --win_count_;
            if (key == best_key_) {
                best_removed(slot);
            }
            return level_change::deleted;
        }
        if (sz.value() == 0) {
            return level_change::delete_unknown;
        }
        if (size() == capacity_) [[unlikely]] {
            return insert_full(key, px, sz, px_text, sz_text);
        }
        place(key, px, sz, px_text, sz_text);
        return level_change::inserted;
    }

    /// Quantity held at a price (0 when absent).
    [[nodiscard]] qty qty_at(price px) const noexcept {
        const std::int64_t key = key_of(px);
        if (size() == 0 || key < base_) {
            return qty{};
        }
        if (offset(key) < Window) {
            const std::size_t slot = slot_of(key);
            return has(slot) ? slots_[slot].sz : qty{};
        }
        const std::size_t i = over_lower_bound(key);
        return i < over_size_ && key_of(over_at(i).px) == key ? over_at(i).sz : qty{};
    }

    /// Best level; {0, 0} when the side is empty.
    [[nodiscard]] level best() const noexcept {
        return win_count_ == 0 ? level{} : slots_[slot_of(best_key_)];
    }

    /// The i-th level from the top. The window's levels are read through `order_`, their slots
    /// in price order, filled on demand and forgotten by any change: reading the top n levels
    /// after an update costs one pass over their bitmap words, then an index per read.
    [[nodiscard]] const level& at(std::size_t i) const noexcept {
        return i < win_count_ ? slots_[window_slot(i)] : over_at(i - win_count_);
    }
    [[nodiscard]] const level_text& text_at(std::size_t i) const noexcept {
        return i < win_count_ ? slot_text_[window_slot(i)] : over_text_[over_phys(i - win_count_)];
    }

    /// Calls f(const level&) from the best level outwards while it returns true.
    template <class F> void visit(F&& f) const {
        if (win_count_ != 0) {
            const std::size_t start = slot_of(base_);
            std::size_t w = start >> 6;
            std::uint64_t m = bits_[w] & (~std::uint64_t{0} << (start & 63));
            for (std::size_t n = 0; n <= words; ++n) {
                if (n == words) { // back in the first word: the slots before the start
                    m = bits_[w] & ~(~std::uint64_t{0} << (start & 63));
                }
                while (m != 0) {
                    if (!f(slots_[w * 64 + static_cast<std::size_t>(std::countr_zero(m))])) {
                        return;
                    }
                    m &= m - 1;
                }
                w = (w + 1) % words;
                m = bits_[w];
            }
        }
        for (std::size_t i = 0; i < over_size_; ++i) {
            if (!f(over_at(i))) {
                return;
            }
        }
    }

    /// Keeps the best `n` levels.
    void truncate(std::size_t n) noexcept {
        forget_order();
        while (size() > n) {
            evict_worst();
        }
    }

    /// Replaces the side from levels given best first; see l2_book::assign_best_first.
    template <class Get> bool assign_best_first(std::size_t n, Get&& get) noexcept {
        clear();
        const std::size_t keep = std::min(n, capacity_);
        std::int64_t last = 0;
        for (std::size_t i = 0; i < keep; ++i) {
            const auto [px, sz, px_text, sz_text] = get(i);
            const std::int64_t key = key_of(px);
            if ((i != 0 && key <= last) || sz.value() <= 0 ||
                (keep_text_ &&
                 (px_text.size() > level_text::max_len || sz_text.size() > level_text::max_len))) {
                clear();
                return false;
            }
            if (i == 0) {
                base_ = base_for(key);
            }
            if (offset(key) < Window) {
                place(key, px, sz, px_text, sz_text);
            } else { // worse than everything so far: the overflow's new back
                over_insert(over_size_, px, sz, px_text, sz_text);
            }
            last = key;
        }
        return true;
    }

    /// True if every level's price times `pf` and quantity times `qf` fit in 64 bits.
    [[nodiscard]] bool can_scale(std::int64_t pf, std::int64_t qf) const noexcept {
        bool ok = true;
        visit([&](const level& l) {
            std::int64_t out = 0;
            ok = !__builtin_mul_overflow(l.px.value(), pf, &out) &&
                 !__builtin_mul_overflow(l.sz.value(), qf, &out);
            return ok;
        });
        return ok;
    }

    /// Multiplies every price by `pf` and quantity by `qf` (both >= 1, checked by can_scale).
    /// Prices move, so the window is rebuilt: every level goes to the overflow (order kept, as
    /// scaling by a positive factor keeps it), then the window is placed at the new top.
    void scale(std::int64_t pf, std::int64_t qf) noexcept {
        forget_order();
        if (size() == 0) {
            return;
        }
        spill_from(base_);
        for (std::size_t i = 0; i < over_size_; ++i) {
            level& l = over_[over_phys(i)];
            l = level{price(l.px.value() * pf), qty(l.sz.value() * qf)};
        }
        base_ = base_for(key_of(over_at(0).px));
        refill();
    }

  private:
    [[nodiscard]] std::int64_t key_of(price px) const noexcept {
        return bid_ ? ~px.value() : px.value();
    }
    /// Distance of a key from the window's start; only meaningful for key >= base_.
    [[nodiscard]] std::uint64_t offset(std::int64_t key) const noexcept {
        return static_cast<std::uint64_t>(key) - static_cast<std::uint64_t>(base_);
    }
    [[nodiscard]] static std::size_t slot_of(std::int64_t key) noexcept {
        return static_cast<std::size_t>(static_cast<std::uint64_t>(key) & slot_mask);
    }
    [[nodiscard]] static std::int64_t base_for(std::int64_t best) noexcept {
        constexpr auto lowest = std::numeric_limits<std::int64_t>::min();
        return best < lowest + headroom ? lowest : best - headroom;
    }
    [[nodiscard]] bool has(std::size_t slot) const noexcept {
        return (bits_[slot >> 6] >> (slot & 63)) & 1;
    }

    static void store_text(level_text& t, std::string_view px, std::string_view sz) noexcept {
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

    /// Puts a new level in the window (its key is inside it).
    void place(std::int64_t key, price px, qty sz, std::string_view px_text,
               std::string_view sz_text) noexcept {
        const std::size_t slot = slot_of(key);
        slots_[slot] = level{px, sz};
        if (keep_text_) {
            store_text(slot_text_[slot], px_text, sz_text);
        }
        bits_[slot >> 6] |= std::uint64_t{1} << (slot & 63);
        summary_ |= std::uint64_t{1} << (slot >> 6);
        if (win_count_ == 0 || key < best_key_) {
            best_key_ = key;
        }
        ++win_count_;
    }

    /// Takes a level out of the window; keeps the invariants (best, a non-empty window).
    void remove_slot(std::size_t slot) noexcept {
        const std::size_t w = slot >> 6;
        bits_[w] &= ~(std::uint64_t{1} << (slot & 63));
        if (bits_[w] == 0) {
            summary_ &= ~(std::uint64_t{1} << w);
        }
        --win_count_;
        if (slot == slot_of(best_key_)) {
            best_removed(slot);
        }
    }

    /// After the best level (at `slot`) left the window: the next one is the best, and if the
    /// window is empty or the top moved far into it, the window moves on.
    [[gnu::noinline]] void best_removed(std::size_t slot) noexcept {
        if (win_count_ == 0) {
            if (over_size_ != 0) { // the window moves out to the overflow's best
                base_ = base_for(key_of(over_at(0).px));
                refill();
            }
            return;
        }
        best_key_ = key_of(slots_[next_set(slot)].px);
        if (offset(best_key_) >= Window / 2 && over_size_ != 0) {
            // The top has moved far into the window: slide it so the levels behind follow.
            base_ = base_for(best_key_);
            refill();
        }
    }

    /// First set slot at or after `p`, cyclically. Precondition: the window is not empty.
    [[nodiscard]] std::size_t next_set(std::size_t p) const noexcept {
        const std::size_t w = p >> 6;
        const std::uint64_t m = bits_[w] & (~std::uint64_t{0} << (p & 63));
        if (m != 0) {
            return w * 64 + static_cast<std::size_t>(std::countr_zero(m));
        }
        const std::uint64_t after = w + 1 < 64 ? summary_ & (~std::uint64_t{0} << (w + 1)) : 0;
        const std::size_t v =
            static_cast<std::size_t>(std::countr_zero(after != 0 ? after : summary_));
        return v * 64 + static_cast<std::size_t>(std::countr_zero(bits_[v]));
    }

    /// Last set slot at or before `p`, cyclically. Precondition: the window is not empty.
    [[nodiscard]] std::size_t prev_set(std::size_t p) const noexcept {
        const std::size_t w = p >> 6;
        const std::uint64_t m = bits_[w] & (~std::uint64_t{0} >> (63 - (p & 63)));
        if (m != 0) {
            return w * 64 + 63 - static_cast<std::size_t>(std::countl_zero(m));
        }
        const std::uint64_t before = summary_ & ((std::uint64_t{1} << w) - 1);
        const std::size_t v =
            63 - static_cast<std::size_t>(std::countl_zero(before != 0 ? before : summary_));
        return v * 64 + 63 - static_cast<std::size_t>(std::countl_zero(bits_[v]));
    }

    /// Slot of the window's worst level. Precondition: the window is not empty.
    [[nodiscard]] std::size_t worst_slot() const noexcept {
        return prev_set((slot_of(base_) + Window - 1) & slot_mask);
    }

    [[nodiscard]] std::int64_t worst_key() const noexcept {
        return over_size_ != 0 ? key_of(over_at(over_size_ - 1).px)
                               : key_of(slots_[worst_slot()].px);
    }

    /// Drops the worst level in O(1): the overflow's back, or the window's last set slot.
    void evict_worst() noexcept {
        if (over_size_ != 0) {
            --over_size_;
        } else {
            remove_slot(worst_slot());
        }
    }

    /// Moves every window level with key >= `from` to the overflow's front, worst first (they
    /// are all better than the overflow's levels). O(levels moved).
    void spill_from(std::int64_t from) noexcept {
        while (win_count_ != 0) {
            const std::size_t slot = worst_slot();
            const level l = slots_[slot];
            if (key_of(l.px) < from) {
                return;
            }
            over_head_ = (over_head_ + over_mask_) & over_mask_;
            ++over_size_;
            over_[over_head_] = l;
            if (keep_text_) {
                over_text_[over_head_] = slot_text_[slot];
            }
            const std::size_t w = slot >> 6;
            bits_[w] &= ~(std::uint64_t{1} << (slot & 63));
            if (bits_[w] == 0) {
                summary_ &= ~(std::uint64_t{1} << w);
            }
            --win_count_;
        }
    }

    /// Slides the window to start at `to` < base_: the levels it no longer covers spill.
    void slide_to_better(std::int64_t to) noexcept {
        const std::uint64_t shift =
            static_cast<std::uint64_t>(base_) - static_cast<std::uint64_t>(to);
        if (shift < Window) {
            spill_from(static_cast<std::int64_t>(static_cast<std::uint64_t>(to) + Window));
        } else {
            spill_from(base_);
        }
        base_ = to;
    }

    /// Moves the overflow's levels now inside the window (after base_ moved up) into it.
    void refill() noexcept {
        while (over_size_ != 0) {
            const level& l = over_[over_head_];
            const std::int64_t key = key_of(l.px);
            if (offset(key) >= Window) {
                return;
            }
            const std::size_t slot = slot_of(key);
            slots_[slot] = l;
            if (keep_text_) {
                slot_text_[slot] = over_text_[over_head_];
            }
            bits_[slot >> 6] |= std::uint64_t{1} << (slot & 63);
            summary_ |= std::uint64_t{1} << (slot >> 6);
            if (win_count_ == 0 || key < best_key_) {
                best_key_ = key;
            }
            ++win_count_;
            over_head_ = (over_head_ + 1) & over_mask_;
            --over_size_;
        }
    }

    /// A key outside the window: a new top (the window slides to it), or a level beyond the
    /// window (sorted insert, update or delete in the overflow ring).
    [[gnu::noinline, gnu::cold]] level_change set_outside(std::int64_t key, price px, qty sz,
                                                          std::string_view px_text,
                                                          std::string_view sz_text) noexcept {
        if (size() == 0) {
            if (sz.value() == 0) {
                return level_change::delete_unknown;
            }
            if (capacity_ == 0) {
                return level_change::dropped_full;
            }
            base_ = base_for(key);
            place(key, px, sz, px_text, sz_text);
            return level_change::inserted;
        }
        if (key < base_) { // better than every level held: the window slides towards the top
            if (sz.value() == 0) {
                return level_change::delete_unknown;
            }
            if (size() == capacity_) {
                evict_worst();
            }
            slide_to_better(base_for(key));
            place(key, px, sz, px_text, sz_text);
            return level_change::inserted;
        }
        std::size_t i = over_lower_bound(key);
        const bool found = i < over_size_ && key_of(over_at(i).px) == key;
        if (sz.value() == 0) {
            if (!found) {
                return level_change::delete_unknown;
            }
            over_erase(i);
            return level_change::deleted;
        }
        if (found) {
            over_[over_phys(i)].sz = sz;
            if (keep_text_) {
                store_text(over_text_[over_phys(i)], px_text, sz_text);
            }
            return level_change::updated;
        }
        if (size() == capacity_) {
            if (i == over_size_) { // worse than the worst held
                return level_change::dropped_full;
            }
            --over_size_; // the worst, at the back, makes room
        }
        over_insert(i, px, sz, px_text, sz_text);
        if (offset(best_key_) >= Window / 2) {
            base_ = base_for(best_key_); // the top drifted down: let the window follow it
            refill();
        }
        return level_change::inserted;
    }

    /// A new level in the window of a full side: it evicts the worst unless it is worse.
    [[gnu::noinline]] level_change insert_full(std::int64_t key, price px, qty sz,
                                               std::string_view px_text,
                                               std::string_view sz_text) noexcept {
        if (capacity_ == 0 || key > worst_key()) {
            return level_change::dropped_full;
        }
        evict_worst();
        if (size() == 0) { // the only level was evicted: start again around this one
            base_ = base_for(key);
        }
        place(key, px, sz, px_text, sz_text);
        return level_change::inserted;
    }

    [[nodiscard]] std::size_t over_phys(std::size_t i) const noexcept {
        return (over_head_ + i) & over_mask_;
    }
    [[nodiscard]] const level& over_at(std::size_t i) const noexcept { return over_[over_phys(i)]; }

    [[nodiscard]] std::size_t over_lower_bound(std::int64_t key) const noexcept {
        std::size_t lo = 0;
        std::size_t n = over_size_;
        while (n > 0) {
            const std::size_t half = n / 2;
            if (key_of(over_at(lo + half).px) < key) {
                lo += half + 1;
                n -= half + 1;
            } else {
                n = half;
            }
        }
        return lo;
    }

    /// Inserts at logical index i, moving the shorter part of the ring by one.
    void over_insert(std::size_t i, price px, qty sz, std::string_view px_text,
                     std::string_view sz_text) noexcept {
        if (i < over_size_ / 2) {
            over_head_ = (over_head_ + over_mask_) & over_mask_;
            for (std::size_t k = 0; k < i; ++k) {
                move_over(over_phys(k + 1), over_phys(k));
            }
        } else {
            for (std::size_t k = over_size_; k > i; --k) {
                move_over(over_phys(k - 1), over_phys(k));
            }
        }
        ++over_size_;
        over_[over_phys(i)] = level{px, sz};
        if (keep_text_) {
            store_text(over_text_[over_phys(i)], px_text, sz_text);
        }
    }

    void over_erase(std::size_t i) noexcept {
        if (i < over_size_ / 2) {
            for (std::size_t k = i; k > 0; --k) {
                move_over(over_phys(k - 1), over_phys(k));
            }
            over_head_ = (over_head_ + 1) & over_mask_;
        } else {
            for (std::size_t k = i; k + 1 < over_size_; ++k) {
                move_over(over_phys(k + 1), over_phys(k));
            }
        }
        --over_size_;
    }

    void move_over(std::size_t from, std::size_t to) noexcept {
        over_[to] = over_[from];
        if (keep_text_) {
            over_text_[to] = over_text_[from];
        }
    }

    /// Slot of the i-th window level (i < win_count_).
    [[nodiscard]] std::size_t window_slot(std::size_t i) const noexcept {
        if (i >= order_n_) [[unlikely]] {
            extend_order(i);
        }
        return order_[i];
    }

    /// Fills `order_` past index i (at least doubling it, so reading every level is O(n)).
    [[gnu::noinline]] void extend_order(std::size_t i) const noexcept {
        const std::size_t target = std::min(win_count_, std::max({i + 1, 2 * order_n_, min_order}));
        // Walk the slots by rank (distance from the window's start, i.e. price order) from just
        // after the last slot read. Every unread level has a rank >= r and the target never
        // exceeds the levels in the window, so the walk ends before rank Window.
        const std::size_t start = slot_of(base_);
        std::size_t r = order_n_ == 0 ? 0 : (order_[order_n_ - 1] + 1 - start) & slot_mask;
        while (order_n_ < target) {
            const std::size_t pos = (start + r) & slot_mask;
            const std::size_t w = pos >> 6;
            std::uint64_t m = bits_[w] & (~std::uint64_t{0} << (pos & 63));
            if (w == start >> 6 && (pos & 63) < (start & 63)) {
                m &= (std::uint64_t{1} << (start & 63)) - 1; // the last ranks: before the start
            }
            while (m != 0 && order_n_ < target) {
                order_[order_n_++] = static_cast<std::uint16_t>(
                    w * 64 + static_cast<std::size_t>(std::countr_zero(m)));
                m &= m - 1;
            }
            r += 64 - (pos & 63);
        }
    }

    void forget_order() noexcept { order_n_ = 0; }

    std::array<std::uint64_t, words> bits_{};
    std::uint64_t summary_ = 0;
    std::int64_t base_ = 0;
    std::int64_t best_key_ = 0;
    std::size_t win_count_ = 0;
    std::size_t over_head_ = 0;
    std::size_t over_size_ = 0;
    std::size_t over_mask_ = 0;
    std::size_t capacity_;
    bool bid_;
    bool keep_text_;
    /// Levels read in order after a change are usually the top few dozen (checksums, routing).
    static constexpr std::size_t min_order = 32;
    mutable std::size_t order_n_ = 0;
    mutable std::vector<std::uint16_t> order_;
    std::vector<level> slots_;
    std::vector<level> over_;
    std::vector<level_text> slot_text_;
    std::vector<level_text> over_text_;
};

} // namespace ballast::detail
