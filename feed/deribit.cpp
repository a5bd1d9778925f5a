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

/// What one walk over a notification keeps: texts point into the frame or the parser's
/// string buffer, both alive until the frame is done.
struct deribit_feed::deribit_message {
    field_state method = field_state::absent;
    std::string_view method_text;
    std::string_view error_message; ///< a request's error.message
    bool has_error = false;         ///< an "error" object
    field_state params = field_state::absent;
    field_state channel = field_state::absent;
    std::string_view channel_text;
    field_state data = field_state::absent;
    field_state instrument = field_state::absent;
    std::string_view instrument_text;
    field_state type = field_state::absent;
    std::string_view type_text;
    field_state change_id = field_state::absent;
    std::int64_t change_id_value = 0;
    field_state prev_change_id = field_state::absent;
    std::int64_t prev_change_id_value = 0;
    /// bids, asks: absent, ok (an array) or wrong_type (not an array)
    field_state levels[2] = {field_state::absent, field_state::absent};
    bool bad_level[2] = {false, false}; ///< an entry that is not [action, price, amount]
    std::string_view bad_action[2];
    std::string_view duplicate;      ///< a field of the message or params given twice
    std::string_view duplicate_data; ///< a field of data given twice
};

// One walk over the frame (On-Demand): every value is read, the ones Ballast uses into the
// message and the staging area, the others only to check them, so a malformed frame is found
// before anything is applied and no frame is parsed twice. A field it uses given twice is a
// reject (JSON leaves duplicate names to the reader; a venue never sends them).
void deribit_feed::on_frame(const feed_frame& f) noexcept {
    ++frames_;
    clear_staged();
    ondemand::document doc;
    ondemand::object root;
    deribit_message m;
    if (parser_.iterate(f.data.data(), f.data.size(), f.data.size() + 64).get(doc) ||
        doc.get_object().get(root) || read_root(root, m) || !at_document_end(doc)) {
        reject(nullptr, f, "invalid JSON");
        return;
    }
    if (m.method == field_state::wrong_type) {
        reject(nullptr, f, "invalid JSON"); // "method" must be a string
        return;
    }
    if (!m.duplicate.empty()) {
        reject(nullptr, f, "a field given twice", m.duplicate);
        return;
    }
    if (m.method == field_state::absent || m.method_text.empty()) {
        // A reply to a request: {"id":..,"result":..} or {"id":..,"error":{..}}.
        if (m.has_error) {
            report(nullptr, f, "request error", m.error_message);
        }
        return;
    }
    if (m.method_text != "subscription") {
        return; // heartbeat, test_request
    }
    if (m.params != field_state::ok || m.channel != field_state::ok) {
        reject(nullptr, f, "subscription without params.channel");
        return;
    }
    if (!m.channel_text.starts_with("book.")) {
        return; // ticker.*, trades.*: not book messages
    }
    if (m.data != field_state::ok) {
        reject(nullptr, f, "book notification without a \"data\" object");
        return;
    }
    on_book(f, m);
}

simdjson::error_code deribit_feed::read_root(ondemand::object& root, deribit_message& m) noexcept {
    return for_each_field(root, [&](std::string_view key, ondemand::value v) -> error_code {
        error_code e = SUCCESS;
        bool ok = false;
        if (key == "method" && m.method == field_state::absent) {
            e = read_string(v, m.method_text, ok);
            m.method = state_of(ok);
        } else if (((key == "method" && m.method != field_state::absent) ||
                    (key == "params" && m.params != field_state::absent)) &&
                   m.duplicate.empty()) {
            m.duplicate = key;
            e = consume_value(v);
        } else if (key == "error" && !m.has_error && is_object(v)) {
            m.has_error = true;
            e = read_object(v, [&](std::string_view k, ondemand::value x) {
                bool is_text = false;
                if (k == "message" && m.error_message.empty()) {
                    const auto r = read_string(x, m.error_message, is_text);
                    if (!is_text) {
                        m.error_message = {};
                    }
                    return r;
                }
                return consume_value(x);
            });
        } else if (key == "params" && m.params == field_state::absent && is_object(v)) {
            m.params = field_state::ok;
            e = read_object(v, [&](std::string_view k, ondemand::value x) {
                if (k == "channel" && m.channel == field_state::absent) {
                    bool text = false;
                    const auto r = read_string(x, m.channel_text, text);
                    m.channel = state_of(text);
                    return r;
                }
                if (k == "data" && m.data == field_state::absent) {
                    if (!is_object(x)) {
                        m.data = field_state::wrong_type;
                        return consume_value(x);
                    }
                    m.data = field_state::ok;
                    return read_data(x, m);
                }
                if ((k == "channel" || k == "data") && m.duplicate.empty()) {
                    m.duplicate = k;
                }
                return consume_value(x);
            });
        } else {
            if (key == "params") {
                m.params = field_state::wrong_type; // the first "params" is not an object
            }
            e = consume_value(v);
        }
        return e;
    });
}

