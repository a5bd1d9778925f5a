#pragma once
// Small markets for router tests: books built from (price, size) pairs in human units.

#include "book/l2_book.hpp"
#include "router/split.hpp"

#include <cmath>
#include <deque>
#include <utility>
#include <vector>

namespace ballast::router::test {

struct level_spec {
    double px;
    double sz;
};

/// Owns books, curves and the source arrays a market_snapshot views.
struct market_fixture {
    decimal_step base_step{1, 2};
    std::deque<l2_book> books;
    std::deque<pool_curve> curves;
    std::vector<book_source> book_sources;
    std::vector<pool_source> pool_sources;

    // References returned by add_* stay valid while a market has at most 32 of each.
    market_fixture() {
        book_sources.reserve(32);
        pool_sources.reserve(32);
    }

    venue_cost_model& add_book(std::uint16_t venue, const std::vector<level_spec>& bids,
                               const std::vector<level_spec>& asks, double taker_bps,
                               decimal_step lot, decimal_step tick = {1, 2}) {
        auto& b = books.emplace_back(256);
        for (const auto& l : bids) {
            b.set_level(side::bid, price(std::llround(l.px / steps_to_double(1, tick))),
                        qty(std::llround(l.sz / steps_to_double(1, lot))));
        }
        for (const auto& l : asks) {
            b.set_level(side::ask, price(std::llround(l.px / steps_to_double(1, tick))),
                        qty(std::llround(l.sz / steps_to_double(1, lot))));
        }
        venue_cost_model c;
        c.venue = venue_id{venue};
        c.taker_fee_bps = taker_bps;
        c.lot = lot;
        c.tick = tick;
        book_sources.push_back({&b, c});
        return book_sources.back().cost;
    }

    venue_cost_model& add_pool(std::uint16_t venue, pool_curve curve, double gas) {
        auto& c = curves.emplace_back(std::move(curve));
        venue_cost_model m;
        m.venue = venue_id{venue};
        m.gas_quote = gas;
        m.lot = base_step;
        pool_sources.push_back({&c, m});
        return pool_sources.back().cost;
    }

    [[nodiscard]] market_snapshot snapshot() const {
        return {base_step, book_sources, pool_sources};
    }
};

} // namespace ballast::router::test
