// Bybit v5 order entry (REST) as sim-venue serves it. Docs (bybit-exchange/docs, v5):
// "Integration Guidance" (X-BAPI-API-KEY, X-BAPI-TIMESTAMP, X-BAPI-SIGN, X-BAPI-RECV-WINDOW
// default 5000; the signed text timestamp + key + recv_window + query string or JSON body; a
// request is valid when server_time - recv_window <= timestamp < server_time + 1000), "Error
// Codes" (10002, 10003, 10004, 10006, 110001, 110072, 170131, ...), Trade: "Place Order"
// /v5/order/create, "Cancel Order", "Amend Order", "Get Open & Closed Orders"
// /v5/order/realtime, "Get Order History", Position "Get Trade History" /v5/execution/list,
// Account "Get Wallet Balance", "Get Account Info", User "Get API Key Information".
// WebSocket (v5 "WebSocket Connect": op auth with [key, expires, hex(HMAC(secret,
// "GET/realtime" + expires))], op ping; "Websocket Trade Guideline": /v5/trade order.create,
// order.amend, order.cancel with reqId, header X-BAPI-TIMESTAMP / X-BAPI-RECV-WINDOW, replies
// reqId/retCode/retMsg/op/data/retExtInfo/header/connId, codes 10001, 10004, 10404, 20001,
// 20006; private "Order" and "Execution" topics on /v5/private). Private-stream auth failures
// carry the venue's ret_msg as observed ("Params Error" for an expired request).
#include "exec/signing.hpp"
#include "exec/sim_venue_json.hpp"
#include "exec/sim_venue_private.hpp"

#include <unordered_map>
#include <unordered_set>

namespace ballast::exec {

namespace {

using namespace simj;

struct bybit_error {
    int code = 0;
    std::string msg;
};

std::string_view status_of(const sim_order& o) {
    switch (o.status) {
    case sim_order_status::open:
        return "New";
    case sim_order_status::partially_filled:
        return "PartiallyFilled";
    case sim_order_status::filled:
        return "Filled";
    case sim_order_status::canceled:
    case sim_order_status::expired:
        return o.filled.is_zero() ? "Cancelled" : "PartiallyFilledCanceled";
    case sim_order_status::rejected:
        return "Rejected";
    }
    return "New";
}

std::string_view tif_of(const sim_order& o) {
    switch (o.tif) {
    case sim_tif::ioc:
        return "IOC";
    case sim_tif::fok:
        return "FOK";
    case sim_tif::post_only:
        return "PostOnly";
    default:
        return "GTC";
    }
}

class bybit_private final : public sim_private_api {
  public:
    sim_venue_rules rules() const override {
        sim_venue_rules r;
        r.taker_bps = sim_decimal::from_int(10); // non-VIP spot 0.1% / 0.1%
        r.maker_bps = sim_decimal::from_int(10);
        r.client_id_unique_forever = true; // orderLinkId: 110072 for any order it remembers
        return r;
    }

    std::optional<sim_http_reply> on_request(sim_context& ctx, const sim_http_request& r) override {
        const std::string_view p = r.path;
        const bool trade =
            p == "/v5/order/create" || p == "/v5/order/cancel" || p == "/v5/order/amend";
        if (!trade && p != "/v5/order/realtime" && p != "/v5/order/history" &&
            p != "/v5/execution/list" && p != "/v5/account/wallet-balance" &&
            p != "/v5/account/info" && p != "/v5/user/query-api") {
            return std::nullopt;
        }
        sim_order_faults faults;
        if (trade) {
            faults = ctx.order_request();
            if (faults.rate_limit) {
                return envelope(ctx, {10006, "Too many visits. Exceeded the API Rate Limit."},
                                "{}");
            }
        }
        sim_account* a = nullptr;
        const std::string payload = r.method == "GET" ? r.query : r.body;
        if (auto err = authenticate(ctx, r, payload, a)) {
            return envelope(ctx, *err, "{}");
        }
        params_t params;
        if (r.method == "GET") {
            params = form_params(r.query);
        } else {
            element root;
            simdjson::dom::object obj;
            if (parse(parser_, r.body, root) || root.get(obj)) {
                return envelope(ctx, {10001, "Request parameter error."}, "{}");
            }
            for (auto [k, v] : obj) {
                std::string_view sv;
                params.emplace_back(std::string(k), v.get(sv) ? to_json(v) : std::string(sv));
            }
        }
        bybit_error err;
        std::string result = dispatch(ctx, *a, p, params, faults.request_no, err);
        auto out = envelope(ctx, err, err.code == 0 ? result : "{}");
        if (faults.drop_ack || faults.close) {
            out.drop = true;
        }
        ctx.publish();
        return out;
    }

