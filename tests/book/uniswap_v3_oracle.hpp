#pragma once
// The Uniswap v3 swap in Boost.Multiprecision alone, written as literally as the v3-core
// Solidity: the test oracle for the fixed-limb hot path (book/fixed_u256.hpp) and the baseline
// of bench/dex_bench.cpp. FullMath divides with Boost's own 512-bit division, TickMath keeps
// its 256-bit ratio and int256 logarithm, and the tick walk searches the sorted tick list at
// every step, so nothing here shares code with the implementation it checks.
#include "book/uniswap_v3.hpp"

#include <boost/multiprecision/cpp_int.hpp>

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

namespace ballast::oracle {

using boost::multiprecision::int256_t;

inline std::optional<u256> full_mul_div(const u256& a, const u256& b, const u256& d, bool up) {
    if (d == 0) {
        return std::nullopt;
    }
    const u512 product = u512(a) * b;
    u512 q = product / d;
    if (up && product % d != 0) {
        ++q;
    }
    if (q > u512(u256_max)) {
        return std::nullopt;
    }
    return static_cast<u256>(q);
}
inline std::optional<u256> mul_div(const u256& a, const u256& b, const u256& d) {
    return full_mul_div(a, b, d, false);
}
inline std::optional<u256> mul_div_rounding_up(const u256& a, const u256& b, const u256& d) {
    return full_mul_div(a, b, d, true);
}
inline u256 div_rounding_up(const u256& x, const u256& d) {
    return d == 0 ? u256(0) : x / d + (x % d != 0 ? 1 : 0);
}

/// TickMath.getSqrtRatioAtTick, line by line; nullopt where it reverts 'T'.
inline std::optional<u256> sqrt_ratio_at_tick(std::int32_t tick) {
    const std::int64_t abs_tick = tick < 0 ? -static_cast<std::int64_t>(tick) : tick;
    if (abs_tick > uniswap_v3::max_tick) {
        return std::nullopt;
    }
    static const std::array<u256, 19> factors = {
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
    u256 ratio = (abs_tick & 1) != 0 ? u256("0xfffcb933bd6fad37aa2d162d1a594001") : u256(1) << 128;
    for (std::size_t i = 0; i < factors.size(); ++i) {
        if ((abs_tick & (std::int64_t{2} << i)) != 0) {
            ratio = (ratio * factors[i]) >> 128;
        }
    }
    if (tick > 0) {
        ratio = u256_max / ratio;
    }
    return (ratio >> 32) + (ratio % (u256(1) << 32) == 0 ? 0 : 1);
}

/// TickMath.getTickAtSqrtRatio, line by line (the caller keeps the price in range).
inline std::int32_t tick_at_sqrt_ratio(const u256& sqrt_price_x96) {
    const u256 ratio = sqrt_price_x96 << 32;
    const unsigned msb = boost::multiprecision::msb(ratio);
    u256 r = msb >= 128 ? ratio >> (msb - 127) : ratio << (127 - msb);
    int256_t log_2 = (int256_t(static_cast<int>(msb)) - 128) << 64;
    for (int shift = 63; shift >= 50; --shift) {
        r = (r * r) >> 127;
        const u256 f = r >> 128;
        log_2 |= int256_t(f) << shift;
        r >>= static_cast<unsigned>(f);
    }
    const int256_t log_sqrt10001 = log_2 * int256_t("255738958999603826347141");
    // Solidity's >> on int256 floors.
    auto floor_shr128 = [](const int256_t& x) {
        const int256_t scale = int256_t(1) << 128;
        int256_t q = x / scale;
        if (x < 0 && q * scale != x) {
            --q;
        }
        return static_cast<std::int32_t>(q);
    };
    const std::int32_t tick_low =
        floor_shr128(log_sqrt10001 - int256_t("3402992956809132418596140100660247210"));
    const std::int32_t tick_high =
        floor_shr128(log_sqrt10001 + int256_t("291339464771989622907027621153398088495"));
    if (tick_low == tick_high) {
        return tick_low;
    }
    return *sqrt_ratio_at_tick(tick_high) <= sqrt_price_x96 ? tick_high : tick_low;
}

/// SqrtPriceMath.getNextSqrtPriceFromAmount0RoundingUp.
inline std::optional<u256> next_from_amount0(const u256& sqrt_p, const u256& liquidity,
                                             const u256& amount, bool add) {
    if (amount == 0) {
        return sqrt_p;
    }
    const u256 numerator1 = liquidity << 96;
    const u512 wide = u512(amount) * sqrt_p;
    const bool fits = wide <= u512(u256_max);
    const u256 product = static_cast<u256>(wide & u512(u256_max));
    if (add) {
        if (fits && u512(numerator1) + product <= u512(u256_max)) {
            const auto r = mul_div_rounding_up(numerator1, sqrt_p, numerator1 + product);
            return r && *r <= u160_max ? r : std::nullopt;
        }
        const u512 sum = u512(numerator1 / sqrt_p) + amount;
        if (sum > u512(u256_max)) {
            return std::nullopt;
        }
        return div_rounding_up(numerator1, static_cast<u256>(sum));
    }
    if (!fits || numerator1 <= product) {
        return std::nullopt;
    }
    const auto r = mul_div_rounding_up(numerator1, sqrt_p, numerator1 - product);
    return r && *r <= u160_max ? r : std::nullopt;
}

/// SqrtPriceMath.getNextSqrtPriceFromAmount1RoundingDown.
inline std::optional<u256> next_from_amount1(const u256& sqrt_p, const u256& liquidity,
                                             const u256& amount, bool add) {
    const u256 q96 = u256(1) << 96;
    const auto quotient =
        add ? mul_div(amount, q96, liquidity) : mul_div_rounding_up(amount, q96, liquidity);
    if (!quotient) {
        return std::nullopt;
    }
    if (add) {
        const u512 sum = u512(sqrt_p) + *quotient;
        if (sum > u512(u160_max)) {
            return std::nullopt;
        }
        return static_cast<u256>(sum);
    }
    if (sqrt_p <= *quotient) {
        return std::nullopt;
    }
    return sqrt_p - *quotient;
}

inline std::optional<u256> next_from_input(const u256& sqrt_p, const u256& liquidity,
                                           const u256& amount_in, bool zero_for_one) {
    if (sqrt_p == 0 || liquidity == 0) {
        return std::nullopt;
    }
    return zero_for_one ? next_from_amount0(sqrt_p, liquidity, amount_in, true)
                        : next_from_amount1(sqrt_p, liquidity, amount_in, true);
}

inline std::optional<u256> next_from_output(const u256& sqrt_p, const u256& liquidity,
                                            const u256& amount_out, bool zero_for_one) {
    if (sqrt_p == 0 || liquidity == 0) {
        return std::nullopt;
    }
    return zero_for_one ? next_from_amount1(sqrt_p, liquidity, amount_out, false)
                        : next_from_amount0(sqrt_p, liquidity, amount_out, false);
}

/// SqrtPriceMath.getAmount0Delta and getAmount1Delta (unsigned forms).
inline std::optional<u256> delta0(u256 a, u256 b, const u256& liquidity, bool up) {
    if (a > b) {
        std::swap(a, b);
    }
    if (a == 0) {
        return std::nullopt;
    }
    const auto inner = full_mul_div(liquidity << 96, b - a, b, up);
    if (!inner) {
        return std::nullopt;
    }
    return up ? div_rounding_up(*inner, a) : *inner / a;
}
inline std::optional<u256> delta1(u256 a, u256 b, const u256& liquidity, bool up) {
    if (a > b) {
        std::swap(a, b);
    }
    return full_mul_div(liquidity, b - a, u256(1) << 96, up);
}

/// SwapMath.computeSwapStep.
inline std::optional<uniswap_v3::swap_step> swap_step(const u256& current, const u256& target,
                                                      const u256& liquidity, const u256& remaining,
                                                      bool exact_in, std::uint32_t fee) {
    const bool down = current >= target;
    const u256 pips = uniswap_v3::fee_denominator;
    uniswap_v3::swap_step s;
    auto in_to = [&](const u256& p, bool up) {
        return down ? delta0(p, current, liquidity, up) : delta1(current, p, liquidity, up);
    };
    auto out_to = [&](const u256& p) {
        return down ? delta1(p, current, liquidity, false) : delta0(current, p, liquidity, false);
    };
    if (exact_in) {
        const auto less_fee = mul_div(remaining, pips - fee, pips);
        const auto in = in_to(target, true);
        if (!less_fee || !in) {
            return std::nullopt;
        }
        s.amount_in = *in;
        const auto next = *less_fee >= *in ? std::optional<u256>(target)
                                           : next_from_input(current, liquidity, *less_fee, down);
        if (!next) {
            return std::nullopt;
        }
        s.sqrt_price_next_x96 = *next;
    } else {
        const auto out = out_to(target);
        if (!out) {
            return std::nullopt;
        }
        s.amount_out = *out;
        const auto next = remaining >= *out ? std::optional<u256>(target)
                                            : next_from_output(current, liquidity, remaining, down);
        if (!next) {
            return std::nullopt;
        }
        s.sqrt_price_next_x96 = *next;
    }
    const bool max = target == s.sqrt_price_next_x96;
    if (!(max && exact_in)) {
        const auto in = in_to(s.sqrt_price_next_x96, true);
        if (!in) {
            return std::nullopt;
        }
        s.amount_in = *in;
    }
    if (!(max && !exact_in)) {
        const auto out = out_to(s.sqrt_price_next_x96);
        if (!out) {
            return std::nullopt;
        }
        s.amount_out = *out;
    }
    if (!exact_in && s.amount_out > remaining) {
        s.amount_out = remaining;
    }
    if (exact_in && s.sqrt_price_next_x96 != target) {
        s.fee_amount = remaining - s.amount_in;
    } else {
        const auto f = mul_div_rounding_up(s.amount_in, fee, pips - fee);
        if (!f) {
            return std::nullopt;
        }
        s.fee_amount = *f;
    }
    return s;
}

/// UniswapV3Pool.swap on the pool's current state (nothing is changed): the loop of the
/// contract with TickBitmap.nextInitializedTickWithinOneWord as a search of the sorted ticks.
inline v3_swap_result quote(const uniswap_v3_pool& pool, const v3_swap_request& req) {
    namespace v3 = uniswap_v3;
    v3_swap_result r;
    const bool down = req.zero_for_one;
    const bool exact_in = req.exact_input;
    if (req.amount == 0) {
        r.error = pool_error::zero_amount;
        return r;
    }
    if (req.amount > (exact_in ? i256_max : i256_max + 1)) {
        r.error = pool_error::amount_too_large;
        return r;
    }
    const u256 limit = req.sqrt_price_limit_x96 != 0 ? req.sqrt_price_limit_x96
                       : down                        ? v3::min_sqrt_ratio + 1
                                                     : v3::max_sqrt_ratio - 1;
    if (down ? !(limit < pool.sqrt_price_x96() && limit > v3::min_sqrt_ratio)
             : !(limit > pool.sqrt_price_x96() && limit < v3::max_sqrt_ratio)) {
        r.error = pool_error::price_limit;
        return r;
    }
    const auto ticks = pool.ticks();
    const std::int32_t spacing = pool.tick_spacing();
    auto floor_div = [](std::int32_t a, std::int32_t b) {
        return a / b - (a % b != 0 && a < 0 ? 1 : 0);
    };
    u256 remaining = req.amount;
    u256 calculated = 0;
    u256 fees = 0;
    u256 price = pool.sqrt_price_x96();
    std::int32_t tick = pool.tick();
    u256 liquidity = to_u256(pool.liquidity());
    while (remaining != 0 && price != limit) {
        const u256 start = price;
        const std::int32_t compressed = floor_div(tick, spacing);
        std::int32_t next = 0;
        const v3_tick* initialized = nullptr;
        if (down) {
            const std::int32_t word_start = floor_div(compressed, 256) * 256 * spacing;
            const auto it =
                std::upper_bound(ticks.begin(), ticks.end(), compressed * spacing,
                                 [](std::int32_t v, const v3_tick& t) { return v < t.index; });
            initialized = it != ticks.begin() && std::prev(it)->index >= word_start
                              ? &*std::prev(it)
                              : nullptr;
            next = initialized != nullptr ? initialized->index : word_start;
        } else {
            const std::int32_t from = (compressed + 1) * spacing;
            const std::int32_t word_end = (floor_div(compressed + 1, 256) * 256 + 255) * spacing;
            const auto it =
                std::lower_bound(ticks.begin(), ticks.end(), from,
                                 [](const v3_tick& t, std::int32_t v) { return t.index < v; });
            initialized = it != ticks.end() && it->index <= word_end ? &*it : nullptr;
            next = initialized != nullptr ? initialized->index : word_end;
        }
        next = std::clamp(next, v3::min_tick, v3::max_tick);
        const u256 target_tick_price = *sqrt_ratio_at_tick(next);
        const bool past = down ? target_tick_price < limit : target_tick_price > limit;
        const auto step = swap_step(price, past ? limit : target_tick_price, liquidity, remaining,
                                    exact_in, pool.fee());
        ++r.steps;
        if (!step) {
            r.error = pool_error::math_overflow;
            return r;
        }
        price = step->sqrt_price_next_x96;
        const u256 paid = step->amount_in + step->fee_amount;
        remaining -= exact_in ? paid : step->amount_out;
        const u256 got = exact_in ? step->amount_out : paid;
        if (got > i256_max || calculated + got > i256_max) {
            r.error = pool_error::math_overflow;
            return r;
        }
        calculated += got;
        fees += step->fee_amount;
        if (price == target_tick_price) {
            if (initialized != nullptr) {
                const int256_t net = down ? -int256_t(initialized->liquidity_net)
                                          : int256_t(initialized->liquidity_net);
                const int256_t l = int256_t(liquidity) + net;
                if (l < 0) {
                    r.error = pool_error::liquidity_underflow;
                    return r;
                }
                if (l > int256_t(u128_max)) {
                    r.error = pool_error::liquidity_overflow;
                    return r;
                }
                liquidity = static_cast<u256>(l);
                ++r.ticks_crossed;
            }
            tick = down ? next - 1 : next;
        } else if (price != start) {
            tick = tick_at_sqrt_ratio(price);
        }
    }
    const u256 used = req.amount - remaining;
    r.amount_in = exact_in ? used : calculated;
    r.amount_out = exact_in ? calculated : used;
    r.fee_amount = fees;
    r.sqrt_price_x96_after = price;
    r.tick_after = tick;
    r.liquidity_after = to_u128(liquidity);
    r.partial = remaining != 0;
    return r;
}

} // namespace ballast::oracle
