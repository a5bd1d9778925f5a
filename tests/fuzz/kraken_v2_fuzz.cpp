// libFuzzer target for the Kraken WS v2 book decoder (one frame per input line).
#include "feed/kraken_v2.hpp"
#include "fuzz_feed.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return ballast::fuzz::run_lines(data, size, R"(
[[instrument]]
venue = "kraken_v2"
symbol = "BTC/USD"
base = "BTC"
quote = "USD"
tick = "0.1"
lot = "0.00000001"
)",
                                    "wss://ws.kraken.com/v2", [](auto& registry, auto& log) {
                                        return std::make_unique<ballast::feed::kraken_v2_feed>(
                                            registry, log);
                                    });
}
