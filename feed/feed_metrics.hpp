#pragma once
/// The Prometheus series of one venue's feed: per book (frames, applied messages, gaps,
/// resyncs, checksum failures, rejects, health) and per feed (frames, ring). Registered before
/// the feed runs; published by the thread that runs the decoder (a recording's feed thread,
/// a live feed's I/O thread), which owns every counter it copies.
#include "feed/book_events.hpp"
#include "feed/metrics.hpp"
#include "feed/venue_feed.hpp"

#include <array>
#include <string>
#include <vector>

namespace ballast::feed {

class feed_metrics {
  public:
    /// Series for `venue` and each of `symbols` (the books it follows; a book the decoder
    /// makes for another symbol is not published).
    feed_metrics(metrics::registry& r, const std::string& venue,
                 const std::vector<std::string>& symbols);

    /// Copies the decoder's counters and its books' health (the decoder's thread).
    void publish(const venue_feed& f) noexcept;
    /// The feed's ring: events pushed, producer back-offs, drops (the producer's thread).
    void publish_ring(const ring_listener_stats& s) noexcept;
    /// Frames read from the venue and bytes (live) or from the recording.
    void publish_frames(std::uint64_t frames, std::uint64_t bytes) noexcept;
    /// Live: connections made and lost.
    void publish_connections(std::uint64_t connects, std::uint64_t losses) noexcept;
    /// Frame read (or decode start) to its book update in the ring; `ns_per_unit` converts a
    /// histogram kept in TSC ticks.
    void publish_decode(const latency_histogram& h, double ns_per_unit = 1.0) noexcept {
        decode_->publish(h, ns_per_unit);
    }

  private:
    static constexpr std::size_t health_count = 6;
    struct book_series {
        std::string symbol;
        metrics::cell* messages = nullptr;
        metrics::cell* applied = nullptr;
        metrics::cell* gaps = nullptr;
        metrics::cell* resyncs = nullptr;
        metrics::cell* checksum_fail = nullptr;
        metrics::cell* rejected = nullptr;
        metrics::cell* levels_dropped = nullptr;
        std::array<metrics::cell*, health_count> health{};
    };
    std::vector<book_series> books_;
    metrics::cell* frames_ = nullptr;
    metrics::cell* bytes_ = nullptr;
    metrics::cell* unattributed_ = nullptr;
    metrics::cell* connects_ = nullptr;
    metrics::cell* losses_ = nullptr;
    metrics::cell* ring_events_ = nullptr;
    metrics::cell* ring_backoffs_ = nullptr;
    metrics::cell* ring_dropped_ = nullptr;
    metrics::histogram_cell* decode_ = nullptr;
};

} // namespace ballast::feed
