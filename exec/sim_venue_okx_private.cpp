// OKX v5 order entry (REST) as sim-venue serves it. Docs (OKX API v5): "REST Authentication"
// (OK-ACCESS-KEY, OK-ACCESS-SIGN = base64(HMAC-SHA256(timestamp + method + requestPath +
// body)), OK-ACCESS-TIMESTAMP ISO-8601 with milliseconds, expired after 30 s,
// OK-ACCESS-PASSPHRASE), "Error Code" (50011, 50102-50113, 51000, 51001, 51008, 51016, 51020,
// 51121, 51400, 51603), Trade: "Place order" /api/v5/trade/order, "Place multiple orders"
// /api/v5/trade/batch-orders, "Cancel order", "Amend order", "Get order details",
// "Get order List" /api/v5/trade/orders-pending, "Get transaction details" /api/v5/trade/fills,
// Account "Get balance". The private WebSocket (/ws/v5/private): "Login" (sign = base64(HMAC-
// SHA256(timestamp + "GET" + "/users/self/verify")), unix seconds within 30 s; 60004 invalid
// timestamp, 60005 invalid apiKey, 60006 expired, 60007 invalid sign, 60009 login failure, 60011
// please log in, 60012 invalid request, 60024 wrong passphrase), "Order channel" (orders,
// instType ANY: state, fillSz, fillPx, tradeId, fillFee, accFillSz, amendResult), Trade "WS /
// Place order", "WS / Cancel order", "WS / Amend order" (id, op, code, msg, data[sCode, sMsg]).
#include "exec/gateway_okx.hpp"
#include "exec/signing.hpp"
#include "exec/sim_venue_json.hpp"
#include "exec/sim_venue_private.hpp"

#include <ctime>
#include <unordered_set>

namespace ballast::exec {

namespace {

using namespace simj;

struct okx_error {
    unsigned http = 200;
    std::string code = "0";
    std::string msg;
};

/// "2020-12-08T09:08:57.715Z" -> ms since the epoch; nullopt when malformed.
std::optional<std::int64_t> parse_iso_ms(std::string_view s) {
    int y = 0;
    int mo = 0;
    int d = 0;
    int h = 0;
    int mi = 0;
    int sec = 0;
    int ms = 0;
    if (s.size() != 24 || s[23] != 'Z' ||
        std::sscanf(std::string(s).c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &y, &mo, &d, &h, &mi,
                    &sec, &ms) != 7) {
        return std::nullopt;
    }
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    return static_cast<std::int64_t>(timegm(&tm)) * 1000 + ms;
}

std::string_view state_of(const sim_order& o) {
    switch (o.status) {
    case sim_order_status::open:
        return "live";
    case sim_order_status::partially_filled:
        return "partially_filled";
    case sim_order_status::filled:
        return "filled";
    default:
        return "canceled";
    }
}

std::string_view ord_type_of(const sim_order& o) {
    if (o.type == sim_order_type::market) {
        return "market";
    }
    switch (o.tif) {
    case sim_tif::ioc:
        return "ioc";
    case sim_tif::fok:
        return "fok";
    case sim_tif::post_only:
        return "post_only";
    default:
        return "limit";
    }
}

class okx_private final : public sim_private_api {
  public:
    sim_venue_rules rules() const override {
        sim_venue_rules r;
        r.taker_bps = sim_decimal::from_int(10); // Lv1 spot: maker 0.08%, taker 0.10%
        r.maker_bps = sim_decimal::from_int(8);
        return r;
    }

