#include "book/pool_view.hpp"

#include <algorithm>
#include <cmath>

namespace ballast {

namespace {

double pow10(int e) noexcept {
    return std::pow(10.0, e);
}

// sqrt(raw token1/token0 price) as Q64.96, clamped inside the v3 swap limits.
u256 sqrt_limit_from_raw_price(double raw) noexcept {
    namespace v3 = uniswap_v3;
    const double s = std::sqrt(std::max(raw, 0.0)) * 79228162514264337593543950336.0;
    if (!(s > to_double(v3::min_sqrt_ratio + 1))) {
        return v3::min_sqrt_ratio + 1;
    }
    if (!(s < to_double(v3::max_sqrt_ratio - 1))) {
        return v3::max_sqrt_ratio - 1;
    }
    return u256(s);
}

} // namespace

double amm_view::base_scale() const noexcept {
    return pow10(base_is_token0_ ? pool_->meta.decimals0 : pool_->meta.decimals1);
}
double amm_view::quote_scale() const noexcept {
    return pow10(base_is_token0_ ? pool_->meta.decimals1 : pool_->meta.decimals0);
}

double amm_view::to_price(double raw) const noexcept {
    const int d = static_cast<int>(pool_->meta.decimals0) - static_cast<int>(pool_->meta.decimals1);
    if (base_is_token0_) {
        return raw * pow10(d);
    }
    return raw > 0.0 ? pow10(-d) / raw : 0.0;
}

double amm_view::mid_price() const noexcept {
    return to_price(pool_->kind == pool_kind::uniswap_v2 ? pool_->v2.raw_price()
                                                         : pool_->v3.raw_price());
}

amm_fill amm_view::fill(bool buy_base, const u256& base_raw,
                        const u256& sqrt_limit) const noexcept {
    amm_fill f;
    // Buying base takes it out of the pool; selling puts it in.
    const bool zero_for_one = buy_base ? !base_is_token0_ : base_is_token0_;
    const bool exact_input = !buy_base;
    if (pool_->kind == pool_kind::uniswap_v2) {
        const auto r = pool_->v2.quote({zero_for_one, exact_input, base_raw});
        f.error = r.error;
        f.amount_in = r.amount_in;
        f.amount_out = r.amount_out;
        if (r.ok()) {
            const double r0 = to_double(r.reserve0_after);
            f.price_after = r0 > 0.0 ? to_price(to_double(r.reserve1_after) / r0) : 0.0;
        }
    } else {
        const auto r = pool_->v3.quote({zero_for_one, exact_input, base_raw, sqrt_limit});
        f.error = r.error;
        f.amount_in = r.amount_in;
        f.amount_out = r.amount_out;
        f.ticks_crossed = r.ticks_crossed;
        f.partial = r.partial;
        const double s = to_double(r.sqrt_price_x96_after) / 79228162514264337593543950336.0;
        f.price_after = to_price(s * s);
    }
    if (!f.ok()) {
        return f;
    }
    const u256& base_amount = buy_base ? f.amount_out : f.amount_in;
    const u256& quote_amount = buy_base ? f.amount_in : f.amount_out;
    f.base = to_double(base_amount) / base_scale();
    f.quote = to_double(quote_amount) / quote_scale();
    f.gas_quote = gas_.cost_quote(f.ticks_crossed);
    f.all_in_quote = buy_base ? f.quote + f.gas_quote : f.quote - f.gas_quote;
    f.avg_price = f.base > 0.0 ? f.all_in_quote / f.base : 0.0;
    return f;
}

amm_fill amm_view::buy(const u256& base_raw) const noexcept {
    return fill(true, base_raw, 0);
}
amm_fill amm_view::sell(const u256& base_raw) const noexcept {
    return fill(false, base_raw, 0);
}

double amm_view::marginal_price_after(side taken, const u256& base_raw) const noexcept {
    const auto f = taken == side::ask ? buy(base_raw) : sell(base_raw);
    return f.ok() ? f.price_after : 0.0;
}

std::size_t amm_view::depth_ladder(side taken, double step_bps,
                                   std::span<amm_level> out) const noexcept {
    const double mid = mid_price();
    if (!(mid > 0.0) || !(step_bps > 0.0)) {
        return 0;
    }
    const bool buy_base = taken == side::ask;
    const int d = static_cast<int>(pool_->meta.decimals0) - static_cast<int>(pool_->meta.decimals1);
    double prev_base = 0.0;
    double prev_quote = 0.0;
    std::size_t n = 0;
    // Levels with no liquidity are skipped, so bound the walk for pools with none at all.
    const std::size_t max_steps = out.size() * 16 + 64;
    for (std::size_t k = 1; n < out.size() && k <= max_steps; ++k) {
        const double move = static_cast<double>(k) * step_bps * 1e-4;
        const double target = buy_base ? mid * (1.0 + move) : mid * (1.0 - move);
        if (!(target > 0.0)) {
            break;
        }
        // Target human price -> raw token1 per token0.
        const double raw = base_is_token0_ ? target * pow10(-d) : pow10(-d) / target;
        amm_fill f;
        if (pool_->kind == pool_kind::uniswap_v3) {
            f = fill(buy_base, i256_max, sqrt_limit_from_raw_price(raw));
        } else {
            // Constant product: the base reserve at a price is sqrt(k / price) (fee ignored to
            // place the level; the amounts themselves are the pair's exact quote).
            const double r0 = to_double(pool_->v2.reserve0());
            const double r1 = to_double(pool_->v2.reserve1());
            const double x0 = std::sqrt(r0 * r1 / raw); // token0 reserve at the target
            const double base_reserve = base_is_token0_ ? r0 : r1;
            const double base_target = base_is_token0_ ? x0 : r0 * r1 / x0;
            const double delta = buy_base
                                     ? base_reserve - base_target
                                     : (base_target - base_reserve) *
                                           (1e6 / (1e6 - static_cast<double>(pool_->v2.fee())));
            if (!(delta >= 1.0) || delta >= 1e76) {
                break;
            }
            f = fill(buy_base, u256(delta), 0);
        }
        if (!f.ok()) {
            break;
        }
        const double base = f.base - prev_base;
        const double quote = f.quote - prev_quote;
        if (base > 0.0) {
            out[n++] = amm_level{target, quote / base, base};
            prev_base = f.base;
            prev_quote = f.quote;
        }
        if (f.partial && f.price_after != 0.0 &&
            (buy_base ? f.price_after < target * 0.999999 : f.price_after > target * 1.000001)) {
            break; // the pool has no liquidity beyond this price
        }
    }
    return n;
}

} // namespace ballast
