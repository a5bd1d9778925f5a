// Coinbase market data as sim-venue serves it.
// Advanced Trade: docs "WebSocket Channels" (subscribe with one "channel", the subscriptions
// reply, level2 arriving as channel "l2_data" with snapshot/update events, "heartbeats" once a
// second, sequence_num counting every message of the connection) and REST "Get Public Products"
// /api/v3/brokerage/market/products, "Get Public Product Book" .../market/product_book.
// Exchange: docs "WebSocket Feed" (subscribe with "channels", the subscriptions message,
// level2/level2_batch snapshot + l2update, heartbeat channel, error messages) and REST
// /products, /products/{id}/book?level=2.
#include "exec/sim_venue_json.hpp"
#include "exec/sim_venue_protocols.hpp"

namespace ballast::exec {

namespace {

using namespace simj;

std::string iso_now(sim_context& ctx) {
    return iso8601(ctx.capture_time());
}

/// A connection's subscriptions grouped by channel (a subscription is named "channel:product"),
/// for both venues' subscriptions replies.
using channel_products = std::vector<std::pair<std::string, std::vector<std::string>>>;
channel_products subscriptions_by_channel(const sim_client& c) {
    channel_products out;
    for (const auto& s : c.subs) {
        const std::string ch = s.name.substr(0, s.name.find(':'));
        auto it =
            std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.first == ch; });
        if (it == out.end()) {
            out.emplace_back(ch, std::vector<std::string>{});
            it = out.end() - 1;
        }
        it->second.push_back(s.symbol);
    }
    return out;
}

/// `"a","b"` for a list of products.
std::string quoted_list(const std::vector<std::string>& items) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        out += (i ? "," : "") + quote(items[i]);
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Advanced Trade

constexpr std::string_view advanced_channels[] = {
    "level2", "heartbeats", "ticker", "ticker_batch", "market_trades", "candles", "status"};

// The channel a frame arrives on, for a subscribed channel name.
std::string_view advanced_frame_channel(std::string_view subscribed) {
    return subscribed == "level2" ? std::string_view("l2_data") : subscribed;
}

class coinbase_protocol final : public sim_protocol {
  public:
    std::string_view venue() const override { return "coinbase"; }
    std::vector<endpoint> endpoints() const override { return {{"/", "ws", "coinbase"}}; }
    bool serves_feed(std::string_view f) const override { return f == "coinbase"; }

    void on_message(sim_context& ctx, sim_client& c, std::string_view text) override {
        element root;
        std::string_view type;
        std::string_view channel;
        simdjson::dom::array products;
        if (parse(parser_, text, root) || !root.is_object() || root["type"].get(type)) {
            c.send(R"({"type":"error","message":"error unmarshalling message"})");
            return;
        }
        if (type != "subscribe" && type != "unsubscribe") {
            c.send("{\"type\":\"error\",\"message\":" +
                   quote("unknown message type " + std::string(type)) + "}");
            return;
        }
        if (root["channel"].get(channel) && root["channel_name"].get(channel)) {
            c.send(R"({"type":"error","message":"channel is required"})");
            return;
        }
        if (std::find(std::begin(advanced_channels), std::end(advanced_channels), channel) ==
            std::end(advanced_channels)) {
            c.send("{\"type\":\"error\",\"message\":" +
                   quote("channel " + std::string(channel) + " is not a valid channel") + "}");
            return;
        }
        std::vector<std::string> ids;
        if (!root["product_ids"].get(products)) {
            for (auto p : products) {
                std::string_view id;
                if (p.get(id) || ctx.spec("coinbase", id) == nullptr) {
                    c.send("{\"type\":\"error\",\"message\":\"Failed to subscribe\",\"reason\":" +
                           quote(std::string(id) + " is not a valid product") + "}");
                    return;
                }
                ids.emplace_back(id);
            }
        } else if (channel != "heartbeats" && channel != "status") {
            c.send(R"({"type":"error","message":"product_ids is required"})");
            return;
        }
        if (type == "subscribe" && ctx.refuse_subscription(c)) {
            c.send(R"({"type":"error","message":"Failed to subscribe"})");
            return;
        }
        if (channel == "heartbeats") {
            c.heartbeats_channel = type == "subscribe";
        }
        std::vector<sim_subscription> subs;
        for (const auto& id : ids) {
            sim_subscription s;
            s.key = std::string(advanced_frame_channel(channel)) + ":" + id;
            s.name = std::string(channel) + ":" + id;
            s.feed = "coinbase";
            s.symbol = id;
            s.book = channel == "level2";
            if (type == "subscribe") {
                c.subs.push_back(s); // listed in the reply below; subscribe() re-adds it
            } else {
                (void)ctx.unsubscribe(c, s.key, s.feed);
            }
            subs.push_back(std::move(s));
        }
        send_subscriptions(ctx, c);
        if (type == "subscribe") {
            for (auto& s : subs) {
                ctx.subscribe(c, std::move(s));
            }
        }
    }