simdjson::error_code deribit_feed::read_data(ondemand::value v, deribit_message& m) noexcept {
    return read_object(v, [&](std::string_view k, ondemand::value x) -> error_code {
        const field_state* seen = k == "instrument_name"  ? &m.instrument
                                  : k == "type"           ? &m.type
                                  : k == "change_id"      ? &m.change_id
                                  : k == "prev_change_id" ? &m.prev_change_id
                                  : k == "bids"           ? &m.levels[0]
                                  : k == "asks"           ? &m.levels[1]
                                                          : nullptr;
        if (seen != nullptr && *seen != field_state::absent) {
            if (m.duplicate_data.empty()) {
                m.duplicate_data = k;
            }
            return consume_value(x);
        }
        // Each field once (a second one is a duplicate, above).
        if (k == "instrument_name") {
            return read_field(x, m.instrument_text, m.instrument);
        }
        if (k == "type") {
            return read_field(x, m.type_text, m.type);
        }
        if (k == "change_id") {
            return read_field(x, m.change_id_value, m.change_id);
        }
        if (k == "prev_change_id") {
            return read_field(x, m.prev_change_id_value, m.prev_change_id);
        }
        const int which = k == "bids" ? 0 : k == "asks" ? 1 : -1;
        if (which < 0) {
            return consume_value(x);
        }
        // [action, price, amount], staged now; applied only once the whole frame is read and
        // the book's checks pass.
        ondemand::json_type t;
        if (auto e = x.type().get(t)) {
            return e;
        }
        if (t != ondemand::json_type::array) {
            m.levels[which] = field_state::wrong_type;
            return consume_value(x);
        }
        const side s = which == 0 ? side::bid : side::ask;
        bool shape_ok = true;
        std::string_view& bad = m.bad_action[which];
        const auto e = walk_levels(
            x, shape_ok, [&](std::string_view action, std::string_view px, std::string_view sz) {
                if (action == "delete") {
                    stage(s, px, "0"); // a delete's amount is 0 already; never trust it
                } else if ((action == "new" || action == "change") && !sz.empty()) {
                    stage(s, px, sz);
                } else {
                    bad = action.empty() ? std::string_view("(none)") : action;
                    return false;
                }
                return true;
            });
        m.levels[which] = field_state::ok;
        m.bad_level[which] = !shape_ok;
        return e;
    });
}

void deribit_feed::on_book(const feed_frame& f, const deribit_message& m) noexcept {
    const std::string_view channel = m.channel_text;
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
    if (!m.duplicate_data.empty()) {
        malformed("a field given twice", m.duplicate_data);
        return;
    }
    const std::string_view name =
        m.instrument == field_state::ok ? m.instrument_text : std::string_view();
    if (m.instrument != field_state::ok || name != instrument) {
        malformed("instrument_name differs from the channel's", name);
        return;
    }
    const std::string_view type = m.type == field_state::ok ? m.type_text : std::string_view();
    if (m.type != field_state::ok || (type != "snapshot" && type != "change")) {
        malformed("\"type\" is not snapshot or change", type);
        return;
    }
    const bool snapshot = type == "snapshot";
    const std::int64_t change_id = m.change_id_value;
    if (m.change_id != field_state::ok || change_id < 0) {
        malformed("change_id missing or not a non-negative integer", {});
        return;
    }
    if (!snapshot) {
        if (m.prev_change_id != field_state::ok || m.prev_change_id_value < 0) {
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
        if (m.prev_change_id_value != b->last_seq) {
            mark_stale(*b, book_health::stale_gap, f,
                       "prev_change_id is not the previous change_id: resubscribe");
            return;
        }
    }
    if (!levels_ok(f, *b, m, 0) || !levels_ok(f, *b, m, 1) || !convert_staged(*b, f)) {
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

bool deribit_feed::levels_ok(const feed_frame& f, venue_book& b, const deribit_message& m,
                             int which) noexcept {
    const bool bids = which == 0;
    if (m.levels[which] != field_state::ok) {
        reject(&b, f, bids ? "\"bids\" is not an array" : "\"asks\" is not an array");
        return false;
    }
    if (m.bad_level[which]) {
        reject(&b, f, "level is not [action, price, amount]");
        return false;
    }
    if (!m.bad_action[which].empty()) {
        reject(&b, f, "level is not [\"new\"|\"change\"|\"delete\", price, amount]",
               m.bad_action[which]);
        return false;
    }
    return true;
}

} // namespace ballast::feed
