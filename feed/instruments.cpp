#include "feed/instruments.hpp"

#include <simdjson.h>
#include <toml++/toml.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace ballast::feed {

namespace {

using namespace simdjson;

std::string read_file(const std::string& path, bool& ok) {
    std::ifstream in(path, std::ios::binary);
    ok = static_cast<bool>(in);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string lower(std::string_view s) {
    std::string r(s);
    for (auto& c : r) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return r;
}

decimal_step pow10_step(std::int64_t decimals) {
    return {1, static_cast<int>(decimals)};
}

// A JSON number as an exact step ("0.0005" -> {5,4}).
bool number_step(ondemand::value v, decimal_step& out) {
    std::string_view raw = v.raw_json_token();
    while (!raw.empty() &&
           (raw.back() == ' ' || raw.back() == ',' || raw.back() == '}' || raw.back() == '\n')) {
        raw.remove_suffix(1);
    }
    if (!raw.empty() && raw.front() == '"') {
        raw = raw.substr(1, raw.size() >= 2 ? raw.size() - 2 : 0);
    }
    const auto r = parse_step(raw);
    out = r.value;
    return r.ok();
}

// Kraken AssetPairs: {"error":[],"result":{"XXBTZCHF":{"wsname":"XBT/CHF","pair_decimals":1,...}}}
std::optional<std::string> load_kraken(std::string_view body, const std::string& path,
                                       instrument_registry& out) {
    padded_string json(body);
    ondemand::parser parser;
    ondemand::document doc;
    ondemand::object result;
    if (parser.iterate(json).get(doc) || doc["result"].get_object().get(result)) {
        return path + ": kraken AssetPairs: missing \"result\" object";
    }
    for (auto field : result) {
        ondemand::object pair;
        std::string_view wsname;
        std::int64_t pair_decimals = 0;
        std::int64_t lot_decimals = 0;
        if (field.value().get_object().get(pair)) {
            return path + ": kraken AssetPairs: pair is not an object";
        }
        if (pair.find_field_unordered("wsname").get_string().get(wsname)) {
            continue; // dark-pool pairs (".d") have no wsname and no book
        }
        if (pair.find_field_unordered("pair_decimals").get_int64().get(pair_decimals) ||
            pair.find_field_unordered("lot_decimals").get_int64().get(lot_decimals) ||
            pair_decimals < 0 || pair_decimals > 18 || lot_decimals < 0 || lot_decimals > 18) {
            return path + ": kraken AssetPairs " + std::string(wsname) +
                   ": pair_decimals/lot_decimals missing or out of range";
        }
        instrument_spec s;
        s.venue = "kraken";
        s.symbol = std::string(wsname);
        const auto slash = wsname.find('/');
        s.base = std::string(wsname.substr(0, slash));
        s.quote = slash == std::string_view::npos ? "" : std::string(wsname.substr(slash + 1));
        s.settle = s.quote;
        s.tick = pow10_step(pair_decimals);
        s.lot = pow10_step(lot_decimals);
        out.add(std::move(s));
    }
    return std::nullopt;
}

// Deribit public/get_instruments: {"result":[{"instrument_name","kind","tick_size",...}]}
std::optional<std::string> load_deribit(std::string_view body, const std::string& path,
                                        instrument_registry& out) {
    padded_string json(body);
    ondemand::parser parser;
    ondemand::document doc;
    ondemand::array result;
    if (parser.iterate(json).get(doc) || doc["result"].get_array().get(result)) {
        return path + ": deribit get_instruments: missing \"result\" array";
    }
    for (auto item : result) {
        ondemand::object o;
        if (item.get_object().get(o)) {
            return path + ": deribit get_instruments: entry is not an object";
        }
        instrument_spec s;
        s.venue = "deribit";
        std::string_view name;
        std::string_view kind;
        std::string_view base;
        std::string_view quote;
        double contract_size = 0;
        if (o.find_field_unordered("instrument_name").get_string().get(name)) {
            return path + ": deribit get_instruments: missing instrument_name";
        }
        s.symbol = std::string(name);
        const std::string where = path + ": deribit " + s.symbol + ": ";
        if (o.find_field_unordered("kind").get_string().get(kind)) {
            return where + "missing kind";
        }
        if (ondemand::value v;
            o.find_field_unordered("tick_size").get(v) || !number_step(v, s.tick)) {
            return where + "bad tick_size";
        }
        if (ondemand::value v;
            o.find_field_unordered("min_trade_amount").get(v) || !number_step(v, s.lot)) {
            return where + "bad min_trade_amount";
        }
        if (o.find_field_unordered("contract_size").get_double().get(contract_size) ||
            contract_size <= 0) {
            return where + "bad contract_size";
        }
        s.contract_size = contract_size;
        if (o.find_field_unordered("base_currency").get_string().get(base) ||
            o.find_field_unordered("quote_currency").get_string().get(quote)) {
            return where + "missing base_currency/quote_currency";
        }
        s.base = std::string(base);
        s.quote = std::string(quote);
        std::int64_t expiry_ms = 0;
        if (o.find_field_unordered("expiration_timestamp").get_int64().get(expiry_ms)) {
            return where + "missing expiration_timestamp";
        }
        // Deribit gives perpetuals a year-3000 expiry (32503708800000 ms), past what
        // nanoseconds in an int64 can hold; a dated expiry must fit.
        std::int64_t expiry_ns = 0;
        const bool expiry_fits =
            expiry_ms >= 0 && !__builtin_mul_overflow(expiry_ms, 1'000'000, &expiry_ns);
        s.expiry = timestamp_ns{expiry_fits ? expiry_ns : 0};
        if (kind == "option") {
            s.kind = instrument_kind::option;
            std::string_view right;
            if (o.find_field_unordered("option_type").get_string().get(right) ||
                (right != "call" && right != "put")) {
                return where + "bad option_type";
            }
            s.right = right == "call" ? option_right::call : option_right::put;
            if (o.find_field_unordered("strike").get_double().get(s.strike) || s.strike <= 0) {
                return where + "bad strike";
            }
            if (!expiry_fits) {
                return where + "expiration_timestamp out of range";
            }
            // Deribit options on BTC/ETH are quoted and settled in the coin.
            s.settle = s.base;
        } else if (kind == "future") {
            std::string_view period;
            const bool perpetual =
                !o.find_field_unordered("settlement_period").get_string().get(period) &&
                period == "perpetual";
            s.kind = perpetual ? instrument_kind::inverse_perp : instrument_kind::inverse_future;
            s.settle = s.base;
            if (perpetual) {
                s.expiry = {};
            } else if (!expiry_fits) {
                return where + "expiration_timestamp out of range";
            }
        } else {
            continue; // combos and spot pairs are not followed here
        }
        out.add(std::move(s));
    }
    return std::nullopt;
}

// Bybit and Coinbase subset files: [{"url","ts","conn","items":[...]}]
std::optional<std::string> load_recorded_items(std::string_view body, const std::string& path,
                                               instrument_registry& out) {
    padded_string json(body);
    ondemand::parser parser;
    ondemand::document doc;
    ondemand::array replies;
    if (parser.iterate(json).get(doc) || doc.get_array().get(replies)) {
        return path + ": expected an array of recorded replies";
    }
    for (auto reply : replies) {
        ondemand::object r;
        std::string_view url;
        ondemand::array items;
        if (reply.get_object().get(r) || r["url"].get_string().get(url)) {
            return path + ": reply without \"url\"";
        }
        const bool bybit = url.find("bybit.com") != std::string_view::npos;
        const bool coinbase = url.find("coinbase.com") != std::string_view::npos;
        std::string venue;
        instrument_kind kind = instrument_kind::spot;
        if (bybit) {
            const bool linear = url.find("category=linear") != std::string_view::npos;
            venue = linear ? "bybit_linear" : "bybit_spot";
            kind = linear ? instrument_kind::linear_perp : instrument_kind::spot;
        } else if (coinbase) {
            venue = "coinbase";
        } else {
            return path + ": unknown instrument source " + std::string(url);
        }
        if (r["items"].get_array().get(items)) {
            return path + ": reply without \"items\"";
        }
        for (auto item : items) {
            ondemand::object o;
            if (item.get_object().get(o)) {
                return path + ": item is not an object";
            }
            instrument_spec s;
            s.venue = venue;
            s.kind = kind;
            std::string_view sym, base, quote, tick, lot, min_notional;
            if (bybit) {
                ondemand::object pf, lf;
                if (o.find_field_unordered("symbol").get_string().get(sym) ||
                    o.find_field_unordered("baseCoin").get_string().get(base) ||
                    o.find_field_unordered("quoteCoin").get_string().get(quote)) {
                    return path + ": bybit item without symbol/baseCoin/quoteCoin";
                }
                s.symbol = std::string(sym);
                if (o.find_field_unordered("priceFilter").get_object().get(pf) ||
                    pf.find_field_unordered("tickSize").get_string().get(tick)) {
                    return path + ": bybit " + s.symbol + ": missing priceFilter.tickSize";
                }
                s.tick = parse_step(tick).value;
                if (!parse_step(tick).ok()) {
                    return path + ": bybit " + s.symbol + ": bad priceFilter.tickSize";
                }
                if (o.find_field_unordered("lotSizeFilter").get_object().get(lf)) {
                    return path + ": bybit " + s.symbol + ": missing lotSizeFilter";
                }
                // Linear: qtyStep; spot: basePrecision.
                if (lf.find_field_unordered(kind == instrument_kind::spot ? "basePrecision"
                                                                          : "qtyStep")
                        .get_string()
                        .get(lot) ||
                    !parse_step(lot).ok()) {
                    return path + ": bybit " + s.symbol + ": bad lotSizeFilter step";
                }
                s.lot = parse_step(lot).value;
                if (!lf.find_field_unordered(kind == instrument_kind::spot ? "minOrderAmt"
                                                                           : "minNotionalValue")
                         .get_string()
                         .get(min_notional)) {
                    std::from_chars(min_notional.data(), min_notional.data() + min_notional.size(),
                                    s.min_notional);
                }
            } else {
                if (o.find_field_unordered("product_id").get_string().get(sym)) {
                    return path + ": coinbase item without product_id";
                }
                s.symbol = std::string(sym);
                if (o.find_field_unordered("quote_increment").get_string().get(tick) ||
                    !parse_step(tick).ok()) {
                    return path + ": coinbase " + s.symbol + ": bad quote_increment";
                }
                if (o.find_field_unordered("base_increment").get_string().get(lot) ||
                    !parse_step(lot).ok()) {
                    return path + ": coinbase " + s.symbol + ": bad base_increment";
                }
                s.tick = parse_step(tick).value;
                s.lot = parse_step(lot).value;
                if (!o.find_field_unordered("quote_min_size").get_string().get(min_notional)) {
                    std::from_chars(min_notional.data(), min_notional.data() + min_notional.size(),
                                    s.min_notional);
                }
                const auto dash = s.symbol.find('-');
                base = std::string_view(s.symbol).substr(0, dash);
                quote = dash == std::string::npos ? std::string_view{}
                                                  : std::string_view(s.symbol).substr(dash + 1);
            }
            s.base = std::string(base);
            s.quote = std::string(quote);
            s.settle = s.quote;
            out.add(std::move(s));
        }
    }
    return std::nullopt;
}

} // namespace

std::optional<std::string> load_instrument_toml(std::string_view text, std::string_view source,
                                                instrument_registry& out) {
    toml::table root;
    try {
        root = toml::parse(text, source);
    } catch (const toml::parse_error& e) {
        std::ostringstream ss;
        ss << source << ":" << e.source().begin.line << ": " << e.description();
        return ss.str();
    }
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
    bool ok = false;
    const std::string text = read_file(path, ok);
    if (!ok) {
        return path + ": cannot read";
    }
    if (path.ends_with(".toml")) {
        return load_instrument_toml(text, path, out);
    }
    std::string_view body = text;
    // Recorded REST replies: "<url> -> <ts>: <body>", one per line (Deribit's file holds one
    // get_instruments reply per currency).
    if (!body.empty() && body.front() != '[' && body.front() != '{') {
        std::size_t loaded = 0;
        while (!body.empty()) {
            const auto eol = body.find('\n');
            std::string_view line = body.substr(0, eol);
            body = eol == std::string_view::npos ? std::string_view{} : body.substr(eol + 1);
            if (line.empty()) {
                continue;
            }
            const auto arrow = line.find(" -> ");
            const auto colon = line.find(": ", arrow == std::string_view::npos ? 0 : arrow);
            if (arrow == std::string_view::npos || colon == std::string_view::npos) {
                return path +
                       ": not an instrument list (expected a recorded REST reply, JSON or TOML)";
            }
            const std::string_view url = line.substr(0, arrow);
            const std::string_view reply = line.substr(colon + 2);
            std::optional<std::string> err;
            if (url.find("kraken.com") != std::string_view::npos &&
                url.find("AssetPairs") != std::string_view::npos) {
                err = load_kraken(reply, path, out);
            } else if (url.find("deribit.com") != std::string_view::npos &&
                       url.find("get_instruments") != std::string_view::npos) {
                err = load_deribit(reply, path, out);
            } else {
                err = path + ": unknown instrument source " + std::string(url);
            }
            if (err) {
                return err;
            }
            ++loaded;
        }
        return loaded > 0 ? std::nullopt
                          : std::optional<std::string>(path + ": empty instrument list");
    }
    if (!body.empty() && body.front() == '[') {
        return load_recorded_items(body, path, out);
    }
    return path + ": not an instrument list (expected a recorded REST reply, JSON array or TOML)";
}

void add_builtin_instruments(instrument_registry& out) {
    // Filters as the venues published them for the recorded symbols (exchangeInfo, OKX
    // public/instruments, Coinbase Exchange products); every recorded level is on these steps.
    static constexpr std::string_view builtin = R"(
[[instrument]]
venue = "binance"
symbol = "NKNUSDT"
base = "NKN"
quote = "USDT"
tick = "0.00001"
lot = "0.1"
min_notional = 10

[[instrument]]
venue = "binance_usdm"
symbol = "SUSHIUSDT"
kind = "linear_perp"
base = "SUSHI"
quote = "USDT"
tick = "0.001"
lot = "1"
min_notional = 5

[[instrument]]
venue = "okx"
symbol = "UNI-USD-SWAP"
kind = "inverse_perp"
base = "UNI"
quote = "USD"
tick = "0.001"
lot = "1"
contract_size = 10

[[instrument]]
venue = "coinbase_exchange"
symbol = "NU-GBP"
base = "NU"
quote = "GBP"
tick = "0.0001"
lot = "0.000001"

[[instrument]]
venue = "coinbase_exchange"
symbol = "SKL-USD"
base = "SKL"
quote = "USD"
tick = "0.00001"
lot = "0.01"
)";
    if (auto err = load_instrument_toml(builtin, "builtin instruments", out)) {
        std::abort(); // the table above is part of the program: a parse error is a build bug
    }
}

} // namespace ballast::feed
