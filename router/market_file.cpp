#include "router/market_file.hpp"

#include "book/config_file.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

namespace ballast::router {

namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

/// Collects the first error with the path of the field at fault.
struct reader {
    std::string error;

    bool fail(const std::string& path, std::string_view why) {
        if (error.empty()) {
            error = path + ": " + std::string(why);
        }
        return false;
    }

    bool only_known(const object& o, const std::string& path,
                    std::initializer_list<std::string_view> known) {
        for (const auto field : o) {
            if (std::find(known.begin(), known.end(), field.key) == known.end()) {
                return fail(path + std::string(field.key), "unknown field");
            }
        }
        return true;
    }

    bool text(const object& o, const std::string& path, std::string_view field, std::string& out) {
        element e;
        std::string_view v;
        if (o[field].get(e) != simdjson::SUCCESS) {
            return fail(path + std::string(field), "missing");
        }
        if (e.get_string().get(v) != simdjson::SUCCESS) {
            return fail(path + std::string(field), "expected a string");
        }
        out.assign(v);
        return true;
    }

    /// A number given as a JSON number or a decimal string (digits, '.', exponent: no hex,
    /// no "inf"), within `range`.
    bool number(const element& e, const std::string& path, const config_file::number_range& range,
                double& out) {
        std::string_view v;
        if (e.get_string().get(v) == simdjson::SUCCESS) {
            std::string s(v);
            char* end = nullptr;
            const bool decimal =
                !s.empty() && s.find_first_not_of("0123456789.eE+-") == std::string::npos;
            out = decimal ? std::strtod(s.c_str(), &end) : 0.0;
            if (!decimal || end != s.c_str() + s.size()) {
                return fail(path, "\"" + s + "\": not a decimal number");
            }
        } else if (e.get_double().get(out) != simdjson::SUCCESS) {
            return fail(path, "expected a number");
        }
        if (const auto why = config_file::range_error(out, range)) {
            return fail(path, *why);
        }
        return true;
    }

    bool number_field(const object& o, const std::string& path, std::string_view field,
                      bool required, const config_file::number_range& range, double& out) {
        element e;
        if (o[field].get(e) != simdjson::SUCCESS) {
            return required ? fail(path + std::string(field), "missing") : true;
        }
        return number(e, path + std::string(field), range, out);
    }

    bool step_field(const object& o, const std::string& path, std::string_view field,
                    decimal_step& out) {
        std::string t;
        if (!text(o, path, field, t)) {
            return false;
        }
        const auto r = parse_step(t);
        if (!r.ok() || r.value.mantissa <= 0) {
            return fail(path + std::string(field),
                        "expected a positive decimal step, got \"" + t + "\"");
        }
        out = r.value;
        return true;
    }

