#include "book/uniswap_v3_math.hpp"

#include <array>

namespace ballast::uniswap_v3 {

namespace {

using boost::multiprecision::int256_t;

// TickMath: ratio multipliers 1/sqrt(1.0001)^(2^i) as Q128.128, i = 1..19 (bit 0 is the start).
const std::array<u256, 19>& tick_multipliers() {
    static const std::array<u256, 19> m = {
        u256("0xfff97272373d413259a46990580e213a"), u256("0xfff2e50f5f656932ef12357cf3c7fdcc"),
        u256("0xffe5caca7e10e4e61c3624eaa0941cd0"), u256("0xffcb9843d60f6159c9db58835c926644"),
        u256("0xff973b41fa98c081472e6896dfb254c0"), u256("0xff2ea16466c96a3843ec78b326b52861"),
        u256("0xfe5dee046a99a2a811c461f1969c3053"), u256("0xfcbe86c7900a88aedcffc83b479aa3a4"),
        u256("0xf987a7253ac413176f2b074cf7815e54"), u256("0xf3392b0822b70005940c7a398e4b70f3"),
        u256("0xe7159475a2c29b7443b29c7fa6e889d9"), u256("0xd097f3bdfd2022b8845ad8f792aa5825"),
        u256("0xa9f746462d870fdf8a65dc1f90e061e5"), u256("0x70d869a156d2a1b890bb3df62baf32f7"),
        u256("0x31be135f97d08fd981231505542fcfa6"), u256("0x9aa508b5b7a84e1c677de54f3e99bc9"),
        u256("0x5d6af8dedb81196699c329225ee604"),   u256("0x2216e584f5fa1ea926041bedfe98"),
        u256("0x48a170391f7dc42444e8fa2"),
    };
    return m;
}

// The full 256-bit product of two 128-bit words as (high, low) halves.
struct u128_pair {
    uint128 hi;
    uint128 lo;
};
u128_pair mul_128x128(uint128 a, uint128 b) noexcept {
    const uint128 mask = ~static_cast<std::uint64_t>(0);
    const uint128 a_lo = a & mask;
    const uint128 a_hi = a >> 64;
    const uint128 b_lo = b & mask;
    const uint128 b_hi = b >> 64;
    const uint128 ll = a_lo * b_lo;
    const uint128 lh = a_lo * b_hi;
    const uint128 hl = a_hi * b_lo;
    const uint128 hh = a_hi * b_hi;
    const uint128 mid = (ll >> 64) + (lh & mask) + (hl & mask);
    return {hh + (lh >> 64) + (hl >> 64) + (mid >> 64), (mid << 64) | (ll & mask)};
}

// floor(x / 2^128) for a signed value, as Solidity's arithmetic shift `x >> 128` on int256.
std::int32_t floor_shr128(const int256_t& x) noexcept {
    if (x >= 0) {
        return static_cast<std::int32_t>(static_cast<std::int64_t>(x >> 128));
    }
    const int256_t mag = -x;
    const int256_t q = (mag + ((int256_t(1) << 128) - 1)) >> 128;
    return static_cast<std::int32_t>(-static_cast<std::int64_t>(q));
}

} // namespace

math_result<u256> sqrt_ratio_at_tick(std::int32_t tick) noexcept {
    const std::uint32_t abs_tick =
        tick < 0 ? static_cast<std::uint32_t>(-static_cast<std::int64_t>(tick))
                 : static_cast<std::uint32_t>(tick);
    if (abs_tick > static_cast<std::uint32_t>(max_tick)) {
        return {0, pool_error::tick_out_of_range};
    }
    // ratio is a Q128.128 below 2^128 after the first factor; (ratio * m) >> 128 is then the
    // high half of a 128x128 product. A ratio of exactly 2^128 (even ticks, before any factor)
    // times m, shifted, is m itself.
    static const auto multipliers = [] {
        std::array<uint128, 19> m{};
        for (std::size_t i = 0; i < m.size(); ++i) {
            m[i] = to_u128(tick_multipliers()[i]);
        }
        return m;
    }();
    static const uint128 odd_start = to_u128(u256("0xfffcb933bd6fad37aa2d162d1a594001"));
    bool is_one = (abs_tick & 1U) == 0; // ratio == 2^128
    uint128 r = is_one ? 0 : odd_start;
    for (std::size_t i = 0; i < multipliers.size(); ++i) {
        if ((abs_tick & (2U << i)) != 0) {
            r = is_one ? multipliers[i] : mul_128x128(r, multipliers[i]).hi;
            is_one = false;
        }
    }
    u256 ratio = is_one ? u256(1) << 128 : to_u256(r);
    if (tick > 0) {
        ratio = div_floor(u256_max, ratio);
    }
    // Q128.128 -> Q64.96 rounding up, so getTickAtSqrtRatio of the result is consistent.
    const bool has_remainder = (ratio & 0xffffffffU) != 0;
    u256 sqrt_price = (ratio >> 32) + (has_remainder ? 1U : 0U);
    return {sqrt_price, pool_error::ok};
}

math_result<std::int32_t> tick_at_sqrt_ratio(const u256& sqrt_price_x96) noexcept {
    if (sqrt_price_x96 < min_sqrt_ratio || sqrt_price_x96 >= max_sqrt_ratio) {
        return {0, pool_error::price_out_of_range};
    }
    const u256 ratio = sqrt_price_x96 << 32;
    const auto msb = static_cast<std::int64_t>(boost::multiprecision::msb(ratio));
    // r is normalised into [2^127, 2^128): a uint128.
    uint128 r = to_u128(msb >= 128 ? ratio >> static_cast<unsigned>(msb - 127)
                                   : ratio << static_cast<unsigned>(127 - msb));
    // log_2 = (msb - 128) * 2^64 + fractional bits 63..50 (the contract ORs them into a value
    // whose low 64 bits are zero, which is an addition).
    std::uint64_t frac = 0;
    for (int bit = 63; bit >= 50; --bit) {
        // r := (r * r) >> 127 (< 2^129); f := r >> 128; r >>= f.
        const auto sq = mul_128x128(r, r);
        const bool f = (sq.hi >> 127) != 0;
        frac |= static_cast<std::uint64_t>(f) << bit;
        r = f ? sq.hi : (sq.hi << 1) | (sq.lo >> 127);
    }
    const int256_t log_2 = (int256_t(msb - 128) << 64) + frac;
    static const int256_t log_sqrt10001_factor("255738958999603826347141");
    const int256_t log_sqrt10001 = log_2 * log_sqrt10001_factor;
    static const int256_t low_offset("3402992956809132418596140100660247210");
    static const int256_t high_offset("291339464771989622907027621153398088495");
    const std::int32_t tick_low = floor_shr128(log_sqrt10001 - low_offset);
    const std::int32_t tick_high = floor_shr128(log_sqrt10001 + high_offset);
    if (tick_low == tick_high) {
        return {tick_low, pool_error::ok};
    }
    return {sqrt_ratio_at_tick(tick_high).value <= sqrt_price_x96 ? tick_high : tick_low,
            pool_error::ok};
}

std::optional<u256> next_sqrt_price_from_amount0_rounding_up(const u256& sqrt_p, uint128 liquidity,
                                                             const u256& amount,
                                                             bool add) noexcept {
    if (amount == 0) {
        return sqrt_p;
    }
    const u256 numerator1 = to_u256(liquidity) << 96;
    const u256 product = amount * sqrt_p; // wraps like the contract's unchecked multiply
    const bool product_exact = div_floor(product, amount) == sqrt_p;
    if (add) {
        if (product_exact) {
            const u256 denominator = numerator1 + product;
            if (denominator >= numerator1) {
                auto r = mul_div_rounding_up(numerator1, sqrt_p, denominator);
                if (!r || *r > u160_max) {
                    return std::nullopt;
                }
                return r;
            }
        }
        const u256 base = div_floor(numerator1, sqrt_p);
        const u256 sum = base + amount;
        if (sum < base) { // LowGasSafeMath.add
            return std::nullopt;
        }
        const u256 r = div_rounding_up(numerator1, sum);
        return r; // uint160 cast: provably fits (numerator1 / sum <= sqrt_p)
    }
    if (!product_exact || numerator1 <= product) {
        return std::nullopt;
    }
    auto r = mul_div_rounding_up(numerator1, sqrt_p, numerator1 - product);
    if (!r || *r > u160_max) { // SafeCast.toUint160
        return std::nullopt;
    }
    return r;
}

std::optional<u256> next_sqrt_price_from_amount1_rounding_down(const u256& sqrt_p,
                                                               uint128 liquidity,
                                                               const u256& amount,
                                                               bool add) noexcept {
    const u256 liq = to_u256(liquidity);
    if (add) {
        u256 quotient;
        if (amount <= u160_max) {
            quotient = div_floor(amount << 96, liq);
        } else {
            auto q = mul_div(amount, q96, liq);
            if (!q) {
                return std::nullopt;
            }
            quotient = *q;
        }
        const u256 sum = sqrt_p + quotient;
        if (sum < sqrt_p || sum > u160_max) { // LowGasSafeMath.add, SafeCast.toUint160
            return std::nullopt;
        }
        return sum;
    }
    u256 quotient;
    if (amount <= u160_max) {
        quotient = div_rounding_up(amount << 96, liq);
    } else {
        auto q = mul_div_rounding_up(amount, q96, liq);
        if (!q) {
            return std::nullopt;
        }
        quotient = *q;
    }
    if (sqrt_p <= quotient) {
        return std::nullopt;
    }
    return sqrt_p - quotient;
}

std::optional<u256> next_sqrt_price_from_input(const u256& sqrt_p, uint128 liquidity,
                                               const u256& amount_in, bool zero_for_one) noexcept {
    if (sqrt_p == 0 || liquidity == 0) {
        return std::nullopt;
    }
    return zero_for_one
               ? next_sqrt_price_from_amount0_rounding_up(sqrt_p, liquidity, amount_in, true)
               : next_sqrt_price_from_amount1_rounding_down(sqrt_p, liquidity, amount_in, true);
}

std::optional<u256> next_sqrt_price_from_output(const u256& sqrt_p, uint128 liquidity,
                                                const u256& amount_out,
                                                bool zero_for_one) noexcept {
    if (sqrt_p == 0 || liquidity == 0) {
        return std::nullopt;
    }
    return zero_for_one
               ? next_sqrt_price_from_amount1_rounding_down(sqrt_p, liquidity, amount_out, false)
               : next_sqrt_price_from_amount0_rounding_up(sqrt_p, liquidity, amount_out, false);
}

std::optional<u256> amount0_delta(u256 sqrt_a, u256 sqrt_b, uint128 liquidity,
                                  bool round_up) noexcept {
    if (sqrt_a > sqrt_b) {
        std::swap(sqrt_a, sqrt_b);
    }
    if (sqrt_a == 0) {
        return std::nullopt;
    }
    const u256 numerator1 = to_u256(liquidity) << 96;
    const u256 numerator2 = sqrt_b - sqrt_a;
    if (round_up) {
        auto r = mul_div_rounding_up(numerator1, numerator2, sqrt_b);
        if (!r) {
            return std::nullopt;
        }
        return div_rounding_up(*r, sqrt_a);
    }
    auto r = mul_div(numerator1, numerator2, sqrt_b);
    if (!r) {
        return std::nullopt;
    }
    return div_floor(*r, sqrt_a);
}

std::optional<u256> amount1_delta(u256 sqrt_a, u256 sqrt_b, uint128 liquidity,
                                  bool round_up) noexcept {
    if (sqrt_a > sqrt_b) {
        std::swap(sqrt_a, sqrt_b);
    }
    const u256 liq = to_u256(liquidity);
    return round_up ? mul_div_rounding_up(liq, sqrt_b - sqrt_a, q96)
                    : mul_div(liq, sqrt_b - sqrt_a, q96);
}

std::optional<swap_step> compute_swap_step(const u256& sqrt_current, const u256& sqrt_target,
                                           uint128 liquidity, const u256& amount_remaining,
                                           bool exact_input, std::uint32_t fee_pips) noexcept {
    const bool zero_for_one = sqrt_current >= sqrt_target;
    swap_step s;
    if (exact_input) {
        const auto less_fee =
            mul_div(amount_remaining, fee_denominator - fee_pips, fee_denominator);
        if (!less_fee) {
            return std::nullopt;
        }
        const auto in = zero_for_one ? amount0_delta(sqrt_target, sqrt_current, liquidity, true)
                                     : amount1_delta(sqrt_current, sqrt_target, liquidity, true);
        if (!in) {
            return std::nullopt;
        }
        s.amount_in = *in;
        if (*less_fee >= s.amount_in) {
            s.sqrt_price_next_x96 = sqrt_target;
        } else {
            const auto next =
                next_sqrt_price_from_input(sqrt_current, liquidity, *less_fee, zero_for_one);
            if (!next) {
                return std::nullopt;
            }
            s.sqrt_price_next_x96 = *next;
        }
    } else {
        const auto out = zero_for_one ? amount1_delta(sqrt_target, sqrt_current, liquidity, false)
                                      : amount0_delta(sqrt_current, sqrt_target, liquidity, false);
        if (!out) {
            return std::nullopt;
        }
        s.amount_out = *out;
        if (amount_remaining >= s.amount_out) {
            s.sqrt_price_next_x96 = sqrt_target;
        } else {
            const auto next = next_sqrt_price_from_output(sqrt_current, liquidity, amount_remaining,
                                                          zero_for_one);
            if (!next) {
                return std::nullopt;
            }
            s.sqrt_price_next_x96 = *next;
        }
    }
    const bool max = sqrt_target == s.sqrt_price_next_x96;
    const u256& next = s.sqrt_price_next_x96;
    if (!(max && exact_input)) {
        const auto in = zero_for_one ? amount0_delta(next, sqrt_current, liquidity, true)
                                     : amount1_delta(sqrt_current, next, liquidity, true);
        if (!in) {
            return std::nullopt;
        }
        s.amount_in = *in;
    }
    if (!(max && !exact_input)) {
        const auto out = zero_for_one ? amount1_delta(next, sqrt_current, liquidity, false)
                                      : amount0_delta(sqrt_current, next, liquidity, false);
        if (!out) {
            return std::nullopt;
        }
        s.amount_out = *out;
    }
    // Cap the output amount to not exceed the remaining output amount.
    if (!exact_input && s.amount_out > amount_remaining) {
        s.amount_out = amount_remaining;
    }
    if (exact_input && next != sqrt_target) {
        // Whatever is left of the input after the price move is the fee.
        s.fee_amount = amount_remaining - s.amount_in;
    } else {
        const auto fee = mul_div_rounding_up(s.amount_in, fee_pips, fee_denominator - fee_pips);
        if (!fee) {
            return std::nullopt;
        }
        s.fee_amount = *fee;
    }
    return s;
}

math_result<uint128> add_delta(uint128 x, int128 y) noexcept {
    if (y < 0) {
        const uint128 d = uint128(0) - static_cast<uint128>(y);
        if (d > x) {
            return {0, pool_error::liquidity_underflow};
        }
        return {x - d, pool_error::ok};
    }
    const uint128 z = x + static_cast<uint128>(y);
    if (z < x) {
        return {0, pool_error::liquidity_overflow};
    }
    return {z, pool_error::ok};
}

} // namespace ballast::uniswap_v3
