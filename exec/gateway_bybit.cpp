#include "exec/gateway_bybit.hpp"

#include "feed/tsc.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <charconv>
#include <mutex>

namespace ballast::exec {

namespace {

// "Error Codes" (v5) and the trade guideline's retCode list.
constexpr std::int64_t too_many_visits = 10006;
constexpr std::int64_t ip_rate_limit = 10403;
constexpr std::int64_t system_frequency = 10429;
constexpr std::int64_t server_timeout = 10000;
constexpr std::int64_t internal_error = 10016;

bool is_rate_limit(std::int64_t code) noexcept {
    return code == too_many_visits || code == ip_rate_limit || code == system_frequency;
}

/// The start of every trade request: reqId, header (timestamp, receive window), op, one arg.
void open_request(text_writer& w, std::uint64_t request_id, std::int64_t ts, std::int64_t rw,
                  std::string_view op, const instrument_spec& spec) {
    w.put("{\"reqId\":\"");
    w.put_uint(request_id);
    w.put("\",\"header\":{\"X-BAPI-TIMESTAMP\":\"");
    w.put_int(ts);
    w.put("\",\"X-BAPI-RECV-WINDOW\":\"");
    w.put_int(rw);
    w.put("\"},\"op\":\"");
    w.put(op);
    w.put("\",\"args\":[{\"category\":\"");
    w.put(bybit_category(spec));
    w.put("\",\"symbol\":\"");
    w.put(spec.symbol);
    w.put('"');
}

void put_field(text_writer& w, std::string_view key, std::string_view value) {
    w.put(",\"");
    w.put(key);
    w.put("\":\"");
    w.put(value);
    w.put('"');
}

bool usable(const instrument_spec* spec, const wire_order_id& wire) noexcept {
    return spec != nullptr && wire.size != 0 && json_plain_text(spec->symbol);
}

order_state order_state_of(std::string_view s) noexcept {
    if (s == "New" || s == "Untriggered" || s == "Created") {
        return order_state::acknowledged;
    }
    if (s == "PartiallyFilled") {
        return order_state::partially_filled;
    }
    if (s == "Filled") {
        return order_state::filled;
    }
    if (s == "Cancelled" || s == "PartiallyFilledCanceled" || s == "Deactivated" ||
        s == "Triggered") {
        return s == "Triggered" ? order_state::acknowledged : order_state::canceled;
    }
    if (s == "Rejected") {
        return order_state::rejected;
    }
    return order_state::new_order;
}

const instrument_spec* no_lookup(const void*, std::string_view) {
    return nullptr;
}

} // namespace

std::string_view bybit_category(const instrument_spec& spec) noexcept {
    switch (spec.kind) {
    case instrument_kind::spot:
        return "spot";
    case instrument_kind::linear_perp:
    case instrument_kind::linear_future:
        return "linear";
    case instrument_kind::inverse_perp:
    case instrument_kind::inverse_future:
        return "inverse";
    case instrument_kind::option:
        return "option";
    }
    return "spot";
}

// ---- encoding ---------------------------------------------------------------------------------

bool bybit_request_encoder::create(const order_request& r, std::uint64_t request_id,
                                   std::int64_t timestamp_ms, std::int64_t recv_window_ms,
                                   text_writer& out) noexcept {
    if (!usable(r.spec, r.wire_id) || r.quantity.value() <= 0 ||
        (r.type == order_type::limit && r.limit.value() <= 0)) {
        return false;
    }
    decimal_buffer q{};
    decimal_buffer p{};
    const std::size_t qn = format_steps(r.quantity.value(), r.spec->lot, true, q);
    open_request(out, request_id, timestamp_ms, recv_window_ms, "order.create", *r.spec);
    put_field(out, "side", r.order_side == side::bid ? "Buy" : "Sell");
    put_field(out, "orderType", r.type == order_type::market ? "Market" : "Limit");
    put_field(out, "qty", {q.data(), qn});
    if (r.type == order_type::limit) {
        const std::size_t pn = format_steps(r.limit.value(), r.spec->tick, true, p);
        put_field(out, "price", {p.data(), pn});
        put_field(out, "timeInForce",
                  r.tif == order_tif::gtc   ? "GTC"
                  : r.tif == order_tif::ioc ? "IOC"
                  : r.tif == order_tif::fok ? "FOK"
                                            : "PostOnly");
    } else if (r.spec->kind == instrument_kind::spot) {
        // A spot market order's qty is in the quote unless marketUnit says otherwise ("Place
        // Order": marketUnit).
        put_field(out, "marketUnit", "baseCoin");
    }
    put_field(out, "orderLinkId", r.wire_id.view());
    out.put("}]}");
    return !out.overflow;
}

bool bybit_request_encoder::cancel(const cancel_request& r, std::uint64_t request_id,
                                   std::int64_t timestamp_ms, std::int64_t recv_window_ms,
                                   text_writer& out) noexcept {
    if (!usable(r.spec, r.wire_id)) {
        return false;
    }
    open_request(out, request_id, timestamp_ms, recv_window_ms, "order.cancel", *r.spec);
    put_field(out, "orderLinkId", r.wire_id.view());
    out.put("}]}");
    return !out.overflow;
}

bool bybit_request_encoder::amend(const amend_request& r, std::uint64_t request_id,
                                  std::int64_t timestamp_ms, std::int64_t recv_window_ms,
                                  text_writer& out) noexcept {
    if (!usable(r.spec, r.wire_id) || (r.quantity.value() <= 0 && r.limit.value() <= 0)) {
        return false;
    }
    open_request(out, request_id, timestamp_ms, recv_window_ms, "order.amend", *r.spec);
    put_field(out, "orderLinkId", r.wire_id.view());
    decimal_buffer b{};
    if (r.quantity.value() > 0) {
        put_field(out, "qty", {b.data(), format_steps(r.quantity.value(), r.spec->lot, true, b)});
    }
    if (r.limit.value() > 0) {
        put_field(out, "price", {b.data(), format_steps(r.limit.value(), r.spec->tick, true, b)});
    }
    out.put("}]}");
    return !out.overflow;
}

std::string bybit_request_encoder::auth(std::string_view api_key, std::string_view secret,
                                        std::int64_t expires_ms, std::uint64_t request_id) {
    const std::string expires = std::to_string(expires_ms);
    return "{\"reqId\":\"" + std::to_string(request_id) + "\",\"op\":\"auth\",\"args\":[\"" +
           std::string(api_key) + "\"," + expires + ",\"" + bybit_ws_signature(secret, expires) +
           "\"]}";
}

// ---- decoding ---------------------------------------------------------------------------------

namespace {

std::string bad_field(std::string_view topic, std::string_view key, std::string_view value,
                      std::string_view why) {
    return "bybit: " + std::string(topic) + " field '" + std::string(key) + "' value '" +
           std::string(value) + "': " + std::string(why);
}

bool decode_execution(simdjson::dom::element d, const instrument_spec& spec, exec_report& r,
                      std::string& error) {
    const auto q = spec.parse_qty(json_text(d, "execQty"));
    if (!q.ok()) {
        error = bad_field("execution", "execQty", json_text(d, "execQty"), to_string(q.error));
        return false;
    }
    const auto px = spec.parse_price(json_text(d, "execPrice"));
    if (!px.ok()) {
        error = bad_field("execution", "execPrice", json_text(d, "execPrice"), to_string(px.error));
        return false;
    }
    const std::string_view exec_id = json_text(d, "execId");
    if (exec_id.empty()) {
        error = "bybit: execution without an 'execId'";
        return false;
    }
    const std::string_view fee_text = json_text(d, "execFee");
    double fee = 0.0;
    const auto [end, ec] = std::from_chars(fee_text.data(), fee_text.data() + fee_text.size(), fee);
    if (ec != std::errc{} || end != fee_text.data() + fee_text.size()) {
        error = bad_field("execution", "execFee", fee_text, "not a number");
        return false;
    }
    r.kind = exec_kind::fill;
    r.last_qty = q.value;
    r.last_px = px.value;
    r.set_trade_id(exec_id);
    const double price_d = spec.to_double(px.value);
    r.notional_quote = spec.to_double(q.value) * price_d;
    // Spot fees are in feeCurrency (the base on a buy, the quote on a sell); derivatives pay in
    // the settle coin, the quote of a linear contract.
    const std::string_view fee_ccy = json_text(d, "feeCurrency");
    if (fee_ccy.empty() || fee_ccy == spec.quote || fee_ccy == spec.settle) {
        r.fee_quote = fee;
    } else if (fee_ccy == spec.base) {
        r.fee_quote = fee * price_d;
    }
    r.venue_time = timestamp_ns{parse_int_text(json_text(d, "execTime"), 0) * 1'000'000};
    return true;
}

/// A v5 REST answer's `result.list`: false unless HTTP 2xx, JSON, retCode 0 and a list
/// (`code` is the retCode when there is one, else -1).
bool result_list(const feed::http_response& res, simdjson::dom::parser& p,
                 simdjson::dom::array& list, std::int64_t& code) {
    simdjson::dom::element doc;
    return res.ok() && p.parse(res.body).get(doc) == simdjson::SUCCESS &&
           doc["retCode"].get_int64().get(code) == simdjson::SUCCESS && code == 0 &&
           doc["result"]["list"].get_array().get(list) == simdjson::SUCCESS;
}

} // namespace

bybit_decode_result
bybit_decode_private(std::string_view text, std::uint64_t journal_tag, venue_id venue,
                     const instrument_spec* (*lookup)(const void*, std::string_view),
                     const void* ctx) {
    bybit_decode_result out;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(text.data(), text.size(), true).get(doc) != simdjson::SUCCESS) {
        out.error = "bybit: private frame is not JSON";
        return out;
    }
    if (lookup == nullptr) {
        lookup = no_lookup;
    }
    out.topic = std::string(json_text(doc, "topic"));
    if (out.topic != "execution" && out.topic != "order") {
        return out; // op replies, other topics
    }
    simdjson::dom::array data;
    if (doc["data"].get_array().get(data) != simdjson::SUCCESS) {
        out.error = "bybit: " + out.topic + " without a 'data' array";
        return out;
    }
    for (simdjson::dom::element d : data) {
        bybit_stream_item it;
        it.symbol = std::string(json_text(d, "symbol"));
        it.wire_id = std::string(json_text(d, "orderLinkId"));
        exec_report& r = it.report;
        r.venue = venue;
        r.id = parse_wire_order_id(journal_tag, it.wire_id);
        const instrument_spec* spec = lookup(ctx, it.symbol);
        const std::string_view category = json_text(d, "category");
        if (spec == nullptr || (!category.empty() && bybit_category(*spec) != category)) {
            // An instrument this gateway does not trade (the same symbol in another category
            // counts as another): another gateway's or another client's on the same account.
            ++out.other_instruments;
            continue;
        }
        if (out.topic == "execution") {
            const std::string_view type = json_text(d, "execType");
            if (type != "Trade") {
                continue; // funding, settlement, ADL and bust trades are not our fills
            }
            if (!decode_execution(d, *spec, r, out.error)) {
                return out;
            }
            // leavesQty as a quantity: "0" and "0.000" both mean the order is filled.
            it.leaves_qty = std::string(json_text(d, "leavesQty"));
            const auto leaves = spec->parse_qty(it.leaves_qty);
            if (!it.leaves_qty.empty() && !leaves.ok()) {
                out.error =
                    bad_field("execution", "leavesQty", it.leaves_qty, to_string(leaves.error));
                return out;
            }
            r.state = leaves.ok() && leaves.value.value() == 0 ? order_state::filled
                                                               : order_state::partially_filled;
        } else {
            it.status = std::string(json_text(d, "orderStatus"));
            r.state = order_state_of(it.status);
            if (r.state == order_state::new_order) {
                out.error = bad_field("order", "orderStatus", it.status, "not an order status");
                return out;
            }
            r.kind = r.state == order_state::canceled   ? exec_kind::canceled
                     : r.state == order_state::rejected ? exec_kind::rejected
                                                        : exec_kind::status;
            if (it.status == "New") {
                r.kind = exec_kind::ack;
            }
            if (r.kind == exec_kind::rejected) {
                r.set_reason(json_text(d, "rejectReason"));
            }
            const auto cum = spec->parse_qty(json_text(d, "cumExecQty"));
            if (!cum.ok()) {
                out.error = bad_field("order", "cumExecQty", json_text(d, "cumExecQty"),
                                      to_string(cum.error));
                return out;
            }
            r.cum_qty = cum.value;
            r.venue_time = timestamp_ns{parse_int_text(json_text(d, "updatedTime"), 0) * 1'000'000};
        }
        out.items.push_back(std::move(it));
    }
    return out;
}

