// Pool state files: parse, write back, and one clear error naming the field for bad input.
#include "book/pool_state.hpp"
#include "book/pool_view.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace ballast;

namespace {

const std::string dex_dir = std::string(BALLAST_TEST_DATA_DIR) + "/dex/";

const char* v3_json =
    R"({"type":"uniswap_v3","address":"0x00000000000000000000000000000000000000a1","token0":"0xa","token1":"0xb",
  "decimals0":6,"decimals1":18,"fee":3000,"tick_spacing":60,
  "sqrt_price_x96":"79228162514264337593543950336","liquidity":"1000","tick":0,
  "ticks":[{"index":-60,"liquidity_net":"1000"},{"index":60,"liquidity_net":"-1000"}],
  "block":17})";

std::string replace(std::string s, const std::string& from, const std::string& to) {
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return at == std::string::npos ? s : s.replace(at, from.size(), to);
}

std::string error_of(const std::string& json) {
    return parse_pool_state(json).error;
}

} // namespace

TEST(UniswapPoolState, ParsesV3AndWritesItBack) {
    const auto r = parse_pool_state(v3_json);
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.state.kind, pool_kind::uniswap_v3);
    EXPECT_EQ(r.state.meta.address, "0x00000000000000000000000000000000000000a1");
    EXPECT_EQ(r.state.meta.decimals0, 6);
    EXPECT_EQ(r.state.meta.block, 17U);
    EXPECT_EQ(r.state.v3.fee(), 3000U);
    EXPECT_EQ(r.state.v3.ticks().size(), 2U);
    EXPECT_EQ(r.state.v3.ticks()[1].liquidity_net, -1000);
    const std::string written = write_pool_state(r.state);
    const auto again = parse_pool_state(written);
    ASSERT_TRUE(again.ok()) << again.error;
    EXPECT_EQ(write_pool_state(again.state), written);
    EXPECT_EQ(again.state.v3.sqrt_price_x96(), r.state.v3.sqrt_price_x96());
    EXPECT_NE(written.find(R"("sqrt_price_x96":"79228162514264337593543950336")"),
              std::string::npos);
}

TEST(UniswapPoolState, ParsesTheSampleFiles) {
    const auto v3 = load_pool_state(dex_dir + "usdc_weth_500_v3.json");
    ASSERT_TRUE(v3.ok()) << v3.error;
    EXPECT_EQ(v3.state.v3.tick_spacing(), 10);
    const auto v2 = load_pool_state(dex_dir + "usdc_weth_v2.json");
    ASSERT_TRUE(v2.ok()) << v2.error;
    EXPECT_EQ(v2.state.kind, pool_kind::uniswap_v2);
    EXPECT_EQ(v2.state.v2.reserve1(), u256("10000000000000000000000"));
    const auto again = parse_pool_state(write_pool_state(v2.state));
    ASSERT_TRUE(again.ok()) << again.error;
    EXPECT_EQ(again.state.v2.reserve0(), v2.state.v2.reserve0());
    EXPECT_EQ(load_pool_state(dex_dir + "missing.json").error,
              dex_dir + "missing.json: No such file or directory");
}

