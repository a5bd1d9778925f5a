#pragma once
/// Coinbase Exchange (the legacy Pro feed, ws-feed.exchange.coinbase.com) `level2` channel
/// ("The level2 channel" in the Exchange WebSocket docs).
///
/// `{"type":"snapshot","product_id","bids":[["price","size"]],"asks":[...]}` then
/// `{"type":"l2update","product_id","changes":[["buy"|"sell","price","size"]],"time"}` with
/// absolute sizes (0 removes the level). level2 carries no sequence numbers and no checksum:
/// a lost update cannot be detected from the data. The decoder relies on the connection
/// instead: TCP delivers in order or not at all, and a new connection (`on_connect`) puts every
/// book back to waiting for the snapshot its new subscription sends. A malformed update marks
/// the book stale (live: resubscribe the product for a new snapshot).

#include "feed/venue_feed.hpp"

namespace ballast::feed {

class coinbase_exchange_feed final : public venue_feed {
  public:
    coinbase_exchange_feed(const instrument_registry& instruments, reject_log& rejects,
                           feed_options options = {});

    void on_frame(const feed_frame& f) noexcept override;

  private:
    void on_snapshot(const feed_frame& f, simdjson::dom::object root) noexcept;
    void on_update(const feed_frame& f, simdjson::dom::object root) noexcept;
    /// The book a level2 message is for (counted), or nullptr after a reject.
    venue_book* book_of(const feed_frame& f, simdjson::dom::object root) noexcept;
    void resync_if_live(venue_book& b, const feed_frame& f) noexcept;
};

} // namespace ballast::feed
