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
bool tick_matches_price(std::int32_t tick, const u256& sqrt_price_x96) noexcept {
    return v3::sqrt_ratio_at_tick(tick).value <= sqrt_price_x96 &&
           v3::sqrt_ratio_at_tick(tick + 1).value >= sqrt_price_x96;
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
    if (!tick_matches_price(tick, sqrt_price_x96)) {
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
    sqrt_price_x96_ = sqrt_price_x96;
    liquidity_ = liquidity;
    tick_ = tick;
    ticks_.clear();
    ticks_.reserve(ticks.size() + extra_tick_capacity);
    ticks_.assign(ticks.begin(), ticks.end());
    for (auto& t : ticks_) {
        if (t.liquidity_gross == 0) {
            // A snapshot without gross liquidity: |net| is its lower bound.
            t.liquidity_gross = t.liquidity_net < 0
                                    ? uint128(0) - static_cast<uint128>(t.liquidity_net)
                                    : static_cast<uint128>(t.liquidity_net);
        }
    }
    return pool_error::ok;
}

const v3_tick* uniswap_v3_pool::find_tick(std::int32_t index) const noexcept {
    const auto it = std::lower_bound(ticks_.begin(), ticks_.end(), index, tick_less);
    return it != ticks_.end() && it->index == index ? &*it : nullptr;
}

uniswap_v3_pool::next_tick
uniswap_v3_pool::next_initialized_tick_within_one_word(std::int32_t tick, bool lte) const noexcept {
    const std::int32_t compressed = floor_div(tick, tick_spacing_);
    if (lte) {
        // The word holds compressed ticks [word_start, word_start + 255].
        const std::int32_t word_start = floor_div(compressed, 256) * 256;
        const auto it =
            std::upper_bound(ticks_.begin(), ticks_.end(), compressed * tick_spacing_,
                             [](std::int32_t v, const v3_tick& t) { return v < t.index; });
        if (it != ticks_.begin() && std::prev(it)->index >= word_start * tick_spacing_) {
            return {std::prev(it)->index, true};
        }
        return {word_start * tick_spacing_, false};
    }
    const std::int32_t start = compressed + 1;
    const std::int32_t word_end = floor_div(start, 256) * 256 + 255;
    const auto it =
        std::lower_bound(ticks_.begin(), ticks_.end(), start * tick_spacing_, tick_less);
    if (it != ticks_.end() && it->index <= word_end * tick_spacing_) {
        return {it->index, true};
    }
    return {word_end * tick_spacing_, false};
}

v3_swap_result uniswap_v3_pool::quote(const v3_swap_request& request) const noexcept {
    return run(request);
}

v3_swap_result uniswap_v3_pool::swap(const v3_swap_request& request) noexcept {
    v3_swap_result r = run(request);
    if (r.ok()) {
        sqrt_price_x96_ = r.sqrt_price_x96_after;
        tick_ = r.tick_after;
        liquidity_ = r.liquidity_after;
    }
    return r;
}

v3_swap_result uniswap_v3_pool::run(const v3_swap_request& request) const noexcept {
    v3_swap_result r;
    const bool zero_for_one = request.zero_for_one;
    const bool exact_input = request.exact_input;
    if (request.amount == 0) {
        r.error = pool_error::zero_amount;
        return r;
    }
    // amountSpecified is an int256: exact output is its negation.
    if (request.amount > (exact_input ? i256_max : i256_max + 1)) {
        r.error = pool_error::amount_too_large;
        return r;
    }
    u256 limit = request.sqrt_price_limit_x96;
    if (limit == 0) {
        limit = zero_for_one ? v3::min_sqrt_ratio + 1 : v3::max_sqrt_ratio - 1;
    }
    if (zero_for_one ? !(limit < sqrt_price_x96_ && limit > v3::min_sqrt_ratio)
                     : !(limit > sqrt_price_x96_ && limit < v3::max_sqrt_ratio)) {
        r.error = pool_error::price_limit;
        return r;
    }

    u256 remaining = request.amount; // |amountSpecifiedRemaining|
    u256 calculated = 0;             // |amountCalculated|
    u256 fees = 0;
    u256 sqrt_price = sqrt_price_x96_;
    std::int32_t tick = tick_;
    uint128 liquidity = liquidity_;

    while (remaining != 0 && sqrt_price != limit) {
        const u256 sqrt_start = sqrt_price;
        auto next = next_initialized_tick_within_one_word(tick, zero_for_one);
        next.index = std::clamp(next.index, v3::min_tick, v3::max_tick);
        const u256 sqrt_next = v3::sqrt_ratio_at_tick(next.index).value;
        const bool past_limit = zero_for_one ? sqrt_next < limit : sqrt_next > limit;
        const auto step = v3::compute_swap_step(sqrt_price, past_limit ? limit : sqrt_next,
                                                liquidity, remaining, exact_input, fee_);
        ++r.steps;
        if (!step) {
            r.error = pool_error::math_overflow;
            return r;
        }
        sqrt_price = step->sqrt_price_next_x96;
        if (exact_input) {
            // amountSpecifiedRemaining -= (amountIn + feeAmount).toInt256();
            remaining -= step->amount_in + step->fee_amount;
            if (step->amount_out > i256_max) {
                r.error = pool_error::math_overflow;
                return r;
            }
            calculated += step->amount_out;
        } else {
            remaining -= step->amount_out;
            const u256 paid = step->amount_in + step->fee_amount;
            if (paid > i256_max) {
                r.error = pool_error::math_overflow;
                return r;
            }
            calculated += paid;
        }
        if (calculated > i256_max) { // int256 overflow of amountCalculated (LowGasSafeMath)
            r.error = pool_error::math_overflow;
            return r;
        }
        fees += step->fee_amount;
        if (sqrt_price == sqrt_next) {
            if (next.initialized) {
                const v3_tick* t = find_tick(next.index);
                // Crossing downwards reads liquidityNet with the opposite sign.
                const int128 net = zero_for_one ? -t->liquidity_net : t->liquidity_net;
                const auto l = v3::add_delta(liquidity, net);
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
            tick = v3::tick_at_sqrt_ratio(sqrt_price).value;
        }
    }

    const u256 specified_used = request.amount - remaining;
    r.amount_in = exact_input ? specified_used : calculated;
    r.amount_out = exact_input ? calculated : specified_used;
    r.fee_amount = fees;
    r.sqrt_price_x96_after = sqrt_price;
    r.tick_after = tick;
    r.liquidity_after = liquidity;
    r.partial = remaining != 0;
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
    if (!tick_matches_price(tick, sqrt_price_x96)) {
        return pool_error::bad_state; // a Swap log no pool could have emitted
    }
    sqrt_price_x96_ = sqrt_price_x96;
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
        return e;
    }
    if (const auto e = update_tick(tick_upper, liquidity_delta, true); e != pool_error::ok) {
        return e;
    }
    liquidity_ = active.value;
    return pool_error::ok;
}

double uniswap_v3_pool::raw_price() const noexcept {
    const double s = to_double(sqrt_price_x96_) / 79228162514264337593543950336.0;
    return s * s;
}

} // namespace ballast
