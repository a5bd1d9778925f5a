#include "book/uniswap_v3_math.hpp"

#include <array>
#include <cmath>
#include <utility>

namespace ballast::uniswap_v3 {

namespace {

constexpr uint128 u128_of(std::uint64_t hi, std::uint64_t lo) noexcept {
    return (static_cast<uint128>(hi) << 64) | lo;
}

// TickMath: sqrt(1.0001)^-1 as Q128.128 (bit 0), then 1/sqrt(1.0001)^(2^i) for bits 1..19.
constexpr uint128 odd_tick_start = u128_of(0xfffcb933bd6fad37ULL, 0xaa2d162d1a594001ULL);
constexpr std::array<uint128, 19> tick_multipliers = {
    u128_of(0xfff97272373d4132ULL, 0x59a46990580e213aULL),
    u128_of(0xfff2e50f5f656932ULL, 0xef12357cf3c7fdccULL),
    u128_of(0xffe5caca7e10e4e6ULL, 0x1c3624eaa0941cd0ULL),
    u128_of(0xffcb9843d60f6159ULL, 0xc9db58835c926644ULL),
    u128_of(0xff973b41fa98c081ULL, 0x472e6896dfb254c0ULL),
    u128_of(0xff2ea16466c96a38ULL, 0x43ec78b326b52861ULL),
    u128_of(0xfe5dee046a99a2a8ULL, 0x11c461f1969c3053ULL),
    u128_of(0xfcbe86c7900a88aeULL, 0xdcffc83b479aa3a4ULL),
    u128_of(0xf987a7253ac41317ULL, 0x6f2b074cf7815e54ULL),
    u128_of(0xf3392b0822b70005ULL, 0x940c7a398e4b70f3ULL),
    u128_of(0xe7159475a2c29b74ULL, 0x43b29c7fa6e889d9ULL),
    u128_of(0xd097f3bdfd2022b8ULL, 0x845ad8f792aa5825ULL),
    u128_of(0xa9f746462d870fdfULL, 0x8a65dc1f90e061e5ULL),
    u128_of(0x70d869a156d2a1b8ULL, 0x90bb3df62baf32f7ULL),
    u128_of(0x31be135f97d08fd9ULL, 0x81231505542fcfa6ULL),
    u128_of(0x09aa508b5b7a84e1ULL, 0xc677de54f3e99bc9ULL),
    u128_of(0x005d6af8dedb8119ULL, 0x6699c329225ee604ULL),
    u128_of(0x00002216e584f5faULL, 0x1ea926041bedfe98ULL),
    u128_of(0x00000000048a1703ULL, 0x91f7dc42444e8fa2ULL),
};
// The full 256-bit product of two 128-bit words.
constexpr fixed_u256 mul_128x128(uint128 a, uint128 b) noexcept {
    const auto a_lo = static_cast<std::uint64_t>(a);
    const auto a_hi = static_cast<std::uint64_t>(a >> 64);
    const auto b_lo = static_cast<std::uint64_t>(b);
    const auto b_hi = static_cast<std::uint64_t>(b >> 64);
    const uint128 ll = static_cast<uint128>(a_lo) * b_lo;
    const uint128 lh = static_cast<uint128>(a_lo) * b_hi;
    const uint128 hl = static_cast<uint128>(a_hi) * b_lo;
    const uint128 hh = static_cast<uint128>(a_hi) * b_hi;
    const uint128 mid =
        (ll >> 64) + static_cast<std::uint64_t>(lh) + static_cast<std::uint64_t>(hl);
    const uint128 high = hh + (lh >> 64) + (hl >> 64) + (mid >> 64);
    return {static_cast<std::uint64_t>(high >> 64), static_cast<std::uint64_t>(high),
            static_cast<std::uint64_t>(mid), static_cast<std::uint64_t>(ll)};
}
constexpr uint128 high_u128(const fixed_u256& x) noexcept {
    return (static_cast<uint128>(x.limb[3]) << 64) | x.limb[2];
}

// TickMath's Q128.128 ratio 1/sqrt(1.0001)^|tick| (2^128 for tick 0), before getSqrtRatioAtTick
// inverts it for positive ticks, for a tick within [min_tick, max_tick]. After the first factor
// the ratio is below 2^128, and (ratio * m) >> 128 is the high half of a 128x128 product.
fixed_u256 ratio_q128(std::int32_t tick) noexcept {
    const std::uint32_t abs_tick =
        tick < 0 ? static_cast<std::uint32_t>(-static_cast<std::int64_t>(tick))
                 : static_cast<std::uint32_t>(tick);
    bool is_one = (abs_tick & 1U) == 0; // ratio == 2^128
    uint128 r = is_one ? 0 : odd_tick_start;
    // The factors of the set bits above bit 0, in increasing order as the contract applies them.
    for (std::uint32_t bits = abs_tick >> 1; bits != 0; bits &= bits - 1) {
        const auto i = static_cast<std::size_t>(__builtin_ctz(bits));
        r = is_one ? tick_multipliers[i] : high_u128(mul_128x128(r, tick_multipliers[i]));
        is_one = false;
    }
    return is_one ? fixed_u256{0, 1, 0, 0} : fixed_u256::from_u128(r);
}

// Whether getSqrtRatioAtTick(tick) <= price, without its division for a positive tick. With
// X = price 2^32 and the Q128.128 ratio r: getSqrtRatioAtTick rounds S = floor((2^256 - 1) / r)
// (positive ticks) or S = r up to Q64.96, and price >= ceil(S / 2^32) exactly when X >= S; for
// the inverted S that is (X + 1) r >= 2^256.
bool tick_ratio_at_most(std::int32_t tick, const fixed_u256& price) noexcept {
    const fixed_u256 r = ratio_q128(tick);
    const fixed_u256 x = price << 32; // price < 2^160: no bit lost
    if (tick <= 0) {
        return r <= x;
    }
    return !fits_word(mul_wide(x + fixed_u256{1}, r));
}

// getTickAtSqrtRatio is the greatest tick whose getSqrtRatioAtTick is <= the price; the
// contract finds it with a fixed-point log2 and a check of the upper candidate. Here the log
// is a double: t = 2 (ln(top) + (e - 96) ln 2) / ln(1.0001), for the price's top 64 bits `top`
// and e bits below them, is off by < 1e-9 tick (top rounded to 53 bits, a faithfully rounded log
// below 45, (e - 96) ln 2 below 67 in magnitude, each term and their sum within an ulp), and
// getSqrtRatioAtTick's boundaries differ from the real sqrt(1.0001^t) 2^96 by < 1e-5 tick (its
// rounding up by one unit of a price >= 2^32, the truncated Q128.128 factors). So floor(t) is the
// answer when t is more than 1e-3 from an integer k; otherwise the answer is k or k - 1 and one
// getSqrtRatioAtTick(k) decides.
std::int32_t tick_of_price(const fixed_u256& sqrt_price_x96) noexcept {
    const unsigned width = sqrt_price_x96.bit_width();
    const unsigned shift = width > 64 ? width - 64 : 0;
    const double top = static_cast<double>((sqrt_price_x96 >> shift).limb[0]);
    static const double ticks_per_ln = 2.0 / std::log1p(1e-4);
    constexpr double ln2 = 0.693147180559945309417232121458176568;
    const double t = (std::log(top) + (static_cast<int>(shift) - 96) * ln2) * ticks_per_ln;
    const double k = std::nearbyint(t);
    if (std::fabs(t - k) > 1e-3) {
        return static_cast<std::int32_t>(std::floor(t));
    }
    const auto tick = static_cast<std::int32_t>(k);
    return tick_ratio_at_most(tick, sqrt_price_x96) ? tick : tick - 1;
}

// Whether an exact-input step with `amount_remaining` reaches a target `amount_in` (fee
// excluded) away: amountRemainingLessFee = floor(R (1e6 - fee) / 1e6) >= amountIn exactly when
// R (1e6 - fee) >= amountIn 1e6, which needs no division.
bool input_reaches(const fixed_u256& amount_remaining, const fixed_u256& amount_in,
                   std::uint32_t fee_pips) noexcept {
    const fixed_u512 net = mul_wide(fixed_u256{fee_denominator - fee_pips}, amount_remaining);
    const fixed_u512 need = mul_wide(fixed_u256{fee_denominator}, amount_in);
    for (std::size_t i = net.limb.size(); i-- > 0;) {
        if (net.limb[i] != need.limb[i]) {
            return net.limb[i] > need.limb[i];
        }
    }
    return true;
}

std::optional<u256> to_boost(const std::optional<fixed_u256>& v) noexcept {
    return v ? std::optional<u256>(to_u256(*v)) : std::nullopt;
}

// A word as a double, within a few units in the last place.
double approx(const fixed_u256& x) noexcept {
    constexpr double two_64 = 18446744073709551616.0;
    return ((static_cast<double>(x.limb[3]) * two_64 + static_cast<double>(x.limb[2])) * two_64 +
            static_cast<double>(x.limb[1])) *
               two_64 +
           static_cast<double>(x.limb[0]);
}

// Whether R (1e6 - fee) / 1e6 is certainly below the input that moves the price from
// `current` to `target` at `liquidity` (amount0: L 2^96 (b - a) / (a b); amount1:
// L (b - a) / 2^96, with a < b): both sides in doubles, the difference b - a taken exactly
// first, so each side is within about 1e-15 of its value and a margin of 1e-9 decides. The
// contract's amountIn is rounded up, never below the real value, so "below the real value" is
// enough. Too close to call: false, and the caller computes the exact amount.
bool certainly_short_of_target(const fixed_u256& current, const fixed_u256& target,
                               uint128 liquidity, const fixed_u256& remaining,
                               std::uint32_t fee_pips) noexcept {
    const bool zero_for_one = current >= target;
    const fixed_u256& a = zero_for_one ? target : current;
    const fixed_u256& b = zero_for_one ? current : target;
    const double l = static_cast<double>(liquidity);
    const double diff = approx(b - a);
    constexpr double two_96 = 79228162514264337593543950336.0;
    const double need =
        zero_for_one ? l * diff / approx(a) / approx(b) * two_96 : l * diff / two_96;
    const double have =
        approx(remaining) * (static_cast<double>(fee_denominator - fee_pips) / fee_denominator);
    return have < need * (1.0 - 1e-9);
}

} // namespace

namespace fixed {

math_result<fixed_u256> sqrt_ratio_at_tick(std::int32_t tick) noexcept {
    if (tick < min_tick || tick > max_tick) {
        return {fixed_u256{}, pool_error::tick_out_of_range};
    }
    fixed_u256 ratio = ratio_q128(tick);
    if (tick > 0) {
        ratio = div_floor(fixed_u256_max, ratio);
    }
    // Q128.128 -> Q64.96 rounding up, so getTickAtSqrtRatio of the result is consistent.
    const bool has_remainder = (ratio.limb[0] & 0xffffffffU) != 0;
    return {(ratio >> 32) + fixed_u256{has_remainder ? 1U : 0U}, pool_error::ok};
}

math_result<std::int32_t> tick_at_sqrt_ratio(const fixed_u256& sqrt_price_x96) noexcept {
    if (sqrt_price_x96 < min_sqrt_ratio || sqrt_price_x96 >= max_sqrt_ratio) {
        return {0, pool_error::price_out_of_range};
    }
    return {tick_of_price(sqrt_price_x96), pool_error::ok};
}

namespace {

// getNextSqrtPriceFromAmount0RoundingUp; `denominator_out`, when given, receives the denominator
// L 2^96 + amount P of its exact branch (adding, the product fits a word), and is left alone
// on the other branches.
std::optional<fixed_u256> next_from_amount0(const fixed_u256& sqrt_p, uint128 liquidity,
                                            const fixed_u256& amount, bool add,
                                            fixed_u256* denominator_out) noexcept {
    if (amount.is_zero()) {
        return sqrt_p;
    }
    const fixed_u256 numerator1 = fixed_u256::from_u128(liquidity) << 96;
    // The contract's unchecked `amount * sqrtPX96` and its `product / amount == sqrtPX96` test.
    const fixed_u512 wide = mul_wide(amount, sqrt_p);
    const fixed_u256 product = low_word(wide);
    const bool product_exact = fits_word(wide);
    if (add) {
        if (product_exact) {
            if (const auto denominator = checked_add(numerator1, product)) {
                auto r = mul_div_rounding_up(numerator1, sqrt_p, *denominator);
                if (!r || *r > fixed_u160_max) {
                    return std::nullopt;
                }
                if (denominator_out != nullptr) {
                    *denominator_out = *denominator;
                }
                return r;
            }
        }
        const auto sum = checked_add(div_floor(numerator1, sqrt_p), amount); // LowGasSafeMath
        if (!sum) {
            return std::nullopt;
        }
        return div_rounding_up(numerator1, *sum); // fits uint160: numerator1 / sum <= sqrt_p
    }
    if (!product_exact || numerator1 <= product) {
        return std::nullopt;
    }
    auto r = mul_div_rounding_up(numerator1, sqrt_p, numerator1 - product);
    if (!r || *r > fixed_u160_max) { // SafeCast.toUint160
        return std::nullopt;
    }
    return r;
}

} // namespace

std::optional<fixed_u256> next_sqrt_price_from_amount0_rounding_up(const fixed_u256& sqrt_p,
                                                                   uint128 liquidity,
                                                                   const fixed_u256& amount,
                                                                   bool add) noexcept {
    return next_from_amount0(sqrt_p, liquidity, amount, add, nullptr);
}

std::optional<fixed_u256> next_sqrt_price_from_amount1_rounding_down(const fixed_u256& sqrt_p,
                                                                     uint128 liquidity,
                                                                     const fixed_u256& amount,
                                                                     bool add) noexcept {
    const fixed_u256 liq = fixed_u256::from_u128(liquidity);
    const bool small = amount <= fixed_u160_max;
    if (add) {
        std::optional<fixed_u256> quotient =
            small ? std::optional(div_floor(amount << 96, liq)) : mul_div(amount, q96, liq);
        const auto sum = quotient ? checked_add(sqrt_p, *quotient) : std::nullopt;
        if (!sum || *sum > fixed_u160_max) { // LowGasSafeMath.add, SafeCast.toUint160
            return std::nullopt;
        }
        return sum;
    }
    std::optional<fixed_u256> quotient = small ? std::optional(div_rounding_up(amount << 96, liq))
                                               : mul_div_rounding_up(amount, q96, liq);
    if (!quotient || sqrt_p <= *quotient) {
        return std::nullopt;
    }
    return sqrt_p - *quotient;
}

namespace {

// getNextSqrtPriceFromInput; `denominator_out` as next_from_amount0's (zero for one only).
std::optional<fixed_u256> next_from_input(const fixed_u256& sqrt_p, uint128 liquidity,
                                          const fixed_u256& amount_in, bool zero_for_one,
                                          fixed_u256* denominator_out) noexcept {
    if (sqrt_p.is_zero() || liquidity == 0) {
        return std::nullopt;
    }
    return zero_for_one
               ? next_from_amount0(sqrt_p, liquidity, amount_in, true, denominator_out)
               : next_sqrt_price_from_amount1_rounding_down(sqrt_p, liquidity, amount_in, true);
}

} // namespace

std::optional<fixed_u256> next_sqrt_price_from_input(const fixed_u256& sqrt_p, uint128 liquidity,
                                                     const fixed_u256& amount_in,
                                                     bool zero_for_one) noexcept {
    return next_from_input(sqrt_p, liquidity, amount_in, zero_for_one, nullptr);
}

std::optional<fixed_u256> next_sqrt_price_from_output(const fixed_u256& sqrt_p, uint128 liquidity,
                                                      const fixed_u256& amount_out,
                                                      bool zero_for_one) noexcept {
    if (sqrt_p.is_zero() || liquidity == 0) {
        return std::nullopt;
    }
    return zero_for_one
               ? next_sqrt_price_from_amount1_rounding_down(sqrt_p, liquidity, amount_out, false)
               : next_sqrt_price_from_amount0_rounding_up(sqrt_p, liquidity, amount_out, false);
}

std::optional<fixed_u256> amount0_delta(fixed_u256 sqrt_a, fixed_u256 sqrt_b, uint128 liquidity,
                                        bool round_up) noexcept {
    if (sqrt_a > sqrt_b) {
        std::swap(sqrt_a, sqrt_b);
    }
    if (sqrt_a.is_zero()) {
        return std::nullopt;
    }
    // The contract divides twice, by sqrt_b then by sqrt_a, each rounded the same way; for
    // positive integers that is one division by their product: floor(floor(x/b)/a) =
    // floor(x/(ab)) and ceil(ceil(x/b)/a) = ceil(x/(ab)). Its first division cannot revert:
    // the quotient is below numerator1 < 2^224 (liquidity is a uint128).
    const fixed_u256 numerator1 = fixed_u256::from_u128(liquidity) << 96;
    return div_wide(mul_wide(numerator1, sqrt_b - sqrt_a), mul_wide(sqrt_a, sqrt_b), round_up);
}

std::optional<fixed_u256> amount1_delta(fixed_u256 sqrt_a, fixed_u256 sqrt_b, uint128 liquidity,
                                        bool round_up) noexcept {
    if (sqrt_a > sqrt_b) {
        std::swap(sqrt_a, sqrt_b);
    }
    // liquidity * (b - a) / 2^96: the product has at most 128 + 160 bits.
    const fixed_u512 p = mul_wide(fixed_u256::from_u128(liquidity), sqrt_b - sqrt_a);
    const fixed_u256 lo = low_word(p);
    fixed_u256 q = (lo >> 96) + (fixed_u256{0, 0, p.limb[5], p.limb[4]} << 160);
    if ((p.limb[5] >> 32) != 0 || p.limb[6] != 0 || p.limb[7] != 0) {
        return std::nullopt;
    }
    if (round_up && (lo.limb[0] != 0 || (lo.limb[1] & 0xffffffffULL) != 0)) {
        q = q + fixed_u256{1};
        if (q.is_zero()) {
            return std::nullopt;
        }
    }
    return q;
}

std::optional<swap_step> compute_swap_step(const fixed_u256& sqrt_current,
                                           const fixed_u256& sqrt_target, uint128 liquidity,
                                           const fixed_u256& amount_remaining, bool exact_input,
                                           std::uint32_t fee_pips,
                                           const full_step* to_target) noexcept {
    if (to_target != nullptr &&
        (exact_input ? input_reaches(amount_remaining, to_target->amount_in, fee_pips)
                     : amount_remaining >= to_target->amount_out)) {
        // Reached: the target, the known amounts and their fee, as the steps below give them.
        return swap_step{sqrt_target, to_target->amount_in, to_target->amount_out,
                         to_target->fee_amount};
    }
    const bool zero_for_one = sqrt_current >= sqrt_target;
    // Amounts in (rounded up) and out (rounded down) between the current price and `to`.
    auto in_to = [&](const fixed_u256& to) -> std::optional<fixed_u256> {
        if (to_target != nullptr && to == sqrt_target) {
            return to_target->amount_in;
        }
        return zero_for_one ? amount0_delta(to, sqrt_current, liquidity, true)
                            : amount1_delta(sqrt_current, to, liquidity, true);
    };
    auto out_to = [&](const fixed_u256& to) -> std::optional<fixed_u256> {
        if (to_target != nullptr && to == sqrt_target) {
            return to_target->amount_out;
        }
        return zero_for_one ? amount1_delta(to, sqrt_current, liquidity, false)
                            : amount0_delta(sqrt_current, to, liquidity, false);
    };
    // The step's four words as locals, each written on every path before it is read (a
    // swap_step zeroed up front is a 128-byte `rep stos` per step).
    fixed_u256 next_price;
    fixed_u256 amount_in;
    fixed_u256 amount_out;
    fixed_u256 fee_amount;
    bool skipped_in = false; // exact input: amountIn to the target was not computed
    // Exact input, zero for one, short of the target: the input less fee A and the denominator
    // D = L 2^96 + A P of next = ceil(L 2^96 P / D) (zero when the price came otherwise).
    fixed_u256 less_fee_in;
    fixed_u256 denominator;
    if (exact_input) {
        // The contract computes amountIn to the target, and when the input falls short
        // recomputes it to the price it reaches: the first is skipped when an estimate shows
        // the shortfall (amountIn to the target cannot revert, so nothing else changes).
        skipped_in =
            to_target == nullptr && certainly_short_of_target(sqrt_current, sqrt_target, liquidity,
                                                              amount_remaining, fee_pips);
        bool reaches = false;
        if (!skipped_in) {
            const auto in = in_to(sqrt_target);
            if (!in) {
                return std::nullopt;
            }
            amount_in = *in;
            reaches = input_reaches(amount_remaining, amount_in, fee_pips);
        }
        if (reaches) {
            next_price = sqrt_target;
        } else {
            const auto less_fee = mul_div(amount_remaining, fixed_u256{fee_denominator - fee_pips},
                                          fixed_u256{fee_denominator});
            const auto next = less_fee ? next_from_input(sqrt_current, liquidity, *less_fee,
                                                         zero_for_one, &denominator)
                                       : std::nullopt;
            if (!next) {
                return std::nullopt;
            }
            next_price = *next;
            less_fee_in = *less_fee;
        }
    } else {
        const auto out = out_to(sqrt_target);
        if (!out) {
            return std::nullopt;
        }
        amount_out = *out;
        const auto next = amount_remaining >= amount_out
                              ? std::optional(sqrt_target)
                              : next_sqrt_price_from_output(sqrt_current, liquidity,
                                                            amount_remaining, zero_for_one);
        if (!next) {
            return std::nullopt;
        }
        next_price = *next;
    }
    const bool max = sqrt_target == next_price;
    // amountIn = ceil(L 2^96 (P - next) / (P next)) is A - g with g = (D next - L 2^96 P) /
    // (P next) in [0, D / (P next)), as next = ceil(L 2^96 P / D) and A P = D - L 2^96: when
    // D <= P next, g < 1 and amountIn is A itself, with no division.
    bool input_is_less_fee = false;
    if (!max && !denominator.is_zero()) {
        const fixed_u512 p_next = mul_wide(sqrt_current, next_price);
        input_is_less_fee = !fits_word(p_next) || low_word(p_next) >= denominator;
    }
    if (input_is_less_fee) {
        amount_in = less_fee_in;
    } else if (!(max && exact_input) || skipped_in) {
        const auto in = in_to(next_price);
        if (!in) {
            return std::nullopt;
        }
        amount_in = *in;
    }
    if (!(max && !exact_input)) {
        const auto out = out_to(next_price);
        if (!out) {
            return std::nullopt;
        }
        amount_out = *out;
    }
    // Cap the output amount to not exceed the remaining output amount.
    if (!exact_input && amount_out > amount_remaining) {
        amount_out = amount_remaining;
    }
    if (exact_input && !max) {
        // Whatever is left of the input after the price move is the fee.
        fee_amount = amount_remaining - amount_in;
    } else if (max && to_target != nullptr) {
        fee_amount = to_target->fee_amount; // amount_in is to_target's
    } else {
        const auto fee = mul_div_rounding_up(amount_in, fixed_u256{fee_pips},
                                             fixed_u256{fee_denominator - fee_pips});
        if (!fee) {
            return std::nullopt;
        }
        fee_amount = *fee;
    }
    return swap_step{next_price, amount_in, amount_out, fee_amount};
}

} // namespace fixed

math_result<u256> sqrt_ratio_at_tick(std::int32_t tick) noexcept {
    const auto r = fixed::sqrt_ratio_at_tick(tick);
    return {to_u256(r.value), r.error};
}

math_result<std::int32_t> tick_at_sqrt_ratio(const u256& sqrt_price_x96) noexcept {
    return fixed::tick_at_sqrt_ratio(to_fixed(sqrt_price_x96));
}

std::optional<u256> next_sqrt_price_from_amount0_rounding_up(const u256& sqrt_p, uint128 liquidity,
                                                             const u256& amount,
                                                             bool add) noexcept {
    return to_boost(fixed::next_sqrt_price_from_amount0_rounding_up(to_fixed(sqrt_p), liquidity,
                                                                    to_fixed(amount), add));
}

std::optional<u256> next_sqrt_price_from_amount1_rounding_down(const u256& sqrt_p,
                                                               uint128 liquidity,
                                                               const u256& amount,
                                                               bool add) noexcept {
    return to_boost(fixed::next_sqrt_price_from_amount1_rounding_down(to_fixed(sqrt_p), liquidity,
                                                                      to_fixed(amount), add));
}

std::optional<u256> next_sqrt_price_from_input(const u256& sqrt_p, uint128 liquidity,
                                               const u256& amount_in, bool zero_for_one) noexcept {
    return to_boost(fixed::next_sqrt_price_from_input(to_fixed(sqrt_p), liquidity,
                                                      to_fixed(amount_in), zero_for_one));
}

std::optional<u256> next_sqrt_price_from_output(const u256& sqrt_p, uint128 liquidity,
                                                const u256& amount_out,
                                                bool zero_for_one) noexcept {
    return to_boost(fixed::next_sqrt_price_from_output(to_fixed(sqrt_p), liquidity,
                                                       to_fixed(amount_out), zero_for_one));
}

std::optional<u256> amount0_delta(u256 sqrt_a, u256 sqrt_b, uint128 liquidity,
                                  bool round_up) noexcept {
    return to_boost(fixed::amount0_delta(to_fixed(sqrt_a), to_fixed(sqrt_b), liquidity, round_up));
}

std::optional<u256> amount1_delta(u256 sqrt_a, u256 sqrt_b, uint128 liquidity,
                                  bool round_up) noexcept {
    return to_boost(fixed::amount1_delta(to_fixed(sqrt_a), to_fixed(sqrt_b), liquidity, round_up));
}

std::optional<swap_step> compute_swap_step(const u256& sqrt_current, const u256& sqrt_target,
                                           uint128 liquidity, const u256& amount_remaining,
                                           bool exact_input, std::uint32_t fee_pips) noexcept {
    const auto s =
        fixed::compute_swap_step(to_fixed(sqrt_current), to_fixed(sqrt_target), liquidity,
                                 to_fixed(amount_remaining), exact_input, fee_pips);
    if (!s) {
        return std::nullopt;
    }
    return swap_step{to_u256(s->sqrt_price_next_x96), to_u256(s->amount_in), to_u256(s->amount_out),
                     to_u256(s->fee_amount)};
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
