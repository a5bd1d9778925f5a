#include "exec/gateway_binance.hpp"

#include "feed/http_client.hpp"
#include "feed/tsc.hpp"
#include "feed/ws_connection.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <mutex>
#include <tuple>

namespace ballast::exec {

namespace {

/// Binance's "Send status unknown" answer (errors.md, -1007 TIMEOUT).
constexpr std::int64_t status_unknown_code = -1007;
/// "Order does not exist." (errors.md, -2013 NO_SUCH_ORDER).
constexpr std::int64_t no_such_order_code = -2013;

std::string_view side_text(side s) noexcept {
    return s == side::bid ? "BUY" : "SELL";
}

order_state state_of(std::string_view x) noexcept {
    if (x == "NEW" || x == "PENDING_NEW" || x == "PENDING_CANCEL") {
        return order_state::acknowledged;
    }
    if (x == "PARTIALLY_FILLED") {
        return order_state::partially_filled;
    }
    if (x == "FILLED") {
        return order_state::filled;
    }
    if (x == "CANCELED" || x == "EXPIRED" || x == "EXPIRED_IN_MATCH") {
        return order_state::canceled;
    }
    if (x == "REJECTED") {
        return order_state::rejected;
    }
    return order_state::new_order;
}

std::int64_t int_field(simdjson::dom::element e, std::string_view key, std::int64_t dflt) noexcept {
    std::int64_t out = 0;
    if (e[key].get_int64().get(out) != simdjson::SUCCESS) {
        return dflt;
    }
    return out;
}

double parse_double(std::string_view s, bool& ok) noexcept {
    double v = 0.0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    ok = ec == std::errc{} && end == s.data() + s.size();
    return v;
}

/// A trade's id, notional and fee in the quote currency (last_qty and last_px set). Binance
/// charges the commission in the asset received: converted when it is the quote, or the base at
/// the trade's price; another asset (a fee token) has no price here and counts 0.
void book_trade(exec_report& r, const instrument_spec& spec, std::int64_t trade_id, double fee,
                std::string_view fee_asset) noexcept {
    char buf[24];
    const auto tr = std::to_chars(buf, buf + sizeof buf, trade_id);
    r.set_trade_id(std::string_view(buf, static_cast<std::size_t>(tr.ptr - buf)));
    const double px = spec.to_double(r.last_px);
    r.notional_quote = spec.to_double(r.last_qty) * px;
    if (fee_asset == spec.quote) {
        r.fee_quote = fee;
    } else if (fee_asset == spec.base) {
        r.fee_quote = fee * px;
    }
}

/// A decimal field in the instrument's steps; an error naming field, value and reason.
template <class T, class Parse>
bool steps_field(simdjson::dom::element e, std::string_view key, Parse&& parse, T& out,
                 std::string& error) {
    std::string_view text;
    if (e[key].get_string().get(text) != simdjson::SUCCESS) {
        error = "binance: executionReport field '" + std::string(key) + "' is missing";
        return false;
    }
    const auto r = parse(text);
    if (!r.ok()) {
        error = "binance: executionReport field '" + std::string(key) + "' value '" +
                std::string(text) + "': " + std::string(to_string(r.error));
        return false;
    }
    out = r.value;
    return true;
}

binance_decode_result
decode_execution(simdjson::dom::element ev, std::uint64_t journal_tag, venue_id venue,
                 const instrument_spec* (*lookup)(const void*, std::string_view), const void* ctx) {
    binance_decode_result out;
    if (json_text(ev, "e") != "executionReport") {
        return out; // another event (account, balance, list status, stream terminated)
    }
    binance_execution x;
    x.symbol = std::string(json_text(ev, "s"));
    x.execution_type = std::string(json_text(ev, "x"));
    x.order_status = std::string(json_text(ev, "X"));
    const std::string_view orig = json_text(ev, "C");
    x.wire_id = std::string(!orig.empty() ? orig : json_text(ev, "c"));
    if (x.execution_type.empty() || x.order_status.empty()) {
        out.error = "binance: executionReport without 'x' or 'X'";
        return out;
    }
    exec_report& r = x.report;
    r.venue = venue;
    r.id = parse_wire_order_id(journal_tag, x.wire_id);
    r.state = state_of(x.order_status);
    r.venue_time = timestamp_ns{int_field(ev, "E", 0) * 1'000'000};
    const instrument_spec* spec = lookup != nullptr ? lookup(ctx, x.symbol) : nullptr;
    const std::string_view xt = x.execution_type;
    if (xt == "NEW") {
        r.kind = exec_kind::ack;
    } else if (xt == "TRADE") {
        r.kind = exec_kind::fill;
    } else if (xt == "CANCELED" || xt == "EXPIRED" || xt == "TRADE_PREVENTION") {
        r.kind = exec_kind::canceled;
    } else if (xt == "REJECTED") {
        r.kind = exec_kind::rejected;
        r.set_reason(json_text(ev, "r"));
    } else if (xt == "REPLACED" || xt == "AMENDMENT") {
        r.kind = exec_kind::amended;
    } else {
        out.error = "binance: executionReport field 'x' value '" + x.execution_type +
                    "': not an execution type";
        return out;
    }
    if (spec != nullptr) {
        if (!steps_field(
                ev, "z", [&](std::string_view t) { return spec->parse_qty(t); }, r.cum_qty,
                out.error)) {
            return out;
        }
        if (r.kind == exec_kind::fill) {
            if (!steps_field(
                    ev, "l", [&](std::string_view t) { return spec->parse_qty(t); }, r.last_qty,
                    out.error) ||
                !steps_field(
                    ev, "L", [&](std::string_view t) { return spec->parse_price(t); }, r.last_px,
                    out.error)) {
                return out;
            }
            std::int64_t trade = -1;
            if (ev["t"].get_int64().get(trade) != simdjson::SUCCESS || trade < 0) {
                out.error = "binance: executionReport TRADE without a trade id 't'";
                return out;
            }
            // Commission `n` in asset `N`.
            bool ok = true;
            const double fee = parse_double(json_text(ev, "n"), ok);
            if (!ok) {
                out.error = "binance: executionReport field 'n' value '" +
                            std::string(json_text(ev, "n")) + "': not a number";
                return out;
            }
            book_trade(r, *spec, trade, fee, json_text(ev, "N"));
        }
    } else if (r.kind == exec_kind::fill) {
        out.error =
            "binance: executionReport for symbol '" + x.symbol + "' the gateway does not know";
        return out;
    }
    out.execution = std::move(x);
    return out;
}

const instrument_spec* no_lookup(const void*, std::string_view) {
    return nullptr;
}

} // namespace

// ---- binance_request_encoder ------------------------------------------------------------------

std::optional<std::string> binance_request_encoder::init(const api_credentials& c) {
    if (c.api_key.empty() || !json_plain_text(c.api_key)) {
        return std::string("binance: api_key is empty or holds characters a request cannot carry");
    }
    api_key_ = c.api_key;
    if (!c.ed25519_pem.empty()) {
        if (auto err = key_.load_private_pem(c.ed25519_pem.value())) {
            return "binance: ed25519 key: " + *err;
        }
        ed25519_ = true;
        return std::nullopt;
    }
    if (c.secret.empty()) {
        return std::string("binance: neither an HMAC secret nor an Ed25519 key");
    }
    secret_ = c.secret;
    ed25519_ = false;
    return std::nullopt;
}

void binance_request_encoder::put_query(text_writer& w, const param* params,
                                        std::size_t count) noexcept {
    for (std::size_t i = 0; i < count; ++i) {
        if (i != 0) {
            w.put('&');
        }
        w.put(params[i].key);
        w.put('=');
        w.put(params[i].value);
    }
}

std::size_t binance_request_encoder::signature(std::string_view payload,
                                               char (&out)[96]) const noexcept {
    if (ed25519_) {
        ed25519_signature s{};
        return key_.sign(payload, s) ? base64_encode(s, out) : 0;
    }
    hex_encode(hmac_sha256(secret_.value(), payload), out);
    return 64;
}

bool binance_request_encoder::write(std::uint64_t request_id, std::string_view method,
                                    const param* params, std::size_t count, bool sign,
                                    text_writer& out) const noexcept {
    // The signed payload: the params sorted by name (the caller's order, apiKey first).
    char payload_buf[768];
    text_writer payload{payload_buf, sizeof payload_buf};
    if (sign) {
        payload.put("apiKey=");
        payload.put(api_key_);
        if (count != 0) {
            payload.put('&');
        }
    }
    put_query(payload, params, count);
    if (payload.overflow) {
        return false;
    }
    char sig[96];
    std::size_t sig_len = 0;
    if (sign && (sig_len = signature(payload.view(), sig)) == 0) {
        return false;
    }
    out.put("{\"id\":");
    out.put_uint(request_id);
    out.put(",\"method\":\"");
    out.put(method);
    out.put('"');
    if (count > 0 || sign) {
        out.put(",\"params\":{");
        bool first = true;
        auto field = [&](std::string_view k, std::string_view v, bool number) {
            if (!first) {
                out.put(',');
            }
            first = false;
            out.put('"');
            out.put(k);
            out.put("\":");
            if (!number) {
                out.put('"');
            }
            out.put(v);
            if (!number) {
                out.put('"');
            }
        };
        if (sign) {
            field("apiKey", api_key_, false);
        }
        for (std::size_t i = 0; i < count; ++i) {
            field(params[i].key, params[i].value, params[i].number);
        }
        if (sign) {
            field("signature", std::string_view(sig, sig_len), false);
        }
        out.put('}');
    }
    out.put('}');
    return !out.overflow;
}

bool binance_request_encoder::write_rest(std::string_view verb_path, const param* params,
                                         std::size_t count, text_writer& out) const noexcept {
    // Values go into the query as they are: anything a URL would need escaped is refused.
    const auto plain = [](std::string_view v) {
        return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' ||
                   c == '_';
        });
    };
    for (std::size_t i = 0; i < count; ++i) {
        if (!plain(params[i].value)) {
            return false;
        }
    }
    out.put(verb_path);
    out.put('?');
    const std::size_t query_at = out.size;
    put_query(out, params, count);
    if (out.overflow) {
        return false;
    }
    char sig[96];
    const std::size_t n =
        signature(std::string_view(out.data + query_at, out.size - query_at), sig);
    if (n == 0) {
        return false;
    }
    out.put("&signature=");
    for (std::size_t i = 0; i < n; ++i) { // base64 (Ed25519) percent-encoded; hex as it is
        switch (sig[i]) {
        case '+':
            out.put("%2B");
            break;
        case '/':
            out.put("%2F");
            break;
        case '=':
            out.put("%3D");
            break;
        default:
            out.put(sig[i]);
        }
    }
    return !out.overflow;
}

