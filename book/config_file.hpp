#pragma once
/// One reader for configuration and data files (TOML and JSON) with one error format:
/// `<path>: is a directory`, `<path>: empty file`, `<path>: <errno text>` (path once, errno
/// once), `<path>:<line>: <reason>` for TOML syntax, `<path>: invalid JSON (<reason>)` and
/// `<path>: <field path>: duplicate key` for JSON (simdjson keeps duplicates; we refuse them:
/// which one a reader sees would depend on how it looks the key up). Not on the hot path.

#include <simdjson.h>
#include <toml++/toml.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ballast::config_file {

enum class file_format : std::uint8_t { toml, json };

/// `.json` is JSON, anything else TOML.
[[nodiscard]] file_format format_of(std::string_view path) noexcept;

/// A whole file's bytes, or one line naming the path and the cause.
struct text_result {
    std::string text;
    std::string error;
    [[nodiscard]] bool ok() const noexcept { return error.empty(); }
};

/// Reads a regular file (or a device/pipe) whole. A directory, a file of no bytes or only
/// whitespace, and every I/O error are errors.
[[nodiscard]] text_result read_text(const std::string& path);

/// A TOML tree (JSON documents are converted to one: objects become tables, `null` reads as
/// an absent key, integers beyond int64 become doubles), or one error line.
struct table_result {
    toml::table table;
    std::string error;
    [[nodiscard]] bool ok() const noexcept { return error.empty(); }
};

/// Parses TOML; errors read `<source>:<line>: <reason>`.
[[nodiscard]] table_result parse_toml(std::string_view text, std::string_view source);
/// Parses a JSON object document into a TOML tree; duplicate keys are refused.
[[nodiscard]] table_result parse_json_table(std::string_view text, std::string_view source);
[[nodiscard]] table_result parse_table(std::string_view text, std::string_view source,
                                       file_format format);
/// Reads and parses a file, the format from its extension; errors name the path.
[[nodiscard]] table_result load_table(const std::string& path);

/// A parsed JSON document (simdjson DOM) that owns its parser; no duplicate keys anywhere.
class json_document {
  public:
    json_document() = default;
    json_document(std::unique_ptr<simdjson::dom::parser> parser, simdjson::dom::element root)
        : parser_(std::move(parser)), root_(root) {}
    /// The document's root; valid while this object lives (it owns the parser's tape).
    [[nodiscard]] simdjson::dom::element root() const noexcept { return root_; }

  private:
    std::unique_ptr<simdjson::dom::parser> parser_;
    simdjson::dom::element root_;
};

struct json_result {
    json_document document;
    std::string error;
    [[nodiscard]] bool ok() const noexcept { return error.empty(); }
};

/// Parses JSON; errors read `<source>: invalid JSON (<reason>)` or
/// `<source>: <field path>: duplicate key`. An empty `source` drops the `<source>: ` prefix.
[[nodiscard]] json_result parse_json(std::string_view text, std::string_view source);
/// Reads and parses a JSON file; errors name the path.
[[nodiscard]] json_result load_json(const std::string& path);

/// The path of the first key that repeats within its object, in document order
/// (`books[1].venue`), or nothing.
[[nodiscard]] std::optional<std::string> find_duplicate_key(simdjson::dom::element root);

/// The shortest text that reads back as `v`, %g style (`1e+308`, `-7.5`, `0.0001`, `inf`).
[[nodiscard]] std::string format_number(double v);

/// A closed range [lo, hi], or (lo, hi] when `lo_open` (a value that must be > lo).
struct number_range {
    double lo = 0.0;
    double hi = 0.0;
    bool lo_open = false;
    [[nodiscard]] bool contains(double v) const noexcept {
        return (lo_open ? v > lo : v >= lo) && v <= hi; // false for NaN
    }
    /// "[0, 1000]" or "(0, 1e+12]".
    [[nodiscard]] std::string text() const;
};

/// Nothing when `v` is finite and in range; otherwise `<v> is outside [lo, hi]` (or
/// `<v> is not a finite number`), for a caller to prefix with the field.
[[nodiscard]] std::optional<std::string> range_error(double v, const number_range& range);

} // namespace ballast::config_file
