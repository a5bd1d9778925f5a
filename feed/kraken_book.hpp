#pragma once
/// What Kraken's WebSocket v1 and v2 book feeds share: the CRC32 book checksum over the top ten
/// levels of each side, verified on the staged message *before* it touches the book, and the
/// truncation of the book to the subscribed depth.

#include "feed/venue_feed.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace ballast::feed {

/// Where the checksum takes a level's digits from.
enum class kraken_checksum_text : std::uint8_t {
    /// v1 ("Book Checksum" in the WS v1 docs): the price and volume strings exactly as
    /// received. Their decimals are the websocket's own (XBT/CHF: 5), not the pair's
    /// `pair_decimals` (1), so the book keeps the venue's text.
    received,
    /// v2 ("Book checksum guide"): the numbers formatted with the pair's price and qty
    /// precision, which are the decimals of the instrument's tick and lot.
    formatted,
};

/// A venue_feed for Kraken books. Not thread-safe.
class kraken_book_feed : public venue_feed {
  public:
    /// Levels of each side in the checksum (both WS versions).
    static constexpr std::size_t checksum_levels = 10;
    /// Digits a level's price or size contributes at most (longer than any level text).
    static constexpr std::size_t max_level_digits = 64;

  protected:
    kraken_book_feed(std::string venue, const instrument_registry& instruments, reject_log& rejects,
                     feed_options options, kraken_checksum_text text);

    /// The checksum of the book that applying the staged levels would give: over the staged
    /// levels alone when `replace` (a snapshot), else over `b` with the staged levels applied
    /// in order, cut to `b.depth_limit`. The book is not modified.
    [[nodiscard]] std::uint32_t staged_checksum(const venue_book& b, bool replace) noexcept;

    /// Verifies `expected` against the staged message; counts the result. On a mismatch the
    /// book is marked stale (the venue's procedure: resubscribe for a new snapshot) and false
    /// is returned: the caller must not apply the message.
    [[nodiscard]] bool verify_checksum(venue_book& b, bool replace, std::uint32_t expected,
                                       const feed_frame& f) noexcept;

    /// Applies a staged message that passed validation and the checksum: a snapshot replaces
    /// the book and makes it live; the book is cut to its depth after every message.
    void apply_verified(venue_book& b, bool replace, const feed_frame& f) noexcept;

  private:
    struct candidate {
        price px;
        qty sz;
        std::string_view px_text;
        std::string_view sz_text;
        std::uint32_t order; ///< staged index; book levels come last (UINT32_MAX)
    };
    /// Appends the checksum digits of side `s`'s top levels after the message to digits_.
    void side_digits(const venue_book& b, bool replace, side s) noexcept;
    void level_digits(const venue_book& b, const candidate& c) noexcept;

    kraken_checksum_text text_;
    std::vector<candidate> candidates_; // reserved once: no allocation per message
    // The checksummed digits of one message: price and size of ten levels a side.
    std::array<char, 2 * checksum_levels * 2 * max_level_digits> digits_{};
    std::size_t digits_size_ = 0;
};

/// CRC32 (zlib) of `text` with every '.' removed and leading zeros stripped, chained onto `crc`.
[[nodiscard]] std::uint32_t kraken_crc_digits(std::uint32_t crc, std::string_view text) noexcept;

} // namespace ballast::feed
