// Kraken market data as sim-venue serves it, on one port: WS v1 at "/" and WS v2 at "/v2".
// v1 docs "WebSockets API v1": systemStatus on connect, subscribe/unsubscribe with
// subscriptionStatus per pair (channelID, channelName "book-N", errorMessage on failure),
// ping/pong, heartbeat after a second without traffic, book snapshot "as"/"bs" then "a"/"b" with
// the CRC32 "c" of the top 10 asks then bids (price and volume text, "." and leading zeros
// removed). v2 docs "Book (Level 2)": method subscribe/unsubscribe with result/success replies,
// {"method":"ping"} -> pong, the heartbeat channel, snapshot/update with {price, qty} numbers,
// symbols in v2 names (BTC for XBT, DOGE for XDG) and the same checksum. A v1 capture is served
// on both: v2 frames are translated from it. REST "Get Tradable Asset Pairs" /0/public/AssetPairs
// and "Get Order Book" /0/public/Depth.
#include "exec/sim_venue_json.hpp"
#include "exec/sim_venue_protocols.hpp"

#include <zlib.h>

namespace ballast::exec {

namespace {

using namespace simj;

constexpr std::size_t kraken_depths[] = {10, 25, 100, 500, 1000};

// v1 pair -> v2 symbol: Kraken's own asset names (XBT, XDG) become the common ones.
std::string v2_symbol(std::string_view pair) {
    const auto common = [](std::string_view a) {
        return a == "XBT" ? std::string("BTC") : a == "XDG" ? std::string("DOGE") : std::string(a);
    };
    const auto slash = pair.find('/');
    if (slash == std::string_view::npos) {
        return common(pair);
    }
    return common(pair.substr(0, slash)) + "/" + common(pair.substr(slash + 1));
}

void checksum_part(std::string& out, std::string_view text) {
    std::size_t start = out.size();
    for (char ch : text) {
        if (ch != '.') {
            out.push_back(ch);
        }
    }
    std::size_t zeros = 0;
    while (start + zeros < out.size() && out[start + zeros] == '0') {
        ++zeros;
    }
    out.erase(start, zeros);
}

std::uint32_t kraken_checksum(const l2_book& b) {
    std::string text;
    for (side s : {side::ask, side::bid}) {
        for (std::size_t i = 0; i < std::min<std::size_t>(10, b.depth(s)); ++i) {
            checksum_part(text, price_text(b, s, i));
            checksum_part(text, size_text(b, s, i));
        }
    }
    return static_cast<std::uint32_t>(
        ::crc32(0L, reinterpret_cast<const Bytef*>(text.data()), static_cast<uInt>(text.size())));
}

class kraken_protocol final : public sim_protocol {
  public:
    std::string_view venue() const override { return "kraken"; }
    std::vector<endpoint> endpoints() const override {
        return {{"/", "ws", "kraken"}, {"/v2", "ws_v2", "kraken_v2"}};
    }
    bool serves_feed(std::string_view f) const override {
        return f == "kraken" || f == "kraken_v2";
    }

    void on_open(sim_context&, sim_client& c) override {
        if (c.endpoint == 0) {
            c.send("{\"connectionID\":" + std::to_string(1000000 + c.id) +
                   ",\"event\":\"systemStatus\",\"status\":\"online\",\"version\":\"1.9.1\"}");
        } else {
            c.send("{\"channel\":\"status\",\"data\":[{\"api_version\":\"v2\",\"connection_id\":" +
                   std::to_string(1000000 + c.id) +
                   ",\"system\":\"online\",\"version\":\"2.0.8\"}],\"type\":\"update\"}");
        }
    }

    void on_message(sim_context& ctx, sim_client& c, std::string_view text) override {
        if (c.endpoint == 0) {
            on_v1(ctx, c, text);
        } else {
            on_v2(ctx, c, text);
        }
    }

