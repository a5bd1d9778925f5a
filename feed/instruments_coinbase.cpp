// Coinbase Advanced Trade GET /api/v3/brokerage/market/products and Coinbase Exchange
// GET /products.
#include "feed/detail/instrument_reply.hpp"

namespace ballast::feed::detail {

using namespace simdjson;

void load_coinbase_advanced(const reply_origin& o, dom::element root, spec_list& out,
                            load_status& st) {
    dom::object top;
    if (root.get_object().get(top)) {
        st.fail(o, "coinbase", {}, "products", value_text(root), "expected an object");
        return;
    }
    item_reader reply(o, "coinbase", top, st);
    if (const auto products = reply.array("products")) {
        load_coinbase_products(o, *products, out, st);
    }
}

void load_coinbase_products(const reply_origin& o, dom::array products, spec_list& out,
                            load_status& st) {
    for_each_entry(o, "coinbase", "products", products, "product_id", out, st,
                   [](item_reader& r, instrument_spec& s) {
                       const auto type = r.opt_str("product_type");
                       if (!type.empty() && type != "SPOT") {
                           return false; // FCM futures are not followed by the level2 decoder
                       }
                       // "List Public Products": price_increment is the book's price step; older
                       // replies carry only quote_increment.
                       const auto price_increment = r.opt_str("price_increment");
                       s.tick = price_increment.empty()
                                    ? r.step("quote_increment", r.str("quote_increment"))
                                    : r.step("price_increment", price_increment);
                       s.lot = r.step("base_increment", r.str("base_increment"));
                       const auto min = r.opt_str("quote_min_size");
                       s.min_notional = min.empty() ? 0.0 : r.decimal("quote_min_size", min, false);
                       const auto base = r.opt_str("base_currency_id");
                       const auto quote = r.opt_str("quote_currency_id");
                       if (!base.empty() && !quote.empty()) {
                           s.base = std::string(base);
                           s.quote = std::string(quote);
                       } else {
                           split_pair(s.symbol, s.base, s.quote);
                       }
                       s.settle = s.quote;
                       return true;
                   });
}

void load_coinbase_exchange(const reply_origin& o, dom::element root, spec_list& out,
                            load_status& st) {
    constexpr std::string_view venue = "coinbase_exchange";
    dom::array products;
    if (root.get_array().get(products)) {
        st.fail(o, venue, {}, "products", value_text(root), "expected an array");
        return;
    }
    for_each_entry(
        o, venue, "products", products, "id", out, st, [](item_reader& r, instrument_spec& s) {
            s.base = std::string(r.str("base_currency"));
            s.quote = std::string(r.str("quote_currency"));
            s.settle = s.quote;
            s.tick = r.step("quote_increment", r.str("quote_increment"));
            s.lot = r.step("base_increment", r.str("base_increment"));
            const auto min = r.opt_str("min_market_funds");
            s.min_notional = min.empty() ? 0.0 : r.decimal("min_market_funds", min, false);
            (void)r.opt_str("status"); // online, delisted...: the increments stand
            return true;
        });
}

} // namespace ballast::feed::detail
