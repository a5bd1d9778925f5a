// Deribit API v2 market data as sim-venue serves it. Docs: "JSON-RPC" (errors -32700 parse
// error, -32601 method not found, -32602 invalid params), "public/subscribe" /
// "public/unsubscribe" (result: the channels), "book.{instrument_name}.{interval}" (snapshot
// then change notifications with change_id/prev_change_id, levels ["new"|"change"|"delete",
// price, amount]), "public/set_heartbeat" (heartbeat test_request every interval, answered by
// public/test), "public/auth"; REST GET /api/v2/public/get_instruments and get_order_book.
#include "exec/sim_venue_json.hpp"
#include "exec/sim_venue_protocols.hpp"

namespace ballast::exec {

namespace {

using namespace simj;

class deribit_protocol final : public sim_protocol {
  public:
    std::string_view venue() const override { return "deribit"; }
    std::vector<endpoint> endpoints() const override {
        return {{"/ws/api/v2", "ws", "deribit"}, {"/ws/api/v2/", "", "deribit"}};
    }
    bool serves_feed(std::string_view f) const override { return f == "deribit"; }

    void on_message(sim_context& ctx, sim_client& c, std::string_view text) override {
        element root;
        std::string_view method;
        if (parse(parser_, text, root) || !root.is_object()) {
            c.send(
                R"({"jsonrpc":"2.0","error":{"message":"Parse error","code":-32700},"testnet":false})");
            return;
        }
        std::string id = "null";
        element idv;
        if (!root["id"].get(idv)) {
            id = to_json(idv);
        }
        const std::string us = std::to_string(ms_of(ctx.capture_time()) * 1000);
        const std::string tail =
            ",\"usIn\":" + us + ",\"usOut\":" + us + ",\"usDiff\":0,\"testnet\":false}";
        const auto reply = [&](const std::string& result) {
            c.send("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":" + result + tail);
        };
        const auto error = [&](int code, std::string_view message, std::string_view reason = {}) {
            c.send("{\"jsonrpc\":\"2.0\",\"id\":" + id +
                   ",\"error\":{\"message\":" + quote(message) +
                   (reason.empty() ? "" : ",\"data\":{\"reason\":" + quote(reason) + "}") +
                   ",\"code\":" + std::to_string(code) + "}" + tail);
        };
        if (root["method"].get(method)) {
            error(-32600, "Invalid Request");
            return;
        }
        element params;
        const bool has_params = !root["params"].get(params);
        if (method == "public/test") {
            reply(R"({"version":"1.2.26"})");
            return;
        }
        if (method == "public/hello") {
            reply(R"({"version":"1.2.26"})");
            return;
        }
        if (method == "public/get_time") {
            reply(std::to_string(ms_of(ctx.capture_time())));
            return;
        }
        if (method == "public/auth") {
            reply(
                R"({"access_token":"sim-venue","expires_in":31536000,"refresh_token":"sim-venue","scope":"connection mainaccount","token_type":"bearer","enabled_features":[]})");
            return;
        }
        if (method == "public/set_heartbeat") {
            std::uint64_t interval = 0;
            if (!has_params || params["interval"].get(interval) || interval < 10) {
                error(-32602, "Invalid params", "interval must be at least 10 seconds");
                return;
            }
            c.heartbeat_interval_s = static_cast<std::int64_t>(interval);
            c.last_keepalive = std::chrono::steady_clock::now();
            reply("\"ok\"");
            return;
        }
        if (method == "public/disable_heartbeat") {
            c.heartbeat_interval_s = 0;
            reply("\"ok\"");
            return;
        }
        if (method == "public/unsubscribe_all" || method == "private/unsubscribe_all") {
            c.subs.clear();
            reply("\"ok\"");
            return;
        }
        const bool sub = method == "public/subscribe" || method == "private/subscribe";
        const bool unsub = method == "public/unsubscribe" || method == "private/unsubscribe";
        if (!sub && !unsub) {
            error(-32601, "Method not found");
            return;
        }
        simdjson::dom::array channels;
        if (!has_params || params["channels"].get(channels)) {
            error(-32602, "Invalid params", "channels is required");
            return;
        }
        std::vector<sim_subscription> subs;
        for (auto ch : channels) {
            std::string_view name;
            if (ch.get(name)) {
                error(-32602, "Invalid params", "channel must be a string");
                return;
            }
            sim_subscription s;
            if (!parse_channel(ctx, name, s)) {
                error(-32602, "Invalid params", "invalid channel " + std::string(name));
                return;
            }
            subs.push_back(std::move(s));
        }
        if (sub && ctx.refuse_subscription(c)) {
            error(-32602, "Invalid params", "subscription refused");
            return;
        }
        std::string result = "[";
        for (std::size_t i = 0; i < subs.size(); ++i) {
            result += (i ? "," : "") + quote(subs[i].name);
        }
        reply(result + "]");
        for (auto& s : subs) {
            if (sub) {
                ctx.subscribe(c, std::move(s));
            } else {
                (void)ctx.unsubscribe(c, s.key, s.feed);
            }
        }
    }

    void on_tick(sim_context&, sim_client& c, std::chrono::steady_clock::time_point now) override {
        if (c.heartbeat_interval_s > 0 &&
            now - c.last_keepalive >= std::chrono::seconds(c.heartbeat_interval_s)) {
            c.last_keepalive = now;
            c.send(R"({"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}})");
        }
    }

