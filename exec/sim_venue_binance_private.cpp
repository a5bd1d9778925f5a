// Binance spot order entry as sim-venue serves it. Docs (binance-spot-api-docs): "rest-api.md"
// (SIGNED endpoints: X-MBX-APIKEY, timestamp, recvWindow default 5000 max 60000, the signature
// over query string + body; "Timing security"; New order, Cancel order, Query order, Current
// open orders, Account information, Account trade list; X-MBX-USED-WEIGHT-1M and
// X-MBX-ORDER-COUNT-* headers; 429 with Retry-After), "errors.md" (-1003, -1013, -1021, -1022,
// -1102, -1121, -2010, -2011, -2013, -2014, -2015), "user-data-stream.md" (listenKey,
// executionReport, outboundAccountPosition) and "web-socket-api.md" (/ws-api/v3, session.logon
// with Ed25519, order.place, order.cancel, order.status, openOrders.status, myTrades,
// userDataStream.subscribe events {"subscriptionId","event"}).
#include "exec/signing.hpp"
#include "exec/sim_venue_json.hpp"
#include "exec/sim_venue_private.hpp"

#include <unordered_map>
#include <unordered_set>
#include <variant>

namespace ballast::exec {

namespace {

using namespace simj;
using params_t = std::vector<std::pair<std::string, std::string>>;

struct binance_error {
    unsigned http = 400;
    int code = 0;
    std::string msg;
};

binance_error mandatory(std::string_view name) {
    return {400, -1102,
            "Mandatory parameter '" + std::string(name) +
                "' was not sent, was empty/null, or malformed."};
}

std::string error_json(const binance_error& e) {
    return "{\"code\":" + std::to_string(e.code) + ",\"msg\":" + quote(e.msg) + "}";
}

std::string_view status_of(sim_order_status s) {
    switch (s) {
    case sim_order_status::open:
        return "NEW";
    case sim_order_status::partially_filled:
        return "PARTIALLY_FILLED";
    case sim_order_status::filled:
        return "FILLED";
    case sim_order_status::canceled:
        return "CANCELED";
    case sim_order_status::expired:
        return "EXPIRED";
    case sim_order_status::rejected:
        return "REJECTED";
    }
    return "NEW";
}

std::string_view type_of(const sim_order& o) {
    if (o.type == sim_order_type::market) {
        return "MARKET";
    }
    return o.tif == sim_tif::post_only ? "LIMIT_MAKER" : "LIMIT";
}

std::string_view tif_of(const sim_order& o) {
    switch (o.tif) {
    case sim_tif::ioc:
        return o.type == sim_order_type::market ? "GTC" : "IOC";
    case sim_tif::fok:
        return "FOK";
    default:
        return "GTC";
    }
}

std::string dec8(const sim_decimal& d) {
    return quote(d.str(8));
}

class binance_private final : public sim_private_api {
  public:
    sim_venue_rules rules() const override {
        sim_venue_rules r;
        r.taker_bps = sim_decimal::from_int(10); // VIP 0 spot: 0.1000% / 0.1000%
        r.maker_bps = sim_decimal::from_int(10);
        r.post_only_rejects = true; // LIMIT_MAKER: -2010 "Order would immediately match and take."
        return r;
    }

    std::optional<sim_http_reply> on_request(sim_context& ctx, const sim_http_request& r) override {
        const std::string_view p = r.path;
        if (p == "/api/v3/userDataStream") {
            return reply(ctx, user_data_stream(ctx, r), 2);
        }
        if (p != "/api/v3/order" && p != "/api/v3/openOrders" && p != "/api/v3/myTrades" &&
            p != "/api/v3/account") {
            return std::nullopt;
        }
        if (ctx.orders() == nullptr) {
            return sim_http_reply{404, error_json({404, -2015,
                                                   "Invalid API-key, IP, or permissions for "
                                                   "action."})};
        }
        // Parameters: query then body, as the signature covers them ("SIGNED endpoint security").
        params_t params = form_params(r.query);
        for (auto& kv : form_params(r.body)) {
            params.push_back(std::move(kv));
        }
        std::string total = r.query;
        total += r.body;
        const bool is_order = p == "/api/v3/order" && (r.method == "POST" || r.method == "DELETE");
        sim_order_faults faults;
        if (is_order) {
            faults = ctx.order_request();
            if (faults.rate_limit) {
                sim_http_reply out{429, error_json(rate_limited())};
                out.headers.emplace_back("Retry-After", "1");
                return out;
            }
        }
        std::string body;
        unsigned status = 200;
        sim_account* account = nullptr;
        const auto auth =
            authenticate(ctx, std::string(r.header("x-mbx-apikey")), params, total, account);
        if (auth) {
            body = error_json(*auth);
            status = auth->http;
        } else {
            auto res = dispatch(ctx, *account, r.method, p, params, faults.request_no);
            if (res.index() == 0) {
                body = error_json(std::get<0>(res));
                status = std::get<0>(res).http;
            } else {
                body = std::move(std::get<1>(res));
            }
        }
        if (is_order) {
            ++orders_10s_[ctx.now_ms() / 10000];
            ++orders_1d_[ctx.now_ms() / 86400000];
        }
        auto out = reply(ctx, sim_http_reply{status, std::move(body)}, is_order ? 1 : 20);
        if (is_order && (faults.drop_ack || faults.close)) {
            out->drop = true;
        }
        ctx.publish();
        return out;
    }

