#pragma once
/// Loads instrument specs from the venues' own instrument replies (Binance and USDⓈ-M
/// exchangeInfo, OKX public/instruments, Bybit instruments-info, Coinbase Advanced and Exchange
/// products, Kraken AssetPairs, Deribit get_instruments) and from Ballast's TOML instrument
/// config. Every failure names the source, the venue, the field, its value and the reason; a
/// reply that fails adds nothing.

#include "book/instrument.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace ballast::feed {

/// Loads one REST reply body as the venue returned it. `venue` is Ballast's venue name
/// (binance, binance_usdm, okx, bybit_spot/bybit_linear, coinbase, coinbase_exchange, kraken,
/// kraken_v2, deribit) or empty; `url` the request URL or empty (it names the endpoint, and
/// Bybit's category comes from the reply). With neither, the venue is told from the body's shape.
/// Returns an error line or nullopt.
[[nodiscard]] std::optional<std::string> load_instrument_reply(std::string_view venue,
                                                               std::string_view url,
                                                               std::string_view body,
                                                               instrument_registry& out);

/// Loads a file whose kind is detected from its content; returns an error line or nullopt.
/// Recognised: a venue's reply body saved as is (venue told from its shape); recorded REST lines
/// `<url> -> <ts>: <body>`; a JSON array of recorded replies (`[{"url", "items": [...]}]`) for
/// Bybit instruments-info and Coinbase products; a `.toml` file of `[[instrument]]` tables.
[[nodiscard]] std::optional<std::string> load_instrument_file(const std::string& path,
                                                              instrument_registry& out);

/// Parses Ballast's TOML instrument config:
/// `[[instrument]] venue, symbol, kind, base, quote, settle?, tick, lot, contract_size?,
/// min_notional?` (tick and lot as decimal strings). All errors at once, one per line.
[[nodiscard]] std::optional<std::string>
load_instrument_toml(std::string_view text, std::string_view source, instrument_registry& out);

} // namespace ballast::feed
