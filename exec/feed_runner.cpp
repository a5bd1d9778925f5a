// A recording's decoder on its own thread: frames in file order into the feed's ring.
#include "exec/engine_state.hpp"

namespace ballast::exec {

namespace engine_detail {

namespace {

void publish_feed_metrics(feed_thread& t, const feed::ring_listener& listener) noexcept {
    t.metrics->publish(*t.decoder);
    t.metrics->publish_ring(listener.stats());
    t.metrics->publish_frames(t.frames, t.bytes);
    t.metrics->publish_decode(t.decode);
}

} // namespace

void run_feed(feed_thread& t) {
    feed::ring_listener listener(*t.ring, t.symbol_slots); // waits when the ring is full
    t.decoder->set_listener(&listener);
    feed::recording_reader reader(false);
    if (!reader.open(t.path)) {
        std::vector<std::pair<std::string, std::uint32_t>> conns;
        while (auto rf = reader.next()) {
            if (rf->url.empty() || feed::detect_venue(rf->url) != t.venue) {
                continue;
            }
            std::uint32_t index = 0;
            bool found = false;
            for (const auto& [c, i] : conns) {
                if (c == rf->conn) {
                    index = i;
                    found = true;
                }
            }
            if (!found) {
                index = static_cast<std::uint32_t>(conns.size());
                conns.emplace_back(std::string(rf->conn), index);
            }
            const timestamp_ns ts{rf->ts.ns + t.offset_ns};
            listener.frame_ts = ts.ns;
            const feed::feed_frame ff{rf->data, ts,    rf->line,
                                      rf->url,  index, rf->kind == feed::frame_kind::response};
            const std::uint64_t c0 = tsc_now();
            switch (rf->kind) {
            case feed::frame_kind::connect:
                t.decoder->on_connect(ff);
                break;
            case feed::frame_kind::sent:
                t.decoder->on_sent(ff);
                break;
            case feed::frame_kind::received:
            case feed::frame_kind::response:
                t.decoder->on_frame(ff);
                ++t.frames;
                t.bytes += rf->data.size();
                break;
            case feed::frame_kind::marker:
                // As in replay: a recorded disconnect takes the venue's books out of routing.
                if (rf->data == "disconnect") {
                    t.decoder->on_disconnect(ff);
                }
                break;
            }
            const std::uint64_t c1 = tsc_now();
            if (rf->kind == feed::frame_kind::received) {
                t.decode.record(
                    static_cast<std::uint64_t>(static_cast<double>(c1 - c0) / t.tsc_per_ns));
            }
            t.decoder->check_silence(ts);
            if (t.metrics && rf->kind == feed::frame_kind::received && (t.frames & 255) == 0) {
                publish_feed_metrics(t, listener); // every 256 frames
            }
        }
    }
    if (t.metrics) {
        publish_feed_metrics(t, listener);
    }
    listener.push_end();
    t.decoder->set_listener(nullptr);
    t.full_spins = listener.stats().full_spins;
}

} // namespace engine_detail

} // namespace ballast::exec
