#pragma once
/// Binance spot order entry over the WebSocket API (`/ws-api/v3`): `order.place`,
/// `order.cancel`, `order.status`, `openOrders.status`, signed with the account's HMAC secret
/// (every request signed) or Ed25519 key (`session.logon` once, then requests carry only their
/// timestamp, as the docs allow). Fills come from the user data stream on the same session:
/// `userDataStream.subscribe` after an Ed25519 logon, `userDataStream.subscribe.signature`
/// with an HMAC key. (The venue retired the listenKey endpoints, `POST /api/v3/userDataStream`
/// and `/ws/<listenKey>`, in 2025: "User Data Streams" in the spot API docs now name only the
/// WebSocket API.)
#include "exec/gateway_session.hpp"
#include "exec/signing.hpp"
#include "feed/http_client.hpp"

#include <simdjson.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>

namespace ballast::exec {

/// Where a Binance gateway sends its order requests (place, cancel, status, open orders, an
/// order's trades). The user data stream is the same either way.
enum class binance_order_path : std::uint8_t {
    websocket_api, ///< `order.place` ... on the WebSocket API session
    rest,          ///< `POST/DELETE/GET /api/v3/order`, `/api/v3/openOrders`, `/api/v3/myTrades`
};

/// Writes and signs Binance requests into fixed buffers (engine thread; no allocation): the
/// WebSocket API's JSON, or with `binance_order_path::rest` a REST request line
/// (`VERB /path?query&signature=...`, the key in the X-MBX-APIKEY header). Separate from the
/// gateway so tests and benchmarks drive it alone.
class binance_request_encoder {
  public:
    /// An error line (never a secret) when the credentials hold neither an HMAC secret nor a
    /// loadable Ed25519 key.
    [[nodiscard]] std::optional<std::string> init(const api_credentials& credentials);
    [[nodiscard]] bool ed25519() const noexcept { return ed25519_; }
    void set_order_path(binance_order_path p) noexcept { rest_ = p == binance_order_path::rest; }
    [[nodiscard]] bool rest() const noexcept { return rest_; }
    [[nodiscard]] std::string_view api_key() const noexcept { return api_key_; }
    /// After a successful `session.logon` (Ed25519): requests go without apiKey and signature.
    /// Set on the I/O thread, read on the engine thread.
    void set_logged_on(bool on) noexcept { logged_on_.store(on, std::memory_order_release); }
    [[nodiscard]] bool logged_on() const noexcept {
        return logged_on_.load(std::memory_order_acquire);
    }

    /// `order.place` (REST: `POST /api/v3/order`); false when it does not fit or the order
    /// cannot be expressed. A default
    /// (empty) wire id leaves newClientOrderId out, an empty `resp_type` newOrderRespType.
    bool place(const order_request& r, std::uint64_t request_id, std::int64_t timestamp_ms,
               std::int64_t recv_window_ms, text_writer& out,
               std::string_view resp_type = "ACK") const noexcept;
    /// `order.cancel` by origClientOrderId.
    bool cancel(const cancel_request& r, std::uint64_t request_id, std::int64_t timestamp_ms,
                std::int64_t recv_window_ms, text_writer& out) const noexcept;
    /// `order.status` by origClientOrderId.
    bool status(const query_request& r, std::uint64_t request_id, std::int64_t timestamp_ms,
                std::int64_t recv_window_ms, text_writer& out) const noexcept;
    /// `openOrders.status` (every symbol).
    bool open_orders(std::uint64_t request_id, std::int64_t timestamp_ms,
                     std::int64_t recv_window_ms, text_writer& out) const noexcept;
    /// `session.logon` (Ed25519 keys only), always signed.
    bool session_logon(std::uint64_t request_id, std::int64_t timestamp_ms,
                       text_writer& out) const noexcept;
    /// `userDataStream.subscribe` on a logged-on session.
    bool subscribe(std::uint64_t request_id, text_writer& out) const noexcept;
    /// `userDataStream.subscribe.signature` with this key (HMAC or Ed25519).
    bool subscribe_signature(std::uint64_t request_id, std::int64_t timestamp_ms,
                             text_writer& out) const noexcept;

    /// One request parameter; the encoder signs `key=value&...` in the order given (the
    /// caller lists them sorted by name, as the WebSocket API signs them).
    struct param {
        std::string_view key;
        std::string_view value;
        bool number = false; ///< written unquoted in the JSON
    };
    /// The generic request: `{"id":N,"method":M,"params":{...}}`, signed unless `sign` is false.
    bool write(std::uint64_t request_id, std::string_view method, const param* params,
               std::size_t count, bool sign, text_writer& out) const noexcept;
    /// A signed REST request line: `verb_path` ("GET /api/v3/order"), `?`, the params in the
    /// order given (values are plain: digits, letters, '.', '-', '_'), `&signature=` (hex for
    /// HMAC, percent-encoded base64 for Ed25519), as the REST API's SIGNED endpoints take it.
    bool write_rest(std::string_view verb_path, const param* params, std::size_t count,
                    text_writer& out) const noexcept;
    /// The order path's request: WebSocket `method` or REST `verb_path`.
    bool write_order_request(std::uint64_t request_id, std::string_view method,
                             std::string_view verb_path, const param* params, std::size_t count,
                             text_writer& out) const noexcept;

