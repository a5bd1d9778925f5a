#include "book/pool_state.hpp"

#include "book/config_file.hpp"

#include <algorithm>
#include <vector>

namespace ballast {

namespace {

using simdjson::dom::element;
using simdjson::dom::object;

struct field_reader {
    object obj;
    std::string prefix; // "" or "ticks[3]."
    std::string error;

    bool fail(std::string_view field, std::string_view why) {
        if (error.empty()) {
            error = prefix + std::string(field) + ": " + std::string(why);
        }
        return false;
    }

    bool get(std::string_view field, element& out) {
        if (obj[field].get(out) != simdjson::SUCCESS) {
            return fail(field, "missing");
        }
        return true;
    }

    bool text(std::string_view field, std::string& out) {
        element e;
        std::string_view v;
        if (!get(field, e)) {
            return false;
        }
        if (e.get_string().get(v) != simdjson::SUCCESS) {
            return fail(field, "expected a string");
        }
        out.assign(v);
        return true;
    }

    bool big(std::string_view field, u256& out) {
        element e;
        std::string_view v;
        if (!get(field, e)) {
            return false;
        }
        if (e.get_string().get(v) != simdjson::SUCCESS) {
            return fail(field, "expected a decimal string (big integers are quoted)");
        }
        const auto parsed = parse_u256(v);
        if (!parsed) {
            return fail(field, "not a non-negative decimal integer below 2^256");
        }
        out = *parsed;
        return true;
    }

    bool big_u128(std::string_view field, uint128& out) {
        u256 v;
        if (!big(field, v)) {
            return false;
        }
        if (v > u128_max) {
            return fail(field, "does not fit in uint128");
        }
        out = to_u128(v);
        return true;
    }

