#pragma once
/// Market files for `ballast route` and tests: one instrument's CEX books (with each venue's
/// cost model) and AMM pool states, as JSON. Format in router/README.md.

#include "book/l2_book.hpp"
#include "router/amm_pool.hpp"
#include "router/split.hpp"

#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace ballast::router {

/// A loaded market: owns the books and pools that `snapshot()` views.
struct market_data {
    std::string instrument;
    std::string base;
    std::string quote;
    decimal_step base_step{1, 8};         ///< the finest book lot (1e-8 when there are no books)
    std::vector<std::string> venue_names; ///< by venue_id value
    std::deque<l2_book> books;
    std::deque<amm_pool> pools;
    std::vector<book_source> book_sources;
    std::vector<pool_source> pool_sources;

    [[nodiscard]] market_snapshot snapshot() const noexcept {
        return {base_step, book_sources, pool_sources};
    }
    [[nodiscard]] std::string_view venue_name(venue_id v) const noexcept {
        return v.value < venue_names.size() ? std::string_view(venue_names[v.value])
                                            : std::string_view("?");
    }
};

/// A loaded market, or one line naming the field at fault ("books[1].asks[3][1]: ...").
struct market_result {
    market_data market;
    std::string error;
    [[nodiscard]] bool ok() const noexcept { return error.empty(); }
};

/// Parses a market JSON document (not on the hot path: it allocates).
[[nodiscard]] market_result parse_market(std::string_view json);
/// Reads and parses a market file; errors name the file.
[[nodiscard]] market_result load_market(const std::string& path);

} // namespace ballast::router
