#include "feed/coinbase_exchange.hpp"

#include "feed/json_levels.hpp"

namespace ballast::feed {

using namespace simdjson;

namespace {
// level2 is the full book, not a top-N: deep books (BTC-USD) hold tens of thousands of levels.
constexpr std::size_t coinbase_exchange_capacity = 32768;

// A book capacity of 0 asks for the venue's default.
feed_options with_capacity(feed_options o) {
    if (o.book_capacity == 0) {
        o.book_capacity = coinbase_exchange_capacity;
    }
    return o;
}
} // namespace

coinbase_exchange_feed::coinbase_exchange_feed(const instrument_registry& instruments,
                                               reject_log& rejects, feed_options options)
    : venue_feed("coinbase_exchange", instruments, rejects, with_capacity(std::move(options))) {}

void coinbase_exchange_feed::on_frame(const feed_frame& f) noexcept {
    ++frames_;
    dom::element doc;
    dom::object root;
    std::string_view type;
    if (parse_dom(f, doc) || doc.get_object().get(root)) {
        reject(nullptr, f, "invalid JSON");
        return;
    }
    if (root["type"].get_string().get(type)) {
        reject(nullptr, f, "message without \"type\"");
        return;
    }
    if (type == "snapshot") {
        on_snapshot(f, root);
    } else if (type == "l2update") {
        on_update(f, root);
    } else if (type == "error") {
        std::string_view message;
        if (root["message"].get_string().get(message)) {
            message = {};
        }
        report(nullptr, f, "venue error", message);
    }
    // subscriptions, heartbeat, ticker, match, last_match: not book messages
}

void coinbase_exchange_feed::resync_if_live(venue_book& b, const feed_frame& f) noexcept {
    // The venue sends a snapshot only for a (re)subscription; one that cannot be read leaves
    // the book's relation to the venue's unknown.
    if (b.health == book_health::live) {
        mark_stale(b, book_health::stale_gap, f, "malformed snapshot: resubscribe");
    }
}

venue_book* coinbase_exchange_feed::book_of(const feed_frame& f, dom::object root) noexcept {
    std::string_view product;
    if (root["product_id"].get_string().get(product)) {
        reject(nullptr, f, "level2 message without \"product_id\"");
        return nullptr;
    }
    venue_book* b = book_for(product, f);
    if (b != nullptr) {
        ++b->counters.messages;
    }
    return b;
}

void coinbase_exchange_feed::on_snapshot(const feed_frame& f, dom::object root) noexcept {
    venue_book* b = book_of(f, root);
    if (b == nullptr) {
        return;
    }
    clear_staged();
    for (auto [key, s] : {std::pair{"bids", side::bid}, std::pair{"asks", side::ask}}) {
        dom::element levels;
        if (root[key].get(levels) || !stage_levels(levels, s)) {
            reject(b, f, "snapshot: bids/asks are not [[\"price\",\"size\"], ...]");
            resync_if_live(*b, f);
            return;
        }
    }
    if (!convert_staged(*b, f)) {
        resync_if_live(*b, f);
        return;
    }
    begin_snapshot(*b);
    apply_staged(*b);
    mark_live(*b, f);
    finish_message(*b, f);
}

void coinbase_exchange_feed::on_update(const feed_frame& f, dom::object root) noexcept {
    venue_book* b = book_of(f, root);
    if (b == nullptr) {
        return;
    }
    if (b->health != book_health::live) {
        ++b->counters.stale_dropped; // waiting for the snapshot of a new subscription
        return;
    }
    clear_staged();
    bool bad_side = false;
    dom::array changes;
    const auto err =
        root["changes"].get_array().get(changes)
            ? INCORRECT_TYPE
            : for_each_level(changes, number_text_,
                             [&](std::string_view which, std::string_view px, std::string_view sz) {
                                 if ((which != "buy" && which != "sell") || sz.empty()) {
                                     bad_side = true;
                                     return false;
                                 }
                                 stage(which == "buy" ? side::bid : side::ask, px, sz);
                                 return true;
                             });
    if (err || bad_side) {
        reject(b, f, "l2update: changes are not [[\"buy\"|\"sell\",\"price\",\"size\"], ...]");
        mark_stale(*b, book_health::stale_gap, f, "malformed update: resubscribe");
        return;
    }
    if (!convert_staged(*b, f)) {
        mark_stale(*b, book_health::stale_gap, f, "malformed update: resubscribe");
        return;
    }
    apply_staged(*b);
    finish_message(*b, f);
}

} // namespace ballast::feed
