#pragma once
/// The venue side of `ballast sim-venue`: per venue, the WebSocket paths, subscribe /
/// unsubscribe parsing with the venue's acknowledgements and error replies, keep-alives, how a
/// recorded frame is routed to subscriptions and rewritten for one connection, the snapshots
/// built from the sim's own books, and the REST market-data endpoints. The server
/// (sim_venue.cpp) owns sockets, playback and faults; it calls these on its one thread.

#include "book/instrument.hpp"
#include "book/types.hpp"
#include "exec/sim_orders.hpp"
#include "feed/venue_feed.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ballast::exec {

/// One subscription of one connection.
struct sim_subscription {
    std::string key;    ///< routing key, compared with sim_route::key
    std::string feed;   ///< decoder venue that owns the book ("bybit_spot", "kraken", ...)
    std::string symbol; ///< the venue's symbol (book lookup)
    std::string name;   ///< the client's own name of the stream (Binance stream, Bybit topic)
    bool book = false;  ///< an order-book channel: a snapshot is due on (re)subscription
    std::int64_t channel_id = 0; ///< Kraken v1 channelID
    std::size_t depth = 0;       ///< requested depth where the venue has one (0: venue default)
};

/// One WebSocket connection as the venue protocol sees it.
class sim_client {
  public:
    virtual ~sim_client() = default;
    /// Queues a text message (counted in messages_sent).
    virtual void send(std::string text) = 0;
    /// Sends a WebSocket ping frame (Binance's server pings).
    virtual void ping() = 0;
    /// Closes after the queued messages are written.
    virtual void close() = 0;

    std::uint64_t id = 0; ///< 1-based, in accept order
    int endpoint = 0;     ///< the protocol's endpoint index for the path
    std::string path;     ///< request path, without the query
    std::string query;    ///< request query string (Binance /stream?streams=...)
    std::vector<sim_subscription> subs;
    std::uint64_t frames_sent = 0;   ///< recorded frames (and snapshots) delivered
    std::uint64_t messages_sent = 0; ///< every message queued, acks and keep-alives included
    std::uint64_t subscribe_requests = 0;
    // Keep-alive state.
    std::chrono::steady_clock::time_point last_sent{};
    std::chrono::steady_clock::time_point last_keepalive{};
    std::int64_t heartbeat_interval_s = 0; ///< Deribit public/set_heartbeat
    bool heartbeats_channel = false;       ///< Coinbase heartbeats / heartbeat channel
    std::uint64_t heartbeat_counter = 0;
    // Private API state.
    std::string api_key;                 ///< the account this connection logged in as (empty: none)
    bool user_stream = false;            ///< receives the account's execution reports
    std::uint64_t user_subscription = 0; ///< Binance WS API userDataStream.subscribe id
    std::vector<std::string> private_topics; ///< Bybit/OKX private channels subscribed
};

/// Faults that hit one order request (see sim_fault_kind).
struct sim_order_faults {
    bool drop_ack = false;
    bool close = false;
    bool rate_limit = false;
    bool duplicate_reports = false;
    std::uint64_t delay_fill_ms = 0;
    std::uint64_t request_no = 0; ///< this request's number (1-based, all connections)
};

/// An HTTP request as the private REST API needs it.
struct sim_http_request {
    std::string method; ///< GET, POST, PUT, DELETE
    std::string target; ///< path and query
    std::string path;
    std::string query; ///< without '?'
    std::string body;
    std::map<std::string, std::string> headers; ///< names lower-case
    [[nodiscard]] std::string_view header(const std::string& name) const {
        const auto it = headers.find(name);
        return it == headers.end() ? std::string_view{} : std::string_view(it->second);
    }
};

/// A stable per-connection id for venues that name connections in replies (OKX connId,
/// Bybit conn_id): 8 hex digits.
[[nodiscard]] std::string sim_connection_id(const sim_client& c);

