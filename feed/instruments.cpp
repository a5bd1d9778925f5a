#include "feed/instruments.hpp"

#include "book/config_file.hpp"
#include "feed/detail/instrument_reply.hpp"

#include <simdjson.h>
#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace ballast::feed {

namespace detail {

using namespace simdjson;

void load_status::fail(const reply_origin& o, std::string_view venue, std::string_view symbol,
                       std::string_view field, std::string_view value, std::string_view reason) {
    if (failed()) {
        return;
    }
    error_.append(o.source).append(": ").append(venue);
    if (!symbol.empty()) {
        error_.append(" ").append(symbol);
    }
    error_.append(": ").append(field);
    if (!value.empty()) {
        error_.append(" \"").append(value.substr(0, 60)).append(value.size() > 60 ? "...\"" : "\"");
    }
    error_.append(": ").append(reason);
}

std::string value_text(dom::element e) {
    std::string t = simdjson::minify(e);
    if (t.size() > 60) {
        t.resize(57);
        t += "...";
    }
    return t;
}

void split_pair(std::string_view pair, std::string& base, std::string& quote) {
    const auto dash = pair.find('-');
    base = std::string(pair.substr(0, dash));
    quote = dash == std::string_view::npos ? std::string{} : std::string(pair.substr(dash + 1));
}

namespace {
// The field's value, or the reason it has none.
template <class T, class Get>
std::optional<T> read(dom::object obj, std::string_view field, item_reader& r, Get get,
                      std::string_view expected) {
    if (r.failed()) {
        return std::nullopt;
    }
    dom::element v;
    if (const auto e = obj[field].get(v)) {
        r.fail(field, {}, e == NO_SUCH_FIELD ? "missing" : error_message(e));
        return std::nullopt;
    }
    T out{};
    if (get(v, out)) {
        r.fail(field, value_text(v), expected);
        return std::nullopt;
    }
    return out;
}
} // namespace

std::string_view item_reader::str(std::string_view field) {
    return read<std::string_view>(
               obj_, field, *this,
               [](dom::element v, std::string_view& out) { return v.get_string().get(out); },
               "expected a string")
        .value_or(std::string_view{});
}

std::string_view item_reader::opt_str(std::string_view field) {
    if (failed() || obj_[field].error() == NO_SUCH_FIELD) {
        return {};
    }
    return str(field);
}

std::optional<dom::object> item_reader::object(std::string_view field) {
    return read<dom::object>(
        obj_, field, *this,
        [](dom::element v, dom::object& out) { return v.get_object().get(out); },
        "expected an object");
}

std::optional<dom::array> item_reader::array(std::string_view field) {
    return read<dom::array>(
        obj_, field, *this, [](dom::element v, dom::array& out) { return v.get_array().get(out); },
        "expected an array");
}

std::int64_t item_reader::integer(std::string_view field) {
    return read<std::int64_t>(
               obj_, field, *this,
               [](dom::element v, std::int64_t& out) { return v.get_int64().get(out); },
               "expected an integer")
        .value_or(0);
}

decimal_step item_reader::step(std::string_view field, std::string_view text) {
    if (failed()) {
        return {1, 0};
    }
    const auto r = parse_step(text);
    if (!r.ok()) {
        fail(field, text,
             "expected a positive decimal string (" + std::string(to_string(r.error)) + ")");
        return {1, 0};
    }
    return r.value;
}

double item_reader::decimal(std::string_view field, std::string_view text, bool positive) {
    if (failed()) {
        return 0.0;
    }
    double v = 0.0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(v) || v < 0 ||
        (positive && v == 0)) {
        fail(field, text,
             positive ? "expected a positive decimal string"
                      : "expected a non-negative decimal "
                        "string");
        return 0.0;
    }
    return v;
}

timestamp_ns item_reader::millis(std::string_view field, std::string_view text) {
    if (failed() || text.empty()) {
        return {};
    }
    std::int64_t ms = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (ec != std::errc{} || end != text.data() + text.size()) {
        fail(field, text, "expected milliseconds since the epoch");
        return {};
    }
    return millis(field, ms);
}

timestamp_ns item_reader::millis(std::string_view field, std::int64_t ms) {
    std::int64_t ns = 0;
    if (failed()) {
        return {};
    }
    if (ms < 0 || __builtin_mul_overflow(ms, 1'000'000, &ns)) {
        fail(field, std::to_string(ms), "milliseconds out of range");
        return {};
    }
    return timestamp_ns{ns};
}

} // namespace detail