    bool on_open(sim_context&, sim_client& c) override {
        return c.path == private_path || c.path == trade_path;
    }

    void on_message(sim_context& ctx, sim_client& c, std::string_view text) override {
        if (c.path == trade_path) {
            trade_message(ctx, c, text);
        } else {
            private_message(ctx, c, text);
        }
    }

    /// "Order" and "Execution" pushes to an authenticated /v5/private connection subscribed to
    /// the topic (all-in-one "order" or the category's "order.spot").
    std::vector<std::string> on_event(sim_context& ctx, sim_client& c,
                                      const sim_event& e) override {
        if (!c.user_stream || c.path != private_path) {
            return {};
        }
        const std::string category = e.order.feed == "bybit_linear" ? "linear" : "spot";
        const auto subscribed = [&](std::string_view topic) {
            for (const auto& t : c.private_topics) {
                if (t == topic || t == std::string(topic) + "." + category) {
                    return true;
                }
            }
            return false;
        };
        std::vector<std::string> out;
        const std::string now = std::to_string(ctx.now_ms());
        if (e.trade && subscribed("execution")) {
            const sim_account* a = ctx.orders()->account(e.api_key);
            out.push_back("{\"topic\":\"execution\",\"id\":" +
                          quote(sim_connection_id(c) + "-" + std::to_string(++push_id_)) +
                          ",\"creationTime\":" + now + ",\"data\":[" +
                          execution_json(*e.trade, e.order, category, a) + "]}");
        }
        if (subscribed("order")) {
            out.push_back("{\"topic\":\"order\",\"id\":" +
                          quote(sim_connection_id(c) + "-" + std::to_string(++push_id_)) +
                          ",\"creationTime\":" + now + ",\"data\":[" +
                          order_json(e.order, category) + "]}");
        }
        return out;
    }

  private:
    using params_t = std::vector<std::pair<std::string, std::string>>;
    static constexpr std::string_view private_path = "/v5/private";
    static constexpr std::string_view trade_path = "/v5/trade";

    /// The auth args [key, expires, signature]; an error (code, message) or the account.
    std::optional<bybit_error> ws_auth(sim_context& ctx, simdjson::dom::array args,
                                       sim_account*& out) {
        std::string_view key;
        std::string_view sig;
        element expires_v;
        if (args.size() != 3 || args.at(0).get(key) || args.at(1).get(expires_v) ||
            args.at(2).get(sig)) {
            return bybit_error{10001, "Params Error"};
        }
        std::string_view expires_sv;
        const std::string expires =
            expires_v.get(expires_sv) ? to_json(expires_v) : std::string(expires_sv);
        std::int64_t expires_ms = 0;
        if (std::from_chars(expires.data(), expires.data() + expires.size(), expires_ms).ec !=
            std::errc{}) {
            return bybit_error{10001, "Params Error"};
        }
        sim_account* a = ctx.orders() ? ctx.orders()->account(key) : nullptr;
        if (a == nullptr) {
            return bybit_error{10003, "API key is invalid."};
        }
        if (a->config.secret.empty() ||
            !equal_signatures(bybit_ws_signature(a->config.secret.value(), expires), lower(sig))) {
            return bybit_error{10004,
                               "Error sign, please check your signature generation algorithm."};
        }
        // "expires ... is greater than your current timestamp".
        if (expires_ms <= ctx.now_ms()) {
            return bybit_error{10002, "Params Error"};
        }
        out = a;
        return std::nullopt;
    }

