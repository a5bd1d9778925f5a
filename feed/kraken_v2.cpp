#include "feed/kraken_v2.hpp"

#include <limits>

namespace ballast::feed {

using namespace simdjson;

kraken_v2_feed::kraken_v2_feed(const instrument_registry& instruments, reject_log& rejects,
                               feed_options options)
    : kraken_book_feed("kraken_v2", instruments, rejects, std::move(options),
                       kraken_checksum_text::formatted) {
    levels_.reserve(options_.max_levels_per_message);
}

std::size_t kraken_v2_feed::depth_for(std::string_view symbol) const noexcept {
    for (const auto& [s, depth] : depths_) {
        if (s == symbol) {
            return depth;
        }
    }
    return default_depth;
}

void kraken_v2_feed::on_subscription(ondemand::object params) noexcept {
    std::string_view channel;
    if (params.find_field_unordered("channel").get_string().get(channel) || channel != "book") {
        return;
    }
    std::uint64_t depth = default_depth;
    auto d = params.find_field_unordered("depth");
    if (d.error() != simdjson::SUCCESS && d.error() != simdjson::NO_SUCH_FIELD) {
        return; // a JSON error: the object must not be read further
    }
    if (!d.error()) {
        if (d.get_uint64().get(depth) || depth == 0) {
            return;
        }
    }
    auto remember = [&](std::string_view symbol) { remember_depth(symbol, depth); };
    ondemand::value symbols;
    if (params.find_field_unordered("symbol").get(symbols)) {
        return;
    }
    std::string_view one;
    ondemand::array many;
    if (!symbols.get_string().get(one)) {
        remember(one); // an acknowledgement names one symbol
    } else if (!symbols.get_array().get(many)) {
        for (auto s : many) {
            if (!s.get_string().get(one)) {
                remember(one);
            }
        }
    }
}

void kraken_v2_feed::on_sent(const feed_frame& f) noexcept {
    ondemand::document doc;
    ondemand::object root;
    ondemand::object params;
    std::string_view method;
    if (parse_frame(parser_, f, doc) || doc.get_object().get(root) ||
        root.find_field_unordered("method").get_string().get(method) || method != "subscribe" ||
        root.find_field_unordered("params").get_object().get(params)) {
        return;
    }
    on_subscription(params);
}

/// What one walk over a frame keeps (texts point into the frame or the parser's buffer).
struct kraken_v2_feed::v2_message {
    field_state channel = field_state::absent;
    std::string_view channel_text;
    field_state type = field_state::absent;
    std::string_view type_text;
    field_state method = field_state::absent;
    std::string_view method_text;
    bool success = false;
    field_state data = field_state::absent; ///< ok: an array
    bool entry_not_object = false;
    bool too_many_entries = false;
    std::size_t entries = 0;    ///< in entries_
    std::string_view duplicate; ///< a top-level field given twice
    // A subscription acknowledgement's result.
    bool result = false;
    std::string_view result_channel;
    field_state depth = field_state::absent;
    std::uint64_t depth_value = 0;
    std::size_t symbols = 0; ///< in symbols_
};

// One walk over the frame (On-Demand): every value is read, what Ballast uses into the message
// and its level texts, the rest only to check it; the books are touched only after the walk
// ended clean, one entry after the other. A field it uses given twice is a reject.
void kraken_v2_feed::on_frame(const feed_frame& f) noexcept {
    ++frames_;
    levels_.clear();
    ondemand::document doc;
    ondemand::object root;
    v2_message m;
    if (parser_.iterate(f.data.data(), f.data.size(), f.data.size() + 64).get(doc) ||
        doc.get_object().get(root) || read_root(root, m) || !at_document_end(doc)) {
        reject(nullptr, f, "invalid JSON");
        return;
    }
    if (m.channel == field_state::wrong_type) {
        reject(nullptr, f, "invalid JSON"); // "channel" must be a string
        return;
    }
    if (!m.duplicate.empty()) {
        reject(nullptr, f, "a field given twice", m.duplicate);
        return;
    }
    if (m.channel == field_state::absent || m.channel_text.empty()) {
        // A method reply: {"method":"subscribe","result":{...},"success":true}.
        if (m.method != field_state::ok) {
            reject(nullptr, f, "message without \"channel\" or \"method\"");
            return;
        }
        if (m.method_text == "subscribe" && m.success && m.result) {
            remember_depths(m);
        }
        return;
    }
    if (m.channel_text != "book") {
        return; // heartbeat, status, instrument, ticker, trade: not book messages
    }
    if (m.type != field_state::ok || (m.type_text != "snapshot" && m.type_text != "update")) {
        reject(nullptr, f, "book message: \"type\" is not snapshot or update");
        return;
    }
    if (m.data != field_state::ok) {
        reject(nullptr, f, "book message without a \"data\" array");
        return;
    }
    if (m.entry_not_object) {
        reject(nullptr, f, "book data entry is not an object");
        return;
    }
    if (m.too_many_entries) {
        reject(nullptr, f, "more book entries in one message than a walk keeps");
        return;
    }
    for (std::size_t i = 0; i < m.entries; ++i) {
        on_book_entry(f, entries_[i], m.type_text == "snapshot");
    }
}

simdjson::error_code kraken_v2_feed::read_root(ondemand::object& root, v2_message& m) noexcept {
    return for_each_field(root, [&](std::string_view key, ondemand::value v) -> error_code {
        field_state* seen = key == "channel"  ? &m.channel
                            : key == "type"   ? &m.type
                            : key == "method" ? &m.method
                            : key == "data"   ? &m.data
                                              : nullptr;
        if (seen != nullptr && *seen != field_state::absent) {
            note_duplicate(m.duplicate, key);
            return consume_value(v);
        }
        if (key == "channel") {
            return read_string(v, m.channel_text, m.channel);
        }
        if (key == "type") {
            return read_string(v, m.type_text, m.type);
        }
        if (key == "method") {
            return read_string(v, m.method_text, m.method);
        }
        if (key == "data") {
            return read_array(v, m.data, [&](ondemand::value x) { return read_data_entry(x, m); });
        }
        if (key == "success") {
            // On-Demand moves past a value only when it reads it.
            return v.get_bool().get(m.success) ? consume_value(v) : SUCCESS;
        }
        if (key == "result" && !m.result && is_object(v)) {
            m.result = true;
            return read_object(v, [&](std::string_view k, ondemand::value x) {
                return read_subscription_field(k, x, m);
            });
        }
        return consume_value(v);
    });
}

simdjson::error_code kraken_v2_feed::read_data_entry(ondemand::value x, v2_message& m) noexcept {
    const bool object = is_object(x);
    if (!object || m.entries == entries_.size()) {
        m.entry_not_object = m.entry_not_object || !object;
        m.too_many_entries = m.too_many_entries || object;
        return consume_value(x);
    }
    v2_entry& entry = entries_[m.entries++];
    entry = v2_entry{};
    entry.first = levels_.size();
    const auto e = read_object(
        x, [&](std::string_view k, ondemand::value v) { return read_entry_field(k, v, entry); });
    entry.n = levels_.size() - entry.first;
    return e;
}

simdjson::error_code kraken_v2_feed::read_subscription_field(std::string_view k, ondemand::value x,
                                                             v2_message& m) noexcept {
    field_state state = field_state::absent;
    if (k == "channel") {
        return read_string(x, m.result_channel, state);
    }
    if (k == "depth" && m.depth == field_state::absent) {
        std::int64_t d = 0;
        const auto e = read_int64(x, d, m.depth);
        m.depth = state_of(m.depth == field_state::ok && d > 0);
        m.depth_value = static_cast<std::uint64_t>(d);
        return e;
    }
    if (k != "symbol") {
        return consume_value(x);
    }
    // One symbol (an acknowledgement) or a list of them.
    auto keep = [&](std::string_view one, field_state s) {
        if (s == field_state::ok && m.symbols < symbols_.size()) {
            symbols_[m.symbols++] = one;
        }
    };
    ondemand::json_type t;
    if (auto e = x.type().get(t)) {
        return e;
    }
    if (t == ondemand::json_type::string) {
        std::string_view one;
        const auto e = read_string(x, one, state);
        keep(one, state);
        return e;
    }
    return read_array(x, state, [&](ondemand::value s) {
        std::string_view one;
        field_state text = field_state::absent;
        const auto e = read_string(s, one, text);
        keep(one, text);
        return e;
    });
}

simdjson::error_code kraken_v2_feed::read_entry_field(std::string_view k, ondemand::value x,
                                                      v2_entry& entry) noexcept {
    const int which = k == "bids" ? 0 : k == "asks" ? 1 : -1;
    field_state* seen = k == "symbol"     ? &entry.symbol
                        : k == "checksum" ? &entry.checksum
                        : which >= 0      ? &entry.sides[which]
                                          : nullptr;
    if (seen == nullptr) {
        return consume_value(x);
    }
    if (*seen != field_state::absent) {
        note_duplicate(entry.duplicate, k);
        return consume_value(x);
    }
    if (k == "symbol") {
        return read_string(x, entry.symbol_text, entry.symbol);
    }
    if (k == "checksum") {
        // On-Demand moves past a number only when it reads it.
        entry.checksum = state_of(!x.get_uint64().get(entry.checksum_value));
        return entry.checksum == field_state::ok ? SUCCESS : consume_value(x);
    }
    const side s = which == 0 ? side::bid : side::ask;
    return read_array(x, entry.sides[which],
                      [&](ondemand::value level) { return read_level(level, s, entry); });
}

simdjson::error_code kraken_v2_feed::read_level(ondemand::value level, side s,
                                                v2_entry& entry) noexcept {
    if (!is_object(level)) {
        entry.bad_level = true;
        return consume_value(level);
    }
    std::string_view px;
    std::string_view qty;
    field_state px_state = field_state::absent;
    field_state qty_state = field_state::absent;
    const auto e = read_object(level, [&](std::string_view k, ondemand::value x) -> error_code {
        const bool is_px = k == "price";
        field_state& state = is_px ? px_state : qty_state;
        if ((!is_px && k != "qty") || state != field_state::absent) {
            return consume_value(x);
        }
        return read_number_text(x, is_px ? px : qty, state); // v2 sends numbers, never strings
    });
    if (px_state != field_state::ok || qty_state != field_state::ok || px.empty() || qty.empty()) {
        entry.bad_level = true;
    } else if (levels_.size() < levels_.capacity()) { // capacity fixed at construction
        levels_.push_back({s, px, qty});
    } else {
        entry.overflow = true;
    }
    return e;
}

void kraken_v2_feed::remember_depths(const v2_message& m) noexcept {
    if (m.result_channel != "book" || m.depth == field_state::wrong_type) {
        return;
    }
    const std::uint64_t depth = m.depth == field_state::ok ? m.depth_value : default_depth;
    for (std::size_t i = 0; i < m.symbols; ++i) {
        remember_depth(symbols_[i], depth);
    }
}

void kraken_v2_feed::remember_depth(std::string_view symbol, std::uint64_t depth) noexcept {
    try {
        for (auto& [s, n] : depths_) {
            if (s == symbol) {
                n = depth;
                return;
            }
        }
        depths_.emplace_back(std::string(symbol), depth);
    } catch (...) { // out of memory: the default depth stays
    }
}

void kraken_v2_feed::on_book_entry(const feed_frame& f, const v2_entry& entry,
                                   bool snapshot) noexcept {
    if (entry.symbol != field_state::ok) {
        reject(nullptr, f, "book entry without \"symbol\"");
        return;
    }
    const std::string_view symbol = entry.symbol_text;
    venue_book* b = book_for(symbol, f);
    if (b == nullptr) {
        return;
    }
    ++b->counters.messages;
    const bool was_live = b->health == book_health::live;
    // A book message that cannot be read may have changed the venue's book: resubscribe.
    auto resync_if_live = [&] {
        if (was_live) {
            mark_stale(*b, book_health::stale_gap, f,
                       snapshot ? "malformed snapshot: resubscribe"
                                : "malformed update: resubscribe");
        }
    };
    auto malformed = [&](std::string_view why, std::string_view detail = {}) {
        reject(b, f, why, detail);
        resync_if_live();
    };
    if (!entry.duplicate.empty()) {
        malformed("a field given twice", entry.duplicate);
        return;
    }
    if (entry.checksum != field_state::ok ||
        entry.checksum_value > std::numeric_limits<std::uint32_t>::max()) {
        malformed("\"checksum\" missing or not an unsigned 32-bit integer");
        return;
    }
    for (int which = 0; which < 2; ++which) {
        if (entry.sides[which] != field_state::ok) {
            malformed(which == 0 ? "\"bids\" is not an array" : "\"asks\" is not an array");
            return;
        }
    }
    if (entry.bad_level) {
        malformed("level is not {\"price\": number, \"qty\": number}");
        return;
    }
    if (entry.overflow) {
        malformed("too many levels in one message");
        return;
    }
    if (!snapshot && !was_live) {
        ++b->counters.stale_dropped; // waiting for the snapshot of a new subscription
        return;
    }
    clear_staged();
    for (std::size_t i = entry.first; i < entry.first + entry.n; ++i) {
        stage(levels_[i].s, levels_[i].px, levels_[i].qty);
    }
    if (!convert_staged(*b, f)) {
        resync_if_live();
        return;
    }
    if (snapshot) {
        b->depth_limit = depth_for(symbol);
    }
    if (!verify_checksum(*b, snapshot, static_cast<std::uint32_t>(entry.checksum_value), f)) {
        return;
    }
    apply_verified(*b, snapshot, f);
}

} // namespace ballast::feed