    bool on_open(sim_context& ctx, sim_client& c) override {
        if (c.path == "/ws-api/v3") {
            return true;
        }
        // /ws/<listenKey>: the user data stream.
        if (c.path.starts_with("/ws/")) {
            const auto it = listen_keys_.find(c.path.substr(4));
            if (it != listen_keys_.end()) {
                c.api_key = it->second;
                c.user_stream = true;
                (void)ctx;
                return true;
            }
        }
        return false;
    }

    void on_message(sim_context& ctx, sim_client& c, std::string_view text) override {
        element root;
        std::string id = "null";
        if (parse(parser_, text, root) || !root.is_object()) {
            c.send(ws_error(id, {400, -1102, "Invalid JSON request."}));
            return;
        }
        element idv;
        if (!root["id"].get(idv)) {
            id = to_json(idv);
        }
        std::string_view method;
        if (root["method"].get(method)) {
            c.send(ws_error(id, mandatory("method")));
            return;
        }
        params_t params;
        simdjson::dom::object po;
        if (!root["params"].get(po)) {
            for (auto [k, v] : po) {
                std::string_view sv;
                params.emplace_back(std::string(k), v.get(sv) ? to_json(v) : std::string(sv));
            }
        }
        if (ctx.orders() == nullptr) {
            c.send(ws_error(id, {400, -2015, "Invalid API-key, IP, or permissions for action."}));
            return;
        }
        if (method == "session.logon") {
            logon(ctx, c, id, params);
            return;
        }
        if (method == "session.status") {
            c.send("{\"id\":" + id + ",\"status\":200,\"result\":{\"apiKey\":" +
                   (!logged_on_.contains(c.id) ? std::string("null") : quote(c.api_key)) +
                   ",\"serverTime\":" + std::to_string(ctx.now_ms()) + "}}");
            return;
        }
        if (method == "userDataStream.subscribe.signature") {
            // Any key type, without a session: the request is signed like any other, and the
            // connection then receives the account's events (it is not logged on).
            const std::string key = param(params, "apiKey").value_or("");
            sim_account* a = nullptr;
            if (auto err = authenticate(ctx, key, params, signed_payload(params), a, true)) {
                c.send(ws_error(id, *err));
                return;
            }
            c.api_key = key;
            c.user_stream = true;
            c.user_subscription = next_subscription_++;
            c.send("{\"id\":" + id + ",\"status\":200,\"result\":{\"subscriptionId\":" +
                   std::to_string(c.user_subscription) + "}}");
            return;
        }
        if (method == "userDataStream.subscribe") {
            if (!logged_on_.contains(c.id)) {
                c.send(
                    ws_error(id, {401, -2015, "Invalid API-key, IP, or permissions for action."}));
                return;
            }
            c.user_stream = true;
            c.user_subscription = next_subscription_++;
            c.send("{\"id\":" + id + ",\"status\":200,\"result\":{\"subscriptionId\":" +
                   std::to_string(c.user_subscription) + "}}");
            return;
        }
        if (method == "userDataStream.unsubscribe") {
            c.user_stream = false;
            c.send("{\"id\":" + id + ",\"status\":200,\"result\":{}}");
            return;
        }
        std::string http_method;
        std::string path;
        if (method == "order.place") {
            http_method = "POST";
            path = "/api/v3/order";
        } else if (method == "order.cancel") {
            http_method = "DELETE";
            path = "/api/v3/order";
        } else if (method == "order.status") {
            http_method = "GET";
            path = "/api/v3/order";
        } else if (method == "openOrders.status") {
            http_method = "GET";
            path = "/api/v3/openOrders";
        } else if (method == "myTrades") {
            http_method = "GET";
            path = "/api/v3/myTrades";
        } else if (method == "account.status") {
            http_method = "GET";
            path = "/api/v3/account";
        } else {
            c.send(ws_error(id, {400, -1100, "Unknown method: " + std::string(method)}));
            return;
        }
        const bool is_order = path == "/api/v3/order" && http_method != "GET";
        sim_order_faults faults;
        if (is_order) {
            faults = ctx.order_request();
            if (faults.rate_limit) {
                c.send(ws_error(id, rate_limited()));
                return;
            }
            if (faults.close) {
                c.close(); // the order is processed below; nothing more reaches this connection
            }
        }
        sim_account* account = nullptr;
        std::optional<binance_error> auth;
        if (logged_on_.contains(c.id) && !param(params, "signature")) {
            account = ctx.orders()->account(c.api_key); // logged on (session.logon)
        } else {
            auth = authenticate(ctx, param(params, "apiKey").value_or(""), params,
                                signed_payload(params), account, true);
        }
        std::string reply;
        if (auth) {
            reply = ws_error(id, *auth);
        } else {
            auto res = dispatch(ctx, *account, http_method, path, params, faults.request_no);
            reply = res.index() == 0
                        ? ws_error(id, std::get<0>(res))
                        : "{\"id\":" + id + ",\"status\":200,\"result\":" + std::get<1>(res) + "}";
        }
        if (!faults.drop_ack) {
            c.send(std::move(reply));
        }
        ctx.publish();
    }

