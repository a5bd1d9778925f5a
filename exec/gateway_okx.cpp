#include "exec/gateway_okx.hpp"

#include "exec/signing.hpp"
#include "feed/tsc.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <simdjson.h>

#include <charconv>
#include <cstdio>
#include <ctime>

namespace ballast::exec {

namespace {

void field(text_writer& w, std::string_view key, std::string_view value, bool first = false) {
    if (!first) {
        w.put(',');
    }
    w.put('"');
    w.put(key);
    w.put("\":\"");
    w.put(value);
    w.put('"');
}

void open_op(text_writer& w, std::uint64_t request_id, std::string_view op,
             const instrument_spec& spec) {
    w.put("{\"id\":\"");
    w.put_uint(request_id);
    w.put("\",\"op\":\"");
    w.put(op);
    w.put("\",\"args\":[{");
    field(w, "instId", spec.symbol, true);
}

bool usable(const instrument_spec* spec, const wire_order_id& wire) noexcept {
    return spec != nullptr && wire.size != 0 && json_plain_text(spec->symbol);
}

std::string bad_field(std::string_view key, std::string_view value, std::string_view why) {
    return "okx: orders field '" + std::string(key) + "' value '" + std::string(value) +
           "': " + std::string(why);
}

const instrument_spec* no_lookup(const void*, std::string_view) {
    return nullptr;
}

} // namespace

std::string_view okx_trade_mode(const instrument_spec& spec) noexcept {
    return spec.kind == instrument_kind::spot ? "cash" : "cross";
}

std::string_view okx_inst_type(const instrument_spec& spec) noexcept {
    switch (spec.kind) {
    case instrument_kind::spot:
        return "SPOT";
    case instrument_kind::linear_perp:
    case instrument_kind::inverse_perp:
        return "SWAP";
    case instrument_kind::linear_future:
    case instrument_kind::inverse_future:
        return "FUTURES";
    case instrument_kind::option:
        return "OPTION";
    }
    return "SPOT";
}

bool okx_outcome_unknown(std::int64_t code) noexcept {
    return code == 50004 || code == 50026;
}

bool okx_rate_limited(std::int64_t code) noexcept {
    return code == 50011 || code == 50061;
}

bool okx_request_encoder::order(const order_request& r, std::uint64_t request_id,
                                text_writer& out) noexcept {
    if (!usable(r.spec, r.wire_id) || r.quantity.value() <= 0 ||
        (r.type == order_type::limit && r.limit.value() <= 0)) {
        return false;
    }
    open_op(out, request_id, "order", *r.spec);
    field(out, "tdMode", okx_trade_mode(*r.spec));
    field(out, "clOrdId", r.wire_id.view());
    field(out, "side", r.order_side == side::bid ? "buy" : "sell");
    // "Place order": ordType market, limit, post_only, fok, ioc (the time in force is the type).
    std::string_view type = "market";
    if (r.type == order_type::limit) {
        type = r.tif == order_tif::gtc   ? "limit"
               : r.tif == order_tif::ioc ? "ioc"
               : r.tif == order_tif::fok ? "fok"
                                         : "post_only";
    }
    field(out, "ordType", type);
    decimal_buffer b{};
    field(out, "sz", {b.data(), format_steps(r.quantity.value(), r.spec->lot, true, b)});
    if (r.type == order_type::limit) {
        field(out, "px", {b.data(), format_steps(r.limit.value(), r.spec->tick, true, b)});
    } else if (r.spec->kind == instrument_kind::spot) {
        field(out, "tgtCcy", "base_ccy"); // a spot market buy's sz is in the quote otherwise
    }
    out.put("}]}");
    return !out.overflow;
}

bool okx_request_encoder::cancel(const cancel_request& r, std::uint64_t request_id,
                                 text_writer& out) noexcept {
    if (!usable(r.spec, r.wire_id)) {
        return false;
    }
    open_op(out, request_id, "cancel-order", *r.spec);
    field(out, "clOrdId", r.wire_id.view());
    out.put("}]}");
    return !out.overflow;
}

bool okx_request_encoder::amend(const amend_request& r, std::uint64_t request_id,
                                text_writer& out) noexcept {
    if (!usable(r.spec, r.wire_id) || (r.quantity.value() <= 0 && r.limit.value() <= 0)) {
        return false;
    }
    open_op(out, request_id, "amend-order", *r.spec);
    field(out, "clOrdId", r.wire_id.view());
    decimal_buffer b{};
    if (r.quantity.value() > 0) {
        field(out, "newSz", {b.data(), format_steps(r.quantity.value(), r.spec->lot, true, b)});
    }
    if (r.limit.value() > 0) {
        field(out, "newPx", {b.data(), format_steps(r.limit.value(), r.spec->tick, true, b)});
    }
    out.put("}]}");
    return !out.overflow;
}

std::string okx_request_encoder::login(std::string_view api_key, std::string_view passphrase,
                                       std::string_view secret, std::string_view unix_seconds) {
    return "{\"op\":\"login\",\"args\":[{\"apiKey\":\"" + std::string(api_key) +
           "\",\"passphrase\":\"" + std::string(passphrase) + "\",\"timestamp\":\"" +
           std::string(unix_seconds) + "\",\"sign\":\"" +
           okx_signature(secret, unix_seconds, "GET", "/users/self/verify", "") + "\"}]}";
}

std::optional<order_state> okx_order_state(std::string_view st) noexcept {
    if (st == "live") {
        return order_state::acknowledged;
    }
    if (st == "partially_filled") {
        return order_state::partially_filled;
    }
    if (st == "filled") {
        return order_state::filled;
    }
    if (st == "canceled" || st == "mmp_canceled") {
        return order_state::canceled;
    }
    return std::nullopt;
}

bool okx_decode_fill(simdjson::dom::element d, const instrument_spec& spec, exec_report& r,
                     std::string& error) {
    const std::string_view trade_id = json_text(d, "tradeId");
    if (trade_id.empty()) {
        error = bad_field("tradeId", trade_id, "a fill without a trade id");
        return false;
    }
    const auto q = spec.parse_qty(json_text(d, "fillSz"));
    if (!q.ok() || q.value.value() <= 0) {
        error = bad_field("fillSz", json_text(d, "fillSz"),
                          q.ok() ? "not a positive size" : to_string(q.error));
        return false;
    }
    const auto px = spec.parse_price(json_text(d, "fillPx"));
    if (!px.ok()) {
        error = bad_field("fillPx", json_text(d, "fillPx"), to_string(px.error));
        return false;
    }
    const std::string_view fee_text =
        json_text(d, "fillFee").empty() ? json_text(d, "fee") : json_text(d, "fillFee");
    double fee = 0.0;
    const auto [end, ec] = std::from_chars(fee_text.data(), fee_text.data() + fee_text.size(), fee);
    if (fee_text.empty() || ec != std::errc{} || end != fee_text.data() + fee_text.size()) {
        error = bad_field("fee", fee_text, "not a number");
        return false;
    }
    r.kind = exec_kind::fill;
    r.last_qty = q.value;
    r.last_px = px.value;
    r.set_trade_id(trade_id);
    const double price_d = spec.to_double(px.value);
    r.notional_quote = spec.to_double(q.value) * price_d;
    // OKX writes a charged fee as a negative number ("fee": "-0.01"), a rebate positive.
    const std::string_view ccy =
        json_text(d, "fillFeeCcy").empty() ? json_text(d, "feeCcy") : json_text(d, "fillFeeCcy");
    r.fee_quote = ccy == spec.base ? -fee * price_d : -fee;
    return true;
}

std::string okx_rest_timestamp(std::int64_t unix_ms) {
    const std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
    std::tm tm{};
    ::gmtime_r(&secs, &tm);
    char buf[32];
    const int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                                tm.tm_sec, static_cast<int>(unix_ms % 1000));
    return std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
}

