#pragma once
/// A WebSocket JSON-RPC client for an Ethereum node (Boost.Beast over Asio) that keeps pool
/// logs flowing without gaps: on every connection it subscribes to the pools' `logs` and to
/// `newHeads`, asks the head (`eth_blockNumber`) and backfills every block since the last one
/// it saw with `eth_getLogs` (in chunks), holding live notifications back until the backfill
/// is applied so that logs arrive in block and log-index order. A jump between heads on a
/// live connection is backfilled the same way. A lost connection is reported to the sink
/// (pools go stale) and retried with exponential backoff and seeded jitter.
///
/// Runs on the io_context it is given (a feed thread); the sink is called on that thread.

#include "feed/eth_rpc.hpp"
#include "feed/pool_follower.hpp"
#include "feed/ws_connection.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ballast::feed {

/// Receives what the client reads, in order, on the client's thread.
class eth_stream_sink {
  public:
    virtual ~eth_stream_sink() = default;
    /// A notification or an eth_getLogs result (decoded; may carry decode errors).
    virtual void on_message(const eth_message& message) = 0;
    /// The stream lost continuity (disconnect, missed heads): logs may be missing until
    /// on_caught_up().
    virtual void on_gap(std::string_view reason) = 0;
    /// Every log up to and including `block` has been delivered.
    virtual void on_caught_up(std::uint64_t block) = 0;
};

/// Feeds a pool_follower directly (when the follower lives on the client's thread).
class pool_follower_sink final : public eth_stream_sink {
  public:
    explicit pool_follower_sink(pool_follower& follower) noexcept : follower_(follower) {}
    void on_message(const eth_message& message) override { follower_.on_message(message); }
    void on_gap(std::string_view reason) override { follower_.on_gap(reason); }
    void on_caught_up(std::uint64_t block) override { follower_.resume(block); }

  private:
    pool_follower& follower_;
};

struct eth_ws_options {
    std::string url;                    ///< ws://host:port/path or wss:// of the node
    std::vector<std::string> addresses; ///< pools whose logs to follow (0x-hex)
    /// First block whose logs are needed (a pool state at block B needs B + 1). 0: follow
    /// from the node's current head, no backfill on the first connection.
    std::uint64_t from_block = 0;
    std::chrono::milliseconds backoff_initial{100};
    std::chrono::milliseconds backoff_max{10'000};
    std::uint64_t backfill_chunk_blocks = 2'000; ///< blocks per eth_getLogs request
    std::uint64_t jitter_seed = 1;               ///< seeds the backoff jitter (deterministic)
    std::chrono::seconds connect_timeout{10};
    std::chrono::seconds idle_timeout{30}; ///< pings after half of it; closes after all of it
    std::size_t max_message_bytes = 64u << 20;
    /// wss://: PEM file of the certificate authorities to trust instead of the system's.
    /// The server's certificate must also name the URL's host.
    std::string tls_ca_file;
    /// Called with one line per event in the order the sink sees it: each delivered frame's
    /// text, and {"ballast":"gap","reason":...} / {"ballast":"caught_up","block":N} markers.
    /// Written to a file it is a recording that replay_pool_recording() follows the same way.
    std::function<void(std::string_view line)> capture;
};

enum class eth_ws_state : std::uint8_t {
    idle,        ///< not started
    connecting,  ///< resolving, TCP connect, WebSocket handshake
    backfilling, ///< subscribed; catching up with eth_getLogs, live notifications held back
    live,        ///< caught up; notifications applied as they come
    backoff,     ///< waiting before the next connection attempt
    stopped,
};
[[nodiscard]] std::string_view to_string(eth_ws_state s) noexcept;

struct eth_ws_stats {
    std::uint64_t connects = 0;          ///< WebSocket handshakes completed
    std::uint64_t connection_losses = 0; ///< failures after or while connecting
    std::uint64_t frames = 0;
    std::uint64_t bytes = 0;
    std::uint64_t backfill_requests = 0; ///< eth_getLogs sent
    std::uint64_t backfilled_logs = 0;
    std::uint64_t held_frames = 0; ///< notifications held back during a backfill
    std::uint64_t head_gaps = 0;   ///< jumps between heads on a live connection
    std::uint64_t rpc_errors = 0;
    std::uint64_t malformed = 0; ///< frames that did not decode
};

class eth_ws_client {
  public:
    eth_ws_client(boost::asio::io_context& io, eth_stream_sink& sink, eth_ws_options options);
    ~eth_ws_client();
    eth_ws_client(const eth_ws_client&) = delete;
    eth_ws_client& operator=(const eth_ws_client&) = delete;

    /// Starts connecting (asynchronously); false with last_error() when the URL is bad.
    bool start();
    /// Closes the connection and cancels retries.
    void stop();

    [[nodiscard]] eth_ws_state state() const noexcept;
    [[nodiscard]] const eth_ws_stats& stats() const noexcept;
    /// The last connection or node error ("connect: Connection refused", ...).
    [[nodiscard]] const std::string& last_error() const noexcept;
    /// Every log through this block has been delivered (0 before the first catch-up).
    [[nodiscard]] std::uint64_t caught_up_block() const noexcept;
    /// The newest head seen.
    [[nodiscard]] std::uint64_t last_head() const noexcept;
    /// The delay before reconnect attempt `attempt` (0-based): min(max, initial * 2^attempt),
    /// the upper half of it jittered by the seeded generator.
    [[nodiscard]] std::chrono::milliseconds backoff_delay(unsigned attempt);

  private:
    class session;
    std::shared_ptr<session> session_;
};

} // namespace ballast::feed
