// Kraken GET /0/public/AssetPairs and Deribit public/get_instruments.
#include "feed/detail/instrument_reply.hpp"

namespace ballast::feed::detail {

using namespace simdjson;

// {"error":[],"result":{"XXBTZCHF":{"wsname":"XBT/CHF","pair_decimals":1,"lot_decimals":8,...}}}
void load_kraken(const reply_origin& o, dom::element root, spec_list& out, load_status& st) {
    constexpr std::string_view venue = "kraken";
    dom::object top;
    if (root.get_object().get(top)) {
        st.fail(o, venue, {}, "AssetPairs", value_text(root), "expected an object");
        return;
    }
    item_reader reply(o, venue, top, st);
    if (dom::array errors; !top["error"].get_array().get(errors) && errors.size() > 0) {
        reply.fail("error", value_text(top["error"].value_unsafe()), "the venue reported an error");
        return;
    }
    const auto result = reply.object("result");
    if (reply.failed()) {
        return;
    }
    for (auto [key, value] : *result) {
        dom::object pair;
        if (value.get_object().get(pair)) {
            st.fail(o, venue, key, "result." + std::string(key), value_text(value),
                    "expected an object");
            return;
        }
        item_reader r(o, venue, pair, st);
        r.name(key);
        const std::string_view wsname = r.opt_str("wsname");
        if (r.failed()) {
            return;
        }
        if (wsname.empty()) {
            continue; // dark-pool pairs (".d") have no wsname and no book
        }
        r.name(wsname);
        const std::int64_t pair_decimals = r.integer("pair_decimals");
        const std::int64_t lot_decimals = r.integer("lot_decimals");
        for (auto [field, v] :
             {std::pair{"pair_decimals", pair_decimals}, std::pair{"lot_decimals", lot_decimals}}) {
            if (!r.failed() && (v < 0 || v > 18)) {
                r.fail(field, std::to_string(v), "expected 0 to 18 decimals");
            }
        }
        const auto costmin = r.opt_str("costmin");
        instrument_spec s;
        s.venue = std::string(venue);
        s.symbol = std::string(wsname);
        const auto slash = wsname.find('/');
        s.base = std::string(wsname.substr(0, slash));
        s.quote = slash == std::string_view::npos ? "" : std::string(wsname.substr(slash + 1));
        s.settle = s.quote;
        s.tick = {1, static_cast<int>(pair_decimals)};
        s.lot = {1, static_cast<int>(lot_decimals)};
        s.min_notional = costmin.empty() ? 0.0 : r.decimal("costmin", costmin, false);
        if (r.failed()) {
            return;
        }
        // WS v2 names most pairs as v1's wsname; those it renames (XBT is BTC there) are not
        // matched and run on a derived scale (feed/README.md).
        out.push_back(s);
        s.venue = "kraken_v2";
        out.push_back(std::move(s));
    }
}

namespace {

// A JSON number's own text as an exact step ("0.0005" -> {5, 4}; "5e-05" -> {5, 5}).
bool number_step(ondemand::value v, decimal_step& out, std::string_view& raw) {
    raw = v.raw_json_token();
    while (!raw.empty() &&
           (raw.back() == ' ' || raw.back() == ',' || raw.back() == '}' || raw.back() == '\n' ||
            raw.back() == '\r' || raw.back() == '\t' || raw.back() == ']')) {
        raw.remove_suffix(1);
    }
    if (!raw.empty() && raw.front() == '"') {
        return false; // Deribit sends numbers; a string is the wrong type
    }
    const auto r = parse_step(raw);
    out = r.value;
    return r.ok();
}

} // namespace

// {"result":[{"instrument_name","kind","tick_size",...}]}
void load_deribit(const reply_origin& o, std::string_view body, spec_list& out, load_status& st) {
    constexpr std::string_view venue = "deribit";
    padded_string json(body);
    ondemand::parser parser;
    ondemand::document doc;
    ondemand::array result;
    if (parser.iterate(json).get(doc) || doc["result"].get_array().get(result)) {
        st.fail(o, venue, {}, "result", {}, "missing or not an array");
        return;
    }
    for (auto item : result) {
        ondemand::object obj;
        if (item.get_object().get(obj)) {
            st.fail(o, venue, {}, "result[]", {}, "expected an object");
            return;
        }
        instrument_spec s;
        s.venue = std::string(venue);
        std::string_view name;
        std::string_view kind;
        std::string_view base;
        std::string_view quote;
        std::string_view raw;
        auto fail = [&](std::string_view field, std::string_view value, std::string_view why) {
            st.fail(o, venue, s.symbol, field, value, why);
        };
        if (obj.find_field_unordered("instrument_name").get_string().get(name)) {
            fail("instrument_name", {}, "missing or not a string");
            return;
        }
        s.symbol = std::string(name);
        if (obj.find_field_unordered("kind").get_string().get(kind)) {
            fail("kind", {}, "missing or not a string");
            return;
        }
        if (ondemand::value v;
            obj.find_field_unordered("tick_size").get(v) || !number_step(v, s.tick, raw)) {
            fail("tick_size", raw, "expected a positive decimal number");
            return;
        }
        if (ondemand::value v;
            obj.find_field_unordered("min_trade_amount").get(v) || !number_step(v, s.lot, raw)) {
            fail("min_trade_amount", raw, "expected a positive decimal number");
            return;
        }
        if (obj.find_field_unordered("contract_size").get_double().get(s.contract_size) ||
            !(s.contract_size > 0)) {
            fail("contract_size", {}, "expected a positive number");
            return;
        }
        if (obj.find_field_unordered("base_currency").get_string().get(base) ||
            obj.find_field_unordered("quote_currency").get_string().get(quote)) {
            fail("base_currency/quote_currency", {}, "missing or not a string");
            return;
        }
        s.base = std::string(base);
        s.quote = std::string(quote);
        std::int64_t expiry_ms = 0;
        if (obj.find_field_unordered("expiration_timestamp").get_int64().get(expiry_ms)) {
            fail("expiration_timestamp", {}, "missing or not an integer");
            return;
        }
        // Deribit gives perpetuals a year-3000 expiry (32503708800000 ms), past what
        // nanoseconds in an int64 can hold; a dated expiry must fit.
        std::int64_t expiry_ns = 0;
        const bool expiry_fits =
            expiry_ms >= 0 && !__builtin_mul_overflow(expiry_ms, 1'000'000, &expiry_ns);
        s.expiry = timestamp_ns{expiry_fits ? expiry_ns : 0};
        const std::string expiry_text = std::to_string(expiry_ms);
        if (kind == "option") {
            s.kind = instrument_kind::option;
            std::string_view right;
            if (obj.find_field_unordered("option_type").get_string().get(right) ||
                (right != "call" && right != "put")) {
                fail("option_type", right, "expected call or put");
                return;
            }
            s.right = right == "call" ? option_right::call : option_right::put;
            if (obj.find_field_unordered("strike").get_double().get(s.strike) || !(s.strike > 0)) {
                fail("strike", {}, "expected a positive number");
                return;
            }
            if (!expiry_fits) {
                fail("expiration_timestamp", expiry_text, "out of range");
                return;
            }
            // Deribit options on BTC/ETH are quoted and settled in the coin.
            s.settle = s.base;
        } else if (kind == "future") {
            std::string_view period;
            const bool perpetual =
                !obj.find_field_unordered("settlement_period").get_string().get(period) &&
                period == "perpetual";
            s.kind = perpetual ? instrument_kind::inverse_perp : instrument_kind::inverse_future;
            s.settle = s.base;
            if (perpetual) {
                s.expiry = {};
            } else if (!expiry_fits) {
                fail("expiration_timestamp", expiry_text, "out of range");
                return;
            }
        } else {
            continue; // combos and spot pairs are not followed here
        }
        out.push_back(std::move(s));
    }
}

} // namespace ballast::feed::detail