    /// A base quantity at `step` from a decimal string ("cap").
    bool steps_field(const object& o, const std::string& path, std::string_view field,
                     decimal_step step, std::int64_t& out) {
        element e;
        if (o[field].get(e) != simdjson::SUCCESS) {
            return true; // optional: no cap
        }
        std::string_view v;
        if (e.get_string().get(v) != simdjson::SUCCESS) {
            return fail(path + std::string(field), "expected a decimal string");
        }
        const auto r = parse_steps(v, step);
        if (!r.ok()) {
            return fail(path + std::string(field),
                        std::string(to_string(r.error)) + " \"" + std::string(v) + "\"");
        }
        out = r.value;
        return true;
    }
};

// Stated ranges (router/README.md, market files).
constexpr config_file::number_range fee_bps_range{0, 1000};
constexpr config_file::number_range min_notional_range{0, 1e12}; ///< quote
constexpr config_file::number_range gas_quote_range{0, 1e6};     ///< quote per swap
/// A pool whose spot price is further than this factor from the books' mid is refused: the
/// usual cause is token0/token1, decimals or reserves swapped (prices off by 1e12 and more).
constexpr double max_pool_book_factor = 2.0;

/// Finest step: the largest exponent wins; mantissas must then divide evenly (checked later).
decimal_step finest(decimal_step a, decimal_step b) {
    return a.exponent >= b.exponent ? decimal_step{1, a.exponent} : decimal_step{1, b.exponent};
}

bool read_side(reader& rd, const object& book, const std::string& path, std::string_view field,
               side s, const venue_cost_model& c, l2_book& out) {
    element e;
    array levels;
    if (book[field].get(e) != simdjson::SUCCESS) {
        return rd.fail(path + std::string(field), "missing");
    }
    if (e.get_array().get(levels) != simdjson::SUCCESS) {
        return rd.fail(path + std::string(field), "expected an array of [price, qty]");
    }
    std::size_t i = 0;
    for (const auto lv : levels) {
        const std::string at = path + std::string(field) + "[" + std::to_string(i++) + "]";
        array pair;
        if (lv.get_array().get(pair) != simdjson::SUCCESS || pair.size() != 2) {
            return rd.fail(at, "expected [\"price\", \"qty\"]");
        }
        std::array<std::string_view, 2> txt;
        for (std::size_t k = 0; k < 2; ++k) {
            if (pair.at(k).get_string().get(txt[k]) != simdjson::SUCCESS) {
                return rd.fail(at + "[" + std::to_string(k) + "]", "expected a decimal string");
            }
        }
        const auto px = parse_steps(txt[0], c.tick);
        if (!px.ok() || px.value <= 0) {
            return rd.fail(at + "[0]",
                           std::string(px.ok() ? "price must be positive" : to_string(px.error)) +
                               " \"" + std::string(txt[0]) + "\" (tick " + format_steps(1, c.tick) +
                               ")");
        }
        const auto sz = parse_steps(txt[1], c.lot, true);
        if (!sz.ok()) {
            return rd.fail(at + "[1]", std::string(to_string(sz.error)) + " \"" +
                                           std::string(txt[1]) + "\" (lot " +
                                           format_steps(1, c.lot) + ")");
        }
        if (sz.value < 0) {
            return rd.fail(at + "[1]", "negative quantity \"" + std::string(txt[1]) + "\"");
        }
        if (sz.value == 0) {
            return rd.fail(at + "[1]", "zero quantity");
        }
        if (out.qty_at(s, price(px.value)).value() != 0) {
            return rd.fail(at + "[0]", "duplicate price \"" + std::string(txt[0]) + "\"");
        }
        if (out.set_level(s, price(px.value), qty(sz.value)) == level_change::dropped_full) {
            return rd.fail(at, "more levels than the book holds");
        }
    }
    return true;
}

/// The books' mid (best bid and best ask over every book), or 0 without a two-sided book.
double books_mid(const market_data& m) {
    double bid = 0.0;
    double ask = 0.0;
    for (const auto& src : m.book_sources) {
        const auto& b = *src.book;
        if (b.best_bid().sz.value() > 0) {
            bid = std::max(bid, steps_to_double(b.best_bid().px.value(), src.cost.tick));
        }
        if (b.best_ask().sz.value() > 0) {
            const double a = steps_to_double(b.best_ask().px.value(), src.cost.tick);
            ask = ask == 0.0 ? a : std::min(ask, a);
        }
    }
    return bid > 0.0 && ask > 0.0 ? (bid + ask) / 2 : 0.0;
}

bool consistent_with_books(const market_data& m, const amm_pool& pool, const std::string& path,
                           std::string& error) {
    const double mid = books_mid(m);
    const double spot = pool.curve().spot_price();
    if (mid <= 0.0 || (spot <= mid * max_pool_book_factor && spot * max_pool_book_factor >= mid)) {
        return true;
    }
    error = path.substr(0, path.size() - 1) + ": spot price " + config_file::format_number(spot) +
            " contradicts the books' mid " + config_file::format_number(mid) +
            " (more than a factor " + config_file::format_number(max_pool_book_factor) +
            " apart: check token0/token1, decimals0/decimals1 and the reserves)";
    return false;
}

} // namespace

