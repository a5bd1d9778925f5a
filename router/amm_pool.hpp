#pragma once
/// A real Uniswap pool (book/uniswap_v2, book/uniswap_v3) seen from an instrument's base and
/// quote: the continuous curve the split optimises over, and the contract's exact quote for
/// the amount it decides.

#include "book/decimal.hpp"
#include "book/pool_state.hpp"
#include "router/pool_curve.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace ballast::router {

/// An exact pool quote in human quote units, or the contract's revert.
struct exact_pool_quote {
    double quote = 0.0;     ///< buy: quote paid (fee included); sell: quote received
    double fee_quote = 0.0; ///< LP fee in quote (sell: the fee's base valued at the average)
    pool_error error = pool_error::ok;
    [[nodiscard]] bool ok() const noexcept { return error == pool_error::ok; }
};

/// Owns a pool's state and the curve derived from it. Invariant: the curve describes the
/// state (rebuild with `from_state` after the state moves).
class amm_pool {
  public:
    /// Builds the view; the error names the field (tokens that are not base and quote, a
    /// curve that cannot be built). `base`/`quote` match token0/token1 in either order.
    struct result;
    [[nodiscard]] static result from_state(pool_state state, std::string_view base,
                                           std::string_view quote);

    [[nodiscard]] const pool_curve& curve() const noexcept { return curve_; }
    [[nodiscard]] const pool_state& state() const noexcept { return state_; }
    [[nodiscard]] bool base_is_token0() const noexcept { return base_is_token0_; }
    [[nodiscard]] int base_decimals() const noexcept { return base_decimals_; }
    [[nodiscard]] int quote_decimals() const noexcept { return quote_decimals_; }

    /// Exact-output swap for `steps` of `base_step` base out (the contract's own amounts).
    [[nodiscard]] exact_pool_quote quote_buy(std::int64_t steps,
                                             decimal_step base_step) const noexcept {
        return quote(true, steps, base_step);
    }
    /// Exact-input swap of `steps` of `base_step` base in.
    [[nodiscard]] exact_pool_quote quote_sell(std::int64_t steps,
                                              decimal_step base_step) const noexcept {
        return quote(false, steps, base_step);
    }

  private:
    [[nodiscard]] exact_pool_quote quote(bool buy, std::int64_t steps,
                                         decimal_step base_step) const noexcept;

    pool_state state_;
    pool_curve curve_;
    bool base_is_token0_ = true;
    int base_decimals_ = 18;
    int quote_decimals_ = 18;
};

struct amm_pool::result {
    amm_pool pool;
    std::string error;
    [[nodiscard]] bool ok() const noexcept { return error.empty(); }
};

} // namespace ballast::router