    bool route(std::string_view, std::string_view text, sim_route& out) override {
        if (field_string(text.substr(0, 60), "method") != "subscription") {
            return false;
        }
        const std::string_view channel = field_string(text, "channel");
        const auto first = channel.find('.');
        const auto second = first == std::string_view::npos ? first : channel.find('.', first + 1);
        if (second == std::string_view::npos) {
            return false;
        }
        // book.X.raw and book.X.100ms are one stream here: "book.X".
        out.key = std::string(channel.substr(0, second));
        out.symbol = std::string(channel.substr(first + 1, second - first - 1));
        out.book = channel.starts_with("book.");
        return true;
    }

    std::string render(sim_client&, const sim_subscription& s, std::string_view text) override {
        const std::string_view channel = field_string(text, "channel");
        if (channel == s.name) {
            return std::string(text);
        }
        return replace_field(text, "channel", quote(s.name));
    }

    std::string snapshot(sim_context& ctx, sim_client&, const sim_subscription& s,
                         const feed::venue_book& b) override {
        const auto level = [](std::string& o, std::string_view px, std::string_view sz) {
            o.append("[\"new\",").append(px).append(",").append(sz).append("]");
        };
        const std::string_view last = ctx.last_frame(s.key, s.feed);
        const std::string_view ts = field_raw(last, "timestamp");
        std::string out =
            "{\"jsonrpc\":\"2.0\",\"method\":\"subscription\",\"params\":{\"channel\":" +
            quote(s.name) + ",\"data\":{\"type\":\"snapshot\",\"timestamp\":" +
            (ts.empty() ? std::to_string(ms_of(ctx.capture_time())) : std::string(ts)) +
            ",\"instrument_name\":" + quote(s.symbol) +
            ",\"change_id\":" + std::to_string(b.last_seq) + ",\"bids\":";
        append_levels(out, b.book, side::bid, b.book.depth(side::bid), level);
        out += ",\"asks\":";
        append_levels(out, b.book, side::ask, b.book.depth(side::ask), level);
        return out + "}}}";
    }

    std::optional<sim_http_reply> on_http(sim_context& ctx, std::string_view target) override {
        const std::string_view path = target.substr(0, target.find('?'));
        const std::string us = std::to_string(ms_of(ctx.capture_time()) * 1000);
        const auto wrap = [&](const std::string& result) {
            return sim_http_reply{200, "{\"jsonrpc\":\"2.0\",\"result\":" + result +
                                           ",\"usIn\":" + us + ",\"usOut\":" + us +
                                           ",\"usDiff\":0,\"testnet\":false}"};
        };
        if (path == "/api/v2/public/get_time") {
            return wrap(std::to_string(ms_of(ctx.capture_time())));
        }
        if (path == "/api/v2/public/test") {
            return wrap(R"({"version":"1.2.26"})");
        }
        if (path == "/api/v2/public/get_instruments") {
            return wrap(instruments(ctx, target));
        }
        if (path == "/api/v2/public/get_order_book") {
            const std::string_view name = query_param(target, "instrument_name");
            if (ctx.spec("deribit", name) == nullptr) {
                return sim_http_reply{400, "{\"jsonrpc\":\"2.0\",\"error\":{\"message\":\"Invalid "
                                           "params\",\"data\":{\"reason\":\"instrument not "
                                           "found\",\"param\":\"instrument_name\"},\"code\":-32602}"
                                           ",\"testnet\":false}"};
            }
            std::size_t depth = SIZE_MAX;
            if (const auto d = query_param(target, "depth"); !d.empty()) {
                std::from_chars(d.data(), d.data() + d.size(), depth);
            }
            const feed::venue_book* b = ctx.book("deribit", name);
            const auto level = [](std::string& o, std::string_view px, std::string_view sz) {
                o.append("[").append(px).append(",").append(sz).append("]");
            };
            std::string out = "{\"timestamp\":" + std::to_string(ms_of(ctx.capture_time())) +
                              ",\"state\":\"open\",\"instrument_name\":" + quote(name) +
                              ",\"change_id\":" + std::to_string(b != nullptr ? b->last_seq : 0) +
                              ",\"bids\":";
            if (b != nullptr && b->health == feed::book_health::live) {
                append_levels(out, b->book, side::bid, depth, level);
                out += ",\"asks\":";
                append_levels(out, b->book, side::ask, depth, level);
            } else {
                out += "[],\"asks\":[]";
            }
            return wrap(out + "}");
        }
        return std::nullopt;
    }