  private:
    /// `key=value&...` in the order given.
    static void put_query(text_writer& w, const param* params, std::size_t count) noexcept;
    /// The payload's signature: base64 Ed25519 or hex HMAC-SHA256; 0 when signing failed.
    std::size_t signature(std::string_view payload, char (&out)[96]) const noexcept;

    std::string api_key_;
    secret_text secret_;
    ed25519_key key_;
    bool ed25519_ = false;
    bool rest_ = false;
    std::atomic<bool> logged_on_{false};
};

/// An executionReport from the user data stream (raw, or inside the WebSocket API's
/// `{"subscriptionId":N,"event":{...}}`), decoded. `wire_id` is the order's client id on the
/// wire (`C` when the event is a cancel, else `c`).
struct binance_execution {
    exec_report report;
    std::string wire_id;
    std::string symbol;
    std::string execution_type; ///< x
    std::string order_status;   ///< X
};
/// Decodes one user data stream frame (`text` followed by simdjson padding, or copied).
/// nullopt with `error` (naming the field, its value and the reason) when it is not a valid
/// executionReport; `error` empty and nullopt when it is another event. `spec` gives the
/// symbol's tick and lot (nullptr: looked up by the caller before, the report then has no
/// quantities).
struct binance_decode_result {
    std::optional<binance_execution> execution;
    std::string error;
};
[[nodiscard]] binance_decode_result
binance_decode_user_event(std::string_view text, std::uint64_t journal_tag, venue_id venue,
                          const instrument_spec* (*lookup)(const void*, std::string_view),
                          const void* lookup_ctx);

/// How an HMAC key gets its user data stream (an Ed25519 key always logs on and subscribes).
enum class binance_user_stream : std::uint8_t {
    /// `userDataStream.subscribe.signature` on the WebSocket API session (the venue's docs).
    signature,
    /// A listen key: REST `POST /api/v3/userDataStream` (X-MBX-APIKEY), the stream at
    /// `ws_private_url` + `/ws/<listenKey>`, `PUT` every 30 minutes to keep it alive. The venue
    /// retired it on its production hosts; loopback venues and older deployments still have it.
    listen_key,
};

/// The gateway. Options: `ws_url` the WebSocket API (wss://ws-api.binance.com:443/ws-api/v3
/// or a sim-venue's ws://127.0.0.1:P/ws-api/v3); `rest_url` (https://api.binance.com) for
/// the REST order path and the listen key.
class binance_gateway final : public threaded_gateway {
  public:
    /// Setup: nullptr with `error` when the URL or the credentials cannot be used.
    [[nodiscard]] static std::unique_ptr<binance_gateway>
    create(gateway_options options, const api_credentials& credentials, std::string& error,
           binance_user_stream user_stream = binance_user_stream::signature,
           binance_order_path order_path = binance_order_path::websocket_api);
    ~binance_gateway() override;

    [[nodiscard]] gateway_status send(const order_request& r) noexcept override;
    [[nodiscard]] gateway_status cancel(const cancel_request& r) noexcept override;
    [[nodiscard]] gateway_status query(const query_request& r) noexcept override;
    [[nodiscard]] gateway_status reconcile(timestamp_ns since) noexcept override;

  private:
    binance_gateway(gateway_options options);
    struct session;
    void io_connect() override;
    void io_close() override;
    void io_send(outbound_request& r) override;
    void io_query(client_order_id id, const wire_order_id& wire,
                  const instrument_spec* spec) override;

    [[nodiscard]] gateway_status admit_weight(std::int64_t now_ms, std::uint32_t weight) noexcept;
    void io_send_text(std::string_view text);
    /// Sends a request the encoder wrote: a WebSocket frame, or a REST request whose answer
    /// reaches on_reply as the WebSocket API would have given it.
    void io_transmit(std::uint64_t request_id, std::string_view text);
    void on_rest_answer(std::uint64_t request_id, const feed::http_response& r);
    [[nodiscard]] std::vector<feed::http_header> key_header() const;
    void request_listen_key();
    void keep_listen_key_alive();
    void maybe_up();
    void on_open();
    void on_frame(std::string_view text);
    void on_reply(std::uint64_t request_id, simdjson::dom::element doc);
    void on_user_event(simdjson::dom::element event);
    void observe_rate_limits(simdjson::dom::element doc);
    /// After a query answer with executed quantity: the order's trades (`myTrades`).
    void io_order_trades(client_order_id id, const wire_order_id& wire, const instrument_spec* spec,
                         std::int64_t order_id);
    void on_order_trades(const pending_request& p, simdjson::dom::element doc);
    void settle_order(client_order_id id, const instrument_spec* spec, simdjson::dom::element o,
                      exec_kind kind, bool reconcile);

    std::unique_ptr<session> s_;
    binance_request_encoder enc_;
    rate_window weight_1m_{60'000, 6000};
    rate_window orders_10s_{10'000, 50};
    rate_window orders_1d_{86'400'000, 160'000};
};

} // namespace ballast::exec
