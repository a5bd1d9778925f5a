// Bybit v5 public market data (spot and linear) as sim-venue serves it. Docs: "WebSocket
// Connect" (op subscribe/unsubscribe with req_id, success/ret_msg/conn_id replies, op ping:
// spot answers {"success":true,"ret_msg":"pong",...}, linear {"op":"pong","args":[ts]}),
// "Orderbook" (topic orderbook.{depth}.{symbol}, type snapshot/delta, u, seq, cts; depths 1,
// 50, 200, 1000 spot and 1, 50, 200, 500, 1000 linear); REST "Get Orderbook"
// /v5/market/orderbook and "Get Instruments Info" /v5/market/instruments-info.
#include "exec/sim_venue_json.hpp"
#include "exec/sim_venue_private.hpp"
#include "exec/sim_venue_protocols.hpp"

#include <charconv>

namespace ballast::exec {

namespace {

using namespace simj;

constexpr std::string_view bybit_channels[] = {"orderbook", "publicTrade", "tickers",
                                               "kline",     "liquidation", "allLiquidation"};

class bybit_protocol final : public sim_protocol {
  public:
    std::string_view venue() const override { return "bybit"; }
    std::vector<endpoint> endpoints() const override {
        // 2, 3: order entry (sim_venue_bybit_private.cpp), served with --accounts.
        return {{"/v5/public/spot", "ws", "bybit_spot"},
                {"/v5/public/linear", "ws_linear", "bybit_linear"},
                {"/v5/private", "ws_private", "bybit_spot"},
                {"/v5/trade", "ws_trade", "bybit_spot"}};
    }
    bool serves_feed(std::string_view f) const override {
        return f == "bybit_spot" || f == "bybit_linear";
    }
    sim_venue_rules order_rules() const override { return private_->rules(); }
    std::optional<sim_http_reply> on_request(sim_context& ctx, const sim_http_request& r) override {
        return private_->on_request(ctx, r);
    }
    std::vector<std::string> on_event(sim_context& ctx, sim_client& c,
                                      const sim_event& e) override {
        return private_->on_event(ctx, c, e);
    }
    void on_open(sim_context& ctx, sim_client& c) override { (void)private_->on_open(ctx, c); }
    static std::string feed_of(const sim_client& c) {
        return c.endpoint == 0 ? "bybit_spot" : "bybit_linear";
    }

    void on_message(sim_context& ctx, sim_client& c, std::string_view text) override {
        if (c.endpoint == 3) {
            private_->on_message(ctx, c, text); // /v5/trade: its own envelope
            return;
        }
        const std::string conn = ",\"conn_id\":\"sim-" + sim_connection_id(c) + "\"";
        element root;
        std::string_view op;
        if (parse(parser_, text, root) || !root.is_object() || root["op"].get(op)) {
            c.send("{\"success\":false,\"ret_msg\":\"error:request not json or op missing\"" +
                   conn + ",\"op\":\"\"}");
            return;
        }
        std::string req;
        element req_id;
        if (!root["req_id"].get(req_id)) {
            req = ",\"req_id\":" + to_json(req_id); // echoed as sent (string or number)
        }
        if (op == "ping") {
            if (c.endpoint == 0) {
                c.send("{\"success\":true,\"ret_msg\":\"pong\"" + conn + req + ",\"op\":\"ping\"}");
            } else {
                c.send("{" + (req.empty() ? std::string() : req.substr(1) + ",") +
                       "\"op\":\"pong\",\"args\":[\"" +
                       std::to_string(c.endpoint == 2 ? ctx.now_ms() : ms_of(ctx.capture_time())) +
                       "\"]" + conn + "}");
            }
            return;
        }
        if (c.endpoint == 2) {
            private_->on_message(ctx, c, text); // /v5/private: auth and private topics
            return;
        }
        simdjson::dom::array args;
        if ((op != "subscribe" && op != "unsubscribe") || root["args"].get(args)) {
            c.send("{\"success\":false,\"ret_msg\":" +
                   quote("error:handler not found,op:" + std::string(op)) + conn + req +
                   ",\"op\":" + quote(op) + "}");
            return;
        }
        const std::string feed = feed_of(c);
        std::vector<sim_subscription> subs;
        for (auto a : args) {
            std::string_view topic;
            if (a.get(topic)) {
                c.send("{\"success\":false,\"ret_msg\":\"error:args must be topics\"" + conn + req +
                       ",\"op\":" + quote(op) + "}");
                return;
            }
            const auto dot = topic.find('.');
            const auto last = topic.rfind('.');
            const std::string_view channel = topic.substr(0, dot);
            const std::string_view symbol =
                last == std::string_view::npos ? std::string_view{} : topic.substr(last + 1);
            const bool known = std::find(std::begin(bybit_channels), std::end(bybit_channels),
                                         channel) != std::end(bybit_channels);
            bool depth_ok = true;
            if (channel == "orderbook") {
                std::size_t depth = 0;
                const std::string_view d = topic.substr(dot + 1, last - dot - 1);
                std::from_chars(d.data(), d.data() + d.size(), depth);
                depth_ok = depth == 1 || depth == 50 || depth == 200 || depth == 1000 ||
                           (c.endpoint == 1 && depth == 500);
            }
            if (!known || dot == std::string_view::npos || !depth_ok) {
                c.send("{\"success\":false,\"ret_msg\":" +
                       quote("error:handler not found,topic:" + std::string(topic)) + conn + req +
                       ",\"op\":" + quote(op) + "}");
                return;
            }
            if (ctx.spec(feed, symbol) == nullptr) {
                c.send("{\"success\":false,\"ret_msg\":" +
                       quote("Invalid symbol :[" + std::string(topic) + "]") + conn + req +
                       ",\"op\":" + quote(op) + "}");
                return;
            }
            sim_subscription s;
            s.key = std::string(topic);
            s.name = std::string(topic);
            s.feed = feed;
            s.symbol = std::string(symbol);
            s.book = channel == "orderbook";
            subs.push_back(std::move(s));
        }
        if (op == "subscribe" && ctx.refuse_subscription(c)) {
            c.send("{\"success\":false,\"ret_msg\":\"error:subscription refused\"" + conn + req +
                   ",\"op\":\"subscribe\"}");
            return;
        }
        c.send("{\"success\":true,\"ret_msg\":" + quote(op) + conn + req + ",\"op\":" + quote(op) +
               "}");
        for (auto& s : subs) {
            if (op == "subscribe") {
                ctx.subscribe(c, std::move(s));
            } else {
                (void)ctx.unsubscribe(c, s.key, s.feed);
            }
        }
    }