    std::optional<sim_http_reply> on_request(sim_context& ctx, const sim_http_request& r) override {
        const std::string_view p = r.path;
        const bool trade = p == "/api/v5/trade/order" && r.method == "POST";
        const bool batch = p == "/api/v5/trade/batch-orders";
        const bool cancel = p == "/api/v5/trade/cancel-order";
        const bool amend = p == "/api/v5/trade/amend-order";
        if (!trade && !batch && !cancel && !amend && p != "/api/v5/trade/order" &&
            p != "/api/v5/trade/orders-pending" && p != "/api/v5/trade/fills" &&
            p != "/api/v5/account/balance") {
            return std::nullopt;
        }
        sim_order_faults faults;
        if (trade || batch || cancel || amend) {
            faults = ctx.order_request();
            if (faults.rate_limit) {
                return envelope(ctx, {429, "50011", "Too Many Requests"}, "[]");
            }
        }
        sim_account* a = nullptr;
        if (auto err = authenticate(ctx, r, a)) {
            return envelope(ctx, *err, "[]");
        }
        sim_http_reply out;
        if (r.method == "GET") {
            out = query(ctx, *a, p, form_params(r.query));
        } else {
            element root;
            if (parse(parser_, r.body, root)) {
                return envelope(ctx, {400, "50002", "JSON syntax error"}, "[]");
            }
            std::vector<element> items;
            simdjson::dom::array arr;
            if (!root.get(arr)) {
                for (auto e : arr) {
                    items.push_back(e);
                }
            } else {
                items.push_back(root);
            }
            const op_results res = run_ops(ctx, *a, items,
                                           trade || batch ? order_op::place
                                           : cancel       ? order_op::cancel
                                                          : order_op::amend,
                                           faults.request_no);
            okx_error top;
            if (res.any_failed) {
                top = res.any_ok ? okx_error{200, "2", "Batch operation partially succeeded."}
                                 : okx_error{200, "1", "All operations failed"};
            }
            out = envelope(ctx, top, "[" + res.data + "]");
            if (faults.drop_ack || faults.close) {
                out.drop = true;
            }
        }
        ctx.publish();
        return out;
    }

    bool on_open(sim_context&, sim_client& c) override { return c.path == ws_path; }

    void on_message(sim_context& ctx, sim_client& c, std::string_view text) override {
        if (text == "ping") {
            c.send("pong");
            return;
        }
        const std::string conn_id = ",\"connId\":" + quote(sim_connection_id(c));
        const auto event_error = [&](std::string_view code, std::string_view msg) {
            c.send("{\"event\":\"error\",\"code\":" + quote(code) + ",\"msg\":" + quote(msg) +
                   conn_id + "}");
        };
        element root;
        std::string_view op;
        simdjson::dom::array args;
        if (parse(parser_, text, root) || root["op"].get(op) || root["args"].get(args)) {
            event_error("60012", "Invalid request: " + std::string(text.substr(0, 200)));
            return;
        }
        if (op == "login") {
            login(ctx, c, args, event_error);
            return;
        }
        if (!logged_in_.contains(c.id)) {
            event_error("60011", "Please log in");
            return;
        }
        if (op == "subscribe" || op == "unsubscribe") {
            for (auto a : args) {
                std::string_view channel;
                std::string_view type;
                if (a["instType"].get(type)) {
                    type = "ANY";
                }
                if (a["channel"].get(channel) || channel != "orders") {
                    event_error("60018", "Wrong URL or channel:" + std::string(channel) +
                                             " doesn't exist. Please use the correct URL, channel "
                                             "and parameters referring to API document.");
                    return;
                }
                std::erase(c.private_topics, std::string(channel));
                if (op == "subscribe") {
                    c.private_topics.emplace_back(channel);
                }
                c.send("{\"event\":" + quote(op) +
                       ",\"arg\":{\"channel\":\"orders\","
                       "\"instType\":" +
                       quote(type) + "}" + conn_id + "}");
            }
            return;
        }
        std::string_view id;
        if (root["id"].get(id)) {
            id = "";
        }
        // "WS / Place multiple orders" etc.: the batch ops take up to 20 args, the others one.
        const bool place_op = op == "order" || op == "batch-orders";
        const bool cancel_op = op == "cancel-order" || op == "batch-cancel-orders";
        const bool amend_op = op == "amend-order" || op == "batch-amend-orders";
        if (!place_op && !cancel_op && !amend_op) {
            event_error("60019", "Invalid op: " + std::string(op));
            return;
        }
        if (args.size() == 0 || (args.size() > 1 && op.find("batch") == std::string_view::npos) ||
            args.size() > 20) {
            event_error("60013", "Invalid args");
            return;
        }
        const sim_order_faults faults = ctx.order_request();
        const std::string head = "{\"id\":" + quote(id) + ",\"op\":" + quote(op);
        const std::string times = ",\"inTime\":" + quote(std::to_string(ctx.now_ms() * 1000)) +
                                  ",\"outTime\":" + quote(std::to_string(ctx.now_ms() * 1000));
        if (faults.rate_limit) {
            c.send(head + ",\"code\":\"50011\",\"msg\":" + quote(rate_limit_msg) + ",\"data\":[]" +
                   times + "}");
            return;
        }
        if (faults.close) {
            c.close(); // the op is processed below; nothing more reaches this connection
        }
        sim_account* a = ctx.orders()->account(c.api_key);
        const op_results res = run_ops(ctx, *a, args,
                                       place_op    ? order_op::place
                                       : cancel_op ? order_op::cancel
                                                   : order_op::amend,
                                       faults.request_no);
        const std::string_view code = !res.any_failed ? "0" : res.any_ok ? "2" : "1";
        if (!faults.drop_ack) {
            c.send(head + ",\"code\":" + quote(code) + ",\"msg\":\"\",\"data\":[" + res.data + "]" +
                   times + "}");
        }
        ctx.publish();
    }

