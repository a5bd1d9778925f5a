// libFuzzer target for the Deribit book.*.raw decoder (one frame per input line).
#include "feed/deribit.hpp"
#include "fuzz_feed.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return ballast::fuzz::run_lines(
        data, size, R"(
[[instrument]]
venue = "deribit"
symbol = "BTC-PERPETUAL"
kind = "inverse_perp"
base = "BTC"
quote = "USD"
tick = "0.5"
lot = "10"
)",
        "wss://www.deribit.com/ws/api/v2", [](auto& registry, auto& log) {
            return std::make_unique<ballast::feed::deribit_feed>(registry, log);
        });
}