// ---- the gateway ------------------------------------------------------------------------------

struct bybit_gateway::session {
    gateway_link trade;
    gateway_link priv;
    std::unique_ptr<boost::asio::steady_timer> ping;
    simdjson::dom::parser parser;
    std::uint64_t trade_auth_id = 0;
    std::uint64_t private_auth_id = 0;
    bool trade_ready = false;
    bool private_ready = false;
};

bybit_gateway::bybit_gateway(gateway_options options) : threaded_gateway(std::move(options)) {}

bybit_gateway::~bybit_gateway() {
    stop();
}

std::unique_ptr<bybit_gateway> bybit_gateway::create(gateway_options options,
                                                     const api_credentials& credentials,
                                                     std::string& error) {
    std::unique_ptr<bybit_gateway> g(new bybit_gateway(std::move(options)));
    g->s_ = std::make_unique<session>();
    if (credentials.api_key.empty() || !json_plain_text(credentials.api_key) ||
        credentials.secret.empty()) {
        error = "bybit: an api_key and an HMAC secret are needed";
        return nullptr;
    }
    g->credentials_ = credentials;
    if (auto e = g->s_->trade.configure(g->options().ws_url, g->options().tls_ca_file)) {
        error = "bybit: ws_url: " + *e;
        return nullptr;
    }
    if (auto e = g->s_->priv.configure(g->options().ws_private_url, g->options().tls_ca_file)) {
        error = "bybit: ws_private_url: " + *e;
        return nullptr;
    }
    std::string e2;
    if (!feed::parse_http_url(g->options().rest_url, e2)) {
        error = "bybit: rest_url: " + e2;
        return nullptr;
    }
    bybit_gateway* self = g.get();
    g->s_->trade.on_open = [self] {
        self->s_->trade_auth_id = self->io_request_id();
        self->s_->trade.send(bybit_request_encoder::auth(
            self->credentials_.api_key, self->credentials_.secret.value(),
            self->clock().wall_ms() + self->options().recv_window_ms, self->s_->trade_auth_id));
    };
    g->s_->priv.on_open = [self] {
        self->s_->private_auth_id = self->io_request_id();
        self->s_->priv.send(bybit_request_encoder::auth(
            self->credentials_.api_key, self->credentials_.secret.value(),
            self->clock().wall_ms() + self->options().recv_window_ms, self->s_->private_auth_id));
    };
    g->s_->trade.on_frame = [self](std::string_view t) { self->on_trade_frame(t); };
    g->s_->priv.on_frame = [self](std::string_view t) { self->on_private_frame(t); };
    g->s_->trade.on_closed = [self](std::string_view why) {
        self->io_session_down("bybit: trade stream: " + std::string(why));
    };
    g->s_->priv.on_closed = [self](std::string_view why) {
        self->io_session_down("bybit: private stream: " + std::string(why));
    };
    return g;
}

