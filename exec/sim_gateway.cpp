#include "exec/sim_gateway.hpp"

#include <cmath>

namespace ballast::exec {

namespace {

u256 pow10(int n) noexcept {
    u256 r = 1;
    for (int i = 0; i < n; ++i) {
        r *= 10;
    }
    return r;
}

/// Base lots to raw token units: lot = m * 10^-e base units, a base unit = 10^decimals raw.
bool lots_to_raw(qty q, decimal_step lot, int decimals, u256& out) noexcept {
    if (q.value() <= 0 || lot.exponent > decimals) {
        return false;
    }
    out = u256(static_cast<std::uint64_t>(q.value())) *
          u256(static_cast<std::uint64_t>(lot.mantissa)) * pow10(decimals - lot.exponent);
    return true;
}

} // namespace

pool_fill_result swap_on_pool(const order& o, pool_state& pool, const pool_terms& terms,
                              const sim_venue_terms& venue) noexcept {
    pool_fill_result r;
    u256 base_raw;
    if (!lots_to_raw(o.quantity, terms.lot, terms.base_decimals, base_raw)) {
        r.error = pool_error::zero_amount;
        return r;
    }
    const bool buy = o.order_side == side::bid;
    const double base_scale = std::pow(10.0, terms.base_decimals);
    const double quote_scale = std::pow(10.0, terms.quote_decimals);
    double quote_paid_or_got = 0.0; // raw quote moved (buy: in incl. fee; sell: out)
    double fee_raw = 0.0;           // in the input token
    if (pool.kind == pool_kind::uniswap_v3) {
        v3_swap_request req;
        // Base in (sell) moves token0 -> token1 when base is token0.
        req.zero_for_one = buy ? !terms.base_is_token0 : terms.base_is_token0;
        req.exact_input = !buy;
        req.amount = base_raw;
        // Quote first: a swap that would revert or stop short leaves the pool untouched.
        const v3_swap_result q = pool.v3.quote(req);
        if (!q.ok() || q.partial) {
            r.error = q.ok() ? pool_error::insufficient_liquidity : q.error;
            return r;
        }
        const v3_swap_result s = pool.v3.swap(req);
        quote_paid_or_got = to_double(buy ? s.amount_in : s.amount_out);
        fee_raw = to_double(s.fee_amount);
    } else {
        // v2 pairs are quoted by the router but not executed by this gateway (exec/README.md).
        r.error = pool_error::bad_state;
        return r;
    }
    const double base_units = to_double(base_raw) / base_scale;
    sim_fill& f = r.fill;
    f.quantity = o.quantity;
    if (buy) {
        f.fee_quote = fee_raw / quote_scale;
        f.notional_quote = quote_paid_or_got / quote_scale - f.fee_quote;
    } else {
        const double got = quote_paid_or_got / quote_scale;
        const double fee_base = fee_raw / base_scale;
        f.notional_quote = got * base_units / (base_units - fee_base);
        f.fee_quote = f.notional_quote - got;
    }
    f.price_quote = f.notional_quote / base_units;
    f.gas_quote = venue.gas_quote;
    r.ok = true;
    return r;
}

} // namespace ballast::exec