bool binance_request_encoder::write_order_request(std::uint64_t request_id, std::string_view method,
                                                  std::string_view verb_path, const param* params,
                                                  std::size_t count,
                                                  text_writer& out) const noexcept {
    return rest_ ? write_rest(verb_path, params, count, out)
                 : write(request_id, method, params, count, !logged_on(), out);
}

namespace {
struct int_text {
    char buf[24];
    std::size_t n = 0;
    explicit int_text(std::int64_t v) noexcept {
        n = static_cast<std::size_t>(std::to_chars(buf, buf + sizeof buf, v).ptr - buf);
    }
    [[nodiscard]] std::string_view view() const noexcept { return {buf, n}; }
};
} // namespace

bool binance_request_encoder::place(const order_request& r, std::uint64_t request_id,
                                    std::int64_t timestamp_ms, std::int64_t recv_window_ms,
                                    text_writer& out, std::string_view resp_type) const noexcept {
    if (r.spec == nullptr || r.quantity.value() <= 0 ||
        (r.type == order_type::limit && r.limit.value() <= 0) || !json_plain_text(r.spec->symbol)) {
        return false;
    }
    decimal_buffer px_buf{};
    decimal_buffer qty_buf{};
    const std::size_t px_n = r.type == order_type::limit
                                 ? format_steps(r.limit.value(), r.spec->tick, false, px_buf)
                                 : 0;
    const std::size_t qty_n = format_steps(r.quantity.value(), r.spec->lot, false, qty_buf);
    const int_text ts(timestamp_ms);
    const int_text rw(recv_window_ms);
    std::string_view type = "LIMIT";
    std::string_view tif;
    if (r.type == order_type::market) {
        type = "MARKET";
    } else if (r.tif == order_tif::post_only) {
        type = "LIMIT_MAKER";
    } else {
        tif = r.tif == order_tif::gtc ? "GTC" : r.tif == order_tif::ioc ? "IOC" : "FOK";
    }
    param p[12];
    std::size_t n = 0;
    if (r.wire_id.size != 0) {
        p[n++] = {"newClientOrderId", r.wire_id.view()};
    }
    if (!resp_type.empty()) {
        p[n++] = {"newOrderRespType", resp_type};
    }
    if (px_n != 0) {
        p[n++] = {"price", {px_buf.data(), px_n}};
    }
    p[n++] = {"quantity", {qty_buf.data(), qty_n}};
    p[n++] = {"recvWindow", rw.view(), true};
    p[n++] = {"side", side_text(r.order_side)};
    p[n++] = {"symbol", r.spec->symbol};
    if (!tif.empty()) {
        p[n++] = {"timeInForce", tif};
    }
    p[n++] = {"timestamp", ts.view(), true};
    p[n++] = {"type", type};
    return write_order_request(request_id, "order.place", "POST /api/v3/order", p, n, out);
}