// ---- engine thread ----------------------------------------------------------------------------

gateway_status bybit_gateway::admit_window(rate_window& w) noexcept {
    if (const auto st = admit(); st != gateway_status::ok) {
        return st;
    }
    return w.try_take(clock().wall_ms(), 1) ? gateway_status::ok : gateway_status::rate_limited;
}

gateway_status bybit_gateway::send(const order_request& r) noexcept {
    if (const auto st = admit_window(create_1s_); st != gateway_status::ok) {
        return st;
    }
    const std::int64_t now = clock().wall_ms();
    return submit(
        request_kind::place, r.id, r.wire_id, r.spec, [&](std::uint64_t rid, text_writer& w) {
            return bybit_request_encoder::create(r, rid, now, options().recv_window_ms, w);
        });
}

gateway_status bybit_gateway::cancel(const cancel_request& r) noexcept {
    if (const auto st = admit_window(cancel_1s_); st != gateway_status::ok) {
        return st;
    }
    const std::int64_t now = clock().wall_ms();
    return submit(
        request_kind::cancel, r.id, r.wire_id, r.spec, [&](std::uint64_t rid, text_writer& w) {
            return bybit_request_encoder::cancel(r, rid, now, options().recv_window_ms, w);
        });
}

gateway_status bybit_gateway::amend(const amend_request& r) noexcept {
    if (const auto st = admit_window(amend_1s_); st != gateway_status::ok) {
        return st;
    }
    const std::int64_t now = clock().wall_ms();
    return submit(request_kind::amend, r.id, r.wire_id, r.spec,
                  [&](std::uint64_t rid, text_writer& w) {
                      return bybit_request_encoder::amend(r, rid, now, options().recv_window_ms, w);
                  });
}

