#pragma once
/// One venue's live market data on its own thread: an io_context, the venue's decoder and its
/// venue_ws_client run there, and every book change goes into the thread's SPSC ring for the
/// engine. One thread per venue: a quiet or stalled venue never holds up another's events.

#include "feed/book_events.hpp"
#include "feed/venue_feed.hpp"
#include "feed/venue_ws_client.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace ballast::feed {

class feed_metrics;

struct live_feed_options {
    std::string venue;           ///< decoder name (make_venue_feed)
    venue_client_options client; ///< symbols, endpoints, protocol; `clock` is wrapped (below)
    feed_options decoder;        ///< `symbols` defaults to client.symbols
    std::size_t ring_capacity = 1u << 16;
    /// A live feed drops rather than waits on a full ring (see full_ring_policy::drop): the io
    /// thread must keep answering the venue's keep-alives whatever the engine does.
    ring_listener_options ring{full_ring_policy::drop, 1024};
    std::string thread_name; ///< default "feed:<venue>" (the kernel keeps 15 characters)
    int cpu = -1;            ///< the core the thread is pinned to; -1: not pinned
    /// TSC ticks per ns, to move a frame's latency stamp back to the kernel's receive stamp;
    /// 0: calibrated at start (about 20 ms).
    double tsc_per_ns = 0.0;
    /// How often the client's counters are published for other threads.
    std::chrono::milliseconds stats_interval{50};
    /// Prometheus series the feed thread publishes at each stats tick (null: none).
    feed_metrics* metrics = nullptr;
};

/// Counters readable from any thread while the feed runs (published every stats_interval,
/// and once more at stop).
struct live_feed_stats {
    venue_client_state state = venue_client_state::idle;
    bool all_live = false;
    std::uint64_t frames = 0;
    std::uint64_t bytes = 0;
    std::uint64_t connects = 0;
    std::uint64_t connection_losses = 0;
    std::uint64_t kernel_stamped = 0; ///< frames stamped by the kernel (SO_TIMESTAMPING)
    ring_listener_stats ring;
};

class live_feed_thread {
  public:
    explicit live_feed_thread(live_feed_options options);
    ~live_feed_thread();
    live_feed_thread(const live_feed_thread&) = delete;
    live_feed_thread& operator=(const live_feed_thread&) = delete;

    /// Builds the decoder and the client and starts the thread. An error line naming the
    /// venue and what failed (unknown venue, bad URL).
    [[nodiscard]] std::optional<std::string> start();
    /// Stops the client and the io_context and joins. Bounded: every handler on the thread is
    /// non-blocking, and a full ring costs at most max_full_spins yields per event.
    void stop();

    /// Consumer side (one consumer thread). Slot i is symbols()[i].
    [[nodiscard]] book_ring& ring() noexcept { return ring_; }
    [[nodiscard]] const std::vector<std::string>& symbols() const noexcept { return symbols_; }
    /// True once after the feed thread dropped events (its books come again whole; see
    /// full_ring_policy::drop).
    [[nodiscard]] bool take_overflow() noexcept { return listener_.take_overflow(); }
    [[nodiscard]] live_feed_stats stats() const noexcept;
    [[nodiscard]] const std::string& venue() const noexcept { return options_.venue; }
    /// Runs `fn` on the feed thread, where the decoder's books may be read while it runs
    /// (checks and tests; allocates).
    void post(std::function<void()> fn);

    /// After stop() (or before start()): the decoder, its books and the last client error.
    [[nodiscard]] const venue_feed* decoder() const noexcept { return decoder_.get(); }
    [[nodiscard]] std::string last_error() const;
    /// After stop(): frame read (the client's receive clock call) -> its update in the ring, in
    /// TSC ticks, one sample per frame that changed a followed book.
    [[nodiscard]] const latency_histogram& frame_latency() const noexcept {
        return listener_.frame_latency();
    }

  private:
    void publish() noexcept;

    struct io_state; // the io thread and the client (live_feed.cpp)
    live_feed_options options_;
    std::vector<std::string> symbols_;
    instrument_registry instruments_;
    reject_log rejects_;
    std::unique_ptr<venue_feed> decoder_;
    book_ring ring_;
    ring_listener listener_;
    std::unique_ptr<io_state> io_;
    std::atomic<std::uint8_t> state_{0};
    std::atomic<bool> all_live_{false};
    std::atomic<std::uint64_t> frames_{0};
    std::atomic<std::uint64_t> bytes_{0};
    std::atomic<std::uint64_t> connects_{0};
    std::atomic<std::uint64_t> losses_{0};
    std::atomic<std::uint64_t> stamped_{0};
    double tsc_per_ns_ = 1.0;
};

} // namespace ballast::feed
