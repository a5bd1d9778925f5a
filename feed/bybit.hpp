#pragma once
/// Bybit v5 public `orderbook.{depth}.{symbol}` on the spot and linear streams: snapshot then
/// deltas; `u` rises by one per delta, a snapshot (or a message with u == 1, sent after a
/// service restart) replaces the book ("Orderbook" in the v5 WebSocket public docs).

#include "feed/venue_feed.hpp"

namespace ballast::feed {

enum class bybit_category : std::uint8_t { spot, linear };

class bybit_feed final : public venue_feed {
  public:
    bybit_feed(bybit_category category, const instrument_registry& instruments, reject_log& rejects,
               feed_options options = {});
    void on_frame(const feed_frame& f) noexcept override;
};

} // namespace ballast::feed
