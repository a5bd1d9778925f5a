#include "feed/venue_protocol.hpp"

#include "feed/recording.hpp"
#include "feed/venues.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace ballast::feed {

namespace {

using namespace std::chrono_literals;

/// `symbols` in groups of at most `n` (a venue's per-request limit).
std::vector<std::vector<std::string>> chunks(const std::vector<std::string>& symbols,
                                             std::size_t n) {
    std::vector<std::vector<std::string>> out;
    for (std::size_t i = 0; i < symbols.size(); i += n) {
        out.emplace_back(symbols.begin() + static_cast<std::ptrdiff_t>(i),
                         symbols.begin() +
                             static_cast<std::ptrdiff_t>(std::min(i + n, symbols.size())));
    }
    return out;
}

/// `"a","b",...` with each item escaped, built by `item(symbol)`.
template <class F> std::string json_list(const std::vector<std::string>& symbols, F&& item) {
    std::string out;
    for (const auto& s : symbols) {
        if (!out.empty()) {
            out += ',';
        }
        append_json_string(out, item(s));
    }
    return out;
}

std::string lower(std::string_view s) {
    std::string r(s);
    std::transform(r.begin(), r.end(), r.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return r;
}

/// A string field of a small JSON object frame ("" when absent or not an object). Control
/// frames are short and rare; a DOM parse keeps the check exact.
std::string field(std::string_view frame, std::string_view key) {
    // Book frames go through here on every message: a frame that does not hold "key" at all
    // is answered without parsing it.
    char quoted[40];
    if (key.size() + 2 > sizeof quoted) {
        return {};
    }
    quoted[0] = '"';
    std::memcpy(quoted + 1, key.data(), key.size());
    quoted[key.size() + 1] = '"';
    if (frame.find(std::string_view(quoted, key.size() + 2)) == std::string_view::npos) {
        return {};
    }
    thread_local simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(frame.data(), frame.size(), true).get(doc)) {
        return {};
    }
    simdjson::dom::object o;
    if (doc.get_object().get(o)) {
        return {};
    }
    simdjson::dom::element v;
    if (o.at_key(key).get(v)) {
        return {};
    }
    if (v.is_string()) {
        return std::string(v.get_string().value_unsafe());
    }
    if (v.is_bool()) {
        return v.get_bool().value_unsafe() ? "true" : "false";
    }
    return simdjson::minify(v);
}

/// Only frames this short are checked for control messages (book frames are longer or are
/// not objects of this shape).
constexpr std::size_t control_frame_max = 512;

// Binance spot and USD-M ("Live Subscribing/Unsubscribing to streams" in the WebSocket
// Streams docs; "How to manage a local order book correctly").
class binance_protocol final : public venue_protocol {
  public:
    binance_protocol(bool usdm, std::string channel)
        : usdm_(usdm), channel_(channel.empty() ? "depth@100ms" : std::move(channel)) {}
    std::vector<std::string> subscribe(const std::vector<std::string>& symbols) override {
        return requests("SUBSCRIBE", symbols);
    }
    std::vector<std::string> unsubscribe(const std::vector<std::string>& symbols) override {
        return requests("UNSUBSCRIBE", symbols);
    }
    std::string refusal(std::string_view frame) const override {
        if (frame.size() > control_frame_max) {
            return {};
        }
        const std::string e = field(frame, "error");
        return e.empty() ? field(frame, "msg") : e;
    }
    resync_method resync() const override { return resync_method::rest_snapshot; }
    /// A combined stream's "<symbol>@depth@100ms" -> "depth@100ms".
    std::string recorded_channel(std::string_view frame) const override {
        const std::string stream = field(frame, "stream");
        const auto at = stream.find('@');
        if (at == std::string::npos || stream.compare(at + 1, 5, "depth") != 0) {
            return {};
        }
        return stream.substr(at + 1);
    }
    std::string snapshot_target(std::string_view symbol) const override {
        return std::string(usdm_ ? "/fapi/v1/depth?symbol=" : "/api/v3/depth?symbol=") +
               std::string(symbol) + "&limit=1000";
    }
    std::vector<std::string> instrument_targets(const std::vector<std::string>&) const override {
        return {usdm_ ? "/fapi/v1/exchangeInfo" : "/api/v3/exchangeInfo"};
    }
    venue_endpoints production() const override {
        if (usdm_) {
            return {"wss://fstream.binance.com/stream", "https://fapi.binance.com"};
        }
        return {"wss://stream.binance.com:9443/stream", "https://api.binance.com"};
    }

