#pragma once
/// Binance spot and USD-M futures diff-depth streams with the REST snapshot procedure
/// ("How to manage a local order book correctly" in each API's WebSocket docs).

#include "feed/venue_feed.hpp"

#include <string>
#include <vector>

namespace ballast::feed {

enum class binance_market : std::uint8_t {
    spot, ///< `U`/`u`: each event's U is the previous u + 1
    usdm, ///< `pu`: each event's pu is the previous u
};

class binance_feed final : public venue_feed {
  public:
    binance_feed(binance_market market, const instrument_registry& instruments, reject_log& rejects,
                 feed_options options = {});

    void on_frame(const feed_frame& f) noexcept override;

    /// Symbols whose books wait for a REST snapshot (the transport polls this to fetch one).
    [[nodiscard]] std::vector<std::string> snapshot_requests() const;

  private:
    struct depth_event {
        std::string_view symbol;
        std::int64_t first = 0;      // U
        std::int64_t last = 0;       // u
        std::int64_t prev_last = -1; // pu (USD-M)
    };
    // Events that arrive before the snapshot are kept (as text) until it arrives.
    struct pending {
        std::vector<std::string> frames;
        std::size_t dropped = 0;
    };
    static constexpr std::size_t max_pending = 4096;

    void on_snapshot(const feed_frame& f) noexcept;
    void on_depth(const feed_frame& f, simdjson::dom::object data, bool replaying) noexcept;
    bool decode_levels(simdjson::dom::object o, const char* bids, const char* asks) noexcept;
    void apply_event(venue_book& b, const depth_event& ev, const feed_frame& f) noexcept;
    pending& pending_for(const venue_book& b);

    binance_market market_;
    std::vector<std::pair<const venue_book*, pending>> pending_;
    std::string replay_buffer_;
};

} // namespace ballast::feed