    void on_tick(sim_context& ctx, sim_client& c,
                 std::chrono::steady_clock::time_point now) override {
        // v1: a heartbeat after a second without other traffic; v2: once a second.
        if (c.subs.empty() || now - c.last_sent < std::chrono::seconds(1)) {
            return;
        }
        (void)ctx;
        c.send(c.endpoint == 0 ? R"({"event":"heartbeat"})" : R"({"channel":"heartbeat"})");
    }

    bool route(std::string_view feed, std::string_view text, sim_route& out) override {
        if (feed == "kraken_v2") {
            const std::string_view channel = field_string(text.substr(0, 60), "channel");
            const std::string_view symbol = field_string(text, "symbol");
            if (channel.empty() || symbol.empty() || channel == "status" ||
                channel == "heartbeat") {
                return false;
            }
            out.key = std::string(channel) + ":" + std::string(symbol);
            out.symbol = std::string(symbol);
            out.book = channel == "book";
            return true;
        }
        if (!text.starts_with("[") || !text.ends_with("]")) {
            return false; // events
        }
        // [channelID, payload..., "channelName", "pair"]
        const auto q2 = text.rfind('"', text.size() - 2);
        const auto q1 = q2 == std::string_view::npos ? q2 : text.rfind('"', q2 - 1);
        const auto q4 = q1 == std::string_view::npos ? q1 : text.rfind('"', q1 - 1);
        const auto q3 = q4 == std::string_view::npos ? q4 : text.rfind('"', q4 - 1);
        if (q3 == std::string_view::npos) {
            return false;
        }
        const std::string_view pair = text.substr(q1 + 1, q2 - q1 - 1);
        const std::string_view name = text.substr(q3 + 1, q4 - q3 - 1);
        const std::string_view channel = name.substr(0, name.find('-'));
        if (name.starts_with("book-")) {
            std::size_t d = 0;
            std::from_chars(name.data() + 5, name.data() + name.size(), d);
            captured_depth_ = d;
        }
        out.key = std::string(channel) + ":" + std::string(pair);
        out.symbol = std::string(pair);
        out.book = channel == "book";
        return true;
    }

    std::string render(sim_client& c, const sim_subscription& s, std::string_view text) override {
        if (s.feed == "kraken_v2") {
            return std::string(text);
        }
        if (c.endpoint == 1) {
            return to_v2(s, text);
        }
        // The connection's own channelID replaces the recorded one.
        const auto comma = text.find(',');
        return "[" + std::to_string(s.channel_id) + std::string(text.substr(comma));
    }

    std::string snapshot(sim_context& ctx, sim_client& c, const sim_subscription& s,
                         const feed::venue_book& b) override {
        const std::size_t depth = s.depth == 0 ? SIZE_MAX : s.depth;
        if (c.endpoint == 1) {
            return v2_book(ctx, s, b.book, "snapshot", depth);
        }
        const std::string ts = unix_seconds(ctx.capture_time());
        const auto level = [&](std::string& o, std::string_view px, std::string_view sz) {
            o.append("[\"").append(px).append("\",\"").append(sz).append("\",\"").append(ts).append(
                "\"]");
        };
        std::string out = "[" + std::to_string(s.channel_id) + ",{\"as\":";
        append_levels(out, b.book, side::ask, depth, level);
        out += ",\"bs\":";
        append_levels(out, b.book, side::bid, depth, level);
        out += "},\"book-" + std::to_string(s.depth) + "\"," + quote(s.symbol) + "]";
        return out;
    }

    std::optional<std::string> corrupt_checksum(std::string_view text) override {
        const std::string_view v = field_raw(text, text.starts_with("[") ? "c" : "checksum");
        if (v.empty()) {
            return std::nullopt;
        }
        const bool quoted = v.front() == '"';
        const std::string_view digits = quoted ? v.substr(1, v.size() - 2) : v;
        std::uint64_t n = 0;
        std::from_chars(digits.data(), digits.data() + digits.size(), n);
        const std::string bad = std::to_string(n ^ 1U);
        return replace_field(text, text.starts_with("[") ? "c" : "checksum",
                             quoted ? "\"" + bad + "\"" : bad);
    }