    /// /v5/private: auth, subscribe / unsubscribe private topics (the market-data protocol
    /// answered malformed requests and ping in the same envelope).
    void private_message(sim_context& ctx, sim_client& c, std::string_view text) {
        const std::string conn = ",\"conn_id\":\"sim-" + sim_connection_id(c) + "\"";
        element root;
        std::string_view op;
        element req_id;
        if (parse(parser_, text, root) || root["op"].get(op)) {
            return;
        }
        const std::string req =
            root["req_id"].get(req_id) ? std::string() : "\"req_id\":" + to_json(req_id) + ",";
        const auto reply = [&](bool ok, std::string_view msg) {
            c.send("{" + req + "\"success\":" + (ok ? "true" : "false") +
                   ",\"ret_msg\":" + quote(msg) + ",\"op\":" + quote(op) + conn + "}");
        };
        simdjson::dom::array args;
        if (op == "auth") {
            if (!c.api_key.empty()) {
                reply(false, "Repeat auth");
                return;
            }
            sim_account* a = nullptr;
            if (root["args"].get(args)) {
                reply(false, "Params Error");
                return;
            }
            if (const auto err = ws_auth(ctx, args, a)) {
                // The private stream answers with ret_msg only: an expired request reads
                // "Params Error"; key and signature failures name themselves.
                reply(false, err->code == 10002   ? "Params Error"
                             : err->code == 10003 ? "error:invalid api key"
                             : err->code == 10004 ? "error:signature verification failed"
                                                  : err->msg);
                return;
            }
            c.api_key = a->config.api_key;
            c.user_stream = true;
            reply(true, "");
            return;
        }
        if (op != "subscribe" && op != "unsubscribe") {
            reply(false, "error:handler not found,op:" + std::string(op));
            return;
        }
        if (root["args"].get(args)) {
            reply(false, "error:args must be topics");
            return;
        }
        std::vector<std::string> topics;
        for (auto t : args) {
            std::string_view topic;
            if (t.get(topic)) {
                reply(false, "error:args must be topics");
                return;
            }
            const std::string_view base = topic.substr(0, topic.find('.'));
            const std::string_view cat =
                base.size() == topic.size() ? std::string_view{} : topic.substr(base.size() + 1);
            const bool known = base == "execution" || base == "order" || base == "position" ||
                               base == "wallet" || base == "greeks" || base == "dcp";
            if (!known || (!cat.empty() && cat != "spot" && cat != "linear" && cat != "inverse" &&
                           cat != "option")) {
                reply(false, "error:handler not found,topic:" + std::string(topic));
                return;
            }
            topics.emplace_back(topic);
        }
        if (c.api_key.empty()) {
            reply(false, "Request not authorized"); // private topics need auth first
            return;
        }
        for (auto& t : topics) {
            std::erase(c.private_topics, t);
            if (op == "subscribe") {
                c.private_topics.push_back(std::move(t));
            }
        }
        reply(true, "");
    }

    /// One reply on /v5/trade ("Websocket Trade Guideline": Create/Amend/Cancel Order).
    static std::string trade_reply(const sim_client& c, const std::string& req, std::string_view op,
                                   const bybit_error& e, const std::string& data,
                                   const std::string& header) {
        return "{" + req + "\"retCode\":" + std::to_string(e.code) +
               ",\"retMsg\":" + quote(e.code == 0 ? "OK" : e.msg) + ",\"op\":" + quote(op) +
               ",\"data\":" + data + ",\"retExtInfo\":{}" + header +
               ",\"connId\":" + quote("sim-" + sim_connection_id(c)) + "}";
    }

    /// The per-op limit header: requests of this key and op in the current second against the
    /// op's limit ("Rate Limit Rules": 20 per second for spot create/amend/cancel); 0 left and
    /// the reset at the next second when the request was refused for its rate.
    std::string limit_header(sim_context& ctx, const std::string& api_key, std::string_view op,
                             bool refused) {
        constexpr int limit = 20;
        const std::int64_t now = ctx.now_ms();
        auto& [second, used] = op_usage_[api_key + "/" + std::string(op)];
        if (second != now / 1000) {
            second = now / 1000;
            used = 0;
        }
        if (!refused) {
            ++used;
        }
        const int left = refused ? 0 : std::max(0, limit - used);
        const std::int64_t reset = refused || left == 0 ? (now / 1000 + 1) * 1000 : now;
        return ",\"header\":{\"X-Bapi-Limit\":\"" + std::to_string(limit) +
               "\",\"X-Bapi-Limit-Status\":\"" + std::to_string(left) +
               "\",\"X-Bapi-Limit-Reset-Timestamp\":\"" + std::to_string(reset) +
               "\",\"Traceid\":\"sim" + std::to_string(++trace_id_) + "\",\"Timenow\":\"" +
               std::to_string(now) + "\"}";
    }

    /// The reqIds of connections that closed are forgotten (a new connection's first request).
    void forget_closed_connections(sim_context& ctx) {
        std::unordered_set<std::uint64_t> open;
        for (const sim_client* c : ctx.connections()) {
            open.insert(c->id);
        }
        std::erase_if(trade_req_ids_, [&](const auto& kv) { return !open.contains(kv.first); });
    }