bool binance_request_encoder::cancel(const cancel_request& r, std::uint64_t request_id,
                                     std::int64_t timestamp_ms, std::int64_t recv_window_ms,
                                     text_writer& out) const noexcept {
    if (r.spec == nullptr || r.wire_id.size == 0 || !json_plain_text(r.spec->symbol)) {
        return false;
    }
    const int_text ts(timestamp_ms);
    const int_text rw(recv_window_ms);
    const param p[] = {{"origClientOrderId", r.wire_id.view()},
                       {"recvWindow", rw.view(), true},
                       {"symbol", r.spec->symbol},
                       {"timestamp", ts.view(), true}};
    return write_order_request(request_id, "order.cancel", "DELETE /api/v3/order", p, 4, out);
}

bool binance_request_encoder::status(const query_request& r, std::uint64_t request_id,
                                     std::int64_t timestamp_ms, std::int64_t recv_window_ms,
                                     text_writer& out) const noexcept {
    if (r.spec == nullptr || r.wire_id.size == 0 || !json_plain_text(r.spec->symbol)) {
        return false;
    }
    const int_text ts(timestamp_ms);
    const int_text rw(recv_window_ms);
    const param p[] = {{"origClientOrderId", r.wire_id.view()},
                       {"recvWindow", rw.view(), true},
                       {"symbol", r.spec->symbol},
                       {"timestamp", ts.view(), true}};
    return write_order_request(request_id, "order.status", "GET /api/v3/order", p, 4, out);
}

bool binance_request_encoder::open_orders(std::uint64_t request_id, std::int64_t timestamp_ms,
                                          std::int64_t recv_window_ms,
                                          text_writer& out) const noexcept {
    const int_text ts(timestamp_ms);
    const int_text rw(recv_window_ms);
    const param p[] = {{"recvWindow", rw.view(), true}, {"timestamp", ts.view(), true}};
    return write_order_request(request_id, "openOrders.status", "GET /api/v3/openOrders", p, 2,
                               out);
}

bool binance_request_encoder::session_logon(std::uint64_t request_id, std::int64_t timestamp_ms,
                                            text_writer& out) const noexcept {
    if (!ed25519_) {
        return false;
    }
    const int_text ts(timestamp_ms);
    const param p[] = {{"timestamp", ts.view(), true}};
    return write(request_id, "session.logon", p, 1, true, out);
}

bool binance_request_encoder::subscribe(std::uint64_t request_id, text_writer& out) const noexcept {
    return write(request_id, "userDataStream.subscribe", nullptr, 0, false, out);
}

bool binance_request_encoder::subscribe_signature(std::uint64_t request_id,
                                                  std::int64_t timestamp_ms,
                                                  text_writer& out) const noexcept {
    const int_text ts(timestamp_ms);
    const param p[] = {{"timestamp", ts.view(), true}};
    return write(request_id, "userDataStream.subscribe.signature", p, 1, true, out);
}

// ---- decoding ---------------------------------------------------------------------------------

binance_decode_result
binance_decode_user_event(std::string_view text, std::uint64_t journal_tag, venue_id venue,
                          const instrument_spec* (*lookup)(const void*, std::string_view),
                          const void* lookup_ctx) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    binance_decode_result out;
    if (parser.parse(text.data(), text.size(), true).get(doc) != simdjson::SUCCESS) {
        out.error = "binance: user data frame is not JSON";
        return out;
    }
    simdjson::dom::element ev;
    if (doc["event"].get(ev) != simdjson::SUCCESS) {
        ev = doc;
    }
    return decode_execution(ev, journal_tag, venue, lookup != nullptr ? lookup : no_lookup,
                            lookup_ctx);
}

