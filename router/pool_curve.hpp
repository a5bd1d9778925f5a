#pragma once
/// The router's view of an AMM pool's continuous supply: piecewise constant-liquidity segments
/// (one for Uniswap v2, one per initialized-tick range for v3) in human units, with the LP fee.

#include <cstddef>
#include <span>
#include <vector>

namespace ballast::router {

/// A pool's supply curve in human units: price is quote per base, amounts are base or quote.
/// Invariants: boundaries are strictly ascending sqrt prices, the current sqrt price lies in
/// [front, back], liquidity per segment is >= 0, 0 <= fee < 1. Queries never allocate.
/// Within a segment of liquidity L the pool is constant product on virtual reserves
/// x = L/sqrt(P), y = L*sqrt(P); the fee is taken from the input, as the Uniswap contracts do.
class pool_curve {
  public:
    pool_curve() = default;

    /// Uniswap v2 style: one segment over (almost) all prices from reserves in human units.
    [[nodiscard]] static pool_curve constant_product(double reserve_base, double reserve_quote,
                                                     double fee_rate);
    /// Concentrated liquidity: `sqrt_bounds` (n+1, ascending, sqrt of quote per base) delimit n
    /// segments with `liquidity[i]` (human units, sqrt(base*quote)); `sqrt_price` is current.
    /// Returns an empty curve (`valid() == false`) when the inputs break the invariants.
    [[nodiscard]] static pool_curve concentrated(double sqrt_price,
                                                 std::span<const double> sqrt_bounds,
                                                 std::span<const double> liquidity,
                                                 double fee_rate);

    [[nodiscard]] bool valid() const noexcept { return !liquidity_.empty(); }
    [[nodiscard]] double fee_rate() const noexcept { return fee_; }
    /// Spot price (quote per base) before fees.
    [[nodiscard]] double spot_price() const noexcept { return sqrt_price_ * sqrt_price_; }

    // Buying base from the pool (quote in, base out).
    /// Base out when the pool's spot price is moved up to `spot` (0 below the current price).
    [[nodiscard]] double base_out_to_spot(double spot) const noexcept;
    /// Base out at which the marginal all-in buy price (spot/(1-fee)) reaches `marginal`.
    [[nodiscard]] double base_out_at_marginal(double marginal) const noexcept {
        return base_out_to_spot(marginal * (1.0 - fee_));
    }
    /// All the base the pool holds in its ranges (the supremum of base out).
    [[nodiscard]] double max_base_out() const noexcept { return max_base_out_; }
    /// Quote paid, LP fee included, for `base` out; +inf beyond `max_base_out()`.
    [[nodiscard]] double quote_in_for_base_out(double base) const noexcept;
    /// Spot price after buying `base`.
    [[nodiscard]] double spot_after_buy(double base) const noexcept;
    /// Marginal all-in buy price after buying `base`.
    [[nodiscard]] double marginal_buy(double base) const noexcept {
        return spot_after_buy(base) / (1.0 - fee_);
    }

    // Selling base into the pool (base in, quote out).
    /// Base in (fee included) that moves the spot price down to `spot` (0 above the current).
    [[nodiscard]] double base_in_to_spot(double spot) const noexcept;
    /// Base in at which the marginal proceeds (spot*(1-fee)) fall to `marginal`.
    [[nodiscard]] double base_in_at_marginal(double marginal) const noexcept {
        return base_in_to_spot(marginal / (1.0 - fee_));
    }
    /// Largest base input the ranges can absorb (may be very large for v2).
    [[nodiscard]] double max_base_in() const noexcept { return max_base_in_; }
    /// Quote received, after the LP fee, for `base` in; saturates at the ranges' quote.
    [[nodiscard]] double quote_out_for_base_in(double base) const noexcept;
    [[nodiscard]] double spot_after_sell(double base) const noexcept;
    [[nodiscard]] double marginal_sell(double base) const noexcept {
        return spot_after_sell(base) * (1.0 - fee_);
    }

    /// The i-th segment's sqrt bounds and liquidity (for ladders and tests).
    [[nodiscard]] std::size_t segments() const noexcept { return liquidity_.size(); }
    [[nodiscard]] double sqrt_lower(std::size_t i) const noexcept { return bounds_[i]; }
    [[nodiscard]] double sqrt_upper(std::size_t i) const noexcept { return bounds_[i + 1]; }
    [[nodiscard]] double liquidity(std::size_t i) const noexcept { return liquidity_[i]; }

  private:
    void precompute();
    /// Segment holding sqrt price s (clamped to the range).
    [[nodiscard]] std::size_t segment_of(double s) const noexcept;
    /// Sqrt price after `base` out (buy) / effective `base` in (sell).
    [[nodiscard]] double sqrt_after_out(double base, double* quote_pre_fee) const noexcept;
    [[nodiscard]] double sqrt_after_in(double base_eff, double* quote_out) const noexcept;

    double sqrt_price_ = 0.0;
    double fee_ = 0.0;
    std::size_t current_ = 0;    ///< segment holding the current price
    std::vector<double> bounds_; ///< n+1 sqrt prices
    std::vector<double> liquidity_;
    /// For j > current_: base out / quote in (pre-fee) moving up to bounds_[j].
    /// For j <= current_: effective base in / quote out moving down to bounds_[j].
    std::vector<double> cum_base_;
    std::vector<double> cum_quote_;
    double max_base_out_ = 0.0;
    double max_base_in_ = 0.0;
};

} // namespace ballast::router