    bool route(std::string_view, std::string_view text, sim_route& out) override {
        const std::string_view topic = field_string(text.substr(0, 120), "topic");
        if (topic.empty()) {
            return false;
        }
        const auto last = topic.rfind('.');
        out.key = std::string(topic);
        out.symbol =
            last == std::string_view::npos ? std::string() : std::string(topic.substr(last + 1));
        out.book = topic.starts_with("orderbook.");
        return true;
    }

    std::string snapshot(sim_context& ctx, sim_client&, const sim_subscription& s,
                         const feed::venue_book& b) override {
        const std::string_view last = ctx.last_frame(s.key, s.feed);
        const std::string_view ts = field_raw(last, "ts");
        const std::string_view seq = field_raw(last, "seq");
        const std::string_view cts = field_raw(last, "cts");
        const std::string now = std::to_string(ms_of(ctx.capture_time()));
        std::string out = "{\"topic\":" + quote(s.name) +
                          ",\"type\":\"snapshot\",\"ts\":" + (ts.empty() ? now : std::string(ts)) +
                          ",\"data\":{\"s\":" + quote(s.symbol) + ",\"b\":";
        append_levels(out, b.book, side::bid, b.book.depth(side::bid), pair_level);
        out += ",\"a\":";
        append_levels(out, b.book, side::ask, b.book.depth(side::ask), pair_level);
        out += ",\"u\":" + std::to_string(b.last_seq) +
               ",\"seq\":" + (seq.empty() ? std::string("0") : std::string(seq)) +
               "},\"cts\":" + (cts.empty() ? now : std::string(cts)) + "}";
        return out;
    }