    std::vector<std::string> on_event(sim_context& ctx, sim_client& c,
                                      const sim_event& e) override {
        if (!c.user_stream) {
            return {};
        }
        std::vector<std::string> out;
        out.push_back(wrap(c, execution_report(e)));
        // Balances after the event (new orders lock, fills and cancels move funds).
        if (const auto* spec = ctx.spec(e.order.feed, e.order.symbol)) {
            sim_account* a = ctx.orders()->account(e.api_key);
            std::string b =
                "{\"e\":\"outboundAccountPosition\",\"E\":" + std::to_string(ctx.now_ms()) +
                ",\"u\":" + std::to_string(e.order.updated_ms) + ",\"B\":[";
            bool first = true;
            for (const auto& asset : {spec->base, spec->quote}) {
                const auto it = a->balances.find(asset);
                const sim_balance bal = it == a->balances.end() ? sim_balance{} : it->second;
                b += std::string(first ? "" : ",") + "{\"a\":" + quote(asset) +
                     ",\"f\":" + dec8(bal.free) + ",\"l\":" + dec8(bal.locked) + "}";
                first = false;
            }
            out.push_back(wrap(c, b + "]}"));
        }
        return out;
    }

  private:
    static binance_error rate_limited() {
        return {429, -1003,
                "Too many requests; current limit of IP(127.0.0.1) is 6000 requests per "
                "minute. Please use WebSocket Streams for live updates to avoid polling the API."};
    }

    std::string wrap(const sim_client& c, const std::string& event) const {
        if (c.path == "/ws-api/v3") {
            return "{\"subscriptionId\":" + std::to_string(c.user_subscription) +
                   ",\"event\":" + event + "}";
        }
        return event;
    }

    static std::string ws_error(const std::string& id, const binance_error& e) {
        return "{\"id\":" + id + ",\"status\":" + std::to_string(e.http) +
               ",\"error\":" + error_json(e) + "}";
    }

    std::optional<sim_http_reply> reply(sim_context& ctx, sim_http_reply r, int weight) {
        const std::int64_t minute = ctx.now_ms() / 60000;
        if (minute != weight_minute_) {
            weight_minute_ = minute;
            weight_used_ = 0;
        }
        weight_used_ += weight;
        r.headers.emplace_back("X-MBX-USED-WEIGHT-1M", std::to_string(weight_used_));
        r.headers.emplace_back("X-MBX-ORDER-COUNT-10S",
                               std::to_string(orders_10s_[ctx.now_ms() / 10000]));
        r.headers.emplace_back("X-MBX-ORDER-COUNT-1D",
                               std::to_string(orders_1d_[ctx.now_ms() / 86400000]));
        return r;
    }

