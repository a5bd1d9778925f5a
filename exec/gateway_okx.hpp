#pragma once
/// OKX v5 order entry over the private WebSocket (`/ws/v5/private`): the `login` op (signs
/// timestamp + "GET" + "/users/self/verify"), the `order`, `cancel-order` and `amend-order` ops,
/// and the `orders` channel for acknowledgements, fills (tradeId, fillSz, fillPx, fee, accFillSz)
/// and final states. Queries and reconciliation over REST ("Get order details", "Get
/// transaction details", "Get order List", signed OK-ACCESS-* headers).
#include "exec/gateway_session.hpp"
#include "exec/signing.hpp"
#include "feed/http_client.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace ballast::exec {

/// OKX's trade mode of an instrument: "cash" for spot, "cross" for derivatives.
[[nodiscard]] std::string_view okx_trade_mode(const instrument_spec& spec) noexcept;
/// OKX's instrument type: "SPOT", "SWAP", "FUTURES" or "OPTION".
[[nodiscard]] std::string_view okx_inst_type(const instrument_spec& spec) noexcept;

/// Writes OKX private WebSocket ops into fixed buffers (engine thread; no allocation). The
/// session is logged in, so the ops carry no signature.
struct okx_request_encoder {
    static bool order(const order_request& r, std::uint64_t request_id, text_writer& out) noexcept;
    static bool cancel(const cancel_request& r, std::uint64_t request_id,
                       text_writer& out) noexcept;
    static bool amend(const amend_request& r, std::uint64_t request_id, text_writer& out) noexcept;
    /// `{"op":"login","args":[{apiKey, passphrase, timestamp, sign}]}`; `unix_seconds` as text.
    [[nodiscard]] static std::string login(std::string_view api_key, std::string_view passphrase,
                                           std::string_view secret, std::string_view unix_seconds);
};

/// OKX's order `state` ("live", "partially_filled", "filled", "canceled", "mmp_canceled");
/// nullopt for anything else.
[[nodiscard]] std::optional<order_state> okx_order_state(std::string_view state) noexcept;
/// A fill from an `orders` push or a "Get transaction details" row (tradeId, fillSz, fillPx,
/// fillFee or fee, fillFeeCcy or feeCcy) into `r` (kind fill); false with an error naming the
/// field, value and reason.
[[nodiscard]] bool okx_decode_fill(simdjson::dom::element d, const instrument_spec& spec,
                                   exec_report& r, std::string& error);
/// REST timestamps: "2020-12-08T09:08:57.715Z" from unix milliseconds.
[[nodiscard]] std::string okx_rest_timestamp(std::int64_t unix_ms);

/// One decoded `orders` push entry.
struct okx_order_item {
    exec_report report;
    std::string wire_id;
    std::string inst_id;
    std::string state;
};
struct okx_decode_result {
    std::vector<okx_order_item> items;
    std::string error;
};
/// Decodes an `orders` channel push: a fill for an entry with a trade id and a fill size, else
/// ack (live), canceled, amended (amendResult "0"); other messages give no items and no error.
[[nodiscard]] okx_decode_result
okx_decode_orders(std::string_view text, std::uint64_t journal_tag, venue_id venue,
                  const instrument_spec* (*lookup)(const void*, std::string_view),
                  const void* lookup_ctx);

/// The answer to an op: the request id, the op, the order's sCode/sMsg (or the top-level
/// code/msg when the op failed as a whole).
struct okx_op_reply {
    std::uint64_t request_id = 0;
    std::string op;
    std::int64_t code = 0;
    std::string msg;
};
[[nodiscard]] std::optional<okx_op_reply> okx_decode_op_reply(std::string_view text);

/// OKX error codes that leave an order's outcome unknown (the venue says to check the result):
/// 50004 "API endpoint request timeout", 50026 "System error".
[[nodiscard]] bool okx_outcome_unknown(std::int64_t code) noexcept;
/// 50011 "Rate limit reached", 50061 "Sub-account rate limit exceeded".
[[nodiscard]] bool okx_rate_limited(std::int64_t code) noexcept;

/// The gateway. Options: `ws_url` the private stream (wss://ws.okx.com:8443/ws/v5/private),
/// `rest_url` (https://www.okx.com). Credentials: api_key, secret and passphrase.
class okx_gateway final : public threaded_gateway {
  public:
    [[nodiscard]] static std::unique_ptr<okx_gateway>
    create(gateway_options options, const api_credentials& credentials, std::string& error);
    ~okx_gateway() override;

    [[nodiscard]] gateway_status send(const order_request& r) noexcept override;
    [[nodiscard]] gateway_status cancel(const cancel_request& r) noexcept override;
    [[nodiscard]] gateway_status amend(const amend_request& r) noexcept override;
    [[nodiscard]] gateway_status query(const query_request& r) noexcept override;
    [[nodiscard]] gateway_status reconcile(timestamp_ns since) noexcept override;

  private:
    explicit okx_gateway(gateway_options options);
    struct session;
    /// "Rate limit" of the trade ops: 60 requests per 2 s per instrument for each of order,
    /// cancel-order and amend-order (counted by instrument ID).
    struct op_windows {
        rate_window order{2'000, 60};
        rate_window cancel{2'000, 60};
        rate_window amend{2'000, 60};
    };
    void io_connect() override;
    void io_close() override;
    void io_send(outbound_request& r) override;
    void io_query(client_order_id id, const wire_order_id& wire,
                  const instrument_spec* spec) override;
    void on_frame(std::string_view text);
    void on_orders(std::string_view text);
    void on_op_reply(std::string_view text);
    void io_reconcile(std::int64_t since_ms);
    /// The fills of one order (after a query found a filled size), then its status report.
    void io_order_fills(exec_report status, const instrument_spec* spec, std::string ord_id);
    /// A fill of ours from a REST row (query or reconciliation), once per trade id.
    void emit_rest_fill(simdjson::dom::element row, client_order_id id, const instrument_spec& spec,
                        bool reconcile);
    void rest_get(std::string path_and_query, std::function<void(feed::http_response)> done);
    /// An op after the checks and the instrument's window for it; `encode` writes the text.
    template <class Request>
    [[nodiscard]] gateway_status
    submit_op(request_kind kind, const Request& r, rate_window op_windows::*which,
              bool (*encode)(const Request&, std::uint64_t, text_writer&) noexcept) noexcept;

    std::unique_ptr<session> s_;
    api_credentials credentials_;
    std::unordered_map<const instrument_spec*, std::unique_ptr<op_windows>> windows_;
    op_windows other_windows_; ///< instruments not named in the options
};

} // namespace ballast::exec