    std::optional<sim_http_reply> on_http(sim_context& ctx, std::string_view target) override {
        const std::string_view path = target.substr(0, target.find('?'));
        if (path == "/0/public/Time") {
            const auto ms = ms_of(ctx.capture_time());
            return sim_http_reply{200, "{\"error\":[],\"result\":{\"unixtime\":" +
                                           std::to_string(ms / 1000) + ",\"rfc1123\":\"\"}}"};
        }
        if (path == "/0/public/AssetPairs") {
            if (const auto* r = ctx.recorded_reply("/0/public/AssetPairs")) {
                return sim_http_reply{200, *r};
            }
            std::string out = "{\"error\":[],\"result\":{";
            bool first = true;
            for (const auto* s : ctx.symbols("kraken")) {
                std::string alt = s->symbol;
                alt.erase(std::remove(alt.begin(), alt.end(), '/'), alt.end());
                out += (first ? "" : ",") + quote(alt) + ":{\"altname\":" + quote(alt) +
                       ",\"wsname\":" + quote(s->symbol) +
                       ",\"aclass_base\":\"currency\","
                       "\"base\":" +
                       quote(s->base) +
                       ",\"aclass_quote\":\"currency\",\"quote\":" + quote(s->quote) +
                       ",\"lot\":\"unit\",\"cost_decimals\":" +
                       std::to_string(step_decimals(s->tick)) +
                       ",\"pair_decimals\":" + std::to_string(step_decimals(s->tick)) +
                       ",\"lot_decimals\":" + std::to_string(step_decimals(s->lot)) +
                       ",\"lot_multiplier\":1,\"leverage_buy\":[],\"leverage_sell\":[],"
                       "\"fees\":[[0,0.26]],\"fees_maker\":[[0,0.16]],\"fee_volume_currency\":"
                       "\"ZUSD\",\"margin_call\":80,\"margin_stop\":40,\"ordermin\":" +
                       quote(step_text(s->lot)) +
                       ",\"costmin\":\"0.5\",\"tick_size\":" + quote(step_text(s->tick)) +
                       ",\"status\":\"online\"}";
                first = false;
            }
            return sim_http_reply{200, out + "}}"};
        }
        if (path == "/0/public/Depth") {
            const std::string_view pair = query_param(target, "pair");
            const instrument_spec* spec = find_pair(ctx, pair);
            if (spec == nullptr) {
                return sim_http_reply{200, R"({"error":["EQuery:Unknown asset pair"]})"};
            }
            std::size_t count = 100;
            if (const auto v = query_param(target, "count"); !v.empty()) {
                std::from_chars(v.data(), v.data() + v.size(), count);
                count = std::clamp<std::size_t>(count, 1, 500);
            }
            const feed::venue_book* b = ctx.book("kraken", spec->symbol);
            const std::string ts = std::to_string(ms_of(ctx.capture_time()) / 1000);
            const auto level = [&](std::string& o, std::string_view px, std::string_view sz) {
                o.append("[\"")
                    .append(px)
                    .append("\",\"")
                    .append(sz)
                    .append("\",")
                    .append(ts)
                    .append("]");
            };
            std::string out = "{\"error\":[],\"result\":{" + quote(pair) + ":{\"asks\":";
            if (b != nullptr && b->health == feed::book_health::live) {
                append_levels(out, b->book, side::ask, count, level);
                out += ",\"bids\":";
                append_levels(out, b->book, side::bid, count, level);
            } else {
                out += "[],\"bids\":[]";
            }
            return sim_http_reply{200, out + "}}}"};
        }
        return std::nullopt;
    }

  private:
    // A v1 pair ("XBT/CHF"), a v2 symbol ("BTC/CHF") or a REST name ("XBTCHF").
    const instrument_spec* find_pair(sim_context& ctx, std::string_view name) {
        for (const auto* s : ctx.symbols("kraken")) {
            std::string alt = s->symbol;
            alt.erase(std::remove(alt.begin(), alt.end(), '/'), alt.end());
            if (s->symbol == name || v2_symbol(s->symbol) == name || alt == name) {
                return s;
            }
        }
        for (const auto* s : ctx.symbols("kraken_v2")) {
            if (s->symbol == name) {
                return s;
            }
        }
        return nullptr;
    }

