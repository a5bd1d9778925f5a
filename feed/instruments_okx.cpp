// OKX v5 GET /api/v5/public/instruments?instType=SPOT|SWAP|FUTURES|OPTION.
#include "feed/detail/instrument_reply.hpp"

namespace ballast::feed::detail {

using namespace simdjson;

void load_okx(const reply_origin& o, dom::element root, spec_list& out, load_status& st) {
    constexpr std::string_view venue = "okx";
    dom::object top;
    if (root.get_object().get(top)) {
        st.fail(o, venue, {}, "public/instruments", value_text(root), "expected an object");
        return;
    }
    item_reader reply(o, venue, top, st);
    const std::string_view code = reply.str("code");
    if (!reply.failed() && code != "0") {
        reply.fail("code", code,
                   "the venue reported an error: " + std::string(reply.opt_str("msg")));
    }
    const auto data = reply.array("data");
    if (reply.failed()) {
        return;
    }
    for_each_entry(
        o, venue, "data", *data, "instId", out, st, [](item_reader& r, instrument_spec& s) {
            const std::string_view type = r.str("instType");
            s.tick = r.step("tickSz", r.str("tickSz"));
            // Derivatives: lotSz is in contracts (ctVal each); spot: in the base currency.
            s.lot = r.step("lotSz", r.str("lotSz"));
            (void)r.opt_str("state"); // live, suspend, preopen: the filters hold in every state
            if (type == "SPOT") {
                s.base = std::string(r.str("baseCcy"));
                s.quote = std::string(r.str("quoteCcy"));
                s.settle = s.quote;
                return true;
            }
            if (type != "SWAP" && type != "FUTURES" && type != "OPTION") {
                return false; // MARGIN lists the spot pairs again (the same books)
            }
            std::string_view family = r.opt_str("instFamily");
            if (family.empty()) {
                family = r.str("uly");
            }
            split_pair(family, s.base, s.quote);
            s.settle = std::string(r.str("settleCcy"));
            // Linear: ctVal in the base (ctValCcy); inverse: ctVal is the face in the quote (USD).
            s.contract_size = r.decimal("ctVal", r.str("ctVal"), true);
            if (type == "OPTION") {
                s.kind = instrument_kind::option;
                const std::string_view right = r.str("optType");
                if (!r.failed() && right != "C" && right != "P") {
                    r.fail("optType", right, "expected C or P");
                }
                s.right = right == "C" ? option_right::call : option_right::put;
                s.strike = r.decimal("stk", r.str("stk"), true);
            } else {
                const std::string_view ct = r.str("ctType");
                if (!r.failed() && ct != "linear" && ct != "inverse") {
                    r.fail("ctType", ct, "expected linear or inverse");
                }
                const bool inverse = ct == "inverse";
                if (type == "SWAP") {
                    s.kind = inverse ? instrument_kind::inverse_perp : instrument_kind::linear_perp;
                    return true;
                }
                s.kind = inverse ? instrument_kind::inverse_future : instrument_kind::linear_future;
            }
            s.expiry = r.millis("expTime", r.str("expTime"));
            if (!r.failed() && s.expiry.ns == 0) {
                r.fail("expTime", "", "a dated contract needs an expiry");
            }
            return true;
        });
}

} // namespace ballast::feed::detail