    bool small(std::string_view field, std::int64_t lo, std::int64_t hi, std::int64_t& out) {
        element e;
        if (!get(field, e)) {
            return false;
        }
        if (e.get_int64().get(out) != simdjson::SUCCESS) {
            return fail(field, "expected an integer JSON number");
        }
        if (out < lo || out > hi) {
            return fail(field,
                        "out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
        }
        return true;
    }
};

/// "0x" and 40 hex digits: a 20-byte Ethereum address.
bool is_address(std::string_view a) noexcept {
    if (a.size() != 42 || a[0] != '0' || (a[1] != 'x' && a[1] != 'X')) {
        return false;
    }
    for (const char c : a.substr(2)) {
        const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (!hex) {
            return false;
        }
    }
    return true;
}

/// Shown in a message: printable ASCII as is, anything else as \xNN; cut at 60 bytes.
std::string shown(std::string_view v) {
    std::string out;
    for (const char c : v.substr(0, 60)) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7f && c != '"' && c != '\\') {
            out += c;
        } else {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[u >> 4];
            out += hex[u & 0xf];
        }
    }
    if (v.size() > 60) {
        out += "...";
    }
    return out;
}

bool read_meta(field_reader& r, pool_meta& m, std::int64_t& fee) {
    std::int64_t d0 = 0;
    std::int64_t d1 = 0;
    std::int64_t block = 0;
    if (!r.text("address", m.address)) {
        return false;
    }
    if (!is_address(m.address)) {
        return r.fail("address", "\"" + shown(m.address) + "\" is not 0x and 40 hex digits");
    }
    const bool ok = r.text("token0", m.token0) && r.text("token1", m.token1) &&
                    r.small("decimals0", 0, 77, d0) && r.small("decimals1", 0, 77, d1) &&
                    r.small("fee", 0, 999'999, fee) && r.small("block", 0, INT64_MAX, block);
    m.decimals0 = static_cast<std::uint8_t>(d0);
    m.decimals1 = static_cast<std::uint8_t>(d1);
    m.block = static_cast<std::uint64_t>(block);
    return ok;
}

pool_state_result parse_v3(field_reader& r, pool_state& s, std::int64_t fee) {
    std::int64_t spacing = 0;
    std::int64_t tick = 0;
    u256 sqrt_price;
    uint128 liquidity = 0;
    element ticks_el;
    if (!r.small("tick_spacing", 1, 16383, spacing) || !r.big("sqrt_price_x96", sqrt_price) ||
        !r.big_u128("liquidity", liquidity) ||
        !r.small("tick", uniswap_v3::min_tick, uniswap_v3::max_tick, tick) ||
        !r.get("ticks", ticks_el)) {
        return {{}, r.error};
    }
    simdjson::dom::array arr;
    if (ticks_el.get_array().get(arr) != simdjson::SUCCESS) {
        return {{}, "ticks: expected an array"};
    }
    std::vector<v3_tick> ticks;
    ticks.reserve(arr.size());
    std::size_t i = 0;
    for (element t : arr) {
        field_reader tr;
        tr.prefix = "ticks[" + std::to_string(i) + "].";
        if (t.get_object().get(tr.obj) != simdjson::SUCCESS) {
            return {{}, "ticks[" + std::to_string(i) + "]: expected an object"};
        }
        std::int64_t index = 0;
        element net_el;
        std::string_view net_text;
        if (!tr.small("index", uniswap_v3::min_tick, uniswap_v3::max_tick, index) ||
            !tr.get("liquidity_net", net_el)) {
            return {{}, tr.error};
        }
        if (net_el.get_string().get(net_text) != simdjson::SUCCESS) {
            return {{}, tr.prefix + "liquidity_net: expected a decimal string"};
        }
        const auto net = parse_i128(net_text);
        if (!net) {
            return {{}, tr.prefix + "liquidity_net: not a decimal integer within int128"};
        }
        v3_tick vt{static_cast<std::int32_t>(index), *net, 0};
        element gross_el;
        if (tr.obj["liquidity_gross"].get(gross_el) == simdjson::SUCCESS &&
            !tr.big_u128("liquidity_gross", vt.liquidity_gross)) {
            return {{}, tr.error};
        }
        ticks.push_back(vt);
        ++i;
    }
    const auto e = s.v3.reset(static_cast<std::uint32_t>(fee), static_cast<std::int32_t>(spacing),
                              sqrt_price, liquidity, static_cast<std::int32_t>(tick), ticks);
    switch (e) {
    case pool_error::ok:
        return {std::move(s), {}};
    case pool_error::bad_fee:
        return {{},
                "fee: tick_spacing " + std::to_string(spacing) + " does not match fee tier " +
                    std::to_string(fee)};
    case pool_error::price_out_of_range:
        return {{}, "sqrt_price_x96: outside [MIN_SQRT_RATIO, MAX_SQRT_RATIO)"};
    case pool_error::tick_out_of_range:
        return {{}, "tick: outside [MIN_TICK, MAX_TICK)"};
    case pool_error::bad_state:
        return {{}, "tick: " + std::to_string(tick) + " does not contain sqrt_price_x96"};
    case pool_error::bad_tick:
        return {{}, "ticks: indexes must be increasing, unique multiples of tick_spacing"};
    default:
        return {{}, std::string("pool: ") + std::string(to_string(e))};
    }
}

} // namespace

pool_state_result parse_pool_state(std::string_view json,
                                   std::span<const std::string_view> also_allowed) {
    const auto parsed = config_file::parse_json(json, "json");
    if (!parsed.ok()) {
        return {{}, parsed.error};
    }
    field_reader r;
    if (parsed.document.root().get_object().get(r.obj) != simdjson::SUCCESS) {
        return {{}, "json: expected an object"};
    }
    std::string type;
    if (!r.text("type", type)) {
        return {{}, r.error};
    }
    static constexpr std::string_view common[] = {"type",      "address",   "token0", "token1",
                                                  "decimals0", "decimals1", "fee",    "block"};
    static constexpr std::string_view v3_keys[] = {"tick_spacing", "sqrt_price_x96", "liquidity",
                                                   "tick", "ticks"};
    static constexpr std::string_view v2_keys[] = {"reserve0", "reserve1"};
    const bool v3 = type == "uniswap_v3";
    for (const auto field : r.obj) {
        const auto known = [&](std::span<const std::string_view> keys) {
            return std::find(keys.begin(), keys.end(), field.key) != keys.end();
        };
        if (!known(common) &&
            !known(v3 ? std::span<const std::string_view>(v3_keys)
                      : std::span<const std::string_view>(v2_keys)) &&
            !known(also_allowed) && (type == "uniswap_v2" || v3)) {
            return {{}, std::string(field.key) + ": unknown field"};
        }
    }
    pool_state s;
    std::int64_t fee = 0;
    if (type == "uniswap_v3") {
        s.kind = pool_kind::uniswap_v3;
        if (!read_meta(r, s.meta, fee)) {
            return {{}, r.error};
        }
        return parse_v3(r, s, fee);
    }
    if (type == "uniswap_v2") {
        s.kind = pool_kind::uniswap_v2;
        u256 r0;
        u256 r1;
        if (!read_meta(r, s.meta, fee) || !r.big("reserve0", r0) || !r.big("reserve1", r1)) {
            return {{}, r.error};
        }
        if (s.v2.reset(static_cast<std::uint32_t>(fee), r0, r1) != pool_error::ok) {
            return {{}, "reserve0/reserve1: a reserve exceeds uint112"};
        }
        return {std::move(s), {}};
    }
    return {{}, "type: expected \"uniswap_v2\" or \"uniswap_v3\", got \"" + type + "\""};
}

pool_state_result load_pool_state(const std::string& path) {
    const auto text = config_file::read_text(path);
    if (!text.ok()) {
        return {{}, text.error};
    }
    auto r = parse_pool_state(text.text);
    if (!r.ok()) {
        r.error = path + ": " + r.error;
    }
    return r;
}

namespace {

void append_string(std::string& out, std::string_view key, std::string_view value) {
    out += '"';
    out += key;
    out += "\":\"";
    for (const char c : value) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\u00";
            out += hex[(c >> 4) & 0xf];
            out += hex[c & 0xf];
        } else {
            out += c;
        }
    }
    out += "\",";
}

