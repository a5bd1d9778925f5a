// Result assembly: the chosen amounts turned into allocations (pools priced by the contract's
// exact quote where available) and the split_result totals, or a failed result.
#include "router/amm_pool.hpp"
#include "router/split_detail.hpp"

#include <cstdint>

namespace ballast::router::detail {

void workspace::publish(route_method method, const market_snapshot& m) noexcept {
    auto& res = results[static_cast<std::size_t>(method)];
    auto& out = allocs[static_cast<std::size_t>(method)];
    std::size_t count = 0;
    double total = 0.0;
    std::int64_t filled = 0;
    for (std::size_t b = 0; b < nb; ++b) {
        if (best[b] <= 0) {
            continue;
        }
        auto& a = out[count++];
        const auto& s = books[b];
        a = allocation{};
        a.kind = source_kind::book;
        a.index = s.index;
        a.venue = s.venue;
        a.amount = base_qty(best[b]);
        a.notional_quote = book_notional(b, best[b], &a.limit_price, &a.levels);
        a.fees_quote = a.notional_quote * s.fee;
        a.cost_quote = buy ? a.notional_quote + a.fees_quote : a.notional_quote - a.fees_quote;
        total += a.cost_quote;
        filled += best[b];
    }
    for (std::size_t p = 0; p < np; ++p) {
        const std::int64_t x = best[nb + p];
        if (x <= 0) {
            continue;
        }
        const auto& s = pools[p];
        const double base = static_cast<double>(x) * step_units;
        const double fee = s.curve->fee_rate();
        auto& a = out[count++];
        a = allocation{};
        a.kind = source_kind::pool;
        a.index = s.index;
        a.venue = s.venue;
        a.amount = base_qty(x);
        a.gas_quote = s.gas;
        const exact_pool_quote exact = s.exact == nullptr
                                           ? exact_pool_quote{0.0, 0.0, pool_error::bad_state}
                                       : buy ? s.exact->quote_buy(x, base_step)
                                             : s.exact->quote_sell(x, base_step);
        if (exact.ok()) {
            // The contract's own amounts for the decided size.
            a.fees_quote = exact.fee_quote;
            a.notional_quote = buy ? exact.quote - exact.fee_quote : exact.quote + exact.fee_quote;
            a.cost_quote = buy ? exact.quote + s.gas : exact.quote - s.gas;
            a.limit_price = buy ? s.curve->spot_after_buy(base) : s.curve->spot_after_sell(base);
        } else if (buy) {
            const double quote_in = s.curve->quote_in_for_base_out(base);
            a.fees_quote = quote_in * fee;
            a.notional_quote = quote_in - a.fees_quote;
            a.cost_quote = quote_in + s.gas;
            a.limit_price = s.curve->spot_after_buy(base);
        } else {
            const double quote_out = s.curve->quote_out_for_base_in(base);
            a.fees_quote = quote_out * fee / (1.0 - fee);
            a.notional_quote = quote_out + a.fees_quote;
            a.cost_quote = quote_out - s.gas;
            a.limit_price = s.curve->spot_after_sell(base);
        }
        total += a.cost_quote;
        filled += x;
    }
    (void)m;
    res.order_side = order_side;
    res.requested = base_qty(order);
    res.filled = base_qty(filled);
    res.unfilled = base_qty(order - filled);
    res.base_step_units = step_units;
    res.total_cost_quote = total;
    res.mid_price = mid;
    res.avg_price = filled > 0 ? total / (static_cast<double>(filled) * step_units) : 0.0;
    res.cost_vs_mid_bps = filled > 0 && mid > 0.0
                              ? (buy ? res.avg_price - mid : mid - res.avg_price) / mid * 1e4
                              : 0.0;
    res.status = filled == 0      ? route_status::no_liquidity
                 : filled < order ? route_status::partial
                                  : route_status::ok;
    res.allocations = std::span<const allocation>(out.data(), count);
}

void workspace::fail(route_method method, route_status status, const parent_order& o) noexcept {
    auto& res = results[static_cast<std::size_t>(method)];
    res = split_result{};
    res.status = status;
    res.order_side = o.order_side;
    res.requested = o.amount;
    res.unfilled = o.amount;
    res.mid_price = mid;
    res.base_step_units = step_units;
}

} // namespace ballast::router::detail