    /// /v5/trade: auth, ping, order.create / order.amend / order.cancel.
    void trade_message(sim_context& ctx, sim_client& c, std::string_view text) {
        element root;
        std::string_view op;
        if (parse(parser_, text, root) || !root.is_object()) {
            c.send(trade_reply(c, "", "", {10001, "Params Error: request is not JSON"}, "{}", ""));
            return;
        }
        if (root["op"].get(op)) {
            op = {};
        }
        std::string req;
        std::string req_key;
        element req_id;
        if (!root["reqId"].get(req_id)) {
            req_key = to_json(req_id);
            req = "\"reqId\":" + req_key + ",";
        }
        if (op == "ping") {
            c.send("{" + req + "\"retCode\":0,\"retMsg\":\"OK\",\"op\":\"pong\",\"data\":[\"" +
                   std::to_string(ctx.now_ms()) +
                   "\"],\"connId\":" + quote("sim-" + sim_connection_id(c)) + "}");
            return;
        }
        if (op == "auth") {
            bybit_error e;
            simdjson::dom::array args;
            sim_account* a = nullptr;
            if (!c.api_key.empty()) {
                e = {20001, "Repeat auth"};
            } else if (root["args"].get(args)) {
                e = {10001, "Params Error"};
            } else if (const auto err = ws_auth(ctx, args, a)) {
                e = *err;
            } else {
                c.api_key = a->config.api_key;
            }
            c.send("{" + req + "\"retCode\":" + std::to_string(e.code) +
                   ",\"retMsg\":" + quote(e.code == 0 ? "OK" : e.msg) +
                   ",\"op\":\"auth\",\"connId\":" + quote("sim-" + sim_connection_id(c)) + "}");
            return;
        }
        std::string path;
        if (op == "order.create") {
            path = "/v5/order/create";
        } else if (op == "order.amend") {
            path = "/v5/order/amend";
        } else if (op == "order.cancel") {
            path = "/v5/order/cancel";
        } else {
            c.send(trade_reply(c, req, op, {10404, "op type is not found: " + std::string(op)},
                               "{}", ""));
            return;
        }
        if (c.api_key.empty()) {
            c.send(trade_reply(c, req, op, {10001, "Request not authorized: send op auth first"},
                               "{}", ""));
            return;
        }
        if (!req_key.empty() && !trade_req_ids_.contains(c.id)) {
            forget_closed_connections(ctx);
        }
        if (!req_key.empty() && !trade_req_ids_[c.id].insert(req_key).second) {
            c.send(trade_reply(c, req, op, {20006, "reqId is duplicated"}, "{}", ""));
            return;
        }
        const sim_order_faults faults = ctx.order_request();
        if (faults.rate_limit) {
            c.send(trade_reply(c, req, op, {10006, "Too many visits. Exceeded the API Rate Limit."},
                               "{}", limit_header(ctx, c.api_key, op, true)));
            return;
        }
        if (faults.close) {
            c.close(); // processed below; nothing more reaches this connection
        }
        sim_account* a = ctx.orders()->account(c.api_key);
        bybit_error err;
        std::string data = "{}";
        simdjson::dom::element header;
        simdjson::dom::array args;
        simdjson::dom::object arg;
        std::string_view ts_text;
        std::string_view window_text;
        std::int64_t ts = 0;
        std::int64_t window = 0;
        if (root["header"].get(header) || header["X-BAPI-TIMESTAMP"].get(ts_text)) {
            err = {10001, "Timestamp is missing or invalid (X-BAPI-TIMESTAMP)."};
        } else if (header["X-BAPI-RECV-WINDOW"].error() != simdjson::NO_SUCH_FIELD &&
                   header["X-BAPI-RECV-WINDOW"].get(window_text)) {
            err = {10001, "recv_window is invalid (X-BAPI-RECV-WINDOW)."};
        } else if (auto e = parse_time(ts_text, window_text, ts, window)) {
            err = *e;
        } else if (auto e2 = check_window(ctx, ts_text, ts, window)) {
            err = *e2;
        } else if (root["args"].get(args) || args.size() != 1 || args.at(0).get(arg)) {
            err = {10001, "params error: args must hold one order object"};
        } else {
            params_t params;
            for (auto [k, v] : arg) {
                std::string_view sv;
                params.emplace_back(std::string(k), v.get(sv) ? to_json(v) : std::string(sv));
            }
            std::string result = dispatch(ctx, *a, path, params, faults.request_no, err);
            if (err.code == 0) {
                data = std::move(result);
            }
        }
        if (!faults.drop_ack) {
            c.send(trade_reply(c, req, op, err, data, limit_header(ctx, c.api_key, op, false)));
        }
        ctx.publish();
    }

    static sim_http_reply envelope(sim_context& ctx, const bybit_error& e,
                                   const std::string& result) {
        sim_http_reply out{
            200, "{\"retCode\":" + std::to_string(e.code) +
                     ",\"retMsg\":" + quote(e.code == 0 ? "OK" : e.msg) + ",\"result\":" + result +
                     ",\"retExtInfo\":{},\"time\":" + std::to_string(ctx.now_ms()) + "}"};
        out.headers.emplace_back("X-Bapi-Limit", "20");
        out.headers.emplace_back("X-Bapi-Limit-Status", "19");
        return out;
    }

