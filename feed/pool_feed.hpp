#pragma once
/// Uniswap pools followed live on their own thread: an io_context runs the Ethereum node's
/// WebSocket client (eth_ws_client) and a pool_follower there, and every time a pool's state or
/// its stale flag changes, the pool's whole state goes into an SPSC ring for the engine. A
/// snapshot supersedes the ones before it, so a full ring loses nothing: the pool is marked
/// pending and its newest state is offered again on the next change or publish tick.

#include "book/pool_state.hpp"
#include "feed/eth_ws_client.hpp"
#include "feed/pool_follower.hpp"
#include "feed/spsc_ring.hpp"

#include <array>
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

/// One pool's state as the follower holds it after a change.
struct pool_update {
    std::uint32_t pool = 0;   ///< index into pool_feed_options::pools
    bool stale = false;       ///< the state is not known to be exact: do not trade on it
    std::uint64_t block = 0;  ///< the state's block (meta.block)
    std::int64_t recv_ns = 0; ///< the feed clock when the change was read
    pool_state state;
};

using pool_ring = spsc_ring<pool_update>;

struct pool_feed_options {
    eth_ws_options client;         ///< url, TLS; addresses and from_block are set from `pools`
    std::vector<pool_state> pools; ///< the bootstrap states (each at its meta.block)
    std::size_t ring_capacity = 256;
    std::string thread_name = "feed:eth";
    int cpu = -1; ///< the core the thread is pinned to; -1: not pinned
    /// How often counters are published and pending snapshots offered again.
    std::chrono::milliseconds publish_interval{20};
    /// The time stamped on updates; empty: the system clock.
    std::function<std::int64_t()> clock;
};

/// Counters readable from any thread while the feed runs.
struct pool_feed_stats {
    eth_ws_state state = eth_ws_state::idle;
    std::uint64_t connects = 0;
    std::uint64_t connection_losses = 0;
    std::uint64_t frames = 0;
    std::uint64_t heads = 0;
    std::uint64_t applied = 0;  ///< logs applied to a followed pool
    std::uint64_t rejected = 0; ///< malformed, refused, out-of-order or too-deep logs
    std::uint64_t gaps = 0;
    std::uint64_t updates = 0;   ///< snapshots put in the ring
    std::uint64_t ring_full = 0; ///< times a snapshot waited for room (superseded, not lost)
    std::uint64_t caught_up_block = 0;
};

class pool_feed_thread {
  public:
    explicit pool_feed_thread(pool_feed_options options);
    ~pool_feed_thread();
    pool_feed_thread(const pool_feed_thread&) = delete;
    pool_feed_thread& operator=(const pool_feed_thread&) = delete;

    /// Starts following (the pools start stale until the first catch-up) and the thread. An
    /// error line naming what failed (no pool, a bad URL, a core that cannot be used).
    [[nodiscard]] std::optional<std::string> start();
    /// Stops the client and the io_context and joins (bounded: no handler blocks).
    void stop();

    /// Consumer side (one consumer thread).
    [[nodiscard]] pool_ring& ring() noexcept { return ring_; }
    [[nodiscard]] pool_feed_stats stats() const noexcept;
    /// After stop(): the follower (its issues and stats) and the client's last error.
    [[nodiscard]] const pool_follower& follower() const noexcept { return follower_; }
    [[nodiscard]] std::string last_error() const;

  private:
    class sink;
    void offer();
    void publish() noexcept;

    struct io_state; // the io thread and the client (pool_feed.cpp)
    pool_feed_options options_;
    pool_follower follower_;
    pool_ring ring_;
    std::vector<std::uint64_t> offered_; ///< per pool: the follower version last in the ring
    std::unique_ptr<sink> sink_;
    std::unique_ptr<io_state> io_;
    std::uint64_t updates_ = 0;
    std::uint64_t ring_full_ = 0;
    std::atomic<std::uint8_t> state_{0};
    std::array<std::atomic<std::uint64_t>, 10> counters_{};
};

} // namespace ballast::feed