/// Where a recorded frame goes: subscriptions whose key and feed match.
struct sim_route {
    std::string key;
    std::string symbol;
    bool book = false;
};

/// What a protocol may ask of the server (all calls on the server thread).
class sim_context {
  public:
    virtual ~sim_context() = default;
    /// The sim's book for a symbol of a decoder venue; nullptr when it holds none.
    [[nodiscard]] virtual const feed::venue_book* book(std::string_view feed,
                                                       std::string_view symbol) = 0;
    [[nodiscard]] virtual const instrument_registry& instruments() const = 0;
    /// The spec of a symbol the venue lists (instrument lists) or the capture holds (its spec
    /// derived from the capture's decimals when no list names it); nullptr: unknown symbol.
    [[nodiscard]] virtual const instrument_spec* spec(std::string_view feed,
                                                      std::string_view symbol) = 0;
    /// The symbols of a decoder venue seen in the capture or its instrument lists.
    [[nodiscard]] virtual std::vector<const instrument_spec*> symbols(std::string_view feed) = 0;
    /// Adds the subscription; sends the snapshot (protocol::snapshot) when its book is live.
    virtual void subscribe(sim_client& c, sim_subscription s) = 0;
    /// Removes the subscription with this key and feed; false when there was none.
    virtual bool unsubscribe(sim_client& c, std::string_view key, std::string_view feed) = 0;
    /// True when a `refuse` fault takes this subscription request.
    [[nodiscard]] virtual bool refuse_subscription(sim_client& c) = 0;
    /// The last recorded frame routed to a key (its text), empty when none yet.
    [[nodiscard]] virtual std::string_view last_frame(std::string_view key,
                                                      std::string_view feed) const = 0;
    /// The body of the latest recorded REST reply whose URL contains `url_part` (played so
    /// far, else the first in the capture), nullptr when none.
    [[nodiscard]] virtual const std::string* recorded_reply(std::string_view url_part) const = 0;
    /// Every recorded REST reply body whose URL contains `url_part`, one per URL (played or not),
    /// in capture order (Deribit's get_instruments is recorded once per currency).
    [[nodiscard]] virtual std::vector<const std::string*>
    recorded_replies(std::string_view url_part) const = 0;
    /// The capture time of the last played frame (the first frame's before playback starts).
    [[nodiscard]] virtual timestamp_ns capture_time() const = 0;
    /// A key seen in the capture (so a subscription to it will receive frames).
    [[nodiscard]] virtual bool key_known(std::string_view key, std::string_view feed) const = 0;

    // Order side.
    /// The engine; nullptr when the sim has no accounts.
    [[nodiscard]] virtual sim_orders* orders() = 0;
    /// The venue's clock (ms since the epoch; injectable).
    [[nodiscard]] virtual std::int64_t now_ms() const = 0;
    /// Counts an order request (new, cancel, amend) and returns the faults that hit it.
    [[nodiscard]] virtual sim_order_faults order_request() = 0;
    /// Sends the engine's pending events to the connections of their accounts
    /// (sim_protocol::on_event), applying the current request's faults.
    virtual void publish() = 0;
    /// Every open connection (Binance listen keys end theirs).
    [[nodiscard]] virtual std::vector<sim_client*> connections() = 0;
};

/// An HTTP reply.
struct sim_http_reply {
    unsigned status = 200;
    std::string body;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;
    bool drop = false; ///< close the connection without replying (order faults)
};