okx_decode_result okx_decode_orders(std::string_view text, std::uint64_t journal_tag,
                                    venue_id venue,
                                    const instrument_spec* (*lookup)(const void*, std::string_view),
                                    const void* ctx) {
    okx_decode_result out;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(text.data(), text.size(), true).get(doc) != simdjson::SUCCESS) {
        out.error = "okx: private frame is not JSON";
        return out;
    }
    if (lookup == nullptr) {
        lookup = no_lookup;
    }
    simdjson::dom::element arg;
    if (doc["arg"].get(arg) != simdjson::SUCCESS || json_text(arg, "channel") != "orders" ||
        doc["event"].error() == simdjson::SUCCESS) {
        return out; // op replies, events, other channels
    }
    simdjson::dom::array data;
    if (doc["data"].get_array().get(data) != simdjson::SUCCESS) {
        out.error = "okx: orders push without a 'data' array";
        return out;
    }
    for (simdjson::dom::element d : data) {
        okx_order_item it;
        it.inst_id = std::string(json_text(d, "instId"));
        it.wire_id = std::string(json_text(d, "clOrdId"));
        it.state = std::string(json_text(d, "state"));
        exec_report& r = it.report;
        r.venue = venue;
        r.id = parse_wire_order_id(journal_tag, it.wire_id);
        r.venue_time = timestamp_ns{parse_int_text(json_text(d, "uTime"), 0) * 1'000'000};
        const instrument_spec* spec = lookup(ctx, it.inst_id);
        if (spec == nullptr) {
            out.error =
                "okx: orders push for instId '" + it.inst_id + "' the gateway does not know";
            return out;
        }
        const auto cum = spec->parse_qty(json_text(d, "accFillSz"));
        if (!cum.ok()) {
            out.error = bad_field("accFillSz", json_text(d, "accFillSz"), to_string(cum.error));
            return out;
        }
        r.cum_qty = cum.value;
        const auto st = okx_order_state(it.state);
        if (!st) {
            out.error = bad_field("state", it.state, "not an order state");
            return out;
        }
        r.state = *st;
        const std::string_view trade_id = json_text(d, "tradeId");
        const std::string_view fill_sz = json_text(d, "fillSz");
        if (!trade_id.empty() && !fill_sz.empty() && fill_sz != "0") {
            if (!okx_decode_fill(d, *spec, r, out.error)) {
                return out;
            }
        } else if (json_text(d, "amendResult") == "0") {
            r.kind = exec_kind::amended;
        } else if (r.state == order_state::canceled) {
            r.kind = exec_kind::canceled;
        } else if (r.state == order_state::acknowledged) {
            r.kind = exec_kind::ack;
        } else {
            r.kind = exec_kind::status;
        }
        out.items.push_back(std::move(it));
    }
    return out;
}

