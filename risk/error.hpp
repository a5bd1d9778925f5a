#pragma once
/// Error codes of the risk layer: every valuation, mark or fill returns one instead of throwing.

#include <cstdint>
#include <string_view>

namespace ballast::risk {

/// Why a valuation, mark or fill was refused. The text of each names the offending field.
enum class risk_error : std::uint8_t {
    ok = 0,
    non_positive_forward, ///< forward (or underlying) price <= 0 or not finite
    non_positive_strike,  ///< option strike <= 0 or not finite
    non_positive_vol,     ///< implied vol <= 0 or not finite
    expired,              ///< time to expiry <= 0 at the valuation time
    non_finite_rate,      ///< discount rate NaN or infinite
    not_an_option,        ///< option right is neither call nor put
    non_positive_price,   ///< instrument or underlying mark <= 0 or not finite
    non_positive_entry,   ///< entry price of an inverse contract <= 0
    non_finite_qty,       ///< position or fill quantity NaN or infinite
    unknown_instrument,   ///< instrument index outside the portfolio
    unknown_underlying,   ///< underlying index outside the portfolio
    unknown_position,     ///< position index outside the portfolio
};

/// "<field>: <what is wrong>", e.g. "vol: must be a finite number > 0".
[[nodiscard]] std::string_view to_string(risk_error e) noexcept;

/// A value or the reason there is none.
template <class T> struct risk_result {
    T value{};
    risk_error error = risk_error::ok;
    [[nodiscard]] constexpr bool ok() const noexcept { return error == risk_error::ok; }
};

} // namespace ballast::risk