  private:
    // Binance allows 5 incoming messages a second and 1024 streams a connection; 200 streams
    // per request keeps a request small.
    std::vector<std::string> requests(std::string_view method,
                                      const std::vector<std::string>& symbols) {
        std::vector<std::string> out;
        for (const auto& group : chunks(symbols, 200)) {
            out.push_back(
                "{\"method\":\"" + std::string(method) + "\",\"params\":[" +
                json_list(group, [&](const std::string& s) { return lower(s) + "@" + channel_; }) +
                "],\"id\":" + std::to_string(next_id_++) + "}");
        }
        return out;
    }
    bool usdm_;
    std::string channel_;
    std::int64_t next_id_ = 1;
};

// OKX v5 public channels ("Subscribe", "Connect" in the v5 WebSocket docs: send "ping" when
// nothing arrived for under 30 s; "pong" answers).
class okx_protocol final : public venue_protocol {
  public:
    explicit okx_protocol(std::string channel)
        : channel_(channel.empty() ? "books" : std::move(channel)) {}
    /// A push's {"arg":{"channel":"books..."}}.
    std::string recorded_channel(std::string_view frame) const override {
        if (frame.find("\"books") == std::string_view::npos) {
            return {};
        }
        thread_local simdjson::dom::parser parser;
        simdjson::dom::element doc;
        std::string_view channel;
        if (parser.parse(frame.data(), frame.size(), true).get(doc) ||
            doc["arg"]["channel"].get(channel) || channel.rfind("books", 0) != 0) {
            return {};
        }
        return std::string(channel);
    }
    std::vector<std::string> subscribe(const std::vector<std::string>& symbols) override {
        return requests("subscribe", symbols);
    }
    std::vector<std::string> unsubscribe(const std::vector<std::string>& symbols) override {
        return requests("unsubscribe", symbols);
    }
    std::string ping() override { return "ping"; }
    bool is_control(std::string_view frame) const override { return frame == "pong"; }
    std::string refusal(std::string_view frame) const override {
        if (frame.size() > control_frame_max || field(frame, "event") != "error") {
            return {};
        }
        return field(frame, "code") + " " + field(frame, "msg");
    }
    resync_method resync() const override { return resync_method::resubscribe; }
    std::vector<std::string>
    instrument_targets(const std::vector<std::string>& symbols) const override {
        std::vector<std::string> out = {"/api/v5/public/instruments?instType=SPOT",
                                        "/api/v5/public/instruments?instType=SWAP",
                                        "/api/v5/public/instruments?instType=FUTURES"};
        // Options are listed per family: BASE-QUOTE-EXPIRY-STRIKE-TYPE is in family BASE-QUOTE.
        for (const auto& s : symbols) {
            if (std::count(s.begin(), s.end(), '-') == 4) {
                const auto second = s.find('-', s.find('-') + 1);
                std::string t =
                    "/api/v5/public/instruments?instType=OPTION&instFamily=" + s.substr(0, second);
                if (std::find(out.begin(), out.end(), t) == out.end()) {
                    out.push_back(std::move(t));
                }
            }
        }
        return out;
    }
    venue_endpoints production() const override {
        return {"wss://ws.okx.com:8443/ws/v5/public", "https://www.okx.com"};
    }

