#pragma once
/// Kraken WebSocket v1 `book` channel ("Book" and "Book Checksum" in the WS v1 docs).
///
/// Frames are arrays `[channelID, {"as":[...],"bs":[...]}, "book-N", "PAIR"]` (snapshot) and
/// `[channelID, {"a":[...]}, {"b":[...],"c":"crc"}, "book-N", "PAIR"]` (update: asks and bids
/// may come in one or two objects, `c` in the last one). Levels are
/// `["price","volume","timestamp"]`, with a fourth `"r"` for a republished level (applied like
/// any update). v1 has no sequence numbers: the CRC32 checksum of the top ten levels of each
/// side, verified on every update before it is applied, is the integrity check, and the book is
/// cut to the subscribed depth N after every message. A mismatch or a malformed update marks the
/// book stale; the procedure is to resubscribe, whose snapshot brings it back.

#include "feed/kraken_book.hpp"

#include <string_view>

namespace ballast::feed {

class kraken_feed final : public kraken_book_feed {
  public:
    kraken_feed(const instrument_registry& instruments, reject_log& rejects,
                feed_options options = {});

    void on_frame(const feed_frame& f) noexcept override;
    /// A new connection: every book waits for the snapshot of its new subscription.

  private:
    void on_event(const feed_frame& f, simdjson::dom::object event) noexcept;
    /// Stages the levels of the payload objects of an array frame of `elements` elements;
    /// false after a reject.
    bool decode_book(const feed_frame& f, venue_book& b, simdjson::dom::array frame,
                     std::size_t elements) noexcept;
    void on_book(const feed_frame& f, venue_book& b, std::size_t depth,
                 std::string_view channel) noexcept;

    // What decode_book found.
    bool snapshot_ = false;
    bool update_ = false;
    bool has_checksum_ = false;
    std::uint32_t checksum_ = 0;
};

} // namespace ballast::feed