void append_number(std::string& out, std::string_view key, std::int64_t v) {
    out += '"';
    out += key;
    out += "\":";
    out += std::to_string(v);
    out += ',';
}

void append_big(std::string& out, std::string_view key, const std::string& decimal) {
    out += '"';
    out += key;
    out += "\":\"";
    out += decimal;
    out += "\",";
}

} // namespace

std::string write_pool_state(const pool_state& s) {
    std::string out = "{";
    append_string(out, "type", to_string(s.kind));
    append_string(out, "address", s.meta.address);
    append_string(out, "token0", s.meta.token0);
    append_string(out, "token1", s.meta.token1);
    append_number(out, "decimals0", s.meta.decimals0);
    append_number(out, "decimals1", s.meta.decimals1);
    if (s.kind == pool_kind::uniswap_v2) {
        append_number(out, "fee", s.v2.fee());
        append_big(out, "reserve0", to_decimal(s.v2.reserve0()));
        append_big(out, "reserve1", to_decimal(s.v2.reserve1()));
    } else {
        append_number(out, "fee", s.v3.fee());
        append_number(out, "tick_spacing", s.v3.tick_spacing());
        append_big(out, "sqrt_price_x96", to_decimal(s.v3.sqrt_price_x96()));
        append_big(out, "liquidity", to_decimal(s.v3.liquidity()));
        append_number(out, "tick", s.v3.tick());
        out += "\"ticks\":[";
        bool first = true;
        for (const auto& t : s.v3.ticks()) {
            if (!first) {
                out += ',';
            }
            first = false;
            out += "{\"index\":" + std::to_string(t.index) + ",\"liquidity_net\":\"" +
                   to_decimal(t.liquidity_net) + "\",\"liquidity_gross\":\"" +
                   to_decimal(t.liquidity_gross) + "\"}";
        }
        out += "],";
    }
    out += "\"block\":" + std::to_string(s.meta.block) + "}";
    return out;
}

} // namespace ballast
