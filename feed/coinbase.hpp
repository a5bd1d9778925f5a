#pragma once
/// Coinbase Advanced Trade WebSocket `level2` (`l2_data` events: snapshot and update per
/// product). `sequence_num` counts every message on a connection across all channels; any gap
/// means a lost message, so every book on that connection goes stale until re-subscribed
/// ("Sequence numbers" in the Advanced Trade WebSocket docs).

#include "feed/venue_feed.hpp"

#include <vector>

namespace ballast::feed {

class coinbase_feed final : public venue_feed {
  public:
    coinbase_feed(const instrument_registry& instruments, reject_log& rejects,
                  feed_options options = {});
    void on_frame(const feed_frame& f) noexcept override;
    void on_connect(const feed_frame& f) noexcept override;

  private:
    struct connection_state {
        std::uint32_t conn = 0;
        std::int64_t last_seq = -1;
    };
    connection_state& connection(std::uint32_t conn) noexcept;
    void on_l2_event(simdjson::dom::object event, const feed_frame& f) noexcept;
    void stale_all(const feed_frame& f, std::string_view reason) noexcept;

    std::vector<connection_state> connections_;
};

} // namespace ballast::feed