namespace {

using namespace simdjson;
using detail::load_status;
using detail::reply_origin;
using detail::spec_list;
using detail::value_text;

std::string lower(std::string_view s) {
    std::string r(s);
    for (auto& c : r) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return r;
}

/// Which venue reply a body is.
enum class reply_kind {
    unknown,
    binance,
    binance_usdm,
    okx,
    bybit,
    coinbase,
    coinbase_exchange,
    kraken,
    deribit
};

std::string_view name_of(reply_kind k) {
    switch (k) {
    case reply_kind::binance:
        return "binance";
    case reply_kind::binance_usdm:
        return "binance_usdm";
    case reply_kind::okx:
        return "okx";
    case reply_kind::bybit:
        return "bybit";
    case reply_kind::coinbase:
        return "coinbase";
    case reply_kind::coinbase_exchange:
        return "coinbase_exchange";
    case reply_kind::kraken:
        return "kraken";
    case reply_kind::deribit:
        return "deribit";
    case reply_kind::unknown:
        break;
    }
    return "unknown";
}

reply_kind kind_of_venue(std::string_view venue) {
    if (venue.starts_with("bybit")) {
        return reply_kind::bybit; // bybit_spot, bybit_linear: the reply's category decides
    }
    if (venue == "kraken_v2") {
        return reply_kind::kraken;
    }
    for (auto k :
         {reply_kind::binance, reply_kind::binance_usdm, reply_kind::okx, reply_kind::coinbase,
          reply_kind::coinbase_exchange, reply_kind::kraken, reply_kind::deribit}) {
        if (name_of(k) == venue) {
            return k;
        }
    }
    return reply_kind::unknown;
}

// By the REST path the venues document (PROTOCOL.md), so loopback URLs work too.
reply_kind kind_of_url(std::string_view url) {
    const auto has = [&](std::string_view part) {
        return url.find(part) != std::string_view::npos;
    };
    std::string_view path = url.substr(0, url.find('?'));
    if (has("exchangeInfo")) {
        return has("/fapi/") ? reply_kind::binance_usdm : reply_kind::binance;
    }
    if (has("/api/v5/public/instruments")) {
        return reply_kind::okx;
    }
    if (has("/v5/market/instruments-info")) {
        return reply_kind::bybit;
    }
    if (has("/api/v3/brokerage/") && path.ends_with("/products")) {
        return reply_kind::coinbase;
    }
    if (has("/0/public/AssetPairs")) {
        return reply_kind::kraken;
    }
    if (has("get_instruments")) {
        return reply_kind::deribit;
    }
    if (path.ends_with("/products")) {
        return reply_kind::coinbase_exchange;
    }
    return reply_kind::unknown;
}

// By the body's shape, for a reply saved without its URL.
reply_kind kind_of_body(dom::element root) {
    dom::array array;
    if (!root.get_array().get(array)) {
        dom::object first;
        if (array.size() > 0 && !array.at(0).get_object().get(first) &&
            !first["quote_increment"].error() && !first["id"].error()) {
            return reply_kind::coinbase_exchange;
        }
        return reply_kind::unknown;
    }
    dom::object top;
    if (root.get_object().get(top)) {
        return reply_kind::unknown;
    }
    const auto has = [&](std::string_view k) { return !top[k].error(); };
    if (has("symbols")) {
        // USDⓈ-M's reply carries futuresType and assets; its symbols carry contractType.
        dom::array symbols;
        dom::object first;
        const bool contracts = !top["symbols"].get_array().get(symbols) && symbols.size() > 0 &&
                               !symbols.at(0).get_object().get(first) &&
                               !first["contractType"].error();
        return has("futuresType") || has("assets") || contracts ? reply_kind::binance_usdm
                                                                : reply_kind::binance;
    }
    if (has("code") && has("data")) {
        return reply_kind::okx;
    }
    if (has("retCode")) {
        return reply_kind::bybit;
    }
    if (has("products")) {
        return reply_kind::coinbase;
    }
    if (has("error") && has("result")) {
        return reply_kind::kraken;
    }
    if (has("result")) {
        return reply_kind::deribit;
    }
    return reply_kind::unknown;
}

void load_body(const reply_origin& o, std::string_view venue, std::string_view url,
               std::string_view body, spec_list& out, load_status& st) {
    const reply_kind by_venue = venue.empty() ? reply_kind::unknown : kind_of_venue(venue);
    const reply_kind by_url = url.empty() ? reply_kind::unknown : kind_of_url(url);
    const std::string_view who = venue.empty() ? name_of(by_url) : venue;
    if (!venue.empty() && by_venue == reply_kind::unknown) {
        st.fail(o, venue, {}, "venue", venue, "no instrument list is known for this venue");
        return;
    }
    if (by_venue != reply_kind::unknown && by_url != reply_kind::unknown && by_venue != by_url) {
        st.fail(o, venue, {}, "url", url, "not this venue's instrument endpoint");
        return;
    }
    dom::parser parser;
    dom::element root;
    const padded_string json(body);
    if (const auto e = parser.parse(json).get(root)) {
        st.fail(o, who, {}, "body", body.substr(0, 40),
                std::string("not JSON (") + error_message(e) + ")");
        return;
    }
    reply_kind kind = by_venue != reply_kind::unknown ? by_venue : by_url;
    if (kind == reply_kind::unknown) {
        kind = kind_of_body(root);
    }
    switch (kind) {
    case reply_kind::binance:
    case reply_kind::binance_usdm:
        detail::load_binance(o, name_of(kind), root, out, st);
        return;
    case reply_kind::okx:
        detail::load_okx(o, root, out, st);
        return;
    case reply_kind::bybit:
        detail::load_bybit(o, root, out, st);
        return;
    case reply_kind::coinbase:
        detail::load_coinbase_advanced(o, root, out, st);
        return;
    case reply_kind::coinbase_exchange:
        detail::load_coinbase_exchange(o, root, out, st);
        return;
    case reply_kind::kraken:
        detail::load_kraken(o, root, out, st);
        return;
    case reply_kind::deribit:
        detail::load_deribit(o, body, out, st);
        return;
    case reply_kind::unknown:
        break;
    }
    st.fail(o, who.empty() || who == "unknown" ? "instruments" : who, {}, "body",
            body.substr(0, 40), "not an instrument list of a known venue");
}

// The recorded subsets: [{"url","ts","conn","items":[...]}], items as the venue's list entries.
void load_recorded_items(const reply_origin& o, dom::array replies, spec_list& out,
                         load_status& st) {
    for (dom::element reply : replies) {
        dom::object r;
        std::string_view url;
        dom::array items;
        if (reply.get_object().get(r) || r["url"].get_string().get(url)) {
            st.fail(o, "instruments", {}, "url", value_text(reply), "reply without \"url\"");
            return;
        }
        if (r["items"].get_array().get(items)) {
            st.fail(o, "instruments", {}, "items", url, "reply without an \"items\" array");
            return;
        }
        const reply_kind kind = kind_of_url(url);
        if (kind == reply_kind::bybit) {
            const auto at = url.find("category=");
            std::string_view category =
                at == std::string_view::npos ? std::string_view{} : url.substr(at + 9);
            category = category.substr(0, category.find('&'));
            detail::load_bybit_list(o, category, items, out, st);
        } else if (kind == reply_kind::coinbase) {
            detail::load_coinbase_products(o, items, out, st);
        } else {
            st.fail(o, "instruments", {}, "url", url, "unknown instrument source");
        }
        if (st.failed()) {
            return;
        }
    }
}

std::optional<std::string> add_all(spec_list& specs, const load_status& st,
                                   instrument_registry& out) {
    if (st.failed()) {
        return st.result();
    }
    for (auto& s : specs) {
        out.add(std::move(s));
    }
    return std::nullopt;
}

} // namespace

