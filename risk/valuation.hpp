#pragma once
/// Valuation and Greeks of one position in spot, linear and inverse perps and futures, and
/// European options (Black-76), in USD. Conventions are in risk/README.md.

#include "book/instrument.hpp"
#include "risk/black76.hpp"

namespace ballast::risk {

/// The numbers of an instrument that valuation needs, copied out of `instrument_spec`.
struct instrument_terms {
    instrument_kind kind = instrument_kind::spot;
    option_right right = option_right::none;
    bool coin_settled = false;  ///< option settled in its base coin (premium quoted in coin)
    double contract_size = 1.0; ///< base units (linear, options) or USD face (inverse)
    double strike = 0.0;
    timestamp_ns expiry{}; ///< options and dated futures; 0 for spot and perps
};

/// Terms of a spec (coin_settled when an option settles in its base currency).
[[nodiscard]] instrument_terms terms_of(const instrument_spec& spec) noexcept;

/// Market state an instrument is valued against.
struct instrument_mark {
    double price = 0.0; ///< spot: spot price; perp/future: its mark; option: its forward
    double vol = 0.0;   ///< options only: implied vol as a fraction
};

/// Value and Greeks of a position in USD and base units. Greeks are sensitivities to the
/// instrument's own price (the forward for options), as venues publish them.
struct position_risk {
    double value_usd = 0.0;      ///< spot holding, option premium, or unrealised P&L
    double notional_usd = 0.0;   ///< |exposure|: |delta_base| x price (inverse: |face|)
    double delta_base = 0.0;     ///< dV/dP, in base units
    double delta_usd = 0.0;      ///< delta_base x P: P&L of a +100% move, to first order
    double gamma_base = 0.0;     ///< d2V/dP2, base units per USD
    double gamma_usd_1pct = 0.0; ///< change of delta_usd for a +1% move: gamma x P^2 / 100
    double vega_usd = 0.0;       ///< per vol point
    double theta_usd = 0.0;      ///< per calendar day

    position_risk& operator+=(const position_risk& o) noexcept {
        value_usd += o.value_usd;
        notional_usd += o.notional_usd;
        delta_base += o.delta_base;
        delta_usd += o.delta_usd;
        gamma_base += o.gamma_base;
        gamma_usd_1pct += o.gamma_usd_1pct;
        vega_usd += o.vega_usd;
        theta_usd += o.theta_usd;
        return *this;
    }
};

/// ACT/365 year fraction from `now` to `expiry` (negative once expired).
[[nodiscard]] double years_between(timestamp_ns now, timestamp_ns expiry) noexcept;

/// Values `contracts` of an instrument (negative = short). `entry_price` is used by linear and
/// inverse derivatives only (their value is the unrealised P&L against it).
[[nodiscard]] risk_result<position_risk> value_position(const instrument_terms& terms,
                                                        double contracts, double entry_price,
                                                        const instrument_mark& mark,
                                                        timestamp_ns now) noexcept;

/// Greeks and notional of positions netting `contracts` (`gross_contracts` = sum of their
/// |contracts|) from one contract's; value left at 0 (it may depend on entry prices).
[[nodiscard]] position_risk scale_greeks(const position_risk& unit, double contracts,
                                         double gross_contracts) noexcept;

/// A position's risk from the risk of one contract (`unit_risk` at the same marks): Greeks
/// scale with contracts; value is recomputed where it depends on the entry price. Much
/// cheaper than value_position for options (no Black-76 per position).
[[nodiscard]] risk_result<position_risk> scale_unit(const instrument_terms& terms,
                                                    const position_risk& unit, double contracts,
                                                    double entry_price, double price) noexcept;

/// Risk of one contract at a mark (value and notional of a long contract entered at the mark).
[[nodiscard]] inline risk_result<position_risk>
unit_risk(const instrument_terms& terms, const instrument_mark& mark, timestamp_ns now) noexcept {
    return value_position(terms, 1.0, mark.price, mark, now);
}

} // namespace ballast::risk