    std::optional<bybit_error> authenticate(sim_context& ctx, const sim_http_request& r,
                                            const std::string& payload, sim_account*& out) {
        const std::string key(r.header("x-bapi-api-key"));
        sim_account* a = ctx.orders() ? ctx.orders()->account(key) : nullptr;
        if (a == nullptr) {
            return bybit_error{10003, "API key is invalid."};
        }
        const std::string ts_text(r.header("x-bapi-timestamp"));
        const std::string window_text(r.header("x-bapi-recv-window"));
        std::int64_t ts = 0;
        std::int64_t window = 0;
        if (auto e = parse_time(ts_text, window_text, ts, window)) {
            return e;
        }
        const std::string sig = lower(r.header("x-bapi-sign"));
        const std::string expected =
            bybit_rest_signature(a->config.secret.value(), ts_text, key, window_text, payload);
        if (a->config.secret.empty() || !equal_signatures(expected, sig)) {
            return bybit_error{10004,
                               "Error sign, please check your signature generation algorithm."};
        }
        if (auto e = check_window(ctx, ts_text, ts, window)) {
            return e;
        }
        out = a;
        return std::nullopt;
    }

    /// X-BAPI-TIMESTAMP and X-BAPI-RECV-WINDOW (default 5000) as numbers.
    static std::optional<bybit_error> parse_time(std::string_view ts_text,
                                                 std::string_view window_text, std::int64_t& ts,
                                                 std::int64_t& window) {
        if (ts_text.empty() ||
            std::from_chars(ts_text.data(), ts_text.data() + ts_text.size(), ts).ec !=
                std::errc{}) {
            return bybit_error{10001, "Timestamp is missing or invalid (X-BAPI-TIMESTAMP)."};
        }
        window = 5000;
        if (!window_text.empty() &&
            std::from_chars(window_text.data(), window_text.data() + window_text.size(), window)
                    .ec != std::errc{}) {
            return bybit_error{10001, "recv_window is invalid (X-BAPI-RECV-WINDOW)."};
        }
        return std::nullopt;
    }

    /// Valid when server_time - recv_window <= timestamp < server_time + 1000.
    static std::optional<bybit_error> check_window(sim_context& ctx, std::string_view ts_text,
                                                   std::int64_t ts, std::int64_t window) {
        const std::int64_t now = ctx.now_ms();
        if (!(now - window <= ts && ts < now + 1000)) {
            return bybit_error{10002, "invalid request, please check your server timestamp or "
                                      "recv_window param. req_timestamp[" +
                                          std::string(ts_text) + "],server_timestamp[" +
                                          std::to_string(now) + "],recv_window[" +
                                          std::to_string(window) + "]"};
        }
        return std::nullopt;
    }

    static std::string feed_of(std::string_view category) {
        if (category == "spot") {
            return "bybit_spot";
        }
        if (category == "linear") {
            return "bybit_linear";
        }
        return {};
    }

