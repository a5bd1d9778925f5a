#include "exec/gateway.hpp"

namespace ballast::exec {

std::string_view to_string(gateway_status s) noexcept {
    switch (s) {
    case gateway_status::ok:
        return "ok";
    case gateway_status::not_connected:
        return "not_connected";
    case gateway_status::rate_limited:
        return "rate_limited";
    case gateway_status::back_pressured:
        return "back_pressured";
    case gateway_status::rejected:
        return "rejected";
    case gateway_status::unsupported:
        return "unsupported";
    }
    return "?";
}

std::string_view to_string(exec_kind k) noexcept {
    switch (k) {
    case exec_kind::ack:
        return "ack";
    case exec_kind::fill:
        return "fill";
    case exec_kind::canceled:
        return "canceled";
    case exec_kind::rejected:
        return "rejected";
    case exec_kind::cancel_reject:
        return "cancel_reject";
    case exec_kind::amended:
        return "amended";
    case exec_kind::status:
        return "status";
    case exec_kind::not_found:
        return "not_found";
    case exec_kind::unknown:
        return "unknown";
    case exec_kind::connected:
        return "connected";
    case exec_kind::disconnected:
        return "disconnected";
    case exec_kind::rate_limit:
        return "rate_limit";
    }
    return "?";
}

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

/// Lower-case hex of `v` without leading zeros ("0" for 0) at `out`; returns the length.
std::size_t write_hex(std::uint64_t v, char* out) noexcept {
    char tmp[16];
    std::size_t n = 0;
    do {
        tmp[n++] = hex_digits[v & 0xf];
        v >>= 4;
    } while (v != 0);
    for (std::size_t i = 0; i < n; ++i) {
        out[i] = tmp[n - 1 - i];
    }
    return n;
}

/// Parses lower-case hex without leading zeros (the form write_hex writes, so one number has
/// one text); false otherwise.
bool read_hex(std::string_view s, std::uint64_t& out) noexcept {
    if (s.empty() || s.size() > 16 || (s.size() > 1 && s.front() == '0')) {
        return false;
    }
    std::uint64_t v = 0;
    for (const char c : s) {
        std::uint64_t d = 0;
        if (c >= '0' && c <= '9') {
            d = static_cast<std::uint64_t>(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            d = static_cast<std::uint64_t>(c - 'a' + 10);
        } else {
            return false;
        }
        v = (v << 4) | d;
    }
    out = v;
    return true;
}

} // namespace

wire_order_id make_wire_order_id(std::uint64_t journal_tag, client_order_id id) noexcept {
    // 2 + 16 + 1 + 16 = 35 characters at most would exceed 32: the tag keeps its low 52 bits
    // (13 hex digits), which leaves 16 digits for the order id (2 + 13 + 1 + 16 = 32).
    wire_order_id out;
    char* p = out.text.data();
    *p++ = 'b';
    *p++ = 'l';
    p += write_hex(journal_tag & ((std::uint64_t{1} << 52) - 1), p);
    *p++ = 'x';
    p += write_hex(id.value, p);
    out.size = static_cast<std::uint8_t>(p - out.text.data());
    *p = '\0';
    return out;
}

client_order_id parse_wire_order_id(std::uint64_t journal_tag, std::string_view text) noexcept {
    if (text.size() < 5 || text.size() > 32 || !text.starts_with("bl")) {
        return client_order_id{0};
    }
    text.remove_prefix(2);
    const auto x = text.find('x');
    if (x == std::string_view::npos) {
        return client_order_id{0};
    }
    std::uint64_t tag = 0;
    std::uint64_t id = 0;
    if (!read_hex(text.substr(0, x), tag) || !read_hex(text.substr(x + 1), id)) {
        return client_order_id{0};
    }
    if (tag != (journal_tag & ((std::uint64_t{1} << 52) - 1))) {
        return client_order_id{0};
    }
    return client_order_id{id};
}

} // namespace ballast::exec
