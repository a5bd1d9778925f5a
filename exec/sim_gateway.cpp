#include "exec/sim_gateway.hpp"

#include <cmath>
#include <cstdio>

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

namespace ballast::exec {

sim_gateway::sim_gateway(venue_id venue, sim_venue_terms terms, const std::int64_t* clock,
                         std::size_t capacity)
    : venue_(venue), terms_(terms), clock_(clock) {
    pending_.reserve(capacity);
    reports_.reserve(capacity);
}

void sim_gateway::add_book(const instrument_spec* spec, l2_book* book) {
    books_.push_back({spec, book});
}

void sim_gateway::add_pool(const instrument_spec* spec, pool_state* pool, pool_terms terms) {
    pools_.push_back({spec, pool, terms});
}

gateway_status sim_gateway::send(const order_request& r) noexcept {
    if (r.spec == nullptr || r.quantity.value() <= 0) {
        return gateway_status::rejected;
    }
    if (pending_.size() == pending_.capacity()) {
        return gateway_status::back_pressured;
    }
    pending_.push_back({r, *clock_ + terms_.latency_ns});
    return gateway_status::ok;
}

gateway_status sim_gateway::cancel(const cancel_request& r) noexcept {
    // Every simulated order is immediate: by the time a cancel could arrive it is final.
    exec_report rep;
    rep.kind = exec_kind::cancel_reject;
    rep.venue = venue_;
    rep.id = r.id;
    rep.venue_time = timestamp_ns{*clock_};
    rep.set_reason("order is final (immediate orders only)");
    report(rep);
    return gateway_status::ok;
}

gateway_status sim_gateway::query(const query_request& r) noexcept {
    (void)r;
    return gateway_status::unsupported; // outcomes are never unknown here
}

gateway_status sim_gateway::reconcile(timestamp_ns since) noexcept {
    (void)since;
    exec_report rep; // nothing is ever open across runs: an empty answer
    rep.kind = exec_kind::status;
    rep.venue = venue_;
    rep.reconcile = true;
    report(rep);
    return gateway_status::ok;
}

bool sim_gateway::poll(exec_report& out) noexcept {
    if (reports_head_ == reports_.size()) {
        return false;
    }
    out = reports_[reports_head_++];
    if (reports_head_ == reports_.size()) {
        reports_.clear();
        reports_head_ = 0;
    }
    return true;
}

void sim_gateway::report(exec_report r) noexcept {
    reports_.push_back(r);
}

std::int64_t sim_gateway::next_arrival() const noexcept {
    return pending_head_ < pending_.size() ? pending_[pending_head_].arrives : INT64_MAX;
}

void sim_gateway::advance(std::int64_t now) noexcept {
    while (pending_head_ < pending_.size() && pending_[pending_head_].arrives <= now) {
        execute(pending_[pending_head_++].request);
    }
    if (pending_head_ == pending_.size()) {
        pending_.clear();
        pending_head_ = 0;
    }
}

exec_report sim_gateway::base_report(exec_kind k, const order_request& r) const noexcept {
    exec_report rep;
    rep.kind = k;
    rep.venue = venue_;
    rep.id = r.id;
    rep.venue_time = timestamp_ns{*clock_};
    return rep;
}

void sim_gateway::execute(const order_request& r) noexcept {
    order o;
    o.id = r.id;
    o.order_side = r.order_side;
    o.quantity = r.quantity;
    o.limit = r.limit;
    o.limit_price = r.limit_price;
    qty cum{0};
    const auto on_fill = [&](const sim_fill& f) {
        cum += f.quantity;
        exec_report rep = base_report(exec_kind::fill, r);
        rep.state = cum == r.quantity ? order_state::filled : order_state::partially_filled;
        rep.last_qty = f.quantity;
        rep.cum_qty = cum;
        rep.notional_quote = f.notional_quote;
        rep.fee_quote = f.fee_quote;
        rep.gas_quote = f.gas_quote;
        char id[32];
        const int n =
            std::snprintf(id, sizeof id, "sim-%llu", static_cast<unsigned long long>(++trades_));
        rep.set_trade_id(std::string_view(id, static_cast<std::size_t>(n)));
        report(rep);
    };
    for (const book_entry& b : books_) {
        if (b.spec != r.spec) {
            continue;
        }
        exec_report ack = base_report(exec_kind::ack, r);
        ack.state = order_state::acknowledged;
        report(ack);
        (void)fill_on_book(o, *b.book, *b.spec, terms_, on_fill);
        if (cum < r.quantity) {
            exec_report c = base_report(exec_kind::canceled, r);
            c.state = order_state::canceled;
            c.cum_qty = cum;
            c.set_reason("IOC remainder");
            report(c);
        }
        return;
    }
    for (pool_entry& p : pools_) {
        if (p.spec != r.spec) {
            continue;
        }
        const pool_fill_result f = swap_on_pool(o, *p.pool, p.terms, terms_);
        if (!f.ok) {
            exec_report rej = base_report(exec_kind::rejected, r);
            rej.state = order_state::rejected;
            rej.set_reason(to_string(f.error));
            report(rej);
            return;
        }
        exec_report ack = base_report(exec_kind::ack, r);
        ack.state = order_state::acknowledged;
        report(ack);
        on_fill(f.fill);
        return;
    }
    exec_report rej = base_report(exec_kind::rejected, r);
    rej.state = order_state::rejected;
    rej.set_reason("unknown instrument");
    report(rej);
}

} // namespace ballast::exec
