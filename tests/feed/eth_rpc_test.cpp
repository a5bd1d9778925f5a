// Ethereum JSON-RPC and Uniswap event decoding: golden messages in the node's own format
// (geth's eth_subscription notifications, eth_getLogs responses) and every malformed variant.
#include "feed/eth_rpc.hpp"
#include "feed/uniswap_events.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace ballast;
using namespace ballast::feed;

namespace {

// A real mainnet USDC/WETH 0.05% Swap log as geth delivers it over eth_subscribe: amount0
// +2000 USDC in, amount1 -0.5 WETH out (synthetic amounts, genuine layout and topics).
const std::string v3_swap_notification =
    R"({"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0x4a8a4c0517381924f9838102c5a4dcb7","result":{"address":"0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640","topics":["0xc42079f94a6350d7e6235f29174924f928cc2ac818eb64fed8004e115fbcca67","0x000000000000000000000000e592427a0aece92de3edee1f18e0157c05861564","0x000000000000000000000000e592427a0aece92de3edee1f18e0157c05861564"],"data":"0x0000000000000000000000000000000000000000000000000000000077359400fffffffffffffffffffffffffffffffffffffffffffffffff90fa4a62c4e0000000000000000000000000000000000000000474f46957ea01942a3508aadeb970000000000000000000000000000000000000000000000004bca6f7d4f1a17a6000000000000000000000000000000000000000000000000000000000002fe9e","blockNumber":"0x12262d1","transactionHash":"0x8a4c5d2bbf3e1e7d6e0f4c7b1b5f1d0a3c2b1a09f8e7d6c5b4a3928171615141","transactionIndex":"0x2a","blockHash":"0x5f5b1b3c6a0e2d8b7e4f1c9a3d6b8e2f4a7c9d1e3b5f7a9c1e3d5b7f9a1c3e5d","logIndex":"0x85","removed":false}}})";

std::string replace(std::string s, const std::string& from, const std::string& to) {
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return at == std::string::npos ? s : s.replace(at, from.size(), to);
}

} // namespace

