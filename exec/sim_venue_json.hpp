#pragma once
/// Small JSON helpers shared by the sim-venue protocols: reading client requests (simdjson
/// DOM: requests are rare and small), writing replies, levels from the sim's books in the
/// venue's original text, and reading/replacing one field of a recorded frame's text.

#include "book/decimal.hpp"
#include "book/instrument.hpp"
#include "book/l2_book.hpp"
#include "feed/recording.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ballast::exec::simj {

using simdjson::dom::element;

/// Parses a client message (copied to a padded buffer).
[[nodiscard]] inline simdjson::error_code parse(simdjson::dom::parser& p, std::string_view text,
                                                element& out) {
    return p.parse(text.data(), text.size(), true).get(out);
}

[[nodiscard]] inline std::string quote(std::string_view s) {
    std::string out;
    feed::append_json_string(out, s);
    return out;
}

/// An element as JSON text (for echoing a request's id or arg back).
[[nodiscard]] inline std::string to_json(element e) {
    return simdjson::minify(e);
}

[[nodiscard]] inline std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}
[[nodiscard]] inline std::string upper(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

[[nodiscard]] inline std::int64_t ms_of(timestamp_ns t) noexcept {
    return t.ns / 1000000;
}

/// "2026-08-09T21:05:48.483587Z" (microseconds) for Coinbase.
[[nodiscard]] inline std::string iso8601(timestamp_ns t) {
    const std::time_t secs = static_cast<std::time_t>(t.ns / 1000000000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<long long>((t.ns % 1000000000) / 1000));
    return buf;
}

/// "1618678132.825818" for Kraken's level timestamps.
[[nodiscard]] inline std::string unix_seconds(timestamp_ns t) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%lld.%06lld", static_cast<long long>(t.ns / 1000000000),
                  static_cast<long long>((t.ns % 1000000000) / 1000));
    return buf;
}

/// The venue text of level i of a side (the book keeps it: sim-venue's feeds keep text).
[[nodiscard]] inline std::string_view price_text(const l2_book& b, side s, std::size_t i) {
    return b.text_at(s, i).price_text();
}
[[nodiscard]] inline std::string_view size_text(const l2_book& b, side s, std::size_t i) {
    return b.text_at(s, i).size_text();
}

/// Appends `[L0,L1,...]` for the best `limit` levels of a side; `level(out, px, sz)` writes one.
template <class F>
void append_levels(std::string& out, const l2_book& b, side s, std::size_t limit, F&& level) {
    out.push_back('[');
    const std::size_t n = std::min(limit, b.depth(s));
    for (std::size_t i = 0; i < n; ++i) {
        if (i > 0) {
            out.push_back(',');
        }
        level(out, price_text(b, s, i), size_text(b, s, i));
    }
    out.push_back(']');
}

/// `["px","sz"]`
inline void pair_level(std::string& out, std::string_view px, std::string_view sz) {
    out.append("[\"").append(px).append("\",\"").append(sz).append("\"]");
}

/// The raw value of the first `"key":` in a frame's text (a number, or a string with its
/// quotes), empty when absent. Frames are the venue's own compact text.
[[nodiscard]] inline std::string_view field_raw(std::string_view text, std::string_view key) {
    std::string pattern = "\"";
    pattern.append(key).append("\":");
    const auto p = text.find(pattern);
    if (p == std::string_view::npos) {
        return {};
    }
    std::size_t i = p + pattern.size();
    while (i < text.size() && text[i] == ' ') {
        ++i;
    }
    std::size_t j = i;
    if (j < text.size() && text[j] == '"') {
        j = text.find('"', j + 1);
        return j == std::string_view::npos ? std::string_view{} : text.substr(i, j + 1 - i);
    }
    while (j < text.size() && text[j] != ',' && text[j] != '}' && text[j] != ']') {
        ++j;
    }
    return text.substr(i, j - i);
}

/// The string value of `key` without quotes (empty when absent or not a string).
[[nodiscard]] inline std::string_view field_string(std::string_view text, std::string_view key) {
    const auto v = field_raw(text, key);
    return v.size() >= 2 && v.front() == '"' ? v.substr(1, v.size() - 2) : std::string_view{};
}

/// The frame with the raw value of the first `"key":` replaced; the frame unchanged when absent.
[[nodiscard]] inline std::string replace_field(std::string_view text, std::string_view key,
                                               std::string_view value) {
    std::string pattern = "\"";
    pattern.append(key).append("\":");
    const auto p = text.find(pattern);
    if (p == std::string_view::npos) {
        return std::string(text);
    }
    const auto v = field_raw(text.substr(p), key);
    const std::size_t start = static_cast<std::size_t>(v.data() - text.data());
    std::string out(text.substr(0, start));
    out.append(value).append(text.substr(start + v.size()));
    return out;
}

/// A step as the venue writes it ("0.0001").
[[nodiscard]] inline std::string step_text(decimal_step s) {
    return format_steps(1, s, true);
}

/// Decimal places of a step (0.0001 -> 4).
[[nodiscard]] inline int step_decimals(decimal_step s) noexcept {
    return s.exponent;
}

} // namespace ballast::exec::simj
