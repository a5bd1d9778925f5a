#pragma once
/// The fills already booked, by venue, order and the venue's trade id: a venue that sends an
/// execution report twice (a reconnect, a replayed stream, reconciliation after a crash) has
/// its fill booked once. A fixed open-addressing table of 64-bit keys, sized at construction:
/// no allocation, no lock, O(1) on the engine thread.
#include "book/types.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace ballast::exec {

class fill_dedup {
  public:
    /// Room for `capacity` fills (rounded up to a power of two, kept at most half full).
    explicit fill_dedup(std::size_t capacity = 1 << 17) {
        std::size_t c = 16;
        while (c < capacity * 2) {
            c <<= 1;
        }
        slots_.assign(c, 0);
    }

    /// The key of one fill: FNV-1a over the venue, the order and the trade id, never 0.
    [[nodiscard]] static std::uint64_t key(venue_id v, client_order_id id,
                                           std::string_view trade_id) noexcept {
        std::uint64_t h = 1469598103934665603ULL;
        const auto mix = [&h](std::uint64_t x) {
            for (int i = 0; i < 8; ++i) {
                h = (h ^ ((x >> (8 * i)) & 0xff)) * 1099511628211ULL;
            }
        };
        mix(v.value);
        mix(id.value);
        for (const char c : trade_id) {
            h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
        }
        return h == 0 ? 1 : h;
    }

    enum class result : std::uint8_t { added, duplicate, full };
    /// Adds the fill; `duplicate` when it was booked before.
    [[nodiscard]] result insert(std::uint64_t k) noexcept {
        if ((size_ + 1) * 2 > slots_.size()) {
            return result::full;
        }
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = k & mask;; i = (i + 1) & mask) {
            if (slots_[i] == k) {
                return result::duplicate;
            }
            if (slots_[i] == 0) {
                slots_[i] = k;
                ++size_;
                return result::added;
            }
        }
    }
    [[nodiscard]] bool contains(std::uint64_t k) const noexcept {
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = k & mask;; i = (i + 1) & mask) {
            if (slots_[i] == k) {
                return true;
            }
            if (slots_[i] == 0) {
                return false;
            }
        }
    }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }

  private:
    std::vector<std::uint64_t> slots_;
    std::size_t size_ = 0;
};

} // namespace ballast::exec
