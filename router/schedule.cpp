#include "router/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ballast::router {

std::string_view to_string(schedule_error e) noexcept {
    switch (e) {
    case schedule_error::ok:
        return "ok";
    case schedule_error::bad_quantity:
        return "quantity must be positive and a whole number of lots";
    case schedule_error::bad_horizon:
        return "horizon must be positive and start + horizon within int64 nanoseconds";
    case schedule_error::bad_slices:
        return "slices must be between 1 and the plan's capacity";
    case schedule_error::bad_profile:
        return "profile needs one non-negative value per slice, not all zero";
    case schedule_error::bad_rate:
        return "participation rate must be in (0, 1]";
    case schedule_error::bad_parameters:
        return "Almgren-Chriss needs finite risk aversion, volatility >= 0, eta > gamma*tau/2 "
               "and a kappa that fits in a double";
    case schedule_error::bad_price:
        return "reference price must be positive and finite, the collar in [0, 10000] bps";
    }
    return "unknown";
}

namespace {

schedule_error check(const schedule_params& p, std::size_t capacity) noexcept {
    if (p.total.value() <= 0 || p.lot_steps <= 0 || p.total.value() % p.lot_steps != 0) {
        return schedule_error::bad_quantity;
    }
    if (p.horizon_ns <= 0 || p.start.ns > std::numeric_limits<std::int64_t>::max() - p.horizon_ns) {
        return schedule_error::bad_horizon; // the last slice's time must fit in int64 ns
    }
    if (p.slices == 0 || p.slices > capacity) {
        return schedule_error::bad_slices;
    }
    // The collar moves the limit by at most the whole reference: a sell limit stays >= 0.
    if (!(p.reference_price > 0.0) || !std::isfinite(p.reference_price) || !(p.collar_bps >= 0.0) ||
        !(p.collar_bps <= 10000.0) ||
        !std::isfinite(collar_limit(p.order_side, p.reference_price, p.collar_bps))) {
        return schedule_error::bad_price;
    }
    return schedule_error::ok;
}

timestamp_ns slice_time(const schedule_params& p, std::size_t j) noexcept {
    // Exact integer spacing: j * horizon / slices without overflow for horizons of years.
    const auto n = static_cast<std::int64_t>(p.slices);
    const auto jj = static_cast<std::int64_t>(j);
    return timestamp_ns{p.start.ns + (p.horizon_ns / n) * jj + (p.horizon_ns % n) * jj / n};
}

/// Slices whose cumulative amounts follow `cum_fraction(j)` (j = 1..n, ending at 1), each
/// cumulative rounded to the nearest lot: the amounts are lot multiples summing to the total.
template <class F>
schedule_result fill_cumulative(const schedule_params& p, std::span<schedule_slice> out,
                                F&& cum_fraction) noexcept {
    const std::int64_t lots = p.total.value() / p.lot_steps;
    std::int64_t prev = 0;
    const double limit = collar_limit(p.order_side, p.reference_price, p.collar_bps);
    for (std::size_t j = 0; j < p.slices; ++j) {
        std::int64_t cum = j + 1 == p.slices
                               ? lots
                               : std::llround(cum_fraction(j + 1) * static_cast<double>(lots));
        cum = std::clamp(cum, prev, lots);
        out[j] = {slice_time(p, j), base_qty((cum - prev) * p.lot_steps), limit};
        prev = cum;
    }
    return {schedule_error::ok, out.first(p.slices), base_qty(0)};
}

} // namespace

schedule_result twap(const schedule_params& p, std::span<schedule_slice> out) noexcept {
    if (const auto e = check(p, out.size()); e != schedule_error::ok) {
        return {e, {}, p.total};
    }
    const double n = static_cast<double>(p.slices);
    return fill_cumulative(p, out, [&](std::size_t j) { return static_cast<double>(j) / n; });
}

