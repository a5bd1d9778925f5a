// OKX v5 public market data as sim-venue serves it. Docs: "WebSocket > Subscribe /
// Unsubscribe" (acks with connId, error event codes 60012 invalid request, 60018 channel or
// instId does not exist), "Order book channel" (action snapshot/update, seqId/prevSeqId,
// checksum: CRC32 of the interleaved top 25 bid:ask "price:size" strings, signed 32-bit),
// "ping" -> "pong"; REST "Get order book" /api/v5/market/books (sz up to 400) and
// "Get instruments" /api/v5/public/instruments.
#include "exec/gateway_okx.hpp"
#include "exec/sim_venue_json.hpp"
#include "exec/sim_venue_private.hpp"
#include "exec/sim_venue_protocols.hpp"

#include <zlib.h>

namespace ballast::exec {

namespace {

using namespace simj;

constexpr std::string_view okx_channels[] = {"books",
                                             "books5",
                                             "bbo-tbt",
                                             "books-l2-tbt",
                                             "books50-l2-tbt",
                                             "tickers",
                                             "trades",
                                             "trades-all",
                                             "candle1m",
                                             "mark-price",
                                             "index-tickers",
                                             "funding-rate",
                                             "open-interest",
                                             "price-limit",
                                             "estimated-price",
                                             "opt-summary",
                                             "liquidation-orders"};

bool incremental_book(std::string_view channel) {
    return channel == "books" || channel == "books-l2-tbt" || channel == "books50-l2-tbt";
}

std::int32_t okx_checksum(const l2_book& b) {
    std::string text;
    const std::size_t bids = std::min<std::size_t>(25, b.depth(side::bid));
    const std::size_t asks = std::min<std::size_t>(25, b.depth(side::ask));
    for (std::size_t i = 0; i < std::max(bids, asks); ++i) {
        for (auto [s, n] : {std::pair{side::bid, bids}, std::pair{side::ask, asks}}) {
            if (i < n) {
                if (!text.empty()) {
                    text.push_back(':');
                }
                text.append(price_text(b, s, i)).push_back(':');
                text.append(size_text(b, s, i));
            }
        }
    }
    const auto crc =
        ::crc32(0L, reinterpret_cast<const Bytef*>(text.data()), static_cast<uInt>(text.size()));
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(crc));
}

void okx_level(std::string& out, std::string_view px, std::string_view sz) {
    // The order counts are not kept by the book; "0" liquidated orders, "1" order.
    out.append("[\"").append(px).append("\",\"").append(sz).append("\",\"0\",\"1\"]");
}

class okx_protocol final : public sim_protocol {
  public:
    std::string_view venue() const override { return "okx"; }
    std::vector<endpoint> endpoints() const override {
        return {{"/ws/v5/public", "ws", "okx"}, {"/ws/v5/private", "ws_private", "okx"}};
    }
    sim_venue_rules order_rules() const override { return private_->rules(); }
    std::optional<sim_http_reply> on_request(sim_context& ctx, const sim_http_request& r) override {
        return private_->on_request(ctx, r);
    }
    bool serves_feed(std::string_view f) const override { return f == "okx"; }
    void on_open(sim_context& ctx, sim_client& c) override { (void)private_->on_open(ctx, c); }
    std::vector<std::string> on_event(sim_context& ctx, sim_client& c,
                                      const sim_event& e) override {
        return private_->on_event(ctx, c, e);
    }

