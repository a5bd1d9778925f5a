#pragma once
/// A Uniswap v3 pool's swap-relevant state (slot0, active liquidity, initialized ticks) and a
/// swap simulator that moves exactly the amounts UniswapV3Pool.swap would move.

#include "book/fixed_u256.hpp"
#include "book/int128.hpp"
#include "book/pool_error.hpp"
#include "book/u256.hpp"
#include "book/uniswap_v3_math.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ballast {

/// One initialized tick: the change of active liquidity when the price crosses it upwards.
struct v3_tick {
    std::int32_t index = 0;
    int128 liquidity_net = 0;
    /// Total liquidity referencing the tick; the tick stays initialized while it is non-zero.
    uint128 liquidity_gross = 0;
    constexpr bool operator==(const v3_tick&) const noexcept = default;
};

/// What to swap: the arguments of UniswapV3Pool.swap.
struct v3_swap_request {
    bool zero_for_one = true; ///< token0 in, token1 out (the price falls)
    bool exact_input = true;  ///< `amount` is the input (else the wanted output)
    u256 amount;              ///< |amountSpecified| in raw token units
    /// sqrtPriceLimitX96; 0 means "no limit" (MIN_SQRT_RATIO + 1 or MAX_SQRT_RATIO - 1, as the
    /// periphery's quoter and router pass).
    u256 sqrt_price_limit_x96;
};

/// What the swap moved and where it left the pool. With a price limit an exact-input swap may
/// take less than asked and an exact-output swap may deliver less (`partial`).
struct v3_swap_result {
    pool_error error = pool_error::ok;
    u256 amount_in;  ///< paid into the pool, fee included
    u256 amount_out; ///< paid out of the pool
    u256 fee_amount; ///< part of amount_in kept as LP (and protocol) fee
    u256 sqrt_price_x96_after;
    std::int32_t tick_after = 0;
    uint128 liquidity_after = 0;
    std::uint32_t ticks_crossed = 0; ///< initialized ticks crossed (each costs gas)
    std::uint32_t steps = 0;         ///< loop iterations of the contract (word boundaries too)
    bool partial = false;            ///< the price limit stopped the swap before `amount`
    [[nodiscard]] bool ok() const noexcept { return error == pool_error::ok; }
};

/// Uniswap v3 pool model. Invariants: ticks sorted by index, unique, multiples of the spacing,
/// within [min_tick, max_tick]; `tick` is the pool's slot0 tick (not always
/// tick_at_sqrt_ratio(sqrt_price): after a downward cross it is the crossed tick - 1).
/// Quotes are const and allocation-free; tick storage grows only on mint of a new tick.
/// The swap loop runs on fixed-limb words with each initialized tick's sqrt ratio cached when
/// the tick is loaded or minted, and walks the sorted ticks with a cursor (one binary search
/// per quote, then O(1) per step), which is TickBitmap.nextInitializedTickWithinOneWord. What
/// a step moves crossing a whole range between two initialized ticks is computed when the
/// ticks change, so a crossing costs no division.
class uniswap_v3_pool {
  public:
    uniswap_v3_pool() = default;

    /// Replaces the whole state. Checks fee (< 1e6), spacing (> 0, the standard one for
    /// 100/500/3000/10000), sqrt price range, tick consistency with the price and the tick
    /// list; on error the pool is left unchanged. Allocates the tick storage with room for
    /// `extra_tick_capacity` more ticks.
    pool_error reset(std::uint32_t fee, std::int32_t tick_spacing, const u256& sqrt_price_x96,
                     uint128 liquidity, std::int32_t tick, std::span<const v3_tick> ticks,
                     std::size_t extra_tick_capacity = 256);

    [[nodiscard]] std::uint32_t fee() const noexcept { return fee_; }
    [[nodiscard]] std::int32_t tick_spacing() const noexcept { return tick_spacing_; }
    [[nodiscard]] u256 sqrt_price_x96() const noexcept { return to_u256(sqrt_price_x96_); }
    [[nodiscard]] uint128 liquidity() const noexcept { return liquidity_; }
    [[nodiscard]] std::int32_t tick() const noexcept { return tick_; }
    [[nodiscard]] std::span<const v3_tick> ticks() const noexcept { return ticks_; }
    /// The initialized tick at `index`, nullptr when not initialized.
    [[nodiscard]] const v3_tick* find_tick(std::int32_t index) const noexcept;

