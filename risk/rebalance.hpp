#pragma once
/// Targets per underlying, drift against them, rebalance triggers and the rebalance plan
/// (which instrument delivers the delta, and gamma, at the least estimated cost).
/// Allocation-free: callers size the output spans (one row per target).

#include "risk/portfolio.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace ballast::risk {

enum class target_kind : std::uint8_t {
    weight,     ///< value is a fraction of NAV (0.5 = 50%), band in weight
    delta_base, ///< value is a delta in base units, band in base units
};

/// What the book's owner wants of one underlying.
struct underlying_target {
    underlying_id underlying;
    target_kind kind = target_kind::weight;
    double value = 0.0;
    double band = 0.0;           ///< tolerance around value, same unit
    bool has_gamma = false;      ///< target gamma present (options overlay)
    double gamma_usd_1pct = 0.0; ///< target gamma when has_gamma
    double annual_vol = 0.0;     ///< for the cost-aware trigger (fraction)
};

/// Drift of one underlying from its target.
struct drift_row {
    underlying_id underlying;
    double weight = 0.0; ///< current exposure weight (delta_usd / NAV)
    double target_weight = 0.0;
    double weight_drift = 0.0; ///< weight - target_weight
    double delta_base = 0.0;
    double target_delta_base = 0.0;
    double notional_drift_usd = 0.0; ///< delta_usd - target delta_usd
    double gamma_gap_usd_1pct = 0.0; ///< target - current gamma when the target has gamma
    bool outside_band = false;
};

/// Computes one row per target into `out` (out.size() >= targets.size()).
void compute_drift(const portfolio& book, std::span<const underlying_target> targets,
                   std::span<drift_row> out) noexcept;

enum class trigger_kind : std::uint8_t {
    time,       ///< rebalance everything off target every `interval`
    threshold,  ///< rebalance underlyings outside their band
    cost_aware, ///< outside the band and the risk removed is worth more than the trade costs
};
[[nodiscard]] std::string_view to_string(trigger_kind k) noexcept;
[[nodiscard]] bool parse_trigger_kind(std::string_view text, trigger_kind& out) noexcept;

struct trigger_config {
    trigger_kind kind = trigger_kind::threshold;
    std::int64_t interval_ns = 0; ///< time trigger
    double risk_aversion = 0.0;   ///< cost-aware: lambda of the mean-variance penalty
    double horizon_days = 1.0;    ///< carry and risk horizon of the plan
    bool synthetic = false;       ///< allow perps, futures and options, not only spot
};

/// One way to trade an underlying, with its cost parameters.
struct hedge_route {
    instrument_id instrument;
    double fee_bps = 0.0;         ///< taker fee on notional
    double half_spread_bps = 0.0; ///< half the quoted spread (price paid for immediacy)
    double funding_rate_8h = 0.0; ///< perps: funding per 8 hours, longs pay when positive
};

/// The estimated cost of delivering a delta (or a gamma) through one route.
struct route_cost {
    instrument_id instrument;
    double contracts = 0.0; ///< signed contracts to trade
    double cost_usd = 0.0;  ///< fees + half spread + carry over the horizon
    bool eligible = false;  ///< false: kind not allowed (synthetic off) or cannot deliver
};

/// The plan for one underlying.
struct plan_row {
    underlying_id underlying;
    bool trade = false;               ///< the trigger says trade now
    double delta_base_to_trade = 0.0; ///< target - current delta (after any option leg)
    double benefit_usd = 0.0;         ///< cost-aware: variance penalty removed
    bool has_option_leg = false;
    route_cost option_leg; ///< gamma overlay (its delta is netted in the delta leg)
    route_cost delta_leg;  ///< cheapest eligible route for the delta
    double total_cost_usd = 0.0;
    static constexpr std::size_t max_routes = 8;
    std::array<route_cost, max_routes> considered{}; ///< every route priced for the delta
    std::uint8_t considered_count = 0;
};

/// Prices a delta trade (base units) through one route over the horizon (days).
[[nodiscard]] route_cost price_delta_route(const portfolio& book, const hedge_route& route,
                                           double delta_base, double horizon_days,
                                           bool synthetic) noexcept;

/// Decides per underlying whether to trade (per the trigger) and builds the plan.
/// `last_rebalance` feeds the time trigger. out.size() >= drift.size().
void plan_rebalance(const portfolio& book, std::span<const underlying_target> targets,
                    std::span<const drift_row> drift, std::span<const hedge_route> routes,
                    const trigger_config& trigger, timestamp_ns now, timestamp_ns last_rebalance,
                    std::span<plan_row> out) noexcept;

} // namespace ballast::risk
