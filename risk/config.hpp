#pragma once
/// Risk configuration (portfolio, marks, targets, rebalance routes, limits) from TOML or JSON.
/// Validation reports every error at once, each naming its field; nothing is defaulted
/// except what risk/README.md documents (absent sections, spot marks from the underlying).

#include "risk/pre_trade.hpp"
#include "risk/rebalance.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ballast::risk {

/// A venue's order-rate bucket as configured.
struct venue_rate_config {
    std::string venue;
    venue_id id;
    double orders_per_second = 0.0;
    std::uint32_t burst = 0;
};

/// A validated configuration, with its portfolio built, marked and revalued.
struct risk_config {
    std::string name;
    portfolio book;
    std::vector<std::string> venues; ///< venue_id.value - 1 indexes this (ids start at 1)
    std::vector<underlying_target> targets;
    bool has_rebalance = false;
    trigger_config trigger;
    timestamp_ns last_rebalance{};
    std::vector<hedge_route> routes;
    bool has_limits = false;
    kill_switch kill = kill_switch::active;
    std::vector<std::pair<instrument_id, instrument_limits>> instrument_limit_list;
    std::vector<std::pair<underlying_id, underlying_limits>> underlying_limit_list;
    std::vector<venue_rate_config> venue_rates;

    /// The venue id of a venue name (0 when unknown).
    [[nodiscard]] venue_id find_venue(std::string_view venue) const noexcept;
    /// A checker with every configured limit applied.
    [[nodiscard]] pre_trade_checker make_checker() const;
};

enum class config_format : std::uint8_t { toml, json };

/// Either a config or every error found ("positions[2].qty: must be a number").
struct config_result {
    std::optional<risk_config> config;
    std::vector<std::string> errors;
    [[nodiscard]] bool ok() const noexcept { return config.has_value(); }
};

/// Parses and validates text. `marks_text`, when not empty, holds a marks document whose
/// `underlyings` and `instruments` replace the portfolio's `[marks]` entries of the same name.
[[nodiscard]] config_result parse_risk_config(std::string_view text, config_format format,
                                              std::string_view marks_text = {},
                                              config_format marks_format = config_format::toml);

/// Reads files (format from the extension: .json is JSON, anything else TOML) through
/// book/config_file: a directory, an empty file or a duplicate JSON key is an error.
[[nodiscard]] config_result load_risk_config(const std::string& portfolio_path,
                                             const std::string& marks_path = {});

/// Parses "2021-09-24T08:00:00Z" (optionally with fractional seconds or a +hh:mm offset);
/// nothing when malformed or outside int64 nanoseconds (1677-09-21 to 2262-04-11).
[[nodiscard]] std::optional<timestamp_ns> parse_utc_timestamp(std::string_view text) noexcept;
/// True when `text` is a well-formed UTC time outside int64 nanoseconds.
[[nodiscard]] bool utc_timestamp_out_of_range(std::string_view text) noexcept;

} // namespace ballast::risk