std::optional<okx_op_reply> okx_decode_op_reply(std::string_view text) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(text.data(), text.size(), true).get(doc) != simdjson::SUCCESS) {
        return std::nullopt;
    }
    okx_op_reply r;
    r.op = std::string(json_text(doc, "op"));
    const std::string_view id = json_text(doc, "id");
    if (r.op.empty() || id.empty()) {
        return std::nullopt;
    }
    r.request_id = static_cast<std::uint64_t>(parse_int_text(id, 0));
    r.code = parse_int_text(json_text(doc, "code"), -1);
    r.msg = std::string(json_text(doc, "msg"));
    simdjson::dom::array data;
    if (doc["data"].get_array().get(data) == simdjson::SUCCESS && data.size() > 0) {
        simdjson::dom::element d = data.at(0);
        const std::int64_t s = parse_int_text(json_text(d, "sCode"), r.code);
        if (s != 0 || r.code == 0) {
            r.code = s;
            r.msg = std::string(json_text(d, "sMsg"));
        }
    }
    return r;
}

// ---- the gateway ------------------------------------------------------------------------------

namespace {

// "Error Code": 51603 "Order does not exist" (Get order details).
constexpr std::int64_t order_does_not_exist = 51603;
// "Rate limit": the trade ops count per 2 s; a refusal backs off for one window.
constexpr std::int64_t rate_window_ms = 2'000;

/// The REST envelope: code "0" and a data array, else the code (-1 when absent) and msg.
struct rest_reply {
    std::int64_t code = -1;
    std::string msg;
    simdjson::dom::array data;
};
rest_reply read_rest(simdjson::dom::parser& p, const feed::http_response& res) {
    rest_reply out;
    simdjson::dom::element doc;
    if (!res.error.empty() || p.parse(res.body).get(doc) != simdjson::SUCCESS) {
        out.msg = "HTTP " + std::to_string(res.status) + " " + res.error;
        return out;
    }
    out.code = parse_int_text(json_text(doc, "code"), -1);
    out.msg = std::string(json_text(doc, "msg"));
    if (doc["data"].get_array().get(out.data) != simdjson::SUCCESS && out.code == 0) {
        out.code = -1;
        out.msg = "a reply without a 'data' array";
    }
    return out;
}

} // namespace

