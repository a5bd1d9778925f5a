#include "router/pool_curve.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ballast::router {

pool_curve pool_curve::constant_product(double reserve_base, double reserve_quote,
                                        double fee_rate) {
    pool_curve c;
    if (!(reserve_base > 0.0) || !(reserve_quote > 0.0) || !(fee_rate >= 0.0) ||
        !(fee_rate < 1.0)) {
        return c;
    }
    c.sqrt_price_ = std::sqrt(reserve_quote / reserve_base);
    c.fee_ = fee_rate;
    // x*y = L^2 over every price: bounds far enough out that no trade reaches them.
    c.bounds_ = {c.sqrt_price_ * 1e-60, c.sqrt_price_ * 1e60};
    c.liquidity_ = {std::sqrt(reserve_base) * std::sqrt(reserve_quote)};
    c.precompute();
    return c;
}

pool_curve pool_curve::concentrated(double sqrt_price, std::span<const double> sqrt_bounds,
                                    std::span<const double> liquidity, double fee_rate) {
    pool_curve c;
    if (sqrt_bounds.size() < 2 || liquidity.size() + 1 != sqrt_bounds.size() ||
        !(fee_rate >= 0.0) || !(fee_rate < 1.0) || !(sqrt_price >= sqrt_bounds.front()) ||
        !(sqrt_price <= sqrt_bounds.back()) || !(sqrt_bounds.front() > 0.0) ||
        !std::isfinite(sqrt_bounds.back())) {
        return c;
    }
    for (std::size_t i = 0; i < liquidity.size(); ++i) {
        if (!(sqrt_bounds[i + 1] > sqrt_bounds[i]) || !(liquidity[i] >= 0.0) ||
            !std::isfinite(liquidity[i])) {
            return c;
        }
    }
    c.sqrt_price_ = sqrt_price;
    c.fee_ = fee_rate;
    c.bounds_.assign(sqrt_bounds.begin(), sqrt_bounds.end());
    c.liquidity_.assign(liquidity.begin(), liquidity.end());
    c.precompute();
    return c;
}

std::size_t pool_curve::segment_of(double s) const noexcept {
    const auto n = liquidity_.size();
    const auto it = std::upper_bound(bounds_.begin(), bounds_.end(), s);
    if (it == bounds_.begin()) {
        return 0;
    }
    const auto i = static_cast<std::size_t>(it - bounds_.begin()) - 1;
    return std::min(i, n - 1);
}

void pool_curve::precompute() {
    const auto n = liquidity_.size();
    current_ = segment_of(sqrt_price_);
    cum_base_.assign(n + 1, 0.0);
    cum_quote_.assign(n + 1, 0.0);
    double cb = 0.0;
    double cq = 0.0;
    for (std::size_t j = current_ + 1; j <= n; ++j) {
        const std::size_t i = j - 1;
        const double a = i == current_ ? sqrt_price_ : bounds_[i];
        const double b = bounds_[j];
        cb += liquidity_[i] * (1.0 / a - 1.0 / b);
        cq += liquidity_[i] * (b - a);
        cum_base_[j] = cb;
        cum_quote_[j] = cq;
    }
    max_base_out_ = cb;
    cb = 0.0;
    cq = 0.0;
    for (std::size_t j = current_ + 1; j-- > 0;) {
        const double a = bounds_[j];
        const double b = j == current_ ? sqrt_price_ : bounds_[j + 1];
        cb += liquidity_[j] * (1.0 / a - 1.0 / b);
        cq += liquidity_[j] * (b - a);
        cum_base_[j] = cb;
        cum_quote_[j] = cq;
    }
    max_base_in_ = cb / (1.0 - fee_);
}

double pool_curve::base_out_to_spot(double spot) const noexcept {
    if (!valid()) {
        return 0.0;
    }
    const double s = std::sqrt(spot);
    if (!(s > sqrt_price_)) {
        return 0.0;
    }
    if (s >= bounds_.back()) {
        return max_base_out_;
    }
    const std::size_t i = segment_of(s);
    const double prior = i == current_ ? 0.0 : cum_base_[i];
    const double a = i == current_ ? sqrt_price_ : bounds_[i];
    return prior + liquidity_[i] * (1.0 / a - 1.0 / s);
}

