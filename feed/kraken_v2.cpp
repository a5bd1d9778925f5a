#include "feed/kraken_v2.hpp"

#include <limits>

namespace ballast::feed {

using namespace simdjson;

namespace {
// The text of a JSON number value (v2 prices and quantities are numbers, never strings).
bool number_text(ondemand::value v, std::string_view& out) noexcept {
    ondemand::json_type t;
    if (v.type().get(t) || t != ondemand::json_type::number) {
        return false;
    }
    out = v.raw_json_token();
    while (!out.empty() &&
           (out.back() == ' ' || out.back() == '\n' || out.back() == '\r' || out.back() == '\t')) {
        out.remove_suffix(1);
    }
    return !out.empty();
}
} // namespace

kraken_v2_feed::kraken_v2_feed(const instrument_registry& instruments, reject_log& rejects,
                               feed_options options)
    : kraken_book_feed("kraken_v2", instruments, rejects, std::move(options),
                       kraken_checksum_text::formatted) {}

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
    auto remember = [&](std::string_view symbol) {
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
    };
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

void kraken_v2_feed::on_frame(const feed_frame& f) noexcept {
    ++frames_;
    ondemand::document doc;
    ondemand::object root;
    if (parse_frame(parser_, f, doc) || doc.get_object().get(root)) {
        reject(nullptr, f, "invalid JSON");
        return;
    }
    std::string_view channel;
    if (!optional_string(root, "channel", channel)) {
        reject(nullptr, f, "invalid JSON"); // On-Demand must not be used past a JSON error
        return;
    }
    if (channel.empty()) {
        // A method reply: {"method":"subscribe","result":{...},"success":true}.
        std::string_view method;
        if (root.find_field_unordered("method").get_string().get(method)) {
            reject(nullptr, f, "message without \"channel\" or \"method\"");
            return;
        }
        bool success = false;
        ondemand::object result;
        if (method == "subscribe" &&
            !root.find_field_unordered("success").get_bool().get(success) && success &&
            !root.find_field_unordered("result").get_object().get(result)) {
            on_subscription(result);
        }
        return;
    }
    if (channel != "book") {
        return; // heartbeat, status, instrument, ticker, trade: not book messages
    }
    std::string_view type;
    ondemand::array data;
    if (root.find_field_unordered("type").get_string().get(type) ||
        (type != "snapshot" && type != "update")) {
        reject(nullptr, f, "book message: \"type\" is not snapshot or update");
        return;
    }
    if (root.find_field_unordered("data").get_array().get(data)) {
        reject(nullptr, f, "book message without a \"data\" array");
        return;
    }
    for (auto entry : data) {
        ondemand::object o;
        if (entry.get_object().get(o)) {
            reject(nullptr, f, "book data entry is not an object");
            return;
        }
        on_book_entry(f, o, type == "snapshot");
    }
}

void kraken_v2_feed::on_book_entry(const feed_frame& f, ondemand::object entry,
                                   bool snapshot) noexcept {
    std::string_view symbol;
    if (entry.find_field_unordered("symbol").get_string().get(symbol)) {
        reject(nullptr, f, "book entry without \"symbol\"");
        return;
    }
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
    auto malformed = [&](std::string_view why) {
        reject(b, f, why);
        resync_if_live();
    };
    std::uint64_t checksum = 0;
    if (entry.find_field_unordered("checksum").get_uint64().get(checksum) ||
        checksum > std::numeric_limits<std::uint32_t>::max()) {
        malformed("\"checksum\" missing or not an unsigned 32-bit integer");
        return;
    }
    clear_staged();
    for (auto [key, s] : {std::pair{"bids", side::bid}, std::pair{"asks", side::ask}}) {
        ondemand::array levels;
        if (entry.find_field_unordered(key).get_array().get(levels)) {
            malformed(s == side::bid ? "\"bids\" is not an array" : "\"asks\" is not an array");
            return;
        }
        for (auto level : levels) {
            ondemand::object o;
            ondemand::value px;
            ondemand::value sz;
            std::string_view px_text;
            std::string_view sz_text;
            if (level.get_object().get(o) || o.find_field_unordered("price").get(px) ||
                !number_text(px, px_text) || o.find_field_unordered("qty").get(sz) ||
                !number_text(sz, sz_text)) {
                malformed("level is not {\"price\": number, \"qty\": number}");
                return;
            }
            stage(s, px_text, sz_text);
        }
    }
    if (!snapshot && !was_live) {
        ++b->counters.stale_dropped; // waiting for the snapshot of a new subscription
        return;
    }
    if (!convert_staged(*b, f)) {
        resync_if_live();
        return;
    }
    if (snapshot) {
        b->depth_limit = depth_for(symbol);
    }
    if (!verify_checksum(*b, snapshot, static_cast<std::uint32_t>(checksum), f)) {
        return;
    }
    apply_verified(*b, snapshot, f);
}

} // namespace ballast::feed
