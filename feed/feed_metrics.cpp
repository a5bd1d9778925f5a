// The Prometheus series of one venue's feed (feed_metrics.hpp).
#include "feed/feed_metrics.hpp"

namespace ballast::feed {

feed_metrics::feed_metrics(metrics::registry& r, const std::string& venue,
                           const std::vector<std::string>& symbols) {
    const metrics::labels v{{"venue", venue}};
    frames_ = &r.counter("ballast_feed_connection_frames_total",
                         "frames read from the venue's connections (or its recording)", v);
    bytes_ = &r.counter("ballast_feed_connection_bytes_total", "bytes of those frames", v);
    connects_ = &r.counter("ballast_feed_connects_total", "connections made to the venue", v);
    losses_ = &r.counter("ballast_feed_connection_losses_total", "connections lost", v);
    unattributed_ = &r.counter("ballast_feed_unattributed_rejects_total",
                               "malformed frames that name no followed book", v);
    ring_events_ = &r.counter("ballast_ring_events_total",
                              "book events the feed pushed into its ring to the engine", v);
    ring_backoffs_ =
        &r.counter("ballast_ring_full_backoffs_total", "producer back-offs on a full ring", v);
    ring_dropped_ = &r.counter("ballast_ring_dropped_events_total",
                               "events a live feed dropped on a full ring (its books resent)", v);
    decode_ = &r.histogram("ballast_feed_decode_latency_seconds",
                           "frame read (live: the kernel's receive stamp) to its book update "
                           "in the ring; recordings: the decode of one frame",
                           v);
    books_.reserve(symbols.size());
    for (const auto& s : symbols) {
        const metrics::labels l{{"venue", venue}, {"symbol", s}};
        book_series b;
        b.symbol = s;
        b.messages = &r.counter("ballast_feed_frames_total", "book messages for this book", l);
        b.applied = &r.counter("ballast_feed_applied_total",
                               "book messages applied whole to the local book", l);
        b.gaps = &r.counter("ballast_feed_gaps_total", "sequence gaps", l);
        b.resyncs = &r.counter("ballast_feed_resyncs_total", "snapshots after the first", l);
        b.checksum_fail = &r.counter("ballast_feed_checksum_failures_total",
                                     "venue checksums that disagreed with the local book", l);
        b.rejected = &r.counter("ballast_feed_rejected_total", "malformed messages", l);
        b.levels_dropped =
            &r.counter("ballast_book_levels_dropped_total", "levels a full book side refused", l);
        for (std::size_t h = 0; h < health_count; ++h) {
            metrics::labels hl = l;
            hl.emplace_back("state", std::string(to_string(static_cast<book_health>(h))));
            b.health[h] = &r.gauge("ballast_book_health",
                                   "1 for the state the book is in (only live is routed)", hl);
        }
        books_.push_back(std::move(b));
    }
}

void feed_metrics::publish(const venue_feed& f) noexcept {
    for (const auto& vb : f.books()) {
        for (auto& b : books_) {
            if (b.symbol != vb->symbol()) {
                continue;
            }
            const book_counters& c = vb->counters;
            b.messages->set(c.messages);
            b.applied->set(c.applied);
            b.gaps->set(c.gaps);
            b.resyncs->set(c.resyncs);
            b.checksum_fail->set(c.checksum_fail);
            b.rejected->set(c.rejected);
            b.levels_dropped->set(c.dropped_full);
            for (std::size_t h = 0; h < health_count; ++h) {
                b.health[h]->set(static_cast<std::size_t>(vb->health) == h ? 1.0 : 0.0);
            }
        }
    }
    unattributed_->set(f.unattributed_rejects());
}

void feed_metrics::publish_ring(const ring_listener_stats& s) noexcept {
    ring_events_->set(s.events);
    ring_backoffs_->set(s.full_spins);
    ring_dropped_->set(s.dropped);
}

void feed_metrics::publish_connections(std::uint64_t connects, std::uint64_t losses) noexcept {
    connects_->set(connects);
    losses_->set(losses);
}

void feed_metrics::publish_frames(std::uint64_t frames, std::uint64_t bytes) noexcept {
    frames_->set(frames);
    bytes_->set(bytes);
}

} // namespace ballast::feed
