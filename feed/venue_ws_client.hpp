#pragma once
/// A live market-data connection to one CEX venue: loads the venue's instrument lists over
/// REST, connects (ws_connection, plain or TLS), subscribes within the venue's limits, keeps
/// the connection alive the venue's way, hands every frame to the venue's decoder on this
/// thread, and brings back any book that lost sync by the venue's procedure (REST snapshot
/// with buffered diffs, resubscription, or a new connection). A lost connection takes every
/// book out of routing at once and is retried with exponential backoff and seeded jitter.
///
/// Runs on the io_context it is given (the venue's feed thread); nothing here blocks, so a
/// quiet venue never stalls another venue's thread.

#include "book/types.hpp"
#include "feed/venue_feed.hpp"
#include "feed/venue_protocol.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace ballast::feed {

/// Everything a live client saw and did, in order (what `ballast record` writes).
class venue_capture {
  public:
    virtual ~venue_capture() = default;
    virtual void on_connect(std::uint32_t conn, timestamp_ns ts, std::string_view url) = 0;
    virtual void on_sent(std::uint32_t conn, timestamp_ns ts, std::string_view url,
                         std::string_view data) = 0;
    virtual void on_received(std::uint32_t conn, timestamp_ns ts, std::string_view data) = 0;
    /// A REST reply handed to the decoder or the instrument loader.
    virtual void on_rest(timestamp_ns ts, std::string_view url, std::string_view body) = 0;
    /// The client's own events: "disconnect", "resubscribe", "reconnect", "refused", ...
    virtual void on_marker(timestamp_ns ts, std::string_view event, std::string_view detail) = 0;
};

struct venue_client_options {
    std::vector<std::string> symbols; ///< the venue's own symbols
    std::string ws_url;               ///< empty: the venue's production endpoint
    std::string rest_url;             ///< empty: the venue's production endpoint
    std::string tls_ca_file;          ///< wss/https: authorities instead of the system's
    venue_protocol_options protocol;
    bool load_instruments = true; ///< fetch the venue's instrument lists before subscribing
    std::chrono::milliseconds backoff_initial{100};
    std::chrono::milliseconds backoff_max{10'000};
    std::uint64_t jitter_seed = 1;
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds idle_timeout{30'000};
    std::chrono::milliseconds rest_timeout{10'000};
    /// A resubscription whose snapshot has not come by then is escalated to a new connection.
    std::chrono::milliseconds resync_timeout{10'000};
    std::size_t max_message_bytes = 16u << 20;
    /// Receive timestamps (injected: tests and replays are deterministic); default: wall clock.
    std::function<timestamp_ns()> clock;
    venue_capture* capture = nullptr;
};

enum class venue_client_state : std::uint8_t {
    idle,
    loading_instruments,
    connecting,
    connected, ///< subscribed; books may still be syncing
    backoff,
    stopped,
};
[[nodiscard]] std::string_view to_string(venue_client_state s) noexcept;

struct venue_client_stats {
    std::uint64_t connects = 0;          ///< handshakes completed
    std::uint64_t connection_losses = 0; ///< failures while or after connecting
    std::uint64_t frames = 0;            ///< frames received
    std::uint64_t bytes = 0;
    std::uint64_t control_frames = 0; ///< pongs and heartbeats, not shown to the decoder
    std::uint64_t sent = 0;           ///< requests sent (subscriptions, pings, answers)
    std::uint64_t pings = 0;
    std::uint64_t refusals = 0; ///< requests the venue refused
    std::uint64_t rest_requests = 0;
    std::uint64_t rest_failures = 0; ///< transport errors and non-2xx answers
    std::uint64_t snapshots = 0;     ///< REST depth snapshots handed to the decoder
    std::uint64_t resubscribes = 0;
    std::uint64_t resync_reconnects = 0; ///< new connections made to resync a book
    std::uint64_t instrument_lists = 0;  ///< instrument replies loaded
    std::uint64_t kernel_stamped = 0;    ///< frames with the kernel's receive stamp
};

class venue_ws_client {
  public:
    /// `feed` decodes for `venue`; `instruments` is the registry the feed reads (the client
    /// adds what the venue lists). Both outlive the client.
    venue_ws_client(boost::asio::io_context& io, venue_feed& feed, instrument_registry& instruments,
                    venue_client_options options);
    ~venue_ws_client();
    venue_ws_client(const venue_ws_client&) = delete;
    venue_ws_client& operator=(const venue_ws_client&) = delete;

    /// Starts (asynchronously); false with last_error() for an unknown venue or a bad URL.
    bool start();
    /// Closes the connection and cancels timers and requests.
    void stop();

    [[nodiscard]] venue_client_state state() const noexcept;
    [[nodiscard]] const venue_client_stats& stats() const noexcept;
    /// The last connection, REST or venue error, for the report.
    [[nodiscard]] const std::string& last_error() const noexcept;
    /// Inside the receive clock call for a WebSocket frame: how long the frame's last bytes
    /// waited between the kernel's receive stamp and the read's return; -1 otherwise (no
    /// stamp, or the call is for a REST reply).
    [[nodiscard]] std::int64_t frame_rx_lag_ns() const noexcept;
    /// Every requested symbol has a book and every book is live.
    [[nodiscard]] bool all_live() const noexcept;
    /// The delay before reconnect attempt `attempt` (draws from the seeded generator).
    [[nodiscard]] std::chrono::milliseconds backoff_delay(unsigned attempt);

  private:
    class session;
    std::shared_ptr<session> session_;
};

} // namespace ballast::feed
