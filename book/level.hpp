#pragma once
/// One price level of an L2 book, its venue text and the outcome of setting it.

#include "book/types.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

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
    /// Writes the price (or size) text at `out`, which has room for max_len bytes, in one
    /// fixed-size copy whatever its length; returns the length.
    std::size_t put_price(char* out) const noexcept {
        std::memcpy(out, px.data(), max_len);
        return px_len;
    }
    std::size_t put_size(char* out) const noexcept {
        std::memcpy(out, sz.data(), max_len);
        return sz_len;
    }
};

enum class level_change : std::uint8_t {
    inserted,
    updated,
    deleted,
    delete_unknown, ///< zero quantity for a price the book does not hold: a no-op
    dropped_full,   ///< the side is at capacity and the level is worse than all held levels
    text_too_long,  ///< the venue text does not fit `level_text`; book unchanged
};

} // namespace ballast