    /// "SIGNED (TRADE and USER_DATA) endpoint security" and "Timing security".
    std::optional<binance_error> authenticate(sim_context& ctx, const std::string& api_key,
                                              const params_t& params, std::string_view total,
                                              sim_account*& out, bool ws = false) {
        if (api_key.empty() || api_key.size() > 128 ||
            !std::all_of(api_key.begin(), api_key.end(),
                         [](unsigned char ch) { return std::isalnum(ch) != 0; })) {
            return binance_error{401, -2014, "API-key format invalid."};
        }
        sim_account* a = ctx.orders()->account(api_key);
        if (a == nullptr) {
            return binance_error{401, -2015, "Invalid API-key, IP, or permissions for action."};
        }
        const auto sig = param(params, "signature");
        if (!sig || sig->empty()) {
            return mandatory("signature");
        }
        const auto ts_text = param(params, "timestamp");
        std::int64_t ts = 0;
        if (!ts_text ||
            std::from_chars(ts_text->data(), ts_text->data() + ts_text->size(), ts).ec !=
                std::errc{}) {
            return mandatory("timestamp");
        }
        std::int64_t window = 5000;
        if (const auto w = param(params, "recvWindow")) {
            if (std::from_chars(w->data(), w->data() + w->size(), window).ec != std::errc{} ||
                window <= 0) {
                return mandatory("recvWindow");
            }
            if (window > 60000) {
                return binance_error{400, -1131, "recvWindow must be less than 60000"};
            }
        }
        // The signed payload: everything before "signature=" (REST), or the sorted params (WS).
        std::string payload(total);
        if (!ws) {
            const auto at = payload.find("signature=");
            if (at != std::string::npos) {
                auto end = payload.find('&', at);
                std::size_t start = at;
                if (start > 0 && payload[start - 1] == '&') {
                    --start;
                } else if (end != std::string::npos) {
                    ++end; // "signature=..&rest": drop the separator after it
                }
                payload.erase(start, end == std::string::npos ? std::string::npos : end - start);
            }
        }
        bool valid = false;
        if (!a->config.secret.empty()) {
            valid = equal_signatures(binance_hmac_signature(a->config.secret.value(), payload),
                                     lower(*sig));
        } else if (const auto raw = base64_decode(*sig); raw && raw->size() == 64) {
            valid = ed25519_verify(
                a->config.ed25519_public_pem, payload,
                std::span(reinterpret_cast<const std::uint8_t*>(raw->data()), raw->size()));
        }
        if (!valid) {
            return binance_error{400, -1022, "Signature for this request is not valid."};
        }
        const std::int64_t now = ctx.now_ms();
        if (ts >= now + 1000) {
            return binance_error{400, -1021,
                                 "Timestamp for this request was 1000ms ahead of the server's "
                                 "time."};
        }
        if (now - ts > window) {
            return binance_error{400, -1021,
                                 "Timestamp for this request is outside of the recvWindow."};
        }
        out = a;
        return std::nullopt;
    }

    /// What a WebSocket API request signs: its params other than signature, sorted by name,
    /// as key=value&...
    static std::string signed_payload(const params_t& params) {
        params_t sorted = params;
        std::erase_if(sorted, [](const auto& kv) { return kv.first == "signature"; });
        std::sort(sorted.begin(), sorted.end());
        std::string payload;
        for (const auto& [k, v] : sorted) {
            payload += (payload.empty() ? "" : "&") + k + "=" + v;
        }
        return payload;
    }

    void logon(sim_context& ctx, sim_client& c, const std::string& id, const params_t& params) {
        // session.logon takes Ed25519 keys only ("Session authentication").
        const std::string key = param(params, "apiKey").value_or("");
        sim_account* a = ctx.orders()->account(key);
        if (a != nullptr && a->config.ed25519_public_pem.empty()) {
            c.send(ws_error(id, {400, -4056, "HMAC_SHA256 API key is not supported."}));
            return;
        }
        sim_account* out = nullptr;
        if (auto err = authenticate(ctx, key, params, signed_payload(params), out, true)) {
            c.send(ws_error(id, *err));
            return;
        }
        c.api_key = key;
        logged_on_.insert(c.id);
        const auto now = std::to_string(ctx.now_ms());
        c.send("{\"id\":" + id + ",\"status\":200,\"result\":{\"apiKey\":" + quote(key) +
               ",\"authorizedSince\":" + now + ",\"connectedSince\":" + now +
               ",\"returnRateLimits\":false,\"serverTime\":" + now + ",\"userDataStream\":false}}");
    }