    void on_tick(sim_context& ctx, sim_client& c,
                 std::chrono::steady_clock::time_point now) override {
        if (!c.heartbeats_channel || now - c.last_keepalive < std::chrono::seconds(1)) {
            return;
        }
        c.last_keepalive = now;
        c.send(header(ctx, c, "heartbeats") +
               "\"events\":[{\"current_time\":" + quote(iso_now(ctx)) +
               ",\"heartbeat_counter\":\"" + std::to_string(++c.heartbeat_counter) + "\"}]}");
    }

    bool route(std::string_view, std::string_view text, sim_route& out) override {
        const std::string_view channel = field_string(text.substr(0, 100), "channel");
        if (channel.empty() || channel == "subscriptions" || channel == "heartbeats") {
            return false;
        }
        const std::string_view product = field_string(text, "product_id");
        if (product.empty()) {
            return false;
        }
        out.key = std::string(channel) + ":" + std::string(product);
        out.symbol = std::string(product);
        out.book = channel == "l2_data";
        return true;
    }

    // sequence_num counts every message of this connection, from 0.
    std::string render(sim_client& c, const sim_subscription&, std::string_view text) override {
        return replace_field(text, "sequence_num", std::to_string(c.messages_sent));
    }

    std::string snapshot(sim_context& ctx, sim_client& c, const sim_subscription& s,
                         const feed::venue_book& b) override {
        const std::string ts = iso_now(ctx);
        std::string out = header(ctx, c, "l2_data") +
                          "\"events\":[{\"type\":\"snapshot\",\"product_id\":" + quote(s.symbol) +
                          ",\"updates\":[";
        bool first = true;
        for (auto [sd, name] : {std::pair{side::bid, "bid"}, std::pair{side::ask, "offer"}}) {
            for (std::size_t i = 0; i < b.book.depth(sd); ++i) {
                out += first ? "{" : ",{";
                first = false;
                out += "\"side\":\"" + std::string(name) + "\",\"event_time\":" + quote(ts) +
                       ",\"price_level\":" + quote(price_text(b.book, sd, i)) +
                       ",\"new_quantity\":" + quote(size_text(b.book, sd, i)) + "}";
            }
        }
        out += "]}]}";
        return out;
    }

    std::optional<sim_http_reply> on_http(sim_context& ctx, std::string_view target) override {
        const std::string_view path = target.substr(0, target.find('?'));
        constexpr std::string_view base = "/api/v3/brokerage/";
        if (!path.starts_with(base)) {
            return std::nullopt;
        }
        const std::string_view what = path.substr(base.size());
        if (what == "time") {
            const auto ms = ms_of(ctx.capture_time());
            return sim_http_reply{200, "{\"iso\":" + quote(iso_now(ctx)) + ",\"epochSeconds\":\"" +
                                           std::to_string(ms / 1000) + "\",\"epochMillis\":\"" +
                                           std::to_string(ms) + "\"}"};
        }
        if (what == "market/products" || what == "products") {
            // Only spot products are recorded: the futures lists are empty.
            if (!query_param(target, "product_type").empty() &&
                query_param(target, "product_type") != "SPOT") {
                return sim_http_reply{200, R"({"products":[],"num_products":0})"};
            }
            std::string out = "{\"products\":[";
            std::size_t n = 0;
            for (const auto* s : ctx.symbols("coinbase")) {
                out += (n++ ? "," : "") + product(*s);
            }
            out += "],\"num_products\":" + std::to_string(n) + "}";
            return sim_http_reply{200, std::move(out)};
        }
        if (what.starts_with("market/products/") || what.starts_with("products/")) {
            const std::string_view id = what.substr(what.rfind('/') + 1);
            if (const auto* s = ctx.spec("coinbase", id)) {
                return sim_http_reply{200, product(*s)};
            }
            return sim_http_reply{404, R"({"error":"NOT_FOUND","message":"product not found"})"};
        }
        if (what == "market/product_book" || what == "product_book") {
            const std::string_view id = query_param(target, "product_id");
            if (ctx.spec("coinbase", id) == nullptr) {
                return sim_http_reply{
                    400,
                    R"({"error":"INVALID_ARGUMENT","error_details":"valid product_id is required","message":"valid product_id is required"})"};
            }
            std::size_t limit = SIZE_MAX;
            if (const auto l = query_param(target, "limit"); !l.empty()) {
                std::from_chars(l.data(), l.data() + l.size(), limit);
            }
            const feed::venue_book* b = ctx.book("coinbase", id);
            const auto level = [](std::string& o, std::string_view px, std::string_view sz) {
                o.append("{\"price\":\"")
                    .append(px)
                    .append("\",\"size\":\"")
                    .append(sz)
                    .append("\"}");
            };
            std::string out = "{\"pricebook\":{\"product_id\":" + quote(id) + ",\"bids\":";
            if (b != nullptr && b->health == feed::book_health::live) {
                append_levels(out, b->book, side::bid, limit, level);
                out += ",\"asks\":";
                append_levels(out, b->book, side::ask, limit, level);
            } else {
                out += "[],\"asks\":[]";
            }
            out += ",\"time\":" + quote(iso_now(ctx)) + "}}";
            return sim_http_reply{200, std::move(out)};
        }
        return std::nullopt;
    }