gateway_status bybit_gateway::query(const query_request& r) noexcept {
    if (const auto st = admit(); st != gateway_status::ok) {
        return st;
    }
    // Answered over REST by the I/O thread: the slot carries the order's id only.
    return submit(request_kind::query, r.id, r.wire_id, r.spec, [&](std::uint64_t, text_writer& w) {
        w.put(r.wire_id.view());
        return usable(r.spec, r.wire_id);
    });
}

gateway_status bybit_gateway::reconcile(timestamp_ns since) noexcept {
    if (const auto st = admit(); st != gateway_status::ok) {
        return st;
    }
    return submit(
        request_kind::reconcile, client_order_id{0}, wire_order_id{}, nullptr,
        [&](std::uint64_t, text_writer& w) {
            w.put("reconcile");
            return true;
        },
        since.ns / 1'000'000);
}

// ---- I/O thread -------------------------------------------------------------------------------

void bybit_gateway::io_connect() {
    s_->trade_ready = false;
    s_->private_ready = false;
    s_->trade.open(io());
    s_->priv.open(io());
    if (!s_->ping) {
        s_->ping = std::make_unique<boost::asio::steady_timer>(io());
    }
    // "How to Send the Heartbeat Packet": {"op":"ping"} every 20 seconds keeps both streams.
    struct pinger {
        bybit_gateway* g;
        void operator()(const boost::system::error_code& ec) const {
            if (ec) {
                return;
            }
            g->s_->trade.send(R"({"op":"ping"})");
            g->s_->priv.send(R"({"op":"ping"})");
            g->s_->ping->expires_after(std::chrono::seconds(20));
            g->s_->ping->async_wait(*this);
        }
    };
    s_->ping->expires_after(std::chrono::seconds(20));
    s_->ping->async_wait(pinger{this});
}