    binance_error user_data_stream(sim_context& ctx, const sim_http_request& r, std::string& body) {
        const std::string key(r.header("x-mbx-apikey"));
        if (ctx.orders() == nullptr || ctx.orders()->account(key) == nullptr) {
            return {401, -2015, "Invalid API-key, IP, or permissions for action."};
        }
        if (r.method == "POST") {
            std::string lk = "simListenKey" + std::to_string(next_listen_key_++);
            lk.append(60 - lk.size(), '0');
            listen_keys_[lk] = key;
            body = "{\"listenKey\":" + quote(lk) + "}";
            return {};
        }
        const auto lk = param(form_params(r.query), "listenKey")
                            .value_or(param(form_params(r.body), "listenKey").value_or(""));
        const auto it = listen_keys_.find(lk);
        if (lk.empty()) {
            return mandatory("listenKey");
        }
        if (it == listen_keys_.end() || it->second != key) {
            return {400, -1125, "This listenKey does not exist."};
        }
        if (r.method == "DELETE") {
            for (sim_client* c : ctx.connections()) {
                if (c->path == "/ws/" + lk) {
                    c->close();
                }
            }
            listen_keys_.erase(it);
        }
        body = "{}";
        return {};
    }

    sim_http_reply user_data_stream(sim_context& ctx, const sim_http_request& r) {
        std::string body;
        const auto e = user_data_stream(ctx, r, body);
        if (e.code != 0) {
            return {e.http, error_json(e)};
        }
        return {200, body};
    }

    const instrument_spec* spec_of(sim_context& ctx, const params_t& params,
                                   std::optional<binance_error>& err) {
        const auto sym = param(params, "symbol");
        if (!sym || sym->empty()) {
            err = mandatory("symbol");
            return nullptr;
        }
        const auto* s = ctx.spec("binance", *sym);
        if (s == nullptr) {
            err = binance_error{400, -1121, "Invalid symbol."};
        }
        return s;
    }

    std::variant<binance_error, std::string> dispatch(sim_context& ctx, sim_account& a,
                                                      const std::string& method,
                                                      std::string_view path, const params_t& params,
                                                      std::uint64_t request_no) {
        if (path == "/api/v3/account") {
            return account(ctx, a);
        }
        if (path == "/api/v3/openOrders") {
            const auto sym = param(params, "symbol");
            std::string out = "[";
            for (const auto& o : a.orders) {
                if (sim_order_open(o.status) && (!sym || o.symbol == *sym)) {
                    out += (out.size() > 1 ? "," : "") + order_json(o, false);
                }
            }
            return out + "]";
        }
        std::optional<binance_error> err;
        const auto* spec = spec_of(ctx, params, err);
        if (spec == nullptr) {
            return *err;
        }
        if (path == "/api/v3/myTrades") {
            const auto oid = param(params, "orderId");
            std::string out = "[";
            for (const auto& t : a.trades) {
                if (t.symbol != spec->symbol || (oid && std::to_string(t.order_id) != *oid)) {
                    continue;
                }
                out += (out.size() > 1 ? "," : "") + std::string("{\"symbol\":") + quote(t.symbol) +
                       ",\"id\":" + std::to_string(t.id) +
                       ",\"orderId\":" + std::to_string(t.order_id) +
                       ",\"orderListId\":-1,\"price\":" + dec8(t.price) +
                       ",\"qty\":" + dec8(t.qty) + ",\"quoteQty\":" + dec8(t.quote_qty) +
                       ",\"commission\":" + dec8(t.fee) +
                       ",\"commissionAsset\":" + quote(t.fee_asset) +
                       ",\"time\":" + std::to_string(t.time_ms) +
                       ",\"isBuyer\":" + (t.side == sim_side::buy ? "true" : "false") +
                       ",\"isMaker\":" + (t.maker ? "true" : "false") + ",\"isBestMatch\":true}";
            }
            return out + "]";
        }
        // /api/v3/order
        if (method == "POST") {
            return place(ctx, a, *spec, params, request_no);
        }
        const auto oid_text = param(params, "orderId");
        const auto cid = param(params, "origClientOrderId");
        std::uint64_t oid = 0;
        if (oid_text &&
            std::from_chars(oid_text->data(), oid_text->data() + oid_text->size(), oid).ec !=
                std::errc{}) {
            return mandatory("orderId");
        }
        if (oid == 0 && (!cid || cid->empty())) {
            return binance_error{400, -1102,
                                 "Param 'origClientOrderId' or 'orderId' must be sent, but both "
                                 "were empty/null!"};
        }
        if (method == "GET") {
            sim_order* o = oid != 0 ? a.find(oid) : a.find_client(*cid);
            if (o == nullptr || o->symbol != spec->symbol) {
                return binance_error{400, -2013, "Order does not exist."};
            }
            return order_json(*o, false);
        }
        if (method == "DELETE") {
            const auto res = ctx.orders()->cancel(a, spec->symbol, oid, cid.value_or(""),
                                                  ctx.now_ms(), request_no);
            if (res.reject != sim_reject::none) {
                return binance_error{400, -2011, "Unknown order sent."};
            }
            std::string cancel_id = param(params, "newClientOrderId")
                                        .value_or("sim-cancel-" + std::to_string(res.order->id));
            cancel_ids_[res.order->id] = cancel_id;
            std::string out = order_json(*res.order, false);
            // The cancel's reply names the original id and the cancel's own ("Cancel order").
            out = "{\"symbol\":" + quote(res.order->symbol) +
                  ",\"origClientOrderId\":" + quote(res.order->client_id) +
                  ",\"orderId\":" + std::to_string(res.order->id) +
                  ",\"orderListId\":-1,\"clientOrderId\":" + quote(cancel_id) +
                  ",\"transactTime\":" + std::to_string(ctx.now_ms()) + "," +
                  body_fields(*res.order) + "}";
            return out;
        }
        return binance_error{405, -1000, "An unknown error occurred while processing the request."};
    }

