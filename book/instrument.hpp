#pragma once
/// Instrument specifications (kind, base/quote, tick, lot, contract size) and a registry keyed
/// by venue and the venue's own symbol.

#include "book/decimal.hpp"
#include "book/types.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ballast {

enum class instrument_kind : std::uint8_t {
    spot,
    linear_perp,  ///< margined and settled in the quote; contract_size in base
    inverse_perp, ///< margined and settled in the base; contract_size in quote (USD face)
    linear_future,
    inverse_future,
    option, ///< European; contract_size in underlying units
};
[[nodiscard]] std::string_view to_string(instrument_kind k) noexcept;
[[nodiscard]] bool parse_instrument_kind(std::string_view text, instrument_kind& out) noexcept;

enum class option_right : std::uint8_t { none, call, put };

/// What a venue says about one tradable instrument.
struct instrument_spec {
    std::string venue;  ///< lower-case venue name ("binance", "okx", "kraken", ...)
    std::string symbol; ///< as the venue writes it ("NKNUSDT", "XBT/CHF", "BTC-24SEP21-8000-P")
    instrument_kind kind = instrument_kind::spot;
    std::string base;
    std::string quote;
    std::string settle;      ///< settlement currency (quote for linear, base for inverse)
    decimal_step tick{1, 2}; ///< price step
    decimal_step lot{1, 8};  ///< quantity step
    double contract_size = 1.0;
    double min_notional = 0.0; ///< in quote currency, 0 when the venue has none
    option_right right = option_right::none;
    double strike = 0.0;
    timestamp_ns expiry{}; ///< 0 for perpetuals and spot

    [[nodiscard]] parse_result<price> parse_price(std::string_view text) const noexcept {
        const auto r = parse_steps(text, tick);
        return {price(r.value), r.error};
    }
    [[nodiscard]] parse_result<qty> parse_qty(std::string_view text) const noexcept {
        const auto r = parse_steps(text, lot);
        return {qty(r.value), r.error};
    }
    [[nodiscard]] std::string format_price(price p, bool trim = true) const {
        return format_steps(p.value(), tick, trim);
    }
    [[nodiscard]] std::string format_qty(qty q, bool trim = true) const {
        return format_steps(q.value(), lot, trim);
    }
    [[nodiscard]] double to_double(price p) const noexcept {
        return steps_to_double(p.value(), tick);
    }
    [[nodiscard]] double to_double(qty q) const noexcept { return steps_to_double(q.value(), lot); }
};

/// Owns instrument specs; lookups by (venue, symbol). Specs never move once added.
class instrument_registry {
  public:
    /// Adds or replaces the spec for (venue, symbol); returns the stored spec.
    const instrument_spec& add(instrument_spec spec);
    /// nullptr when the venue never listed the symbol.
    [[nodiscard]] const instrument_spec* find(std::string_view venue,
                                              std::string_view symbol) const noexcept;
    [[nodiscard]] std::size_t size() const noexcept { return specs_.size(); }
    [[nodiscard]] const instrument_spec& at(std::size_t i) const noexcept { return *specs_[i]; }

  private:
    static std::string key(std::string_view venue, std::string_view symbol);
    std::vector<std::unique_ptr<instrument_spec>> specs_;
    struct key_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };
    std::unordered_map<std::string, std::size_t, key_hash, std::equal_to<>> index_;
};

} // namespace ballast