  private:
    std::vector<std::string> requests(std::string_view op,
                                      const std::vector<std::string>& symbols) {
        std::vector<std::string> out;
        // The args of one request may not exceed 64 KB.
        for (const auto& group : chunks(symbols, 100)) {
            std::string args;
            for (const auto& s : group) {
                args += args.empty() ? "{\"channel\":" : ",{\"channel\":";
                append_json_string(args, channel_);
                args += ",\"instId\":";
                append_json_string(args, s);
                args += '}';
            }
            out.push_back("{\"op\":\"" + std::string(op) + "\",\"args\":[" + args + "]}");
        }
        return out;
    }
    std::string channel_;
};

// Bybit v5 public streams ("Connect": ping every 20 s; "Orderbook"; spot takes at most 10
// args per subscription request).
class bybit_protocol final : public venue_protocol {
  public:
    bybit_protocol(bool linear, std::string depth)
        : linear_(linear), depth_(depth.empty() ? "50" : std::move(depth)) {}
    std::vector<std::string> subscribe(const std::vector<std::string>& symbols) override {
        return requests("subscribe", symbols);
    }
    std::vector<std::string> unsubscribe(const std::vector<std::string>& symbols) override {
        return requests("unsubscribe", symbols);
    }
    std::string ping() override {
        return "{\"req_id\":\"p" + std::to_string(next_id_++) + "\",\"op\":\"ping\"}";
    }
    bool is_control(std::string_view frame) const override {
        if (frame.size() > control_frame_max) {
            return false;
        }
        const std::string op = field(frame, "op");
        return op == "pong" || (op == "ping" && field(frame, "ret_msg") == "pong");
    }
    std::string refusal(std::string_view frame) const override {
        if (frame.size() > control_frame_max || field(frame, "success") != "false") {
            return {};
        }
        return field(frame, "ret_msg");
    }
    resync_method resync() const override { return resync_method::resubscribe; }
    /// "orderbook.{depth}.{symbol}" -> depth.
    std::string recorded_channel(std::string_view frame) const override {
        const std::string topic = field(frame, "topic");
        constexpr std::string_view book = "orderbook.";
        if (topic.rfind(book, 0) != 0) {
            return {};
        }
        return topic.substr(book.size(), topic.find('.', book.size()) - book.size());
    }
    std::vector<std::string> instrument_targets(const std::vector<std::string>&) const override {
        return {std::string("/v5/market/instruments-info?category=") +
                (linear_ ? "linear" : "spot") + "&limit=1000"};
    }
    venue_endpoints production() const override {
        return {linear_ ? "wss://stream.bybit.com/v5/public/linear"
                        : "wss://stream.bybit.com/v5/public/spot",
                "https://api.bybit.com"};
    }

  private:
    std::vector<std::string> requests(std::string_view op,
                                      const std::vector<std::string>& symbols) {
        std::vector<std::string> out;
        for (const auto& group : chunks(symbols, 10)) {
            out.push_back(
                "{\"req_id\":\"" + std::to_string(next_id_++) + "\",\"op\":\"" + std::string(op) +
                "\",\"args\":[" +
                json_list(group,
                          [&](const std::string& s) { return "orderbook." + depth_ + "." + s; }) +
                "]}");
        }
        return out;
    }
    bool linear_;
    std::string depth_;
    std::int64_t next_id_ = 1;
};

// Coinbase Advanced Trade ("Channels": level2; heartbeats keep a quiet connection open).
// sequence_num spans the connection, so a lost message can only be repaired by a new one.
class coinbase_protocol final : public venue_protocol {
  public:
    explicit coinbase_protocol(std::string channel)
        : channel_(channel.empty() ? "level2" : std::move(channel)) {}
    std::vector<std::string> subscribe(const std::vector<std::string>& symbols) override {
        return requests("subscribe", symbols);
    }
    std::vector<std::string> unsubscribe(const std::vector<std::string>& symbols) override {
        return requests("unsubscribe", symbols);
    }
    std::string refusal(std::string_view frame) const override {
        // Every message has a "type": look for the error's own text first.
        if (frame.size() > control_frame_max || frame.find("\"error\"") == std::string_view::npos ||
            field(frame, "type") != "error") {
            return {};
        }
        return field(frame, "message");
    }
    resync_method resync() const override { return resync_method::reconnect; }
    std::vector<std::string> instrument_targets(const std::vector<std::string>&) const override {
        return {"/api/v3/brokerage/market/products"};
    }
    venue_endpoints production() const override {
        return {"wss://advanced-trade-ws.coinbase.com", "https://api.coinbase.com"};
    }

