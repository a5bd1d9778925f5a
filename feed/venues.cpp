#include "feed/venues.hpp"

#include "feed/binance.hpp"
#include "feed/bybit.hpp"
#include "feed/coinbase.hpp"
#include "feed/coinbase_exchange.hpp"
#include "feed/deribit.hpp"
#include "feed/kraken.hpp"
#include "feed/kraken_v2.hpp"
#include "feed/okx.hpp"

#include <string>

namespace ballast::feed {

namespace {
bool has(std::string_view s, std::string_view part) noexcept {
    return s.find(part) != std::string_view::npos;
}
} // namespace

std::string_view detect_venue(std::string_view url) noexcept {
    if (has(url, "fstream.binance.com") || has(url, "fapi.binance.com")) {
        return "binance_usdm";
    }
    if (has(url, "binance.com") || has(url, "binance.us")) {
        return "binance";
    }
    if (has(url, "okx.com") || has(url, "okex.com")) {
        return "okx";
    }
    if (has(url, "bybit.com")) {
        if (has(url, "/linear")) {
            return "bybit_linear";
        }
        if (has(url, "/spot")) {
            return "bybit_spot";
        }
        return "";
    }
    if (has(url, "advanced-trade-ws.coinbase.com") || has(url, "api.coinbase.com")) {
        return "coinbase";
    }
    if (has(url, "coinbase.com") || has(url, "pro.coinbase.com")) {
        return "coinbase_exchange";
    }
    if (has(url, "kraken.com")) {
        return has(url, "/v2") ? "kraken_v2" : "kraken";
    }
    if (has(url, "deribit.com")) {
        return "deribit";
    }
    return "";
}

const std::vector<std::string_view>& venue_names() {
    static const std::vector<std::string_view> names = {
        "binance",  "binance_usdm",      "okx",    "bybit_spot", "bybit_linear",
        "coinbase", "coinbase_exchange", "kraken", "kraken_v2",  "deribit"};
    return names;
}

std::unique_ptr<venue_feed> make_venue_feed(std::string_view venue,
                                            const instrument_registry& instruments,
                                            reject_log& rejects, const feed_options& options) {
    if (venue == "binance") {
        return std::make_unique<binance_feed>(binance_market::spot, instruments, rejects, options);
    }
    if (venue == "binance_usdm") {
        return std::make_unique<binance_feed>(binance_market::usdm, instruments, rejects, options);
    }
    if (venue == "okx") {
        return std::make_unique<okx_feed>(instruments, rejects, options);
    }
    if (venue == "bybit_spot" || venue == "bybit_linear") {
        return std::make_unique<bybit_feed>(venue == "bybit_spot" ? bybit_category::spot
                                                                  : bybit_category::linear,
                                            instruments, rejects, options);
    }
    if (venue == "coinbase") {
        return std::make_unique<coinbase_feed>(instruments, rejects, options);
    }
    if (venue == "coinbase_exchange") {
        return std::make_unique<coinbase_exchange_feed>(instruments, rejects, options);
    }
    if (venue == "kraken") {
        return std::make_unique<kraken_feed>(instruments, rejects, options);
    }
    if (venue == "kraken_v2") {
        return std::make_unique<kraken_v2_feed>(instruments, rejects, options);
    }
    if (venue == "deribit") {
        return std::make_unique<deribit_feed>(instruments, rejects, options);
    }
    return nullptr;
}

std::size_t book_capacity_of(std::string_view venue, const feed_options& options) {
    if (options.book_capacity != 0) {
        return options.book_capacity;
    }
    // Each decoder sets its own default: ask one (with no symbols and no staging buffer).
    const instrument_registry none;
    reject_log rejects(0);
    feed_options probe;
    probe.max_levels_per_message = 0;
    const auto decoder = make_venue_feed(venue, none, rejects, probe);
    return decoder ? decoder->book_capacity() : 0;
}

} // namespace ballast::feed
