// libFuzzer target for the Coinbase Advanced Trade level2 decoder (per-connection sequence).
#include "feed/coinbase.hpp"
#include "fuzz_feed.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return ballast::fuzz::run_lines(
        data, size, R"(
[[instrument]]
venue = "coinbase"
symbol = "BTC-USD"
base = "BTC"
quote = "USD"
tick = "0.01"
lot = "0.00000001"
)",
        "wss://advanced-trade-ws.coinbase.com", [](auto& registry, auto& log) {
            return std::make_unique<ballast::feed::coinbase_feed>(registry, log);
        });
}
