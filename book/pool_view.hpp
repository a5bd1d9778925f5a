#pragma once
/// The router's view of one AMM pool as liquidity in base/quote terms, beside CEX books:
/// marginal price after a quantity, the all-in cost of buying or selling a quantity (fees,
/// price impact and gas), and the curve as a depth ladder of price levels.

#include "book/pool_state.hpp"
#include "book/types.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace ballast {

/// Gas for one swap: base cost plus a cost per initialized tick crossed, priced in the quote
/// currency by a gas price and the native token's price.
struct gas_model {
    std::uint64_t base_gas = 0;
    std::uint64_t per_tick_gas = 0;
    double gas_price_gwei = 0.0;
    double native_price_quote = 0.0; ///< e.g. ETH in USDC when the quote is USDC

    [[nodiscard]] constexpr std::uint64_t gas_units(std::uint32_t ticks_crossed) const noexcept {
        return base_gas + per_tick_gas * ticks_crossed;
    }
    [[nodiscard]] constexpr double cost_quote(std::uint32_t ticks_crossed) const noexcept {
        return static_cast<double>(gas_units(ticks_crossed)) * gas_price_gwei * 1e-9 *
               native_price_quote;
    }
};

/// Typical mainnet gas of a router swap: v2 pair ~90k; v3 pool ~110k plus ~25k for each
/// initialized tick crossed (Tick.cross writes two fee-growth slots and the liquidity).
inline constexpr gas_model v2_default_gas{90'000, 0, 0.0, 0.0};
inline constexpr gas_model v3_default_gas{110'000, 25'000, 0.0, 0.0};
[[nodiscard]] constexpr gas_model default_gas(pool_kind k) noexcept {
    return k == pool_kind::uniswap_v2 ? v2_default_gas : v3_default_gas;
}

/// An exact swap in raw units, then in base/quote human units. For a buy the quote is paid
/// (fee included) and all_in adds gas; for a sell the quote is received and all_in subtracts it.
struct amm_fill {
    pool_error error = pool_error::ok;
    u256 amount_in;            ///< raw units into the pool
    u256 amount_out;           ///< raw units out of the pool
    double base = 0.0;         ///< base bought or sold
    double quote = 0.0;        ///< quote paid or received, pool fee included, gas excluded
    double gas_quote = 0.0;    ///< gas in quote currency
    double all_in_quote = 0.0; ///< buy: quote + gas; sell: quote - gas
    double avg_price = 0.0;    ///< all_in_quote / base
    double price_after = 0.0;  ///< marginal price (quote per base) after the swap
    std::uint32_t ticks_crossed = 0;
    bool partial = false; ///< the pool ran out of liquidity before the quantity
    [[nodiscard]] bool ok() const noexcept { return error == pool_error::ok; }
};

/// One level of the ladder: `base` available between the previous level's price and `price`,
/// at an average (all fees, no gas) of `avg_price`.
struct amm_level {
    double price = 0.0;     ///< marginal price at the end of the level
    double avg_price = 0.0; ///< quote per base paid or received within the level
    double base = 0.0;
};

/// A pool seen as base/quote liquidity. Holds a reference: the pool must outlive the view.
class amm_view {
  public:
    /// `base_is_token0`: which of the pool's tokens is the base (the other is the quote).
    amm_view(const pool_state& pool, bool base_is_token0, gas_model gas) noexcept
        : pool_(&pool), base_is_token0_(base_is_token0), gas_(gas) {}

    /// Quote per base at the pool's current price (no fee).
    [[nodiscard]] double mid_price() const noexcept;
    /// Buy exactly `base_raw` (raw base units) from the pool: exact output.
    [[nodiscard]] amm_fill buy(const u256& base_raw) const noexcept;
    /// Sell exactly `base_raw` into the pool: exact input.
    [[nodiscard]] amm_fill sell(const u256& base_raw) const noexcept;
    /// Marginal price after buying (side::ask, taking asks) or selling (side::bid) base_raw.
    [[nodiscard]] double marginal_price_after(side taken, const u256& base_raw) const noexcept;
    /// The curve on `taken` (ask: buys push the price up; bid: sells push it down) as
    /// levels `step_bps` apart from the mid, best first. Fills `out`, returns levels written.
    std::size_t depth_ladder(side taken, double step_bps, std::span<amm_level> out) const noexcept;

    [[nodiscard]] const gas_model& gas() const noexcept { return gas_; }
    [[nodiscard]] double base_scale() const noexcept; ///< 10^base decimals
    [[nodiscard]] double quote_scale() const noexcept;

  private:
    /// Quote per base in human units from token1-per-token0 raw.
    [[nodiscard]] double to_price(double raw_token1_per_token0) const noexcept;
    [[nodiscard]] amm_fill fill(bool buy_base, const u256& base_raw,
                                const u256& sqrt_limit) const noexcept;

    const pool_state* pool_;
    bool base_is_token0_;
    gas_model gas_;
};

} // namespace ballast
