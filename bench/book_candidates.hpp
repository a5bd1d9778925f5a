#pragma once
// Book layouts measured against l2_book's ladder in bench/feed_bench.cpp (issue 12), each with
// the same set_level semantics on a side of at most `capacity` levels (at capacity a better level
// evicts the worst, a worse one is dropped):
// - flat_book: l2_book before the ladder, a sorted vector per side with the best level at the
//   back (scan 16 levels from the top, then binary search; insert/erase shift the tail);
// - blocked_book: a B+-tree of height two: sorted blocks of up to 64 levels and an index of each
//   block's first key, searched by a linear scan of the index then of the block's keys;
// - ladder_book<Window>: l2_book's own ladder (book/detail/price_ladder.hpp) at other windows.
#include "book/detail/price_ladder.hpp"
#include "book/level.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ballast::bench {

class flat_book {
  public:
    explicit flat_book(std::size_t capacity) : capacity_(capacity) {
        bids_.reserve(capacity);
        asks_.reserve(capacity);
    }
    void clear() noexcept {
        bids_.clear();
        asks_.clear();
    }
    level_change set_level(side s, price px, qty sz) noexcept {
        auto& v = s == side::bid ? bids_ : asks_;
        // Storage order: bids ascending, asks descending (best at the back).
        const auto before = [s](price a, price b) { return s == side::bid ? a < b : a > b; };
        std::size_t i = v.size();
        const std::size_t stop = v.size() > 16 ? v.size() - 16 : 0;
        while (i > stop && !before(v[i - 1].px, px)) {
            --i;
        }
        if (i == stop && stop != 0) {
            i = static_cast<std::size_t>(
                std::lower_bound(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(stop), px,
                                 [&](const level& l, price p) { return before(l.px, p); }) -
                v.begin());
        }
        const bool found = i < v.size() && v[i].px == px;
        if (sz.value() == 0) {
            if (!found) {
                return level_change::delete_unknown;
            }
            v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
            return level_change::deleted;
        }
        if (found) {
            v[i].sz = sz;
            return level_change::updated;
        }
        if (v.size() == capacity_) {
            if (i == 0) {
                return level_change::dropped_full;
            }
            v.erase(v.begin());
            --i;
        }
        v.insert(v.begin() + static_cast<std::ptrdiff_t>(i), level{px, sz});
        return level_change::inserted;
    }
    [[nodiscard]] level best(side s) const noexcept {
        const auto& v = s == side::bid ? bids_ : asks_;
        return v.empty() ? level{} : v.back();
    }
    [[nodiscard]] std::size_t depth(side s) const noexcept {
        return (s == side::bid ? bids_ : asks_).size();
    }
    [[nodiscard]] const level& at(side s, std::size_t i) const noexcept {
        const auto& v = s == side::bid ? bids_ : asks_;
        return v[v.size() - 1 - i];
    }

  private:
    std::vector<level> bids_;
    std::vector<level> asks_;
    std::size_t capacity_;
};

class blocked_book {
    static constexpr std::size_t block_len = 64;
    struct block {
        std::array<std::int64_t, block_len> key; // ascending: the best first
        std::array<std::int64_t, block_len> sz;
        std::uint32_t n = 0;
    };
    struct side_blocks {
        std::vector<block> pool;              // preallocated
        std::vector<std::uint32_t> free_list; // unused blocks of the pool
        std::vector<std::uint32_t> order;     // blocks in key order
        std::vector<std::int64_t> first;      // first key of each block in `order`
        std::size_t count = 0;
    };