TEST(UniswapPoolState, ErrorsNameTheField) {
    const std::string s = v3_json;
    EXPECT_EQ(error_of(replace(s, R"("type":"uniswap_v3")", R"("type":"curve")")),
              R"(type: expected "uniswap_v2" or "uniswap_v3", got "curve")");
    EXPECT_EQ(error_of(replace(s, R"("liquidity":"1000")", R"("liquidity":1000)")),
              "liquidity: expected a decimal string (big integers are quoted)");
    EXPECT_EQ(error_of(replace(s, R"("liquidity":"1000")", R"("liquidity":"-5")")),
              "liquidity: not a non-negative decimal integer below 2^256");
    EXPECT_EQ(error_of(replace(s, R"("liquidity":"1000")",
                               R"("liquidity":"340282366920938463463374607431768211456")")),
              "liquidity: does not fit in uint128");
    EXPECT_EQ(error_of(replace(s, R"("fee":3000)", R"("fee":"3000")")),
              "fee: expected an integer JSON number");
    EXPECT_EQ(error_of(replace(s, R"("fee":3000)", R"("fee":500)")),
              "fee: tick_spacing 60 does not match fee tier 500");
    EXPECT_EQ(error_of(replace(s, R"("tick":0,)", R"("tick":900000,)")),
              "tick: out of range [-887272, 887272]");
    EXPECT_EQ(error_of(replace(s, R"("tick":0,)", R"("tick":60,)")),
              "tick: 60 does not contain sqrt_price_x96");
    EXPECT_EQ(error_of(replace(s, R"("liquidity_net":"-1000")", R"("liquidity_net":"x")")),
              "ticks[1].liquidity_net: not a decimal integer within int128");
    EXPECT_EQ(error_of(replace(s, R"({"index":-60,)", R"({"idx":-60,)")),
              "ticks[0].index: missing");
    EXPECT_EQ(error_of(replace(s, R"("index":60)", R"("index":-120)")),
              "ticks: indexes must be increasing, unique multiples of tick_spacing");
    EXPECT_EQ(error_of(replace(s, R"("block":17)", R"("block":-1)")),
              "block: out of range [0, 9223372036854775807]");
    EXPECT_EQ(
        error_of(replace(s, R"("address":"0x00000000000000000000000000000000000000a1",)", "")),
        "address: missing");
    EXPECT_EQ(error_of("{").rfind("json: ", 0), 0U);
    EXPECT_EQ(error_of("[1]"), "json: expected an object");
}

TEST(UniswapPoolState, V2ReservesAreUint112) {
    const std::string v2 =
        R"({"type":"uniswap_v2","address":"0x00000000000000000000000000000000000000a1","token0":"b","token1":"c",
      "decimals0":18,"decimals1":18,"fee":3000,"reserve0":"5192296858534827628530496329220096",
      "reserve1":"1","block":1})";
    EXPECT_EQ(error_of(v2), "reserve0/reserve1: a reserve exceeds uint112");
}

TEST(UniswapPoolState, UnknownKeysDuplicateKeysAndMalformedAddressesAreRefused) {
    const std::string s = v3_json;
    EXPECT_EQ(error_of(replace(s, R"("type":"uniswap_v3",)", R"("type":"uniswap_v3","colour":1,)")),
              "colour: unknown field");
    // A v2 field in a v3 pool is unknown there.
    EXPECT_EQ(
        error_of(replace(s, R"("type":"uniswap_v3",)", R"("type":"uniswap_v3","reserve0":"1",)")),
        "reserve0: unknown field");
    EXPECT_EQ(error_of(replace(s, R"("type":"uniswap_v3",)", R"("type":"uniswap_v3","fee":1,)")),
              "json: fee: duplicate key");
    const auto addr = [&](const std::string& a) {
        return error_of(replace(s, "0x00000000000000000000000000000000000000a1", a));
    };
    EXPECT_EQ(addr("0xZZ\\\"\\u0001"), "address: \"0xZZ\\x22\\x01\" is not 0x and 40 hex digits");
    EXPECT_EQ(addr("0x1"), "address: \"0x1\" is not 0x and 40 hex digits");
    EXPECT_EQ(
        addr("00000000000000000000000000000000000000a1ab"),
        "address: \"00000000000000000000000000000000000000a1ab\" is not 0x and 40 hex digits");
    EXPECT_EQ(
        addr("0x00000000000000000000000000000000000000a1f"),
        "address: \"0x00000000000000000000000000000000000000a1f\" is not 0x and 40 hex digits");
    EXPECT_TRUE(parse_pool_state(replace(s, "0x00000000000000000000000000000000000000a1",
                                         "0xAbCdEf00000000000000000000000000000000a1"))
                    .ok());
    // The keys a caller allows pass (a market file's cost fields).
    static constexpr std::string_view extra[] = {"venue"};
    EXPECT_TRUE(
        parse_pool_state(
            replace(s, R"("type":"uniswap_v3",)", R"("type":"uniswap_v3","venue":"u",)"), extra)
            .ok());
    EXPECT_EQ(load_pool_state("/").error, "/: is a directory");
    EXPECT_EQ(load_pool_state("/dev/null").error, "/dev/null: empty file");
}
