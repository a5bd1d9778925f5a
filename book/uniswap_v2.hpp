#pragma once
/// A Uniswap v2 pair (constant product with the pair's fee) and its quotes, exactly as
/// UniswapV2Library.getAmountOut / getAmountIn and UniswapV2Pair.swap compute them.

#include "book/pool_error.hpp"
#include "book/u256.hpp"

#include <cstdint>

namespace ballast {

/// A value or the contract's revert.
struct v2_amount {
    u256 value;
    pool_error error = pool_error::ok;
    [[nodiscard]] bool ok() const noexcept { return error == pool_error::ok; }
};

/// What to swap through a pair.
struct v2_swap_request {
    bool zero_for_one = true; ///< token0 in, token1 out
    bool exact_input = true;  ///< `amount` is the input (else the wanted output)
    u256 amount;              ///< raw token units
};

/// What the swap moves and the reserves it leaves.
struct v2_swap_result {
    pool_error error = pool_error::ok;
    u256 amount_in;
    u256 amount_out;
    u256 reserve0_after;
    u256 reserve1_after;
    [[nodiscard]] bool ok() const noexcept { return error == pool_error::ok; }
};

/// Uniswap v2 pair model. Invariants: reserves fit in uint112; fee < 1e6 (hundredths of a
/// basis point; 3000 is the canonical pair's 0.3%, i.e. the library's 997/1000).
class uniswap_v2_pool {
  public:
    uniswap_v2_pool() = default;

    /// Replaces fee and reserves; bad_fee or reserve_overflow leaves the pool unchanged.
    pool_error reset(std::uint32_t fee, const u256& reserve0, const u256& reserve1) noexcept;
    /// A Sync event: the pair's new reserves.
    pool_error apply_sync(const u256& reserve0, const u256& reserve1) noexcept;

    [[nodiscard]] std::uint32_t fee() const noexcept { return fee_; }
    [[nodiscard]] const u256& reserve0() const noexcept { return reserve0_; }
    [[nodiscard]] const u256& reserve1() const noexcept { return reserve1_; }

    /// getAmountOut(amountIn, reserveIn, reserveOut) with the pair's fee.
    [[nodiscard]] v2_amount amount_out(const u256& amount_in, bool zero_for_one) const noexcept;
    /// getAmountIn(amountOut, reserveIn, reserveOut) with the pair's fee.
    [[nodiscard]] v2_amount amount_in(const u256& amount_out, bool zero_for_one) const noexcept;
    /// A router swap through this pair: the library's amount plus the pair's own checks
    /// (output below the reserve, reserves within uint112).
    [[nodiscard]] v2_swap_result quote(const v2_swap_request& request) const noexcept;
    /// quote(), then the pair's post-swap reserves when it succeeds.
    v2_swap_result swap(const v2_swap_request& request) noexcept;

    /// token1 per token0 in raw units (reserve1 / reserve0), 0 when empty.
    [[nodiscard]] double raw_price() const noexcept;

  private:
    std::uint32_t fee_ = 3000;
    u256 reserve0_;
    u256 reserve1_;
};

/// The fee as the library's integer ratio: fee 3000 is 997/1000, fee 2500 is 9975/10000.
struct v2_fee_ratio {
    std::uint32_t keep;  ///< numerator of (1 - fee)
    std::uint32_t scale; ///< denominator
};
[[nodiscard]] constexpr v2_fee_ratio v2_fee_as_ratio(std::uint32_t fee) noexcept {
    if (fee % 1000 == 0) {
        return {1000 - fee / 1000, 1000};
    }
    if (fee % 100 == 0) {
        return {10000 - fee / 100, 10000};
    }
    return {1'000'000 - fee, 1'000'000};
}

} // namespace ballast
