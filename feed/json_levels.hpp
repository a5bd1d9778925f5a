#pragma once
/// Helpers for the `[["price","size",...], ...]` level arrays most venues send.

#include <simdjson.h>

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace ballast::feed {

namespace detail {
enum class level_step : unsigned char { bad, stop, next };
/// One inner array's `n` fields to f: `bad` when fewer than two, `stop` when f returns false.
template <class F>
[[nodiscard]] level_step deliver_level(const std::string_view (&fields)[3], std::size_t n,
                                       F& f) noexcept {
    if (n < 2) {
        return level_step::bad;
    }
    return f(fields[0], fields[1], fields[2]) ? level_step::next : level_step::stop;
}
} // namespace detail

/// Reads the first two entries of each inner array as raw number/string text (quotes
/// removed) and calls f(px_text, sz_text, rest) where `rest` is the inner array's third entry
/// text or empty. Returns the first JSON error; f returning false stops the walk (no error).
template <class F>
[[nodiscard]] simdjson::error_code for_each_level(simdjson::ondemand::array levels,
                                                  F&& f) noexcept {
    using namespace simdjson;
    for (auto entry : levels) {
        ondemand::array pair;
        if (auto e = entry.get_array().get(pair)) {
            return e;
        }
        std::string_view fields[3];
        std::size_t n = 0;
        for (auto v : pair) {
            if (n < 3) {
                ondemand::value value;
                if (auto e = v.get(value)) {
                    return e;
                }
                std::string_view text;
                ondemand::json_type type;
                if (auto e = value.type().get(type)) {
                    return e;
                }
                if (type == ondemand::json_type::string) {
                    if (auto e = value.get_string().get(text)) {
                        return e;
                    }
                } else if (type == ondemand::json_type::number) {
                    text = value.raw_json_token();
                    while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) {
                        text.remove_suffix(1);
                    }
                } else {
                    return INCORRECT_TYPE;
                }
                fields[n] = text;
            } else if (auto e = v.error()) {
                return e; // an entry past the third is skipped, but its error still ends the walk
            }
            ++n;
        }
        if (const auto step = detail::deliver_level(fields, n, f);
            step != detail::level_step::next) {
            return step == detail::level_step::bad ? INCORRECT_TYPE : SUCCESS;
        }
    }
    return SUCCESS;
}

/// A field as a frame's one walk found it.
enum class field_state : std::uint8_t { absent, ok, wrong_type };

[[nodiscard]] inline field_state state_of(bool ok) noexcept {
    return ok ? field_state::ok : field_state::wrong_type;
}

/// Calls f(key, value) for each field of `o`, in order; f must consume the value (read it, or
/// consume_value) and returns its JSON error, which ends the walk.
template <class F>
[[nodiscard]] simdjson::error_code for_each_field(simdjson::ondemand::object& o, F&& f) noexcept {
    using namespace simdjson;
    for (auto field : o) {
        std::string_view key;
        ondemand::value x;
        if (auto e = field.unescaped_key().get(key)) {
            return e;
        }
        if (auto e = field.value().get(x)) {
            return e;
        }
        if (auto e = f(key, x)) {
            return e;
        }
    }
    return SUCCESS;
}

/// Walks the object `v` whole in a frame's one walk (for_each_field).
template <class F>
[[nodiscard]] simdjson::error_code read_object(simdjson::ondemand::value v, F&& f) noexcept {
    simdjson::ondemand::object o;
    if (auto e = v.get_object().get(o)) {
        return e;
    }
    return for_each_field(o, f);
}

/// Reads a number value and moves past it, as the DOM would accept it: an integer must fit 64
/// bits (signed or not), any other number a double.
[[nodiscard]] inline simdjson::error_code consume_number(simdjson::ondemand::value v) noexcept {
    using namespace simdjson;
    bool fraction = false; // a '.', 'e' or 'E' in the token (a plain loop: no call per byte)
    for (const char c : v.raw_json_token()) {
        fraction = fraction || c == '.' || c == 'e' || c == 'E';
    }
    if (fraction) {
        double d = 0.0;
        return v.get_double().get(d);
    }
    if (std::int64_t i = 0; !v.get_int64().get(i)) {
        return SUCCESS;
    }
    std::uint64_t u = 0;
    return v.get_uint64().get(u) ? NUMBER_ERROR : SUCCESS; // an integer must fit 64 bits
}