    std::vector<std::string> on_event(sim_context& ctx, sim_client& c,
                                      const sim_event& e) override {
        if (c.path != ws_path || !logged_in_.contains(c.id) || e.order.feed != "okx" ||
            e.kind == sim_event_kind::rejected ||
            std::find(c.private_topics.begin(), c.private_topics.end(), "orders") ==
                c.private_topics.end()) {
            return {};
        }
        const sim_account* a = ctx.orders()->account(e.api_key);
        if (a == nullptr) {
            return {};
        }
        const sim_trade none;
        const sim_trade& t = e.trade ? *e.trade : none;
        return {"{\"arg\":{\"channel\":\"orders\",\"instType\":\"ANY\",\"uid\":" +
                quote(uid_of(c.api_key)) + "},\"data\":[" +
                order_json(ctx, e.order, &t, e.kind == sim_event_kind::amended) + "]}"};
    }

  private:
    using params_t = std::vector<std::pair<std::string, std::string>>;
    static constexpr std::string_view ws_path = "/ws/v5/private";
    static constexpr std::string_view rate_limit_msg =
        "Rate limit reached. Please refer to API documentation and throttle requests accordingly.";

    enum class order_op : std::uint8_t { place, cancel, amend };
    struct op_results {
        std::string data; ///< each request's result object, comma-separated
        bool any_ok = false;
        bool any_failed = false;
    };
    /// The order requests of a REST batch or of a WebSocket op's args, in order.
    template <class Items>
    op_results run_ops(sim_context& ctx, sim_account& a, const Items& items, order_op op,
                       std::uint64_t request_no) {
        op_results out;
        for (element item : items) {
            params_t params;
            simdjson::dom::object obj;
            if (!item.get(obj)) {
                for (auto [k, v] : obj) {
                    std::string_view sv;
                    params.emplace_back(std::string(k), v.get(sv) ? to_json(v) : std::string(sv));
                }
            }
            okx_error e;
            std::string one =
                op == order_op::place
                    ? place(ctx, a, params, request_no, e)
                    : cancel_or_amend(ctx, a, params, op == order_op::cancel, request_no, e);
            (e.code == "0" ? out.any_ok : out.any_failed) = true;
            out.data += (out.data.empty() ? "" : ",") + one;
        }
        return out;
    }

    /// A stable user id per API key for the channel's `uid` (never the key itself).
    static std::string uid_of(std::string_view api_key) {
        return std::to_string(std::hash<std::string_view>{}(api_key) % 1'000'000'000'000ULL);
    }

    template <class Error>
    void login(sim_context& ctx, sim_client& c, simdjson::dom::array args, const Error& fail) {
        element a;
        std::string_view key;
        std::string_view pass;
        std::string_view ts;
        std::string_view sign;
        if (args.at(0).get(a) || a["apiKey"].get(key) || a["passphrase"].get(pass) ||
            a["timestamp"].get(ts) || a["sign"].get(sign)) {
            fail("60012", "Invalid request: login needs apiKey, passphrase, timestamp and sign");
            return;
        }
        sim_account* acc = ctx.orders() ? ctx.orders()->account(key) : nullptr;
        if (acc == nullptr || acc->config.secret.empty()) {
            fail("60005", "Invalid apiKey");
            return;
        }
        double secs = 0.0;
        const auto [end, ec] = std::from_chars(ts.data(), ts.data() + ts.size(), secs);
        if (ts.empty() || ec != std::errc{} || end != ts.data() + ts.size()) {
            fail("60004", "Invalid timestamp");
            return;
        }
        if (std::abs(static_cast<double>(ctx.now_ms()) - secs * 1000.0) > 30000.0) {
            fail("60006", "Timestamp request expired");
            return;
        }
        if (!equal_signatures(pass, acc->config.passphrase.value())) {
            fail("60024", "Wrong passphrase");
            return;
        }
        const std::string expected =
            okx_signature(acc->config.secret.value(), ts, "GET", "/users/self/verify", "");
        if (!equal_signatures(expected, sign)) {
            fail("60007", "Invalid sign");
            return;
        }
        c.api_key = std::string(key);
        logged_in_.insert(c.id);
        c.send("{\"event\":\"login\",\"code\":\"0\",\"msg\":\"\",\"connId\":" +
               quote(sim_connection_id(c)) + "}");
    }