    void on_message(sim_context& ctx, sim_client& c, std::string_view text) override {
        if (c.endpoint == 1) {
            private_->on_message(ctx, c, text); // login, orders channel, order ops
            return;
        }
        if (text == "ping") {
            c.send("pong");
            return;
        }
        const std::string conn_id = "\"connId\":\"" + sim_connection_id(c) + "\"";
        const auto invalid = [&] {
            c.send("{\"event\":\"error\",\"code\":\"60012\",\"msg\":" +
                   quote("Invalid request: " + std::string(text.substr(0, 200))) + "," + conn_id +
                   "}");
        };
        element root;
        std::string_view op;
        simdjson::dom::array args;
        if (parse(parser_, text, root) || root["op"].get(op) || root["args"].get(args) ||
            (op != "subscribe" && op != "unsubscribe")) {
            invalid();
            return;
        }
        std::string id_field;
        std::string_view id;
        if (!root["id"].get(id)) {
            id_field = ",\"id\":" + quote(id);
        }
        struct item {
            std::string channel;
            std::string inst;
        };
        std::vector<item> items;
        for (auto a : args) {
            std::string_view channel;
            std::string_view inst;
            if (a["channel"].get(channel) || a["instId"].get(inst)) {
                invalid();
                return;
            }
            const bool known_channel = std::find(std::begin(okx_channels), std::end(okx_channels),
                                                 channel) != std::end(okx_channels);
            if (!known_channel || ctx.spec("okx", inst) == nullptr) {
                c.send("{\"event\":\"error\",\"code\":\"60018\",\"msg\":" +
                       quote("Wrong URL or channel:" + std::string(channel) +
                             ",instId:" + std::string(inst) +
                             " doesn't exist. Please use the correct URL, channel and "
                             "parameters referring to API document.") +
                       id_field + "," + conn_id + "}");
                return;
            }
            items.push_back({std::string(channel), std::string(inst)});
        }
        if (op == "subscribe" && ctx.refuse_subscription(c)) {
            c.send("{\"event\":\"error\",\"code\":\"60012\",\"msg\":\"Subscription refused\"" +
                   id_field + "," + conn_id + "}");
            return;
        }
        for (auto& it : items) {
            const std::string arg =
                "{\"channel\":" + quote(it.channel) + ",\"instId\":" + quote(it.inst) + "}";
            c.send("{" + id_field.substr(id_field.empty() ? 0 : 1) + (id_field.empty() ? "" : ",") +
                   "\"event\":\"" + std::string(op) + "\",\"arg\":" + arg + "," + conn_id + "}");
            sim_subscription s;
            s.key = it.channel + ":" + it.inst;
            s.feed = "okx";
            s.symbol = it.inst;
            s.name = it.channel;
            s.book = incremental_book(it.channel);
            if (op == "subscribe") {
                ctx.subscribe(c, std::move(s));
            } else {
                (void)ctx.unsubscribe(c, s.key, s.feed);
            }
        }
    }

    bool route(std::string_view, std::string_view text, sim_route& out) override {
        if (!text.starts_with("{\"arg\"")) {
            return false; // events (subscribe acks, errors), pongs
        }
        const std::string_view head = text.substr(0, 200);
        const std::string_view channel = field_string(head, "channel");
        const std::string_view inst = field_string(head, "instId");
        if (channel.empty() || inst.empty()) {
            return false;
        }
        out.key = std::string(channel) + ":" + std::string(inst);
        out.symbol = std::string(inst);
        out.book = incremental_book(channel);
        return true;
    }

    std::string snapshot(sim_context& ctx, sim_client&, const sim_subscription& s,
                         const feed::venue_book& b) override {
        const std::string_view last = ctx.last_frame(s.key, s.feed);
        std::string_view ts = field_string(last, "ts");
        const std::string ts_text =
            ts.empty() ? std::to_string(ms_of(ctx.capture_time())) : std::string(ts);
        std::string out = "{\"arg\":{\"channel\":" + quote(s.name) +
                          ",\"instId\":" + quote(s.symbol) +
                          "},\"action\":\"snapshot\",\"data\":[{\"asks\":";
        append_levels(out, b.book, side::ask, b.book.depth(side::ask), okx_level);
        out += ",\"bids\":";
        append_levels(out, b.book, side::bid, b.book.depth(side::bid), okx_level);
        out += ",\"ts\":" + quote(ts_text);
        // Captures from before OKX added seqId carry none; the chain then starts at the
        // next update that has one.
        if (b.last_seq >= 0) {
            out += ",\"prevSeqId\":-1,\"seqId\":" + std::to_string(b.last_seq);
        }
        out += ",\"checksum\":" + std::to_string(okx_checksum(b.book)) + "}]}";
        return out;
    }

    std::optional<std::string> corrupt_checksum(std::string_view text) override {
        const std::string_view v = field_raw(text, "checksum");
        if (v.empty()) {
            return std::nullopt;
        }
        std::int64_t n = 0;
        std::from_chars(v.data(), v.data() + v.size(), n);
        return replace_field(text, "checksum", std::to_string(n == 1 ? 2 : n ^ 1));
    }