/// One venue's protocol.
class sim_protocol {
  public:
    virtual ~sim_protocol() = default;
    /// The `--venue` name.
    [[nodiscard]] virtual std::string_view venue() const = 0;
    /// WebSocket endpoints: index -> path, and the ready line's key for it ("ws", "ws_linear").
    struct endpoint {
        std::string path;
        std::string ready_key;
        std::string feed; ///< decoder venue served on it
    };
    [[nodiscard]] virtual std::vector<endpoint> endpoints() const = 0;
    /// The endpoint index for a request path; -1 when the venue has no WebSocket there.
    [[nodiscard]] virtual int endpoint_for(std::string_view path) const {
        const auto eps = endpoints();
        for (std::size_t i = 0; i < eps.size(); ++i) {
            if (eps[i].path == path) {
                return static_cast<int>(i);
            }
        }
        return -1;
    }
    /// Whether a decoder venue found in the capture belongs to this venue.
    [[nodiscard]] virtual bool serves_feed(std::string_view feed) const = 0;
    /// A new connection (after the WebSocket handshake).
    virtual void on_open(sim_context& ctx, sim_client& c) {
        (void)ctx;
        (void)c;
    }
    /// A text message from the client.
    virtual void on_message(sim_context& ctx, sim_client& c, std::string_view text) = 0;
    /// Once a second per connection: keep-alives.
    virtual void on_tick(sim_context& ctx, sim_client& c,
                         std::chrono::steady_clock::time_point now) {
        (void)ctx;
        (void)c;
        (void)now;
    }
    /// The route of a recorded frame of decoder venue `feed`; false when it is for nobody
    /// (acks, status messages, pongs).
    [[nodiscard]] virtual bool route(std::string_view feed, std::string_view text,
                                     sim_route& out) = 0;
    /// Every recorded stream frame of the capture, once, before serving (lookahead a venue's
    /// snapshot may need).
    virtual void observe_capture(std::string_view feed, std::string_view text) {
        (void)feed;
        (void)text;
    }
    /// The recorded frame as this connection must receive it (stream names, channel ids,
    /// per-connection sequence numbers).
    [[nodiscard]] virtual std::string render(sim_client& c, const sim_subscription& s,
                                             std::string_view text) {
        (void)c;
        (void)s;
        return std::string(text);
    }
    /// A snapshot message from the sim's live book; empty when the venue sends none on the
    /// WebSocket (Binance: REST).
    [[nodiscard]] virtual std::string snapshot(sim_context& ctx, sim_client& c,
                                               const sim_subscription& s,
                                               const feed::venue_book& b) = 0;
    /// The frame with its checksum changed (OKX, Kraken); nullopt when the venue has none.
    [[nodiscard]] virtual std::optional<std::string> corrupt_checksum(std::string_view text) {
        (void)text;
        return std::nullopt;
    }
    /// A REST request (GET target with query); nullopt: 404.
    [[nodiscard]] virtual std::optional<sim_http_reply> on_http(sim_context& ctx,
                                                                std::string_view target) = 0;

    // Order side (venues with a private API here).
    /// The engine's rules for this venue (fees, client-id scope, post-only).
    [[nodiscard]] virtual sim_venue_rules order_rules() const { return {}; }
    /// Any HTTP request before on_http (private endpoints, any method); nullopt: not private.
    [[nodiscard]] virtual std::optional<sim_http_reply> on_request(sim_context& ctx,
                                                                   const sim_http_request& req) {
        (void)ctx;
        (void)req;
        return std::nullopt;
    }
    /// The messages an event sends to a connection logged in as its account (none when the
    /// connection did not subscribe to them).
    [[nodiscard]] virtual std::vector<std::string> on_event(sim_context& ctx, sim_client& c,
                                                            const sim_event& e) {
        (void)ctx;
        (void)c;
        (void)e;
        return {};
    }
};

/// The protocol for a `--venue` name; nullptr when unknown.
[[nodiscard]] std::unique_ptr<sim_protocol> make_sim_protocol(std::string_view venue);
/// Every `--venue` name.
[[nodiscard]] const std::vector<std::string_view>& sim_venue_names();

/// The value of `key` in a URL query ("a=1&b=2"), empty when absent.
[[nodiscard]] std::string_view query_param(std::string_view target, std::string_view key) noexcept;

} // namespace ballast::exec
