#pragma once
/// Helpers for the `[["price","size",...], ...]` level arrays most venues send.

#include <simdjson.h>

#include <string_view>

namespace ballast::feed {

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
        if (n < 2) {
            return INCORRECT_TYPE;
        }
        if (!f(fields[0], fields[1], fields[2])) {
            return SUCCESS;
        }
    }
    return SUCCESS;
}

} // namespace ballast::feed