    std::int64_t channel_id(const std::string& key) {
        auto it = channel_ids_.find(key);
        if (it == channel_ids_.end()) {
            it =
                channel_ids_.emplace(key, 300 + 17 * static_cast<std::int64_t>(channel_ids_.size()))
                    .first;
        }
        return it->second;
    }

    void on_v1(sim_context& ctx, sim_client& c, std::string_view text) {
        element root;
        std::string_view event;
        if (parse(parser_, text, root) || !root.is_object() || root["event"].get(event)) {
            c.send(R"({"errorMessage":"Malformed request","event":"error"})");
            return;
        }
        std::string reqid;
        element rv;
        if (!root["reqid"].get(rv)) {
            reqid = ",\"reqid\":" + to_json(rv);
        }
        if (event == "ping") {
            c.send("{\"event\":\"pong\"" + reqid + "}");
            return;
        }
        if (event != "subscribe" && event != "unsubscribe") {
            c.send("{\"errorMessage\":\"Unsupported event\",\"event\":\"error\"" + reqid + "}");
            return;
        }
        element sub;
        std::string_view name;
        simdjson::dom::array pairs;
        if (root["subscription"].get(sub) || sub["name"].get(name)) {
            c.send("{\"errorMessage\":\"Subscription name invalid\",\"event\":\"error\"" + reqid +
                   "}");
            return;
        }
        if (root["pair"].get(pairs)) {
            c.send("{\"errorMessage\":\"Pair(s) not found\",\"event\":\"error\"" + reqid + "}");
            return;
        }
        std::uint64_t depth = 10;
        if (name == "book") {
            element d;
            if (!sub["depth"].get(d) && d.get(depth)) {
                c.send("{\"errorMessage\":\"Subscription book depth must be an integer\","
                       "\"event\":\"error\"" +
                       reqid + "}");
                return;
            }
        }
        const std::string status_sub =
            name == "book" ? "{\"depth\":" + std::to_string(depth) + ",\"name\":\"book\"}"
                           : "{\"name\":" + quote(name) + "}";
        const std::string channel_name =
            name == "book" ? "book-" + std::to_string(depth) : std::string(name);
        const bool refused = event == "subscribe" && ctx.refuse_subscription(c);
        for (auto p : pairs) {
            std::string_view pair;
            if (p.get(pair)) {
                continue;
            }
            const auto fail = [&](std::string_view why) {
                c.send("{\"errorMessage\":" + quote(why) +
                       ",\"event\":\"subscriptionStatus\","
                       "\"pair\":" +
                       quote(pair) + reqid +
                       ",\"status\":\"error\",\"subscription\":" + status_sub + "}");
            };
            if (name != "book" && name != "ticker" && name != "trade" && name != "spread" &&
                name != "ohlc") {
                fail("Subscription name invalid");
                continue;
            }
            if (name == "book" && (std::find(std::begin(kraken_depths), std::end(kraken_depths),
                                             depth) == std::end(kraken_depths) ||
                                   (captured_depth_ != 0 && depth != captured_depth_))) {
                // Only the recorded depth is served: a book cut to another depth would need the
                // levels that enter it, which the recording does not hold.
                fail("Subscription depth not supported");
                continue;
            }
            if (ctx.spec("kraken", pair) == nullptr) {
                fail("Currency pair not supported " + std::string(pair));
                continue;
            }
            if (refused) {
                fail("Subscription refused");
                continue;
            }
            sim_subscription s;
            s.key = std::string(name) + ":" + std::string(pair);
            s.feed = "kraken";
            s.symbol = std::string(pair);
            s.name = channel_name + ":" + std::string(pair);
            s.book = name == "book";
            s.depth = depth;
            s.channel_id = channel_id(s.key);
            c.send("{\"channelID\":" + std::to_string(s.channel_id) +
                   ",\"channelName\":" + quote(channel_name) +
                   ",\"event\":\"subscriptionStatus\",\"pair\":" + quote(pair) + reqid +
                   ",\"status\":\"" + (event == "subscribe" ? "subscribed" : "unsubscribed") +
                   "\",\"subscription\":" + status_sub + "}");
            if (event == "subscribe") {
                ctx.subscribe(c, std::move(s));
            } else {
                (void)ctx.unsubscribe(c, s.key, s.feed);
            }
        }
    }

