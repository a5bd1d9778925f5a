#include "feed/recording.hpp"

#include "book/decimal.hpp"

#include <cstring>

namespace ballast::feed {

namespace {
constexpr std::size_t max_kept_errors = 1000;

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' ||
                          s.back() == '\r' || s.back() == ',' || s.back() == '}')) {
        s.remove_suffix(1);
    }
    return s;
}
} // namespace

std::optional<timestamp_ns> parse_unix_seconds(std::string_view text) noexcept {
    text = trim(text);
    // Keep at most nine decimals: recordings carry up to seven, JSON floats sometimes more.
    const auto dot = text.find('.');
    if (dot != std::string_view::npos && text.size() - dot - 1 > 9) {
        text = text.substr(0, dot + 10);
    }
    const auto r = parse_steps(text, decimal_step{1, 9});
    if (!r.ok()) {
        return std::nullopt;
    }
    return timestamp_ns{r.value};
}

std::optional<std::string> recording_reader::open(const std::string& path) {
    path_ = path;
    return lines_.open(path);
}

void recording_reader::fail(std::string reason) {
    ++error_count_;
    if (errors_.size() < max_kept_errors) {
        errors_.push_back({lines_.line_number(), std::move(reason)});
    }
}

std::optional<recorded_frame> recording_reader::next() {
    for (;;) {
        auto line = lines_.next();
        if (!line) {
            if (!lines_.error().empty() && error_count_ == 0) {
                fail(lines_.error());
            }
            return std::nullopt;
        }
        if (line->empty()) {
            continue;
        }
        if (layout_ == layout::unknown) {
            layout_ = line->front() == '{' ? layout::v3_jsonl : layout::v2_text;
        }
        auto frame = layout_ == layout::v2_text ? parse_v2(*line) : parse_v3(*line);
        if (frame) {
            frame->line = lines_.line_number();
            return frame;
        }
    }
}

// v2: "<url> <-> <ts>", "<url> <- <ts>: <json>", "<url> -> <ts>: <body>", "<ts>: <frame>".
std::optional<recorded_frame> recording_reader::parse_v2(std::string_view line) {
    recorded_frame f;
    if (line.front() >= '0' && line.front() <= '9') {
        const auto colon = line.find(": ");
        if (colon == std::string_view::npos) {
            fail("v2 frame: missing ': ' after the timestamp");
            return std::nullopt;
        }
        auto ts = parse_unix_seconds(line.substr(0, colon));
        if (!ts) {
            fail("v2 frame: bad timestamp");
            return std::nullopt;
        }
        f.kind = frame_kind::received;
        f.ts = *ts;
        f.conn = v2_url_;
        f.url = v2_url_;
        f.data = line.substr(colon + 2);
        return f;
    }
    const auto sp = line.find(' ');
    if (sp == std::string_view::npos) {
        fail("v2 line: no address");
        return std::nullopt;
    }
    const std::string_view url = line.substr(0, sp);
    std::string_view rest = line.substr(sp + 1);
    if (rest.starts_with("<-> ")) {
        auto ts = parse_unix_seconds(rest.substr(4));
        if (!ts) {
            fail("v2 connect: bad timestamp");
            return std::nullopt;
        }
        v2_url_.assign(url);
        f.kind = frame_kind::connect;
        f.ts = *ts;
        f.conn = v2_url_;
        f.url = v2_url_;
        return f;
    }
    const bool sent = rest.starts_with("<- ");
    const bool response = rest.starts_with("-> ");
    if (!sent && !response) {
        fail("v2 line: expected '<->', '<-' or '->' after the address");
        return std::nullopt;
    }
    rest.remove_prefix(3);
    const auto colon = rest.find(": ");
    if (colon == std::string_view::npos) {
        fail("v2 line: missing ': ' after the timestamp");
        return std::nullopt;
    }
    auto ts = parse_unix_seconds(rest.substr(0, colon));
    if (!ts) {
        fail("v2 line: bad timestamp");
        return std::nullopt;
    }
    f.kind = sent ? frame_kind::sent : frame_kind::response;
    f.ts = *ts;
    f.url = url;
    f.conn = sent ? std::string_view(v2_url_) : url;
    f.data = rest.substr(colon + 2);
    return f;
}

