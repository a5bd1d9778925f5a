#pragma once
/// Helpers for the `[["price","size",...], ...]` level arrays most venues send.

#include <simdjson.h>

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

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

// ---- a frame's one walk (On-Demand) ---------------------------------------------------------
// Each reader consumes the value it is given whole (On-Demand checks the grammar of what is
// read), returns only JSON errors, and says in a field_state whether the value had the
// expected type; a value of another type is consumed too.

[[nodiscard]] inline simdjson::error_code consume_value(simdjson::ondemand::value v,
                                                        int max_depth = 64) noexcept;

/// Calls f(key, value) for each field of `o`, in order; f consumes the value and returns its
/// JSON error, which ends the walk.
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

/// Walks the object `v` whole (for_each_field); `v` must be an object (see is_object).
template <class F>
[[nodiscard]] simdjson::error_code read_object(simdjson::ondemand::value v, F&& f) noexcept {
    simdjson::ondemand::object o;
    if (auto e = v.get_object().get(o)) {
        return e;
    }
    return for_each_field(o, f);
}

/// When `v` is an array: f(element) for each, in order (f consumes it and returns its JSON
/// error), and `state` ok; any other value is consumed with `state` wrong_type.
template <class F>
[[nodiscard]] simdjson::error_code read_array(simdjson::ondemand::value v, field_state& state,
                                              F&& f) noexcept {
    using namespace simdjson;
    ondemand::json_type type;
    if (auto e = v.type().get(type)) {
        return e;
    }
    state = state_of(type == ondemand::json_type::array);
    if (state != field_state::ok) {
        return consume_value(v);
    }
    ondemand::array a;
    if (auto e = v.get_array().get(a)) {
        return e;
    }
    for (auto entry : a) {
        ondemand::value x;
        if (auto e = entry.get(x)) {
            return e;
        }
        if (auto e = f(x)) {
            return e;
        }
    }
    return SUCCESS;
}

/// Reads a number and moves past it, as the DOM would accept it: an integer must fit 64 bits
/// (signed or not), any other number a double.
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
                                                        int max_depth) noexcept {
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
    case ondemand::json_type::object: {
        ondemand::object o;
        if (auto e = v.get_object().get(o)) {
            return e;
        }
        return for_each_field(o, [max_depth](std::string_view, ondemand::value x) {
            return consume_value(x, max_depth - 1);
        });
    }
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

/// Notes `key` as the first field given twice (later ones are not kept).
inline void note_duplicate(std::string_view& first, std::string_view key) noexcept {
    if (first.empty()) {
        first = key;
    }
}

/// A string: `text`, and `state` ok.
[[nodiscard]] inline simdjson::error_code
read_string(simdjson::ondemand::value v, std::string_view& text, field_state& state) noexcept {
    using namespace simdjson;
    ondemand::json_type type;
    if (auto e = v.type().get(type)) {
        return e;
    }
    state = state_of(type == ondemand::json_type::string);
    return state == field_state::ok ? v.get_string().get(text) : consume_value(v);
}

/// A signed 64-bit integer: `n`, and `state` ok (a fraction or a string is wrong_type).
[[nodiscard]] inline simdjson::error_code read_int64(simdjson::ondemand::value v, std::int64_t& n,
                                                     field_state& state) noexcept {
    // On-Demand moves past a number only when it reads it.
    state = state_of(!v.get_int64().get(n));
    return state == field_state::ok ? simdjson::SUCCESS : consume_value(v);
}

/// A number: its text as written, and `state` ok.
[[nodiscard]] inline simdjson::error_code
read_number_text(simdjson::ondemand::value v, std::string_view& text, field_state& state) noexcept {
    using namespace simdjson;
    ondemand::json_type type;
    if (auto e = v.type().get(type)) {
        return e;
    }
    state = state_of(type == ondemand::json_type::number);
    if (state != field_state::ok) {
        return consume_value(v);
    }
    text = v.raw_json_token();
    while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' ||
                             text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return consume_number(v); // checks the number's grammar and moves past it
}

/// A level entry's text: a string without its quotes, or a number as written.
[[nodiscard]] inline simdjson::error_code
read_level_text(simdjson::ondemand::value v, std::string_view& text, field_state& state) noexcept {
    simdjson::ondemand::json_type type;
    if (auto e = v.type().get(type)) {
        return e;
    }
    return type == simdjson::ondemand::json_type::string ? read_string(v, text, state)
                                                         : read_number_text(v, text, state);
}

/// Walks `[[a, b, c, ...], ...]` whole and calls f(a, b, c) (read_level_text's texts; c empty
/// when absent) for each inner array of at least two entries while f returns true. `state`
/// says whether `levels` was an array; `shape_ok` turns false (and f is no longer called) at
/// the first entry that is not such an array, and the walk still reads everything after it.
template <class F>
[[nodiscard]] simdjson::error_code walk_levels(simdjson::ondemand::value levels, field_state& state,
                                               bool& shape_ok, F&& f) noexcept {
    using namespace simdjson;
    bool calling = true;
    return read_array(levels, state, [&](ondemand::value level) -> error_code {
        std::string_view fields[3];
        std::size_t n = 0;
        bool texts_ok = true;
        field_state inner = field_state::absent;
        const auto e = read_array(level, inner, [&](ondemand::value v) -> error_code {
            if (n++ >= 3) {
                return consume_value(v);
            }
            field_state text = field_state::absent;
            const auto err = read_level_text(v, fields[n - 1], text);
            texts_ok = texts_ok && text == field_state::ok;
            return err;
        });
        if (e || !calling) {
            return e;
        }
        if (inner != field_state::ok || n < 2 || !texts_ok) {
            shape_ok = false;
            calling = false;
        } else if (!f(fields[0], fields[1], fields[2])) {
            calling = false;
        }
        return SUCCESS;
    });
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