  private:
    std::string header(sim_context& ctx, sim_client& c, std::string_view channel) {
        return "{\"channel\":\"" + std::string(channel) +
               "\",\"client_id\":\"\",\"timestamp\":" + quote(iso_now(ctx)) +
               ",\"sequence_num\":" + std::to_string(c.messages_sent) + ",";
    }
    void send_subscriptions(sim_context& ctx, sim_client& c) {
        // {"subscriptions":{"level2":[<product ids>],"heartbeats":[...]}}
        auto by_channel = subscriptions_by_channel(c);
        if (c.heartbeats_channel) {
            by_channel.emplace_back("heartbeats", std::vector<std::string>{});
        }
        std::string out = header(ctx, c, "subscriptions") + "\"events\":[{\"subscriptions\":{";
        for (std::size_t i = 0; i < by_channel.size(); ++i) {
            out += (i ? "," : "") + quote(by_channel[i].first) + ":[" +
                   quoted_list(by_channel[i].second) + "]";
        }
        c.send(out + "}}]}");
    }
    static std::string product(const instrument_spec& s) {
        return "{\"product_id\":" + quote(s.symbol) +
               ",\"price\":\"\",\"base_increment\":" + quote(step_text(s.lot)) +
               ",\"quote_increment\":" + quote(step_text(s.tick)) +
               ",\"price_increment\":" + quote(step_text(s.tick)) +
               ",\"base_min_size\":" + quote(step_text(s.lot)) +
               ",\"base_max_size\":\"100000000\",\"quote_min_size\":\"1\",\"quote_max_size\":"
               "\"100000000\",\"base_currency_id\":" +
               quote(s.base) + ",\"quote_currency_id\":" + quote(s.quote) +
               ",\"base_display_symbol\":" + quote(s.base) +
               ",\"quote_display_symbol\":" + quote(s.quote) +
               ",\"status\":\"online\",\"trading_disabled\":false,\"cancel_only\":false,"
               "\"limit_only\":false,\"post_only\":false,\"is_disabled\":false,\"new\":false,"
               "\"auction_mode\":false,\"product_type\":\"SPOT\",\"view_only\":false}";
    }
    simdjson::dom::parser parser_;
};

// ---------------------------------------------------------------------------------------------
// Exchange

constexpr std::string_view exchange_channels[] = {"level2",       "level2_batch", "ticker",
                                                  "ticker_batch", "matches",      "heartbeat",
                                                  "status",       "full",         "level3"};

class coinbase_exchange_protocol final : public sim_protocol {
  public:
    std::string_view venue() const override { return "coinbase_exchange"; }
    std::vector<endpoint> endpoints() const override { return {{"/", "ws", "coinbase_exchange"}}; }
    bool serves_feed(std::string_view f) const override { return f == "coinbase_exchange"; }

