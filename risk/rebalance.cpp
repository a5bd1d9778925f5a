#include "risk/rebalance.hpp"

#include <cmath>

namespace ballast::risk {

namespace {
constexpr double bps = 1e-4;
constexpr double days_per_year = 365.0;
constexpr double fundings_per_day = 3.0; // every 8 hours

double sign_of(double x) noexcept {
    return x > 0.0 ? 1.0 : (x < 0.0 ? -1.0 : 0.0);
}
} // namespace

std::string_view to_string(trigger_kind k) noexcept {
    switch (k) {
    case trigger_kind::time:
        return "time";
    case trigger_kind::threshold:
        return "threshold";
    case trigger_kind::cost_aware:
        return "cost_aware";
    }
    return "unknown";
}

bool parse_trigger_kind(std::string_view text, trigger_kind& out) noexcept {
    for (const auto k : {trigger_kind::time, trigger_kind::threshold, trigger_kind::cost_aware}) {
        if (to_string(k) == text) {
            out = k;
            return true;
        }
    }
    return false;
}

void compute_drift(const portfolio& book, std::span<const underlying_target> targets,
                   std::span<drift_row> out) noexcept {
    const double nav = book.nav_usd();
    for (std::size_t i = 0; i < targets.size() && i < out.size(); ++i) {
        const auto& t = targets[i];
        const auto& u = book.underlying(t.underlying);
        const double s = u.price;
        drift_row r;
        r.underlying = t.underlying;
        r.delta_base = u.totals.delta_base;
        r.weight = nav != 0.0 ? u.totals.delta_usd / nav : 0.0;
        double target_delta_usd = 0.0;
        if (t.kind == target_kind::weight) {
            r.target_weight = t.value;
            target_delta_usd = t.value * nav;
            r.target_delta_base = s > 0.0 ? target_delta_usd / s : 0.0;
            r.weight_drift = r.weight - r.target_weight;
            r.outside_band = std::fabs(r.weight_drift) > t.band;
        } else {
            r.target_delta_base = t.value;
            target_delta_usd = t.value * s;
            r.target_weight = nav != 0.0 ? target_delta_usd / nav : 0.0;
            r.weight_drift = r.weight - r.target_weight;
            r.outside_band = std::fabs(r.delta_base - t.value) > t.band;
        }
        r.notional_drift_usd = u.totals.delta_usd - target_delta_usd;
        r.gamma_gap_usd_1pct = t.has_gamma ? t.gamma_usd_1pct - u.totals.gamma_usd_1pct : 0.0;
        out[i] = r;
    }
}

route_cost price_delta_route(const portfolio& book, const hedge_route& route, double delta_base,
                             double horizon_days, bool synthetic) noexcept {
    route_cost c;
    c.instrument = route.instrument;
    const auto& inst = book.instrument(route.instrument);
    const double s = book.underlying(inst.underlying).price;
    const double p = inst.price;
    const double cs = inst.terms.contract_size;
    if (!(s > 0.0) || !(p > 0.0) || !(cs > 0.0)) {
        return c;
    }
    const double notional = std::fabs(delta_base) * s;
    c.cost_usd = notional * (route.fee_bps + route.half_spread_bps) * bps;
    switch (inst.terms.kind) {
    case instrument_kind::spot:
        c.contracts = delta_base / cs;
        c.eligible = true;
        break;
    case instrument_kind::linear_perp:
    case instrument_kind::inverse_perp:
        c.contracts =
            inst.terms.kind == instrument_kind::linear_perp ? delta_base / cs : delta_base * p / cs;
        // Longs pay positive funding, shorts receive it.
        c.cost_usd += sign_of(delta_base) * route.funding_rate_8h * fundings_per_day *
                      horizon_days * notional;
        c.eligible = synthetic;
        break;
    case instrument_kind::linear_future:
    case instrument_kind::inverse_future: {
        c.contracts = inst.terms.kind == instrument_kind::linear_future ? delta_base / cs
                                                                        : delta_base * p / cs;
        // The basis converges to zero by expiry: a buyer at a premium pays the part of it that
        // decays within the horizon (linearly in time).
        const double days_left =
            years_between(book.valuation_time(), inst.terms.expiry) * days_per_year;
        const double decayed = days_left > 0.0 ? std::fmin(1.0, horizon_days / days_left) : 1.0;
        c.cost_usd += sign_of(delta_base) * (p / s - 1.0) * notional * decayed;
        c.eligible = synthetic && days_left > 0.0;
        break;
    }
    case instrument_kind::option:
        c.cost_usd = 0.0;
        c.eligible = false; // options deliver gamma; their delta is a by-product
        break;
    }
    return c;
}

namespace {

/// The option route that adds `gamma_gap` at the least cost (fees on underlying notional,
/// half spread on premium, theta paid over the horizon).
route_cost cheapest_gamma(const portfolio& book, std::span<const hedge_route> routes,
                          underlying_id u, double gamma_gap, double horizon_days) noexcept {
    route_cost best;
    for (const auto& r : routes) {
        const auto& inst = book.instrument(r.instrument);
        if (inst.underlying != u || inst.terms.kind != instrument_kind::option) {
            continue;
        }
        const double g1 = inst.unit.gamma_usd_1pct;
        if (!(g1 > 0.0)) {
            continue;
        }
        const double n = gamma_gap / g1;
        const double units = std::fabs(n) * inst.terms.contract_size;
        const double cost =
            units * inst.price * r.fee_bps * bps +
            std::fabs(n) * std::fabs(inst.unit.value_usd) * r.half_spread_bps * bps -
            n * inst.unit.theta_usd * horizon_days;
        if (!best.eligible || cost < best.cost_usd) {
            best = {r.instrument, n, cost, true};
        }
    }
    return best;
}

} // namespace

void plan_rebalance(const portfolio& book, std::span<const underlying_target> targets,
                    std::span<const drift_row> drift, std::span<const hedge_route> routes,
                    const trigger_config& trigger, timestamp_ns now, timestamp_ns last_rebalance,
                    std::span<plan_row> out) noexcept {
    const double nav = book.nav_usd();
    for (std::size_t i = 0; i < drift.size() && i < out.size() && i < targets.size(); ++i) {
        const auto& d = drift[i];
        const auto& t = targets[i];
        const double s = book.underlying(d.underlying).price;
        plan_row row;
        row.underlying = d.underlying;
        double delta = s > 0.0 ? -d.notional_drift_usd / s : 0.0;

        if (trigger.synthetic && t.has_gamma && d.gamma_gap_usd_1pct != 0.0) {
            row.option_leg = cheapest_gamma(book, routes, d.underlying, d.gamma_gap_usd_1pct,
                                            trigger.horizon_days);
            if (row.option_leg.eligible) {
                row.has_option_leg = true;
                delta -= row.option_leg.contracts *
                         book.instrument(row.option_leg.instrument).unit.delta_base;
            }
        }
        row.delta_base_to_trade = delta;
        for (const auto& r : routes) {
            if (book.instrument(r.instrument).underlying != d.underlying ||
                row.considered_count == plan_row::max_routes) {
                continue;
            }
            const auto c =
                price_delta_route(book, r, delta, trigger.horizon_days, trigger.synthetic);
            row.considered[row.considered_count++] = c;
            if (c.eligible && (!row.delta_leg.eligible || c.cost_usd < row.delta_leg.cost_usd)) {
                row.delta_leg = c;
            }
        }
        row.total_cost_usd = (row.delta_leg.eligible ? row.delta_leg.cost_usd : 0.0) +
                             (row.has_option_leg ? row.option_leg.cost_usd : 0.0);
        // Mean-variance penalty of the drift over the horizon: lambda/2 x^2 sigma^2 h / NAV.
        const double h_years = trigger.horizon_days / days_per_year;
        row.benefit_usd = nav > 0.0 ? 0.5 * trigger.risk_aversion * d.notional_drift_usd *
                                          d.notional_drift_usd * t.annual_vol * t.annual_vol *
                                          h_years / nav
                                    : 0.0;
        const bool off_target = d.notional_drift_usd != 0.0 || d.gamma_gap_usd_1pct != 0.0;
        switch (trigger.kind) {
        case trigger_kind::time:
            row.trade = off_target && now.ns - last_rebalance.ns >= trigger.interval_ns;
            break;
        case trigger_kind::threshold:
            row.trade = d.outside_band;
            break;
        case trigger_kind::cost_aware:
            row.trade = d.outside_band && row.benefit_usd > row.total_cost_usd;
            break;
        }
        out[i] = row;
    }
}

} // namespace ballast::risk
