// libFuzzer target for the Kraken WS v1 book decoder (one frame per input line).
#include "feed/kraken.hpp"
#include "fuzz_feed.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return ballast::fuzz::run_lines(data, size, R"(
[[instrument]]
venue = "kraken"
symbol = "XBT/USD"
base = "XBT"
quote = "USD"
tick = "0.1"
lot = "0.00000001"
)",
                                    "wss://ws.kraken.com", [](auto& registry, auto& log) {
                                        return std::make_unique<ballast::feed::kraken_feed>(
                                            registry, log);
                                    });
}
