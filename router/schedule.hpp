#pragma once
/// Schedules: TWAP, VWAP, POV and Almgren-Chriss turn a parent order into timed child slices,
/// each with a limit-price collar. Time is always passed in, never read from a clock.

#include "book/types.hpp"
#include "router/cost_model.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace ballast::router {

/// One timed child of a schedule; the split routes it on the books as they are at `at`.
struct schedule_slice {
    timestamp_ns at{};
    base_qty amount{0};
    double limit_price = 0.0; ///< collar: the reference price moved against us by collar_bps
};

enum class schedule_error : std::uint8_t {
    ok = 0,
    bad_quantity,   ///< non-positive parent, or a lot that does not divide it
    bad_horizon,    ///< non-positive horizon, or start + horizon beyond int64 ns
    bad_slices,     ///< zero slices, or more than the output span holds
    bad_profile,    ///< VWAP/POV volumes: wrong count, negative or all zero
    bad_rate,       ///< POV participation outside (0, 1]
    bad_parameters, ///< AC: negative or non-finite inputs, eta - gamma*tau/2 <= 0, kappa overflow
    bad_price,      ///< reference price not positive and finite, collar outside [0, 10000] bps
};
[[nodiscard]] std::string_view to_string(schedule_error e) noexcept;

/// What every schedule needs.
struct schedule_params {
    side order_side = side::bid;
    base_qty total{0};
    std::int64_t lot_steps = 1; ///< slices are whole multiples of this (base steps)
    timestamp_ns start{};
    std::int64_t horizon_ns = 0;
    std::size_t slices = 10;
    double reference_price = 0.0; ///< arrival price (quote per base) for the collar
    double collar_bps = 50.0;
};

/// A plan: slices written into the caller's span. `unfilled` is what the plan leaves (POV
/// when the forecast volume is too thin); amounts sum to total - unfilled.
struct schedule_result {
    schedule_error error = schedule_error::ok;
    std::span<const schedule_slice> slices;
    base_qty unfilled{0};
    [[nodiscard]] bool ok() const noexcept { return error == schedule_error::ok; }
};

/// The collar limit: the reference moved against the order by `collar_bps`.
[[nodiscard]] constexpr double collar_limit(side s, double reference, double collar_bps) noexcept {
    return s == side::bid ? reference * (1.0 + collar_bps * 1e-4)
                          : reference * (1.0 - collar_bps * 1e-4);
}

/// Equal slices at equal intervals.
[[nodiscard]] schedule_result twap(const schedule_params& p,
                                   std::span<schedule_slice> out) noexcept;

/// Slices in proportion to an expected volume profile (one weight per slice).
[[nodiscard]] schedule_result vwap(const schedule_params& p, std::span<const double> profile,
                                   std::span<schedule_slice> out) noexcept;

/// Participation of `rate` in the forecast traded volume per slice (base units); whatever the
/// forecast cannot absorb by the horizon is `unfilled`.
[[nodiscard]] schedule_result pov(const schedule_params& p, double rate,
                                  std::span<const double> volume_per_slice, double base_step_units,
                                  std::span<schedule_slice> out) noexcept;

/// Almgren-Chriss (2000) inputs, in seconds, base units and quote per base.
struct ac_params {
    double risk_aversion = 0.0; ///< lambda, 1/quote
    double volatility = 0.0;    ///< sigma, quote per base per sqrt(second)
    double temporary = 0.0;     ///< eta, quote per base per (base/second)
    double permanent = 0.0;     ///< gamma, quote per base per base
    double spread_cost = 0.0;   ///< epsilon, quote per base (fixed cost; does not shape x)
};

/// The discrete closed form: x_j = X sinh(kappa (T - t_j)) / sinh(kappa T) with
/// cosh(kappa tau) = 1 + tau^2 lambda sigma^2 / (2 (eta - gamma tau / 2)).
struct ac_plan {
    double kappa = 0.0;         ///< 1/second
    double expected_cost = 0.0; ///< E[x], quote (permanent, spread and temporary impact)
    double variance = 0.0;      ///< V[x], quote^2
};
/// Holdings x_j (base units) at t_j = j*tau, j = 0..slices, into `holdings` (slices + 1).
[[nodiscard]] schedule_error ac_trajectory(double total_base, double horizon_s, std::size_t slices,
                                           const ac_params& a, std::span<double> holdings,
                                           ac_plan* plan = nullptr) noexcept;
/// The trajectory's trades as slices (rounded to lots, summing to the parent).
[[nodiscard]] schedule_result almgren_chriss(const schedule_params& p, const ac_params& a,
                                             double base_step_units, std::span<schedule_slice> out,
                                             ac_plan* plan = nullptr) noexcept;

/// Live POV: counts the market volume seen and releases children to keep executed volume at
/// `rate` of it. Time comes from the caller.
class pov_tracker {
  public:
    pov_tracker(base_qty total, double rate, std::int64_t lot_steps, timestamp_ns end) noexcept
        : total_(total.value()), rate_(rate), lot_(lot_steps > 0 ? lot_steps : 1), end_(end) {}

    /// Traded volume seen on the market (base steps), excluding our own fills.
    void on_market_volume(base_qty traded) noexcept { seen_ += traded.value(); }
    /// The child to send now to catch up with rate * seen (0 when on track or done); after the
    /// end time nothing more is released.
    [[nodiscard]] base_qty next_child(timestamp_ns now) const noexcept;
    /// A child was sent (or filled) for `amount`.
    void on_sent(base_qty amount) noexcept { sent_ += amount.value(); }

    [[nodiscard]] base_qty sent() const noexcept { return base_qty(sent_); }
    [[nodiscard]] base_qty remaining() const noexcept { return base_qty(total_ - sent_); }

  private:
    std::int64_t total_;
    double rate_;
    std::int64_t lot_;
    timestamp_ns end_;
    std::int64_t seen_ = 0;
    std::int64_t sent_ = 0;
};

} // namespace ballast::router
