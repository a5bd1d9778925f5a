#include "feed/okx.hpp"

#include <libdeflate.h>

#include <algorithm>

namespace ballast::feed {

using namespace simdjson;

okx_feed::okx_feed(const instrument_registry& instruments, reject_log& rejects,
                   feed_options options)
    : venue_feed("okx", instruments, rejects, std::move(options)) {}

std::int32_t okx_feed::checksum(const l2_book& book) noexcept {
    const std::size_t bids = std::min(checksum_levels, book.depth(side::bid));
    const std::size_t asks = std::min(checksum_levels, book.depth(side::ask));
    char* const text = crc_text_.data();
    std::size_t n = 0;
    auto put = [&](const level_text& t) {
        n += t.put_price(text + n);
        text[n++] = ':';
        n += t.put_size(text + n);
        text[n++] = ':';
    };
    for (std::size_t i = 0; i < std::max(bids, asks); ++i) {
        if (i < bids) {
            put(book.text_at(side::bid, i));
        }
        if (i < asks) {
            put(book.text_at(side::ask, i));
        }
    }
    n -= n > 0 ? 1 : 0; // no separator after the last size
    return static_cast<std::int32_t>(libdeflate_crc32(0, text, n));
}

void okx_feed::on_frame(const feed_frame& f) noexcept {
    ++frames_;
    if (f.data == "pong") {
        return;
    }
    dom::element doc;
    dom::object root;
    if (parse_dom(f, doc) || doc.get_object().get(root)) {
        reject(nullptr, f, "invalid JSON");
        return;
    }
    {
        std::string_view event;
        if (!optional_string(root, "event", event)) {
            reject(nullptr, f, "\"event\" is not a string");
            return;
        }
        if (!event.empty()) {
            if (event == "error") {
                reject(nullptr, f, "venue error event");
            }
            return; // subscribe acknowledgements
        }
    }
    dom::object arg;
    std::string_view channel;
    std::string_view inst;
    if (root["arg"].get_object().get(arg) || arg["channel"].get_string().get(channel) ||
        arg["instId"].get_string().get(inst)) {
        reject(nullptr, f, "message without arg.channel/arg.instId");
        return;
    }
    if (!channel.starts_with("books") && channel != "bbo-tbt") {
        return; // tickers, trades
    }
    std::string_view action;
    if (!optional_string(root, "action", action)) {
        reject(nullptr, f, "action is not a string");
        return;
    }
    // books5 and bbo-tbt carry no action (always full) and no checksum; the incremental
    // channels (books, books-l2-tbt, books50-l2-tbt) send a checksum with every message.
    const bool always_full = action.empty();
    if (always_full) {
        action = "snapshot";
    }
    venue_book* b = book_for(inst, f, /*keep_text=*/true);
    if (b == nullptr) {
        return;
    }
    ++b->counters.messages;
    const bool snapshot = action == "snapshot";
    if (!snapshot && action != "update") {
        reject(b, f, "unknown action", action);
        return;
    }
    dom::array data;
    if (root["data"].get_array().get(data)) {
        reject(b, f, "missing data array");
        return;
    }
    dom::object d;
    if (data.begin() == data.end() || (*data.begin()).get_object().get(d)) {
        reject(b, f, "data[0] is not an object");
        return;
    }
    clear_staged();
    std::int64_t checksum_value = 0;
    std::int64_t seq = -1;
    std::int64_t prev_seq = -2; // absent
    bool have_checksum = false;
    bool ok = true;
    for (const auto field : d) {
        const std::string_view key = field.key;
        if (key == "asks" || key == "bids") {
            if (!stage_levels(field.value, key == "bids" ? side::bid : side::ask)) {
                ok = false;
                break;
            }
        } else if (key == "checksum") {
            if (field.value.get_int64().get(checksum_value) || checksum_value < INT32_MIN ||
                checksum_value > UINT32_MAX) {
                ok = false;
                break;
            }
            have_checksum = true;
        } else if (key == "seqId") {
            if (field.value.get_int64().get(seq)) {
                ok = false;
                break;
            }
        } else if (key == "prevSeqId") {
            if (field.value.get_int64().get(prev_seq)) {
                ok = false;
                break;
            }
        }
    }
    if (!ok) {
        reject(b, f, "malformed data[0] (asks/bids/checksum/seqId)");
        if (b->health == book_health::live) {
            mark_stale(*b, book_health::stale_gap, f, "malformed update: resubscribe");
        }
        return;
    }
    if (snapshot) {
        if (!convert_staged(*b, f)) {
            mark_stale(*b, book_health::stale_gap, f, "malformed snapshot: resubscribe");
            return;
        }
        begin_snapshot(*b);
        apply_staged(*b);
        mark_live(*b, f);
    } else {
        if (b->health != book_health::live) {
            ++b->counters.stale_dropped;
            return;
        }
        // seqId chain: prevSeqId must equal the last seqId. Keep-alives repeat the seqId
        // (seqId == prevSeqId, no levels); after a venue sequence reset seqId may be smaller
        // than prevSeqId, which is still a valid chain.
        if (prev_seq != -2 && b->last_seq >= 0) {
            if (prev_seq != b->last_seq) {
                if (seq >= 0 && seq <= b->last_seq && prev_seq < b->last_seq && seq > prev_seq) {
                    ++b->counters.stale_dropped; // a duplicate of something already applied
                    return;
                }
                mark_stale(*b, book_health::stale_gap, f, "sequence gap: prevSeqId != last seqId");
                return;
            }
        }
        if (!convert_staged(*b, f)) {
            mark_stale(*b, book_health::stale_gap, f, "malformed update: resubscribe");
            return;
        }
        apply_staged(*b);
    }
    if (seq >= 0) {
        b->last_seq = seq;
    }
    if (!have_checksum && !always_full) {
        reject(b, f, "book message without checksum (this channel always sends one)");
        mark_stale(*b, book_health::stale_checksum, f, "unverifiable book: resubscribe");
        return;
    }
    if (have_checksum) { // 0 is a checksum like any other
        const std::int32_t expected = static_cast<std::int32_t>(
            checksum_value > INT32_MAX ? static_cast<std::uint32_t>(checksum_value)
                                       : checksum_value);
        if (checksum(b->book) != expected) {
            ++b->counters.checksum_fail;
            mark_stale(*b, book_health::stale_checksum, f, "checksum mismatch");
            return;
        }
        ++b->counters.checksum_ok;
    }
    finish_message(*b, f);
}

} // namespace ballast::feed