  private:
    std::vector<std::string> requests(std::string_view type,
                                      const std::vector<std::string>& symbols) {
        std::vector<std::string> out;
        const std::string ids =
            "[" + json_list(symbols, [](const std::string& s) { return s; }) + "]";
        for (const std::string_view channel :
             {std::string_view(channel_), std::string_view("heartbeats")}) {
            out.push_back("{\"type\":\"" + std::string(type) + "\",\"product_ids\":" + ids +
                          ",\"channel\":\"" + std::string(channel) + "\"}");
        }
        return out;
    }
    std::string channel_;
};

// Coinbase Exchange ("Websocket Feed": subscribe; the level2 and level2_batch channels).
class coinbase_exchange_protocol final : public venue_protocol {
  public:
    explicit coinbase_exchange_protocol(std::string channel)
        : channel_(channel.empty() ? "level2_batch" : std::move(channel)) {}
    std::vector<std::string> subscribe(const std::vector<std::string>& symbols) override {
        return {request("subscribe", symbols)};
    }
    std::vector<std::string> unsubscribe(const std::vector<std::string>& symbols) override {
        return {request("unsubscribe", symbols)};
    }
    std::string refusal(std::string_view frame) const override {
        // Every message has a "type": look for the error's own text first.
        if (frame.size() > control_frame_max || frame.find("\"error\"") == std::string_view::npos ||
            field(frame, "type") != "error") {
            return {};
        }
        return field(frame, "message") + " " + field(frame, "reason");
    }
    resync_method resync() const override { return resync_method::resubscribe; }
    std::vector<std::string> instrument_targets(const std::vector<std::string>&) const override {
        return {"/products"};
    }
    venue_endpoints production() const override {
        return {"wss://ws-feed.exchange.coinbase.com", "https://api.exchange.coinbase.com"};
    }

  private:
    std::string request(std::string_view type, const std::vector<std::string>& symbols) const {
        return "{\"type\":\"" + std::string(type) + "\",\"product_ids\":[" +
               json_list(symbols, [](const std::string& s) { return s; }) + "],\"channels\":[\"" +
               channel_ + "\"]}";
    }
    std::string channel_;
};

// Kraken WebSocket v1 ("subscribe", "ping", "heartbeat") and v2 ("book", "ping").
class kraken_protocol final : public venue_protocol {
  public:
    kraken_protocol(bool v2, std::string depth)
        : v2_(v2), depth_(depth.empty() ? "10" : std::move(depth)) {}
    std::vector<std::string> subscribe(const std::vector<std::string>& symbols) override {
        return {request("subscribe", symbols)};
    }
    std::vector<std::string> unsubscribe(const std::vector<std::string>& symbols) override {
        return {request("unsubscribe", symbols)};
    }
    std::string ping() override {
        const auto id = std::to_string(next_id_++);
        return v2_ ? "{\"method\":\"ping\",\"req_id\":" + id + "}"
                   : "{\"event\":\"ping\",\"reqid\":" + id + "}";
    }
    bool is_control(std::string_view frame) const override {
        if (frame.size() > control_frame_max || frame.empty() || frame.front() != '{') {
            return false;
        }
        if (v2_) {
            return field(frame, "method") == "pong" ||
                   (frame.find("heartbeat") != std::string_view::npos &&
                    field(frame, "channel") == "heartbeat");
        }
        const std::string event = field(frame, "event");
        return event == "pong" || event == "heartbeat";
    }
    std::string refusal(std::string_view frame) const override {
        if (frame.size() > control_frame_max || frame.empty() || frame.front() != '{') {
            return {};
        }
        if (v2_) {
            return field(frame, "success") == "false" ? field(frame, "error") : std::string();
        }
        const std::string event = field(frame, "event");
        if (event == "error" ||
            (event == "subscriptionStatus" && field(frame, "status") == "error")) {
            return field(frame, "errorMessage");
        }
        return {};
    }
    resync_method resync() const override { return resync_method::resubscribe; }
    std::vector<std::string> instrument_targets(const std::vector<std::string>&) const override {
        return {"/0/public/AssetPairs"};
    }
    venue_endpoints production() const override {
        return {v2_ ? "wss://ws.kraken.com/v2" : "wss://ws.kraken.com", "https://api.kraken.com"};
    }

