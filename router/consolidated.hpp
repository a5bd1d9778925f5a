#pragma once
/// The consolidated view: every healthy book's levels and every pool's curve (cut into price
/// bands) on one fee-adjusted ladder per side, each level attributed to its venue.

#include "router/split.hpp"

#include <cstddef>
#include <optional>
#include <vector>

namespace ballast::router {

/// One level of the consolidated ladder.
struct consolidated_level {
    double price = 0.0;        ///< venue price before fees (a pool band's average price)
    double all_in_price = 0.0; ///< after the taker/LP fee: asks pay more, bids receive less
    double size_base = 0.0;    ///< base units
    venue_id venue{};
    source_kind kind = source_kind::book;
    std::uint16_t index = 0; ///< into market_snapshot::books or ::pools
};

/// Fee-adjusted consolidated depth. Invariants after rebuild: asks ascend and bids descend by
/// all_in_price (ties by source); storage is sized at construction. Pool gas is a
/// fixed cost per swap and is not spread into the ladder's prices.
class consolidated_book {
  public:
    /// `pool_bands` levels per pool per side, each `pool_band_bps` wide in spot price.
    explicit consolidated_book(std::size_t capacity_per_side = 8192, std::size_t pool_bands = 20,
                               double pool_band_bps = 5.0);

    /// Rebuilds both sides from the market (unhealthy sources skipped). Levels beyond the
    /// capacity are dropped and counted.
    void rebuild(const market_snapshot& market) noexcept;

    [[nodiscard]] std::size_t depth(side s) const noexcept {
        return s == side::bid ? bid_count_ : ask_count_;
    }
    /// i-th level from the best (0 = best all-in price). Precondition: i < depth(s).
    [[nodiscard]] const consolidated_level& at(side s, std::size_t i) const noexcept {
        return s == side::bid ? bids_[i] : asks_[i];
    }
    [[nodiscard]] std::optional<consolidated_level> best_bid() const noexcept;
    [[nodiscard]] std::optional<consolidated_level> best_ask() const noexcept;
    /// Levels that did not fit at the last rebuild.
    [[nodiscard]] std::size_t dropped() const noexcept { return dropped_; }

  private:
    void add(side s, const consolidated_level& l) noexcept;
    std::vector<consolidated_level> bids_;
    std::vector<consolidated_level> asks_;
    std::size_t bid_count_ = 0;
    std::size_t ask_count_ = 0;
    std::size_t dropped_ = 0;
    std::size_t pool_bands_;
    double pool_band_bps_;
};

} // namespace ballast::router