    std::variant<binance_error, std::string> place(sim_context& ctx, sim_account& a,
                                                   const instrument_spec& spec,
                                                   const params_t& params,
                                                   std::uint64_t request_no) {
        sim_new_order n;
        n.feed = "binance";
        n.spec = &spec;
        const auto side = param(params, "side");
        if (!side) {
            return mandatory("side");
        }
        if (*side == "BUY") {
            n.side = sim_side::buy;
        } else if (*side == "SELL") {
            n.side = sim_side::sell;
        } else {
            return binance_error{400, -1117, "Invalid side."};
        }
        const auto type = param(params, "type");
        if (!type) {
            return mandatory("type");
        }
        const auto tif = param(params, "timeInForce");
        const auto price = param(params, "price");
        const auto qty = param(params, "quantity");
        const auto quote_qty = param(params, "quoteOrderQty");
        if (*type == "LIMIT" || *type == "LIMIT_MAKER") {
            n.type = sim_order_type::limit;
            if (*type == "LIMIT_MAKER") {
                n.tif = sim_tif::post_only;
            } else if (!tif) {
                return mandatory("timeInForce");
            } else if (*tif == "GTC") {
                n.tif = sim_tif::gtc;
            } else if (*tif == "IOC") {
                n.tif = sim_tif::ioc;
            } else if (*tif == "FOK") {
                n.tif = sim_tif::fok;
            } else {
                return binance_error{400, -1115, "Invalid timeInForce."};
            }
            if (!price) {
                return mandatory("price");
            }
            if (!qty) {
                return mandatory("quantity");
            }
        } else if (*type == "MARKET") {
            n.type = sim_order_type::market;
            if (!qty && !quote_qty) {
                return binance_error{400, -1102,
                                     "Param 'quantity' or 'quoteOrderQty' must be sent, but both "
                                     "were empty/null!"};
            }
        } else {
            return binance_error{400, -1116, "Invalid orderType."};
        }
        if (price) {
            const auto d = sim_decimal::parse(*price);
            if (!d) {
                return binance_error{400, -1100,
                                     "Illegal characters found in parameter 'price'; legal "
                                     "range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'."};
            }
            n.price = *d;
        }
        if (qty) {
            const auto d = sim_decimal::parse(*qty);
            if (!d) {
                return binance_error{400, -1100,
                                     "Illegal characters found in parameter 'quantity'; legal "
                                     "range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'."};
            }
            n.qty = *d;
        } else if (quote_qty) {
            const auto d = sim_decimal::parse(*quote_qty);
            if (!d) {
                return mandatory("quoteOrderQty");
            }
            n.quote_qty = *d;
        }
        n.client_id = param(params, "newClientOrderId").value_or("");
        if (n.client_id.empty()) {
            n.client_id = "sim" + std::to_string(ctx.now_ms()) + "n" + std::to_string(request_no);
        }
        const auto res = ctx.orders()->place(a, n, ctx.now_ms(), request_no);
        switch (res.reject) {
        case sim_reject::none:
            break;
        case sim_reject::unknown_symbol:
            return binance_error{400, -1121, "Invalid symbol."};
        case sim_reject::bad_quantity:
            return binance_error{400, -1013, "Filter failure: LOT_SIZE"};
        case sim_reject::bad_price:
            return binance_error{400, -1013, "Filter failure: PRICE_FILTER"};
        case sim_reject::min_notional:
            return binance_error{400, -1013, "Filter failure: NOTIONAL"};
        case sim_reject::insufficient_balance:
            return binance_error{400, -2010,
                                 "Account has insufficient balance for requested action."};
        case sim_reject::duplicate_client_id:
            return binance_error{400, -2010, "Duplicate order sent."};
        case sim_reject::would_take:
            return binance_error{400, -2010, "Order would immediately match and take."};
        case sim_reject::book_not_ready:
        case sim_reject::no_liquidity:
            return binance_error{400, -2010,
                                 "Order book liquidity is less than LOT_SIZE filter minimum "
                                 "quantity."};
        default:
            return binance_error{400, -2010, std::string(to_string(res.reject))};
        }
        const sim_order& o = *res.order;
        const std::string resp = param(params, "newOrderRespType").value_or("FULL");
        std::string out = "{\"symbol\":" + quote(o.symbol) +
                          ",\"orderId\":" + std::to_string(o.id) +
                          ",\"orderListId\":-1,\"clientOrderId\":" + quote(o.client_id) +
                          ",\"transactTime\":" + std::to_string(o.created_ms);
        if (resp == "ACK") {
            return out + "}";
        }
        out += "," + body_fields(o) + ",\"workingTime\":" + std::to_string(o.created_ms) +
               ",\"selfTradePreventionMode\":\"EXPIRE_MAKER\"";
        if (resp == "FULL") {
            out += ",\"fills\":[";
            bool first = true;
            for (const auto& t : a.trades) {
                if (t.order_id == o.id) {
                    out += std::string(first ? "" : ",") + "{\"price\":" + dec8(t.price) +
                           ",\"qty\":" + dec8(t.qty) + ",\"commission\":" + dec8(t.fee) +
                           ",\"commissionAsset\":" + quote(t.fee_asset) +
                           ",\"tradeId\":" + std::to_string(t.id) + "}";
                    first = false;
                }
            }
            out += "]";
        }
        return out + "}";
    }