// ---- the gateway ------------------------------------------------------------------------------

struct binance_gateway::session final : feed::ws_connection_handler {
    explicit session(binance_gateway& g) : gw(g), user(*this) {}

    /// The listen-key stream's connection.
    struct user_handler final : feed::ws_connection_handler {
        explicit user_handler(session& owner) : s(owner) {}
        void on_ws_open() override {
            s.user_open = true;
            s.gw.maybe_up();
        }
        void on_ws_frame(std::string_view text) override { s.gw.on_frame(text); }
        void on_ws_closed(std::string_view reason) override {
            s.user_conn.reset();
            s.gw.io_session_down("binance: user data stream: " + std::string(reason));
        }
        session& s;
    };

    void on_ws_open() override { gw.on_open(); }
    void on_ws_frame(std::string_view text) override { gw.on_frame(text); }
    void on_ws_closed(std::string_view reason) override {
        conn.reset();
        gw.io_session_down("binance: " + std::string(reason));
    }

    binance_gateway& gw;
    feed::ws_url url;
    std::shared_ptr<boost::asio::ssl::context> tls;
    std::shared_ptr<feed::ws_connection> conn;
    user_handler user;
    std::shared_ptr<feed::ws_connection> user_conn;
    binance_user_stream mode = binance_user_stream::signature;
    std::unique_ptr<boost::asio::steady_timer> keep_alive;
    std::string listen_key;
    bool api_open = false;  ///< WS API connected (and logged on / subscribed where needed)
    bool user_open = false; ///< listen-key stream connected
    simdjson::dom::parser parser;
    std::uint64_t logon_id = 0;
    std::uint64_t subscribe_id = 0;
    std::uint64_t reconcile_id = 0;
    std::int64_t reconcile_since_ms = 0;
    std::string scratch;
};

binance_gateway::binance_gateway(gateway_options options) : threaded_gateway(std::move(options)) {}

binance_gateway::~binance_gateway() {
    stop();
}

std::unique_ptr<binance_gateway> binance_gateway::create(gateway_options options,
                                                         const api_credentials& credentials,
                                                         std::string& error,
                                                         binance_user_stream user_stream,
                                                         binance_order_path order_path) {
    std::unique_ptr<binance_gateway> g(new binance_gateway(std::move(options)));
    g->s_ = std::make_unique<session>(*g);
    auto url = feed::parse_ws_url(g->options().ws_url, error);
    if (!url) {
        error = "binance: ws_url: " + error;
        return nullptr;
    }
    g->s_->url = *url;
    if (url->tls) {
        g->s_->tls = feed::make_tls_client_context(g->options().tls_ca_file, error);
        if (!g->s_->tls) {
            return nullptr;
        }
    }
    if (auto err = g->enc_.init(credentials)) {
        error = *err;
        return nullptr;
    }
    g->s_->mode = g->enc_.ed25519() ? binance_user_stream::signature : user_stream;
    g->enc_.set_order_path(order_path);
    if (order_path == binance_order_path::rest) {
        std::string e2;
        if (!feed::parse_http_url(g->options().rest_url, e2)) {
            error = "binance: the REST order path needs rest_url: " + e2;
            return nullptr;
        }
    }
    if (g->s_->mode == binance_user_stream::listen_key) {
        std::string e2;
        if (!feed::parse_http_url(g->options().rest_url, e2) ||
            !feed::parse_ws_url(g->options().ws_private_url, e2)) {
            error = "binance: a listen-key user stream needs rest_url and ws_private_url: " + e2;
            return nullptr;
        }
    }
    return g;
}

// ---- engine thread ----------------------------------------------------------------------------

gateway_status binance_gateway::admit_weight(std::int64_t now_ms, std::uint32_t weight) noexcept {
    if (const auto st = admit(); st != gateway_status::ok) {
        return st;
    }
    return weight_1m_.try_take(now_ms, weight) ? gateway_status::ok : gateway_status::rate_limited;
}

gateway_status binance_gateway::send(const order_request& r) noexcept {
    const std::int64_t now = clock().wall_ms();
    if (const auto st = admit(); st != gateway_status::ok) {
        return st;
    }
    if (r.wire_id.size == 0) {
        return gateway_status::rejected; // reports could not name it
    }
    // One unfilled order in each ORDERS window, weight 1 ("Place new order").
    if (!orders_10s_.try_take(now, 1) || !orders_1d_.try_take(now, 1) ||
        !weight_1m_.try_take(now, 1)) {
        return gateway_status::rate_limited;
    }
    return submit(request_kind::place, r.id, r.wire_id, r.spec,
                  [&](std::uint64_t rid, text_writer& w) {
                      return enc_.place(r, rid, now, options().recv_window_ms, w);
                  });
}

gateway_status binance_gateway::cancel(const cancel_request& r) noexcept {
    const std::int64_t now = clock().wall_ms();
    if (const auto st = admit_weight(now, 1); st != gateway_status::ok) {
        return st;
    }
    return submit(request_kind::cancel, r.id, r.wire_id, r.spec,
                  [&](std::uint64_t rid, text_writer& w) {
                      return enc_.cancel(r, rid, now, options().recv_window_ms, w);
                  });
}

gateway_status binance_gateway::query(const query_request& r) noexcept {
    const std::int64_t now = clock().wall_ms();
    // "Query order": weight 4.
    if (const auto st = admit_weight(now, 4); st != gateway_status::ok) {
        return st;
    }
    return submit(request_kind::query, r.id, r.wire_id, r.spec,
                  [&](std::uint64_t rid, text_writer& w) {
                      return enc_.status(r, rid, now, options().recv_window_ms, w);
                  });
}

