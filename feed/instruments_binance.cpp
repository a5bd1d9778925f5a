// Binance spot GET /api/v3/exchangeInfo and USDⓈ-M GET /fapi/v1/exchangeInfo.
#include "feed/detail/instrument_reply.hpp"

namespace ballast::feed::detail {

namespace {

using namespace simdjson;

// USDⓈ-M "Exchange Information": contractType PERPETUAL (and PERPETUAL_DELIVERING, a perpetual
// being delisted) or a dated CURRENT_/NEXT_ MONTH/QUARTER delivery contract; "" for symbols
// already settled. Anything else is not followed.
enum class usdm_contract { perpetual, dated, other };

usdm_contract contract_of(std::string_view t) {
    if (t == "PERPETUAL" || t == "PERPETUAL_DELIVERING") {
        return usdm_contract::perpetual;
    }
    if (t == "CURRENT_QUARTER" || t == "NEXT_QUARTER" || t == "CURRENT_MONTH" ||
        t == "NEXT_MONTH") {
        return usdm_contract::dated;
    }
    return usdm_contract::other;
}

} // namespace

void load_binance(const reply_origin& o, std::string_view venue, dom::element root, spec_list& out,
                  load_status& st) {
    dom::object top;
    if (root.get_object().get(top)) {
        st.fail(o, venue, {}, "exchangeInfo", value_text(root), "expected an object");
        return;
    }
    item_reader reply(o, venue, top, st);
    const auto symbols = reply.array("symbols");
    if (!symbols) {
        return;
    }
    const bool usdm = venue == "binance_usdm";
    for_each_entry(
        o, venue, "symbols", *symbols, "symbol", out, st, [&](item_reader& r, instrument_spec& s) {
            (void)r.str("status"); // every listed status keeps its filters; books follow the stream
            s.base = std::string(r.str("baseAsset"));
            s.quote = std::string(r.str("quoteAsset"));
            s.settle = s.quote;
            usdm_contract contract = usdm_contract::other;
            if (usdm) {
                contract = contract_of(r.str("contractType"));
                s.settle = std::string(r.str("marginAsset"));
                const std::int64_t delivery = r.integer("deliveryDate");
                s.kind = instrument_kind::linear_perp;
                if (contract == usdm_contract::dated) {
                    s.kind = instrument_kind::linear_future;
                    s.expiry = r.millis("deliveryDate", delivery);
                }
            }
            const auto filters = r.array("filters");
            if (r.failed()) {
                return false;
            }
            bool have_tick = false;
            bool have_lot = false;
            for (dom::element fe : *filters) {
                dom::object f;
                if (fe.get_object().get(f)) {
                    r.fail("filters[]", value_text(fe), "expected an object");
                    return false;
                }
                item_reader fr(o, venue, f, st);
                fr.name(s.symbol);
                const std::string_view type = fr.str("filterType");
                // The filter's own field, named "<filterType>.<field>" in errors.
                const auto text = [&](std::string_view field) {
                    const std::string name = std::string(type) + "." + std::string(field);
                    dom::element v;
                    std::string_view value;
                    if (f[field].get(v)) {
                        r.fail(name, {}, "missing");
                    } else if (v.get_string().get(value)) {
                        r.fail(name, value_text(v), "expected a decimal string");
                    }
                    return std::pair{name, value};
                };
                if (type == "PRICE_FILTER") {
                    const auto [name, v] = text("tickSize");
                    s.tick = r.step(name, v);
                    have_tick = true;
                } else if (type == "LOT_SIZE") {
                    const auto [name, v] = text("stepSize");
                    s.lot = r.step(name, v);
                    have_lot = true;
                } else if (type == "NOTIONAL" || (type == "MIN_NOTIONAL" && !usdm)) {
                    // Spot "Filters": NOTIONAL (and the older MIN_NOTIONAL) carry minNotional.
                    const auto [name, v] = text("minNotional");
                    s.min_notional = r.decimal(name, v, false);
                } else if (type == "MIN_NOTIONAL") {
                    // USDⓈ-M "Filters": MIN_NOTIONAL carries notional.
                    const auto [name, v] = text("notional");
                    s.min_notional = r.decimal(name, v, false);
                }
                if (r.failed()) {
                    return false;
                }
            }
            if (!have_tick || !have_lot) {
                r.fail(have_tick ? "filters.LOT_SIZE" : "filters.PRICE_FILTER", {}, "missing");
            }
            // Settled contracts and unknown contract types have no book to follow.
            return !usdm || contract != usdm_contract::other;
        });
}

} // namespace ballast::feed::detail