    static sim_http_reply envelope(sim_context& ctx, const okx_error& e, const std::string& data) {
        const std::string now = std::to_string(ctx.now_ms() * 1000);
        return {e.http, "{\"code\":" + quote(e.code) + ",\"msg\":" + quote(e.msg) +
                            ",\"data\":" + data + ",\"inTime\":" + quote(now) +
                            ",\"outTime\":" + quote(now) + "}"};
    }

    std::optional<okx_error> authenticate(sim_context& ctx, const sim_http_request& r,
                                          sim_account*& out) {
        const std::string key(r.header("ok-access-key"));
        const std::string sign(r.header("ok-access-sign"));
        const std::string ts(r.header("ok-access-timestamp"));
        const std::string pass(r.header("ok-access-passphrase"));
        if (key.empty()) {
            return okx_error{401, "50103", "Request header OK-ACCESS-KEY cannot be empty."};
        }
        if (pass.empty()) {
            return okx_error{401, "50104", "Request header OK-ACCESS-PASSPHRASE cannot be empty."};
        }
        if (sign.empty()) {
            return okx_error{401, "50106", "Request header OK-ACCESS-SIGN cannot be empty."};
        }
        if (ts.empty()) {
            return okx_error{401, "50107", "Request header OK-ACCESS-TIMESTAMP cannot be empty."};
        }
        sim_account* a = ctx.orders() ? ctx.orders()->account(key) : nullptr;
        if (a == nullptr || a->config.secret.empty()) {
            return okx_error{401, "50111", "Invalid OK-ACCESS-KEY."};
        }
        const auto when = parse_iso_ms(ts);
        if (!when) {
            return okx_error{401, "50112", "Invalid OK-ACCESS-TIMESTAMP."};
        }
        if (std::abs(ctx.now_ms() - *when) > 30000) {
            return okx_error{401, "50102", "Timestamp request expired."};
        }
        if (!equal_signatures(pass, a->config.passphrase.value())) {
            return okx_error{401, "50105", "Invalid OK-ACCESS-PASSPHRASE."};
        }
        const std::string expected =
            okx_signature(a->config.secret.value(), ts, r.method, r.target, r.body);
        if (!equal_signatures(expected, sign)) {
            return okx_error{401, "50113", "Invalid Sign."};
        }
        out = a;
        return std::nullopt;
    }

    static std::string result(const std::string& cl, const std::string& ord, const okx_error& e,
                              std::int64_t now) {
        return "{\"clOrdId\":" + quote(cl) + ",\"ordId\":" + quote(ord) +
               ",\"tag\":\"\",\"ts\":" + quote(std::to_string(now)) +
               ",\"sCode\":" + quote(e.code) +
               ",\"sMsg\":" + quote(e.code == "0" ? "Order placed" : e.msg) + "}";
    }