void bybit_gateway::io_close() {
    s_->trade_ready = false;
    s_->private_ready = false;
    s_->trade.close();
    s_->priv.close();
    io_rest_close();
    if (s_->ping) {
        s_->ping->cancel();
    }
}

void bybit_gateway::on_authed() {
    if (s_->trade_ready && s_->private_ready && !io_up_) {
        io_session_up();
    }
}

void bybit_gateway::io_send(outbound_request& r) {
    if (r.kind == request_kind::query) {
        io_query(r.id, r.wire_id, r.spec);
        return;
    }
    if (r.kind == request_kind::reconcile) {
        // Open orders of every category this gateway trades, then the closing status.
        std::vector<std::string> categories;
        for (const instrument_spec* s : options().instruments) {
            const std::string c(bybit_category(*s));
            if (std::find(categories.begin(), categories.end(), c) == categories.end()) {
                categories.push_back(c);
            }
        }
        auto left = std::make_shared<std::size_t>(categories.size());
        auto finish = [this, left] {
            if (--*left == 0) {
                exec_report done = make_report(exec_kind::status, client_order_id{0});
                done.reconcile = true;
                emit(done);
            }
        };
        if (categories.empty()) {
            *left = 1;
            finish();
            return;
        }
        for (const std::string& c : categories) {
            rest_get("/v5/order/realtime?category=" + c + "&openOnly=0&limit=50",
                     [this, finish](feed::http_response reply) {
                         simdjson::dom::parser p;
                         simdjson::dom::element doc;
                         simdjson::dom::array list;
                         if (reply.ok() && p.parse(reply.body).get(doc) == simdjson::SUCCESS &&
                             doc["result"]["list"].get_array().get(list) == simdjson::SUCCESS) {
                             for (simdjson::dom::element o : list) {
                                 const client_order_id id = parse_wire_order_id(
                                     options().journal_tag, json_text(o, "orderLinkId"));
                                 const instrument_spec* spec =
                                     spec_by_symbol(json_text(o, "symbol"));
                                 if (id.value == 0 || spec == nullptr) {
                                     continue;
                                 }
                                 exec_report rep = make_report(exec_kind::status, id);
                                 rep.reconcile = true;
                                 rep.state = order_state_of(json_text(o, "orderStatus"));
                                 const auto cum = spec->parse_qty(json_text(o, "cumExecQty"));
                                 rep.cum_qty = cum.ok() ? cum.value : qty(0);
                                 emit(rep);
                             }
                         } else {
                             note_error("bybit: reconcile: HTTP " + std::to_string(reply.status) +
                                        " " + reply.error);
                         }
                         finish();
                     });
        }
        return;
    }
    pending_request p;
    p.kind = r.kind;
    p.id = r.id;
    p.wire_id = r.wire_id;
    p.spec = r.spec;
    p.sent_ns = clock().steady_ns();
    if (r.kind == request_kind::place) {
        (void)track_order(r.id, r.spec);
    }
    p.send_tsc = stamp_send();
    track(r.request_id, p);
    s_->trade.send(r.view());
}