struct okx_gateway::session {
    gateway_link ws;
    std::unique_ptr<boost::asio::steady_timer> ping;
    simdjson::dom::parser parser;
    simdjson::dom::parser rest_parser;
    bool logged_in = false;
};

okx_gateway::okx_gateway(gateway_options options) : threaded_gateway(std::move(options)) {}

okx_gateway::~okx_gateway() {
    stop();
}

std::unique_ptr<okx_gateway> okx_gateway::create(gateway_options options,
                                                 const api_credentials& credentials,
                                                 std::string& error) {
    std::unique_ptr<okx_gateway> g(new okx_gateway(std::move(options)));
    g->s_ = std::make_unique<session>();
    if (credentials.api_key.empty() || !json_plain_text(credentials.api_key) ||
        credentials.secret.empty() || credentials.passphrase.empty() ||
        !json_plain_text(credentials.passphrase.value())) {
        error = "okx: an api_key, an HMAC secret and a passphrase are needed";
        return nullptr;
    }
    g->credentials_ = credentials;
    if (auto e = g->s_->ws.configure(g->options().ws_url, g->options().tls_ca_file)) {
        error = "okx: ws_url: " + *e;
        return nullptr;
    }
    std::string e2;
    if (!feed::parse_http_url(g->options().rest_url, e2)) {
        error = "okx: rest_url: " + e2;
        return nullptr;
    }
    for (const instrument_spec* s : g->options().instruments) {
        if (s != nullptr) {
            g->windows_.emplace(s, std::make_unique<op_windows>());
        }
    }
    okx_gateway* self = g.get();
    g->s_->ws.on_open = [self] {
        self->s_->logged_in = false;
        const std::string secs = std::to_string(self->clock().wall_ms() / 1000);
        self->s_->ws.send(okx_request_encoder::login(self->credentials_.api_key,
                                                     self->credentials_.passphrase.value(),
                                                     self->credentials_.secret.value(), secs));
    };
    g->s_->ws.on_frame = [self](std::string_view t) { self->on_frame(t); };
    g->s_->ws.on_closed = [self](std::string_view why) {
        self->io_session_down("okx: private stream: " + std::string(why));
    };
    return g;
}

// ---- engine thread ----------------------------------------------------------------------------

template <class Request>
gateway_status okx_gateway::submit_op(request_kind kind, const Request& r,
                                      rate_window op_windows::*which,
                                      bool (*encode)(const Request&, std::uint64_t,
                                                     text_writer&) noexcept) noexcept {
    if (const auto st = admit(); st != gateway_status::ok) {
        return st;
    }
    const auto it = windows_.find(r.spec);
    op_windows& w = it == windows_.end() ? other_windows_ : *it->second;
    if (!(w.*which).try_take(clock().wall_ms(), 1)) {
        return gateway_status::rate_limited;
    }
    return submit(kind, r.id, r.wire_id, r.spec,
                  [&](std::uint64_t rid, text_writer& out) { return encode(r, rid, out); });
}