TEST(EthRpc, DecodesALogsNotificationAndItsV3Swap) {
    eth_rpc_decoder d;
    const auto m = d.decode(v3_swap_notification);
    ASSERT_TRUE(m.ok()) << m.error_field;
    EXPECT_EQ(m.kind, eth_message_kind::logs);
    EXPECT_EQ(m.subscription, "0x4a8a4c0517381924f9838102c5a4dcb7");
    ASSERT_EQ(m.logs.size(), 1U);
    const eth_log& log = m.logs[0];
    ASSERT_EQ(log.error, eth_error::ok) << log.error_field;
    EXPECT_EQ(to_hex(log.address), "0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640");
    EXPECT_EQ(log.block_number, 0x12262d1U);
    EXPECT_EQ(log.log_index, 0x85U);
    EXPECT_EQ(log.tx_index, 0x2aU);
    EXPECT_EQ(log.topic_count, 3);
    EXPECT_EQ(log.data_size, 160);
    EXPECT_FALSE(log.removed);
    const auto ev = decode_uniswap_event(log);
    ASSERT_TRUE(ev.ok()) << ev.field;
    EXPECT_EQ(ev.event.kind, uniswap_event_kind::v3_swap);
    EXPECT_FALSE(ev.event.amount0.negative);
    EXPECT_EQ(ev.event.amount0.magnitude, 2'000'000'000U);
    EXPECT_TRUE(ev.event.amount1.negative);
    EXPECT_EQ(ev.event.amount1.magnitude, u256("500000000000000000"));
    EXPECT_EQ(ev.event.sqrt_price_x96, u256("1446331951376501575594837134928791"));
    EXPECT_EQ(ev.event.liquidity, static_cast<uint128>(0x4bca6f7d4f1a17a6ULL));
    EXPECT_EQ(ev.event.tick, 196254);
}

TEST(EthRpc, DecodesHeadsAcksErrorsAndGetLogs) {
    eth_rpc_decoder d;
    auto m = d.decode(
        R"({"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0x9ce5","result":{"parentHash":"0x0000000000000000000000000000000000000000000000000000000000000001","number":"0x1b4","hash":"0x00000000000000000000000000000000000000000000000000000000000000ff","miner":"0x0000000000000000000000000000000000000000","gasUsed":"0x0"}}})");
    ASSERT_TRUE(m.ok()) << m.error_field;
    EXPECT_EQ(m.kind, eth_message_kind::head);
    EXPECT_EQ(m.head.number, 0x1b4U);
    EXPECT_EQ(m.head.hash[31], 0xff);
    EXPECT_EQ(m.head.parent_hash[31], 0x01);

    m = d.decode(R"({"jsonrpc":"2.0","id":7,"result":"0xcd0c3e8af590364c09d0fa6a1210faf5"})");
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m.kind, eth_message_kind::subscribed);
    EXPECT_EQ(m.id, 7);
    EXPECT_EQ(m.subscription, "0xcd0c3e8af590364c09d0fa6a1210faf5");

    m = d.decode(
        R"({"jsonrpc":"2.0","id":8,"error":{"code":-32005,"message":"query returned more than 10000 results"}})");
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m.kind, eth_message_kind::error);
    EXPECT_EQ(m.rpc_error, "query returned more than 10000 results");

    // eth_getLogs: a v2 Sync, then a malformed element kept with its error.
    m = d.decode(
        R"({"jsonrpc":"2.0","id":9,"result":[{"address":"0xb4e16d0168e52d35cacd2c6185b44281ec28c9dc","topics":["0x1c411e9a96e071241c2f21f7726b17ae89e3cab4c78be50e062b03a9fffbbad1"],"data":"0x00000000000000000000000000000000000000000000000000001b48eb57e00000000000000000000000000000000000000000000000021e19e0c9bab2400000","blockNumber":"0x10","transactionHash":"0x00000000000000000000000000000000000000000000000000000000000000aa","transactionIndex":"0x0","blockHash":"0x00000000000000000000000000000000000000000000000000000000000000bb","logIndex":"0x0","removed":false},{"address":"0xzz","topics":[],"data":"0x","blockNumber":"0x10","logIndex":"0x1"}]})");
    ASSERT_TRUE(m.ok()) << m.error_field;
    EXPECT_EQ(m.kind, eth_message_kind::logs);
    ASSERT_EQ(m.logs.size(), 2U);
    EXPECT_EQ(m.logs[0].error, eth_error::ok);
    const auto sync = decode_uniswap_event(m.logs[0]);
    ASSERT_TRUE(sync.ok());
    EXPECT_EQ(sync.event.kind, uniswap_event_kind::v2_sync);
    EXPECT_EQ(sync.event.reserve0, u256("30000000000000"));
    EXPECT_EQ(sync.event.reserve1, u256("10000000000000000000000"));
    EXPECT_EQ(m.logs[1].error, eth_error::bad_hex);
    EXPECT_EQ(m.logs[1].error_field, "address");
}

