#include "feed/pool_feed.hpp"

#include "feed/io_thread.hpp"

#include <algorithm>

namespace ballast::feed {

namespace {

enum counter : std::size_t {
    c_connects,
    c_losses,
    c_frames,
    c_heads,
    c_applied,
    c_rejected,
    c_gaps,
    c_updates,
    c_ring_full,
    c_caught_up,
};

std::int64_t system_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

/// Applies what the client reads to the follower, then offers the pools that changed.
class pool_feed_thread::sink final : public eth_stream_sink {
  public:
    explicit sink(pool_feed_thread& owner) noexcept : owner_(owner) {}
    void on_message(const eth_message& message) override {
        owner_.follower_.on_message(message);
        owner_.offer();
    }
    void on_gap(std::string_view reason) override {
        owner_.follower_.on_gap(reason);
        owner_.offer();
    }
    void on_caught_up(std::uint64_t block) override {
        owner_.follower_.resume(block);
        owner_.offer();
    }

  private:
    pool_feed_thread& owner_;
};

struct pool_feed_thread::io_state {
    io_thread thread; // first: the client's sockets go before the io_context
    std::unique_ptr<eth_ws_client> client;
    std::string last_error;
};

pool_feed_thread::pool_feed_thread(pool_feed_options options)
    : options_(std::move(options)), ring_(options_.ring_capacity),
      sink_(std::make_unique<sink>(*this)) {
    if (!options_.clock) {
        options_.clock = system_ns;
    }
}

pool_feed_thread::~pool_feed_thread() {
    stop();
}

std::optional<std::string> pool_feed_thread::start() {
    if (io_) {
        return std::string("node: pool feed already started");
    }
    if (options_.pools.empty()) {
        return std::string("node: no pool to follow");
    }
    eth_ws_options co = options_.client;
    co.addresses.clear();
    std::uint64_t from = UINT64_MAX;
    for (const pool_state& p : options_.pools) {
        co.addresses.push_back(p.meta.address);
        from = std::min(from, p.meta.block + 1);
        follower_.add_pool(p);
    }
    co.from_block = from;
    // Nothing is exact until the logs since each snapshot have come from the node.
    follower_.await_catch_up();
    offered_.assign(follower_.size(), UINT64_MAX);
    io_ = std::make_unique<io_state>();
    io_->client = std::make_unique<eth_ws_client>(io_->thread.io(), *sink_, std::move(co));
    if (!io_->client->start()) {
        std::string err = "node: " + io_->client->last_error();
        io_.reset();
        return err;
    }
    // Each tick offers again what a full ring held back, then publishes the counters.
    if (auto err = io_->thread.start(options_.thread_name, options_.cpu, options_.publish_interval,
                                     [this] {
                                         offer();
                                         publish();
                                     })) {
        return "node: " + *err;
    }
    return std::nullopt;
}

void pool_feed_thread::offer() {
    for (std::size_t i = 0; i < follower_.size(); ++i) {
        const std::uint64_t v = follower_.version(i);
        if (v == offered_[i]) {
            continue;
        }
        pool_update u;
        u.pool = static_cast<std::uint32_t>(i);
        u.stale = follower_.stale(i);
        u.block = follower_.pool(i).meta.block;
        u.recv_ns = options_.clock();
        u.state = follower_.pool(i); // allocates: this thread's job, not the engine's
        if (!ring_.try_push(std::move(u))) {
            ++ring_full_; // stays pending: the next offer() sends the newest state
            continue;
        }
        offered_[i] = v;
        ++updates_;
    }
}

void pool_feed_thread::publish() noexcept {
    const eth_ws_stats& s = io_->client->stats();
    const follow_stats& f = follower_.stats();
    const auto put = [this](counter c, std::uint64_t v) {
        counters_[c].store(v, std::memory_order_relaxed);
    };
    state_.store(static_cast<std::uint8_t>(io_->client->state()), std::memory_order_relaxed);
    put(c_connects, s.connects);
    put(c_losses, s.connection_losses);
    put(c_frames, s.frames);
    put(c_heads, f.heads);
    put(c_applied, f.applied);
    put(c_rejected, f.malformed + f.rejected + f.out_of_order + f.reorg_too_deep);
    put(c_gaps, f.gaps);
    put(c_updates, updates_);
    put(c_ring_full, ring_full_);
    put(c_caught_up, io_->client->caught_up_block());
}

void pool_feed_thread::stop() {
    if (!io_ || !io_->thread.running()) {
        return;
    }
    io_->thread.stop([this] {
        io_->client->stop();
        io_->last_error = io_->client->last_error();
    });
}

std::string pool_feed_thread::last_error() const {
    return io_ ? io_->last_error : std::string();
}

pool_feed_stats pool_feed_thread::stats() const noexcept {
    const auto get = [this](counter c) { return counters_[c].load(std::memory_order_relaxed); };
    pool_feed_stats s;
    s.state = static_cast<eth_ws_state>(state_.load(std::memory_order_relaxed));
    s.connects = get(c_connects);
    s.connection_losses = get(c_losses);
    s.frames = get(c_frames);
    s.heads = get(c_heads);
    s.applied = get(c_applied);
    s.rejected = get(c_rejected);
    s.gaps = get(c_gaps);
    s.updates = get(c_updates);
    s.ring_full = get(c_ring_full);
    s.caught_up_block = get(c_caught_up);
    return s;
}

} // namespace ballast::feed
