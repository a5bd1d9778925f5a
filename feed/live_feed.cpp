#include "feed/live_feed.hpp"

#include "feed/feed_metrics.hpp"

#include "feed/io_thread.hpp"
#include "feed/venues.hpp"

#include <boost/asio/post.hpp>

namespace ballast::feed {

namespace {

std::vector<std::pair<std::string, std::uint16_t>> slots_of(const std::vector<std::string>& syms) {
    std::vector<std::pair<std::string, std::uint16_t>> out;
    for (std::size_t i = 0; i < syms.size(); ++i) {
        out.emplace_back(syms[i], static_cast<std::uint16_t>(i));
    }
    return out;
}

} // namespace

struct live_feed_thread::io_state {
    io_thread thread; // first: the client's sockets go before the io_context
    std::unique_ptr<venue_ws_client> client;
    std::string last_error;
};

live_feed_thread::live_feed_thread(live_feed_options options)
    : options_(std::move(options)), symbols_(options_.client.symbols),
      ring_(options_.ring_capacity), listener_(ring_, slots_of(symbols_), options_.ring) {
    if (options_.decoder.symbols.empty()) {
        options_.decoder.symbols = symbols_;
    }
    if (options_.thread_name.empty()) {
        options_.thread_name = "feed:" + options_.venue;
    }
}

live_feed_thread::~live_feed_thread() {
    stop();
}

std::optional<std::string> live_feed_thread::start() {
    if (io_) {
        return options_.venue + ": live feed already started";
    }
    if (symbols_.size() > 65536) {
        return options_.venue + ": " + std::to_string(symbols_.size()) +
               " symbols, more than a ring slot can name";
    }
    decoder_ = make_venue_feed(options_.venue, instruments_, rejects_, options_.decoder);
    if (!decoder_) {
        return "live feed: unknown venue " + options_.venue;
    }
    decoder_->set_listener(&listener_);
    io_ = std::make_unique<io_state>();
    venue_client_options co = options_.client;
    std::function<timestamp_ns()> inner = co.clock;
    if (!inner) {
        inner = [] {
            return timestamp_ns{std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count()};
        };
    }
    // The client reads its receive clock first thing for every frame (and REST reply) it
    // hands to the decoder: that call doubles as the frame's arrival stamp, so the latency
    // from socket read to ring needs no hook inside the client.
    // The latency stamp goes back to the kernel's receive stamp when the socket gave one.
    const double tsc_per_ns =
        options_.tsc_per_ns > 0.0 ? options_.tsc_per_ns : calibrate_tsc_per_ns();
    tsc_per_ns_ = tsc_per_ns;
    co.clock = [this, inner = std::move(inner), tsc_per_ns] {
        const timestamp_ns ts = inner();
        std::uint64_t at = tsc_now();
        const std::int64_t lag = io_ && io_->client ? io_->client->frame_rx_lag_ns() : -1;
        if (lag > 0) {
            const auto back = static_cast<std::uint64_t>(static_cast<double>(lag) * tsc_per_ns);
            at = at > back ? at - back : 0;
        }
        listener_.frame_tsc = at;
        listener_.frame_ts = ts.ns;
        return ts;
    };
    io_->client = std::make_unique<venue_ws_client>(io_->thread.io(), *decoder_, instruments_, co);
    if (!io_->client->start()) {
        std::string err = options_.venue + ": " + io_->client->last_error();
        io_.reset();
        return err;
    }
    if (auto err = io_->thread.start(options_.thread_name, options_.cpu, options_.stats_interval,
                                     [this] { publish(); })) {
        return options_.venue + ": " + *err;
    }
    return std::nullopt;
}

void live_feed_thread::publish() noexcept {
    const venue_client_stats& s = io_->client->stats();
    state_.store(static_cast<std::uint8_t>(io_->client->state()), std::memory_order_relaxed);
    all_live_.store(io_->client->all_live(), std::memory_order_relaxed);
    frames_.store(s.frames, std::memory_order_relaxed);
    bytes_.store(s.bytes, std::memory_order_relaxed);
    connects_.store(s.connects, std::memory_order_relaxed);
    stamped_.store(s.kernel_stamped, std::memory_order_relaxed);
    losses_.store(s.connection_losses, std::memory_order_relaxed);
    if (feed_metrics* m = options_.metrics) {
        m->publish(*decoder_);
        m->publish_ring(listener_.stats());
        m->publish_frames(s.frames, s.bytes);
        m->publish_connections(s.connects, s.connection_losses);
        m->publish_decode(listener_.frame_latency(), 1.0 / tsc_per_ns_);
    }
}

void live_feed_thread::stop() {
    if (!io_ || !io_->thread.running()) {
        return;
    }
    io_->thread.stop([this] {
        io_->client->stop();
        io_->last_error = io_->client->last_error();
    });
    decoder_->set_listener(nullptr);
}

void live_feed_thread::post(std::function<void()> fn) {
    if (io_) {
        boost::asio::post(io_->thread.io(), std::move(fn));
    }
}

std::string live_feed_thread::last_error() const {
    return io_ ? io_->last_error : std::string();
}

live_feed_stats live_feed_thread::stats() const noexcept {
    live_feed_stats s;
    s.state = static_cast<venue_client_state>(state_.load(std::memory_order_relaxed));
    s.all_live = all_live_.load(std::memory_order_relaxed);
    s.frames = frames_.load(std::memory_order_relaxed);
    s.bytes = bytes_.load(std::memory_order_relaxed);
    s.connects = connects_.load(std::memory_order_relaxed);
    s.kernel_stamped = stamped_.load(std::memory_order_relaxed);
    s.connection_losses = losses_.load(std::memory_order_relaxed);
    s.ring = listener_.stats();
    return s;
}

} // namespace ballast::feed