void bybit_gateway::rest_get(std::string path_and_query,
                             std::function<void(feed::http_response)> done) {
    const auto q = path_and_query.find('?');
    const std::string query = q == std::string::npos ? "" : path_and_query.substr(q + 1);
    const std::string ts = std::to_string(clock().wall_ms());
    const std::string rw = std::to_string(options().recv_window_ms);
    std::vector<feed::http_header> h = {
        {"X-BAPI-API-KEY", credentials_.api_key},
        {"X-BAPI-TIMESTAMP", ts},
        {"X-BAPI-RECV-WINDOW", rw},
        {"X-BAPI-SIGN",
         bybit_rest_signature(credentials_.secret.value(), ts, credentials_.api_key, rw, query)}};
    io_rest().request(feed::http_method::get, options().rest_url + path_and_query, std::move(h), "",
                      std::move(done));
}

void bybit_gateway::io_query(client_order_id id, const wire_order_id& wire,
                             const instrument_spec* spec) {
    if (spec == nullptr) {
        return;
    }
    rest_get("/v5/order/realtime?category=" + std::string(bybit_category(*spec)) +
                 "&orderLinkId=" + std::string(wire.view()),
             [this, id, spec](feed::http_response res) {
                 simdjson::dom::parser p;
                 simdjson::dom::array list;
                 std::int64_t code = -1;
                 if (!result_list(res, p, list, code)) {
                     exec_report r = make_report(exec_kind::unknown, id);
                     r.venue_code = code;
                     r.set_reason("bybit: order query failed: HTTP " + std::to_string(res.status) +
                                  " " + res.error);
                     emit(r);
                     return;
                 }
                 if (list.size() == 0) {
                     emit(make_report(exec_kind::not_found, id));
                     return;
                 }
                 simdjson::dom::element o = list.at(0);
                 exec_report r = make_report(exec_kind::status, id);
                 r.state = order_state_of(json_text(o, "orderStatus"));
                 const auto cum = spec->parse_qty(json_text(o, "cumExecQty"));
                 if (!cum.ok()) {
                     note_error(bad_field("order", "cumExecQty", json_text(o, "cumExecQty"),
                                          to_string(cum.error)));
                 }
                 r.cum_qty = cum.ok() ? cum.value : qty(0);
                 emit(r);
                 // Fills of an order whose outcome was asked (after a crash, a disconnect, a
                 // timeout) may never have come on the private stream: its executions are asked
                 // too, and the engine books each execution id once.
                 const std::string_view order_id = json_text(o, "orderId");
                 if (r.cum_qty.value() > 0 && !order_id.empty() && json_plain_text(order_id)) {
                     io_order_executions(id, spec, std::string(order_id));
                 }
             });
}