    std::optional<sim_http_reply> on_http(sim_context& ctx, std::string_view target) override {
        const std::string_view path = target.substr(0, target.find('?'));
        const std::string now = std::to_string(ms_of(ctx.capture_time()));
        const auto wrap = [&](std::string result) {
            return sim_http_reply{200, "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":" + result +
                                           ",\"retExtInfo\":{},\"time\":" + now + "}"};
        };
        const auto error = [&](int code, std::string_view msg) {
            return sim_http_reply{
                200, "{\"retCode\":" + std::to_string(code) + ",\"retMsg\":" + quote(msg) +
                         ",\"result\":{},\"retExtInfo\":{},\"time\":" + now + "}"};
        };
        if (path == "/v5/market/time") {
            return wrap("{\"timeSecond\":\"" + now.substr(0, now.size() - 3) +
                        "\",\"timeNano\":\"" + now + "000000\"}");
        }
        if (path != "/v5/market/orderbook" && path != "/v5/market/instruments-info") {
            return std::nullopt;
        }
        const std::string_view category = query_param(target, "category");
        if (category != "spot" && category != "linear") {
            return error(10001, "Illegal category");
        }
        const std::string feed = category == "spot" ? "bybit_spot" : "bybit_linear";
        if (path == "/v5/market/instruments-info") {
            if (const auto* r =
                    ctx.recorded_reply("instruments-info?category=" + std::string(category))) {
                return sim_http_reply{200, *r};
            }
            std::string list = "[";
            bool first = true;
            for (const auto* s : ctx.symbols(feed)) {
                list += first ? "{" : ",{";
                first = false;
                list += "\"symbol\":" + quote(s->symbol) + ",\"baseCoin\":" + quote(s->base) +
                        ",\"quoteCoin\":" + quote(s->quote) + ",\"status\":\"Trading\"";
                if (category == "linear") {
                    list +=
                        ",\"contractType\":\"LinearPerpetual\",\"settleCoin\":" +
                        quote(s->settle.empty() ? s->quote : s->settle) +
                        ",\"launchTime\":\"1585526400000\",\"deliveryTime\":\"0\","
                        "\"priceScale\":\"" +
                        std::to_string(step_decimals(s->tick)) +
                        "\",\"leverageFilter\":{\"minLeverage\":\"1\",\"maxLeverage\":"
                        "\"100.00\",\"leverageStep\":\"0.01\"},\"priceFilter\":{\"minPrice\":" +
                        quote(step_text(s->tick)) +
                        ",\"maxPrice\":\"1999999.80\",\"tickSize\":" + quote(step_text(s->tick)) +
                        "},\"lotSizeFilter\":{\"maxOrderQty\":"
                        "\"1190.000\",\"minOrderQty\":" +
                        quote(step_text(s->lot)) + ",\"qtyStep\":" + quote(step_text(s->lot)) +
                        ",\"postOnlyMaxOrderQty\":\"1190.000\"},\"fundingInterval\":480";
                } else {
                    list += ",\"innovation\":\"0\",\"marginTrading\":\"none\","
                            "\"lotSizeFilter\":{\"basePrecision\":" +
                            quote(step_text(s->lot)) +
                            ",\"quotePrecision\":\"0.00000001\","
                            "\"minOrderQty\":" +
                            quote(step_text(s->lot)) +
                            ",\"maxOrderQty\":\"10000\",\"minOrderAmt\":\"1\",\"maxOrderAmt\":"
                            "\"1000000\"},\"priceFilter\":{\"tickSize\":" +
                            quote(step_text(s->tick)) + "}";
                }
                list += "}";
            }
            list += "]";
            return wrap("{\"category\":" + quote(category) + ",\"list\":" + list +
                        ",\"nextPageCursor\":\"\"}");
        }
        const std::string_view symbol = query_param(target, "symbol");
        if (symbol.empty() || ctx.spec(feed, symbol) == nullptr) {
            return error(10001, "The requested symbol is invalid.");
        }
        std::size_t limit = category == "spot" ? 1 : 25;
        if (const auto v = query_param(target, "limit"); !v.empty()) {
            std::from_chars(v.data(), v.data() + v.size(), limit);
            limit = std::clamp<std::size_t>(limit, 1, category == "spot" ? 200 : 500);
        }
        const feed::venue_book* b = ctx.book(feed, symbol);
        std::string out = "{\"s\":" + quote(symbol) + ",\"a\":";
        const bool live = b != nullptr && b->health == feed::book_health::live;
        if (live) {
            append_levels(out, b->book, side::ask, limit, pair_level);
            out += ",\"b\":";
            append_levels(out, b->book, side::bid, limit, pair_level);
        } else {
            out += "[],\"b\":[]";
        }
        out += ",\"ts\":" + now + ",\"u\":" + std::to_string(live ? b->last_seq : 0) +
               ",\"seq\":0,\"cts\":" + now + "}";
        return wrap(std::move(out));
    }

  private:
    simdjson::dom::parser parser_;
    std::unique_ptr<sim_private_api> private_ = make_bybit_private(); ///< order entry
};

} // namespace

std::unique_ptr<sim_protocol> make_bybit_protocol() {
    return std::make_unique<bybit_protocol>();
}

} // namespace ballast::exec
