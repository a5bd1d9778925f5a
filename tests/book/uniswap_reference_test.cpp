// Ballast's Uniswap math against the official Uniswap SDKs. The vectors in
// tests/data/dex/uniswap_vectors.json were generated once by tests/node/gen_uniswap_vectors.js
// (@uniswap/v3-sdk, @uniswap/v2-sdk, @uniswap/sdk-core; versions recorded in the file) and
// are checked in, so this test needs no node at run time. uniswap_sdk_live_test.cpp
// regenerates them with node when it is installed and checks they are unchanged.
#include "book/uniswap_v2.hpp"
#include "book/uniswap_v3.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

using namespace ballast;
namespace v3 = ballast::uniswap_v3;
using simdjson::dom::element;

namespace {

const std::string vectors_path = std::string(BALLAST_TEST_DATA_DIR) + "/dex/uniswap_vectors.json";

element load_vectors() {
    static simdjson::dom::parser parser;
    static element doc;
    static bool loaded = false;
    if (!loaded) {
        const auto err = parser.load(vectors_path).get(doc);
        if (err != simdjson::SUCCESS) {
            ADD_FAILURE() << vectors_path << ": " << simdjson::error_message(err);
        }
        loaded = true;
    }
    return doc;
}

std::string str(element e, const char* key) {
    std::string_view v;
    if (e[key].get_string().get(v) != simdjson::SUCCESS) {
        ADD_FAILURE() << "missing string field " << key;
    }
    return std::string(v);
}
u256 big(element e, const char* key) {
    const auto v = parse_u256(str(e, key));
    EXPECT_TRUE(v.has_value()) << key;
    return v.value_or(0);
}
std::int64_t num(element e, const char* key) {
    std::int64_t v = 0;
    EXPECT_EQ(e[key].get_int64().get(v), simdjson::SUCCESS) << key;
    return v;
}
bool flag(element e, const char* key) {
    bool v = false;
    EXPECT_EQ(e[key].get_bool().get(v), simdjson::SUCCESS) << key;
    return v;
}
bool has(element e, const char* key) {
    element x;
    return e[key].get(x) == simdjson::SUCCESS;
}

} // namespace

TEST(UniswapReference, TickMathMatchesSdk) {
    const element doc = load_vectors();
    std::size_t n = 0;
    for (element v : doc["tick_math"]["at_tick"].get_array()) {
        const auto t = static_cast<std::int32_t>(num(v, "tick"));
        const auto r = v3::sqrt_ratio_at_tick(t);
        ASSERT_TRUE(r.ok());
        EXPECT_EQ(r.value, big(v, "sqrt_price_x96")) << "tick " << t;
        ++n;
    }
    for (element v : doc["tick_math"]["at_price"].get_array()) {
        const u256 p = big(v, "sqrt_price_x96");
        const auto r = v3::tick_at_sqrt_ratio(p);
        ASSERT_TRUE(r.ok()) << p;
        EXPECT_EQ(r.value, num(v, "tick")) << "sqrt price " << p;
        ++n;
    }
    EXPECT_GT(n, 1000U);
}

TEST(UniswapReference, SqrtPriceMathMatchesSdk) {
    const element doc = load_vectors();
    std::size_t n = 0;
    for (element v : doc["sqrt_price_math"].get_array()) {
        const u256 p = big(v, "sqrt_price");
        const uint128 liq = to_u128(big(v, "liquidity"));
        const u256 amount = big(v, "amount");
        const bool zfo = flag(v, "zero_for_one");
        const u256 q = big(v, "other_price");
        const auto in = v3::next_sqrt_price_from_input(p, liq, amount, zfo);
        const auto out = v3::next_sqrt_price_from_output(p, liq, amount, zfo);
        const std::string ref_in = str(v, "next_from_input");
        const std::string ref_out = str(v, "next_from_output");
        if (ref_in == "error") {
            EXPECT_FALSE(in.has_value()) << p << " " << amount;
        } else if (const auto sdk = parse_u256(ref_in); !sdk || *sdk > u160_max) {
            // The SDK adds without SafeCast (even past 2^256); the contract's toUint160 reverts.
            EXPECT_FALSE(in.has_value()) << p << " " << amount;
        } else {
            ASSERT_TRUE(in.has_value()) << p << " " << amount;
            EXPECT_EQ(*in, *parse_u256(ref_in));
        }
        if (ref_out == "error") {
            EXPECT_FALSE(out.has_value()) << p << " " << amount;
        } else {
            ASSERT_TRUE(out.has_value()) << p << " " << amount;
            EXPECT_EQ(*out, *parse_u256(ref_out));
        }
        EXPECT_EQ(v3::amount0_delta(p, q, liq, true).value(), big(v, "amount0_delta_up"));
        EXPECT_EQ(v3::amount0_delta(p, q, liq, false).value(), big(v, "amount0_delta_down"));
        EXPECT_EQ(v3::amount1_delta(p, q, liq, true).value(), big(v, "amount1_delta_up"));
        EXPECT_EQ(v3::amount1_delta(p, q, liq, false).value(), big(v, "amount1_delta_down"));
        ++n;
    }
    EXPECT_GT(n, 100U);
}

TEST(UniswapReference, ComputeSwapStepMatchesSdk) {
    const element doc = load_vectors();
    std::size_t n = 0;
    for (element v : doc["swap_step"].get_array()) {
        const auto step = v3::compute_swap_step(
            big(v, "sqrt_current"), big(v, "sqrt_target"), to_u128(big(v, "liquidity")),
            big(v, "amount"), flag(v, "exact_input"), static_cast<std::uint32_t>(num(v, "fee")));
        if (has(v, "error")) {
            EXPECT_FALSE(step.has_value());
            continue;
        }
        ASSERT_TRUE(step.has_value()) << big(v, "sqrt_current") << " " << big(v, "amount");
        EXPECT_EQ(step->sqrt_price_next_x96, big(v, "sqrt_next"));
        EXPECT_EQ(step->amount_in, big(v, "amount_in"));
        EXPECT_EQ(step->amount_out, big(v, "amount_out"));
        EXPECT_EQ(step->fee_amount, big(v, "fee_amount"));
        ++n;
    }
    EXPECT_GT(n, 500U);
}