    std::string place(sim_context& ctx, sim_account& a, const params_t& params,
                      std::uint64_t request_no, okx_error& e) {
        const std::string cl = param(params, "clOrdId").value_or("");
        const auto fail = [&](std::string code, std::string msg) {
            e = {200, std::move(code), std::move(msg)};
            return result(cl, "", e, ctx.now_ms());
        };
        const std::string inst = param(params, "instId").value_or("");
        const instrument_spec* spec = ctx.spec("okx", inst);
        if (spec == nullptr) {
            return fail("51001", "Instrument ID does not exist");
        }
        sim_new_order n;
        n.feed = "okx";
        n.spec = spec;
        n.client_id = cl;
        const std::string side = param(params, "side").value_or("");
        if (side != "buy" && side != "sell") {
            return fail("51000", "Parameter side error");
        }
        n.side = side == "buy" ? sim_side::buy : sim_side::sell;
        const std::string type = param(params, "ordType").value_or("");
        n.type = sim_order_type::limit;
        if (type == "market") {
            n.type = sim_order_type::market;
        } else if (type == "limit") {
            n.tif = sim_tif::gtc;
        } else if (type == "post_only") {
            n.tif = sim_tif::post_only;
        } else if (type == "fok") {
            n.tif = sim_tif::fok;
        } else if (type == "ioc") {
            n.tif = sim_tif::ioc;
        } else {
            return fail("51000", "Parameter ordType error");
        }
        const auto sz = sim_decimal::parse(param(params, "sz").value_or(""));
        if (!sz) {
            return fail("51000", "Parameter sz error");
        }
        // Spot market buys are in the quote currency unless tgtCcy=base_ccy ("Place order").
        if (spec->kind == instrument_kind::spot && n.type == sim_order_type::market &&
            n.side == sim_side::buy &&
            param(params, "tgtCcy").value_or("quote_ccy") != "base_ccy") {
            n.quote_qty = *sz;
        } else {
            n.qty = *sz;
        }
        if (n.type == sim_order_type::limit) {
            const auto px = sim_decimal::parse(param(params, "px").value_or(""));
            if (!px) {
                return fail("51000", "Parameter px error");
            }
            n.price = *px;
        }
        const auto res = ctx.orders()->place(a, n, ctx.now_ms(), request_no);
        switch (res.reject) {
        case sim_reject::none:
            e = {};
            return result(cl, std::to_string(res.order->id), e, ctx.now_ms());
        case sim_reject::insufficient_balance:
            return fail("51008", "Order failed. Insufficient " +
                                     (n.side == sim_side::buy ? spec->quote : spec->base) +
                                     " balance in account.");
        case sim_reject::unknown_symbol:
            return fail("51001", "Instrument ID does not exist");
        case sim_reject::duplicate_client_id:
            return fail("51016", "Duplicated clOrdId");
        case sim_reject::bad_quantity:
            return fail("51121", "Order quantity must be a multiple of the lot size.");
        case sim_reject::bad_price:
            return fail("51000", "Parameter px error");
        case sim_reject::min_notional:
            return fail("51020", "Your order should meet or exceed the minimum order amount.");
        default:
            return fail("51000", "Parameter " + std::string(to_string(res.reject)));
        }
    }

    std::string cancel_or_amend(sim_context& ctx, sim_account& a, const params_t& params,
                                bool cancel, std::uint64_t request_no, okx_error& e) {
        const std::string inst = param(params, "instId").value_or("");
        const std::string cl = param(params, "clOrdId").value_or("");
        const std::string ord = param(params, "ordId").value_or("");
        std::uint64_t id = 0;
        (void)std::from_chars(ord.data(), ord.data() + ord.size(), id);
        sim_order_result res;
        if (cancel) {
            res = ctx.orders()->cancel(a, inst, id, cl, ctx.now_ms(), request_no);
        } else {
            std::optional<sim_decimal> sz;
            std::optional<sim_decimal> px;
            if (const auto v = param(params, "newSz")) {
                sz = sim_decimal::parse(*v);
            }
            if (const auto v = param(params, "newPx")) {
                px = sim_decimal::parse(*v);
            }
            res = ctx.orders()->amend(a, inst, id, cl, sz, px, ctx.now_ms(), request_no);
        }
        if (res.reject == sim_reject::none) {
            e = {};
            return "{\"clOrdId\":" + quote(res.order->client_id) +
                   ",\"ordId\":" + quote(std::to_string(res.order->id)) +
                   (cancel ? std::string() : ",\"reqId\":\"\"") +
                   ",\"ts\":" + quote(std::to_string(ctx.now_ms())) +
                   ",\"sCode\":\"0\",\"sMsg\":\"\"}";
        }
        if (cancel) {
            e = {200, "51400",
                 "Cancellation failed as the order has been filled, canceled or does not exist."};
        } else if (res.reject == sim_reject::unknown_order ||
                   res.reject == sim_reject::order_closed) {
            e = {200, "51503", "Order modification failed as the order does not exist."};
        } else {
            e = {200, "51000", "Parameter " + std::string(to_string(res.reject))};
        }
        return "{\"clOrdId\":" + quote(cl) + ",\"ordId\":" + quote(ord) +
               ",\"ts\":" + quote(std::to_string(ctx.now_ms())) + ",\"sCode\":" + quote(e.code) +
               ",\"sMsg\":" + quote(e.msg) + "}";
    }

