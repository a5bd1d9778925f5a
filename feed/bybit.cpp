#include "feed/bybit.hpp"

#include <charconv>

namespace ballast::feed {

using namespace simdjson;

bybit_feed::bybit_feed(bybit_category category, const instrument_registry& instruments,
                       reject_log& rejects, feed_options options)
    : venue_feed(category == bybit_category::spot ? "bybit_spot" : "bybit_linear", instruments,
                 rejects, std::move(options)) {}

void bybit_feed::on_frame(const feed_frame& f) noexcept {
    ++frames_;
    dom::element doc;
    dom::object root;
    if (parse_dom(f, doc) || doc.get_object().get(root)) {
        reject(nullptr, f, "invalid JSON");
        return;
    }
    std::string_view topic;
    if (!optional_string(root, "topic", topic)) {
        reject(nullptr, f, "\"topic\" is not a string");
        return;
    }
    if (topic.empty()) {
        if (!root["op"].error() || !root["success"].error()) {
            return; // subscribe/pong replies
        }
        reject(nullptr, f, "message without topic");
        return;
    }
    if (!topic.starts_with("orderbook.")) {
        return; // tickers, trades, klines
    }
    // orderbook.{depth}.{symbol}
    const std::string_view rest = topic.substr(10);
    const auto dot = rest.find('.');
    std::size_t depth = 0;
    if (dot == std::string_view::npos ||
        std::from_chars(rest.data(), rest.data() + dot, depth).ec != std::errc{} || depth == 0) {
        reject(nullptr, f, "bad orderbook topic", topic);
        return;
    }
    venue_book* b = book_for(rest.substr(dot + 1), f);
    if (b == nullptr) {
        return;
    }
    ++b->counters.messages;
    b->depth_limit = depth;
    std::string_view type;
    dom::object data;
    if (root["type"].get_string().get(type) || (type != "snapshot" && type != "delta")) {
        reject(b, f, "type is not snapshot/delta");
        return;
    }
    if (root["data"].get_object().get(data)) {
        reject(b, f, "missing data object");
        return;
    }
    clear_staged();
    std::int64_t u = -1;
    bool ok = true;
    std::string_view symbol;
    for (const auto field : data) {
        const std::string_view key = field.key;
        if (key == "b" || key == "a") {
            if (!stage_levels(field.value, key == "b" ? side::bid : side::ask)) {
                ok = false;
                break;
            }
        } else if (key == "u") {
            if (field.value.get_int64().get(u) || u < 0) {
                ok = false;
                break;
            }
        } else if (key == "s") {
            if (field.value.get_string().get(symbol)) {
                ok = false;
                break;
            }
        }
    }
    if (!ok || u < 0) {
        reject(b, f, "malformed data (b/a/u)");
        if (b->health == book_health::live) {
            mark_stale(*b, book_health::stale_gap, f, "malformed delta: resubscribe");
        }
        return;
    }
    if (symbol != b->symbol()) {
        reject(b, f, "data.s does not match the topic", symbol);
        return;
    }
    if (type == "snapshot" || u == 1) {
        if (!convert_staged(*b, f)) {
            mark_stale(*b, book_health::stale_gap, f, "malformed snapshot: resubscribe");
            return;
        }
        begin_snapshot(*b);
        apply_staged(*b);
        b->last_seq = u;
        mark_live(*b, f);
        finish_message(*b, f);
        return;
    }
    if (b->health != book_health::live) {
        ++b->counters.stale_dropped;
        return;
    }
    if (u <= b->last_seq) {
        ++b->counters.stale_dropped; // duplicate or replayed delta
        return;
    }
    if (u != b->last_seq + 1) {
        mark_stale(*b, book_health::stale_gap, f, "sequence gap: u != previous u + 1");
        return;
    }
    if (!convert_staged(*b, f)) {
        mark_stale(*b, book_health::stale_gap, f, "malformed delta: resubscribe");
        return;
    }
    apply_staged(*b);
    b->last_seq = u;
    finish_message(*b, f);
}

} // namespace ballast::feed