void bybit_gateway::io_order_executions(client_order_id id, const instrument_spec* spec,
                                        const std::string& order_id) {
    rest_get("/v5/execution/list?category=" + std::string(bybit_category(*spec)) +
                 "&symbol=" + spec->symbol + "&orderId=" + order_id + "&limit=100",
             [this, id, spec](feed::http_response res) {
                 simdjson::dom::parser p;
                 simdjson::dom::array list;
                 std::int64_t code = -1;
                 if (!result_list(res, p, list, code)) {
                     note_error("bybit: execution list failed: HTTP " + std::to_string(res.status) +
                                " " + res.error);
                     return;
                 }
                 for (simdjson::dom::element d : list) {
                     if (json_text(d, "execType") != "Trade") {
                         continue; // funding, settlement, ADL: not the order's fills
                     }
                     exec_report r = make_report(exec_kind::fill, id);
                     r.reconcile = true;
                     std::string error;
                     if (!decode_execution(d, *spec, r, error)) {
                         note_error(std::move(error));
                         continue;
                     }
                     emit(r);
                 }
             });
}

void bybit_gateway::on_trade_frame(std::string_view text) {
    simdjson::dom::element doc;
    if (s_->parser.parse(text.data(), text.size(), false).get(doc) != simdjson::SUCCESS) {
        note_error("bybit: trade frame is not JSON");
        return;
    }
    const std::string_view op = json_text(doc, "op");
    std::int64_t code = 0;
    if (doc["retCode"].get_int64().get(code) != simdjson::SUCCESS) {
        code = 0;
    }
    const std::string_view msg = json_text(doc, "retMsg");
    const std::uint64_t rid =
        static_cast<std::uint64_t>(parse_int_text(json_text(doc, "reqId"), 0));
    if (op == "auth") {
        if (code != 0) {
            io_session_down("bybit: trade auth refused: " + std::string(msg), code);
            return;
        }
        s_->trade_ready = true;
        on_authed();
        return;
    }
    if (op == "pong" || op == "ping") {
        return;
    }
    // The per-op limits in every reply: remaining 0 means wait for the reset time.
    simdjson::dom::element header;
    std::int64_t reset_ms = 0;
    if (doc["header"].get(header) == simdjson::SUCCESS) {
        const std::int64_t limit = parse_int_text(json_text(header, "X-Bapi-Limit"), -1);
        const std::int64_t left = parse_int_text(json_text(header, "X-Bapi-Limit-Status"), -1);
        reset_ms = parse_int_text(json_text(header, "X-Bapi-Limit-Reset-Timestamp"), 0);
        rate_window* w = op == "order.create"   ? &create_1s_
                         : op == "order.amend"  ? &amend_1s_
                         : op == "order.cancel" ? &cancel_1s_
                                                : nullptr;
        if (w != nullptr && limit > 0 && left >= 0) {
            w->observe(clock().wall_ms(), static_cast<std::uint32_t>(limit - left),
                       static_cast<std::uint32_t>(limit));
        }
        // A refusal for the rate backs off once, below, with the venue's code.
        if (left == 0 && reset_ms > clock().wall_ms() && !is_rate_limit(code)) {
            io_back_off(clock().steady_ns() + (reset_ms - clock().wall_ms()) * 1'000'000, 0,
                        "bybit: X-Bapi-Limit-Status 0");
        }
    }
    if (is_rate_limit(code)) {
        const std::int64_t wait_ms = std::max<std::int64_t>(reset_ms - clock().wall_ms(), 1'000);
        io_back_off(clock().steady_ns() + wait_ms * 1'000'000, code, msg);
    }
    pending_request p;
    if (rid == 0 || !settle(rid, p)) {
        return;
    }
    if (code == server_timeout || code == internal_error) {
        unknown_outcome(p, msg, code);
        return;
    }
    if (p.kind == request_kind::place) {
        if (code == 0) {
            order_accepted(p);
        } else {
            order_refused(p, code, msg);
        }
        return;
    }
    if (code == 0) {
        if (p.kind == request_kind::amend) {
            exec_report r = make_report(exec_kind::amended, p.id);
            r.send_tsc = p.send_tsc;
            emit(r);
        }
        return; // a cancel is final when the order stream says Cancelled
    }
    exec_report r = make_report(exec_kind::cancel_reject, p.id);
    r.venue_code = code;
    r.send_tsc = p.send_tsc;
    r.set_reason(msg);
    emit(r);
}

void bybit_gateway::on_private_frame(std::string_view text) {
    simdjson::dom::element doc;
    if (s_->parser.parse(text.data(), text.size(), false).get(doc) != simdjson::SUCCESS) {
        note_error("bybit: private frame is not JSON");
        return;
    }
    const std::string_view op = json_text(doc, "op");
    if (!op.empty()) {
        bool success = false;
        if (doc["success"].get_bool().get(success) != simdjson::SUCCESS) {
            success = false;
        }
        if (op == "auth") {
            if (!success) {
                io_session_down("bybit: private auth refused: " +
                                std::string(json_text(doc, "ret_msg")));
                return;
            }
            s_->priv.send(R"({"op":"subscribe","args":["execution","order"]})");
        } else if (op == "subscribe") {
            if (!success) {
                io_session_down("bybit: private subscription refused: " +
                                std::string(json_text(doc, "ret_msg")));
                return;
            }
            s_->private_ready = true;
            on_authed();
        }
        return;
    }
    bybit_decode_result d =
        bybit_decode_private(text, options().journal_tag, options().venue, &lookup_symbol,
                             static_cast<const threaded_gateway*>(this));
    if (!d.error.empty()) {
        note_error(std::move(d.error));
    }
    counters_.foreign_reports.fetch_add(d.other_instruments, std::memory_order_relaxed);
    for (bybit_stream_item& it : d.items) {
        exec_report r = it.report;
        r.recv_tsc = feed::tsc_now();
        if (r.id.value == 0) {
            counters_.foreign_reports.fetch_add(1, std::memory_order_relaxed);
            emit(r);
            continue;
        }
        order_track& t = track_order(r.id, spec_by_symbol(it.symbol));
        switch (r.kind) {
        case exec_kind::fill:
            if (!first_fill(t, r.trade_id_view())) {
                continue;
            }
            t.acked = true;
            t.cum = qty(t.cum.value() + r.last_qty.value());
            r.cum_qty = t.cum;
            if (r.state == order_state::filled) {
                t.final = true;
            }
            break;
        case exec_kind::ack:
            if (t.acked) {
                continue;
            }
            t.acked = true;
            break;
        case exec_kind::canceled:
        case exec_kind::rejected:
            if (t.final) {
                continue;
            }
            t.final = true;
            break;
        default:
            continue; // PartiallyFilled / Filled states: the execution topic says it
        }
        emit(r);
    }
}

} // namespace ballast::exec