    sim_http_reply query(sim_context& ctx, sim_account& a, std::string_view p,
                         const params_t& params) {
        if (p == "/api/v5/account/balance") {
            std::string details;
            for (const auto& [asset, b] : a.balances) {
                const std::string total = (b.free + b.locked).str();
                details += std::string(details.empty() ? "" : ",") + "{\"ccy\":" + quote(asset) +
                           ",\"eq\":" + quote(total) + ",\"cashBal\":" + quote(total) +
                           ",\"availBal\":" + quote(b.free.str()) +
                           ",\"availEq\":" + quote(b.free.str()) +
                           ",\"frozenBal\":" + quote(b.locked.str()) +
                           ",\"ordFrozen\":" + quote(b.locked.str()) +
                           ",\"uTime\":" + quote(std::to_string(ctx.now_ms())) + "}";
            }
            return envelope(ctx, {},
                            "[{\"totalEq\":\"\",\"uTime\":" + quote(std::to_string(ctx.now_ms())) +
                                ",\"details\":[" + details + "]}]");
        }
        const auto inst = param(params, "instId");
        if (p == "/api/v5/trade/fills") {
            // "Get transaction details": filters ordId, begin (ts >= begin, unix ms).
            const auto ord_id = param(params, "ordId");
            std::optional<std::int64_t> begin_ms;
            if (const auto b = param(params, "begin")) {
                std::int64_t v = 0;
                if (std::from_chars(b->data(), b->data() + b->size(), v).ec == std::errc{}) {
                    begin_ms = v;
                }
            }
            std::string data;
            for (auto it = a.trades.rbegin(); it != a.trades.rend(); ++it) {
                const sim_trade& t = *it;
                if (t.feed != "okx" || (inst && t.symbol != *inst) ||
                    (ord_id && *ord_id != std::to_string(t.order_id)) ||
                    (begin_ms && t.time_ms < *begin_ms)) {
                    continue;
                }
                const instrument_spec* spec = ctx.spec("okx", t.symbol);
                data += std::string(data.empty() ? "" : ",") +
                        "{\"instType\":" + quote(spec ? okx_inst_type(*spec) : "SPOT") +
                        ",\"instId\":" + quote(t.symbol) +
                        ",\"tradeId\":" + quote(std::to_string(t.id)) +
                        ",\"ordId\":" + quote(std::to_string(t.order_id)) +
                        ",\"clOrdId\":" + quote(t.client_id) +
                        ",\"billId\":" + quote(std::to_string(t.id)) +
                        ",\"tag\":\"\",\"fillPx\":" + quote(t.price.str()) +
                        ",\"fillSz\":" + quote(t.qty.str()) +
                        ",\"side\":" + quote(t.side == sim_side::buy ? "buy" : "sell") +
                        ",\"posSide\":\"net\",\"execType\":" + quote(t.maker ? "M" : "T") +
                        ",\"feeCcy\":" + quote(t.fee_asset) + ",\"fee\":" + quote((-t.fee).str()) +
                        ",\"ts\":" + quote(std::to_string(t.time_ms)) +
                        ",\"fillTime\":" + quote(std::to_string(t.time_ms)) + "}";
            }
            return envelope(ctx, {}, "[" + data + "]");
        }
        if (p == "/api/v5/trade/orders-pending") {
            std::string data;
            for (const auto& o : a.orders) {
                if (o.feed == "okx" && sim_order_open(o.status) && (!inst || o.symbol == *inst)) {
                    data += (data.empty() ? "" : ",") + order_json(ctx, a, o);
                }
            }
            return envelope(ctx, {}, "[" + data + "]");
        }
        // GET /api/v5/trade/order
        if (!inst || inst->empty()) {
            return envelope(ctx, {200, "51000", "Parameter instId error"}, "[]");
        }
        const std::string ord = param(params, "ordId").value_or("");
        const std::string cl = param(params, "clOrdId").value_or("");
        std::uint64_t id = 0;
        (void)std::from_chars(ord.data(), ord.data() + ord.size(), id);
        const sim_order* o = id != 0 ? a.find(id) : (cl.empty() ? nullptr : a.find_client(cl));
        if (o == nullptr || o->symbol != *inst) {
            return envelope(ctx, {200, "51603", "Order does not exist"}, "[]");
        }
        return envelope(ctx, {}, "[" + order_json(ctx, a, *o) + "]");
    }

