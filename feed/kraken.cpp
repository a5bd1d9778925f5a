#include "feed/kraken.hpp"

#include <charconv>
#include <limits>

namespace ballast::feed {

using namespace simdjson;

namespace {
// "book-1000" -> 1000; 0 when the name is not a book channel with a positive depth.
std::size_t book_depth(std::string_view channel) noexcept {
    constexpr std::string_view prefix = "book-";
    if (!channel.starts_with(prefix)) {
        return 0;
    }
    channel.remove_prefix(prefix.size());
    std::size_t depth = 0;
    const auto [end, ec] = std::from_chars(channel.data(), channel.data() + channel.size(), depth);
    return ec == std::errc{} && end == channel.data() + channel.size() ? depth : 0;
}

bool parse_checksum(std::string_view text, std::uint32_t& out) noexcept {
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty() ||
        v > std::numeric_limits<std::uint32_t>::max()) {
        return false;
    }
    out = static_cast<std::uint32_t>(v);
    return true;
}
} // namespace

kraken_feed::kraken_feed(const instrument_registry& instruments, reject_log& rejects,
                         feed_options options)
    : kraken_book_feed("kraken", instruments, rejects, std::move(options),
                       kraken_checksum_text::received) {}

void kraken_feed::on_frame(const feed_frame& f) noexcept {
    ++frames_;
    dom::element doc;
    if (parse_dom(f, doc)) {
        reject(nullptr, f, "invalid JSON");
        return;
    }
    if (doc.is_object()) {
        on_event(f, doc.get_object().value_unsafe());
        return;
    }
    dom::array frame;
    if (doc.get_array().get(frame)) {
        reject(nullptr, f, "frame is neither an event object nor a channel array");
        return;
    }
    // The channel name and pair are the last two elements.
    std::size_t elements = 0;
    std::size_t trailing_strings = 0;
    std::string_view channel;
    std::string_view pair;
    for (dom::element v : frame) {
        ++elements;
        if (v.is_string()) {
            channel = pair;
            pair = v.get_string().value_unsafe().substr(0, 63);
            ++trailing_strings;
        } else {
            trailing_strings = 0;
        }
    }
    if (elements < 4 || trailing_strings < 2) {
        reject(nullptr, f, "channel frame without channel name and pair");
        return;
    }
    if (!channel.starts_with("book")) {
        return; // trade, ticker, spread, ohlc: not book messages
    }
    const std::size_t depth = book_depth(channel);
    venue_book* b = book_for(pair, f, true);
    if (b == nullptr) {
        return;
    }
    ++b->counters.messages;
    if (depth == 0) {
        reject(b, f, "book channel without a depth", channel);
        return;
    }
    if (!decode_book(f, *b, frame, elements)) {
        if (b->health == book_health::live) {
            mark_stale(*b, book_health::stale_gap, f, "malformed book message: resubscribe");
        }
        return;
    }
    on_book(f, *b, depth, channel);
}

bool kraken_feed::decode_book(const feed_frame& f, venue_book& b, dom::array frame,
                              std::size_t elements) noexcept {
    snapshot_ = false;
    update_ = false;
    has_checksum_ = false;
    clear_staged();
    std::size_t i = 0;
    for (dom::element element : frame) {
        if (i == 0) {
            std::uint64_t channel_id = 0;
            if (element.get_uint64().get(channel_id)) {
                reject(&b, f, "channelID is not an unsigned integer");
                return false;
            }
        } else if (i + 2 < elements) {
            dom::object payload;
            if (element.get_object().get(payload)) {
                reject(&b, f, "book payload is not an object");
                return false;
            }
            for (const auto field : payload) {
                const std::string_view key = field.key;
                if (key == "c") {
                    std::string_view text;
                    if (field.value.get_string().get(text) || !parse_checksum(text, checksum_)) {
                        reject(&b, f, "checksum \"c\" is not an unsigned 32-bit decimal string");
                        return false;
                    }
                    has_checksum_ = true;
                    continue;
                }
                const bool is_snapshot = key == "as" || key == "bs";
                const bool is_update = key == "a" || key == "b";
                if (!is_snapshot && !is_update) {
                    continue; // a field this decoder does not use
                }
                snapshot_ = snapshot_ || is_snapshot;
                update_ = update_ || is_update;
                if (!stage_levels(field.value, key.front() == 'b' ? side::bid : side::ask)) {
                    reject(&b, f, "levels are not [[\"price\",\"volume\",\"timestamp\"], ...]",
                           key);
                    return false;
                }
            }
        }
        ++i;
    }
    if (snapshot_ == update_) {
        reject(&b, f,
               snapshot_ ? "snapshot and update levels in one message"
                         : "book message without as/bs or a/b");
        return false;
    }
    return true;
}

void kraken_feed::on_book(const feed_frame& f, venue_book& b, std::size_t depth,
                          std::string_view channel) noexcept {
    if (snapshot_) {
        if (!convert_staged(b, f)) {
            if (b.health == book_health::live) {
                mark_stale(b, book_health::stale_gap, f, "malformed snapshot: resubscribe");
            }
            return;
        }
        b.depth_limit = depth;
        if (has_checksum_ && !verify_checksum(b, true, checksum_, f)) {
            return;
        }
        apply_verified(b, true, f);
        return;
    }
    if (b.health != book_health::live) {
        ++b.counters.stale_dropped; // waiting for the snapshot of a new subscription
        return;
    }
    if (depth != b.depth_limit) {
        reject(&b, f, "update for another depth than the snapshot's", channel);
        mark_stale(b, book_health::stale_gap, f, "depth changed without a snapshot: resubscribe");
        return;
    }
    if (!convert_staged(b, f)) {
        mark_stale(b, book_health::stale_gap, f, "malformed update: resubscribe");
        return;
    }
    // Kraken v1 sends "c" with every book update (snapshots carry none): an update without it
    // cannot be verified, so the book is no longer known to be right.
    if (!has_checksum_) {
        reject(&b, f, "book update without checksum \"c\"", channel);
        mark_stale(b, book_health::stale_checksum, f, "unverifiable update: resubscribe");
        return;
    }
    if (!verify_checksum(b, false, checksum_, f)) {
        return;
    }
    apply_verified(b, false, f);
}

void kraken_feed::on_event(const feed_frame& f, dom::object event) noexcept {
    std::string_view name;
    if (event["event"].get_string().get(name)) {
        reject(nullptr, f, "object frame without \"event\"");
        return;
    }
    if (name != "subscriptionStatus") {
        return; // heartbeat, systemStatus, pong
    }
    std::string_view status;
    std::string_view pair;
    std::string_view channel;
    if (event["status"].get_string().get(status) || event["pair"].get_string().get(pair)) {
        return; // an error reply to a malformed request names no pair
    }
    if (event["channelName"].get_string().get(channel) || !channel.starts_with("book")) {
        return;
    }
    if (status == "unsubscribed") {
        if (venue_book* b = find_book(pair)) {
            b->health = book_health::syncing; // no more updates: a new subscription resyncs
        }
    } else if (status == "error") {
        report(find_book(pair), f, "subscription error", pair);
    }
}

} // namespace ballast::feed