    void on_v2(sim_context& ctx, sim_client& c, std::string_view text) {
        element root;
        std::string_view method;
        const std::string times = ",\"time_in\":" + quote(iso8601(ctx.capture_time())) +
                                  ",\"time_out\":" + quote(iso8601(ctx.capture_time()));
        if (parse(parser_, text, root) || !root.is_object() || root["method"].get(method)) {
            c.send("{\"error\":\"Malformed request\",\"success\":false" + times + "}");
            return;
        }
        std::string req;
        element rv;
        if (!root["req_id"].get(rv)) {
            req = ",\"req_id\":" + to_json(rv);
        }
        if (method == "ping") {
            c.send("{\"method\":\"pong\"" + req + times + "}");
            return;
        }
        if (method != "subscribe" && method != "unsubscribe") {
            c.send("{\"error\":\"Method not found\",\"method\":" + quote(method) + req +
                   ",\"success\":false" + times + "}");
            return;
        }
        element params;
        std::string_view channel;
        simdjson::dom::array symbols;
        if (root["params"].get(params) || params["channel"].get(channel) ||
            params["symbol"].get(symbols)) {
            c.send("{\"error\":\"Missing or invalid params\",\"method\":" + quote(method) + req +
                   ",\"success\":false" + times + "}");
            return;
        }
        std::uint64_t depth = 10;
        element d;
        if (!params["depth"].get(d) && d.get(depth)) {
            c.send("{\"error\":\"depth must be an integer\",\"method\":" + quote(method) + req +
                   ",\"success\":false" + times + "}");
            return;
        }
        const bool refused = method == "subscribe" && ctx.refuse_subscription(c);
        for (auto sv : symbols) {
            std::string_view symbol;
            if (sv.get(symbol)) {
                continue;
            }
            const auto fail = [&](std::string_view why) {
                c.send("{\"error\":" + quote(why) + ",\"method\":" + quote(method) + req +
                       ",\"success\":false,\"symbol\":" + quote(symbol) + times + "}");
            };
            if (channel != "book" && channel != "ticker" && channel != "trade") {
                fail("Channel not found");
                continue;
            }
            if (channel == "book" && (std::find(std::begin(kraken_depths), std::end(kraken_depths),
                                                depth) == std::end(kraken_depths) ||
                                      (captured_depth_ != 0 && depth != captured_depth_))) {
                fail("Unsupported depth");
                continue;
            }
            sim_subscription s;
            s.name = std::string(channel) + ":" + std::string(symbol);
            s.book = channel == "book";
            s.depth = depth;
            s.symbol = std::string(symbol);
            // A v2 capture serves its own frames; a v1 capture's are translated.
            if (ctx.key_known(std::string(channel) + ":" + std::string(symbol), "kraken_v2")) {
                s.feed = "kraken_v2";
                s.key = std::string(channel) + ":" + std::string(symbol);
            } else if (const auto* spec = find_pair(ctx, symbol); spec != nullptr) {
                s.feed = "kraken";
                s.key = std::string(channel) + ":" + spec->symbol;
                s.symbol = spec->symbol; // the v1 book; frames carry the v2 symbol
            } else {
                fail("Currency pair not supported");
                continue;
            }
            if (refused) {
                fail("Subscription refused");
                continue;
            }
            v2_names_[s.key] = std::string(symbol);
            c.send("{\"method\":" + quote(method) + req +
                   ",\"result\":{\"channel\":" + quote(channel) +
                   (channel == "book" ? ",\"depth\":" + std::to_string(depth) : "") +
                   ",\"snapshot\":true,\"symbol\":" + quote(symbol) + "},\"success\":true" + times +
                   "}");
            if (method == "subscribe") {
                ctx.subscribe(c, std::move(s));
            } else {
                (void)ctx.unsubscribe(c, s.key, s.feed);
            }
        }
    }