    /// Simulates UniswapV3Pool.swap without changing the pool. Errors are the contract's
    /// reverts ('AS', 'SPL', 'LS', arithmetic overflow, ...).
    [[nodiscard]] v3_swap_result quote(const v3_swap_request& request) const noexcept;
    /// Like quote(), then moves the pool to the post-swap state when the swap succeeds.
    v3_swap_result swap(const v3_swap_request& request) noexcept;

    /// A Swap event: the pool's new slot0 price and tick and its active liquidity.
    pool_error apply_swap_event(const u256& sqrt_price_x96, uint128 liquidity,
                                std::int32_t tick) noexcept;
    /// A Mint (delta > 0) or Burn (delta < 0) of a position [tick_lower, tick_upper):
    /// liquidityNet/Gross of both ticks, (de)initialising them, and the active liquidity when
    /// the position spans the current tick. Checks 'TLU', 'TLM', 'TUM', spacing and 'LS'/'LA'.
    /// May allocate when a new tick exceeds the reserved capacity.
    pool_error apply_position_delta(std::int32_t tick_lower, std::int32_t tick_upper,
                                    int128 liquidity_delta);

    /// TickBitmap.nextInitializedTickWithinOneWord over the sorted tick list.
    struct next_tick {
        std::int32_t index;
        bool initialized;
    };
    [[nodiscard]] next_tick next_initialized_tick_within_one_word(std::int32_t tick,
                                                                  bool lte) const noexcept;

    /// token1 per token0 in raw units at the current price: (sqrtPriceX96 / 2^96)^2.
    [[nodiscard]] double raw_price() const noexcept;

  private:
    /// The next tick of the walk and, when initialized, its slot in ticks_.
    struct tick_step {
        std::int32_t index;
        bool initialized;
        std::size_t slot;
    };
    /// The cursor for `tick`: the number of initialized ticks below the first candidate of
    /// nextInitializedTickWithinOneWord (those <= the compressed tick when lte, those past it
    /// otherwise). Moves from `hint` one tick at a time.
    [[nodiscard]] std::size_t seek_cursor(std::size_t hint, std::int32_t tick,
                                          bool lte) const noexcept;
    [[nodiscard]] tick_step next_tick_at(std::size_t cursor, std::int32_t tick,
                                         bool lte) const noexcept;
    v3_swap_result run(const v3_swap_request& request) const noexcept;
    pool_error update_tick(std::int32_t index, int128 delta, bool upper);
    /// Recomputes the ranges [first, last) from the liquidity below `first` (every range by
    /// default, after a reset; a mint or burn recomputes the ranges its ticks bound). No
    /// allocation within the reserved capacity.
    void refresh_ranges(std::size_t first = 0, std::size_t last = SIZE_MAX) noexcept;

    /// The range between ticks_[k] and ticks_[k + 1]: its liquidity (the sum of the
    /// liquidityNet of ticks_[0..k]) and what a swap step moves crossing all of it, each way.
    /// A step uses them only when it starts on one end, targets the other and its running
    /// liquidity equals `liquidity`, so the quote stays exact whatever state the pool is in.
    struct v3_range {
        uint128 liquidity = 0;
        bool consistent = false;           ///< the liquidity sums stayed within uint128 up to here
        bool valid = false;                ///< and the amounts exist
        uniswap_v3::fixed::full_step down; ///< zero for one: token0 in, token1 out
        uniswap_v3::fixed::full_step up;   ///< one for zero: token1 in, token0 out
    };

    std::uint32_t fee_ = 3000;
    std::int32_t tick_spacing_ = 60;
    fixed_u256 sqrt_price_x96_;
    uint128 liquidity_ = 0;
    std::int32_t tick_ = 0;
    std::vector<v3_tick> ticks_;
    /// getSqrtRatioAtTick of ticks_[i], kept in step with ticks_.
    std::vector<fixed_u256> tick_sqrt_ratios_;
    /// ranges_[k] is the range above ticks_[k] (the last one is never used), in step with ticks_.
    std::vector<v3_range> ranges_;
};

} // namespace ballast
