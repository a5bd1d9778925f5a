#pragma once
/// Black-76: European options on a forward (or on the underlying future), with discounting.

#include "book/instrument.hpp"
#include "risk/error.hpp"

namespace ballast::risk {

/// Inputs in the option's quote currency (USD for every venue Ballast trades options on).
struct black76_input {
    double forward = 0.0; ///< forward or underlying-future price
    double strike = 0.0;
    double vol = 0.0;   ///< annualised implied vol as a fraction (0.65 for 65%)
    double years = 0.0; ///< time to expiry, ACT/365
    double rate = 0.0;  ///< continuously compounded discount rate (Deribit uses 0)
    option_right right = option_right::none;
};

/// Price and Greeks per unit of underlying, all in the quote currency.
struct option_greeks {
    double price = 0.0; ///< premium
    double delta = 0.0; ///< dV/dF
    double gamma = 0.0; ///< d2V/dF2
    double vega = 0.0;  ///< dV per one vol point (vol + 0.01)
    double theta = 0.0; ///< dV per calendar day passing (-dV/dT / 365)
};

/// ok when the inputs can be priced; the error names the first offending field.
[[nodiscard]] risk_error validate(const black76_input& in) noexcept;

/// Precondition: validate(in) == ok. No checks, no branches on errors: the hot-path form.
[[nodiscard]] option_greeks black76_unchecked(const black76_input& in) noexcept;

/// Premium only. Precondition: validate(in) == ok.
[[nodiscard]] double black76_price_unchecked(const black76_input& in) noexcept;

/// Validated price and Greeks.
[[nodiscard]] risk_result<option_greeks> black76(const black76_input& in) noexcept;

/// A coin-settled option (Deribit's BTC and ETH options) pays max(S-K,0)/S coins, so its
/// premium in coin is the USD Black premium divided by the forward. Deribit publishes the
/// Greeks of the USD value (Black delta, gamma, vega, theta); the premium-adjusted delta is
/// the exposure of a book that counts its P&L in the coin.
struct coin_settled_quote {
    double price_coin = 0.0;
    double premium_adjusted_delta = 0.0; ///< delta - price_coin
};
[[nodiscard]] coin_settled_quote coin_settled(const option_greeks& usd, double forward) noexcept;

/// Standard normal CDF and density.
[[nodiscard]] double norm_cdf(double x) noexcept;
[[nodiscard]] double norm_pdf(double x) noexcept;

} // namespace ballast::risk