gateway_status okx_gateway::send(const order_request& r) noexcept {
    return submit_op(request_kind::place, r, &op_windows::order, &okx_request_encoder::order);
}

gateway_status okx_gateway::cancel(const cancel_request& r) noexcept {
    return submit_op(request_kind::cancel, r, &op_windows::cancel, &okx_request_encoder::cancel);
}

gateway_status okx_gateway::amend(const amend_request& r) noexcept {
    return submit_op(request_kind::amend, r, &op_windows::amend, &okx_request_encoder::amend);
}

gateway_status okx_gateway::query(const query_request& r) noexcept {
    return submit_query(r); // answered over REST by the I/O thread
}

gateway_status okx_gateway::reconcile(timestamp_ns since) noexcept {
    return submit_reconcile(since);
}

// ---- I/O thread -------------------------------------------------------------------------------

void okx_gateway::io_connect() {
    s_->logged_in = false;
    s_->ws.open(io());
    if (!s_->ping) {
        s_->ping = std::make_unique<boost::asio::steady_timer>(io());
    }
    // "Connect": the venue closes a connection silent for 30 s; "ping" every 20 s keeps it.
    struct pinger {
        okx_gateway* g;
        void operator()(const boost::system::error_code& ec) const {
            if (ec) {
                return;
            }
            g->s_->ws.send("ping");
            g->s_->ping->expires_after(std::chrono::seconds(20));
            g->s_->ping->async_wait(*this);
        }
    };
    s_->ping->expires_after(std::chrono::seconds(20));
    s_->ping->async_wait(pinger{this});
}

void okx_gateway::io_close() {
    s_->logged_in = false;
    s_->ws.close();
    io_rest_close();
    if (s_->ping) {
        s_->ping->cancel();
    }
}

void okx_gateway::io_send(outbound_request& r) {
    if (r.kind == request_kind::query) {
        io_query(r.id, r.wire_id, r.spec);
        return;
    }
    if (r.kind == request_kind::reconcile) {
        io_reconcile(r.since_ms);
        return;
    }
    track_sent(r);
    s_->ws.send(r.view());
}

void okx_gateway::rest_get(std::string path_and_query,
                           std::function<void(feed::http_response)> done) {
    // "REST Authentication": sign timestamp + method + requestPath (with its query) + body.
    const std::string ts = okx_rest_timestamp(clock().wall_ms());
    std::vector<feed::http_header> h = {
        {"OK-ACCESS-KEY", credentials_.api_key},
        {"OK-ACCESS-SIGN",
         okx_signature(credentials_.secret.value(), ts, "GET", path_and_query, "")},
        {"OK-ACCESS-TIMESTAMP", ts},
        {"OK-ACCESS-PASSPHRASE", std::string(credentials_.passphrase.value())}};
    io_rest().request(feed::http_method::get, options().rest_url + path_and_query, std::move(h), "",
                      std::move(done));
}

void okx_gateway::emit_rest_fill(simdjson::dom::element row, client_order_id id,
                                 const instrument_spec& spec, bool reconcile) {
    exec_report r = make_report(exec_kind::fill, id);
    r.reconcile = reconcile;
    std::string error;
    if (!okx_decode_fill(row, spec, r, error)) {
        note_error(std::move(error));
        return;
    }
    r.venue_time = timestamp_ns{parse_int_text(json_text(row, "ts"), 0) * 1'000'000};
    (void)io_stream_report(r, &spec, false);
}

