// libFuzzer target for the Binance spot diff-depth decoder (one frame per input line; a line
// starting with "REST " is a depth snapshot reply).
#include "feed/binance.hpp"
#include "fuzz_feed.hpp"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return ballast::fuzz::run_lines(
        data, size, R"(
[[instrument]]
venue = "binance"
symbol = "NKNUSDT"
base = "NKN"
quote = "USDT"
tick = "0.00001"
lot = "0.1"
)",
        "https://api.binance.com/api/v3/depth?symbol=NKNUSDT&limit=1000",
        [](auto& registry, auto& log) {
            // Start from a synchronised book so the fuzzer reaches the diff procedure.
            auto feed = std::make_unique<ballast::feed::binance_feed>(
                ballast::feed::binance_market::spot, registry, log);
            static const std::string snapshot =
                std::string(
                    R"({"lastUpdateId":499869749,"bids":[["0.35100","100.0"],["0.35000","50.5"]],"asks":[["0.35300","10.0"],["0.35400","20.0"]]})") +
                std::string(64, '\0');
            feed->on_frame({std::string_view(snapshot.data(), snapshot.size() - 64),
                            {},
                            0,
                            "https://api.binance.com/api/v3/depth?symbol=NKNUSDT&limit=1000",
                            0,
                            true});
            return feed;
        });
}
