// Full-precision mul/div (FullMath.mulDiv and mulDivRoundingUp) against Boost.Multiprecision's
// own 512-bit arithmetic, on operands built to reach every path of the limb division: one-limb
// divisors, top limbs with the high bit set or clear, quotient estimates that need correcting
// and the rare add-back step.
#include "book/u256.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>

namespace {

using namespace ballast;

// A word of `limbs` 64-bit limbs drawn from edge values and random ones.
u256 structured(std::mt19937_64& rng, unsigned limbs) {
    static constexpr std::array<std::uint64_t, 6> edges = {0,
                                                           1,
                                                           0x8000000000000000ULL,
                                                           0xffffffffffffffffULL,
                                                           0x7fffffffffffffffULL,
                                                           0xfffffffffffffffeULL};
    u256 x = 0;
    for (unsigned i = 0; i < limbs; ++i) {
        const std::uint64_t limb = rng() % 3 == 0 ? rng() : edges[rng() % edges.size()];
        x = (x << 64) | limb;
    }
    return x;
}

std::optional<u256> reference(const u256& a, const u256& b, const u256& d, bool up) {
    const u512 p = u512(a) * b;
    u512 q = p / d;
    if (up && q * d != p) {
        ++q;
    }
    if (q > u512(u256_max)) {
        return std::nullopt;
    }
    return static_cast<u256>(q);
}

TEST(U256MulDiv, AgreesWithWideArithmeticOnEveryDivisionPath) {
    std::mt19937_64 rng(20261124);
    std::size_t cases = 0;
    for (int i = 0; i < 60000; ++i) {
        const u256 a = structured(rng, 1 + rng() % 4);
        const u256 b = structured(rng, 1 + rng() % 4);
        u256 d = structured(rng, 1 + rng() % 4);
        if (d == 0) {
            d = 3;
        }
        for (const bool up : {false, true}) {
            const auto ours = up ? mul_div_rounding_up(a, b, d) : mul_div(a, b, d);
            const auto ref = reference(a, b, d, up);
            ASSERT_EQ(ours.has_value(), ref.has_value())
                << a << " * " << b << " / " << d << (up ? " (up)" : "");
            if (ref) {
                ASSERT_EQ(*ours, *ref) << a << " * " << b << " / " << d << (up ? " (up)" : "");
            }
            ++cases;
        }
    }
    EXPECT_EQ(cases, 120000U);
}

TEST(U256MulDiv, KnownValues) {
    // Q96 divisions (a power of two) and a quotient of exactly 2^256 - 1.
    const u256 q96 = u256(1) << 96;
    EXPECT_EQ(mul_div(q96, q96, q96).value(), q96);
    EXPECT_EQ(mul_div_rounding_up(q96 + 1, 3, q96).value(), 4U);
    EXPECT_EQ(mul_div(u256_max, u256_max, u256_max).value(), u256_max);
    EXPECT_FALSE(mul_div_rounding_up(u256_max, u256_max, u256_max - 1).has_value());
    // A case that needs the add-back step with 64-bit limbs (Hacker's Delight's divmnu test
    // pattern scaled up): u = 0x7fff...ffff 8000...0000 0000...0000 0000...0000,
    // v = 0x8000...0000 0000...0000 0000...0001.
    const u256 u_hi = (u256(0x7fffffffffffffffULL) << 64) | 0x8000000000000000ULL;
    const u256 v = (u256(0x8000000000000000ULL) << 128) | 1;
    const u256 a = u_hi;
    const u256 b = u256(1) << 128;
    EXPECT_EQ(mul_div(a, b, v), reference(a, b, v, false));
    EXPECT_EQ(mul_div_rounding_up(a, b, v), reference(a, b, v, true));
}

} // namespace
