#pragma once
/// Uniswap pool events from Ethereum logs: v2 Sync and Swap, v3 Swap, Mint and Burn. Checks
/// topic0, the topic count, the ABI data length and every value's range (address words,
/// uint112/uint128/uint160 high bits, int24 sign extension) before anything reaches a pool.

#include "book/int128.hpp"
#include "book/u256.hpp"
#include "feed/eth_rpc.hpp"

#include <cstdint>
#include <string_view>

namespace ballast::feed {

/// keccak256 of the event signatures (topic0).
namespace uniswap_topics {
/// Sync(uint112,uint112)
inline constexpr std::string_view v2_sync =
    "0x1c411e9a96e071241c2f21f7726b17ae89e3cab4c78be50e062b03a9fffbbad1";
/// Swap(address,uint256,uint256,uint256,uint256,address)
inline constexpr std::string_view v2_swap =
    "0xd78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822";
/// Swap(address,address,int256,int256,uint160,uint128,int24)
inline constexpr std::string_view v3_swap =
    "0xc42079f94a6350d7e6235f29174924f928cc2ac818eb64fed8004e115fbcca67";
/// Mint(address,address,int24,int24,uint128,uint256,uint256)
inline constexpr std::string_view v3_mint =
    "0x7a53080ba414158be7ec69b987b5fb7d07dee101fe85488f0853ae16239d0bde";
/// Burn(address,int24,int24,uint128,uint256,uint256)
inline constexpr std::string_view v3_burn =
    "0x0c396cd989a39f4459b5fa1aed6a9a8dcdbc45908acfd67e028cd568da98982c";
} // namespace uniswap_topics

enum class uniswap_event_kind : std::uint8_t { v2_sync, v2_swap, v3_swap, v3_mint, v3_burn };
[[nodiscard]] std::string_view to_string(uniswap_event_kind k) noexcept;

enum class event_error : std::uint8_t {
    ok = 0,
    unknown_topic, ///< topic0 is not one of the five events (or there is no topic)
    topic_count,   ///< wrong number of topics for the event
    data_length,   ///< wrong ABI data length for the event
    value_range,   ///< a word out of its type's range (dirty high bits, bad sign extension)
};
[[nodiscard]] std::string_view to_string(event_error e) noexcept;

/// A signed 256-bit ABI value as sign and magnitude.
struct signed_amount {
    u256 magnitude;
    bool negative = false;
};

/// One decoded event; the fields of `kind` are set.
struct uniswap_event {
    uniswap_event_kind kind = uniswap_event_kind::v2_sync;
    // v2 Sync
    u256 reserve0;
    u256 reserve1;
    // v2 Swap
    u256 amount0_in;
    u256 amount1_in;
    u256 amount0_out;
    u256 amount1_out;
    // v3 Swap
    signed_amount amount0;
    signed_amount amount1;
    u256 sqrt_price_x96;
    uint128 liquidity = 0;
    std::int32_t tick = 0;
    // v3 Mint/Burn: position range and liquidity added or removed
    std::int32_t tick_lower = 0;
    std::int32_t tick_upper = 0;
    uint128 amount = 0;
};

struct event_result {
    uniswap_event event;
    event_error error = event_error::ok;
    std::string_view field; ///< the topic or data word at fault
    [[nodiscard]] bool ok() const noexcept { return error == event_error::ok; }
};

/// Decodes a well-formed log (log.error == ok) into a Uniswap event.
[[nodiscard]] event_result decode_uniswap_event(const eth_log& log) noexcept;

} // namespace ballast::feed