    std::string dispatch(sim_context& ctx, sim_account& a, std::string_view p,
                         const params_t& params, std::uint64_t request_no, bybit_error& err) {
        if (p == "/v5/user/query-api") {
            return "{\"id\":\"1\",\"note\":\"sim\",\"apiKey\":" + quote(a.config.api_key) +
                   ",\"readOnly\":0,\"secret\":\"\",\"permissions\":{\"ContractTrade\":[\"Order\","
                   "\"Position\"],\"Spot\":[\"SpotTrade\"],\"Wallet\":[],\"Options\":[],"
                   "\"Derivatives\":[],\"CopyTrading\":[],\"BlockTrade\":[],\"Exchange\":[],"
                   "\"NFT\":[]},\"ips\":[\"*\"],\"type\":1,\"deadlineDay\":-1,\"expiredAt\":\"\","
                   "\"createdAt\":\"\",\"unified\":0,\"uta\":1,\"userID\":1,\"inviterID\":0,"
                   "\"vipLevel\":\"No VIP\",\"mktMakerLevel\":\"0\",\"affiliateID\":0}";
        }
        if (p == "/v5/account/info") {
            return "{\"unifiedMarginStatus\":5,\"marginMode\":\"REGULAR_MARGIN\","
                   "\"isMasterTrader\":false,\"spotHedgingStatus\":\"OFF\",\"updatedTime\":\"" +
                   std::to_string(ctx.now_ms()) + "\"}";
        }
        if (p == "/v5/account/wallet-balance") {
            std::string coins;
            for (const auto& [asset, b] : a.balances) {
                const std::string total = (b.free + b.locked).str();
                coins += std::string(coins.empty() ? "" : ",") + "{\"coin\":" + quote(asset) +
                         ",\"equity\":" + quote(total) + ",\"walletBalance\":" + quote(total) +
                         ",\"locked\":" + quote(b.locked.str()) +
                         ",\"free\":" + quote(b.free.str()) +
                         ",\"availableToWithdraw\":" + quote(b.free.str()) +
                         ",\"usdValue\":\"\",\"unrealisedPnl\":\"0\",\"cumRealisedPnl\":\"0\","
                         "\"borrowAmount\":\"0\",\"accruedInterest\":\"0\",\"totalOrderIM\":\"0\","
                         "\"totalPositionIM\":\"0\",\"totalPositionMM\":\"0\",\"bonus\":\"0\","
                         "\"collateralSwitch\":true,\"marginCollateral\":true}";
            }
            return "{\"list\":[{\"accountType\":\"UNIFIED\",\"accountIMRate\":\"0\","
                   "\"accountMMRate\":\"0\",\"totalEquity\":\"0\",\"totalWalletBalance\":\"0\","
                   "\"totalMarginBalance\":\"0\",\"totalAvailableBalance\":\"0\","
                   "\"totalPerpUPL\":\"0\",\"totalInitialMargin\":\"0\","
                   "\"totalMaintenanceMargin\":\"0\",\"accountLTV\":\"0\",\"coin\":[" +
                   coins + "]}]}";
        }
        const std::string category = param(params, "category").value_or("");
        const std::string feed = feed_of(category);
        if (feed.empty()) {
            err = {10001, "Illegal category"};
            return {};
        }
        const std::string symbol = param(params, "symbol").value_or("");
        const instrument_spec* spec = symbol.empty() ? nullptr : ctx.spec(feed, symbol);
        if (p == "/v5/order/realtime" || p == "/v5/order/history") {
            const auto oid = param(params, "orderId");
            const auto link = param(params, "orderLinkId");
            const bool history = p == "/v5/order/history";
            std::string list;
            for (auto it = a.orders.rbegin(); it != a.orders.rend(); ++it) {
                const sim_order& o = *it;
                if (o.feed != feed || (!symbol.empty() && o.symbol != symbol) ||
                    (oid && std::to_string(o.id) != *oid) || (link && o.client_id != *link)) {
                    continue;
                }
                const bool by_id = oid || link;
                if (!by_id && sim_order_open(o.status) == history) {
                    continue; // realtime: open orders; history: closed ones
                }
                list += (list.empty() ? "" : ",") + order_json(o, category);
            }
            return "{\"list\":[" + list +
                   "],\"nextPageCursor\":\"\",\"category\":" + quote(category) + "}";
        }
        if (p == "/v5/execution/list") {
            const auto oid = param(params, "orderId");
            std::string list;
            for (auto it = a.trades.rbegin(); it != a.trades.rend(); ++it) {
                const sim_trade& t = *it;
                if (t.feed != feed || (!symbol.empty() && t.symbol != symbol) ||
                    (oid && std::to_string(t.order_id) != *oid)) {
                    continue;
                }
                list += std::string(list.empty() ? "" : ",") +
                        execution_json(t, *a.find(t.order_id), category, &a);
            }
            return "{\"list\":[" + list +
                   "],\"nextPageCursor\":\"\",\"category\":" + quote(category) + "}";
        }
        if (spec == nullptr) {
            err = symbol.empty() ? bybit_error{10001, "params error: symbol invalid"}
                                 : bybit_error{10001, "params error: symbol invalid"};
            return {};
        }
        const bool spot = category == "spot";
        const auto result = [](const sim_order& o) {
            return "{\"orderId\":" + quote(std::to_string(o.id)) +
                   ",\"orderLinkId\":" + quote(o.client_id) + "}";
        };
        if (p == "/v5/order/cancel" || p == "/v5/order/amend") {
            const auto oid = param(params, "orderId");
            std::uint64_t id = 0;
            if (oid &&
                std::from_chars(oid->data(), oid->data() + oid->size(), id).ec != std::errc{}) {
                err = {spot ? 170213 : 110001, "Order does not exist."};
                return {};
            }
            const std::string link = param(params, "orderLinkId").value_or("");
            if (id == 0 && link.empty()) {
                err = {10001, "params error: orderId or orderLinkId is required"};
                return {};
            }
            sim_order_result res;
            if (p == "/v5/order/cancel") {
                res = ctx.orders()->cancel(a, symbol, id, link, ctx.now_ms(), request_no);
            } else {
                std::optional<sim_decimal> q;
                std::optional<sim_decimal> px;
                if (const auto v = param(params, "qty")) {
                    q = sim_decimal::parse(*v);
                }
                if (const auto v = param(params, "price")) {
                    px = sim_decimal::parse(*v);
                }
                res = ctx.orders()->amend(a, symbol, id, link, q, px, ctx.now_ms(), request_no);
            }
            if (res.reject == sim_reject::unknown_order || res.reject == sim_reject::order_closed) {
                err = {spot ? 170213 : 110001, "Order does not exist."};
                return {};
            }
            if (res.reject != sim_reject::none) {
                err = {10001, "params error: " + std::string(to_string(res.reject))};
                return {};
            }
            return result(*res.order);
        }
        // /v5/order/create
        sim_new_order n;
        n.feed = feed;
        n.spec = spec;
        const std::string side = param(params, "side").value_or("");
        if (side != "Buy" && side != "Sell") {
            err = {10001, "params error: side invalid"};
            return {};
        }
        n.side = side == "Buy" ? sim_side::buy : sim_side::sell;
        const std::string type = param(params, "orderType").value_or("");
        if (type != "Limit" && type != "Market") {
            err = {10001, "params error: orderType invalid"};
            return {};
        }
        n.type = type == "Limit" ? sim_order_type::limit : sim_order_type::market;
        const std::string tif =
            param(params, "timeInForce").value_or(type == "Market" ? "IOC" : "GTC");
        if (tif == "GTC") {
            n.tif = sim_tif::gtc;
        } else if (tif == "IOC") {
            n.tif = sim_tif::ioc;
        } else if (tif == "FOK") {
            n.tif = sim_tif::fok;
        } else if (tif == "PostOnly") {
            n.tif = sim_tif::post_only;
        } else {
            err = {10001, "params error: timeInForce invalid"};
            return {};
        }
        const auto qty = sim_decimal::parse(param(params, "qty").value_or(""));
        if (!qty) {
            err = {10001, "params error: qty invalid"};
            return {};
        }
        // Spot market buys are in the quote coin unless marketUnit is baseCoin ("Place Order").
        if (spot && n.type == sim_order_type::market && n.side == sim_side::buy &&
            param(params, "marketUnit").value_or("quoteCoin") != "baseCoin") {
            n.quote_qty = *qty;
        } else {
            n.qty = *qty;
        }
        if (n.type == sim_order_type::limit) {
            const auto px = sim_decimal::parse(param(params, "price").value_or(""));
            if (!px) {
                err = {10001, "params error: price invalid"};
                return {};
            }
            n.price = *px;
        }
        n.client_id = param(params, "orderLinkId").value_or("");
        const auto res = ctx.orders()->place(a, n, ctx.now_ms(), request_no);
        switch (res.reject) {
        case sim_reject::none:
            return result(*res.order);
        case sim_reject::duplicate_client_id:
            err = {110072, "OrderLinkedID is duplicate"};
            break;
        case sim_reject::unknown_symbol:
            err = {10001, "params error: symbol invalid"};
            break;
        case sim_reject::insufficient_balance:
            err = spot ? bybit_error{170131, "Insufficient balance."}
                       : bybit_error{110007, "Insufficient available balance"};
            break;
        case sim_reject::bad_quantity:
            err = spot ? bybit_error{170137, "Order quantity has too many decimals."}
                       : bybit_error{10001, "Qty invalid"};
            break;
        case sim_reject::bad_price:
            err = spot ? bybit_error{170134, "Order price has too many decimals."}
                       : bybit_error{10001, "Price invalid"};
            break;
        case sim_reject::min_notional:
            err = spot ? bybit_error{170140, "Order value exceeded lower limit."}
                       : bybit_error{110094, "Order does not meet minimum order value"};
            break;
        default:
            err = {spot ? 170130 : 10001, "Data sent for paramter '" +
                                              std::string(to_string(res.reject)) +
                                              "' is not valid."};
            break;
        }
        return {};
    }