  public:
    explicit blocked_book(std::size_t capacity) : capacity_(capacity) {
        for (auto* sd : {&bids_, &asks_}) {
            // Blocks are not merged, so each may hold as little as one level: as many blocks as
            // levels, and one more for a split.
            const std::size_t blocks = capacity + 2;
            sd->pool.resize(blocks);
            sd->order.reserve(blocks);
            sd->first.reserve(blocks);
            sd->free_list.reserve(blocks);
        }
        clear();
    }
    void clear() noexcept {
        for (auto* sd : {&bids_, &asks_}) {
            sd->order.clear();
            sd->first.clear();
            sd->free_list.clear();
            for (std::size_t i = sd->pool.size(); i > 0; --i) {
                sd->free_list.push_back(static_cast<std::uint32_t>(i - 1));
            }
            sd->count = 0;
        }
    }
    level_change set_level(side s, price px, qty sz) noexcept {
        side_blocks& sd = s == side::bid ? bids_ : asks_;
        const std::int64_t key = s == side::bid ? ~px.value() : px.value();
        if (sd.order.empty()) {
            if (sz.value() == 0) {
                return level_change::delete_unknown;
            }
            if (capacity_ == 0) {
                return level_change::dropped_full;
            }
            const std::uint32_t b = take(sd);
            sd.pool[b].key[0] = key;
            sd.pool[b].sz[0] = sz.value();
            sd.pool[b].n = 1;
            sd.order.push_back(b);
            sd.first.push_back(key);
            sd.count = 1;
            return level_change::inserted;
        }
        // The last block whose first key is <= key (or the first block).
        std::size_t bi = 0;
        while (bi + 1 < sd.first.size() && sd.first[bi + 1] <= key) {
            ++bi;
        }
        block* blk = &sd.pool[sd.order[bi]];
        std::uint32_t i = 0;
        while (i < blk->n && blk->key[i] < key) {
            ++i;
        }
        const bool found = i < blk->n && blk->key[i] == key;
        if (sz.value() == 0) {
            if (!found) {
                return level_change::delete_unknown;
            }
            erase_at(sd, bi, i);
            return level_change::deleted;
        }
        if (found) {
            blk->sz[i] = sz.value();
            return level_change::updated;
        }
        if (sd.count == capacity_) {
            const std::size_t last = sd.order.size() - 1;
            const block& lb = sd.pool[sd.order[last]];
            if (key > lb.key[lb.n - 1]) {
                return level_change::dropped_full;
            }
            erase_at(sd, last, lb.n - 1);
            return set_level(s, px, sz); // the blocks may have changed: search again
        }
        if (blk->n == block_len) { // split in halves, then insert into the right one
            const std::uint32_t nb = take(sd);
            block& right = sd.pool[nb];
            constexpr std::uint32_t half = block_len / 2;
            std::copy(blk->key.begin() + half, blk->key.end(), right.key.begin());
            std::copy(blk->sz.begin() + half, blk->sz.end(), right.sz.begin());
            right.n = half;
            blk->n = half;
            sd.order.insert(sd.order.begin() + static_cast<std::ptrdiff_t>(bi + 1), nb);
            sd.first.insert(sd.first.begin() + static_cast<std::ptrdiff_t>(bi + 1), right.key[0]);
            if (i > half) {
                blk = &right;
                i -= half;
                ++bi;
            }
        }
        std::copy_backward(blk->key.begin() + i, blk->key.begin() + blk->n,
                           blk->key.begin() + blk->n + 1);
        std::copy_backward(blk->sz.begin() + i, blk->sz.begin() + blk->n,
                           blk->sz.begin() + blk->n + 1);
        blk->key[i] = key;
        blk->sz[i] = sz.value();
        ++blk->n;
        sd.first[bi] = blk->key[0];
        ++sd.count;
        return level_change::inserted;
    }
    [[nodiscard]] level best(side s) const noexcept {
        const side_blocks& sd = s == side::bid ? bids_ : asks_;
        if (sd.order.empty()) {
            return level{};
        }
        const block& b = sd.pool[sd.order[0]];
        return level{price(s == side::bid ? ~b.key[0] : b.key[0]), qty(b.sz[0])};
    }

  private:
    static std::uint32_t take(side_blocks& sd) noexcept {
        const std::uint32_t b = sd.free_list.back();
        sd.free_list.pop_back();
        return b;
    }
    static void erase_at(side_blocks& sd, std::size_t bi, std::uint32_t i) noexcept {
        block& blk = sd.pool[sd.order[bi]];
        std::copy(blk.key.begin() + i + 1, blk.key.begin() + blk.n, blk.key.begin() + i);
        std::copy(blk.sz.begin() + i + 1, blk.sz.begin() + blk.n, blk.sz.begin() + i);
        --blk.n;
        --sd.count;
        if (blk.n == 0) {
            sd.free_list.push_back(sd.order[bi]);
            sd.order.erase(sd.order.begin() + static_cast<std::ptrdiff_t>(bi));
            sd.first.erase(sd.first.begin() + static_cast<std::ptrdiff_t>(bi));
        } else {
            sd.first[bi] = blk.key[0];
        }
    }

    side_blocks bids_;
    side_blocks asks_;
    std::size_t capacity_;
};

template <std::size_t Window> class ladder_book {
  public:
    explicit ladder_book(std::size_t capacity)
        : bids_(true, capacity, false), asks_(false, capacity, false) {}
    void clear() noexcept {
        bids_.clear();
        asks_.clear();
    }
    level_change set_level(side s, price px, qty sz) noexcept {
        return (s == side::bid ? bids_ : asks_).set(px, sz, {}, {});
    }
    [[nodiscard]] level best(side s) const noexcept {
        return (s == side::bid ? bids_ : asks_).best();
    }

  private:
    detail::price_ladder<Window> bids_;
    detail::price_ladder<Window> asks_;
};

} // namespace ballast::bench
