#include "risk/black76.hpp"

#include <cmath>

namespace ballast::risk {

namespace {
constexpr double inv_sqrt_2pi = 0.3989422804014326779399460599343818684758586311649;
constexpr double inv_sqrt_2 = 0.7071067811865475244008443621048490392848359376884;
constexpr double days_per_year = 365.0;
constexpr double vol_point = 0.01;
} // namespace

double norm_cdf(double x) noexcept {
    return 0.5 * std::erfc(-x * inv_sqrt_2);
}
double norm_pdf(double x) noexcept {
    return inv_sqrt_2pi * std::exp(-0.5 * x * x);
}

risk_error validate(const black76_input& in) noexcept {
    // `!(x > 0)` also rejects NaN.
    if (!(in.forward > 0.0) || !std::isfinite(in.forward)) {
        return risk_error::non_positive_forward;
    }
    if (!(in.strike > 0.0) || !std::isfinite(in.strike)) {
        return risk_error::non_positive_strike;
    }
    if (!(in.vol > 0.0) || !std::isfinite(in.vol)) {
        return risk_error::non_positive_vol;
    }
    if (!(in.years > 0.0) || !std::isfinite(in.years)) {
        return risk_error::expired;
    }
    if (!std::isfinite(in.rate)) {
        return risk_error::non_finite_rate;
    }
    if (in.right != option_right::call && in.right != option_right::put) {
        return risk_error::not_an_option;
    }
    return risk_error::ok;
}

option_greeks black76_unchecked(const black76_input& in) noexcept {
    const double sqrt_t = std::sqrt(in.years);
    const double vol_sqrt_t = in.vol * sqrt_t;
    const double d1 =
        (std::log(in.forward / in.strike) + 0.5 * in.vol * in.vol * in.years) / vol_sqrt_t;
    const double d2 = d1 - vol_sqrt_t;
    // exp(-0) is exactly 1: the undiscounted case (crypto options, rate 0) skips the call.
    const double df = in.rate == 0.0 ? 1.0 : std::exp(-in.rate * in.years);
    const double pdf_d1 = norm_pdf(d1);

    // Each normal CDF once (erfc is the costly call, and it is not pure to the compiler: errno).
    option_greeks g;
    if (in.right == option_right::call) {
        const double n_d1 = norm_cdf(d1);
        g.price = df * (in.forward * n_d1 - in.strike * norm_cdf(d2));
        g.delta = df * n_d1;
    } else {
        const double n_minus_d1 = norm_cdf(-d1);
        g.price = df * (in.strike * norm_cdf(-d2) - in.forward * n_minus_d1);
        g.delta = -df * n_minus_d1;
    }
    g.gamma = df * pdf_d1 / (in.forward * vol_sqrt_t);
    const double vega_per_unit_vol = df * in.forward * pdf_d1 * sqrt_t;
    g.vega = vega_per_unit_vol * vol_point;
    // dV/dT = F df n(d1) vol / (2 sqrt T) - r V (same for calls and puts); theta = -dV/dT.
    const double dv_dt = df * in.forward * pdf_d1 * in.vol / (2.0 * sqrt_t) - in.rate * g.price;
    g.theta = -dv_dt / days_per_year;
    return g;
}

double black76_price_unchecked(const black76_input& in) noexcept {
    const double vol_sqrt_t = in.vol * std::sqrt(in.years);
    const double d1 =
        (std::log(in.forward / in.strike) + 0.5 * in.vol * in.vol * in.years) / vol_sqrt_t;
    const double d2 = d1 - vol_sqrt_t;
    const double df = in.rate == 0.0 ? 1.0 : std::exp(-in.rate * in.years);
    if (in.right == option_right::call) {
        return df * (in.forward * norm_cdf(d1) - in.strike * norm_cdf(d2));
    }
    return df * (in.strike * norm_cdf(-d2) - in.forward * norm_cdf(-d1));
}

risk_result<option_greeks> black76(const black76_input& in) noexcept {
    if (const auto e = validate(in); e != risk_error::ok) {
        return {{}, e};
    }
    return {black76_unchecked(in), risk_error::ok};
}

coin_settled_quote coin_settled(const option_greeks& usd, double forward) noexcept {
    const double price_coin = usd.price / forward;
    return {price_coin, usd.delta - price_coin};
}

} // namespace ballast::risk