schedule_result vwap(const schedule_params& p, std::span<const double> profile,
                     std::span<schedule_slice> out) noexcept {
    if (const auto e = check(p, out.size()); e != schedule_error::ok) {
        return {e, {}, p.total};
    }
    if (profile.size() != p.slices) {
        return {schedule_error::bad_profile, {}, p.total};
    }
    double sum = 0.0;
    for (const double w : profile) {
        if (!(w >= 0.0) || !std::isfinite(w)) {
            return {schedule_error::bad_profile, {}, p.total};
        }
        sum += w;
    }
    if (!(sum > 0.0) || !std::isfinite(sum)) { // an overflowed sum would make every share 0
        return {schedule_error::bad_profile, {}, p.total};
    }
    double acc = 0.0;
    std::size_t done = 0;
    return fill_cumulative(p, out, [&](std::size_t j) {
        while (done < j) {
            acc += profile[done++];
        }
        return acc / sum;
    });
}

schedule_result pov(const schedule_params& p, double rate, std::span<const double> volume_per_slice,
                    double base_step_units, std::span<schedule_slice> out) noexcept {
    if (const auto e = check(p, out.size()); e != schedule_error::ok) {
        return {e, {}, p.total};
    }
    if (!(rate > 0.0) || rate > 1.0) {
        return {schedule_error::bad_rate, {}, p.total};
    }
    if (volume_per_slice.size() != p.slices || !(base_step_units > 0.0)) {
        return {schedule_error::bad_profile, {}, p.total};
    }
    const double limit = collar_limit(p.order_side, p.reference_price, p.collar_bps);
    std::int64_t left = p.total.value();
    double owed = 0.0; // participation not yet taken because of lot rounding (base steps)
    for (std::size_t j = 0; j < p.slices; ++j) {
        const double v = volume_per_slice[j];
        if (!(v >= 0.0) || !std::isfinite(v)) {
            return {schedule_error::bad_profile, {}, p.total};
        }
        owed += rate * v / base_step_units;
        // Compare in double before converting: a forecast far above the parent would overflow
        // the int64 conversion (undefined), and it can take no more than what is left anyway.
        const double lots_owed = std::floor(owed / static_cast<double>(p.lot_steps));
        const std::int64_t take = lots_owed >= static_cast<double>(left / p.lot_steps)
                                      ? left / p.lot_steps * p.lot_steps
                                      : static_cast<std::int64_t>(lots_owed) * p.lot_steps;
        owed -= static_cast<double>(take);
        left -= take;
        out[j] = {slice_time(p, j), base_qty(take), limit};
    }
    return {schedule_error::ok, out.first(p.slices), base_qty(left)};
}

namespace {

/// kappa and eta~ of the discrete closed form, or why the parameters have none.
schedule_error ac_kappa(double horizon_s, std::size_t slices, const ac_params& a, double& kappa,
                        double& eta_tilde) noexcept {
    if (!(horizon_s > 0.0)) {
        return schedule_error::bad_horizon;
    }
    if (slices == 0) {
        return schedule_error::bad_slices;
    }
    const double tau = horizon_s / static_cast<double>(slices);
    eta_tilde = a.temporary - 0.5 * a.permanent * tau;
    if (!(a.risk_aversion >= 0.0) || !(a.volatility >= 0.0) || !(a.permanent >= 0.0) ||
        !(a.spread_cost >= 0.0) || !(eta_tilde > 0.0) ||
        !std::isfinite(a.risk_aversion + a.volatility + a.permanent + a.spread_cost +
                       a.temporary)) {
        return schedule_error::bad_parameters;
    }
    const double kt2 = a.risk_aversion * a.volatility * a.volatility / eta_tilde;
    kappa = std::acosh(1.0 + 0.5 * kt2 * tau * tau) / tau;
    if (!std::isfinite(kappa)) {
        return schedule_error::bad_parameters; // lambda sigma^2 / eta~ beyond a double
    }
    return schedule_error::ok;
}

/// x(t)/X = sinh(kappa (T - t)) / sinh(kappa T); the straight line when kappa T -> 0 and an
/// exponential form when sinh would overflow.
double ac_remaining_fraction(double kappa, double horizon_s, double t) noexcept {
    const double kT = kappa * horizon_s;
    if (kT < 1e-8) {
        return 1.0 - t / horizon_s;
    }
    if (kT > 500.0) {
        return std::exp(-kappa * t) * (1.0 - std::exp(-2.0 * kappa * (horizon_s - t))) /
               (1.0 - std::exp(-2.0 * kT));
    }
    return std::sinh(kappa * (horizon_s - t)) / std::sinh(kT);
}

/// E and V of a trajectory given by its trades n_j (base units).
template <class Trade>
ac_plan ac_moments(double total, double horizon_s, std::size_t slices, const ac_params& a,
                   double kappa, double eta_tilde, Trade&& trade) noexcept {
    const double tau = horizon_s / static_cast<double>(slices);
    double sum_n2 = 0.0;
    double sum_x2 = 0.0;
    double x = total;
    for (std::size_t j = 0; j < slices; ++j) {
        const double n = trade(j);
        x -= n;
        sum_n2 += n * n;
        sum_x2 += x * x;
    }
    ac_plan plan;
    plan.kappa = kappa;
    plan.expected_cost =
        0.5 * a.permanent * total * total + a.spread_cost * total + eta_tilde / tau * sum_n2;
    plan.variance = a.volatility * a.volatility * tau * sum_x2;
    return plan;
}

} // namespace

