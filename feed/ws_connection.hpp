#pragma once
/// The one WebSocket client transport of the feed layer (Boost.Beast over Asio, TLS through
/// OpenSSL with SNI, the system's or a given set of certificate authorities and host-name
/// verification), shared by every CEX venue client and the Ethereum JSON-RPC client. Frames are
/// handed over where they landed, followed by simdjson's padding, so decoders parse in place.
/// Also the reconnect backoff every client uses.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}
} // namespace boost::asio

namespace ballast::feed {

/// ws://host[:port][/target] or wss:// (TLS).
struct ws_url {
    std::string host;
    std::string port = "80"; ///< 443 for wss:// unless given
    std::string target = "/";
    bool tls = false;
};
/// Parses a ws:// or wss:// URL; nullopt with `error` set (naming the part at fault) when it
/// is not one.
[[nodiscard]] std::optional<ws_url> parse_ws_url(std::string_view url, std::string& error);

/// Bytes of readable padding after every frame handed to a handler (simdjson's requirement).
inline constexpr std::size_t ws_frame_padding = 64;

/// A TLS client context trusting the system's authorities, or only those in `ca_file`.
/// Returns nullptr with `error` set when the authorities cannot be loaded.
[[nodiscard]] std::shared_ptr<boost::asio::ssl::context>
make_tls_client_context(const std::string& ca_file, std::string& error);

struct ws_connection_options {
    std::chrono::milliseconds connect_timeout{10'000}; ///< resolve + TCP + TLS + handshake
    /// No frame (data or pong) for this long closes the connection; a ping goes out at half.
    std::chrono::milliseconds idle_timeout{30'000};
    /// A larger message closes the connection. (Beast also closes on a text frame that is not
    /// valid UTF-8, as RFC 6455 §8.1 requires.)
    std::size_t max_message_bytes = 16u << 20;
};

/// What a connection reports, always on the io_context's thread. After close() no call comes.
class ws_connection_handler {
  public:
    virtual ~ws_connection_handler() = default;
    /// The handshake completed: requests may be sent.
    virtual void on_ws_open() = 0;
    /// One complete message; `text` is followed by `ws_frame_padding` readable bytes and is
    /// valid until this call returns.
    virtual void on_ws_frame(std::string_view text) = 0;
    /// The connection failed or closed (once per connection): `reason` names the step.
    virtual void on_ws_closed(std::string_view reason) = 0;
};

struct ws_connection_stats {
    std::uint64_t frames = 0;
    std::uint64_t bytes = 0;
    std::uint64_t sent = 0;
};

/// One connection attempt and its life. Create, start(), send() after on_ws_open(), close().
class ws_connection : public std::enable_shared_from_this<ws_connection> {
  public:
    /// `tls` must be set for a wss:// URL and outlive the connection.
    [[nodiscard]] static std::shared_ptr<ws_connection>
    create(boost::asio::io_context& io, const ws_url& url,
           std::shared_ptr<boost::asio::ssl::context> tls, ws_connection_options options,
           ws_connection_handler& handler);
    virtual ~ws_connection() = default;

    /// Resolves, connects, does the TLS and WebSocket handshakes, then reads until closed.
    virtual void start() = 0;
    /// Queues a text frame (sent in order).
    virtual void send(std::string text) = 0;
    /// Closes the socket at once; the handler hears nothing more.
    virtual void close() noexcept = 0;
    [[nodiscard]] virtual const ws_connection_stats& stats() const noexcept = 0;
    /// Frames queued and not yet written.
    [[nodiscard]] virtual std::size_t pending_sends() const noexcept = 0;
    /// For the frame being handed to on_ws_frame: how long its last bytes waited between the
    /// kernel's receive stamp (SO_TIMESTAMPING) and the read's return; -1 when the socket gave
    /// no stamp (then the read's return is the frame's receive time).
    [[nodiscard]] virtual std::int64_t rx_lag_ns() const noexcept = 0;
};

/// Exponential backoff with seeded "equal jitter": attempt n waits min(max, initial * 2^n),
/// half of it fixed and the other half drawn, so reconnecting clients spread out while a
/// replayed run stays deterministic.
class reconnect_backoff {
  public:
    reconnect_backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                      std::uint64_t seed)
        : initial_(initial), max_(max), rng_(seed) {}
    /// The delay before attempt `attempt` (0-based).
    [[nodiscard]] std::chrono::milliseconds delay(unsigned attempt);

  private:
    std::chrono::milliseconds initial_;
    std::chrono::milliseconds max_;
    std::mt19937_64 rng_;
};

} // namespace ballast::feed