gateway_status binance_gateway::reconcile(timestamp_ns since) noexcept {
    const std::int64_t now = clock().wall_ms();
    // "Current open orders" without a symbol: weight 80.
    if (const auto st = admit_weight(now, 80); st != gateway_status::ok) {
        return st;
    }
    return submit(
        request_kind::reconcile, client_order_id{0}, wire_order_id{}, nullptr,
        [&](std::uint64_t rid, text_writer& w) {
            return enc_.open_orders(rid, now, options().recv_window_ms, w);
        },
        since.ns / 1'000'000);
}

// ---- I/O thread -------------------------------------------------------------------------------

void binance_gateway::io_connect() {
    s_->api_open = false;
    s_->user_open = false;
    s_->conn =
        feed::ws_connection::create(io(), s_->url, s_->tls, feed::ws_connection_options{}, *s_);
    s_->conn->start();
    if (s_->mode == binance_user_stream::listen_key) {
        request_listen_key();
    }
}

void binance_gateway::io_close() {
    enc_.set_logged_on(false);
    s_->api_open = false;
    s_->user_open = false;
    if (s_->conn) {
        s_->conn->close();
        s_->conn.reset();
    }
    if (s_->user_conn) {
        s_->user_conn->close();
        s_->user_conn.reset();
    }
    io_rest_close();
    if (s_->keep_alive) {
        s_->keep_alive->cancel();
    }
}

void binance_gateway::maybe_up() {
    if (s_->api_open && (s_->mode != binance_user_stream::listen_key || s_->user_open) && !io_up_) {
        io_session_up();
    }
}

std::vector<feed::http_header> binance_gateway::key_header() const {
    return {{"X-MBX-APIKEY", std::string(enc_.api_key())}};
}

void binance_gateway::request_listen_key() {
    if (!s_->keep_alive) {
        s_->keep_alive = std::make_unique<boost::asio::steady_timer>(io());
    }
    io_rest().request(
        feed::http_method::post, options().rest_url + "/api/v3/userDataStream", key_header(), "",
        [this](feed::http_response r) {
            simdjson::dom::parser p;
            simdjson::dom::element doc;
            std::string_view key;
            if (!r.ok() || p.parse(r.body).get(doc) != simdjson::SUCCESS ||
                doc["listenKey"].get_string().get(key) != simdjson::SUCCESS || key.empty() ||
                key.find_first_of("/?#% ") != std::string_view::npos) {
                std::string_view msg;
                std::int64_t code = 0;
                if (r.error.empty() && p.parse(r.body).get(doc) == simdjson::SUCCESS) {
                    msg = json_text(doc, "msg");
                    code = int_field(doc, "code", 0);
                }
                io_session_down("binance: listen key refused (HTTP " + std::to_string(r.status) +
                                    "): " + (r.error.empty() ? std::string(msg) : r.error),
                                code);
                return;
            }
            s_->listen_key = std::string(key);
            std::string error;
            auto url =
                feed::parse_ws_url(options().ws_private_url + "/ws/" + s_->listen_key, error);
            if (!url) {
                io_session_down("binance: user stream url: " + error);
                return;
            }
            std::shared_ptr<boost::asio::ssl::context> tls;
            if (url->tls) {
                tls =
                    s_->tls ? s_->tls : feed::make_tls_client_context(options().tls_ca_file, error);
            }
            s_->user_conn = feed::ws_connection::create(io(), *url, tls,
                                                        feed::ws_connection_options{}, s_->user);
            s_->user_conn->start();
            keep_listen_key_alive();
        });
}

/// "Keepalive a user data stream to prevent a time out. User data streams will close after 60
/// minutes. It's recommended to send a ping about every 30 minutes."
void binance_gateway::keep_listen_key_alive() {
    s_->keep_alive->expires_after(std::chrono::minutes(30));
    s_->keep_alive->async_wait([this](const boost::system::error_code& ec) {
        if (ec || !s_->user_conn) {
            return;
        }
        io_rest().request(feed::http_method::put,
                          options().rest_url + "/api/v3/userDataStream?listenKey=" + s_->listen_key,
                          key_header(), "", [this](feed::http_response r) {
                              if (!r.ok()) {
                                  note_error("binance: listen key keep-alive failed (HTTP " +
                                             std::to_string(r.status) + ")" + r.error);
                              }
                          });
        keep_listen_key_alive();
    });
}

void binance_gateway::io_send_text(std::string_view text) {
    if (s_->conn) {
        s_->conn->send(std::string(text));
    }
}

void binance_gateway::io_transmit(std::uint64_t request_id, std::string_view text) {
    if (text.empty() || text.front() == '{') {
        return io_send_text(text);
    }
    // "VERB /path?query": the encoder wrote it (see write_rest).
    const auto space = text.find(' ');
    const std::string_view verb = text.substr(0, space);
    const feed::http_method method = verb == "POST"     ? feed::http_method::post
                                     : verb == "DELETE" ? feed::http_method::del
                                                        : feed::http_method::get;
    io_rest().request(method, options().rest_url + std::string(text.substr(space + 1)),
                      key_header(), "",
                      [this, request_id](feed::http_response r) { on_rest_answer(request_id, r); });
}

