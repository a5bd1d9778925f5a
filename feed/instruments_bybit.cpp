// Bybit v5 GET /v5/market/instruments-info?category=spot|linear|inverse|option.
#include "feed/detail/instrument_reply.hpp"

namespace ballast::feed::detail {

using namespace simdjson;

void load_bybit(const reply_origin& o, dom::element root, spec_list& out, load_status& st) {
    constexpr std::string_view venue = "bybit";
    dom::object top;
    if (root.get_object().get(top)) {
        st.fail(o, venue, {}, "instruments-info", value_text(root), "expected an object");
        return;
    }
    item_reader reply(o, venue, top, st);
    const std::int64_t code = reply.integer("retCode");
    if (!reply.failed() && code != 0) {
        reply.fail("retCode", std::to_string(code),
                   "the venue reported an error: " + std::string(reply.opt_str("retMsg")));
    }
    const auto result = reply.object("result");
    if (reply.failed()) {
        return;
    }
    item_reader r(o, venue, *result, st);
    const std::string_view category = r.str("category");
    const auto list = r.array("list");
    if (r.failed()) {
        return;
    }
    load_bybit_list(o, category, *list, out, st);
}

void load_bybit_list(const reply_origin& o, std::string_view category, dom::array list,
                     spec_list& out, load_status& st) {
    std::string venue;
    if (category == "spot" || category == "linear" || category == "inverse") {
        venue = "bybit_" + std::string(category);
    } else if (category == "option") {
        return; // no Ballast decoder follows Bybit options (see feed/README.md)
    } else {
        st.fail(o, "bybit", {}, "result.category", category,
                "expected spot, linear, inverse or option");
        return;
    }
    const bool spot = category == "spot";
    const bool inverse = category == "inverse";
    for_each_entry(
        o, venue, "list", list, "symbol", out, st, [&](item_reader& r, instrument_spec& s) {
            s.base = std::string(r.str("baseCoin"));
            s.quote = std::string(r.str("quoteCoin"));
            (void)r.opt_str("status");
            const auto pf = r.object("priceFilter");
            const auto lf = r.object("lotSizeFilter");
            if (r.failed()) {
                return false;
            }
            item_reader p(o, venue, *pf, st);
            item_reader l(o, venue, *lf, st);
            p.name(s.symbol);
            l.name(s.symbol);
            s.tick = r.step("priceFilter.tickSize", p.str("tickSize"));
            if (spot) {
                // Spot "Get Instruments Info": basePrecision is the quantity step.
                s.settle = s.quote;
                s.lot = r.step("lotSizeFilter.basePrecision", l.str("basePrecision"));
                const auto min = l.opt_str("minOrderAmt");
                s.min_notional =
                    min.empty() ? 0.0 : r.decimal("lotSizeFilter.minOrderAmt", min, false);
                return true;
            }
            s.lot = r.step("lotSizeFilter.qtyStep", l.str("qtyStep"));
            const std::string_view type = r.str("contractType");
            const bool perpetual = type == "LinearPerpetual" || type == "InversePerpetual";
            if (!r.failed() && !perpetual && type != "LinearFutures" && type != "InverseFutures") {
                r.fail(
                    "contractType", type,
                    "expected LinearPerpetual, LinearFutures, InversePerpetual or InverseFutures");
            }
            if (perpetual) {
                s.kind = inverse ? instrument_kind::inverse_perp : instrument_kind::linear_perp;
            } else {
                s.kind = inverse ? instrument_kind::inverse_future : instrument_kind::linear_future;
                s.expiry = r.millis("deliveryTime", r.str("deliveryTime"));
            }
            const auto settle = r.opt_str("settleCoin");
            s.settle = !settle.empty() ? std::string(settle) : inverse ? s.base : s.quote;
            const auto min = l.opt_str("minNotionalValue");
            s.min_notional =
                min.empty() ? 0.0 : r.decimal("lotSizeFilter.minNotionalValue", min, false);
            return true;
        });
}

} // namespace ballast::feed::detail
