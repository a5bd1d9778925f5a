#include "risk/error.hpp"

namespace ballast::risk {

std::string_view to_string(risk_error e) noexcept {
    switch (e) {
    case risk_error::ok:
        return "ok";
    case risk_error::non_positive_forward:
        return "forward: must be a finite number > 0";
    case risk_error::non_positive_strike:
        return "strike: must be a finite number > 0";
    case risk_error::non_positive_vol:
        return "vol: must be a finite number > 0";
    case risk_error::expired:
        return "expiry: option is expired at the valuation time (years to expiry must be > 0)";
    case risk_error::non_finite_rate:
        return "rate: must be a finite number";
    case risk_error::not_an_option:
        return "right: must be call or put";
    case risk_error::non_positive_price:
        return "price: must be a finite number > 0";
    case risk_error::non_positive_entry:
        return "entry_price: must be a finite number > 0 for an inverse contract";
    case risk_error::non_finite_qty:
        return "qty: must be a finite number";
    case risk_error::unknown_instrument:
        return "instrument: unknown instrument";
    case risk_error::unknown_underlying:
        return "underlying: unknown underlying";
    case risk_error::unknown_position:
        return "position: unknown position";
    }
    return "unknown risk error";
}

} // namespace ballast::risk
