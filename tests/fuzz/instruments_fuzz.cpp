// libFuzzer target for the instrument-list loaders: any bytes as a venue's reply never crash,
// and whatever loads is a usable spec (positive steps the decimal code accepts).
#include "feed/instruments.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

void check(const ballast::instrument_registry& r) {
    for (std::size_t i = 0; i < r.size(); ++i) {
        const auto& s = r.at(i);
        for (const auto& step : {s.tick, s.lot}) {
            if (step.mantissa <= 0 || step.exponent < 0 || step.exponent > 30) {
                __builtin_trap();
            }
        }
        if (!(s.contract_size > 0) || s.symbol.empty() || s.venue.empty()) {
            __builtin_trap();
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    // The venue told from the body's shape, then each venue's loader given the same body.
    static constexpr std::array<std::string_view, 10> venues = {
        "",         "binance", "binance_usdm",      "okx",     "bybit_spot",
        "coinbase", "kraken",  "coinbase_exchange", "deribit", "kraken_v2"};
    ballast::instrument_registry shape;
    (void)ballast::feed::load_instrument_reply("", "", body, shape);
    check(shape);
    ballast::instrument_registry named;
    (void)ballast::feed::load_instrument_reply(venues[size % venues.size()], "", body, named);
    check(named);
    return 0;
}
