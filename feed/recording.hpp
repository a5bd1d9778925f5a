#pragma once
/// Reads venue recordings: cryptofeed's v2 text layout (`*.ws.N.0.txt`, `*.http.N.0.txt`,
/// `*.0.txt`) and its v3 JSON-lines layout (`*.jsonl`), one frame at a time, in constant memory.
/// Writes Ballast's own captures in the v3 layout so both are interchangeable.

#include "book/types.hpp"
#include "feed/line_reader.hpp"

#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ballast::feed {

enum class frame_kind : std::uint8_t {
    connect,  ///< a connection opened (v2 first line, v3 "connect")
    sent,     ///< a frame we sent (subscriptions)
    received, ///< a frame the venue sent on a stream
    response, ///< a REST response body (v3: a "recv" on a connection to an http(s):// address)
    marker,   ///< a recorder's own event (v3 "ballast" line): `data` is the event's name
};

/// One recorded frame. `data` is followed by at least `line_reader::padding` readable bytes.
struct recorded_frame {
    frame_kind kind = frame_kind::received;
    timestamp_ns ts;
    std::string_view conn; ///< connection id (v3 `conn`; the URL for v2 files)
    std::string_view url;  ///< the connection's or request's address
    std::string_view data;
    std::uint64_t line = 0;
};

/// A line of the recording that is not a frame: reported, counted, skipped.
struct recording_error {
    std::uint64_t line = 0;
    std::string reason;
};

/// Parses "1633998512.0633569" (seconds with any number of decimals) to nanoseconds;
/// digits below a nanosecond are truncated.
[[nodiscard]] std::optional<timestamp_ns> parse_unix_seconds(std::string_view text) noexcept;

class recording_reader {
  public:
    explicit recording_reader(bool prefer_uring = true) : lines_(prefer_uring) {}

    /// Opens a recording; the layout is detected from its first line.
    [[nodiscard]] std::optional<std::string> open(const std::string& path);

    /// The next frame; nullopt at the end. Malformed lines are skipped and appended to
    /// `errors()` (bounded; `error_count()` keeps counting).
    [[nodiscard]] std::optional<recorded_frame> next();

    [[nodiscard]] const std::vector<recording_error>& errors() const noexcept { return errors_; }
    [[nodiscard]] std::uint64_t error_count() const noexcept { return error_count_; }
    [[nodiscard]] const std::string& path() const noexcept { return path_; }
    /// The v3 header's "exchange" (Ballast's recorder writes its venue name there); empty
    /// until the header is read.
    [[nodiscard]] const std::string& exchange() const noexcept { return exchange_; }
    [[nodiscard]] const line_reader& lines() const noexcept { return lines_; }

  private:
    enum class layout : std::uint8_t { unknown, v2_text, v3_jsonl };
    std::optional<recorded_frame> parse_v2(std::string_view line);
    std::optional<recorded_frame> parse_v3(std::string_view line);
    void fail(std::string reason);

    line_reader lines_;
    layout layout_ = layout::unknown;
    std::string path_;
    std::string v2_url_; // the stream URL of a v2 file
    std::string exchange_;
    // v3: connection id -> address (few connections per file)
    std::vector<std::pair<std::string, std::string>> v3_addrs_;
    std::string v3_conn_;
    std::string data_; // unescaped v3 frame, with padding
    simdjson::ondemand::parser parser_;
    std::vector<recording_error> errors_;
    std::uint64_t error_count_ = 0;
};

/// Writes `s` as a JSON string literal (quotes, escapes, control characters as \u00XX).
void write_json_string(std::FILE* out, std::string_view s);
/// Appends `s` to `out` as a JSON string literal, escaped as write_json_string().
void append_json_string(std::string& out, std::string_view s);

/// Writes frames in the v3 JSON-lines layout (cryptofeed "format 2").
class capture_writer {
  public:
    capture_writer() = default;
    ~capture_writer();
    capture_writer(const capture_writer&) = delete;
    capture_writer& operator=(const capture_writer&) = delete;

    [[nodiscard]] std::optional<std::string> open(const std::string& path,
                                                  std::string_view exchange);
    void write_connect(std::string_view conn, timestamp_ns ts, std::string_view addr);
    void write_send(std::string_view conn, timestamp_ns ts, std::string_view addr,
                    std::string_view data);
    void write_recv(std::string_view conn, timestamp_ns ts, std::string_view data);
    void close();

  private:
    void write_escaped(std::string_view s);
    void write_ts(timestamp_ns ts);
    std::FILE* out_ = nullptr;
};

} // namespace ballast::feed
