// libFuzzer target for the Coinbase Exchange level2 decoder (one frame per input line).
#include "feed/coinbase_exchange.hpp"
#include "fuzz_feed.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return ballast::fuzz::run_lines(
        data, size, R"(
[[instrument]]
venue = "coinbase_exchange"
symbol = "BTC-USD"
base = "BTC"
quote = "USD"
tick = "0.01"
lot = "0.00000001"
)",
        "wss://ws-feed.exchange.coinbase.com", [](auto& registry, auto& log) {
            return std::make_unique<ballast::feed::coinbase_exchange_feed>(registry, log);
        });
}