    std::optional<sim_http_reply> on_http(sim_context& ctx, std::string_view target) override {
        const std::string_view path = target.substr(0, target.find('?'));
        if (path == "/api/v5/public/time") {
            return sim_http_reply{200, "{\"code\":\"0\",\"msg\":\"\",\"data\":[{\"ts\":\"" +
                                           std::to_string(ms_of(ctx.capture_time())) + "\"}]}"};
        }
        if (path == "/api/v5/market/books" || path == "/api/v5/market/books-full") {
            const std::string_view inst = query_param(target, "instId");
            if (inst.empty()) {
                return sim_http_reply{
                    400, R"({"code":"50014","msg":"Parameter instId can not be empty","data":[]})"};
            }
            const feed::venue_book* b = ctx.book("okx", inst);
            if (ctx.spec("okx", inst) == nullptr) {
                return sim_http_reply{
                    400, R"({"code":"51001","msg":"Instrument ID does not exist","data":[]})"};
            }
            std::size_t sz = 1;
            if (const auto v = query_param(target, "sz"); !v.empty()) {
                std::from_chars(v.data(), v.data() + v.size(), sz);
                sz = std::clamp<std::size_t>(sz, 1, path.ends_with("full") ? 5000 : 400);
            }
            std::string out = "{\"code\":\"0\",\"msg\":\"\",\"data\":[{\"asks\":";
            if (b != nullptr && b->health == feed::book_health::live) {
                append_levels(out, b->book, side::ask, sz, okx_level);
                out += ",\"bids\":";
                append_levels(out, b->book, side::bid, sz, okx_level);
            } else {
                out += "[],\"bids\":[]";
            }
            out += ",\"ts\":\"" + std::to_string(ms_of(ctx.capture_time())) + "\"}]}";
            return sim_http_reply{200, std::move(out)};
        }
        if (path == "/api/v5/public/instruments") {
            const std::string_view type = query_param(target, "instType");
            if (type.empty()) {
                return sim_http_reply{
                    400,
                    R"({"code":"50014","msg":"Parameter instType can not be empty","data":[]})"};
            }
            if (const auto* r = ctx.recorded_reply("instType=" + std::string(type))) {
                return sim_http_reply{200, *r};
            }
            std::string out = "{\"code\":\"0\",\"msg\":\"\",\"data\":[";
            bool first = true;
            for (const auto* s : ctx.symbols("okx")) {
                if (okx_inst_type(*s) != type) {
                    continue;
                }
                out += first ? "{" : ",{";
                first = false;
                const bool inverse = s->kind == instrument_kind::inverse_perp ||
                                     s->kind == instrument_kind::inverse_future;
                const bool spot = s->kind == instrument_kind::spot;
                char ct[32];
                std::snprintf(ct, sizeof ct, "%g", s->contract_size);
                out += "\"instType\":" + quote(type) + ",\"instId\":" + quote(s->symbol) +
                       ",\"uly\":" + quote(spot ? "" : s->base + "-" + s->quote) +
                       ",\"instFamily\":" + quote(spot ? "" : s->base + "-" + s->quote) +
                       ",\"baseCcy\":" + quote(spot ? s->base : "") +
                       ",\"quoteCcy\":" + quote(spot ? s->quote : "") +
                       ",\"settleCcy\":" + quote(spot ? "" : s->settle) +
                       ",\"ctValCcy\":" + quote(spot ? "" : (inverse ? s->quote : s->base)) +
                       ",\"ctVal\":" + quote(spot ? "" : ct) +
                       ",\"ctMult\":" + quote(spot ? "" : "1") +
                       ",\"ctType\":" + quote(spot ? "" : (inverse ? "inverse" : "linear")) +
                       ",\"tickSz\":" + quote(step_text(s->tick)) +
                       ",\"lotSz\":" + quote(step_text(s->lot)) +
                       ",\"minSz\":" + quote(step_text(s->lot)) +
                       ",\"state\":\"live\",\"listTime\":\"1600000000000\",\"expTime\":\"\","
                       "\"lever\":\"" +
                       std::string(spot ? "" : "50") +
                       "\",\"alias\":\"\",\"optType\":\"\",\"stk\":\"\",\"maxLmtSz\":"
                       "\"10000000\",\"maxMktSz\":\"1000000\"";
                out += "}";
            }
            out += "]}";
            return sim_http_reply{200, std::move(out)};
        }
        return std::nullopt;
    }

  private:
    simdjson::dom::parser parser_;
    std::unique_ptr<sim_private_api> private_ = make_okx_private(); ///< order entry
};

} // namespace

std::unique_ptr<sim_protocol> make_okx_protocol() {
    return std::make_unique<okx_protocol>();
}

} // namespace ballast::exec
