#pragma once
/// Bybit v5 order entry: the WebSocket trade API (`/v5/trade`: `auth`, `order.create`,
/// `order.cancel`, `order.amend`) and the private stream (`/v5/private`: `auth`, subscribe
/// `execution` and `order`) for fills and order states. Queries and reconciliation over REST
/// (`GET /v5/order/realtime`, signed headers). Requests are authenticated by the session, so the
/// engine thread writes them without signing: the timestamp and receive window go in their
/// `header` object.
#include "exec/gateway_session.hpp"
#include "exec/signing.hpp"
#include "feed/http_client.hpp"

#include <simdjson.h>

#include <memory>
#include <optional>
#include <string>

namespace ballast::exec {

/// Bybit's category of an instrument: "spot", "linear", "inverse" or "option".
[[nodiscard]] std::string_view bybit_category(const instrument_spec& spec) noexcept;

/// Writes Bybit trade requests into fixed buffers (engine thread; no allocation).
struct bybit_request_encoder {
    /// `order.create`; false when it does not fit or cannot be expressed.
    static bool create(const order_request& r, std::uint64_t request_id, std::int64_t timestamp_ms,
                       std::int64_t recv_window_ms, text_writer& out) noexcept;
    static bool cancel(const cancel_request& r, std::uint64_t request_id, std::int64_t timestamp_ms,
                       std::int64_t recv_window_ms, text_writer& out) noexcept;
    static bool amend(const amend_request& r, std::uint64_t request_id, std::int64_t timestamp_ms,
                      std::int64_t recv_window_ms, text_writer& out) noexcept;
    /// `{"reqId":..,"op":"auth","args":[key, expires, hex(HMAC(secret, "GET/realtime"+expires))]}`.
    [[nodiscard]] static std::string auth(std::string_view api_key, std::string_view secret,
                                          std::int64_t expires_ms, std::uint64_t request_id);
};

/// One decoded private-stream message: the reports it carries (execution: fills; order: acks,
/// cancels, rejects) with the wire ids they name, or an error naming field, value and reason.
struct bybit_stream_item {
    exec_report report;
    std::string wire_id;
    std::string symbol;
    std::string leaves_qty; ///< execution: what is left of the order ("0": filled)
    std::string status;     ///< order: orderStatus
};
struct bybit_decode_result {
    std::vector<bybit_stream_item> items;
    std::string error;
    std::string topic;
    /// Entries for instruments the lookup does not know, or knows in another category (one
    /// account's stream carries every category): skipped, not errors.
    std::size_t other_instruments = 0;
};
[[nodiscard]] bybit_decode_result
bybit_decode_private(std::string_view text, std::uint64_t journal_tag, venue_id venue,
                     const instrument_spec* (*lookup)(const void*, std::string_view),
                     const void* lookup_ctx);

/// The gateway. Options: `ws_url` the trade stream (wss://stream.bybit.com/v5/trade),
/// `ws_private_url` the private stream (wss://stream.bybit.com/v5/private), `rest_url`
/// (https://api.bybit.com).
class bybit_gateway final : public threaded_gateway {
  public:
    [[nodiscard]] static std::unique_ptr<bybit_gateway>
    create(gateway_options options, const api_credentials& credentials, std::string& error);
    ~bybit_gateway() override;

    [[nodiscard]] gateway_status send(const order_request& r) noexcept override;
    [[nodiscard]] gateway_status cancel(const cancel_request& r) noexcept override;
    [[nodiscard]] gateway_status amend(const amend_request& r) noexcept override;
    [[nodiscard]] gateway_status query(const query_request& r) noexcept override;
    [[nodiscard]] gateway_status reconcile(timestamp_ns since) noexcept override;

  private:
    explicit bybit_gateway(gateway_options options);
    struct session;
    void io_connect() override;
    void io_close() override;
    void io_send(outbound_request& r) override;
    void io_query(client_order_id id, const wire_order_id& wire,
                  const instrument_spec* spec) override;
    /// After a query answer with executed quantity: the order's executions (reconcile fills).
    void io_order_executions(client_order_id id, const instrument_spec* spec,
                             const std::string& order_id);
    void on_trade_frame(std::string_view text);
    void on_private_frame(std::string_view text);
    void on_authed();
    void rest_get(std::string path_and_query, std::function<void(feed::http_response)> done);
    [[nodiscard]] gateway_status admit_window(rate_window& w) noexcept;

    std::unique_ptr<session> s_;
    api_credentials credentials_;
    // "Rate Limit Rules", trade endpoints per UID: create/amend/cancel 10-20 per second by
    // category; the replies' X-Bapi-Limit/-Status/-Reset-Timestamp headers correct them.
    rate_window create_1s_{1'000, 10};
    rate_window amend_1s_{1'000, 10};
    rate_window cancel_1s_{1'000, 10};
};

} // namespace ballast::exec