    /// The order as "Get order details" and the orders channel write it: `trade` is the fill
    /// the fill fields describe (REST: the last one; a push: the event's, id 0 for none).
    std::string order_json(sim_context& ctx, const sim_account& a, const sim_order& o) {
        for (auto it = a.trades.rbegin(); it != a.trades.rend(); ++it) {
            if (it->order_id == o.id) {
                return order_json(ctx, o, &*it, false);
            }
        }
        return order_json(ctx, o, nullptr, false);
    }
    std::string order_json(sim_context& ctx, const sim_order& o, const sim_trade* trade,
                           bool amended) {
        const instrument_spec* spec = ctx.spec("okx", o.symbol);
        std::string last_px;
        std::string last_sz;
        std::string last_id;
        std::string last_time;
        std::string fill_fee;
        std::string fill_fee_ccy;
        std::string exec_type;
        if (trade != nullptr && trade->id != 0) {
            last_px = trade->price.str();
            last_sz = trade->qty.str();
            last_id = std::to_string(trade->id);
            last_time = std::to_string(trade->time_ms);
            fill_fee = (-trade->fee).str(); // "Order channel": a charge is negative
            fill_fee_ccy = trade->fee_asset;
            exec_type = trade->maker ? "M" : "T";
        }
        return "{\"instType\":" + quote(spec ? okx_inst_type(*spec) : "SPOT") +
               ",\"instId\":" + quote(o.symbol) +
               ",\"tgtCcy\":\"\",\"ccy\":\"\",\"ordId\":" + quote(std::to_string(o.id)) +
               ",\"clOrdId\":" + quote(o.client_id) + ",\"tag\":\"\",\"px\":" +
               quote(o.type == sim_order_type::market ? "" : o.price.str()) +
               ",\"pxUsd\":\"\",\"pxVol\":\"\",\"pxType\":\"\",\"sz\":" + quote(o.qty.str()) +
               ",\"pnl\":\"0\",\"ordType\":" + quote(ord_type_of(o)) +
               ",\"side\":" + quote(o.side == sim_side::buy ? "buy" : "sell") +
               ",\"posSide\":\"net\",\"tdMode\":\"cash\",\"accFillSz\":" + quote(o.filled.str()) +
               ",\"fillPx\":" + quote(last_px) + ",\"tradeId\":" + quote(last_id) +
               ",\"fillSz\":" + quote(last_sz) + ",\"fillTime\":" + quote(last_time) +
               ",\"fillFee\":" + quote(fill_fee) + ",\"fillFeeCcy\":" + quote(fill_fee_ccy) +
               ",\"execType\":" + quote(exec_type) +
               ",\"amendResult\":" + quote(amended ? "0" : "") + ",\"avgPx\":" +
               quote(o.filled.is_zero() ? "" : o.average_price().truncate(12).str()) +
               ",\"state\":" + quote(state_of(o)) +
               ",\"lever\":\"\",\"attachAlgoClOrdId\":\"\",\"tpTriggerPx\":\"\","
               "\"tpTriggerPxType\":\"\",\"tpOrdPx\":\"\",\"slTriggerPx\":\"\","
               "\"slTriggerPxType\":\"\",\"slOrdPx\":\"\",\"attachAlgoOrds\":[],"
               "\"linkedAlgoOrd\":{\"algoId\":\"\"},\"stpId\":\"\",\"stpMode\":\"\",\"feeCcy\":" +
               quote(o.fee_asset) + ",\"fee\":" + quote((-o.fee).str()) +
               ",\"rebateCcy\":\"\",\"rebate\":\"0\",\"source\":\"\",\"category\":\"normal\","
               "\"reduceOnly\":\"false\",\"isTpLimit\":\"false\",\"cancelSource\":" +
               quote(o.reason == sim_reject::would_take ? "31" : "") +
               ",\"cancelSourceReason\":\"\",\"quickMgnType\":\"\",\"algoClOrdId\":\"\","
               "\"algoId\":\"\",\"uTime\":" +
               quote(std::to_string(o.updated_ms)) +
               ",\"cTime\":" + quote(std::to_string(o.created_ms)) + "}";
    }

    simdjson::dom::parser parser_;
    std::unordered_set<std::uint64_t> logged_in_; ///< WebSocket connections after `login`
};

} // namespace

std::unique_ptr<sim_private_api> make_okx_private() {
    return std::make_unique<okx_private>();
}

} // namespace ballast::exec