  private:
    std::string request(std::string_view what, const std::vector<std::string>& symbols) {
        const auto id = std::to_string(next_id_++);
        const std::string list = json_list(symbols, [](const std::string& s) { return s; });
        if (v2_) {
            return "{\"method\":\"" + std::string(what) +
                   "\",\"params\":{\"channel\":\"book\",\"symbol\":[" + list +
                   "],\"depth\":" + depth_ + "},\"req_id\":" + id + "}";
        }
        return "{\"event\":\"" + std::string(what) + "\",\"reqid\":" + id + ",\"pair\":[" + list +
               "],\"subscription\":{\"name\":\"book\",\"depth\":" + depth_ + "}}";
    }
    bool v2_;
    std::string depth_;
    std::int64_t next_id_ = 1;
};

// Deribit JSON-RPC over WebSocket ("public/subscribe", "public/set_heartbeat": answer each
// test_request with public/test or the connection is closed).
class deribit_protocol final : public venue_protocol {
  public:
    explicit deribit_protocol(std::string interval)
        : interval_(interval.empty() ? "100ms" : std::move(interval)) {}
    std::vector<std::string> on_open() override {
        return {"{\"jsonrpc\":\"2.0\",\"id\":" + std::to_string(next_id_++) +
                ",\"method\":\"public/set_heartbeat\",\"params\":{\"interval\":30}}"};
    }
    std::vector<std::string> subscribe(const std::vector<std::string>& symbols) override {
        return {request("public/subscribe", symbols)};
    }
    std::vector<std::string> unsubscribe(const std::vector<std::string>& symbols) override {
        return {request("public/unsubscribe", symbols)};
    }
    bool is_control(std::string_view frame) const override {
        return frame.size() <= control_frame_max &&
               frame.find("heartbeat") != std::string_view::npos &&
               field(frame, "method") == "heartbeat";
    }
    std::string answer(std::string_view frame) override {
        if (frame.size() > control_frame_max ||
            frame.find("test_request") == std::string_view::npos ||
            field(frame, "method") != "heartbeat") {
            return {};
        }
        return "{\"jsonrpc\":\"2.0\",\"id\":" + std::to_string(next_id_++) +
               ",\"method\":\"public/test\",\"params\":{}}";
    }
    std::string refusal(std::string_view frame) const override {
        if (frame.size() > control_frame_max) {
            return {};
        }
        return field(frame, "error");
    }
    resync_method resync() const override { return resync_method::resubscribe; }
    std::vector<std::string> instrument_targets(const std::vector<std::string>&) const override {
        return {"/api/v2/public/get_instruments?currency=any"};
    }
    venue_endpoints production() const override {
        return {"wss://www.deribit.com/ws/api/v2", "https://www.deribit.com"};
    }

  private:
    std::string request(std::string_view method, const std::vector<std::string>& symbols) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + std::to_string(next_id_++) + ",\"method\":\"" +
               std::string(method) + "\",\"params\":{\"channels\":[" +
               json_list(symbols,
                         [&](const std::string& s) { return "book." + s + "." + interval_; }) +
               "]}}";
    }
    std::string interval_;
    std::int64_t next_id_ = 1;
};

} // namespace

bool is_instrument_target(std::string_view url) {
    const auto scheme = url.find("://");
    std::string_view target = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
    const auto slash = target.find('/');
    target = slash == std::string_view::npos ? std::string_view{} : target.substr(slash);
    target = target.substr(0, target.find('?'));
    // The path part of every venue's instrument_targets(), taken from the protocols once.
    static const std::vector<std::string> paths = [] {
        std::vector<std::string> out;
        for (const auto venue : venue_names()) {
            for (const auto& t : make_venue_protocol(venue)->instrument_targets({})) {
                std::string path = t.substr(0, t.find('?'));
                if (std::find(out.begin(), out.end(), path) == out.end()) {
                    out.push_back(std::move(path));
                }
            }
        }
        return out;
    }();
    return std::find(paths.begin(), paths.end(), target) != paths.end();
}

std::unique_ptr<venue_protocol> make_venue_protocol(std::string_view venue,
                                                    const venue_protocol_options& o) {
    if (venue == "binance" || venue == "binance_usdm") {
        return std::make_unique<binance_protocol>(venue == "binance_usdm", o.channel);
    }
    if (venue == "okx") {
        return std::make_unique<okx_protocol>(o.channel);
    }
    if (venue == "bybit_spot" || venue == "bybit_linear") {
        return std::make_unique<bybit_protocol>(venue == "bybit_linear", o.channel);
    }
    if (venue == "coinbase") {
        return std::make_unique<coinbase_protocol>(o.channel);
    }
    if (venue == "coinbase_exchange") {
        return std::make_unique<coinbase_exchange_protocol>(o.channel);
    }
    if (venue == "kraken" || venue == "kraken_v2") {
        return std::make_unique<kraken_protocol>(venue == "kraken_v2", o.channel);
    }
    if (venue == "deribit") {
        return std::make_unique<deribit_protocol>(o.channel);
    }
    return nullptr;
}

} // namespace ballast::feed
