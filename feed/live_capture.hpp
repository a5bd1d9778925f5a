#pragma once
/// Writes what a live venue client saw as a recording in the cryptofeed v3 JSON-lines layout
/// that recording_reader and `ballast replay` read: every WebSocket connection, request and
/// frame, every REST reply (a connection to its http(s) URL with one "recv"), and the
/// client's own events as {"t":"ballast","event",...} lines. Writes go through io_uring in
/// constant memory; close() leaves a complete file.

#include "feed/uring_writer.hpp"
#include "feed/venue_ws_client.hpp"

#include <string>

namespace ballast::feed {

class jsonl_capture final : public venue_capture {
  public:
    /// `exchange` names the header (the venue name); `prefix` the connection ids.
    [[nodiscard]] std::optional<std::string> open(const std::string& path, std::string_view venue);
    void close();

    void on_connect(std::uint32_t conn, timestamp_ns ts, std::string_view url) override;
    void on_sent(std::uint32_t conn, timestamp_ns ts, std::string_view url,
                 std::string_view data) override;
    void on_received(std::uint32_t conn, timestamp_ns ts, std::string_view data) override;
    void on_rest(timestamp_ns ts, std::string_view url, std::string_view body) override;
    void on_marker(timestamp_ns ts, std::string_view event, std::string_view detail) override;

    [[nodiscard]] std::uint64_t lines() const noexcept { return lines_; }
    [[nodiscard]] std::uint64_t bytes() const noexcept { return out_.bytes_written(); }
    [[nodiscard]] const std::string& error() const noexcept { return out_.error(); }

  private:
    void begin(std::string_view t, std::string_view conn, timestamp_ns ts);
    void end();
    std::string ws_conn(std::uint32_t conn) const;

    uring_writer out_;
    std::string venue_;
    std::string line_;
    std::string last_conn_;
    std::uint64_t rest_ = 0;
    std::uint64_t lines_ = 0;
};

} // namespace ballast::feed
