#include "feed/binance.hpp"

#include <cstring>

namespace ballast::feed {

using namespace simdjson;

binance_feed::binance_feed(binance_market market, const instrument_registry& instruments,
                           reject_log& rejects, feed_options options)
    : venue_feed(market == binance_market::spot ? "binance" : "binance_usdm", instruments, rejects,
                 std::move(options)),
      market_(market) {}

binance_feed::pending& binance_feed::pending_for(const venue_book& b) {
    for (auto& [book, p] : pending_) {
        if (book == &b) {
            return p;
        }
    }
    pending_.emplace_back(&b, pending{});
    return pending_.back().second;
}

std::vector<std::string> binance_feed::snapshot_requests() const {
    std::vector<std::string> out;
    for (const auto& b : books_) {
        if (b->health != book_health::live) {
            out.push_back(b->symbol());
        }
    }
    return out;
}

void binance_feed::on_frame(const feed_frame& f) noexcept {
    ++frames_;
    if (f.is_response) {
        on_snapshot(f);
        return;
    }
    dom::element doc;
    dom::object root;
    if (parse_dom(f, doc) || doc.get_object().get(root)) {
        reject(nullptr, f, "invalid JSON");
        return;
    }
    // Combined streams wrap events: {"stream":"<sym>@depth@100ms","data":{...}}.
    std::string_view stream;
    dom::object data;
    if (!optional_string(root, "stream", stream)) {
        reject(nullptr, f, "\"stream\" is not a string");
        return;
    }
    if (!stream.empty()) {
        if (stream.find("@depth") == std::string_view::npos) {
            return; // trades, tickers, klines: not book messages
        }
        if (root["data"].get_object().get(data)) {
            reject(nullptr, f, "depth stream without \"data\" object");
            return;
        }
        on_depth(f, data, false);
        return;
    }
    std::string_view event;
    if (!optional_string(root, "e", event)) {
        reject(nullptr, f, "\"e\" is not a string");
        return;
    }
    if (event.empty()) {
        if (!root["result"].error() || !root["id"].error()) {
            return; // subscription acknowledgement
        }
        reject(nullptr, f, "message without \"e\" or \"stream\"");
        return;
    }
    if (event != "depthUpdate") {
        return;
    }
    on_depth(f, root, false);
}

bool binance_feed::decode_levels(dom::object o, const char* bids, const char* asks) noexcept {
    clear_staged();
    for (auto [key, s] : {std::pair{bids, side::bid}, std::pair{asks, side::ask}}) {
        dom::element levels;
        if (o[key].get(levels) || !stage_levels(levels, s)) {
            return false;
        }
    }
    return true;
}

void binance_feed::on_snapshot(const feed_frame& f) noexcept {
    // GET /api/v3/depth?symbol=X or /fapi/v1/depth?symbol=X
    const auto q = f.url.find("symbol=");
    if (q == std::string_view::npos) {
        reject(nullptr, f, "REST reply without symbol= in its URL");
        return;
    }
    std::string_view symbol = f.url.substr(q + 7);
    symbol = symbol.substr(0, symbol.find('&'));
    venue_book* b = book_for(symbol, f);
    if (b == nullptr) {
        return;
    }
    ++b->counters.messages;
    dom::element doc;
    dom::object o;
    std::int64_t last_update_id = 0;
    if (parse_dom(f, doc) || doc.get_object().get(o) ||
        o["lastUpdateId"].get_int64().get(last_update_id)) {
        reject(b, f, "snapshot: invalid JSON or missing lastUpdateId");
        return;
    }
    if (!decode_levels(o, "bids", "asks")) {
        reject(b, f, "snapshot: bids/asks are not [[price, qty], ...]");
        return;
    }
    if (!convert_staged(*b, f)) {
        return;
    }
    begin_snapshot(*b);
    apply_staged(*b);
    b->last_seq = last_update_id;
    b->snapshot_seq = last_update_id;
    mark_live(*b, f);
    finish_message(*b, f);

    // Events buffered while the snapshot was in flight, in arrival order.
    auto& p = pending_for(*b);
    for (std::size_t i = 0; i < p.frames.size() && b->health == book_health::live; ++i) {
        replay_buffer_.assign(p.frames[i]);
        replay_buffer_.append(64, '\0');
        feed_frame bf = f;
        bf.data = std::string_view(replay_buffer_.data(), p.frames[i].size());
        bf.is_response = false;
        dom::element d2;
        dom::object root;
        if (parse_dom(bf, d2) || d2.get_object().get(root)) {
            continue;
        }
        dom::object data;
        on_depth(bf, root["data"].get_object().get(data) ? root : data, true);
    }
    p.frames.clear();
}

void binance_feed::on_depth(const feed_frame& f, dom::object data, bool replaying) noexcept {
    depth_event ev;
    if (data["s"].get_string().get(ev.symbol)) {
        reject(nullptr, f, "depthUpdate without \"s\"");
        return;
    }
    venue_book* b = book_for(ev.symbol, f);
    if (b == nullptr) {
        return;
    }
    if (replaying) {
        --b->counters.stale_dropped; // counted when it was buffered; decided now
    } else {
        ++b->counters.messages;
    }
    if (data["U"].get_int64().get(ev.first) || data["u"].get_int64().get(ev.last) ||
        ev.first > ev.last || ev.first < 0) {
        reject(b, f, "depthUpdate: missing or inconsistent U/u");
        if (b->health == book_health::live) {
            mark_stale(*b, book_health::stale_gap, f, "update without a valid U/u: resync");
        }
        return;
    }
    if (market_ == binance_market::usdm && data["pu"].get_int64().get(ev.prev_last)) {
        reject(b, f, "depthUpdate: missing pu");
        if (b->health == book_health::live) {
            mark_stale(*b, book_health::stale_gap, f, "update without pu: resync");
        }
        return;
    }
    if (b->health != book_health::live) {
        // Keep the text until a snapshot arrives (bounded); the procedure replays it then.
        auto& p = pending_for(*b);
        if (p.frames.size() < max_pending) {
            p.frames.emplace_back(f.data);
        } else {
            ++p.dropped;
        }
        ++b->counters.stale_dropped;
        return;
    }
    if (!decode_levels(data, "b", "a")) {
        reject(b, f, "depthUpdate: b/a are not [[price, qty], ...]");
        mark_stale(*b, book_health::stale_gap, f, "malformed update: resync");
        return;
    }
    apply_event(*b, ev, f);
}

void binance_feed::apply_event(venue_book& b, const depth_event& ev, const feed_frame& f) noexcept {
    const bool first = b.snapshot_seq >= 0; // no event applied since the snapshot yet
    if (market_ == binance_market::spot) {
        // Drop events already contained in the snapshot (u <= lastUpdateId).
        if (ev.last <= b.last_seq) {
            ++b.counters.stale_dropped;
            return;
        }
        // First event: U <= lastUpdateId + 1 <= u. Later: U == previous u + 1.
        const bool chained = first ? ev.first <= b.last_seq + 1 : ev.first == b.last_seq + 1;
        if (!chained) {
            mark_stale(b, book_health::stale_gap, f, "sequence gap: U != previous u + 1");
            return;
        }
    } else {
        // USD-M: drop u < lastUpdateId; first event U <= lastUpdateId <= u; later pu == previous u.
        if (ev.last < b.last_seq || (!first && ev.last == b.last_seq)) {
            ++b.counters.stale_dropped;
            return;
        }
        const bool chained = first ? ev.first <= b.last_seq : ev.prev_last == b.last_seq;
        if (!chained) {
            mark_stale(b, book_health::stale_gap, f, "sequence gap: pu != previous u");
            return;
        }
    }
    if (!convert_staged(b, f)) {
        mark_stale(b, book_health::stale_gap, f, "malformed update: resync");
        return;
    }
    apply_staged(b);
    b.last_seq = ev.last;
    b.snapshot_seq = -1;
    finish_message(b, f);
}

} // namespace ballast::feed
