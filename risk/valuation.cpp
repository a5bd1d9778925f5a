#include "risk/valuation.hpp"

#include <cmath>

namespace ballast::risk {

namespace {
constexpr double ns_per_year = 365.0 * 86400.0 * 1e9;

} // namespace

instrument_terms terms_of(const instrument_spec& spec) noexcept {
    instrument_terms t;
    t.kind = spec.kind;
    t.right = spec.right;
    t.coin_settled =
        spec.kind == instrument_kind::option && !spec.settle.empty() && spec.settle == spec.base;
    t.contract_size = spec.contract_size;
    t.strike = spec.strike;
    t.expiry = spec.expiry;
    return t;
}

double years_between(timestamp_ns now, timestamp_ns expiry) noexcept {
    return static_cast<double>(expiry.ns - now.ns) / ns_per_year;
}

risk_result<position_risk> value_position(const instrument_terms& terms, double contracts,
                                          double entry_price, const instrument_mark& mark,
                                          timestamp_ns now) noexcept {
    if (!std::isfinite(contracts)) {
        return {{}, risk_error::non_finite_qty};
    }
    const double p = mark.price;
    position_risk r;
    switch (terms.kind) {
    case instrument_kind::spot:
    case instrument_kind::linear_perp:
    case instrument_kind::linear_future: {
        if (!(p > 0.0) || !std::isfinite(p)) {
            return {{}, risk_error::non_positive_price};
        }
        const double base = contracts * terms.contract_size;
        r.value_usd = terms.kind == instrument_kind::spot ? base * p : base * (p - entry_price);
        r.delta_base = base;
        r.delta_usd = base * p;
        r.notional_usd = std::fabs(base) * p;
        return {r, risk_error::ok};
    }
    case instrument_kind::inverse_perp:
    case instrument_kind::inverse_future: {
        if (!(p > 0.0) || !std::isfinite(p)) {
            return {{}, risk_error::non_positive_price};
        }
        if (!(entry_price > 0.0) || !std::isfinite(entry_price)) {
            return {{}, risk_error::non_positive_entry};
        }
        // USD face F: the coin P&L is F (1/entry - 1/P), worth F (P/entry - 1) USD at P. The
        // coin-equivalent exposure is F/P, whose slope -F/P^2 is the inverse contract's gamma.
        const double face = contracts * terms.contract_size;
        r.value_usd = face * (p / entry_price - 1.0);
        r.delta_base = face / p;
        r.delta_usd = face;
        r.gamma_base = -face / (p * p);
        r.gamma_usd_1pct = -face / 100.0;
        r.notional_usd = std::fabs(face);
        return {r, risk_error::ok};
    }
    case instrument_kind::option: {
        const black76_input in{.forward = p,
                               .strike = terms.strike,
                               .vol = mark.vol,
                               .years = years_between(now, terms.expiry),
                               .rate = 0.0,
                               .right = terms.right};
        if (const auto e = validate(in); e != risk_error::ok) {
            return {{}, e};
        }
        const option_greeks g = black76_unchecked(in);
        const double units = contracts * terms.contract_size;
        r.value_usd = units * g.price;
        r.delta_base = units * g.delta;
        r.delta_usd = r.delta_base * p;
        r.gamma_base = units * g.gamma;
        r.gamma_usd_1pct = r.gamma_base * p * p / 100.0;
        r.vega_usd = units * g.vega;
        r.theta_usd = units * g.theta;
        r.notional_usd = std::fabs(units) * p;
        return {r, risk_error::ok};
    }
    }
    return {{}, risk_error::unknown_instrument};
}

position_risk scale_greeks(const position_risk& unit, double contracts,
                           double gross_contracts) noexcept {
    position_risk r;
    r.notional_usd = gross_contracts * unit.notional_usd;
    r.delta_base = contracts * unit.delta_base;
    r.delta_usd = contracts * unit.delta_usd;
    r.gamma_base = contracts * unit.gamma_base;
    r.gamma_usd_1pct = contracts * unit.gamma_usd_1pct;
    r.vega_usd = contracts * unit.vega_usd;
    r.theta_usd = contracts * unit.theta_usd;
    return r;
}

risk_result<position_risk> scale_unit(const instrument_terms& terms, const position_risk& unit,
                                      double contracts, double entry_price, double price) noexcept {
    if (!std::isfinite(contracts)) {
        return {{}, risk_error::non_finite_qty};
    }
    position_risk r = scale_greeks(unit, contracts, std::fabs(contracts));
    switch (terms.kind) {
    case instrument_kind::spot:
    case instrument_kind::option:
        r.value_usd = contracts * unit.value_usd;
        break;
    case instrument_kind::linear_perp:
    case instrument_kind::linear_future:
        r.value_usd = contracts * terms.contract_size * (price - entry_price);
        break;
    case instrument_kind::inverse_perp:
    case instrument_kind::inverse_future:
        if (!(entry_price > 0.0) || !std::isfinite(entry_price)) {
            return {{}, risk_error::non_positive_entry};
        }
        r.value_usd = contracts * terms.contract_size * (price / entry_price - 1.0);
        break;
    }
    return {r, risk_error::ok};
}

} // namespace ballast::risk
