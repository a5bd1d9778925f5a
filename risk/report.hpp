#pragma once
/// JSON reports of the risk layer (what `ballast greeks` and `ballast risk` print).

#include "risk/black76.hpp"
#include "risk/config.hpp"

#include <span>
#include <string>

namespace ballast::risk {

/// {"price","delta","gamma","vega","theta"} per unit of underlying; with `coin` (coin-settled) the
/// price is in coin and "premium_adjusted_delta" is added (Greeks stay the USD Black Greeks,
/// as Deribit publishes them).
[[nodiscard]] std::string greeks_json(const option_greeks& g, bool coin, double forward);

/// Stress axes of the report: relative spot shifts and vol shifts in points.
struct stress_axes {
    std::span<const double> spot_shifts;
    std::span<const double> vol_shifts_points;
};
/// -30%..+30% spot and -10..+10 vol points.
[[nodiscard]] stress_axes default_stress_axes() noexcept;

/// Positions, per-underlying totals and weights, drift against targets, the rebalance plan
/// and, when `stress` is set, the stress grid.
[[nodiscard]] std::string risk_report_json(const risk_config& cfg, bool stress,
                                           stress_axes axes = default_stress_axes());

} // namespace ballast::risk