    static std::string body_fields(const sim_order& o) {
        return "\"price\":" + dec8(o.price) + ",\"origQty\":" + dec8(o.qty) +
               ",\"executedQty\":" + dec8(o.filled) +
               ",\"cummulativeQuoteQty\":" + dec8(o.filled_quote) +
               ",\"status\":" + quote(status_of(o.status)) +
               ",\"timeInForce\":" + quote(tif_of(o)) + ",\"type\":" + quote(type_of(o)) +
               ",\"side\":" + quote(o.side == sim_side::buy ? "BUY" : "SELL");
    }

    static std::string order_json(const sim_order& o, bool) {
        return "{\"symbol\":" + quote(o.symbol) + ",\"orderId\":" + std::to_string(o.id) +
               ",\"orderListId\":-1,\"clientOrderId\":" + quote(o.client_id) + "," +
               body_fields(o) +
               ",\"stopPrice\":\"0.00000000\",\"icebergQty\":\"0.00000000\",\"time\":" +
               std::to_string(o.created_ms) + ",\"updateTime\":" + std::to_string(o.updated_ms) +
               ",\"isWorking\":true,\"workingTime\":" + std::to_string(o.created_ms) +
               ",\"origQuoteOrderQty\":\"0.00000000\",\"selfTradePreventionMode\":\"EXPIRE_"
               "MAKER\"}";
    }

    std::string account(sim_context& ctx, const sim_account& a) {
        const auto bps = [](const sim_decimal& d) {
            return quote((d * *sim_decimal::parse("0.0001")).str(8));
        };
        std::string out = "{\"makerCommission\":" + a.maker_bps.truncate(0).str() +
                          ",\"takerCommission\":" + a.taker_bps.truncate(0).str() +
                          ",\"buyerCommission\":0,\"sellerCommission\":0,\"commissionRates\":{"
                          "\"maker\":" +
                          bps(a.maker_bps) + ",\"taker\":" + bps(a.taker_bps) +
                          ",\"buyer\":\"0.00000000\",\"seller\":\"0.00000000\"},"
                          "\"canTrade\":true,\"canWithdraw\":false,\"canDeposit\":false,"
                          "\"brokered\":false,\"requireSelfTradePrevention\":false,"
                          "\"preventSor\":false,\"updateTime\":" +
                          std::to_string(ctx.now_ms()) + ",\"accountType\":\"SPOT\",\"balances\":[";
        bool first = true;
        for (const auto& [asset, b] : a.balances) {
            out += std::string(first ? "" : ",") + "{\"asset\":" + quote(asset) +
                   ",\"free\":" + dec8(b.free) + ",\"locked\":" + dec8(b.locked) + "}";
            first = false;
        }
        return out + "],\"permissions\":[\"SPOT\"],\"uid\":1}";
    }

