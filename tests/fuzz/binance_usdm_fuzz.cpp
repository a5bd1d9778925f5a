// libFuzzer target for the Binance USD-M diff-depth decoder (the `pu` chain).
#include "feed/binance.hpp"
#include "fuzz_feed.hpp"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return ballast::fuzz::run_lines(
        data, size, R"(
[[instrument]]
venue = "binance_usdm"
symbol = "SUSHIUSDT"
kind = "linear_perp"
base = "SUSHI"
quote = "USDT"
tick = "0.001"
lot = "1"
)",
        "https://fapi.binance.com/fapi/v1/depth?symbol=SUSHIUSDT&limit=1000",
        [](auto& registry, auto& log) {
            // Start from a synchronised book so the fuzzer reaches the diff procedure.
            auto feed = std::make_unique<ballast::feed::binance_feed>(
                ballast::feed::binance_market::usdm, registry, log);
            static const std::string snapshot =
                std::string(
                    R"({"lastUpdateId":600859599100,"E":1,"T":1,"bids":[["7.600","100"],["7.500","50"]],"asks":[["7.620","10"],["7.700","20"]]})") +
                std::string(64, '\0');
            feed->on_frame({std::string_view(snapshot.data(), snapshot.size() - 64),
                            {},
                            0,
                            "https://fapi.binance.com/fapi/v1/depth?symbol=SUSHIUSDT&limit=1000",
                            0,
                            true});
            return feed;
        });
}