void okx_gateway::io_query(client_order_id id, const wire_order_id& wire,
                           const instrument_spec* spec) {
    if (spec == nullptr) {
        return;
    }
    rest_get(
        "/api/v5/trade/order?instId=" + spec->symbol + "&clOrdId=" + std::string(wire.view()),
        [this, id, spec](feed::http_response res) {
            const rest_reply rep = read_rest(s_->rest_parser, res);
            if (rep.code == order_does_not_exist) {
                exec_report r = make_report(exec_kind::not_found, id);
                r.venue_code = rep.code;
                r.set_reason(rep.msg);
                emit(r);
                return;
            }
            simdjson::dom::element o;
            if (rep.code != 0 || rep.data.at(0).get(o) != simdjson::SUCCESS) {
                exec_report r = make_report(exec_kind::unknown, id);
                r.venue_code = rep.code;
                r.set_reason("okx: order query failed: " + rep.msg);
                emit(r);
                return;
            }
            exec_report r = make_report(exec_kind::status, id);
            const auto st = okx_order_state(json_text(o, "state"));
            const auto cum = spec->parse_qty(json_text(o, "accFillSz"));
            if (!st || !cum.ok()) {
                note_error(
                    !st ? bad_field("state", json_text(o, "state"), "not an order state")
                        : bad_field("accFillSz", json_text(o, "accFillSz"), to_string(cum.error)));
                r.kind = exec_kind::unknown;
                r.set_reason("okx: order query: a malformed order");
                emit(r);
                return;
            }
            r.state = *st;
            r.cum_qty = cum.value;
            if (is_final(r.state)) {
                track_order(id, spec).final = true;
            }
            if (cum.value.value() > 0) {
                io_order_fills(r, spec, std::string(json_text(o, "ordId")));
                return;
            }
            emit(r);
        });
}

void okx_gateway::io_order_fills(exec_report status, const instrument_spec* spec,
                                 std::string ord_id) {
    rest_get(
        "/api/v5/trade/fills?instType=" + std::string(okx_inst_type(*spec)) +
            "&instId=" + spec->symbol + "&ordId=" + ord_id,
        [this, status, spec](feed::http_response res) {
            const rest_reply rep = read_rest(s_->rest_parser, res);
            if (rep.code != 0) {
                note_error("okx: fills of an order: " + std::to_string(rep.code) + " " + rep.msg);
            } else {
                for (simdjson::dom::element row : rep.data) {
                    if (parse_wire_order_id(options().journal_tag, json_text(row, "clOrdId")) !=
                        status.id) {
                        continue; // another order's trade (the filter is the venue's)
                    }
                    emit_rest_fill(row, status.id, *spec, true);
                }
            }
            emit(status); // after its fills: the engine sees the trades the state counts
        });
}

void okx_gateway::io_reconcile(std::int64_t since_ms) {
    // Open orders of every instrument type, then the fills since (the last three days are
    // "Get transaction details"; older ones are not asked for), then the closing status.
    rest_get("/api/v5/trade/orders-pending", [this, since_ms](feed::http_response res) {
        const rest_reply rep = read_rest(s_->rest_parser, res);
        if (rep.code != 0) {
            note_error("okx: reconcile: open orders: " + std::to_string(rep.code) + " " + rep.msg);
        } else {
            for (simdjson::dom::element o : rep.data) {
                const client_order_id id =
                    parse_wire_order_id(options().journal_tag, json_text(o, "clOrdId"));
                const instrument_spec* spec = spec_by_symbol(json_text(o, "instId"));
                const auto st = okx_order_state(json_text(o, "state"));
                if (id.value == 0 || spec == nullptr || !st) {
                    continue;
                }
                exec_report r = make_report(exec_kind::status, id);
                r.reconcile = true;
                r.state = *st;
                const auto cum = spec->parse_qty(json_text(o, "accFillSz"));
                r.cum_qty = cum.ok() ? cum.value : qty(0);
                emit(r);
            }
        }
        rest_get(
            "/api/v5/trade/fills?begin=" + std::to_string(since_ms),
            [this, since_ms](feed::http_response fills) {
                const rest_reply f = read_rest(s_->rest_parser, fills);
                if (f.code != 0) {
                    note_error("okx: reconcile: fills: " + std::to_string(f.code) + " " + f.msg);
                } else {
                    for (simdjson::dom::element row : f.data) {
                        const client_order_id id =
                            parse_wire_order_id(options().journal_tag, json_text(row, "clOrdId"));
                        const instrument_spec* spec = spec_by_symbol(json_text(row, "instId"));
                        if (id.value == 0 || spec == nullptr ||
                            parse_int_text(json_text(row, "ts"), 0) < since_ms) {
                            continue;
                        }
                        emit_rest_fill(row, id, *spec, true);
                    }
                }
                exec_report done = make_report(exec_kind::status, client_order_id{0});
                done.reconcile = true;
                emit(done);
            });
    });
}