TEST(EthRpc, MalformedMessagesAndLogsNameTheField) {
    eth_rpc_decoder d;
    auto log_error = [&](const std::string& json) {
        const auto m = d.decode(json);
        EXPECT_TRUE(m.ok()) << m.error_field;
        EXPECT_EQ(m.logs.size(), 1U);
        return m.logs.empty() ? std::string("none")
                              : std::string(to_string(m.logs[0].error)) + " " +
                                    std::string(m.logs[0].error_field);
    };
    const std::string& s = v3_swap_notification;
    EXPECT_EQ(
        log_error(replace(s, "\"blockNumber\":\"0x12262d1\"", "\"blockNumber\":\"0x012262d1\"")),
        "malformed quantity blockNumber");
    EXPECT_EQ(log_error(replace(s, "\"logIndex\":\"0x85\"", "\"logIndex\":\"85\"")),
              "malformed quantity logIndex");
    EXPECT_EQ(log_error(replace(s, "\"logIndex\":\"0x85\"", "\"logIndex\":\"0x1ffffffff\"")),
              "malformed quantity logIndex");
    EXPECT_EQ(log_error(replace(s, "\"data\":\"0x00", "\"data\":\"0xg0")), "malformed hex data");
    EXPECT_EQ(log_error(replace(s, "\"data\":\"0x00", "\"data\":\"0x0")),
              "malformed hex data"); // odd length
    EXPECT_EQ(log_error(replace(s, "\"data\":\"0x00", "\"data\":\"0x")),
              "log data not whole 32-byte words or too long data");
    EXPECT_EQ(log_error(replace(s, "0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640",
                                "0x88e6a0c2ddd26feeb64f039a2c41296fcb3f56")),
              "malformed hex address");
    EXPECT_EQ(log_error(replace(s, "\"topics\":[\"0xc4",
                                "\"topics\":[\"0x1\",\"0x2\",\"0x3\",\"0x4\",\"0xc4")),
              "malformed hex topics");
    EXPECT_EQ(log_error(replace(s, ",\"logIndex\":\"0x85\"", "")), "missing field logIndex");

    auto message_error = [&](const std::string& json) {
        const auto m = d.decode(json);
        EXPECT_FALSE(m.ok());
        return std::string(to_string(m.error)) + " " + std::string(m.error_field);
    };
    EXPECT_EQ(message_error("not json"), "malformed JSON-RPC message");
    EXPECT_EQ(message_error("[1,2]"), "malformed JSON-RPC message");
    EXPECT_EQ(
        message_error(
            R"({"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0x1"}})"),
        "missing field params.result");
    EXPECT_EQ(
        message_error(
            R"({"jsonrpc":"2.0","method":"eth_subscription","params":{"result":{"number":"0xz","hash":"0x00"}}})"),
        "malformed quantity number");
}

TEST(UniswapEvents, EveryEventAndItsRangeChecks) {
    eth_rpc_decoder d;
    const auto m = d.decode(v3_swap_notification);
    ASSERT_EQ(m.logs.size(), 1U);
    eth_log log = m.logs[0];
    // Wrong topic count, wrong length, dirty high bits of uint160/uint128, bad int24.
    auto with = [&](auto&& edit) {
        eth_log l = log;
        edit(l);
        const auto r = decode_uniswap_event(l);
        return std::string(to_string(r.error)) + " " + std::string(r.field);
    };
    EXPECT_EQ(with([](eth_log& l) { l.topic_count = 2; }), "wrong topic count topics");
    EXPECT_EQ(with([](eth_log& l) { l.data_size = 128; }), "wrong data length data");
    EXPECT_EQ(with([](eth_log& l) { l.data[64] = 1; }),
              "value out of range data: sqrtPriceX96 not uint160");
    EXPECT_EQ(with([](eth_log& l) { l.data[96 + 15] = 1; }),
              "value out of range data: liquidity not uint128");
    EXPECT_EQ(with([](eth_log& l) { l.data[128 + 28] = 0xff; }),
              "value out of range data: tick not int24");
    EXPECT_EQ(with([](eth_log& l) { l.topics[1][0] = 1; }),
              "value out of range topics: address with dirty high bytes");
    EXPECT_EQ(with([](eth_log& l) { l.topics[0][5] ^= 1; }), "not a Uniswap pool event topics[0]");
    EXPECT_EQ(with([](eth_log& l) { l.topic_count = 0; }), "not a Uniswap pool event topics");

    // A negative tick: int24 -887272 sign-extended through the word.
    eth_log neg = log;
    for (int i = 0; i < 29; ++i) {
        neg.data[128 + i] = 0xff;
    }
    const std::int32_t t = -887272;
    const auto u = static_cast<std::uint32_t>(t) & 0xffffff;
    neg.data[128 + 29] = static_cast<std::uint8_t>(u >> 16);
    neg.data[128 + 30] = static_cast<std::uint8_t>(u >> 8);
    neg.data[128 + 31] = static_cast<std::uint8_t>(u);
    const auto r = decode_uniswap_event(neg);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.event.tick, -887272);
    // int256 minimum decodes to magnitude 2^255.
    eth_log min = log;
    min.data.fill(0);
    min.data[0] = 0x80;
    EXPECT_EQ(decode_uniswap_event(min).event.amount0.magnitude, u256(1) << 255);
    EXPECT_TRUE(decode_uniswap_event(min).event.amount0.negative);
}