schedule_error ac_trajectory(double total_base, double horizon_s, std::size_t slices,
                             const ac_params& a, std::span<double> holdings,
                             ac_plan* plan) noexcept {
    if (!(total_base > 0.0)) {
        return schedule_error::bad_quantity;
    }
    if (holdings.size() < slices + 1) {
        return schedule_error::bad_slices;
    }
    double kappa = 0.0;
    double eta_tilde = 0.0;
    if (const auto e = ac_kappa(horizon_s, slices, a, kappa, eta_tilde); e != schedule_error::ok) {
        return e;
    }
    const double tau = horizon_s / static_cast<double>(slices);
    for (std::size_t j = 0; j < slices; ++j) {
        holdings[j] =
            total_base * ac_remaining_fraction(kappa, horizon_s, tau * static_cast<double>(j));
    }
    holdings[slices] = 0.0;
    if (plan != nullptr) {
        *plan = ac_moments(total_base, horizon_s, slices, a, kappa, eta_tilde,
                           [&](std::size_t j) { return holdings[j] - holdings[j + 1]; });
    }
    return schedule_error::ok;
}

schedule_result almgren_chriss(const schedule_params& p, const ac_params& a, double base_step_units,
                               std::span<schedule_slice> out, ac_plan* plan) noexcept {
    if (const auto e = check(p, out.size()); e != schedule_error::ok) {
        return {e, {}, p.total};
    }
    if (!(base_step_units > 0.0)) {
        return {schedule_error::bad_quantity, {}, p.total};
    }
    const double horizon_s = static_cast<double>(p.horizon_ns) * 1e-9;
    double kappa = 0.0;
    double eta_tilde = 0.0;
    if (const auto e = ac_kappa(horizon_s, p.slices, a, kappa, eta_tilde);
        e != schedule_error::ok) {
        return {e, {}, p.total};
    }
    const double tau = horizon_s / static_cast<double>(p.slices);
    auto r = fill_cumulative(p, out, [&](std::size_t j) {
        return 1.0 - ac_remaining_fraction(kappa, horizon_s, tau * static_cast<double>(j));
    });
    if (plan != nullptr) {
        const double total = static_cast<double>(p.total.value()) * base_step_units;
        *plan = ac_moments(total, horizon_s, p.slices, a, kappa, eta_tilde, [&](std::size_t j) {
            return static_cast<double>(r.slices[j].amount.value()) * base_step_units;
        });
    }
    return r;
}

base_qty pov_tracker::next_child(timestamp_ns now) const noexcept {
    if (now > end_ || sent_ >= total_) {
        return base_qty(0);
    }
    const double due = rate_ * static_cast<double>(seen_) - static_cast<double>(sent_);
    if (!(due > 0.0)) {
        return base_qty(0);
    }
    std::int64_t lots = static_cast<std::int64_t>(std::floor(due / static_cast<double>(lot_)));
    return base_qty(std::min(lots * lot_, total_ - sent_));
}

} // namespace ballast::router