void okx_gateway::on_frame(std::string_view text) {
    if (text == "pong") {
        return;
    }
    simdjson::dom::element doc;
    if (s_->parser.parse(text.data(), text.size(), false).get(doc) != simdjson::SUCCESS) {
        note_error("okx: private frame is not JSON");
        return;
    }
    const std::string_view event = json_text(doc, "event");
    if (!event.empty()) {
        const std::int64_t code = parse_int_text(json_text(doc, "code"), 0);
        const std::string_view msg = json_text(doc, "msg");
        if (event == "login") {
            if (code != 0) {
                io_session_down("okx: login refused: " + std::string(msg), code);
                return;
            }
            s_->logged_in = true;
            s_->ws.send(R"({"op":"subscribe","args":[{"channel":"orders","instType":"ANY"}]})");
        } else if (event == "subscribe") {
            if (!io_up_ && s_->logged_in) {
                io_session_up();
            }
        } else if (event == "error") {
            if (!io_up_) {
                io_session_down(std::string(s_->logged_in ? "okx: subscription refused: "
                                                          : "okx: login refused: ") +
                                    std::string(msg),
                                code);
                return;
            }
            note_error("okx: error event " + std::to_string(code) + ": " + std::string(msg));
        }
        return;
    }
    if (!json_text(doc, "op").empty()) {
        on_op_reply(text);
        return;
    }
    on_orders(text);
}

void okx_gateway::on_op_reply(std::string_view text) {
    const auto rep = okx_decode_op_reply(text);
    if (!rep) {
        note_error("okx: an op reply without an 'id'");
        return;
    }
    if (okx_rate_limited(rep->code)) {
        io_back_off(clock().steady_ns() + rate_window_ms * 1'000'000, rep->code, rep->msg);
    }
    pending_request p;
    if (!settle(rep->request_id, p)) {
        return;
    }
    if (okx_outcome_unknown(rep->code)) {
        unknown_outcome(p, rep->msg, rep->code);
        return;
    }
    if (p.kind == request_kind::place) {
        if (rep->code == 0) {
            order_accepted(p);
        } else {
            order_refused(p, rep->code, rep->msg);
        }
        return;
    }
    if (rep->code == 0) {
        if (p.kind == request_kind::amend) {
            exec_report r = make_report(exec_kind::amended, p.id);
            r.send_tsc = p.send_tsc;
            emit(r);
        }
        return; // a cancel is final when the orders channel says canceled
    }
    exec_report r = make_report(exec_kind::cancel_reject, p.id);
    r.venue_code = rep->code;
    r.send_tsc = p.send_tsc;
    r.set_reason(rep->msg);
    emit(r);
}

void okx_gateway::on_orders(std::string_view text) {
    okx_decode_result d =
        okx_decode_orders(text, options().journal_tag, options().venue, &lookup_symbol,
                          static_cast<const threaded_gateway*>(this));
    if (!d.error.empty()) {
        note_error(std::move(d.error));
    }
    for (const okx_order_item& it : d.items) {
        // Amends are reported from the op's reply; states without a fill by the fills.
        (void)io_stream_report(it.report, spec_by_symbol(it.inst_id), true);
    }
}

} // namespace ballast::exec
