#include "router/amm_pool.hpp"

#include "book/uniswap_v3_math.hpp"

#include <cmath>
#include <vector>

namespace ballast::router {

namespace {

constexpr double q96 = 79228162514264337593543950336.0; // 2^96

double pow10(int e) noexcept {
    return std::pow(10.0, e);
}

/// Raw token units of `steps * base_step` for a token with `decimals`; nullopt when the step
/// is finer than the token's smallest unit.
std::optional<u256> raw_amount(std::int64_t steps, decimal_step step, int decimals) noexcept {
    if (steps <= 0 || step.mantissa <= 0 || step.exponent > decimals) {
        return std::nullopt;
    }
    u256 v =
        u256(static_cast<std::uint64_t>(steps)) * u256(static_cast<std::uint64_t>(step.mantissa));
    for (int i = step.exponent; i < decimals; ++i) {
        v *= 10;
    }
    return v;
}

/// v3 ranges in raw sqrt price (token1 per token0): bounds at every initialized tick, the
/// active liquidity of each range from the current one outwards.
bool v3_segments(const uniswap_v3_pool& p, std::vector<double>& bounds,
                 std::vector<double>& liquidity, double& sqrt_price) {
    const auto ticks = p.ticks();
    std::vector<std::int32_t> edges;
    edges.reserve(ticks.size() + 2);
    edges.push_back(uniswap_v3::min_tick);
    for (const auto& t : ticks) {
        if (t.index > uniswap_v3::min_tick && t.index < uniswap_v3::max_tick) {
            edges.push_back(t.index);
        }
    }
    edges.push_back(uniswap_v3::max_tick);
    bounds.clear();
    for (const auto e : edges) {
        const auto r = uniswap_v3::sqrt_ratio_at_tick(e);
        if (!r.ok()) {
            return false;
        }
        bounds.push_back(to_double(r.value) / q96);
    }
    const std::size_t n = edges.size() - 1;
    liquidity.assign(n, 0.0);
    // The range [edges[c], edges[c+1]) holding slot0's tick has the active liquidity.
    std::size_t c = 0;
    while (c + 1 < n && edges[c + 1] <= p.tick()) {
        ++c;
    }
    const auto net_at = [&](std::int32_t idx) -> double {
        const auto* t = p.find_tick(idx);
        return t == nullptr ? 0.0 : static_cast<double>(t->liquidity_net);
    };
    double l = static_cast<double>(p.liquidity());
    liquidity[c] = l;
    for (std::size_t i = c + 1; i < n; ++i) {
        l += net_at(edges[i]); // crossing edges[i] upwards
        liquidity[i] = std::max(0.0, l);
    }
    l = static_cast<double>(p.liquidity());
    for (std::size_t i = c; i-- > 0;) {
        l -= net_at(edges[i + 1]); // crossing edges[i+1] downwards
        liquidity[i] = std::max(0.0, l);
    }
    sqrt_price = to_double(p.sqrt_price_x96()) / q96;
    // After a downward cross slot0's price sits on the range's upper edge.
    sqrt_price = std::min(sqrt_price, bounds[c + 1] * (1.0 - 1e-15));
    sqrt_price = std::max(sqrt_price, bounds[c]);
    return true;
}

} // namespace

amm_pool::result amm_pool::from_state(pool_state state, std::string_view base,
                                      std::string_view quote) {
    result r;
    auto& a = r.pool;
    const auto& m = state.meta;
    if (m.token0 == base && m.token1 == quote) {
        a.base_is_token0_ = true;
    } else if (m.token1 == base && m.token0 == quote) {
        a.base_is_token0_ = false;
    } else {
        r.error = "token0/token1: pool trades " + m.token0 + "/" + m.token1 + ", not " +
                  std::string(base) + "/" + std::string(quote);
        return r;
    }
    a.base_decimals_ = a.base_is_token0_ ? m.decimals0 : m.decimals1;
    a.quote_decimals_ = a.base_is_token0_ ? m.decimals1 : m.decimals0;
    // Human sqrt(token1 per token0) = raw * 10^((d0 - d1) / 2); L_human = L_raw / 10^((d0+d1)/2).
    const double price_scale = std::sqrt(pow10(m.decimals0 - m.decimals1));
    const double liq_scale = std::sqrt(pow10(m.decimals0 + m.decimals1));
    if (state.kind == pool_kind::uniswap_v2) {
        const double r0 = to_double(state.v2.reserve0()) / pow10(m.decimals0);
        const double r1 = to_double(state.v2.reserve1()) / pow10(m.decimals1);
        const double fee = static_cast<double>(state.v2.fee()) * 1e-6;
        a.curve_ = a.base_is_token0_ ? pool_curve::constant_product(r0, r1, fee)
                                     : pool_curve::constant_product(r1, r0, fee);
    } else {
        std::vector<double> bounds;
        std::vector<double> liq;
        double s = 0.0;
        if (!v3_segments(state.v3, bounds, liq, s)) {
            r.error = "ticks: a tick outside TickMath's range";
            return r;
        }
        for (auto& b : bounds) {
            b *= price_scale;
        }
        for (auto& l : liq) {
            l /= liq_scale;
        }
        s *= price_scale;
        const double fee = static_cast<double>(state.v3.fee()) * 1e-6;
        if (a.base_is_token0_) {
            a.curve_ = pool_curve::concentrated(s, bounds, liq, fee);
        } else {
            // Quote per base is the inverse price: bounds invert and reverse.
            std::vector<double> inv(bounds.rbegin(), bounds.rend());
            for (auto& b : inv) {
                b = 1.0 / b;
            }
            std::vector<double> inv_liq(liq.rbegin(), liq.rend());
            a.curve_ = pool_curve::concentrated(1.0 / s, inv, inv_liq, fee);
        }
    }
    if (!a.curve_.valid()) {
        r.error = state.kind == pool_kind::uniswap_v2 ? "reserve0/reserve1: empty pool"
                                                      : "liquidity: no usable price range";
        return r;
    }
    a.state_ = std::move(state);
    return r;
}

exact_pool_quote amm_pool::quote(bool buy, std::int64_t steps,
                                 decimal_step base_step) const noexcept {
    exact_pool_quote q;
    const auto amount = raw_amount(steps, base_step, base_decimals_);
    if (!amount) {
        q.error = pool_error::zero_amount;
        return q;
    }
    // A buy takes base out with an exact-output swap (quote in); a sell puts base in with an
    // exact-input swap (quote out). zero_for_one: token0 goes in.
    const bool zero_for_one = buy ? !base_is_token0_ : base_is_token0_;
    const bool v2 = state_.kind == pool_kind::uniswap_v2;
    const double fee_rate =
        static_cast<double>(v2 ? state_.v2.fee() : state_.v3.fee()) / uniswap_v3::fee_denominator;
    u256 quote_raw;
    u256 fee_raw;
    if (v2) {
        const auto r = state_.v2.quote({zero_for_one, !buy, *amount});
        if (!r.ok()) {
            q.error = r.error;
            return q;
        }
        quote_raw = buy ? r.amount_in : r.amount_out;
    } else {
        v3_swap_request req;
        req.zero_for_one = zero_for_one;
        req.exact_input = !buy;
        req.amount = *amount;
        const auto r = state_.v3.quote(req);
        if (!r.ok() || r.partial || (buy && r.amount_out < *amount)) {
            q.error = r.ok() ? pool_error::insufficient_liquidity : r.error;
            return q;
        }
        quote_raw = buy ? r.amount_in : r.amount_out;
        fee_raw = r.fee_amount;
    }
    q.quote = to_double(quote_raw) / pow10(quote_decimals_);
    if (!buy) {
        q.fee_quote = q.quote * fee_rate / (1.0 - fee_rate); // the fee was taken in base
    } else if (v2) {
        q.fee_quote = q.quote * fee_rate;
    } else {
        q.fee_quote = to_double(fee_raw) / pow10(quote_decimals_);
    }
    return q;
}

} // namespace ballast::router