    void on_message(sim_context& ctx, sim_client& c, std::string_view text) override {
        element root;
        std::string_view type;
        if (parse(parser_, text, root) || !root.is_object()) {
            c.send(R"({"type":"error","message":"Malformed JSON","reason":"invalid character"})");
            return;
        }
        if (root["type"].get(type) || (type != "subscribe" && type != "unsubscribe")) {
            c.send(
                R"({"type":"error","message":"Failed to subscribe","reason":"Type has to be either subscribe or unsubscribe"})");
            return;
        }
        // Top-level product_ids apply to channels given by name; a channel object carries its own.
        std::vector<std::string> top;
        simdjson::dom::array arr;
        if (!root["product_ids"].get(arr)) {
            for (auto p : arr) {
                std::string_view id;
                if (!p.get(id)) {
                    top.emplace_back(id);
                }
            }
        }
        simdjson::dom::array channels;
        if (root["channels"].get(channels)) {
            c.send(
                R"({"type":"error","message":"Failed to subscribe","reason":"channels are required"})");
            return;
        }
        struct item {
            std::string channel;
            std::string product;
        };
        std::vector<item> items;
        for (auto ch : channels) {
            std::string_view name;
            std::vector<std::string> ids = top;
            if (ch.is_string()) {
                name = ch.get_string().value_unsafe();
            } else if (ch["name"].get(name)) {
                c.send(
                    R"({"type":"error","message":"Failed to subscribe","reason":"channel name is required"})");
                return;
            } else if (!ch["product_ids"].get(arr)) {
                ids.clear();
                for (auto p : arr) {
                    std::string_view id;
                    if (!p.get(id)) {
                        ids.emplace_back(id);
                    }
                }
            }
            if (std::find(std::begin(exchange_channels), std::end(exchange_channels), name) ==
                std::end(exchange_channels)) {
                c.send("{\"type\":\"error\",\"message\":\"Failed to subscribe\",\"reason\":" +
                       quote(std::string(name) + " is not a valid channel") + "}");
                return;
            }
            for (const auto& id : ids) {
                if (ctx.spec("coinbase_exchange", id) == nullptr) {
                    c.send("{\"type\":\"error\",\"message\":\"Failed to subscribe\",\"reason\":" +
                           quote(id + " is not a valid product") + "}");
                    return;
                }
                items.push_back({std::string(name), id});
            }
        }
        if (type == "subscribe" && ctx.refuse_subscription(c)) {
            c.send(R"({"type":"error","message":"Failed to subscribe","reason":"refused"})");
            return;
        }
        std::vector<sim_subscription> subs;
        for (const auto& it : items) {
            if (it.channel == "heartbeat") {
                c.heartbeats_channel = type == "subscribe";
                heartbeat_products_[c.id].push_back(it.product);
                continue;
            }
            sim_subscription s;
            // level2 and level2_batch are one stream here; ticker_batch is ticker.
            const std::string base = it.channel.starts_with("level2")   ? "level2"
                                     : it.channel.starts_with("ticker") ? "ticker"
                                                                        : it.channel;
            s.key = base + ":" + it.product;
            s.name = it.channel + ":" + it.product;
            s.feed = "coinbase_exchange";
            s.symbol = it.product;
            s.book = base == "level2";
            if (type == "subscribe") {
                c.subs.push_back(s);
                subs.push_back(std::move(s));
            } else {
                (void)ctx.unsubscribe(c, s.key, s.feed);
            }
        }
        // {"type":"subscriptions","channels":[{"name":"level2","product_ids":[...]}]}
        auto by_channel = subscriptions_by_channel(c);
        if (c.heartbeats_channel) {
            by_channel.emplace_back("heartbeat", heartbeat_products_[c.id]);
        }
        std::string out = "{\"type\":\"subscriptions\",\"channels\":[";
        for (std::size_t i = 0; i < by_channel.size(); ++i) {
            out += std::string(i ? "," : "") + "{\"name\":" + quote(by_channel[i].first) +
                   ",\"product_ids\":[" + quoted_list(by_channel[i].second) + "]}";
        }
        c.send(out + "]}");
        for (auto& s : subs) {
            ctx.subscribe(c, std::move(s));
        }
    }

    void on_tick(sim_context& ctx, sim_client& c,
                 std::chrono::steady_clock::time_point now) override {
        if (!c.heartbeats_channel || now - c.last_keepalive < std::chrono::seconds(1)) {
            return;
        }
        c.last_keepalive = now;
        ++c.heartbeat_counter;
        for (const auto& p : heartbeat_products_[c.id]) {
            c.send("{\"type\":\"heartbeat\",\"last_trade_id\":0,\"product_id\":" + quote(p) +
                   ",\"sequence\":" + std::to_string(c.heartbeat_counter) +
                   ",\"time\":" + quote(iso_now(ctx)) + "}");
        }
    }

