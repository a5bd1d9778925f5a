#pragma once
/// AMM pool state files: one JSON object per pool (Uniswap v2 pair or v3 pool) with its
/// addresses, token decimals, the swap state and the block it was read at. See README.md.

#include "book/uniswap_v2.hpp"
#include "book/uniswap_v3.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace ballast {

enum class pool_kind : std::uint8_t { uniswap_v2, uniswap_v3 };
[[nodiscard]] constexpr std::string_view to_string(pool_kind k) noexcept {
    return k == pool_kind::uniswap_v2 ? "uniswap_v2" : "uniswap_v3";
}

/// Who the pool is: its address, tokens (token0 < token1 by address, as the factory sorts
/// them), their decimals and the block the state belongs to.
struct pool_meta {
    std::string address;
    std::string token0;
    std::string token1;
    std::uint8_t decimals0 = 18;
    std::uint8_t decimals1 = 18;
    std::uint64_t block = 0;
};

/// One pool as read from or written to a state file: the model matching `kind` is live.
struct pool_state {
    pool_kind kind = pool_kind::uniswap_v3;
    pool_meta meta;
    uniswap_v2_pool v2;
    uniswap_v3_pool v3;
};

/// A parsed state or one line naming the field at fault ("ticks[2].liquidity_net: ...").
struct pool_state_result {
    pool_state state;
    std::string error;
    [[nodiscard]] bool ok() const noexcept { return error.empty(); }
};

/// Parses one pool state object. Big integers must be decimal strings, small ones numbers;
/// `address` is 0x and 40 hex digits; a duplicate or unknown key is an error, except the keys
/// in `also_allowed` (a market file's pool entries carry the venue's cost fields too).
[[nodiscard]] pool_state_result
parse_pool_state(std::string_view json, std::span<const std::string_view> also_allowed = {});
/// Reads and parses a pool state file; the error names the file when it cannot be read.
[[nodiscard]] pool_state_result load_pool_state(const std::string& path);
/// The state as a pool state file object (one line, fields in the documented order).
[[nodiscard]] std::string write_pool_state(const pool_state& state);

} // namespace ballast
