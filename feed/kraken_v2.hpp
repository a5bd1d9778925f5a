#pragma once
/// Kraken WebSocket v2 `book` channel ("Book" and the "Book checksum guide" in the WS v2 docs).
///
/// `{"channel":"book","type":"snapshot"|"update","data":[{"symbol":"BTC/USD","bids":[{"price":
/// 45283.5,"qty":0.1}],"asks":[...],"checksum":3310070434,"timestamp":"..."}]}`. Prices and
/// quantities are JSON numbers; the checksum (on snapshots and updates) is the CRC32 of the top
/// ten asks then the top ten bids, each price and qty formatted with the pair's price and qty
/// precision (the decimals of the instrument's tick and lot), '.' removed and leading zeros
/// stripped. It is verified on the staged message before it is applied; the book is cut to the
/// subscribed depth (from the subscribe request or its acknowledgement; 10 by default) after
/// every message. A mismatch or a malformed update marks the book stale until the snapshot of a
/// new subscription.

#include "feed/kraken_book.hpp"

#include <string>
#include <utility>
#include <vector>

namespace ballast::feed {

class kraken_v2_feed final : public kraken_book_feed {
  public:
    /// The depth Kraken v2 uses when a subscription names none.
    static constexpr std::size_t default_depth = 10;

    kraken_v2_feed(const instrument_registry& instruments, reject_log& rejects,
                   feed_options options = {});

    void on_frame(const feed_frame& f) noexcept override;
    /// Reads the depth of a `{"method":"subscribe","params":{"channel":"book","depth":N,...}}`.
    void on_sent(const feed_frame& f) noexcept override;

  private:
    void on_book_entry(const feed_frame& f, simdjson::ondemand::object entry,
                       bool snapshot) noexcept;
    /// Reads a book subscription (request params or acknowledgement result) and records its
    /// depth for each symbol it names.
    void on_subscription(simdjson::ondemand::object params) noexcept;
    [[nodiscard]] std::size_t depth_for(std::string_view symbol) const noexcept;

    std::vector<std::pair<std::string, std::size_t>> depths_; // subscribed depth per symbol
};

} // namespace ballast::feed