    /// One fill as "Get Trade History" lists it and the "Execution" topic pushes it; `o` the
    /// order as of the fill (leavesQty).
    static std::string execution_json(const sim_trade& t, const sim_order& o,
                                      const std::string& category, const sim_account* a) {
        const sim_decimal bps = a == nullptr ? sim_decimal{}
                                : t.maker    ? a->maker_bps
                                             : a->taker_bps;
        return "{\"category\":" + quote(category) + ",\"symbol\":" + quote(t.symbol) +
               ",\"orderId\":" + quote(std::to_string(t.order_id)) +
               ",\"orderLinkId\":" + quote(t.client_id) +
               ",\"side\":" + quote(t.side == sim_side::buy ? "Buy" : "Sell") +
               ",\"orderPrice\":" + quote(o.price.str()) + ",\"orderQty\":" + quote(o.qty.str()) +
               ",\"leavesQty\":" + quote(o.remaining().str()) +
               ",\"orderType\":" + quote(o.type == sim_order_type::market ? "Market" : "Limit") +
               ",\"stopOrderType\":\"\",\"execFee\":" + quote(t.fee.str()) +
               ",\"feeCurrency\":" + quote(t.fee_asset) +
               ",\"execId\":" + quote(std::to_string(t.id)) +
               ",\"execPrice\":" + quote(t.price.str()) + ",\"execQty\":" + quote(t.qty.str()) +
               ",\"execType\":\"Trade\",\"execValue\":" + quote(t.quote_qty.str()) +
               ",\"execTime\":" + quote(std::to_string(t.time_ms)) +
               ",\"isMaker\":" + (t.maker ? "true" : "false") +
               ",\"feeRate\":" + quote((bps * *sim_decimal::parse("0.0001")).str()) +
               ",\"tradeIv\":\"\",\"markIv\":\"\",\"markPrice\":\"\",\"indexPrice\":\"\","
               "\"underlyingPrice\":\"\",\"blockTradeId\":\"\",\"closedSize\":\"\","
               "\"isLeverage\":\"0\",\"seq\":" +
               std::to_string(t.id) + "}";
    }