// v3: {"t":"connect|send|recv|header", "conn", "ts", "addr", "data"}
std::optional<recorded_frame> recording_reader::parse_v3(std::string_view line) {
    using namespace simdjson;
    ondemand::document doc;
    if (parser_.iterate(line.data(), line.size(), line.size() + line_reader::padding).get(doc)) {
        fail("v3 line: invalid JSON");
        return std::nullopt;
    }
    ondemand::object obj;
    std::string_view t;
    if (doc.get_object().get(obj) || obj["t"].get_string().get(t)) {
        fail("v3 line: missing \"t\"");
        return std::nullopt;
    }
    if (t == "header") {
        std::string_view exchange;
        if (!obj["exchange"].get_string().get(exchange)) {
            exchange_.assign(exchange);
        }
        return std::nullopt;
    }
    recorded_frame f;
    if (t == "ballast") {
        // The recorder's own events: {"t":"ballast","conn","ts","event","detail"}.
        f.kind = frame_kind::marker;
    } else if (t == "connect") {
        f.kind = frame_kind::connect;
    } else if (t == "send") {
        f.kind = frame_kind::sent;
    } else if (t == "recv") {
        f.kind = frame_kind::received;
    } else {
        fail("v3 line: unknown \"t\"");
        return std::nullopt;
    }
    std::string_view conn;
    if (obj["conn"].get_string().get(conn)) {
        fail("v3 line: missing \"conn\"");
        return std::nullopt;
    }
    v3_conn_.assign(conn);
    std::string_view ts_text;
    if (obj["ts"].raw_json_token().get(ts_text)) {
        fail("v3 line: missing \"ts\"");
        return std::nullopt;
    }
    auto ts = parse_unix_seconds(ts_text);
    if (!ts) {
        fail("v3 line: bad \"ts\"");
        return std::nullopt;
    }
    f.ts = *ts;
    std::string_view addr;
    if (f.kind != frame_kind::received && f.kind != frame_kind::marker) {
        if (obj["addr"].get_string().get(addr)) {
            fail("v3 line: missing \"addr\"");
            return std::nullopt;
        }
        bool known = false;
        for (auto& [c, a] : v3_addrs_) {
            if (c == v3_conn_) {
                a.assign(addr);
                known = true;
            }
        }
        if (!known) {
            v3_addrs_.emplace_back(v3_conn_, std::string(addr));
        }
    }
    for (const auto& [c, a] : v3_addrs_) {
        if (c == v3_conn_) {
            f.url = a;
            f.conn = c;
        }
    }
    if (f.conn.empty() && f.kind != frame_kind::marker) {
        fail("v3 line: frame on a connection that was never opened");
        return std::nullopt;
    }
    if (f.kind == frame_kind::received &&
        (f.url.starts_with("http://") || f.url.starts_with("https://"))) {
        f.kind = frame_kind::response;
    }
    if (f.kind != frame_kind::connect) {
        std::string_view data;
        if (obj[f.kind == frame_kind::marker ? "event" : "data"].get_string().get(data)) {
            fail(f.kind == frame_kind::marker ? "v3 line: marker without \"event\""
                                              : "v3 line: missing \"data\"");
            return std::nullopt;
        }
        // Copy out of the parser's string buffer into our own padded buffer.
        if (data_.size() < data.size() + line_reader::padding) {
            data_.resize(data.size() + line_reader::padding);
        }
        std::memcpy(data_.data(), data.data(), data.size());
        std::memset(data_.data() + data.size(), 0, line_reader::padding);
        f.data = std::string_view(data_.data(), data.size());
    }
    return f;
}

capture_writer::~capture_writer() {
    close();
}

std::optional<std::string> capture_writer::open(const std::string& path,
                                                std::string_view exchange) {
    out_ = std::fopen(path.c_str(), "wb");
    if (out_ == nullptr) {
        return path + ": " + std::strerror(errno);
    }
    std::fputs("{\"t\":\"header\",\"format\":2,\"exchange\":", out_);
    write_escaped(exchange);
    std::fputs(",\"recorder\":\"ballast\"}\n", out_);
    return std::nullopt;
}

void capture_writer::write_ts(timestamp_ns ts) {
    const auto text = format_steps(ts.ns, decimal_step{1, 9}, true);
    std::fwrite(text.data(), 1, text.size(), out_);
}

void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    for (const char c : s) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x",
                              static_cast<unsigned>(static_cast<unsigned char>(c)));
                out += buf;
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

void write_json_string(std::FILE* out, std::string_view s) {
    std::string text;
    append_json_string(text, s);
    std::fwrite(text.data(), 1, text.size(), out);
}

void capture_writer::write_escaped(std::string_view s) {
    write_json_string(out_, s);
}

void capture_writer::write_connect(std::string_view conn, timestamp_ns ts, std::string_view addr) {
    std::fputs("{\"t\":\"connect\",\"conn\":", out_);
    write_escaped(conn);
    std::fputs(",\"ts\":", out_);
    write_ts(ts);
    std::fputs(",\"addr\":", out_);
    write_escaped(addr);
    std::fputs("}\n", out_);
}

void capture_writer::write_send(std::string_view conn, timestamp_ns ts, std::string_view addr,
                                std::string_view data) {
    std::fputs("{\"t\":\"send\",\"conn\":", out_);
    write_escaped(conn);
    std::fputs(",\"ts\":", out_);
    write_ts(ts);
    std::fputs(",\"addr\":", out_);
    write_escaped(addr);
    std::fputs(",\"data\":", out_);
    write_escaped(data);
    std::fputs("}\n", out_);
}

void capture_writer::write_recv(std::string_view conn, timestamp_ns ts, std::string_view data) {
    std::fputs("{\"t\":\"recv\",\"conn\":", out_);
    write_escaped(conn);
    std::fputs(",\"ts\":", out_);
    write_ts(ts);
    std::fputs(",\"data\":", out_);
    write_escaped(data);
    std::fputs("}\n", out_);
}

void capture_writer::close() {
    if (out_ != nullptr) {
        std::fclose(out_);
        out_ = nullptr;
    }
}

} // namespace ballast::feed
