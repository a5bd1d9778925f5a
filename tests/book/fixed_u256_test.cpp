// The fixed-limb hot path against Boost.Multiprecision: every u256 operation the swap math
// uses, TickMath at its edges, the SqrtPriceMath next-price functions, the amount deltas and
// SwapMath steps on random and edge operands (0, 1, 2^256 - 1, powers of two and their
// neighbours, values near 2^96, 2^128 and 2^160), and whole swaps on random pools against
// the literal Solidity port in uniswap_v3_oracle.hpp.
#include "book/fixed_u256.hpp"
#include "book/uniswap_v3.hpp"
#include "tests/book/uniswap_v3_oracle.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <vector>

namespace {

using namespace ballast;
namespace v3 = ballast::uniswap_v3;

// Edge values: 0, 1, max, every power of two and its neighbours, random limbs, random words
// of a random width (so that 2^96, 2^128 and 2^160 neighbourhoods come up often).
u256 edge_or_random(std::mt19937_64& rng) {
    const unsigned kind = static_cast<unsigned>(rng() % 8);
    const unsigned bit = static_cast<unsigned>(rng() % 256);
    const std::array<unsigned, 3> hot = {96, 128, 160};
    switch (kind) {
    case 0:
        return std::array<u256, 3>{u256(0), u256(1), u256_max}[rng() % 3];
    case 1:
        return u256(1) << bit;
    case 2:
        return (u256(1) << bit) - 1;
    case 3:
        return (u256(1) << bit) + 1;
    case 4: { // within 2^20 of 2^96, 2^128 or 2^160
        const u256 base = u256(1) << hot[rng() % hot.size()];
        const u256 off = rng() % (1U << 20);
        return rng() % 2 ? base + off : base - off;
    }
    case 5: { // limbs that stress the division's estimate: all ones, high bit, zero
        u256 x = 0;
        for (int i = 0; i < 4; ++i) {
            const std::array<std::uint64_t, 4> l = {0, ~0ULL, 1ULL << 63, rng()};
            x = (x << 64) | l[rng() % l.size()];
        }
        return x;
    }
    default: { // a random word of random width
        u256 x = 0;
        for (int i = 0; i < 4; ++i) {
            x = (x << 64) | rng();
        }
        return x >> bit;
    }
    }
}

uint128 random_liquidity(std::mt19937_64& rng) {
    const unsigned kind = static_cast<unsigned>(rng() % 4);
    if (kind == 0) {
        return std::array<uint128, 3>{0, 1, ~uint128(0)}[rng() % 3];
    }
    const uint128 x = (static_cast<uint128>(rng()) << 64) | rng();
    return x >> (rng() % 128);
}

u256 random_price(std::mt19937_64& rng) {
    const unsigned kind = static_cast<unsigned>(rng() % 4);
    if (kind == 0) {
        const std::array<u256, 5> edges = {v3::min_sqrt_ratio, v3::min_sqrt_ratio + 1,
                                           v3::max_sqrt_ratio - 1, v3::max_sqrt_ratio - 2, v3::q96};
        return edges[rng() % edges.size()];
    }
    if (kind == 1) { // on a tick boundary or next to it
        const auto t = static_cast<std::int32_t>(rng() % (2 * v3::max_tick)) - v3::max_tick;
        return *oracle::sqrt_ratio_at_tick(t) + (rng() % 3) - 1;
    }
    const u256 span = v3::max_sqrt_ratio - v3::min_sqrt_ratio;
    u256 x = 0;
    for (int i = 0; i < 3; ++i) {
        x = (x << 64) | rng();
    }
    return v3::min_sqrt_ratio + (x >> (rng() % 128)) % span;
}

// An operand in both representations.
struct operand {
    u256 boost;
    fixed_u256 fixed;
};
operand draw(std::mt19937_64& rng) {
    const u256 x = edge_or_random(rng);
    return {x, to_fixed(x)};
}

std::optional<u256> boost_of(const std::optional<fixed_u256>& v) {
    return v ? std::optional<u256>(to_u256(*v)) : std::nullopt;
}

TEST(FixedU256, ConversionsRoundTrip) {
    std::mt19937_64 rng(1);
    for (int i = 0; i < 10000; ++i) {
        const u256 x = edge_or_random(rng);
        ASSERT_EQ(to_u256(to_fixed(x)), x);
    }
    EXPECT_EQ(to_u256(fixed_u256_max), u256_max);
    EXPECT_EQ(to_u256(fixed_u160_max), u160_max);
    EXPECT_EQ(to_u256(fixed_u128_max), u128_max);
    EXPECT_EQ(to_u256(fixed_i256_max), i256_max);
    EXPECT_EQ(to_u256(v3::fixed::min_sqrt_ratio), v3::min_sqrt_ratio);
    EXPECT_EQ(to_u256(v3::fixed::max_sqrt_ratio), v3::max_sqrt_ratio);
    EXPECT_EQ(to_u256(v3::fixed::q96), v3::q96);
}

TEST(FixedU256, ArithmeticShiftsAndCompareMatchBoost) {
    std::mt19937_64 rng(2);
    for (int i = 0; i < 40000; ++i) {
        const auto [a, fa] = draw(rng);
        const auto [b, fb] = draw(rng);
        ASSERT_EQ(to_u256(fa + fb), a + b) << a << " + " << b; // Boost's u256 wraps too
        ASSERT_EQ(to_u256(fa - fb), a - b) << a << " - " << b;
        ASSERT_EQ(checked_add(fa, fb).has_value(), u512(a) + b <= u512(u256_max));
        ASSERT_EQ(checked_sub(fa, fb).has_value(), a >= b);
        ASSERT_EQ(fa < fb, a < b);
        ASSERT_EQ(fa == fb, a == b);
        ASSERT_EQ(fa <= fb, a <= b);
        const unsigned s = static_cast<unsigned>(rng() % 260);
        ASSERT_EQ(to_u256(fa << s), s >= 256 ? u256(0) : u256(a << s)) << a << " << " << s;
        ASSERT_EQ(to_u256(fa >> s), s >= 256 ? u256(0) : u256(a >> s)) << a << " >> " << s;
        ASSERT_EQ(to_u256(fa & fb), a & b);
        ASSERT_EQ(fa.bit_width(), a == 0 ? 0U : boost::multiprecision::msb(a) + 1);
        const fixed_u512 p = mul_wide(fa, fb);
        const u512 wide = u512(a) * b;
        ASSERT_EQ(to_u256(low_word(p)), static_cast<u256>(wide & u512(u256_max)));
        ASSERT_EQ(to_u256(fixed_u256{p.limb[7], p.limb[6], p.limb[5], p.limb[4]}),
                  static_cast<u256>(wide >> 256));
        ASSERT_EQ(fits_word(p), wide <= u512(u256_max));
    }
}

TEST(FixedU256, MulDivAndDivisionMatchBoost) {
    std::mt19937_64 rng(3);
    for (int i = 0; i < 150000; ++i) {
        const auto [a, fa] = draw(rng);
        const auto [b, fb] = draw(rng);
        const auto [d, fd] = draw(rng);
        ASSERT_EQ(boost_of(mul_div(fa, fb, fd)), oracle::mul_div(a, b, d))
            << a << " * " << b << " / " << d;
        ASSERT_EQ(boost_of(mul_div_rounding_up(fa, fb, fd)), oracle::mul_div_rounding_up(a, b, d))
            << a << " * " << b << " / " << d << " (up)";
        ASSERT_EQ(to_u256(div_floor(fa, fd)), d == 0 ? u256(0) : u256(a / d)) << a << " / " << d;
        ASSERT_EQ(to_u256(div_rounding_up(fa, fd)), oracle::div_rounding_up(a, d))
            << a << " / " << d << " (up)";
    }
}

TEST(FixedU256, SqrtRatioAtTickMatchesTheSolidityPortAtEveryEdge) {
    std::vector<std::int32_t> ticks = {v3::min_tick,     v3::min_tick + 1, -1, 0, 1,
                                       v3::max_tick - 1, v3::max_tick};
    for (std::int32_t p = 1; p <= v3::max_tick; p *= 2) {
        for (const std::int32_t t : {p - 1, p, p + 1}) {
            ticks.push_back(t);
            ticks.push_back(-t);
        }
    }
    for (std::int32_t t = v3::min_tick; t <= v3::max_tick; t += 1009) {
        ticks.push_back(t);
    }
    std::mt19937_64 rng(4);
    for (int i = 0; i < 20000; ++i) {
        ticks.push_back(static_cast<std::int32_t>(rng() % (2 * v3::max_tick + 1)) - v3::max_tick);
    }
    for (const std::int32_t t : ticks) {
        const auto ours = v3::fixed::sqrt_ratio_at_tick(t);
        ASSERT_TRUE(ours.ok()) << t;
        ASSERT_EQ(to_u256(ours.value), *oracle::sqrt_ratio_at_tick(t)) << t;
    }
    for (const std::int32_t t : {v3::min_tick - 1, v3::max_tick + 1, -2'000'000'000}) {
        EXPECT_EQ(v3::fixed::sqrt_ratio_at_tick(t).error, pool_error::tick_out_of_range);
        EXPECT_FALSE(oracle::sqrt_ratio_at_tick(t).has_value());
    }
}

TEST(FixedU256, TickAtSqrtRatioMatchesTheSolidityPort) {
    std::mt19937_64 rng(5);
    for (int i = 0; i < 60000; ++i) {
        const u256 p = random_price(rng);
        if (p < v3::min_sqrt_ratio || p >= v3::max_sqrt_ratio) {
            EXPECT_EQ(v3::fixed::tick_at_sqrt_ratio(to_fixed(p)).error,
                      pool_error::price_out_of_range);
            continue;
        }
        const auto ours = v3::fixed::tick_at_sqrt_ratio(to_fixed(p));
        ASSERT_TRUE(ours.ok()) << p;
        ASSERT_EQ(ours.value, oracle::tick_at_sqrt_ratio(p)) << p;
    }
    // At and next to the tick boundaries, where the log is too close to an integer to decide
    // and the boundary's exact test does.
    for (int i = 0; i < 20000; ++i) {
        const auto t = static_cast<std::int32_t>(rng() % (2 * v3::max_tick)) - v3::max_tick;
        const u256 at = *oracle::sqrt_ratio_at_tick(t);
        for (const u256& p : {u256(at - 1), at, u256(at + 1), u256(at + (at >> 40))}) {
            if (p < v3::min_sqrt_ratio || p >= v3::max_sqrt_ratio) {
                continue;
            }
            ASSERT_EQ(v3::fixed::tick_at_sqrt_ratio(to_fixed(p)).value,
                      oracle::tick_at_sqrt_ratio(p))
                << p;
        }
    }
    EXPECT_EQ(v3::fixed::tick_at_sqrt_ratio(v3::fixed::max_sqrt_ratio).error,
              pool_error::price_out_of_range);
    EXPECT_EQ(v3::fixed::tick_at_sqrt_ratio(v3::fixed::min_sqrt_ratio - fixed_u256{1}).error,
              pool_error::price_out_of_range);
}

TEST(FixedU256, NextPriceFunctionsMatchTheSolidityPort) {
    std::mt19937_64 rng(6);
    for (int i = 0; i < 60000; ++i) {
        const u256 p = rng() % 16 == 0 ? edge_or_random(rng) : random_price(rng);
        const uint128 l = random_liquidity(rng);
        const u256 amount = edge_or_random(rng) >> (rng() % 200);
        const bool add = rng() % 2 == 0;
        const u256 lw = to_u256(l);
        const auto fp = to_fixed(p);
        const auto fa = to_fixed(amount);
        if (l != 0) { // the rounding functions divide by liquidity (the callers check it)
            ASSERT_EQ(boost_of(v3::fixed::next_sqrt_price_from_amount0_rounding_up(fp, l, fa, add)),
                      oracle::next_from_amount0(p, lw, amount, add))
                << p << " " << lw << " " << amount << " " << add;
            ASSERT_EQ(
                boost_of(v3::fixed::next_sqrt_price_from_amount1_rounding_down(fp, l, fa, add)),
                oracle::next_from_amount1(p, lw, amount, add))
                << p << " " << lw << " " << amount << " " << add;
        }
        ASSERT_EQ(boost_of(v3::fixed::next_sqrt_price_from_input(fp, l, fa, add)),
                  oracle::next_from_input(p, lw, amount, add));
        ASSERT_EQ(boost_of(v3::fixed::next_sqrt_price_from_output(fp, l, fa, add)),
                  oracle::next_from_output(p, lw, amount, add));
    }
}

TEST(FixedU256, AmountDeltasAndSwapStepsMatchTheSolidityPort) {
    std::mt19937_64 rng(7);
    const std::array<std::uint32_t, 6> fees = {0, 100, 500, 3000, 10000, 999999};
    for (int i = 0; i < 40000; ++i) {
        const u256 a = random_price(rng);
        const u256 b = rng() % 8 == 0 ? a : random_price(rng);
        const uint128 l = random_liquidity(rng);
        const u256 lw = to_u256(l);
        const bool up = rng() % 2 == 0;
        ASSERT_EQ(boost_of(v3::fixed::amount0_delta(to_fixed(a), to_fixed(b), l, up)),
                  oracle::delta0(a, b, lw, up));
        ASSERT_EQ(boost_of(v3::fixed::amount1_delta(to_fixed(a), to_fixed(b), l, up)),
                  oracle::delta1(a, b, lw, up));
        const u256 remaining = edge_or_random(rng) >> (1 + rng() % 200); // an int256 magnitude
        const bool exact_in = rng() % 2 == 0;
        const std::uint32_t fee = fees[rng() % fees.size()];
        const auto ours = v3::fixed::compute_swap_step(to_fixed(a), to_fixed(b), l,
                                                       to_fixed(remaining), exact_in, fee);
        const auto ref = oracle::swap_step(a, b, lw, remaining, exact_in, fee);
        ASSERT_EQ(ours.has_value(), ref.has_value())
            << a << " -> " << b << " L " << lw << " rem " << remaining;
        if (ref) {
            ASSERT_EQ(to_u256(ours->sqrt_price_next_x96), ref->sqrt_price_next_x96);
            ASSERT_EQ(to_u256(ours->amount_in), ref->amount_in);
            ASSERT_EQ(to_u256(ours->amount_out), ref->amount_out);
            ASSERT_EQ(to_u256(ours->fee_amount), ref->fee_amount);
        }
    }
}

// A random pool: a few positions of random ranges and sizes on a standard fee tier, the price
// somewhere inside, sometimes on a tick boundary.
uniswap_v3_pool random_pool(std::mt19937_64& rng) {
    const std::array<std::uint32_t, 4> tiers = {100, 500, 3000, 10000};
    const std::uint32_t fee = tiers[rng() % tiers.size()];
    const std::int32_t spacing = v3::standard_tick_spacing(fee);
    const std::int32_t span = rng() % 4 == 0 ? v3::max_tick / spacing : 3000;
    const std::int32_t centre = static_cast<std::int32_t>(rng() % 400'001) - 200'000;
    const std::int32_t tick = centre - centre % spacing + static_cast<std::int32_t>(rng() % 7) - 3;
    u256 price = *oracle::sqrt_ratio_at_tick(tick);
    if (rng() % 3 != 0) {
        const u256 gap = *oracle::sqrt_ratio_at_tick(tick + 1) - price;
        price += gap == 0 ? u256(0) : u256(rng()) % gap;
    }
    uniswap_v3_pool p;
    EXPECT_EQ(p.reset(fee, spacing, price, 0, tick, {}), pool_error::ok);
    const int positions = 1 + static_cast<int>(rng() % 12);
    for (int i = 0; i < positions; ++i) {
        auto pick = [&] {
            const auto c = static_cast<std::int32_t>(rng() % (2 * span + 1)) - span;
            return std::clamp(tick / spacing + c, v3::min_tick / spacing, v3::max_tick / spacing) *
                   spacing;
        };
        std::int32_t lo = pick();
        std::int32_t hi = pick();
        if (lo == hi) {
            continue;
        }
        if (lo > hi) {
            std::swap(lo, hi);
        }
        const auto l = static_cast<int128>(random_liquidity(rng) >> (1 + rng() % 60));
        if (l > 0) {
            EXPECT_EQ(p.apply_position_delta(lo, hi, l), pool_error::ok);
        }
    }
    return p;
}

void expect_same_swap(const v3_swap_result& ours, const v3_swap_result& ref) {
    ASSERT_EQ(ours.error, ref.error);
    if (!ref.ok()) {
        return;
    }
    EXPECT_EQ(ours.amount_in, ref.amount_in);
    EXPECT_EQ(ours.amount_out, ref.amount_out);
    EXPECT_EQ(ours.fee_amount, ref.fee_amount);
    EXPECT_EQ(ours.sqrt_price_x96_after, ref.sqrt_price_x96_after);
    EXPECT_EQ(ours.tick_after, ref.tick_after);
    EXPECT_EQ(ours.liquidity_after, ref.liquidity_after);
    EXPECT_EQ(ours.ticks_crossed, ref.ticks_crossed);
    EXPECT_EQ(ours.steps, ref.steps);
    EXPECT_EQ(ours.partial, ref.partial);
}

TEST(FixedU256, WholeSwapsOnRandomPoolsMatchTheSolidityPort) {
    std::mt19937_64 rng(8);
    std::size_t crossed = 0;
    std::size_t filled = 0;
    for (int i = 0; i < 600; ++i) {
        uniswap_v3_pool pool = random_pool(rng);
        for (int j = 0; j < 12; ++j) {
            v3_swap_request req;
            req.zero_for_one = rng() % 2 == 0;
            req.exact_input = rng() % 2 == 0;
            req.amount = rng() % 20 == 0 ? edge_or_random(rng) : u256(rng()) << (rng() % 100);
            if (rng() % 3 == 0) {
                req.sqrt_price_limit_x96 = random_price(rng);
            }
            const auto ours = pool.quote(req);
            const auto ref = oracle::quote(pool, req);
            SCOPED_TRACE(testing::Message() << "pool " << i << " swap " << j);
            ASSERT_NO_FATAL_FAILURE(expect_same_swap(ours, ref));
            crossed += ours.ticks_crossed;
            filled += ours.ok() ? 1 : 0;
            if (rng() % 2 == 0) { // move the pool on and keep comparing from there
                (void)pool.swap(req);
            }
            if (rng() % 4 == 0) {
                // A mint around the current tick: the ranges' cached crossings must follow.
                const std::int32_t spacing = pool.tick_spacing();
                const std::int32_t at = pool.tick() / spacing * spacing;
                const auto width = spacing * static_cast<std::int32_t>(1 + rng() % 40);
                const std::int32_t lo = std::max(at - width, v3::min_tick / spacing * spacing);
                const std::int32_t hi = std::min(at + width, v3::max_tick / spacing * spacing);
                const auto l = static_cast<int128>(random_liquidity(rng) >> (1 + rng() % 60));
                if (lo < hi && l > 0) {
                    (void)pool.apply_position_delta(lo, hi, rng() % 3 == 0 ? -l : l);
                }
            }
        }
    }
    EXPECT_GT(crossed, 1000U); // the walk really crossed ticks
    EXPECT_GT(filled, 3000U);  // and most swaps went through
}

} // namespace