    std::string execution_report(const sim_event& e) const {
        const sim_order& o = e.order;
        std::string_view x = "NEW";
        switch (e.kind) {
        case sim_event_kind::accepted:
            x = "NEW";
            break;
        case sim_event_kind::trade:
            x = "TRADE";
            break;
        case sim_event_kind::canceled:
            x = "CANCELED";
            break;
        case sim_event_kind::expired:
            x = "EXPIRED";
            break;
        case sim_event_kind::amended:
            x = "REPLACED";
            break;
        case sim_event_kind::rejected:
            x = "REJECTED";
            break;
        }
        std::string c = o.client_id;
        std::string orig;
        if (e.kind == sim_event_kind::canceled) {
            const auto it = cancel_ids_.find(o.id);
            orig = o.client_id;
            if (it != cancel_ids_.end()) {
                c = it->second; // "c" is the cancel's id, "C" the order's ("executionReport")
            }
        }
        const auto& t = e.trade;
        const std::int64_t when = t ? t->time_ms : o.updated_ms;
        return "{\"e\":\"executionReport\",\"E\":" + std::to_string(when) +
               ",\"s\":" + quote(o.symbol) + ",\"c\":" + quote(c) +
               ",\"S\":" + quote(o.side == sim_side::buy ? "BUY" : "SELL") +
               ",\"o\":" + quote(type_of(o)) + ",\"f\":" + quote(tif_of(o)) +
               ",\"q\":" + dec8(o.qty) + ",\"p\":" + dec8(o.price) +
               ",\"P\":\"0.00000000\",\"F\":\"0.00000000\",\"g\":-1,\"C\":" + quote(orig) +
               ",\"x\":" + quote(x) + ",\"X\":" + quote(status_of(o.status)) +
               ",\"r\":\"NONE\",\"i\":" + std::to_string(o.id) +
               ",\"l\":" + dec8(t ? t->qty : sim_decimal{}) + ",\"z\":" + dec8(o.filled) +
               ",\"L\":" + dec8(t ? t->price : sim_decimal{}) +
               ",\"n\":" + dec8(t ? t->fee : sim_decimal{}) +
               ",\"N\":" + (t ? quote(t->fee_asset) : std::string("null")) +
               ",\"T\":" + std::to_string(when) +
               ",\"t\":" + (t ? std::to_string(t->id) : std::string("-1")) +
               ",\"I\":0,\"w\":" + (sim_order_open(o.status) ? "true" : "false") +
               ",\"m\":" + (t && t->maker ? "true" : "false") +
               ",\"M\":false,\"O\":" + std::to_string(o.created_ms) +
               ",\"Z\":" + dec8(o.filled_quote) +
               ",\"Y\":" + dec8(t ? t->quote_qty : sim_decimal{}) +
               ",\"Q\":\"0.00000000\",\"W\":" + std::to_string(o.created_ms) +
               ",\"V\":\"EXPIRE_MAKER\"}";
    }

    simdjson::dom::parser parser_;
    std::unordered_map<std::string, std::string> listen_keys_; ///< listenKey -> api key
    std::unordered_map<std::uint64_t, std::string> cancel_ids_;
    std::uint64_t next_listen_key_ = 1;
    std::uint64_t next_subscription_ = 0;
    std::unordered_set<std::uint64_t> logged_on_; ///< connections after session.logon
    std::int64_t weight_minute_ = -1;
    std::int64_t weight_used_ = 0;
    std::unordered_map<std::int64_t, std::uint64_t> orders_10s_;
    std::unordered_map<std::int64_t, std::uint64_t> orders_1d_;
};

} // namespace

std::unique_ptr<sim_private_api> make_binance_private() {
    return std::make_unique<binance_private>();
}

// ---- shared by the private APIs -------------------------------------------------------------

std::string url_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char ch = s[i];
        if (ch == '+') {
            out.push_back(' ');
        } else if (ch == '%' && i + 2 < s.size() + 0 &&
                   std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
                   std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out.push_back(
                static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(ch);
        }
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> form_params(std::string_view s) {
    std::vector<std::pair<std::string, std::string>> out;
    while (!s.empty()) {
        const auto amp = s.find('&');
        const std::string_view item = s.substr(0, amp);
        if (!item.empty()) {
            const auto eq = item.find('=');
            out.emplace_back(url_decode(item.substr(0, eq)), eq == std::string_view::npos
                                                                 ? std::string()
                                                                 : url_decode(item.substr(eq + 1)));
        }
        if (amp == std::string_view::npos) {
            break;
        }
        s.remove_prefix(amp + 1);
    }
    return out;
}

std::optional<std::string> param(const std::vector<std::pair<std::string, std::string>>& params,
                                 std::string_view key) {
    for (const auto& [k, v] : params) {
        if (k == key) {
            return v;
        }
    }
    return std::nullopt;
}

} // namespace ballast::exec