TEST(UniswapReference, V3SwapsMatchSdkOnEveryFeeTier) {
    const element doc = load_vectors();
    std::size_t swaps = 0;
    std::size_t crossed = 0;
    std::size_t partial = 0;
    std::vector<std::uint32_t> fees_seen;
    for (element scenario : doc["v3_pools"].get_array()) {
        const std::string name = str(scenario, "name");
        const element p = scenario["pool"];
        std::vector<v3_tick> ticks;
        for (element t : p["ticks"].get_array()) {
            ticks.push_back({static_cast<std::int32_t>(num(t, "index")),
                             *parse_i128(str(t, "liquidity_net")),
                             to_u128(big(t, "liquidity_gross"))});
        }
        uniswap_v3_pool pool;
        const auto fee = static_cast<std::uint32_t>(num(p, "fee"));
        ASSERT_EQ(pool.reset(fee, static_cast<std::int32_t>(num(p, "tick_spacing")),
                             big(p, "sqrt_price_x96"), to_u128(big(p, "liquidity")),
                             static_cast<std::int32_t>(num(p, "tick")), ticks),
                  pool_error::ok)
            << name;
        fees_seen.push_back(fee);
        std::size_t i = 0;
        for (element s : scenario["swaps"].get_array()) {
            v3_swap_request req;
            req.zero_for_one = flag(s, "zero_for_one");
            req.exact_input = flag(s, "exact_input");
            req.amount = big(s, "amount");
            req.sqrt_price_limit_x96 = big(s, "sqrt_price_limit_x96");
            const auto r = pool.quote(req);
            const std::string where = name + " swap " + std::to_string(i++);
            if (has(s, "error")) {
                const std::string err = str(s, "error");
                EXPECT_FALSE(r.ok()) << where;
                if (err == "AS" || err == "SPL") {
                    EXPECT_EQ(to_string(r.error), err) << where;
                }
                continue;
            }
            ASSERT_TRUE(r.ok()) << where << ": " << to_string(r.error);
            EXPECT_EQ(r.amount_in, big(s, "amount_in")) << where;
            EXPECT_EQ(r.amount_out, big(s, "amount_out")) << where;
            EXPECT_EQ(r.fee_amount, big(s, "fee_amount")) << where;
            EXPECT_EQ(r.sqrt_price_x96_after, big(s, "sqrt_price_x96_after")) << where;
            EXPECT_EQ(r.tick_after, num(s, "tick_after")) << where;
            EXPECT_EQ(to_u256(r.liquidity_after), big(s, "liquidity_after")) << where;
            EXPECT_EQ(r.ticks_crossed, num(s, "ticks_crossed")) << where;
            EXPECT_EQ(r.steps, num(s, "steps")) << where;
            EXPECT_EQ(r.partial, flag(s, "partial")) << where;
            ++swaps;
            crossed += r.ticks_crossed > 0 ? 1 : 0;
            partial += r.partial ? 1 : 0;
        }
    }
    // The vectors exercise what they claim: all tiers, tick crossings and partial fills.
    for (const std::uint32_t fee : {100U, 500U, 3000U, 10000U}) {
        EXPECT_NE(std::find(fees_seen.begin(), fees_seen.end(), fee), fees_seen.end()) << fee;
    }
    EXPECT_GT(swaps, 1000U);
    EXPECT_GT(crossed, 100U);
    EXPECT_GT(partial, 100U);
}

TEST(UniswapReference, V2QuotesMatchSdk) {
    const element doc = load_vectors();
    std::size_t n = 0;
    for (element v : doc["v2_pairs"].get_array()) {
        uniswap_v2_pool pair;
        ASSERT_EQ(pair.reset(3000, big(v, "reserve0"), big(v, "reserve1")), pool_error::ok);
        const bool zfo = flag(v, "zero_for_one");
        const u256 amount = big(v, "amount");
        // Pair.getOutputAmount refuses a zero output (the pair's INSUFFICIENT_OUTPUT_AMOUNT);
        // Pair.getInputAmount refuses an output at or above the reserve. Neither checks the
        // pair's uint112 balance limit, which quote() adds.
        const std::string ref_out = str(v, "amount_out");
        const auto out = pair.amount_out(amount, zfo);
        if (ref_out == "error") {
            EXPECT_TRUE(!out.ok() || out.value == 0) << amount;
            EXPECT_FALSE(pair.quote({zfo, true, amount}).ok());
        } else {
            ASSERT_TRUE(out.ok()) << amount << " " << to_string(out.error);
            EXPECT_EQ(out.value, *parse_u256(ref_out));
        }
        const std::string ref_in = str(v, "amount_in");
        const auto in = pair.amount_in(amount, zfo);
        if (ref_in == "error" || amount == 0) {
            // getAmountIn requires amountOut > 0; the SDK does not check it.
            EXPECT_FALSE(in.ok()) << amount;
            EXPECT_FALSE(pair.quote({zfo, false, amount}).ok());
        } else {
            ASSERT_TRUE(in.ok()) << amount << " " << to_string(in.error);
            EXPECT_EQ(in.value, *parse_u256(ref_in));
        }
        ++n;
    }
    EXPECT_GT(n, 200U);
}
