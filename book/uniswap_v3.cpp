#include "book/uniswap_v3.hpp"

#include <algorithm>

namespace ballast {

namespace v3 = uniswap_v3;

namespace {

constexpr std::int32_t floor_div(std::int32_t a, std::int32_t b) noexcept {
    std::int32_t q = a / b;
    if (a % b != 0 && a < 0) {
        --q;
    }
    return q;
}

bool tick_less(const v3_tick& t, std::int32_t index) noexcept {
    return t.index < index;
}

/// slot0.tick <= price <= next tick's price (equal after a downward cross at a boundary).
bool tick_matches_price(std::int32_t tick, const fixed_u256& sqrt_price_x96) noexcept {
    return v3::fixed::sqrt_ratio_at_tick(tick).value <= sqrt_price_x96 &&
           v3::fixed::sqrt_ratio_at_tick(tick + 1).value >= sqrt_price_x96;
}

} // namespace

pool_error uniswap_v3_pool::reset(std::uint32_t fee, std::int32_t tick_spacing,
                                  const u256& sqrt_price_x96, uint128 liquidity, std::int32_t tick,
                                  std::span<const v3_tick> ticks, std::size_t extra_tick_capacity) {
    if (fee >= v3::fee_denominator) {
        return pool_error::bad_fee;
    }
    const std::int32_t standard = v3::standard_tick_spacing(fee);
    if (tick_spacing <= 0 || tick_spacing > 16384 || (standard != 0 && standard != tick_spacing)) {
        return pool_error::bad_fee;
    }
    if (sqrt_price_x96 < v3::min_sqrt_ratio || sqrt_price_x96 >= v3::max_sqrt_ratio) {
        return pool_error::price_out_of_range;
    }
    if (tick < v3::min_tick || tick >= v3::max_tick) {
        return pool_error::tick_out_of_range;
    }
    if (!tick_matches_price(tick, to_fixed(sqrt_price_x96))) {
        return pool_error::bad_state;
    }
    for (std::size_t i = 0; i < ticks.size(); ++i) {
        const auto& t = ticks[i];
        if (t.index < v3::min_tick || t.index > v3::max_tick || t.index % tick_spacing != 0 ||
            (i > 0 && ticks[i - 1].index >= t.index)) {
            return pool_error::bad_tick;
        }
    }
    fee_ = fee;
    tick_spacing_ = tick_spacing;
    sqrt_price_x96_ = to_fixed(sqrt_price_x96);
    liquidity_ = liquidity;
    tick_ = tick;
    ticks_.clear();
    ticks_.reserve(ticks.size() + extra_tick_capacity);
    ticks_.assign(ticks.begin(), ticks.end());
    tick_sqrt_ratios_.clear();
    tick_sqrt_ratios_.reserve(ticks.size() + extra_tick_capacity);
    for (auto& t : ticks_) {
        tick_sqrt_ratios_.push_back(v3::fixed::sqrt_ratio_at_tick(t.index).value);
        if (t.liquidity_gross == 0) {
            // A snapshot without gross liquidity: |net| is its lower bound.
            t.liquidity_gross = t.liquidity_net < 0
                                    ? uint128(0) - static_cast<uint128>(t.liquidity_net)
                                    : static_cast<uint128>(t.liquidity_net);
        }
    }
    ranges_.clear();
    ranges_.reserve(ticks.size() + extra_tick_capacity);
    refresh_ranges();
    return pool_error::ok;
}

void uniswap_v3_pool::refresh_ranges(std::size_t first, std::size_t last) noexcept {
    ranges_.resize(ticks_.size()); // within the capacity reserved with the ticks
    first = std::min(first, ticks_.size());
    last = std::min(last, ticks_.size() == 0 ? 0 : ticks_.size() - 1);
    uint128 liquidity = first == 0 ? 0 : ranges_[first - 1].liquidity;
    bool consistent = first == 0 || ranges_[first - 1].consistent;
    const fixed_u256 fee{fee_};
    const fixed_u256 fee_complement{v3::fee_denominator - fee_};
    for (std::size_t k = first; k < last; ++k) {
        auto& r = ranges_[k];
        const auto l = v3::add_delta(liquidity, ticks_[k].liquidity_net);
        consistent = consistent && l.ok();
        liquidity = l.value;
        r = v3_range{};
        r.liquidity = liquidity;
        r.consistent = consistent;
        if (!consistent) {
            continue;
        }
        const fixed_u256& lower = tick_sqrt_ratios_[k];
        const fixed_u256& upper = tick_sqrt_ratios_[k + 1];
        const auto in0 = v3::fixed::amount0_delta(lower, upper, liquidity, true);
        const auto out0 = v3::fixed::amount0_delta(lower, upper, liquidity, false);
        const auto in1 = v3::fixed::amount1_delta(lower, upper, liquidity, true);
        const auto out1 = v3::fixed::amount1_delta(lower, upper, liquidity, false);
        if (!in0 || !out0 || !in1 || !out1) {
            continue;
        }
        const auto fee0 = mul_div_rounding_up(*in0, fee, fee_complement);
        const auto fee1 = mul_div_rounding_up(*in1, fee, fee_complement);
        if (!fee0 || !fee1) {
            continue;
        }
        r.down = {*in0, *out1, *fee0};
        r.up = {*in1, *out0, *fee1};
        r.valid = true;
    }
}

const v3_tick* uniswap_v3_pool::find_tick(std::int32_t index) const noexcept {
    const auto it = std::lower_bound(ticks_.begin(), ticks_.end(), index, tick_less);
    return it != ticks_.end() && it->index == index ? &*it : nullptr;
}

namespace {

// The smallest tick index past the candidates of nextInitializedTickWithinOneWord for `tick`:
// lte searches at or below the compressed tick, gt from the next compressed tick on.
std::int32_t cursor_key(std::int32_t tick, std::int32_t spacing, bool lte) noexcept {
    const std::int32_t compressed = floor_div(tick, spacing);
    return lte ? compressed * spacing + 1 : (compressed + 1) * spacing;
}

} // namespace

std::size_t uniswap_v3_pool::seek_cursor(std::size_t hint, std::int32_t tick,
                                         bool lte) const noexcept {
    const std::int32_t key = cursor_key(tick, tick_spacing_, lte);
    std::size_t c = std::min(hint, ticks_.size());
    while (c > 0 && ticks_[c - 1].index >= key) {
        --c;
    }
    while (c < ticks_.size() && ticks_[c].index < key) {
        ++c;
    }
    return c;
}

uniswap_v3_pool::tick_step uniswap_v3_pool::next_tick_at(std::size_t cursor, std::int32_t tick,
                                                         bool lte) const noexcept {
    const std::int32_t compressed = floor_div(tick, tick_spacing_);
    if (lte) {
        // The word holds compressed ticks [word_start, word_start + 255].
        const std::int32_t word_start = floor_div(compressed, 256) * 256 * tick_spacing_;
        if (cursor > 0 && ticks_[cursor - 1].index >= word_start) {
            return {ticks_[cursor - 1].index, true, cursor - 1};
        }
        return {word_start, false, 0};
    }
    const std::int32_t word_end = (floor_div(compressed + 1, 256) * 256 + 255) * tick_spacing_;
    if (cursor < ticks_.size() && ticks_[cursor].index <= word_end) {
        return {ticks_[cursor].index, true, cursor};
    }
    return {word_end, false, 0};
}

uniswap_v3_pool::next_tick
uniswap_v3_pool::next_initialized_tick_within_one_word(std::int32_t tick, bool lte) const noexcept {
    const auto it = std::lower_bound(ticks_.begin(), ticks_.end(),
                                     cursor_key(tick, tick_spacing_, lte), tick_less);
    const auto step = next_tick_at(static_cast<std::size_t>(it - ticks_.begin()), tick, lte);
    return {step.index, step.initialized};
}

v3_swap_result uniswap_v3_pool::quote(const v3_swap_request& request) const noexcept {
    return run(request);
}

v3_swap_result uniswap_v3_pool::swap(const v3_swap_request& request) noexcept {
    v3_swap_result r = run(request);
    if (r.ok()) {
        sqrt_price_x96_ = to_fixed(r.sqrt_price_x96_after);
        tick_ = r.tick_after;
        liquidity_ = r.liquidity_after;
    }
    return r;
}

v3_swap_result uniswap_v3_pool::run(const v3_swap_request& request) const noexcept {
    v3_swap_result r;
    const bool zero_for_one = request.zero_for_one;
    const bool exact_input = request.exact_input;
    const fixed_u256 amount = to_fixed(request.amount);
    if (amount.is_zero()) {
        r.error = pool_error::zero_amount;
        return r;
    }
    // amountSpecified is an int256: exact output is its negation.
    if (amount > (exact_input ? fixed_i256_max : fixed_i256_max + fixed_u256{1})) {
        r.error = pool_error::amount_too_large;
        return r;
    }
    fixed_u256 limit = to_fixed(request.sqrt_price_limit_x96);
    if (limit.is_zero()) {
        limit = zero_for_one ? v3::fixed::min_sqrt_ratio + fixed_u256{1}
                             : v3::fixed::max_sqrt_ratio - fixed_u256{1};
    }
    if (zero_for_one ? !(limit < sqrt_price_x96_ && limit > v3::fixed::min_sqrt_ratio)
                     : !(limit > sqrt_price_x96_ && limit < v3::fixed::max_sqrt_ratio)) {
        r.error = pool_error::price_limit;
        return r;
    }

    fixed_u256 remaining = amount; // |amountSpecifiedRemaining|
    fixed_u256 calculated;         // |amountCalculated|
    fixed_u256 fees;
    fixed_u256 sqrt_price = sqrt_price_x96_;
    std::int32_t tick = tick_;
    uint128 liquidity = liquidity_;
    // The price moves one way, so the cursor only moves past the ticks the swap crosses.
    std::size_t cursor = static_cast<std::size_t>(
        std::lower_bound(ticks_.begin(), ticks_.end(),
                         cursor_key(tick, tick_spacing_, zero_for_one), tick_less) -
        ticks_.begin());

    while (!remaining.is_zero() && sqrt_price != limit) {
        const fixed_u256 sqrt_start = sqrt_price;
        cursor = seek_cursor(cursor, tick, zero_for_one);
        auto next = next_tick_at(cursor, tick, zero_for_one);
        next.index = std::clamp(next.index, v3::min_tick, v3::max_tick);
        const fixed_u256 sqrt_next = next.initialized
                                         ? tick_sqrt_ratios_[next.slot]
                                         : v3::fixed::sqrt_ratio_at_tick(next.index).value;
        const bool past_limit = zero_for_one ? sqrt_next < limit : sqrt_next > limit;
        // A step across a whole range, from one initialized tick to the next, at the range's
        // liquidity: its amounts are known.
        const v3::fixed::full_step* known = nullptr;
        if (next.initialized && !past_limit) {
            const std::size_t k = zero_for_one ? next.slot : next.slot - 1; // the range crossed
            const std::size_t from = zero_for_one ? next.slot + 1 : next.slot - 1;
            if ((zero_for_one ? from < ticks_.size() : next.slot > 0) && ranges_[k].valid &&
                ranges_[k].liquidity == liquidity && tick_sqrt_ratios_[from] == sqrt_price) {
                known = zero_for_one ? &ranges_[k].down : &ranges_[k].up;
            }
        }
        const auto step =
            v3::fixed::compute_swap_step(sqrt_price, past_limit ? limit : sqrt_next, liquidity,
                                         remaining, exact_input, fee_, known);
        ++r.steps;
        if (!step) {
            r.error = pool_error::math_overflow;
            return r;
        }
        sqrt_price = step->sqrt_price_next_x96;
        // amountSpecifiedRemaining -= (amountIn + feeAmount).toInt256() (exact input), or
        // += amountOut (exact output); amountCalculated moves by the other side.
        const fixed_u256 paid = step->amount_in + step->fee_amount;
        remaining = remaining - (exact_input ? paid : step->amount_out);
        const fixed_u256& got = exact_input ? step->amount_out : paid;
        if (got > fixed_i256_max) {
            r.error = pool_error::math_overflow;
            return r;
        }
        calculated = calculated + got;
        if (calculated > fixed_i256_max) { // int256 overflow of amountCalculated (LowGasSafeMath)
            r.error = pool_error::math_overflow;
            return r;
        }
        fees = fees + step->fee_amount;
        if (sqrt_price == sqrt_next) {
            if (next.initialized) {
                // Crossing downwards reads liquidityNet with the opposite sign.
                const int128 net_up = ticks_[next.slot].liquidity_net;
                const auto l = v3::add_delta(liquidity, zero_for_one ? -net_up : net_up);
                if (!l.ok()) {
                    r.error = l.error;
                    return r;
                }
                liquidity = l.value;
                ++r.ticks_crossed;
            }
            tick = zero_for_one ? next.index - 1 : next.index;
        } else if (sqrt_price != sqrt_start) {
            // Not on a lower boundary already transitioned: recompute the tick from the price.
            tick = v3::fixed::tick_at_sqrt_ratio(sqrt_price).value;
        }
    }

    const fixed_u256 specified_used = amount - remaining;
    r.amount_in = to_u256(exact_input ? specified_used : calculated);
    r.amount_out = to_u256(exact_input ? calculated : specified_used);
    r.fee_amount = to_u256(fees);
    r.sqrt_price_x96_after = to_u256(sqrt_price);
    r.tick_after = tick;
    r.liquidity_after = liquidity;
    r.partial = !remaining.is_zero();
    return r;
}

pool_error uniswap_v3_pool::apply_swap_event(const u256& sqrt_price_x96, uint128 liquidity,
                                             std::int32_t tick) noexcept {
    if (sqrt_price_x96 < v3::min_sqrt_ratio || sqrt_price_x96 >= v3::max_sqrt_ratio) {
        return pool_error::price_out_of_range;
    }
    if (tick < v3::min_tick || tick >= v3::max_tick) {
        return pool_error::tick_out_of_range;
    }
    const fixed_u256 price = to_fixed(sqrt_price_x96);
    if (!tick_matches_price(tick, price)) {
        return pool_error::bad_state; // a Swap log no pool could have emitted
    }
    sqrt_price_x96_ = price;
    liquidity_ = liquidity;
    tick_ = tick;
    return pool_error::ok;
}

pool_error uniswap_v3_pool::update_tick(std::int32_t index, int128 delta, bool upper) {
    auto it = std::lower_bound(ticks_.begin(), ticks_.end(), index, tick_less);
    if (it == ticks_.end() || it->index != index) {
        if (delta <= 0) {
            return pool_error::liquidity_underflow; // burning from an uninitialized tick
        }
        const auto slot = it - ticks_.begin();
        tick_sqrt_ratios_.insert(tick_sqrt_ratios_.begin() + slot,
                                 v3::fixed::sqrt_ratio_at_tick(index).value);
        ranges_.insert(ranges_.begin() + slot, v3_range{}); // computed by the caller
        it = ticks_.insert(it, v3_tick{index, 0, 0});
    }
    const auto gross = v3::add_delta(it->liquidity_gross, delta);
    if (!gross.ok()) {
        return gross.error;
    }
    // Upper ticks subtract: liquidityNet = upper ? net - delta : net + delta (int128 checked).
    const int128 net = it->liquidity_net;
    const int128 new_net = upper ? net - delta : net + delta;
    if ((!upper && delta > 0 && new_net < net) || (!upper && delta < 0 && new_net > net) ||
        (upper && delta > 0 && new_net > net) || (upper && delta < 0 && new_net < net)) {
        return pool_error::math_overflow;
    }
    if (gross.value == 0) {
        tick_sqrt_ratios_.erase(tick_sqrt_ratios_.begin() + (it - ticks_.begin()));
        ranges_.erase(ranges_.begin() + (it - ticks_.begin()));
        ticks_.erase(it); // flipped to uninitialized; the contract clears the tick
        return pool_error::ok;
    }
    it->liquidity_gross = gross.value;
    it->liquidity_net = new_net;
    return pool_error::ok;
}

pool_error uniswap_v3_pool::apply_position_delta(std::int32_t tick_lower, std::int32_t tick_upper,
                                                 int128 liquidity_delta) {
    if (tick_lower >= tick_upper || tick_lower < v3::min_tick || tick_upper > v3::max_tick ||
        tick_lower % tick_spacing_ != 0 || tick_upper % tick_spacing_ != 0) {
        return pool_error::bad_tick;
    }
    if (liquidity_delta == 0) {
        return pool_error::ok; // a poke: fees only
    }
    const bool in_range = tick_ >= tick_lower && tick_ < tick_upper;
    v3::math_result<uint128> active{liquidity_, pool_error::ok};
    if (in_range) {
        active = v3::add_delta(liquidity_, liquidity_delta);
        if (!active.ok()) {
            return active.error;
        }
    }
    // Validate both tick updates before changing anything, so a failure leaves the pool as is.
    const v3_tick* lower = find_tick(tick_lower);
    const v3_tick* upper = find_tick(tick_upper);
    if (liquidity_delta < 0) {
        const uint128 d = uint128(0) - static_cast<uint128>(liquidity_delta);
        if (lower == nullptr || upper == nullptr || lower->liquidity_gross < d ||
            upper->liquidity_gross < d) {
            return pool_error::liquidity_underflow;
        }
    }
    if (const auto e = update_tick(tick_lower, liquidity_delta, false); e != pool_error::ok) {
        refresh_ranges(); // the tick list may have changed before the failure
        return e;
    }
    if (const auto e = update_tick(tick_upper, liquidity_delta, true); e != pool_error::ok) {
        refresh_ranges(); // the lower tick changed
        return e;
    }
    liquidity_ = active.value;
    // The ranges from the one below the lower tick to the one above the upper tick changed
    // liquidity, were split by a new tick or merged by a cleared one; the sums past the upper
    // tick are as they were (the position adds its liquidity at one end, takes it at the other).
    const auto slot = [this](std::int32_t index) {
        return static_cast<std::size_t>(
            std::lower_bound(ticks_.begin(), ticks_.end(), index, tick_less) - ticks_.begin());
    };
    const std::size_t first = slot(tick_lower);
    refresh_ranges(first == 0 ? 0 : first - 1, slot(tick_upper) + 1);
    return pool_error::ok;
}

double uniswap_v3_pool::raw_price() const noexcept {
    const double s = to_double(to_u256(sqrt_price_x96_)) / 79228162514264337593543950336.0;
    return s * s;
}

} // namespace ballast
