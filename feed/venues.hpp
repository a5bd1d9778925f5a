#pragma once
/// The venue registry of the feed layer: venue names, URL detection, decoder factory.

#include "feed/venue_feed.hpp"

#include <memory>
#include <string_view>

namespace ballast::feed {

/// The venue a recorded or live URL belongs to ("" when unknown):
/// binance, binance_usdm, okx, bybit_spot, bybit_linear, coinbase, coinbase_exchange, kraken,
/// kraken_v2, deribit.
[[nodiscard]] std::string_view detect_venue(std::string_view url) noexcept;

/// Every venue name `make_venue_feed` accepts.
[[nodiscard]] const std::vector<std::string_view>& venue_names();

/// A decoder for the venue; nullptr for an unknown name.
[[nodiscard]] std::unique_ptr<venue_feed> make_venue_feed(std::string_view venue,
                                                          const instrument_registry& instruments,
                                                          reject_log& rejects,
                                                          const feed_options& options);

/// Levels per side a decoder of `venue` with `options` holds in each book (the venue's default
/// when options.book_capacity is 0); 0 for an unknown venue.
[[nodiscard]] std::size_t book_capacity_of(std::string_view venue, const feed_options& options);

} // namespace ballast::feed
