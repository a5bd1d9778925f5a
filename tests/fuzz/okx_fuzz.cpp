// libFuzzer target for the OKX books decoder (seqId chain and CRC32 checksum).
#include "feed/okx.hpp"
#include "fuzz_feed.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return ballast::fuzz::run_lines(
        data, size, R"(
[[instrument]]
venue = "okx"
symbol = "UNI-USD-SWAP"
kind = "inverse_perp"
base = "UNI"
quote = "USD"
tick = "0.001"
lot = "1"
contract_size = 10
)",
        "wss://ws.okx.com:8443/ws/v5/public", [](auto& registry, auto& log) {
            return std::make_unique<ballast::feed::okx_feed>(registry, log);
        });
}