/// A REST answer goes to on_reply in the WebSocket API's shape: `{"id":N,"status":S,"result":
/// BODY}` or `{..,"error":BODY}`, the X-MBX-* counters as its `rateLimits`, a 429/418's
/// Retry-After (seconds) as the error's `retryAfter`. No answer at all (a timeout, a dropped
/// connection) is a 503: the outcome is unknown and the order is queried.
void binance_gateway::on_rest_answer(std::uint64_t request_id, const feed::http_response& r) {
    simdjson::dom::parser& p = s_->parser;
    simdjson::dom::element body;
    const bool json = r.error.empty() && p.parse(r.body).get(body) == simdjson::SUCCESS;
    const std::int64_t code = json ? int_field(body, "code", 0) : 0;
    const std::string msg = !r.error.empty() ? r.error
                            : json           ? std::string(json_text(body, "msg"))
                                             : "HTTP " + std::to_string(r.status);
    // No answer, or a 200 that is not JSON: the outcome is unknown.
    const int status = !r.error.empty() || (r.status == 200 && !json) ? 503 : r.status;
    std::string& t = s_->scratch;
    t.clear();
    t += "{\"id\":" + std::to_string(request_id) + ",\"status\":" + std::to_string(status);
    t += ",\"rateLimits\":[";
    bool first = true;
    for (const auto& [name, type, interval, num] :
         {std::tuple{"X-MBX-USED-WEIGHT-1M", "REQUEST_WEIGHT", "MINUTE", 1},
          std::tuple{"X-MBX-ORDER-COUNT-10S", "ORDERS", "SECOND", 10},
          std::tuple{"X-MBX-ORDER-COUNT-1D", "ORDERS", "DAY", 1}}) {
        const std::int64_t count = parse_int_text(r.header(name), -1);
        rate_window& w = std::string_view(type) == "REQUEST_WEIGHT" ? weight_1m_
                         : std::string_view(interval) == "DAY"      ? orders_1d_
                                                                    : orders_10s_;
        if (count < 0) {
            continue;
        }
        t += first ? "" : ",";
        first = false;
        t += std::string("{\"rateLimitType\":\"") + type + "\",\"interval\":\"" + interval +
             "\",\"intervalNum\":" + std::to_string(num) +
             ",\"limit\":" + std::to_string(w.limit()) + ",\"count\":" + std::to_string(count) +
             "}";
    }
    t += "]";
    if (status == 200) {
        t += ",\"result\":" + r.body + "}";
    } else {
        std::string quoted;
        for (char c : msg) {
            if (c == '"' || c == '\\') {
                quoted += '\\';
            }
            quoted += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
        }
        const std::int64_t retry_s = parse_int_text(r.header("Retry-After"), 0);
        t += ",\"error\":{\"code\":" + std::to_string(code) + ",\"msg\":\"" + quoted +
             "\",\"data\":{\"retryAfter\":" + std::to_string(clock().wall_ms() + retry_s * 1'000) +
             "}}}";
    }
    simdjson::dom::element doc;
    if (p.parse(t).get(doc) != simdjson::SUCCESS) {
        note_error("binance: REST answer (HTTP " + std::to_string(r.status) + ") is not JSON");
        return;
    }
    on_reply(request_id, doc);
}

void binance_gateway::on_open() {
    std::array<char, request_text_capacity> buf{};
    text_writer w{buf.data(), buf.size()};
    if (enc_.ed25519()) {
        s_->logon_id = io_request_id();
        if (!enc_.session_logon(s_->logon_id, clock().wall_ms(), w)) {
            io_session_down("binance: cannot sign session.logon");
            return;
        }
    } else if (s_->mode == binance_user_stream::listen_key) {
        s_->api_open = true; // requests are signed one by one; fills come on the other stream
        maybe_up();
        return;
    } else {
        s_->subscribe_id = io_request_id();
        if (!enc_.subscribe_signature(s_->subscribe_id, clock().wall_ms(), w)) {
            io_session_down("binance: cannot sign userDataStream.subscribe.signature");
            return;
        }
    }
    io_send_text(w.view());
}

void binance_gateway::io_send(outbound_request& r) {
    pending_request p;
    p.kind = r.kind;
    p.id = r.id;
    p.wire_id = r.wire_id;
    p.spec = r.spec;
    p.sent_ns = clock().steady_ns();
    if (r.kind == request_kind::reconcile) {
        s_->reconcile_id = r.request_id;
        s_->reconcile_since_ms = r.since_ms;
    }
    if (r.kind == request_kind::place) {
        (void)track_order(r.id, r.spec);
    }
    p.send_tsc = stamp_send();
    track(r.request_id, p);
    io_transmit(r.request_id, r.view());
}

void binance_gateway::io_order_trades(client_order_id id, const wire_order_id& wire,
                                      const instrument_spec* spec, std::int64_t order_id) {
    std::array<char, request_text_capacity> buf{};
    text_writer w{buf.data(), buf.size()};
    const std::uint64_t rid = io_request_id();
    char oid[24];
    const auto oe = std::to_chars(oid, oid + sizeof oid, order_id);
    char ts[24];
    const auto te = std::to_chars(ts, ts + sizeof ts, clock().wall_ms());
    char rw[24];
    const auto re = std::to_chars(rw, rw + sizeof rw, options().recv_window_ms);
    const binance_request_encoder::param params[] = {
        {"orderId", std::string_view(oid, static_cast<std::size_t>(oe.ptr - oid)), true},
        {"recvWindow", std::string_view(rw, static_cast<std::size_t>(re.ptr - rw)), true},
        {"symbol", spec->symbol},
        {"timestamp", std::string_view(ts, static_cast<std::size_t>(te.ptr - ts)), true}};
    if (!enc_.write_order_request(rid, "myTrades", "GET /api/v3/myTrades", params, 4, w)) {
        return;
    }
    pending_request p;
    p.kind = request_kind::control; // an order's trades (see on_order_trades)
    p.id = id;
    p.wire_id = wire;
    p.spec = spec;
    p.sent_ns = clock().steady_ns();
    track(rid, p);
    io_transmit(rid, w.view());
}

void binance_gateway::on_order_trades(const pending_request& p, simdjson::dom::element doc) {
    simdjson::dom::array trades;
    if (p.spec == nullptr || doc["result"].get_array().get(trades) != simdjson::SUCCESS) {
        note_error("binance: myTrades reply without a result array");
        return;
    }
    for (simdjson::dom::element t : trades) {
        exec_report r = make_report(exec_kind::fill, p.id);
        r.reconcile = true;
        const auto q = p.spec->parse_qty(json_text(t, "qty"));
        const auto px = p.spec->parse_price(json_text(t, "price"));
        std::int64_t trade = -1;
        if (!q.ok() || !px.ok() || t["id"].get_int64().get(trade) != simdjson::SUCCESS ||
            trade < 0) {
            note_error("binance: myTrades entry without qty, price or id");
            continue;
        }
        r.last_qty = q.value;
        r.last_px = px.value;
        bool ok = true;
        const double fee = parse_double(json_text(t, "commission"), ok);
        if (!ok) {
            note_error("binance: myTrades field 'commission' value '" +
                       std::string(json_text(t, "commission")) + "': not a number");
            continue;
        }
        book_trade(r, *p.spec, trade, fee, json_text(t, "commissionAsset"));
        r.venue_time = timestamp_ns{int_field(t, "time", 0) * 1'000'000};
        emit(r);
    }
}

void binance_gateway::io_query(client_order_id id, const wire_order_id& wire,
                               const instrument_spec* spec) {
    if (!io_up_ || spec == nullptr) {
        return;
    }
    std::array<char, request_text_capacity> buf{};
    text_writer w{buf.data(), buf.size()};
    const std::uint64_t rid = io_request_id();
    const query_request q{id, wire, spec};
    if (!enc_.status(q, rid, clock().wall_ms(), options().recv_window_ms, w)) {
        return;
    }
    pending_request p;
    p.kind = request_kind::query;
    p.id = id;
    p.wire_id = wire;
    p.spec = spec;
    p.sent_ns = clock().steady_ns();
    track(rid, p);
    io_transmit(rid, w.view());
}

void binance_gateway::on_frame(std::string_view text) {
    simdjson::dom::element doc;
    if (s_->parser.parse(text.data(), text.size(), false).get(doc) != simdjson::SUCCESS) {
        note_error("binance: frame is not JSON");
        return;
    }
    simdjson::dom::element ev;
    if (doc["event"].get(ev) == simdjson::SUCCESS) {
        return on_user_event(ev);
    }
    if (doc["e"].error() == simdjson::SUCCESS) {
        return on_user_event(doc);
    }
    std::uint64_t rid = 0;
    if (doc["id"].get_uint64().get(rid) != simdjson::SUCCESS) {
        note_error("binance: a reply without a numeric 'id' and not a user data event");
        return;
    }
    on_reply(rid, doc);
}

void binance_gateway::observe_rate_limits(simdjson::dom::element doc) {
    simdjson::dom::array limits;
    if (doc["rateLimits"].get_array().get(limits) != simdjson::SUCCESS) {
        return;
    }
    const std::int64_t now = clock().wall_ms();
    for (simdjson::dom::element l : limits) {
        const std::string_view type = json_text(l, "rateLimitType");
        const std::string_view interval = json_text(l, "interval");
        const std::int64_t num = int_field(l, "intervalNum", 1);
        const std::int64_t limit = int_field(l, "limit", 0);
        const std::int64_t count = int_field(l, "count", 0);
        std::int64_t unit = 0;
        if (interval == "SECOND") {
            unit = 1'000;
        } else if (interval == "MINUTE") {
            unit = 60'000;
        } else if (interval == "HOUR") {
            unit = 3'600'000;
        } else if (interval == "DAY") {
            unit = 86'400'000;
        }
        const std::int64_t ms = unit * num;
        if (limit <= 0 || count < 0 || ms <= 0) {
            continue;
        }
        rate_window* w = nullptr;
        if (type == "REQUEST_WEIGHT" && ms == weight_1m_.interval_ms()) {
            w = &weight_1m_;
        } else if (type == "ORDERS" && ms == orders_10s_.interval_ms()) {
            w = &orders_10s_;
        } else if (type == "ORDERS" && ms == orders_1d_.interval_ms()) {
            w = &orders_1d_;
        }
        if (w != nullptr) {
            w->observe(now, static_cast<std::uint32_t>(count), static_cast<std::uint32_t>(limit));
        }
    }
}

void binance_gateway::on_reply(std::uint64_t rid, simdjson::dom::element doc) {
    observe_rate_limits(doc);
    const std::int64_t status = int_field(doc, "status", 0);
    simdjson::dom::element err;
    const bool has_error = doc["error"].get(err) == simdjson::SUCCESS;
    const std::int64_t code = has_error ? int_field(err, "code", 0) : 0;
    const std::string_view msg = has_error ? json_text(err, "msg") : std::string_view{};
    if (status == 429 || status == 418) {
        // "retryAfter" is the unix time in ms when requests are accepted again.
        std::int64_t retry_ms = 0;
        simdjson::dom::element data;
        if (has_error && err["data"].get(data) == simdjson::SUCCESS) {
            retry_ms = int_field(data, "retryAfter", 0);
        }
        const std::int64_t wait_ms = std::max<std::int64_t>(retry_ms - clock().wall_ms(), 1'000);
        io_back_off(clock().steady_ns() + wait_ms * 1'000'000, code, msg);
    }
    if (rid == s_->logon_id && rid != 0) {
        s_->logon_id = 0;
        if (status != 200) {
            io_session_down("binance: session.logon refused: " + std::string(msg), code);
            return;
        }
        enc_.set_logged_on(true);
        s_->subscribe_id = io_request_id();
        std::array<char, 256> buf{};
        text_writer w{buf.data(), buf.size()};
        (void)enc_.subscribe(s_->subscribe_id, w);
        io_send_text(w.view());
        return;
    }
    if (rid == s_->subscribe_id && rid != 0) {
        s_->subscribe_id = 0;
        if (status != 200) {
            io_session_down("binance: user data stream refused: " + std::string(msg), code);
            return;
        }
        s_->api_open = true;
        maybe_up();
        return;
    }
    pending_request p;
    if (!settle(rid, p)) {
        return; // answered after its timeout (already `unknown` and queried) or not ours
    }
    const bool unknown = code == status_unknown_code || status >= 500;
    switch (p.kind) {
    case request_kind::place: {
        if (status == 200) {
            order_accepted(p);
        } else if (unknown) {
            unknown_outcome(p, msg.empty() ? "binance: HTTP 5xx" : msg, code);
        } else {
            order_refused(p, code, msg);
        }
        break;
    }
    case request_kind::cancel:
        if (status == 200) {
            simdjson::dom::element res;
            if (doc["result"].get(res) == simdjson::SUCCESS) {
                settle_order(p.id, p.spec, res, exec_kind::canceled, false);
            }
        } else if (unknown) {
            unknown_outcome(p, msg, code);
        } else {
            exec_report r = make_report(exec_kind::cancel_reject, p.id);
            r.venue_code = code;
            r.send_tsc = p.send_tsc;
            r.set_reason(msg);
            emit(r);
        }
        break;
    case request_kind::query:
        if (status == 200) {
            simdjson::dom::element res;
            if (doc["result"].get(res) == simdjson::SUCCESS) {
                settle_order(p.id, p.spec, res, exec_kind::status, false);
                // Fills of an order whose outcome was asked (after a crash, a disconnect, a
                // timeout) may never have come on the user stream: its trades are asked too,
                // and the engine books each trade id once.
                const std::string_view executed = json_text(res, "executedQty");
                const std::int64_t order_id = int_field(res, "orderId", 0);
                bool ok = true;
                if (order_id > 0 && parse_double(executed, ok) > 0.0 && ok) {
                    io_order_trades(p.id, p.wire_id, p.spec, order_id);
                }
            }
        } else if (code == no_such_order_code) {
            exec_report r = make_report(exec_kind::not_found, p.id);
            r.venue_code = code;
            r.set_reason(msg);
            emit(r);
        } else {
            exec_report r = make_report(exec_kind::unknown, p.id);
            r.venue_code = code;
            r.set_reason(msg);
            emit(r);
        }
        break;
    case request_kind::reconcile: {
        simdjson::dom::array orders;
        if (status == 200 && doc["result"].get_array().get(orders) == simdjson::SUCCESS) {
            for (simdjson::dom::element o : orders) {
                const instrument_spec* spec = spec_by_symbol(json_text(o, "symbol"));
                const client_order_id id =
                    parse_wire_order_id(options().journal_tag, json_text(o, "clientOrderId"));
                if (id.value == 0 || spec == nullptr) {
                    continue; // not ours, or a symbol this gateway does not trade
                }
                settle_order(id, spec, o, exec_kind::status, true);
            }
        }
        exec_report r = make_report(exec_kind::status, client_order_id{0});
        r.reconcile = true;
        if (status != 200) {
            r.venue_code = code;
            r.set_reason(msg);
        }
        emit(r);
        break;
    }
    case request_kind::amend:
        break;
    case request_kind::control:
        if (status == 200) {
            on_order_trades(p, doc);
        }
        break;
    }
}

/// A REST-shaped order (order.status / order.cancel results, open orders): state and cum.
void binance_gateway::settle_order(client_order_id id, const instrument_spec* spec,
                                   simdjson::dom::element o, exec_kind kind, bool reconcile) {
    exec_report r = make_report(kind, id);
    r.reconcile = reconcile;
    r.state = state_of(json_text(o, "status"));
    r.venue_time =
        timestamp_ns{int_field(o, "updateTime", int_field(o, "transactTime", 0)) * 1'000'000};
    if (spec != nullptr) {
        const auto cum = spec->parse_qty(json_text(o, "executedQty"));
        if (!cum.ok()) {
            note_error("binance: order field 'executedQty' value '" +
                       std::string(json_text(o, "executedQty")) +
                       "': " + std::string(to_string(cum.error)));
            return;
        }
        r.cum_qty = cum.value;
    }
    order_track* t = find_order(id);
    if (kind == exec_kind::canceled) {
        if (t != nullptr && t->final) {
            return; // the user stream said it first
        }
        if (t != nullptr) {
            t->final = true;
        }
    }
    emit(r);
}

void binance_gateway::on_user_event(simdjson::dom::element ev) {
    binance_decode_result d =
        decode_execution(ev, options().journal_tag, options().venue, &lookup_symbol,
                         static_cast<const threaded_gateway*>(this));
    if (!d.execution) {
        if (!d.error.empty()) {
            note_error(std::move(d.error));
        }
        return;
    }
    exec_report r = d.execution->report;
    r.recv_tsc = feed::tsc_now();
    if (r.id.value == 0) {
        counters_.foreign_reports.fetch_add(1, std::memory_order_relaxed);
        emit(r);
        return;
    }
    order_track& t = track_order(r.id, spec_by_symbol(d.execution->symbol));
    switch (r.kind) {
    case exec_kind::ack:
        if (t.acked) {
            return; // the order.place answer said it first
        }
        t.acked = true;
        break;
    case exec_kind::fill:
        if (!first_fill(t, r.trade_id_view())) {
            return;
        }
        t.acked = true;
        t.cum = r.cum_qty;
        if (r.state == order_state::filled) {
            t.final = true;
        }
        break;
    case exec_kind::canceled:
    case exec_kind::rejected:
        if (t.final) {
            return;
        }
        t.final = true;
        break;
    default:
        break;
    }
    emit(r);
}

} // namespace ballast::exec
