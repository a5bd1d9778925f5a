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
        auto text = [&](std::string_view& out, field_state& state) {
            if (state != field_state::absent) {
                m.duplicate = m.duplicate.empty() ? key : m.duplicate;
                return consume_value(v);
            }
            return read_field(v, out, state);
        };
        if (key == "channel") {
            return text(m.channel_text, m.channel);
        }
        if (key == "type") {
            return text(m.type_text, m.type);
        }
        if (key == "method") {
            return text(m.method_text, m.method);
        }
        if (key == "success") {
            ondemand::json_type t;
            if (auto e = v.type().get(t)) {
                return e;
            }
            if (t == ondemand::json_type::boolean) {
                return v.get_bool().get(m.success);
            }
            return consume_value(v);
        }
        if (key == "result" && !m.result && is_object(v)) {
            m.result = true;
            return read_object(v, [&](std::string_view k, ondemand::value x) -> error_code {
                return read_subscription_field(k, x, m);
            });
        }
        if (key == "data") {
            if (m.data != field_state::absent) {
                m.duplicate = m.duplicate.empty() ? key : m.duplicate;
                return consume_value(v);
            }
            return read_data(v, m);
        }
        return consume_value(v);
    });
}

simdjson::error_code kraken_v2_feed::read_data(ondemand::value v, v2_message& m) noexcept {
    ondemand::json_type t;
    if (auto e = v.type().get(t)) {
        return e;
    }
    if (t != ondemand::json_type::array) {
        m.data = field_state::wrong_type;
        return consume_value(v);
    }
    m.data = field_state::ok;
    ondemand::array items;
    if (auto e = v.get_array().get(items)) {
        return e;
    }
    for (auto item : items) {
        ondemand::value x;
        if (auto e = item.get(x)) {
            return e;
        }
        const bool object = is_object(x);
        if (!object || m.entries == entries_.size()) {
            m.entry_not_object = m.entry_not_object || !object;
            m.too_many_entries = m.too_many_entries || object;
            if (auto e = consume_value(x)) {
                return e;
            }
            continue;
        }
        v2_entry& entry = entries_[m.entries++];
        entry = v2_entry{};
        entry.first = levels_.size();
        if (auto e = read_entry(x, entry)) {
            return e;
        }
        entry.n = levels_.size() - entry.first;
    }
    return SUCCESS;
}

simdjson::error_code kraken_v2_feed::read_subscription_field(std::string_view k, ondemand::value x,
                                                             v2_message& m) noexcept {
    bool ok = false;
    if (k == "channel") {
        return read_string(x, m.result_channel, ok);
    }
    if (k == "depth" && m.depth == field_state::absent) {
        std::int64_t d = 0;
        const auto e = read_int64(x, d, ok);
        m.depth = state_of(ok && d > 0);
        m.depth_value = static_cast<std::uint64_t>(d);
        return e;
    }
    if (k != "symbol") {
        return consume_value(x);
    }
    ondemand::json_type t;
    if (auto e = x.type().get(t)) {
        return e;
    }
    if (t == ondemand::json_type::string) {
        std::string_view one;
        const auto e = x.get_string().get(one);
        if (!e && m.symbols < symbols_.size()) {
            symbols_[m.symbols++] = one; // an acknowledgement names one symbol
        }
        return e;
    }
    if (t != ondemand::json_type::array) {
        return consume_value(x);
    }
    ondemand::array many;
    if (auto e = x.get_array().get(many)) {
        return e;
    }
    for (auto item : many) {
        ondemand::value s;
        std::string_view one;
        if (auto e = item.get(s)) {
            return e;
        }
        if (auto e = read_string(s, one, ok)) {
            return e;
        }
        if (ok && m.symbols < symbols_.size()) {
            symbols_[m.symbols++] = one;
        }
    }
    return SUCCESS;
}

simdjson::error_code kraken_v2_feed::read_entry(ondemand::value v, v2_entry& entry) noexcept {
    return read_object(v, [&](std::string_view k, ondemand::value x) -> error_code {
        bool ok = false;
        const int which = k == "bids" ? 0 : k == "asks" ? 1 : -1;
        field_state* seen = k == "symbol"     ? &entry.symbol
                            : k == "checksum" ? &entry.checksum
                            : which >= 0      ? &entry.sides[which]
                                              : nullptr;
        if (seen == nullptr) {
            return consume_value(x);
        }
        if (*seen != field_state::absent) {
            entry.duplicate = entry.duplicate.empty() ? k : entry.duplicate;
            return consume_value(x);
        }
        if (k == "symbol") {
            return read_field(x, entry.symbol_text, entry.symbol);
        }
        if (k == "checksum") {
            ok = !x.get_uint64().get(entry.checksum_value); // moves on only when it reads it
            entry.checksum = state_of(ok);
            return ok ? SUCCESS : consume_value(x);
        }
        ondemand::json_type t;
        if (auto e = x.type().get(t)) {
            return e;
        }
        if (t != ondemand::json_type::array) {
            entry.sides[which] = field_state::wrong_type;
            return consume_value(x);
        }
        entry.sides[which] = field_state::ok;
        ondemand::array levels;
        if (auto e = x.get_array().get(levels)) {
            return e;
        }
        const side s = which == 0 ? side::bid : side::ask;
        for (auto item : levels) {
            ondemand::value level;
            if (auto e = item.get(level)) {
                return e;
            }
            if (auto e = read_level(level, s, entry)) {
                return e;
            }
        }
        return SUCCESS;
    });
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
        if ((!is_px && k != "qty") || (is_px ? px_state : qty_state) != field_state::absent) {
            return consume_value(x);
        }
        // v2 prices and quantities are numbers, never strings.
        ondemand::json_type t;
        if (auto err = x.type().get(t)) {
            return err;
        }
        bool ok = t == ondemand::json_type::number;
        std::string_view text;
        if (auto err = ok ? read_level_text(x, text, ok) : consume_value(x)) {
            return err;
        }
        (is_px ? px : qty) = text;
        (is_px ? px_state : qty_state) = state_of(ok && !text.empty());
        return SUCCESS;
    });
    if (px_state != field_state::ok || qty_state != field_state::ok) {
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