double pool_curve::sqrt_after_out(double base, double* quote_pre_fee) const noexcept {
    const auto n = liquidity_.size();
    if (!(base > 0.0)) {
        *quote_pre_fee = 0.0;
        return sqrt_price_;
    }
    if (base >= max_base_out_) {
        *quote_pre_fee = cum_quote_[n];
        return bounds_[n];
    }
    // First boundary above the price whose cumulative base out exceeds `base`.
    const auto first = cum_base_.begin() + static_cast<std::ptrdiff_t>(current_ + 1);
    const auto it = std::upper_bound(first, cum_base_.end(), base);
    const auto j = static_cast<std::size_t>(it - cum_base_.begin());
    const std::size_t i = j - 1;
    const double prior = i == current_ ? 0.0 : cum_base_[i];
    const double prior_q = i == current_ ? 0.0 : cum_quote_[i];
    const double a = i == current_ ? sqrt_price_ : bounds_[i];
    const double l = liquidity_[i];
    const double s = 1.0 / (1.0 / a - (base - prior) / l);
    *quote_pre_fee = prior_q + l * (s - a);
    return s;
}

double pool_curve::quote_in_for_base_out(double base) const noexcept {
    if (!valid() || base > max_base_out_) {
        return std::numeric_limits<double>::infinity();
    }
    double q = 0.0;
    (void)sqrt_after_out(base, &q);
    return q / (1.0 - fee_);
}

double pool_curve::spot_after_buy(double base) const noexcept {
    if (!valid()) {
        return 0.0;
    }
    double q = 0.0;
    const double s = sqrt_after_out(base, &q);
    return s * s;
}

double pool_curve::base_in_to_spot(double spot) const noexcept {
    if (!valid()) {
        return 0.0;
    }
    const double s = std::sqrt(spot);
    if (!(s < sqrt_price_)) {
        return 0.0;
    }
    if (s <= bounds_.front()) {
        return max_base_in_;
    }
    const std::size_t i = segment_of(s);
    const double prior = i == current_ ? 0.0 : cum_base_[i + 1];
    const double b = i == current_ ? sqrt_price_ : bounds_[i + 1];
    return (prior + liquidity_[i] * (1.0 / s - 1.0 / b)) / (1.0 - fee_);
}

double pool_curve::sqrt_after_in(double base_eff, double* quote_out) const noexcept {
    if (!(base_eff > 0.0)) {
        *quote_out = 0.0;
        return sqrt_price_;
    }
    if (base_eff >= cum_base_[0]) {
        *quote_out = cum_quote_[0];
        return bounds_[0];
    }
    // cum_base_[0..current_] decreases with j: the last j whose cumulative exceeds base_eff.
    const auto last = cum_base_.begin() + static_cast<std::ptrdiff_t>(current_ + 1);
    const auto it =
        std::partition_point(cum_base_.begin(), last, [&](double v) { return v > base_eff; });
    const auto i = static_cast<std::size_t>(it - cum_base_.begin()) - 1;
    const double prior = i == current_ ? 0.0 : cum_base_[i + 1];
    const double prior_q = i == current_ ? 0.0 : cum_quote_[i + 1];
    const double b = i == current_ ? sqrt_price_ : bounds_[i + 1];
    const double l = liquidity_[i];
    const double s = 1.0 / (1.0 / b + (base_eff - prior) / l);
    *quote_out = prior_q + l * (b - s);
    return s;
}

double pool_curve::quote_out_for_base_in(double base) const noexcept {
    if (!valid()) {
        return 0.0;
    }
    double q = 0.0;
    (void)sqrt_after_in(base * (1.0 - fee_), &q);
    return q;
}

double pool_curve::spot_after_sell(double base) const noexcept {
    if (!valid()) {
        return 0.0;
    }
    double q = 0.0;
    const double s = sqrt_after_in(base * (1.0 - fee_), &q);
    return s * s;
}

} // namespace ballast::router
