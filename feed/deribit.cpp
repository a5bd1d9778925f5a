#include "feed/deribit.hpp"

#include "feed/json_levels.hpp"

namespace ballast::feed {

using namespace simdjson;

namespace {
// "book.BTC-24SEP21-8000-P.raw" -> "BTC-24SEP21-8000-P"; empty for the grouped form
// "book.BTC-PERPETUAL.none.10.100ms" (instrument names never contain a dot).
std::string_view book_instrument(std::string_view channel) noexcept {
    channel.remove_prefix(5); // "book."
    const auto dot = channel.find('.');
    if (dot == std::string_view::npos || dot == 0 ||
        channel.find('.', dot + 1) != std::string_view::npos) {
        return {};
    }
    return channel.substr(0, dot);
}
} // namespace

deribit_feed::deribit_feed(const instrument_registry& instruments, reject_log& rejects,
                           feed_options options)
    : venue_feed("deribit", instruments, rejects, std::move(options)) {}

void deribit_feed::on_frame(const feed_frame& f) noexcept {
    ++frames_;
    ondemand::document doc;
    ondemand::object root;
    if (parse_frame(parser_, f, doc) || doc.get_object().get(root)) {
        reject(nullptr, f, "invalid JSON");
        return;
    }
    std::string_view method;
    if (!optional_string(root, "method", method)) {
        reject(nullptr, f, "invalid JSON"); // On-Demand must not be used past a JSON error
        return;
    }
    if (method.empty()) {
        // A reply to a request: {"id":..,"result":..} or {"id":..,"error":{..}}.
        ondemand::object error;
        if (!root.find_field_unordered("error").get_object().get(error)) {
            std::string_view message;
            if (error.find_field_unordered("message").get_string().get(message)) {
                message = {};
            }
            report(nullptr, f, "request error", message);
        }
        return;
    }
    if (method != "subscription") {
        return; // heartbeat, test_request
    }
    ondemand::object params;
    std::string_view channel;
    if (root.find_field_unordered("params").get_object().get(params) ||
        params.find_field_unordered("channel").get_string().get(channel)) {
        reject(nullptr, f, "subscription without params.channel");
        return;
    }
    if (!channel.starts_with("book.")) {
        return; // ticker.*, trades.*: not book messages
    }
    ondemand::object data;
    if (params.find_field_unordered("data").get_object().get(data)) {
        reject(nullptr, f, "book notification without a \"data\" object");
        return;
    }
    on_book(f, channel, data);
}

bool deribit_feed::stage_levels(const feed_frame& f, venue_book& b, ondemand::object& data,
                                const char* key, side s) noexcept {
    ondemand::array levels;
    if (data.find_field_unordered(key).get_array().get(levels)) {
        reject(&b, f, s == side::bid ? "\"bids\" is not an array" : "\"asks\" is not an array");
        return false;
    }
    // [action, price, amount]: for_each_level hands over the first three entries' text.
    std::string_view bad_action;
    const auto err = for_each_level(
        levels, [&](std::string_view action, std::string_view px, std::string_view sz) {
            if (action == "delete") {
                stage(s, px, "0"); // a delete's amount is 0 already; never trust it
            } else if ((action == "new" || action == "change") && !sz.empty()) {
                stage(s, px, sz);
            } else {
                bad_action = action.empty() ? std::string_view("(none)") : action;
                return false;
            }
            return true;
        });
    if (err) {
        reject(&b, f, "level is not [action, price, amount]");
        return false;
    }
    if (!bad_action.empty()) {
        reject(&b, f, "level is not [\"new\"|\"change\"|\"delete\", price, amount]", bad_action);
        return false;
    }
    return true;
}

void deribit_feed::on_book(const feed_frame& f, std::string_view channel,
                           ondemand::object data) noexcept {
    const std::string_view instrument = book_instrument(channel);
    if (instrument.empty()) {
        reject(nullptr, f, "unsupported book channel (grouped books are not decoded)", channel);
        return;
    }
    venue_book* b = book_for(instrument, f);
    if (b == nullptr) {
        return;
    }
    ++b->counters.messages;
    const bool was_live = b->health == book_health::live;
    auto malformed = [&](std::string_view why, std::string_view detail) {
        reject(b, f, why, detail);
        if (was_live) {
            mark_stale(*b, book_health::stale_gap, f, "malformed book message: resubscribe");
        }
    };
    std::string_view name;
    std::string_view type;
    std::int64_t change_id = 0;
    std::int64_t prev_change_id = -1;
    if (data.find_field_unordered("instrument_name").get_string().get(name) || name != instrument) {
        malformed("instrument_name differs from the channel's", name);
        return;
    }
    if (data.find_field_unordered("type").get_string().get(type) ||
        (type != "snapshot" && type != "change")) {
        malformed("\"type\" is not snapshot or change", type);
        return;
    }
    const bool snapshot = type == "snapshot";
    if (data.find_field_unordered("change_id").get_int64().get(change_id) || change_id < 0) {
        malformed("change_id missing or not a non-negative integer", {});
        return;
    }
    if (!snapshot) {
        if (data.find_field_unordered("prev_change_id").get_int64().get(prev_change_id) ||
            prev_change_id < 0) {
            malformed("prev_change_id missing or not a non-negative integer", {});
            return;
        }
        if (!was_live) {
            ++b->counters.stale_dropped; // waiting for the next snapshot
            return;
        }
        if (change_id <= b->last_seq) {
            ++b->counters.stale_dropped;
            report(b, f, "duplicate or out-of-order change_id: dropped", {});
            return;
        }
        if (prev_change_id != b->last_seq) {
            mark_stale(*b, book_health::stale_gap, f,
                       "prev_change_id is not the previous change_id: resubscribe");
            return;
        }
    }
    clear_staged();
    if (!stage_levels(f, *b, data, "bids", side::bid) ||
        !stage_levels(f, *b, data, "asks", side::ask) || !convert_staged(*b, f)) {
        if (was_live) {
            mark_stale(*b, book_health::stale_gap, f, "malformed book message: resubscribe");
        }
        return;
    }
    if (snapshot) {
        begin_snapshot(*b);
    }
    apply_staged(*b);
    b->last_seq = change_id;
    if (snapshot) {
        b->snapshot_seq = change_id;
        mark_live(*b, f);
    }
    finish_message(*b, f);
}

} // namespace ballast::feed
