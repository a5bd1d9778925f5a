#pragma once
/// Loads instrument specs from the venues' own instrument lists (Kraken AssetPairs, Bybit
/// instruments-info, Coinbase products, Deribit get_instruments) and from Ballast's TOML
/// instrument config. Every failure names the file and the field.

#include "book/instrument.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace ballast::feed {

/// Loads a file whose kind is detected from its content; returns an error line or nullopt.
/// Recognised: a recorded REST line for Kraken `/0/public/AssetPairs` or Deribit
/// `public/get_instruments`; a JSON array of recorded replies (`[{"url", "items": [...]}]`) for
/// Bybit `instruments-info` and Coinbase `products`; a `.toml` file of `[[instrument]]` tables.
[[nodiscard]] std::optional<std::string> load_instrument_file(const std::string& path,
                                                              instrument_registry& out);

/// Parses Ballast's TOML instrument config:
/// `[[instrument]] venue, symbol, kind, base, quote, settle?, tick, lot, contract_size?,
/// min_notional?` (tick and lot as decimal strings). All errors at once, one per line.
[[nodiscard]] std::optional<std::string>
load_instrument_toml(std::string_view text, std::string_view source, instrument_registry& out);

/// Specs for the recorded symbols of venues whose recordings carry no instrument list
/// (Binance spot and USD-M, OKX, Coinbase Exchange), from the venues' published filters.
void add_builtin_instruments(instrument_registry& out);

} // namespace ballast::feed
