#pragma once
/// Helpers for the `[["price","size",...], ...]` level arrays most venues send.

#include <simdjson.h>

#include <charconv>
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