/// Consumes `v` whole: every value in it is read, so On-Demand checks its grammar (a decoder's
/// one walk over a frame validates the parts it does not use as well). Nesting deeper than
/// `max_depth` is an error.
[[nodiscard]] inline simdjson::error_code consume_value(simdjson::ondemand::value v,
                                                        int max_depth = 64) noexcept {
    using namespace simdjson;
    if (max_depth <= 0) {
        return DEPTH_ERROR;
    }
    ondemand::json_type type;
    if (auto e = v.type().get(type)) {
        return e;
    }
    switch (type) {
    case ondemand::json_type::array: {
        ondemand::array a;
        if (auto e = v.get_array().get(a)) {
            return e;
        }
        for (auto entry : a) {
            ondemand::value x;
            if (auto e = entry.get(x)) {
                return e;
            }
            if (auto e = consume_value(x, max_depth - 1)) {
                return e;
            }
        }
        return SUCCESS;
    }
    case ondemand::json_type::object:
        return read_object(v, [max_depth](std::string_view, ondemand::value x) {
            return consume_value(x, max_depth - 1);
        });
    case ondemand::json_type::number:
        return consume_number(v);
    case ondemand::json_type::string: {
        std::string_view text;
        return v.get_string().get(text);
    }
    case ondemand::json_type::boolean: {
        bool b = false;
        return v.get_bool().get(b);
    }
    case ondemand::json_type::null: {
        bool null = false;
        if (auto e = v.is_null().get(null)) {
            return e;
        }
        return null ? SUCCESS : INCORRECT_TYPE;
    }
    }
    return INCORRECT_TYPE;
}

/// After a document's root was read whole: true when nothing follows it (this simdjson has no
/// document::at_end; a token left means trailing content).
[[nodiscard]] inline bool at_document_end(simdjson::ondemand::document& doc) noexcept {
    return doc.current_location().error() == simdjson::OUT_OF_BOUNDS;
}

/// True when `v` is an object (a JSON error reads as false; the caller's consume finds it).
[[nodiscard]] inline bool is_object(simdjson::ondemand::value v) noexcept {
    simdjson::ondemand::json_type type;
    return !v.type().get(type) && type == simdjson::ondemand::json_type::object;
}

/// Reads a string field in a frame's one walk: `text` and `ok` when it is one; any other value
/// is consumed (checked) with `ok` false. Returns a JSON error only.
[[nodiscard]] inline simdjson::error_code read_string(simdjson::ondemand::value v,
                                                      std::string_view& text, bool& ok) noexcept {
    using namespace simdjson;
    ondemand::json_type type;
    if (auto e = v.type().get(type)) {
        return e;
    }
    ok = type == ondemand::json_type::string;
    return ok ? v.get_string().get(text) : consume_value(v);
}

/// Reads an integer field in a frame's one walk: `n` and `ok` when it is a signed 64-bit
/// integer; any other value (a fraction, a string, out of range) is consumed with `ok` false.
[[nodiscard]] inline simdjson::error_code read_int64(simdjson::ondemand::value v, std::int64_t& n,
                                                     bool& ok) noexcept {
    using namespace simdjson;
    ok = !v.get_int64().get(n); // On-Demand moves past a number only when it reads it
    return ok ? SUCCESS : consume_value(v);
}

/// read_string (into a string_view) or read_int64 (into an int64_t), noting in `state` whether
/// the value had that type.
template <class T>
[[nodiscard]] inline simdjson::error_code read_field(simdjson::ondemand::value v, T& out,
                                                     field_state& state) noexcept {
    static_assert(std::is_same_v<T, std::string_view> || std::is_same_v<T, std::int64_t>);
    bool ok = false;
    simdjson::error_code e;
    if constexpr (std::is_same_v<T, std::string_view>) {
        e = read_string(v, out, ok);
    } else {
        e = read_int64(v, out, ok);
    }
    state = state_of(ok);
    return e;
}

/// The text of a level entry (a string without its quotes, a number as written) in a frame's
/// one walk; anything else is consumed with `ok` false.
[[nodiscard]] inline simdjson::error_code
read_level_text(simdjson::ondemand::value v, std::string_view& text, bool& ok) noexcept {
    using namespace simdjson;
    ondemand::json_type type;
    if (auto e = v.type().get(type)) {
        return e;
    }
    if (type == ondemand::json_type::number) {
        text = v.raw_json_token();
        while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' ||
                                 text.back() == '\t')) {
            text.remove_suffix(1);
        }
        ok = true;
        return consume_number(v); // checks the number's grammar and moves past it
    }
    return read_string(v, text, ok);
}

