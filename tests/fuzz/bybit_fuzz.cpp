// libFuzzer target for the Bybit v5 orderbook decoder (linear stream).
#include "feed/bybit.hpp"
#include "fuzz_feed.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return ballast::fuzz::run_lines(data, size, R"(
[[instrument]]
venue = "bybit_linear"
symbol = "BTCUSDT"
kind = "linear_perp"
base = "BTC"
quote = "USDT"
tick = "0.1"
lot = "0.001"
)",
                                    "wss://stream.bybit.com/v5/public/linear",
                                    [](auto& registry, auto& log) {
                                        return std::make_unique<ballast::feed::bybit_feed>(
                                            ballast::feed::bybit_category::linear, registry, log);
                                    });
}