std::optional<std::string> load_instrument_reply(std::string_view venue, std::string_view url,
                                                 std::string_view body, instrument_registry& out) {
    const std::string source = url.empty() ? std::string("reply") : std::string(url);
    const reply_origin o{source};
    spec_list specs;
    load_status st;
    load_body(o, venue, url, body, specs, st);
    return add_all(specs, st, out);
}

std::optional<std::string> load_instrument_toml(std::string_view text, std::string_view source,
                                                instrument_registry& out) {
    auto document = config_file::parse_toml(text, source);
    if (!document.ok()) {
        return document.error;
    }
    const toml::table root = std::move(document.table);
    std::string errors;
    auto add_error = [&](std::size_t i, std::string_view field, std::string_view why) {
        if (!errors.empty()) {
            errors.push_back('\n');
        }
        errors.append(source).append(": instrument[").append(std::to_string(i)).append("].");
        errors.append(field).append(": ").append(why);
    };
    const toml::array* list = root["instrument"].as_array();
    if (list == nullptr) {
        return std::string(source) + ": instrument: expected [[instrument]] tables";
    }
    std::vector<instrument_spec> parsed;
    for (std::size_t i = 0; i < list->size(); ++i) {
        const toml::table* t = (*list)[i].as_table();
        if (t == nullptr) {
            add_error(i, "", "not a table");
            continue;
        }
        for (auto&& [k, v] : *t) {
            static constexpr std::string_view known[] = {
                "venue",  "symbol", "kind", "base",          "quote",
                "settle", "tick",   "lot",  "contract_size", "min_notional"};
            if (std::find(std::begin(known), std::end(known), k.str()) == std::end(known)) {
                add_error(i, k.str(), "unknown field");
            }
        }
        instrument_spec s;
        auto str = [&](std::string_view field, std::string& dst, bool required) {
            if (auto v = (*t)[field].value<std::string>()) {
                dst = *v;
            } else if (required) {
                add_error(i, field, "missing or not a string");
            }
        };
        str("venue", s.venue, true);
        str("symbol", s.symbol, true);
        str("base", s.base, true);
        str("quote", s.quote, true);
        str("settle", s.settle, false);
        std::string kind = "spot";
        str("kind", kind, false);
        if (!parse_instrument_kind(kind, s.kind)) {
            add_error(i, "kind",
                      "expected spot, linear_perp, inverse_perp, linear_future, inverse_future or "
                      "option");
        }
        for (auto [field, dst] : {std::pair{"tick", &s.tick}, std::pair{"lot", &s.lot}}) {
            std::string text_value;
            str(field, text_value, true);
            if (!text_value.empty()) {
                const auto r = parse_step(text_value);
                if (!r.ok()) {
                    add_error(i, field, "expected a positive decimal string");
                } else {
                    *dst = r.value;
                }
            }
        }
        if (auto* v = (*t)["contract_size"].node()) {
            if (!v->is_number() || v->value<double>().value_or(0) <= 0) {
                add_error(i, "contract_size", "expected a positive number");
            } else {
                s.contract_size = *v->value<double>();
            }
        }
        if (auto* v = (*t)["min_notional"].node()) {
            if (!v->is_number() || v->value<double>().value_or(-1) < 0) {
                add_error(i, "min_notional", "expected a non-negative number");
            } else {
                s.min_notional = *v->value<double>();
            }
        }
        if (s.settle.empty()) {
            const bool inverse = s.kind == instrument_kind::inverse_perp ||
                                 s.kind == instrument_kind::inverse_future;
            s.settle = inverse ? s.base : s.quote;
        }
        s.venue = lower(s.venue);
        parsed.push_back(std::move(s));
    }
    if (!errors.empty()) {
        return errors;
    }
    for (auto& s : parsed) {
        out.add(std::move(s));
    }
    return std::nullopt;
}