    bool route(std::string_view, std::string_view text, sim_route& out) override {
        const std::string_view head = text.substr(0, 120);
        const std::string_view type = field_string(head, "type");
        const std::string_view product = field_string(text, "product_id");
        if (type.empty() || product.empty()) {
            return false;
        }
        std::string channel;
        if (type == "snapshot" || type == "l2update") {
            channel = "level2";
        } else if (type == "ticker") {
            channel = "ticker";
        } else if (type == "match" || type == "last_match") {
            channel = "matches";
        } else {
            return false;
        }
        out.key = channel + ":" + std::string(product);
        out.symbol = std::string(product);
        out.book = channel == "level2";
        return true;
    }

    std::string snapshot(sim_context&, sim_client&, const sim_subscription& s,
                         const feed::venue_book& b) override {
        std::string out = "{\"type\":\"snapshot\",\"product_id\":" + quote(s.symbol) + ",\"asks\":";
        append_levels(out, b.book, side::ask, b.book.depth(side::ask), pair_level);
        out += ",\"bids\":";
        append_levels(out, b.book, side::bid, b.book.depth(side::bid), pair_level);
        return out + "}";
    }

    std::optional<sim_http_reply> on_http(sim_context& ctx, std::string_view target) override {
        const std::string_view path = target.substr(0, target.find('?'));
        if (path == "/time") {
            const auto ms = ms_of(ctx.capture_time());
            char epoch[48];
            std::snprintf(epoch, sizeof epoch, "%.3f", static_cast<double>(ms) / 1000.0);
            return sim_http_reply{200,
                                  "{\"iso\":" + quote(iso_now(ctx)) + ",\"epoch\":" + epoch + "}"};
        }
        if (path == "/products") {
            std::string out = "[";
            bool first = true;
            for (const auto* s : ctx.symbols("coinbase_exchange")) {
                out += (first ? "" : ",") + product(*s);
                first = false;
            }
            return sim_http_reply{200, out + "]"};
        }
        if (!path.starts_with("/products/")) {
            return std::nullopt;
        }
        std::string_view rest = path.substr(10);
        const auto slash = rest.find('/');
        const std::string_view id = rest.substr(0, slash);
        const instrument_spec* spec = ctx.spec("coinbase_exchange", id);
        if (spec == nullptr) {
            return sim_http_reply{404, R"({"message":"NotFound"})"};
        }
        if (slash == std::string_view::npos) {
            return sim_http_reply{200, product(*spec)};
        }
        if (rest.substr(slash) != "/book") {
            return std::nullopt;
        }
        const std::string_view level = query_param(target, "level");
        const std::size_t limit = level == "2" || level == "3" ? SIZE_MAX : 1;
        const feed::venue_book* b = ctx.book("coinbase_exchange", id);
        const auto lv = [](std::string& o, std::string_view px, std::string_view sz) {
            o.append("[\"").append(px).append("\",\"").append(sz).append("\",1]");
        };
        std::string out = "{\"bids\":";
        if (b != nullptr && b->health == feed::book_health::live) {
            append_levels(out, b->book, side::bid, limit, lv);
            out += ",\"asks\":";
            append_levels(out, b->book, side::ask, limit, lv);
        } else {
            out += "[],\"asks\":[]";
        }
        out += ",\"sequence\":" + std::to_string(b != nullptr ? b->counters.applied : 0) +
               ",\"auction_mode\":false,\"auction\":null,\"time\":" + quote(iso_now(ctx)) + "}";
        return sim_http_reply{200, std::move(out)};
    }

  private:
    static std::string product(const instrument_spec& s) {
        return "{\"id\":" + quote(s.symbol) + ",\"base_currency\":" + quote(s.base) +
               ",\"quote_currency\":" + quote(s.quote) +
               ",\"quote_increment\":" + quote(step_text(s.tick)) +
               ",\"base_increment\":" + quote(step_text(s.lot)) +
               ",\"display_name\":" + quote(s.base + "/" + s.quote) +
               ",\"min_market_funds\":\"1\",\"margin_enabled\":false,\"post_only\":false,"
               "\"limit_only\":false,\"cancel_only\":false,\"status\":\"online\","
               "\"status_message\":\"\",\"trading_disabled\":false,\"fx_stablecoin\":false,"
               "\"max_slippage_percentage\":\"0.03\",\"auction_mode\":false}";
    }
    simdjson::dom::parser parser_;
    std::unordered_map<std::uint64_t, std::vector<std::string>> heartbeat_products_;
};

} // namespace

std::unique_ptr<sim_protocol> make_coinbase_protocol() {
    return std::make_unique<coinbase_protocol>();
}
std::unique_ptr<sim_protocol> make_coinbase_exchange_protocol() {
    return std::make_unique<coinbase_exchange_protocol>();
}

} // namespace ballast::exec
