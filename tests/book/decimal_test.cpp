#include "book/decimal.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace ballast;

TEST(Decimal, ParsesVenueStringsExactly) {
    EXPECT_EQ(parse_steps("0.35130000", {1, 4}).value, 3513);
    EXPECT_EQ(parse_steps("65000.1", {1, 1}).value, 650001);
    EXPECT_EQ(parse_steps("415", {1, 0}).value, 415);
    EXPECT_EQ(parse_steps("0.0005", {5, 4}).value, 1);
    EXPECT_EQ(parse_steps("0.0015", {5, 4}).value, 3);
    EXPECT_EQ(parse_steps("5e-4", {5, 4}).value, 1);
    EXPECT_EQ(parse_steps("1.5E2", {1, 0}).value, 150);
    EXPECT_EQ(parse_steps("0", {1, 8}).value, 0);
    EXPECT_EQ(parse_steps("0.00000000", {1, 8}).value, 0);
    EXPECT_EQ(parse_steps("-1.25", {1, 2}, true).value, -125);
    EXPECT_EQ(parse_steps("+7", {1, 0}).value, 7);
    EXPECT_EQ(parse_steps("123.", {1, 0}).value, 123);
    EXPECT_EQ(parse_steps(".5", {1, 1}).value, 5);
}

TEST(Decimal, RejectsWhatItCannotRepresent) {
    EXPECT_EQ(parse_steps("", {1, 2}).error, decimal_error::empty);
    EXPECT_EQ(parse_steps("abc", {1, 2}).error, decimal_error::syntax);
    EXPECT_EQ(parse_steps("NaN", {1, 2}).error, decimal_error::syntax);
    EXPECT_EQ(parse_steps("inf", {1, 2}).error, decimal_error::syntax);
    EXPECT_EQ(parse_steps("1.2.3", {1, 2}).error, decimal_error::syntax);
    EXPECT_EQ(parse_steps("1e", {1, 2}).error, decimal_error::syntax);
    EXPECT_EQ(parse_steps("-", {1, 2}).error, decimal_error::syntax);
    EXPECT_EQ(parse_steps(".", {1, 2}).error, decimal_error::syntax);
    EXPECT_EQ(parse_steps("-1", {1, 2}).error, decimal_error::negative);
    EXPECT_EQ(parse_steps("0.123", {1, 2}).error, decimal_error::too_precise);
    EXPECT_EQ(parse_steps("0.0003", {5, 4}).error, decimal_error::off_step);
    EXPECT_EQ(parse_steps("99999999999999999999", {1, 0}).error, decimal_error::overflow);
    EXPECT_EQ(parse_steps("1e400", {1, 0}).error, decimal_error::overflow);
    EXPECT_EQ(parse_steps("1e99999999999", {1, 0}).error, decimal_error::overflow);
    EXPECT_EQ(parse_steps("92233720368547758.08", {1, 2}).error, decimal_error::overflow);
    EXPECT_TRUE(parse_steps("92233720368547758.07", {1, 2}).ok());
}

TEST(Decimal, LongRunsOfFractionalZerosTakeTheGeneralPath) {
    // Found by the decimal fuzz target: 25 zeros before a digit overran the power table.
    EXPECT_EQ(parse_steps("0.0000000000000000000000001", {1, 18}).error,
              decimal_error::too_precise);
    EXPECT_EQ(parse_steps("1.00000000000000000000000000", {1, 2}).value, 100);
    EXPECT_EQ(parse_steps("0.0000000000000000000000001e25", {1, 0}).value, 1);
}

TEST(Decimal, NegativeZeroIsZero) {
    auto r = parse_steps("-0.000", {1, 2});
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.value, 0);
}

TEST(Decimal, ParsesSteps) {
    EXPECT_EQ(parse_step("0.0005").value, (decimal_step{5, 4}));
    EXPECT_EQ(parse_step("1").value, (decimal_step{1, 0}));
    EXPECT_EQ(parse_step("10").value, (decimal_step{10, 0}));
    EXPECT_EQ(parse_step("0.01000000").value, (decimal_step{1, 2}));
    EXPECT_EQ(parse_step("1e-8").value, (decimal_step{1, 8}));
    EXPECT_FALSE(parse_step("0").ok());
    EXPECT_FALSE(parse_step("-0.1").ok());
}

