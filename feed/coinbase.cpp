#include "feed/coinbase.hpp"

namespace ballast::feed {

using namespace simdjson;

coinbase_feed::coinbase_feed(const instrument_registry& instruments, reject_log& rejects,
                             feed_options options)
    // Full-depth snapshots: BTC-USD carried 27,236 ask levels when recorded.
    : venue_feed("coinbase", instruments, rejects, std::move(options), 65536) {
    connections_.reserve(16);
}

coinbase_feed::connection_state& coinbase_feed::connection(std::uint32_t conn) noexcept {
    for (auto& c : connections_) {
        if (c.conn == conn) {
            return c;
        }
    }
    if (connections_.size() == connections_.capacity()) {
        connections_.erase(connections_.begin()); // bounded: the oldest connection is long gone
    }
    connections_.push_back({conn, -1});
    return connections_.back();
}

void coinbase_feed::on_connect(const feed_frame& f) noexcept {
    connection(f.conn).last_seq = -1;
    restart_books();
}

void coinbase_feed::stale_all(const feed_frame& f, std::string_view reason) noexcept {
    for (auto& b : books_) {
        if (b->health == book_health::live) {
            mark_stale(*b, book_health::stale_gap, f, reason);
        }
    }
}

void coinbase_feed::on_frame(const feed_frame& f) noexcept {
    ++frames_;
    dom::element doc;
    dom::object root;
    if (parse_dom(f, doc) || doc.get_object().get(root)) {
        reject(nullptr, f, "invalid JSON");
        stale_all(f, "unreadable message: sequence unknown");
        return;
    }
    std::string_view channel;
    std::int64_t seq = -1;
    // Fields arrive as channel, client_id, timestamp, sequence_num, events.
    if (!optional_string(root, "channel", channel)) {
        reject(nullptr, f, "\"channel\" is not a string");
        stale_all(f, "unreadable message: sequence unknown");
        return;
    }
    if (channel.empty()) {
        std::string_view type;
        if (optional_string(root, "type", type) && type == "error") {
            reject(nullptr, f, "venue error message");
            return;
        }
        reject(nullptr, f, "message without channel");
        return;
    }
    if (root["sequence_num"].get_int64().get(seq) || seq < 0) {
        reject(nullptr, f, "message without a valid sequence_num");
        stale_all(f, "sequence unknown");
        return;
    }
    auto& c = connection(f.conn);
    if (c.last_seq >= 0 && seq <= c.last_seq) {
        for (auto& b : books_) {
            if (channel == "l2_data") {
                ++b->counters.stale_dropped;
                break;
            }
        }
        return; // duplicate or replayed message
    }
    if (c.last_seq >= 0 && seq != c.last_seq + 1) {
        c.last_seq = seq;
        stale_all(f, "sequence gap: sequence_num != previous + 1");
        if (channel != "l2_data") {
            return;
        }
    }
    c.last_seq = seq;
    if (channel != "l2_data") {
        return; // trades, ticker, candles, heartbeats, subscriptions
    }
    dom::array events;
    if (root["events"].get_array().get(events)) {
        reject(nullptr, f, "l2_data without events");
        stale_all(f, "lost l2_data message");
        return;
    }
    for (dom::element e : events) {
        dom::object event;
        if (e.get_object().get(event)) {
            reject(nullptr, f, "event is not an object");
            stale_all(f, "lost l2_data event");
            return;
        }
        on_l2_event(event, f);
    }
}

void coinbase_feed::on_l2_event(dom::object event, const feed_frame& f) noexcept {
    std::string_view type;
    std::string_view product;
    if (event["type"].get_string().get(type) || event["product_id"].get_string().get(product)) {
        reject(nullptr, f, "l2_data event without type/product_id");
        stale_all(f, "lost l2_data event");
        return;
    }
    venue_book* b = book_for(product, f);
    if (b == nullptr) {
        return;
    }
    ++b->counters.messages;
    const bool snapshot = type == "snapshot";
    if (!snapshot && type != "update") {
        reject(b, f, "unknown l2_data event type", type);
        return;
    }
    dom::array updates;
    if (event["updates"].get_array().get(updates)) {
        reject(b, f, "event without updates");
        if (b->health == book_health::live) {
            mark_stale(*b, book_health::stale_gap, f, "lost update");
        }
        return;
    }
    clear_staged();
    for (dom::element u : updates) {
        dom::object o;
        std::string_view s;
        std::string_view px;
        std::string_view sz;
        if (u.get_object().get(o) || o["side"].get_string().get(s) ||
            o["price_level"].get_string().get(px) || o["new_quantity"].get_string().get(sz) ||
            (s != "bid" && s != "offer")) {
            reject(b, f, "update without side (bid/offer)/price_level/new_quantity");
            if (b->health == book_health::live) {
                mark_stale(*b, book_health::stale_gap, f, "lost update");
            }
            return;
        }
        stage(s == "bid" ? side::bid : side::ask, px, sz);
    }
    if (!snapshot && b->health != book_health::live) {
        ++b->counters.stale_dropped;
        return;
    }
    if (!convert_staged(*b, f)) {
        mark_stale(*b, book_health::stale_gap, f, "malformed update: resubscribe");
        return;
    }
    if (snapshot) {
        begin_snapshot(*b);
        apply_staged(*b);
        mark_live(*b, f);
    } else {
        apply_staged(*b);
    }
    finish_message(*b, f);
}

} // namespace ballast::feed
