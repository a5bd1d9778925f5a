#include "feed/live_capture.hpp"

#include "book/decimal.hpp"
#include "feed/recording.hpp"

namespace ballast::feed {

std::optional<std::string> jsonl_capture::open(const std::string& path, std::string_view venue) {
    venue_ = std::string(venue);
    if (auto err = out_.open(path)) {
        return err;
    }
    line_ = "{\"t\":\"header\",\"format\":2,\"exchange\":";
    append_json_string(line_, venue_);
    line_ += ",\"recorder\":\"ballast\"}\n";
    out_.append(line_);
    return std::nullopt;
}

void jsonl_capture::close() {
    out_.close();
}

std::string jsonl_capture::ws_conn(std::uint32_t conn) const {
    return venue_ + ".ws." + std::to_string(conn);
}

void jsonl_capture::begin(std::string_view t, std::string_view conn, timestamp_ns ts) {
    line_.assign("{\"t\":\"").append(t).append("\",\"conn\":");
    append_json_string(line_, conn);
    line_ += ",\"ts\":";
    decimal_buffer buf;
    line_.append(buf.data(), format_steps(ts.ns, decimal_step{1, 9}, true, buf));
}

void jsonl_capture::end() {
    line_ += "}\n";
    out_.append(line_);
    ++lines_;
}

void jsonl_capture::on_connect(std::uint32_t conn, timestamp_ns ts, std::string_view url) {
    last_conn_ = ws_conn(conn);
    begin("connect", last_conn_, ts);
    line_ += ",\"addr\":";
    append_json_string(line_, url);
    end();
}

void jsonl_capture::on_sent(std::uint32_t conn, timestamp_ns ts, std::string_view url,
                            std::string_view data) {
    begin("send", ws_conn(conn), ts);
    line_ += ",\"addr\":";
    append_json_string(line_, url);
    line_ += ",\"data\":";
    append_json_string(line_, data);
    end();
}

void jsonl_capture::on_received(std::uint32_t conn, timestamp_ns ts, std::string_view data) {
    begin("recv", ws_conn(conn), ts);
    line_ += ",\"data\":";
    append_json_string(line_, data);
    end();
}

void jsonl_capture::on_rest(timestamp_ns ts, std::string_view url, std::string_view body) {
    const std::string conn = venue_ + ".http." + std::to_string(++rest_);
    begin("connect", conn, ts);
    line_ += ",\"addr\":";
    append_json_string(line_, url);
    end();
    begin("recv", conn, ts);
    line_ += ",\"data\":";
    append_json_string(line_, body);
    end();
}

void jsonl_capture::on_marker(timestamp_ns ts, std::string_view event, std::string_view detail) {
    begin("ballast", last_conn_, ts);
    line_ += ",\"event\":";
    append_json_string(line_, event);
    line_ += ",\"detail\":";
    append_json_string(line_, detail);
    end();
}

} // namespace ballast::feed
