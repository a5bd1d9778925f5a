// libFuzzer target for the Ethereum JSON-RPC decoder, the Uniswap event decoders and the pool
// follower: each input line is one message from the node (notifications, eth_getLogs replies,
// capture markers); the five pools of the recorded ganache session are followed. After every
// message the v3 pool must still be a valid model (price in range, its tick the one the price
// lies in, as reset() requires), or the target traps.
#include "book/pool_state.hpp"
#include "feed/eth_rpc.hpp"
#include "feed/pool_follower.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

namespace {

// pool0 and pool3 of tests/data/dex/ganache with a position each, so swaps have liquidity.
constexpr std::string_view v2_pool =
    R"({"type":"uniswap_v2","address":"0x227657827a2cd4d0b58c7ac337c7db2f67e00f5c","token0":"0x5b1869d9a4c187f2eaa108f3062412ecf0526b24","token1":"0xe78a0f7e598cc8b0bb87894b0f60dd2a88d6a8ab","decimals0":18,"decimals1":18,"fee":3000,"reserve0":"1000000000000000000000","reserve1":"2500000000000000000000","block":22})";
constexpr std::string_view v3_pool =
    R"({"type":"uniswap_v3","address":"0xbfc5f94d022c0900165d3e30a57aa16b20feef65","token0":"0x5b1869d9a4c187f2eaa108f3062412ecf0526b24","token1":"0xe78a0f7e598cc8b0bb87894b0f60dd2a88d6a8ab","decimals0":18,"decimals1":18,"fee":3000,"tick_spacing":60,"sqrt_price_x96":"12527072418752396559320690078","liquidity":"1000000000000000000","tick":-36891,"ticks":[{"index":-887220,"liquidity_net":"1000000000000000000"},{"index":887220,"liquidity_net":"-1000000000000000000"}],"block":22})";

void check(bool ok) {
    if (!ok) {
        __builtin_trap();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ballast;
    feed::pool_follower follower;
    auto v2 = parse_pool_state(v2_pool);
    auto v3 = parse_pool_state(v3_pool);
    check(v2.ok() && v3.ok());
    follower.add_pool(std::move(v2.state));
    follower.add_pool(std::move(v3.state));
    feed::eth_rpc_decoder decoder(64);
    std::string_view input(reinterpret_cast<const char*>(data), size);
    while (!input.empty()) {
        const auto nl = input.find('\n');
        const std::string_view line = input.substr(0, nl);
        input = nl == std::string_view::npos ? std::string_view{} : input.substr(nl + 1);
        const auto m = decoder.decode(line);
        follower.on_message(m);
        if (m.ok() && m.kind == feed::eth_message_kind::head && m.head.number % 7 == 0) {
            follower.resume(m.head.number); // as a backfill would
        }
        const auto& model = follower.pool(1).v3;
        check(model.sqrt_price_x96() > 0);
        check(model.tick() >= -887272 && model.tick() <= 887272);
        // The state must be one a pool could be reset to: tick consistent with the price.
        ballast::uniswap_v3_pool copy;
        check(copy.reset(model.fee(), model.tick_spacing(), model.sqrt_price_x96(),
                         model.liquidity(), model.tick(),
                         model.ticks()) == ballast::pool_error::ok);
    }
    return 0;
}