/// Walks `[[a, b, c, ...], ...]` whole in a frame's one walk and calls f(a, b, c) (entry texts
/// as read_level_text gives them; c empty when absent) for each inner array of at least two
/// entries while f returns true. `shape_ok` turns false (and f is no longer called) at the
/// first entry that is not such an array; the walk still reads everything after it. Returns a
/// JSON error only.
template <class F>
[[nodiscard]] simdjson::error_code walk_levels(simdjson::ondemand::value levels, bool& shape_ok,
                                               F&& f) noexcept {
    using namespace simdjson;
    ondemand::json_type type;
    if (auto e = levels.type().get(type)) {
        return e;
    }
    if (type != ondemand::json_type::array) {
        shape_ok = false;
        return consume_value(levels);
    }
    ondemand::array outer;
    if (auto e = levels.get_array().get(outer)) {
        return e;
    }
    bool calling = true;
    for (auto entry : outer) {
        ondemand::value level;
        if (auto e = entry.get(level)) {
            return e;
        }
        if (auto e = level.type().get(type)) {
            return e;
        }
        if (type != ondemand::json_type::array) {
            shape_ok = false;
            calling = false;
            if (auto e = consume_value(level)) {
                return e;
            }
            continue;
        }
        ondemand::array inner;
        if (auto e = level.get_array().get(inner)) {
            return e;
        }
        std::string_view fields[3];
        std::size_t n = 0;
        bool texts_ok = true;
        for (auto x : inner) {
            ondemand::value v;
            if (auto e = x.get(v)) {
                return e;
            }
            bool ok = true;
            std::string_view text;
            if (auto e = n < 3 ? read_level_text(v, text, ok) : consume_value(v)) {
                return e;
            }
            if (n < 3) {
                fields[n] = text;
                texts_ok = texts_ok && ok;
            }
            ++n;
        }
        if (!calling) {
            continue;
        }
        if (n < 2 || !texts_ok) {
            shape_ok = false;
            calling = false;
        } else if (!f(fields[0], fields[1], fields[2])) {
            calling = false;
        }
    }
    return SUCCESS;
}

/// Bytes a decoder reserves for the text of numeric level fields of one DOM message.
inline constexpr std::size_t max_number_text = 4096;

/// The text of a DOM number, appended to `arena` (whose capacity must not grow: earlier texts are
/// still referenced): integers exactly, doubles as the shortest fixed notation that reads back
/// the same value (the DOM keeps no source text). False when it does not fit.
[[nodiscard]] inline bool dom_number_text(simdjson::dom::element v, std::string& arena,
                                          std::string_view& out) noexcept {
    char text[64];
    std::to_chars_result r{};
    if (std::int64_t i = 0; !v.get_int64().get(i)) {
        r = std::to_chars(text, text + sizeof text, i);
    } else if (std::uint64_t u = 0; !v.get_uint64().get(u)) {
        r = std::to_chars(text, text + sizeof text, u);
    } else {
        r = std::to_chars(text, text + sizeof text, v.get_double().value_unsafe(),
                          std::chars_format::fixed);
    }
    const auto n = static_cast<std::size_t>(r.ptr - text);
    if (r.ec != std::errc{} || arena.size() + n > arena.capacity()) {
        return false;
    }
    const std::size_t at = arena.size();
    arena.append(text, n);
    out = std::string_view(arena).substr(at, n);
    return true;
}

/// for_each_level over a DOM array (a frame parsed by venue_feed::parse_dom, so already known to
/// be valid JSON): the same shapes are accepted and the same callback order kept. Numeric fields
/// get their text from dom_number_text in `arena`.
template <class F>
[[nodiscard]] simdjson::error_code for_each_level(simdjson::dom::array levels, std::string& arena,
                                                  F&& f) noexcept {
    using namespace simdjson;
    for (dom::element entry : levels) {
        dom::array pair;
        if (auto e = entry.get_array().get(pair)) {
            return e;
        }
        std::string_view fields[3];
        std::size_t n = 0;
        for (dom::element v : pair) {
            if (n < 3) {
                if (v.is_string()) {
                    fields[n] = v.get_string().value_unsafe();
                } else if (!v.is_number() || !dom_number_text(v, arena, fields[n])) {
                    return INCORRECT_TYPE;
                }
            }
            ++n;
        }
        if (const auto step = detail::deliver_level(fields, n, f);
            step != detail::level_step::next) {
            return step == detail::level_step::bad ? INCORRECT_TYPE : SUCCESS;
        }
    }
    return SUCCESS;
}

} // namespace ballast::feed
