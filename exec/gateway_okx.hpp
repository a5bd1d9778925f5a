#pragma once
/// OKX v5 order entry over the private WebSocket (`/ws/v5/private`): the `login` op (signs
/// timestamp + "GET" + "/users/self/verify"), the `order`, `cancel-order` and `amend-order` ops,
/// and the `orders` channel for acknowledgements, fills (tradeId, fillSz, fillPx, fee, accFillSz)
/// and final states. This file holds the request writer and the push decoder; the threaded
/// gateway over them is not written yet (see the report in the commit log).
#include "exec/gateway_session.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ballast::exec {

/// OKX's trade mode of an instrument: "cash" for spot, "cross" for derivatives.
[[nodiscard]] std::string_view okx_trade_mode(const instrument_spec& spec) noexcept;

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

} // namespace ballast::exec