market_result parse_market(std::string_view json) {
    market_result res;
    auto& m = res.market;
    reader rd;
    const auto parsed = config_file::parse_json(json, "json"); // duplicate keys refused
    if (!parsed.ok()) {
        res.error = parsed.error;
        return res;
    }
    object top;
    if (parsed.document.root().get_object().get(top) != simdjson::SUCCESS) {
        res.error = "json: expected an object";
        return res;
    }
    if (!rd.only_known(top, "", {"instrument", "base", "quote", "books", "pools"}) ||
        !rd.text(top, "", "instrument", m.instrument) || !rd.text(top, "", "base", m.base) ||
        !rd.text(top, "", "quote", m.quote)) {
        res.error = rd.error;
        return res;
    }
    array books;
    array pools;
    element e;
    const bool has_books = top["books"].get(e) == simdjson::SUCCESS;
    if (has_books && e.get_array().get(books) != simdjson::SUCCESS) {
        res.error = "books: expected an array";
        return res;
    }
    const bool has_pools = top["pools"].get(e) == simdjson::SUCCESS;
    if (has_pools && e.get_array().get(pools) != simdjson::SUCCESS) {
        res.error = "pools: expected an array";
        return res;
    }
    if ((!has_books || books.size() == 0) && (!has_pools || pools.size() == 0)) {
        res.error = "books: no books and no pools";
        return res;
    }
    // Pass 1: costs and steps; the base step is the finest lot.
    struct book_spec {
        object obj;
        std::string path;
        venue_cost_model cost;
        std::string venue;
        double cap_hint = -1;
    };
    std::vector<book_spec> specs;
    bool first = true;
    if (has_books) {
        std::size_t i = 0;
        for (const auto b : books) {
            book_spec s;
            s.path = "books[" + std::to_string(i++) + "].";
            if (b.get_object().get(s.obj) != simdjson::SUCCESS) {
                res.error = s.path.substr(0, s.path.size() - 1) + ": expected an object";
                return res;
            }
            auto& c = s.cost;
            if (!rd.only_known(s.obj, s.path,
                               {"venue", "taker_fee_bps", "maker_fee_bps", "lot", "tick",
                                "min_notional", "cap", "stale", "bids", "asks"}) ||
                !rd.text(s.obj, s.path, "venue", s.venue) ||
                !rd.number_field(s.obj, s.path, "taker_fee_bps", true, fee_bps_range,
                                 c.taker_fee_bps) ||
                !rd.number_field(s.obj, s.path, "maker_fee_bps", true, fee_bps_range,
                                 c.maker_fee_bps) ||
                !rd.step_field(s.obj, s.path, "lot", c.lot) ||
                !rd.step_field(s.obj, s.path, "tick", c.tick) ||
                !rd.number_field(s.obj, s.path, "min_notional", false, min_notional_range,
                                 c.min_notional_quote)) {
                res.error = rd.error;
                return res;
            }
            bool stale = false;
            if (s.obj["stale"].get(e) == simdjson::SUCCESS &&
                e.get_bool().get(stale) != simdjson::SUCCESS) {
                res.error = s.path + "stale: expected true or false";
                return res;
            }
            c.healthy = !stale;
            m.base_step = first ? decimal_step{1, c.lot.exponent} : finest(m.base_step, c.lot);
            first = false;
            specs.push_back(std::move(s));
        }
    }
    for (auto& s : specs) {
        if (steps_per(s.cost.lot, m.base_step) <= 0) {
            res.error =
                s.path + "lot: not a multiple of the base step " + format_steps(1, m.base_step);
            return res;
        }
    }
    // Pass 2: books, venues, caps. Each source is its own venue: a name given twice would
    // merge two sources' balances and fills in every report.
    std::vector<std::string> venue_fields; // by venue_id value: where the name was given
    const auto venue_of = [&](const std::string& name, const std::string& field, venue_id& out) {
        for (std::size_t v = 0; v < m.venue_names.size(); ++v) {
            if (m.venue_names[v] == name) {
                return rd.fail(field,
                               "duplicate venue \"" + name + "\" (also " + venue_fields[v] + ")");
            }
        }
        m.venue_names.push_back(name);
        venue_fields.push_back(field);
        out = venue_id{static_cast<std::uint16_t>(m.venue_names.size() - 1)};
        return true;
    };
    for (auto& s : specs) {
        std::size_t levels = 0;
        array a;
        for (const auto f : {"bids", "asks"}) {
            if (s.obj[f].get(e) == simdjson::SUCCESS && e.get_array().get(a) == simdjson::SUCCESS) {
                levels = std::max(levels, a.size());
            }
        }
        auto& book = m.books.emplace_back(std::max<std::size_t>(levels, 1));
        if (!venue_of(s.venue, s.path + "venue", s.cost.venue) ||
            !rd.steps_field(s.obj, s.path, "cap", m.base_step, s.cost.cap_steps) ||
            !read_side(rd, s.obj, s.path, "bids", side::bid, s.cost, book) ||
            !read_side(rd, s.obj, s.path, "asks", side::ask, s.cost, book)) {
            res.error = rd.error;
            return res;
        }
        if (book.crossed()) {
            res.error = s.path + "bids: crossed book (best bid " +
                        format_steps(book.best_bid().px.value(), s.cost.tick) + " >= best ask " +
                        format_steps(book.best_ask().px.value(), s.cost.tick) + ")";
            return res;
        }
        m.book_sources.push_back({&book, s.cost});
    }
    if (has_pools) {
        std::size_t i = 0;
        for (const auto p : pools) {
            const std::string path = "pools[" + std::to_string(i++) + "].";
            object o;
            if (p.get_object().get(o) != simdjson::SUCCESS) {
                res.error = path.substr(0, path.size() - 1) + ": expected an object";
                return res;
            }
            venue_cost_model c;
            std::string venue;
            if (!rd.only_known(o, path,
                               {"type", "address", "token0", "token1", "decimals0", "decimals1",
                                "fee", "tick_spacing", "sqrt_price_x96", "liquidity", "tick",
                                "ticks", "reserve0", "reserve1", "block", "venue", "gas_quote",
                                "cap", "stale"}) ||
                !rd.text(o, path, "venue", venue) ||
                !rd.number_field(o, path, "gas_quote", true, gas_quote_range, c.gas_quote) ||
                !rd.steps_field(o, path, "cap", m.base_step, c.cap_steps)) {
                res.error = rd.error;
                return res;
            }
            bool stale = false;
            if (o["stale"].get(e) == simdjson::SUCCESS &&
                e.get_bool().get(stale) != simdjson::SUCCESS) {
                res.error = path + "stale: expected true or false";
                return res;
            }
            static constexpr std::string_view cost_keys[] = {"venue", "gas_quote", "cap", "stale"};
            auto state = parse_pool_state(simdjson::to_string(p), cost_keys);
            if (!state.ok()) {
                res.error = path + state.error;
                return res;
            }
            for (std::size_t k = 0; k < m.pools.size(); ++k) {
                if (m.pools[k].state().meta.address == state.state.meta.address) {
                    res.error = path + "address: duplicate pool " + state.state.meta.address +
                                " (also pools[" + std::to_string(k) + "])";
                    return res;
                }
            }
            auto pool = amm_pool::from_state(std::move(state.state), m.base, m.quote);
            if (!pool.ok()) {
                res.error = path + pool.error;
                return res;
            }
            if (!venue_of(venue, path + "venue", c.venue)) {
                res.error = rd.error;
                return res;
            }
            if (!consistent_with_books(m, pool.pool, path, res.error)) {
                return res;
            }
            auto& stored = m.pools.emplace_back(std::move(pool.pool));
            c.lot = m.base_step;
            c.healthy = !stale;
            m.pool_sources.push_back({&stored.curve(), c, &stored});
        }
    }
    return res;
}

market_result load_market(const std::string& path) {
    const auto text = config_file::read_text(path);
    if (!text.ok()) {
        market_result r;
        r.error = text.error;
        return r;
    }
    auto r = parse_market(text.text);
    if (!r.ok()) {
        r.error = path + ": " + r.error;
    }
    return r;
}

} // namespace ballast::router