    std::string v2_name(const sim_subscription& s) {
        auto it = v2_names_.find(s.key);
        return it == v2_names_.end() ? v2_symbol(s.symbol) : it->second;
    }

    std::string v2_book(sim_context& ctx, const sim_subscription& s, const l2_book& b,
                        std::string_view type, std::size_t depth) {
        const auto level = [](std::string& o, std::string_view px, std::string_view sz) {
            o.append("{\"price\":").append(px).append(",\"qty\":").append(sz).append("}");
        };
        std::string out = "{\"channel\":\"book\",\"type\":\"" + std::string(type) +
                          "\",\"data\":[{\"symbol\":" + quote(v2_name(s)) + ",\"bids\":";
        append_levels(out, b, side::bid, depth, level);
        out += ",\"asks\":";
        append_levels(out, b, side::ask, depth, level);
        out += ",\"checksum\":" + std::to_string(kraken_checksum(b)) +
               ",\"timestamp\":" + quote(iso8601(ctx.capture_time())) + "}]}";
        return out;
    }

    // A v1 book frame as a v2 one: [id,{"a":[[p,v,ts(,"r")],..]},{"b":[..],"c":".."},name,pair].
    std::string to_v2(const sim_subscription& s, std::string_view text) {
        element root;
        if (parse(v2_parser_, text, root) || !root.is_array()) {
            return std::string(text);
        }
        std::string asks;
        std::string bids;
        std::string checksum;
        std::string ts;
        bool snapshot = false;
        for (auto el : root.get_array()) {
            if (!el.is_object()) {
                continue;
            }
            for (auto [key, value] : el.get_object()) {
                if (key == "c") {
                    checksum = std::string(value.get_string().value_unsafe());
                    continue;
                }
                std::string& out = key.front() == 'a' ? asks : bids;
                snapshot = snapshot || key.size() == 2;
                if (!value.is_array()) {
                    continue;
                }
                for (auto lv : value.get_array()) {
                    std::string_view px;
                    std::string_view sz;
                    std::string_view t;
                    if (lv.at(0).get(px) || lv.at(1).get(sz)) {
                        continue;
                    }
                    if (!lv.at(2).get(t)) {
                        ts = std::string(t);
                    }
                    out.append(out.empty() ? "" : ",")
                        .append("{\"price\":")
                        .append(px)
                        .append(",\"qty\":")
                        .append(sz)
                        .append("}");
                }
            }
        }
        std::string iso;
        if (!ts.empty()) {
            const auto dot = ts.find('.');
            std::int64_t secs = 0;
            std::int64_t frac = 0;
            std::from_chars(ts.data(), ts.data() + dot, secs);
            std::string f = dot == std::string::npos ? "0" : ts.substr(dot + 1);
            f.resize(9, '0');
            std::from_chars(f.data(), f.data() + 9, frac);
            iso = iso8601(timestamp_ns{secs * 1000000000 + frac});
        }
        return "{\"channel\":\"book\",\"type\":\"" + std::string(snapshot ? "snapshot" : "update") +
               "\",\"data\":[{\"symbol\":" + quote(v2_name(s)) + ",\"bids\":[" + bids +
               "],\"asks\":[" + asks + "]" + (checksum.empty() ? "" : ",\"checksum\":" + checksum) +
               ",\"timestamp\":" + quote(iso) + "}]}";
    }

    simdjson::dom::parser parser_;
    simdjson::dom::parser v2_parser_;
    std::unordered_map<std::string, std::int64_t> channel_ids_;
    std::unordered_map<std::string, std::string> v2_names_;
    std::size_t captured_depth_ = 0;
};

} // namespace

std::unique_ptr<sim_protocol> make_kraken_protocol() {
    return std::make_unique<kraken_protocol>();
}

} // namespace ballast::exec