    static std::string order_json(const sim_order& o, const std::string& category) {
        const std::string avg = o.filled.is_zero() ? "" : o.average_price().truncate(8).str();
        return "{\"category\":" + quote(category) + ",\"orderId\":" + quote(std::to_string(o.id)) +
               ",\"orderLinkId\":" + quote(o.client_id) +
               ",\"blockTradeId\":\"\",\"symbol\":" + quote(o.symbol) +
               ",\"price\":" + quote(o.price.str()) + ",\"qty\":" + quote(o.qty.str()) +
               ",\"side\":" + quote(o.side == sim_side::buy ? "Buy" : "Sell") +
               ",\"isLeverage\":\"\",\"positionIdx\":0,\"orderStatus\":" + quote(status_of(o)) +
               ",\"cancelType\":" +
               quote(o.status == sim_order_status::canceled && o.reason == sim_reject::none
                         ? "CancelByUser"
                         : "UNKNOWN") +
               ",\"rejectReason\":" +
               quote(o.reason == sim_reject::would_take ? "EC_PostOnlyWillTakeLiquidity"
                                                        : "EC_NoError") +
               ",\"avgPrice\":" + quote(avg) +
               ",\"leavesQty\":" + quote(sim_order_open(o.status) ? o.remaining().str() : "0") +
               ",\"leavesValue\":" +
               quote(sim_order_open(o.status) ? (o.remaining() * o.price).str() : "0") +
               ",\"cumExecQty\":" + quote(o.filled.str()) +
               ",\"cumExecValue\":" + quote(o.filled_quote.str()) +
               ",\"cumExecFee\":" + quote(o.fee.str()) + ",\"timeInForce\":" + quote(tif_of(o)) +
               ",\"orderType\":" + quote(o.type == sim_order_type::market ? "Market" : "Limit") +
               ",\"stopOrderType\":\"\",\"orderIv\":\"\",\"triggerPrice\":\"0\","
               "\"takeProfit\":\"0\",\"stopLoss\":\"0\",\"tpTriggerBy\":\"\",\"slTriggerBy\":\"\","
               "\"triggerDirection\":0,\"triggerBy\":\"\",\"lastPriceOnCreated\":\"\","
               "\"reduceOnly\":false,\"closeOnTrigger\":false,\"smpType\":\"None\","
               "\"smpGroup\":0,\"smpOrderId\":\"\",\"tpslMode\":\"\",\"tpLimitPrice\":\"\","
               "\"slLimitPrice\":\"\",\"placeType\":\"\",\"createdTime\":" +
               quote(std::to_string(o.created_ms)) +
               ",\"updatedTime\":" + quote(std::to_string(o.updated_ms)) + "}";
    }

    simdjson::dom::parser parser_;
    std::uint64_t push_id_ = 0;
    std::uint64_t trace_id_ = 0;
    /// key + '/' + op -> (second, requests in it): the trade replies' X-Bapi-Limit-Status.
    std::unordered_map<std::string, std::pair<std::int64_t, int>> op_usage_;
    /// reqIds seen per /v5/trade connection (20006 on reuse).
    std::unordered_map<std::uint64_t, std::unordered_set<std::string>> trade_req_ids_;
};

} // namespace

std::unique_ptr<sim_private_api> make_bybit_private() {
    return std::make_unique<bybit_private>();
}

} // namespace ballast::exec