TEST(Decimal, FormatsExactly) {
    EXPECT_EQ(format_steps(3513, {1, 4}, false), "0.3513");
    EXPECT_EQ(format_steps(3513, {1, 8}, false), "0.00003513");
    EXPECT_EQ(format_steps(351300, {1, 8}, true), "0.003513");
    EXPECT_EQ(format_steps(650001, {1, 1}), "65000.1");
    EXPECT_EQ(format_steps(415, {1, 0}), "415");
    EXPECT_EQ(format_steps(3, {5, 4}), "0.0015");
    EXPECT_EQ(format_steps(-125, {1, 2}), "-1.25");
    EXPECT_EQ(format_steps(0, {1, 8}, true), "0");
    EXPECT_EQ(format_steps(0, {1, 2}, false), "0.00");
    EXPECT_EQ(format_steps(100, {1, 2}, true), "1");
    EXPECT_EQ(format_steps(5, {10, 0}), "50");
}

TEST(Decimal, RoundTripsRandomValues) {
    std::uint64_t x = 88172645463325252ULL; // xorshift: deterministic
    for (int i = 0; i < 20000; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        const auto steps = static_cast<std::int64_t>(x % 1000000000000ULL);
        const decimal_step step{static_cast<std::int64_t>(1 + (x >> 50) % 5),
                                static_cast<int>((x >> 40) % 12)};
        for (bool trim : {true, false}) {
            const auto text = format_steps(steps, step, trim);
            const auto back = parse_steps(text, step);
            ASSERT_TRUE(back.ok()) << text;
            ASSERT_EQ(back.value, steps) << text;
        }
    }
}

// The 64-bit fast path decides plain decimals; an exponent sends a text to the general (128-bit)
// path. "Xe0" is X, so both paths must agree on every text, value and error alike.
TEST(Decimal, TheFastPathAgreesWithTheGeneralPath) {
    std::uint64_t x = 0x9E3779B97F4A7C15ULL;
    auto next = [&x] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return x;
    };
    static constexpr char alphabet[] = "0000123456789.-+x";
    int agreed_ok = 0;
    for (int i = 0; i < 200000; ++i) {
        std::string text;
        const auto length = 1 + next() % 24;
        for (std::uint64_t j = 0; j < length; ++j) {
            const auto r = next();
            // Mostly digits and at most a point, so that most texts are numbers.
            text += r % 8 == 0 ? alphabet[r % (sizeof alphabet - 1)] : char('0' + (r >> 8) % 10);
        }
        if (text.find_first_of("0123456789") == std::string::npos) {
            continue;
        }
        const decimal_step step{static_cast<std::int64_t>(1 + next() % 10),
                                static_cast<int>(next() % 19)};
        const bool allow_negative = next() % 2 == 0;
        const auto fast = parse_steps(text, step, allow_negative);
        const auto general = parse_steps(text + "e0", step, allow_negative);
        ASSERT_EQ(fast.error, general.error)
            << text << " step " << step.mantissa << "e-" << step.exponent;
        if (fast.ok()) {
            ASSERT_EQ(fast.value, general.value) << text;
            ++agreed_ok;
        }
    }
    EXPECT_GT(agreed_ok, 1000); // the texts reached the value path, not only the errors
}

TEST(Decimal, ToDouble) {
    EXPECT_DOUBLE_EQ(steps_to_double(3513, {1, 4}), 0.3513);
    EXPECT_DOUBLE_EQ(steps_to_double(3, {5, 4}), 0.0015);
}

TEST(DecimalsOf, CountsTheDecimalsTheTextIsWrittenWith) {
    EXPECT_EQ(ballast::decimals_of("0.35130000"), 8); // trailing zeros are the venue's scale
    EXPECT_EQ(ballast::decimals_of("415"), 0);
    EXPECT_EQ(ballast::decimals_of("65000.1"), 1);
    EXPECT_EQ(ballast::decimals_of("5e-05"), 5);
    EXPECT_EQ(ballast::decimals_of("1.25E-3"), 5);
    EXPECT_EQ(ballast::decimals_of("1.5E+3"), 0);
    EXPECT_EQ(ballast::decimals_of("1.2345e2"), 2);
    EXPECT_EQ(ballast::decimals_of(""), 0);
    EXPECT_EQ(ballast::decimals_of("1e-99999999"), 1000); // clamped; parse_steps rejects it
}