std::optional<std::string> load_instrument_file(const std::string& path, instrument_registry& out) {
    // A directory, an empty file, an unreadable one: the path and the cause (book/config_file).
    const auto read = config_file::read_text(path);
    if (!read.ok()) {
        return read.error;
    }
    const std::string& text = read.text;
    if (path.ends_with(".toml")) {
        return load_instrument_toml(text, path, out);
    }
    std::string_view body = text;
    while (!body.empty() && (body.front() == ' ' || body.front() == '\n' || body.front() == '\r' ||
                             body.front() == '\t')) {
        body.remove_prefix(1); // not empty: read_text refuses a blank file
    }
    spec_list specs;
    load_status st;
    const reply_origin file{path};
    if (body.front() == '[' || body.front() == '{') {
        // A reply body as the venue sent it, or a recorded subset.
        dom::parser parser;
        dom::element root;
        dom::array array;
        dom::object first;
        const padded_string json(body);
        if (!parser.parse(json).get(root) && !root.get_array().get(array) && array.size() > 0 &&
            !array.at(0).get_object().get(first) && !first["items"].error()) {
            load_recorded_items(file, array, specs, st);
        } else {
            load_body(file, {}, {}, body, specs, st);
        }
        return add_all(specs, st, out);
    }
    // Recorded REST replies: "<url> -> <ts>: <body>", one per line (Deribit's file holds one
    // get_instruments reply per currency).
    std::size_t line_no = 0;
    while (!body.empty()) {
        const auto eol = body.find('\n');
        std::string_view line = body.substr(0, eol);
        body = eol == std::string_view::npos ? std::string_view{} : body.substr(eol + 1);
        ++line_no;
        if (line.empty() || line.starts_with("configuration: ")) {
            continue; // cryptofeed ends its REST files with the recorder's configuration
        }
        const std::string where = path + ":" + std::to_string(line_no);
        const auto arrow = line.find(" -> ");
        const auto colon = line.find(": ", arrow == std::string_view::npos ? 0 : arrow);
        if (arrow == std::string_view::npos || colon == std::string_view::npos) {
            return where + ": not an instrument list (expected a venue's reply body, recorded "
                           "\"<url> -> <ts>: <body>\" lines, a recorded subset or TOML)";
        }
        const std::string_view url = line.substr(0, arrow);
        if (kind_of_url(url) == reply_kind::unknown) {
            return where + ": instruments: url \"" + std::string(url.substr(0, 100)) +
                   "\": unknown instrument source";
        }
        load_body(reply_origin{where}, {}, url, line.substr(colon + 2), specs, st);
        if (st.failed()) {
            return st.result();
        }
    }
    return add_all(specs, st, out);
}

} // namespace ballast::feed
