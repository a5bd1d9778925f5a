#include "book/config_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <system_error>

namespace ballast::config_file {

namespace {

std::string errno_text(int err) {
    return std::generic_category().message(err);
}

std::string prefixed(std::string_view source, std::string_view message) {
    if (source.empty()) {
        return std::string(message);
    }
    std::string out(source);
    out += ": ";
    out += message;
    return out;
}

bool only_whitespace(std::string_view s) noexcept {
    for (const char c : s) {
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            return false;
        }
    }
    return true;
}

std::optional<std::string> duplicate_in(simdjson::dom::element e, const std::string& path) {
    simdjson::dom::object obj;
    simdjson::dom::array arr;
    if (e.get_object().get(obj) == simdjson::SUCCESS) {
        std::set<std::string_view> seen;
        for (const auto field : obj) {
            const std::string child =
                path.empty() ? std::string(field.key) : path + "." + std::string(field.key);
            if (!seen.insert(field.key).second) {
                return child;
            }
            if (auto d = duplicate_in(field.value, child)) {
                return d;
            }
        }
    } else if (e.get_array().get(arr) == simdjson::SUCCESS) {
        std::size_t i = 0;
        for (const auto item : arr) {
            if (auto d = duplicate_in(item, path + "[" + std::to_string(i++) + "]")) {
                return d;
            }
        }
    }
    return std::nullopt;
}

toml::table json_object(simdjson::dom::object obj);
toml::array json_array(simdjson::dom::array arr);

// Appends one JSON value to a table (under `key`) or to an array. Non-template on purpose:
// recursion goes through json_object/json_array only.
void add_json_value(simdjson::dom::element e, toml::table* table, std::string_view key,
                    toml::array* array) {
    using simdjson::dom::element_type;
    auto put = [&](auto&& v) {
        if (table != nullptr) {
            table->insert_or_assign(std::string(key), std::forward<decltype(v)>(v));
        } else {
            array->push_back(std::forward<decltype(v)>(v));
        }
    };
    simdjson::dom::object obj;
    simdjson::dom::array arr;
    if (e.get_object().get(obj) == simdjson::SUCCESS) {
        put(json_object(obj));
        return;
    }
    if (e.get_array().get(arr) == simdjson::SUCCESS) {
        put(json_array(arr));
        return;
    }
    switch (e.type()) {
    case element_type::OBJECT:
    case element_type::ARRAY:
        break; // handled above
    case element_type::STRING:
        put(std::string(e.get_string().value_unsafe()));
        break;
    case element_type::INT64:
        put(e.get_int64().value_unsafe());
        break;
    case element_type::UINT64:
        put(static_cast<double>(e.get_uint64().value_unsafe()));
        break;
    case element_type::DOUBLE:
        put(e.get_double().value_unsafe());
        break;
    case element_type::BOOL:
        put(e.get_bool().value_unsafe());
        break;
    case element_type::NULL_VALUE:
        break; // null reads as absent
    }
}

toml::table json_object(simdjson::dom::object obj) {
    toml::table t;
    for (auto field : obj) {
        add_json_value(field.value, &t, field.key, nullptr);
    }
    return t;
}

toml::array json_array(simdjson::dom::array arr) {
    toml::array a;
    for (auto v : arr) {
        add_json_value(v, nullptr, {}, &a);
    }
    return a;
}

} // namespace

file_format format_of(std::string_view path) noexcept {
    return path.ends_with(".json") ? file_format::json : file_format::toml;
}

text_result read_text(const std::string& path) {
    text_result r;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        r.error = path + ": " + errno_text(errno);
        return r;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        r.error = path + ": " + errno_text(errno);
        ::close(fd);
        return r;
    }
    if (S_ISDIR(st.st_mode)) {
        r.error = path + ": is a directory";
        ::close(fd);
        return r;
    }
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
        r.text.reserve(static_cast<std::size_t>(st.st_size));
    }
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            r.error = path + ": " + errno_text(errno);
            r.text.clear();
            ::close(fd);
            return r;
        }
        if (n == 0) {
            break;
        }
        r.text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    if (only_whitespace(r.text)) {
        r.error = path + ": empty file";
        r.text.clear();
    }
    return r;
}

table_result parse_toml(std::string_view text, std::string_view source) {
    table_result r;
    try {
        r.table = toml::parse(text, source);
    } catch (const toml::parse_error& e) {
        r.error.assign(source);
        r.error += ':';
        r.error += std::to_string(e.source().begin.line);
        r.error += ": ";
        r.error += e.description();
    }
    return r;
}

table_result parse_json_table(std::string_view text, std::string_view source) {
    table_result r;
    const auto doc = parse_json(text, source);
    if (!doc.ok()) {
        r.error = doc.error;
        return r;
    }
    simdjson::dom::object obj;
    if (doc.document.root().get_object().get(obj) != simdjson::SUCCESS) {
        r.error = prefixed(source, "the document must be a JSON object");
        return r;
    }
    r.table = json_object(obj);
    return r;
}

table_result parse_table(std::string_view text, std::string_view source, file_format format) {
    return format == file_format::json ? parse_json_table(text, source) : parse_toml(text, source);
}

table_result load_table(const std::string& path) {
    auto text = read_text(path);
    if (!text.ok()) {
        return {{}, std::move(text.error)};
    }
    return parse_table(text.text, path, format_of(path));
}

json_result parse_json(std::string_view text, std::string_view source) {
    json_result r;
    auto parser = std::make_unique<simdjson::dom::parser>();
    simdjson::dom::element root;
    const simdjson::padded_string padded(text);
    if (const auto err = parser->parse(padded).get(root); err != simdjson::SUCCESS) {
        r.error =
            prefixed(source, std::string("invalid JSON (") + simdjson::error_message(err) + ")");
        return r;
    }
    if (auto dup = find_duplicate_key(root)) {
        r.error = prefixed(source, *dup + ": duplicate key");
        return r;
    }
    r.document = json_document(std::move(parser), root);
    return r;
}

json_result load_json(const std::string& path) {
    auto text = read_text(path);
    if (!text.ok()) {
        json_result r;
        r.error = std::move(text.error);
        return r;
    }
    return parse_json(text.text, path);
}

std::optional<std::string> find_duplicate_key(simdjson::dom::element root) {
    return duplicate_in(root, "");
}

std::string format_number(double v) {
    // %g (6 digits, more only when needed to read back exactly); never %f: 1e308 would
    // print 309 digits).
    char buf[64];
    for (int digits = 6; digits <= 17; ++digits) {
        std::snprintf(buf, sizeof buf, "%.*g", digits, v);
        if (!std::isfinite(v) || std::strtod(buf, nullptr) == v) {
            break;
        }
    }
    return buf;
}

std::string number_range::text() const {
    std::string out(lo_open ? "(" : "[");
    out += format_number(lo);
    out += ", ";
    out += format_number(hi);
    out += ']';
    return out;
}

std::optional<std::string> range_error(double v, const number_range& range) {
    if (!std::isfinite(v)) {
        return format_number(v) + " is not a finite number";
    }
    if (!range.contains(v)) {
        return format_number(v) + " is outside " + range.text();
    }
    return std::nullopt;
}

} // namespace ballast::config_file
