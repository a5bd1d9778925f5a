#include "book/uniswap_v2.hpp"

namespace ballast {

namespace {

const u256& u112_max() {
    static const u256 v = (u256(1) << 112) - 1;
    return v;
}

// SafeMath.mul / add: nullopt on 256-bit overflow ('ds-math-mul-overflow').
std::optional<u256> checked_mul(const u256& a, const u256& b) noexcept {
    const u512 p = u512(a) * b;
    if (p > u512(u256_max)) {
        return std::nullopt;
    }
    return static_cast<u256>(p);
}

std::optional<u256> checked_add(const u256& a, const u256& b) noexcept {
    const u256 s = a + b;
    if (s < a) {
        return std::nullopt;
    }
    return s;
}

} // namespace

pool_error uniswap_v2_pool::reset(std::uint32_t fee, const u256& reserve0,
                                  const u256& reserve1) noexcept {
    if (fee >= 1'000'000) {
        return pool_error::bad_fee;
    }
    if (reserve0 > u112_max() || reserve1 > u112_max()) {
        return pool_error::reserve_overflow;
    }
    fee_ = fee;
    reserve0_ = reserve0;
    reserve1_ = reserve1;
    return pool_error::ok;
}

pool_error uniswap_v2_pool::apply_sync(const u256& reserve0, const u256& reserve1) noexcept {
    return reset(fee_, reserve0, reserve1);
}

v2_amount uniswap_v2_pool::amount_out(const u256& amount_in, bool zero_for_one) const noexcept {
    if (amount_in == 0) {
        return {0, pool_error::insufficient_input};
    }
    const u256& reserve_in = zero_for_one ? reserve0_ : reserve1_;
    const u256& reserve_out = zero_for_one ? reserve1_ : reserve0_;
    if (reserve_in == 0 || reserve_out == 0) {
        return {0, pool_error::insufficient_liquidity};
    }
    const auto ratio = v2_fee_as_ratio(fee_);
    const auto with_fee = checked_mul(amount_in, ratio.keep);
    if (!with_fee) {
        return {0, pool_error::math_overflow};
    }
    const auto numerator = checked_mul(*with_fee, reserve_out);
    const auto scaled_in = checked_mul(reserve_in, ratio.scale);
    if (!numerator || !scaled_in) {
        return {0, pool_error::math_overflow};
    }
    const auto denominator = checked_add(*scaled_in, *with_fee);
    if (!denominator) {
        return {0, pool_error::math_overflow};
    }
    return {*numerator / *denominator, pool_error::ok};
}

v2_amount uniswap_v2_pool::amount_in(const u256& amount_out, bool zero_for_one) const noexcept {
    if (amount_out == 0) {
        return {0, pool_error::insufficient_output};
    }
    const u256& reserve_in = zero_for_one ? reserve0_ : reserve1_;
    const u256& reserve_out = zero_for_one ? reserve1_ : reserve0_;
    if (reserve_in == 0 || reserve_out == 0) {
        return {0, pool_error::insufficient_liquidity};
    }
    const auto ratio = v2_fee_as_ratio(fee_);
    const auto a = checked_mul(reserve_in, amount_out);
    const auto numerator = a ? checked_mul(*a, ratio.scale) : std::nullopt;
    if (!numerator) {
        return {0, pool_error::math_overflow};
    }
    // SafeMath.sub reverts for amountOut > reserveOut; equal divides by zero.
    if (amount_out >= reserve_out) {
        return {0, amount_out > reserve_out ? pool_error::math_overflow
                                            : pool_error::insufficient_liquidity};
    }
    const u256 denominator = (reserve_out - amount_out) * ratio.keep; // < 2^112 * 2^20
    return {*numerator / denominator + 1, pool_error::ok};
}

v2_swap_result uniswap_v2_pool::quote(const v2_swap_request& request) const noexcept {
    v2_swap_result r;
    const bool zfo = request.zero_for_one;
    const u256& reserve_in = zfo ? reserve0_ : reserve1_;
    const u256& reserve_out = zfo ? reserve1_ : reserve0_;
    if (request.exact_input) {
        const auto out = amount_out(request.amount, zfo);
        if (!out.ok()) {
            r.error = out.error;
            return r;
        }
        r.amount_in = request.amount;
        r.amount_out = out.value;
    } else {
        const auto in = amount_in(request.amount, zfo);
        if (!in.ok()) {
            r.error = in.error;
            return r;
        }
        r.amount_in = in.value;
        r.amount_out = request.amount;
    }
    // UniswapV2Pair.swap: 'INSUFFICIENT_OUTPUT_AMOUNT' for 0, 'INSUFFICIENT_LIQUIDITY' for
    // amountOut >= reserve, 'OVERFLOW' when the new balance exceeds uint112.
    if (r.amount_out == 0) {
        r.error = pool_error::insufficient_output;
        return r;
    }
    if (r.amount_out >= reserve_out) {
        r.error = pool_error::insufficient_liquidity;
        return r;
    }
    const u256 new_in = reserve_in + r.amount_in;
    if (new_in < reserve_in || new_in > u112_max()) {
        r.error = pool_error::reserve_overflow;
        return r;
    }
    const u256 new_out = reserve_out - r.amount_out;
    r.reserve0_after = zfo ? new_in : new_out;
    r.reserve1_after = zfo ? new_out : new_in;
    return r;
}

v2_swap_result uniswap_v2_pool::swap(const v2_swap_request& request) noexcept {
    v2_swap_result r = quote(request);
    if (r.ok()) {
        reserve0_ = r.reserve0_after;
        reserve1_ = r.reserve1_after;
    }
    return r;
}

double uniswap_v2_pool::raw_price() const noexcept {
    if (reserve0_ == 0) {
        return 0.0;
    }
    return to_double(reserve1_) / to_double(reserve0_);
}

} // namespace ballast