  private:
    bool parse_channel(sim_context& ctx, std::string_view name, sim_subscription& s) {
        // book.{instrument}.{raw|100ms|agg2}, ticker.{instrument}.{interval}, trades.{..}.{..}
        const auto first = name.find('.');
        const auto last = name.rfind('.');
        if (first == std::string_view::npos || last == first) {
            return false;
        }
        const std::string_view kind = name.substr(0, first);
        const std::string_view instrument = name.substr(first + 1, last - first - 1);
        const std::string_view interval = name.substr(last + 1);
        if ((kind != "book" && kind != "ticker" && kind != "trades") ||
            (interval != "raw" && interval != "100ms" && interval != "agg2") ||
            ctx.spec("deribit", instrument) == nullptr) {
            return false;
        }
        s.key = std::string(kind) + "." + std::string(instrument);
        s.name = std::string(name);
        s.feed = "deribit";
        s.symbol = std::string(instrument);
        s.book = kind == "book";
        return true;
    }

    // The recorded get_instruments replies (one per currency), filtered as asked; derived from
    // the capture's instruments when none was recorded.
    std::string instruments(sim_context& ctx, std::string_view target) {
        const std::string_view currency = query_param(target, "currency");
        const std::string_view kind = query_param(target, "kind");
        std::string out = "[";
        bool first = true;
        const auto replies = ctx.recorded_replies("get_instruments");
        for (const auto* body : replies) {
            element root;
            simdjson::dom::array rows;
            if (parse(row_parser_, *body, root) || root["result"].get(rows)) {
                continue;
            }
            for (auto row : rows) {
                std::string_view base;
                std::string_view k;
                if (row["base_currency"].get(base) || row["kind"].get(k)) {
                    continue;
                }
                if ((!currency.empty() && currency != "any" && base != currency) ||
                    (!kind.empty() && k != kind)) {
                    continue;
                }
                out += (first ? "" : ",") + to_json(row);
                first = false;
            }
        }
        if (replies.empty()) {
            for (const auto* s : ctx.symbols("deribit")) {
                if (!currency.empty() && currency != "any" && s->base != currency) {
                    continue;
                }
                const bool option = s->kind == instrument_kind::option;
                const std::string k =
                    option ? "option" : (s->kind == instrument_kind::spot ? "spot" : "future");
                if (!kind.empty() && kind != k) {
                    continue;
                }
                char buf[64];
                std::snprintf(buf, sizeof buf, "%g", s->contract_size);
                out +=
                    (first ? "" : ",") + std::string("{\"instrument_name\":") + quote(s->symbol) +
                    ",\"kind\":" + quote(k) + ",\"base_currency\":" + quote(s->base) +
                    ",\"quote_currency\":" + quote(s->quote) +
                    ",\"counter_currency\":" + quote(s->quote) +
                    ",\"settlement_currency\":" + quote(s->settle.empty() ? s->base : s->settle) +
                    ",\"tick_size\":" + step_text(s->tick) + ",\"contract_size\":" + buf +
                    ",\"min_trade_amount\":" + step_text(s->lot) +
                    ",\"is_active\":true,\"expiration_timestamp\":" +
                    std::to_string(s->expiry.ns / 1000000) +
                    (option ? ",\"option_type\":" +
                                  quote(s->right == option_right::call ? "call" : "put") +
                                  ",\"strike\":" + std::to_string(s->strike)
                            : "") +
                    "}";
                first = false;
            }
        }
        return out + "]";
    }

    simdjson::dom::parser parser_;
    simdjson::dom::parser row_parser_;
};

} // namespace

std::unique_ptr<sim_protocol> make_deribit_protocol() {
    return std::make_unique<deribit_protocol>();
}

} // namespace ballast::exec
