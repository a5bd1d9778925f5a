#pragma once
// Builders of Ethereum JSON-RPC text for feed tests: ABI words, logs (v2 Sync, v3 Swap,
// Mint, Burn), subscription notifications and heads.

#include "feed/uniswap_events.hpp"

#include "book/u256.hpp"

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace ballast::test {

inline std::string hex_word(const u256& v) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s(64, '0');
    u256 x = v;
    for (int i = 63; i >= 0; --i) {
        s[static_cast<std::size_t>(i)] = digits[static_cast<unsigned>(x & 0xf)];
        x >>= 4;
    }
    return s;
}
/// Two's complement of a signed value as a word.
inline std::string hex_int(std::int64_t v) {
    return v >= 0 ? hex_word(u256(v)) : hex_word(~u256(static_cast<std::uint64_t>(-v)) + 1);
}
inline std::string hex_quantity(std::uint64_t v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}
inline std::string block_hash(std::uint64_t block, int fork = 0) {
    return "0x" + hex_word((u256(block) << 8) | static_cast<unsigned>(fork));
}

struct log_spec {
    std::string address;
    std::vector<std::string> topics; ///< full 0x-prefixed 32-byte topics
    std::string data;                ///< concatenated words without 0x
    std::uint64_t block = 0;
    std::uint32_t index = 0;
    bool removed = false;
    int fork = 0;
};

inline std::string log_object(const log_spec& l) {
    std::string topics;
    for (const auto& t : l.topics) {
        topics += (topics.empty() ? "\"" : ",\"") + t + "\"";
    }
    return "{\"address\":\"" + l.address + "\",\"topics\":[" + topics + "],\"data\":\"0x" + l.data +
           "\",\"blockNumber\":\"" + hex_quantity(l.block) + "\",\"transactionHash\":\"" +
           block_hash(l.block * 1000 + l.index, 7) +
           "\",\"transactionIndex\":\"0x0\",\"blockHash\":\"" + block_hash(l.block, l.fork) +
           "\",\"logIndex\":\"" + hex_quantity(l.index) +
           "\",\"removed\":" + (l.removed ? "true" : "false") + "}";
}

inline std::string notification(const std::string& result) {
    return R"({"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0xcd0c3e8af590364c09d0fa6a1210faf5","result":)" +
           result + "}}";
}

inline std::string head_notification(std::uint64_t number, int fork = 0) {
    return notification(
        "{\"parentHash\":\"" + block_hash(number - 1, fork) + "\",\"number\":\"" +
        hex_quantity(number) + "\",\"hash\":\"" + block_hash(number, fork) +
        "\",\"gasLimit\":\"0x1c9c380\",\"miner\":\"0x0000000000000000000000000000000000000000\"}");
}

inline const std::string address_topic =
    "0x000000000000000000000000e592427a0aece92de3edee1f18e0157c05861564";
inline const std::string address_word =
    "000000000000000000000000e592427a0aece92de3edee1f18e0157c05861564";

inline log_spec v3_swap_log(const std::string& pool, std::int64_t amount0, std::int64_t amount1,
                            const u256& sqrt_price, uint128 liquidity, std::int32_t tick,
                            std::uint64_t block, std::uint32_t index) {
    return {pool,
            {std::string(feed::uniswap_topics::v3_swap), address_topic, address_topic},
            hex_int(amount0) + hex_int(amount1) + hex_word(sqrt_price) +
                hex_word(to_u256(liquidity)) + hex_int(tick),
            block,
            index};
}

inline log_spec v3_position_log(bool mint, const std::string& pool, std::int32_t lower,
                                std::int32_t upper, uint128 amount, std::uint64_t block,
                                std::uint32_t index) {
    std::string data = mint ? address_word : "";
    data += hex_word(to_u256(amount)) + hex_word(1000) + hex_word(2000);
    return {pool,
            {std::string(mint ? feed::uniswap_topics::v3_mint : feed::uniswap_topics::v3_burn),
             address_topic, "0x" + hex_int(lower), "0x" + hex_int(upper)},
            data,
            block,
            index};
}

inline log_spec v2_sync_log(const std::string& pool, const u256& r0, const u256& r1,
                            std::uint64_t block, std::uint32_t index) {
    return {pool,
            {std::string(feed::uniswap_topics::v2_sync)},
            hex_word(r0) + hex_word(r1),
            block,
            index};
}

} // namespace ballast::test
