#include "risk/pre_trade.hpp"

#include <cmath>

namespace ballast::risk {

std::string_view to_string(kill_switch k) noexcept {
    switch (k) {
    case kill_switch::active:
        return "active";
    case kill_switch::reduce_only:
        return "reduce_only";
    case kill_switch::halted:
        return "halted";
    }
    return "unknown";
}

bool parse_kill_switch(std::string_view text, kill_switch& out) noexcept {
    for (const auto k : {kill_switch::active, kill_switch::reduce_only, kill_switch::halted}) {
        if (to_string(k) == text) {
            out = k;
            return true;
        }
    }
    return false;
}

std::string_view to_string(reject_reason r) noexcept {
    switch (r) {
    case reject_reason::none:
        return "none";
    case reject_reason::halted:
        return "halted";
    case reject_reason::reduce_only:
        return "reduce_only";
    case reject_reason::unknown_instrument:
        return "unknown_instrument";
    case reject_reason::unknown_venue:
        return "unknown_venue";
    case reject_reason::bad_qty:
        return "bad_qty";
    case reject_reason::bad_price:
        return "bad_price";
    case reject_reason::max_order_qty:
        return "max_order_qty";
    case reject_reason::max_order_notional:
        return "max_order_notional";
    case reject_reason::no_reference_price:
        return "no_reference_price";
    case reject_reason::price_collar:
        return "price_collar";
    case reject_reason::position_limit:
        return "position_limit";
    case reject_reason::delta_limit:
        return "delta_limit";
    case reject_reason::gamma_limit:
        return "gamma_limit";
    case reject_reason::rate_limited:
        return "rate_limited";
    }
    return "unknown";
}

token_bucket::token_bucket(double orders_per_second, std::uint32_t burst) noexcept {
    if (orders_per_second > 0.0 && burst > 0) {
        interval_ns_ = static_cast<std::int64_t>(std::llround(1e9 / orders_per_second));
        interval_ns_ = interval_ns_ > 0 ? interval_ns_ : 1;
        tolerance_ns_ = static_cast<std::int64_t>(burst - 1) * interval_ns_;
    }
}

bool token_bucket::available(timestamp_ns now) const noexcept {
    return interval_ns_ > 0 && now.ns >= tat_ns_ - tolerance_ns_;
}

bool token_bucket::try_take(timestamp_ns now) noexcept {
    if (!available(now)) {
        return false;
    }
    tat_ns_ = (tat_ns_ > now.ns ? tat_ns_ : now.ns) + interval_ns_;
    return true;
}

pre_trade_checker::pre_trade_checker(const portfolio& book)
    : book_(&book), instruments_(book.instrument_count()), underlyings_(book.underlying_count()) {
    for (std::size_t i = 0; i < instruments_.size(); ++i) {
        const auto& spec = book.instrument(instrument_id{static_cast<std::uint32_t>(i)}).spec;
        instruments_[i].price_per_tick = steps_to_double(1, spec.tick);
        instruments_[i].contracts_per_lot = steps_to_double(1, spec.lot);
    }
}

void pre_trade_checker::set_instrument_limits(instrument_id i,
                                              const instrument_limits& l) noexcept {
    if (i.value < instruments_.size()) {
        instruments_[i.value].limits = l;
        instruments_[i.value].configured = true;
    }
}

void pre_trade_checker::set_underlying_limits(underlying_id u,
                                              const underlying_limits& l) noexcept {
    if (u.value < underlyings_.size()) {
        underlyings_[u.value] = l;
    }
}

void pre_trade_checker::set_venue_rate(venue_id v, double orders_per_second, std::uint32_t burst) {
    if (v.value >= venues_.size()) {
        venues_.resize(static_cast<std::size_t>(v.value) + 1);
    }
    venues_[v.value] = token_bucket(orders_per_second, burst);
}

check_result pre_trade_checker::check(const risk_order& o, timestamp_ns now) noexcept {
    if (kill_ == kill_switch::halted) {
        return {reject_reason::halted, 0.0, 0.0};
    }
    if (o.instrument.value >= instruments_.size() || !instruments_[o.instrument.value].configured) {
        return {reject_reason::unknown_instrument, static_cast<double>(o.instrument.value), 0.0};
    }
    if (o.venue.value >= venues_.size() || !venues_[o.venue.value].configured()) {
        return {reject_reason::unknown_venue, static_cast<double>(o.venue.value), 0.0};
    }
    if (o.q.value() <= 0) {
        return {reject_reason::bad_qty, static_cast<double>(o.q.value()), 0.0};
    }
    if (o.px.value() <= 0) {
        return {reject_reason::bad_price, static_cast<double>(o.px.value()), 0.0};
    }
    const auto& slot = instruments_[o.instrument.value];
    const auto& inst = book_->instrument(o.instrument);
    const auto& lim = slot.limits;
    const double contracts = static_cast<double>(o.q.value()) * slot.contracts_per_lot;
    const double signed_contracts = o.s == side::bid ? contracts : -contracts;
    const double held = inst.net_contracts;
    const double after = held + signed_contracts;

    // Reduce-only: |position| must shrink without crossing zero (landing flat is fine).
    if (kill_ == kill_switch::reduce_only &&
        !(std::fabs(after) < std::fabs(held) && after * held >= 0.0)) {
        return {reject_reason::reduce_only, after, held};
    }
    if (contracts > lim.max_order_contracts) {
        return {reject_reason::max_order_qty, contracts, lim.max_order_contracts};
    }
    const double limit_px = static_cast<double>(o.px.value()) * slot.price_per_tick;
    const auto& t = inst.terms;
    double notional = 0.0;
    double reference = 0.0;
    switch (t.kind) {
    case instrument_kind::spot:
    case instrument_kind::linear_perp:
    case instrument_kind::linear_future:
        notional = contracts * t.contract_size * limit_px;
        reference = inst.price;
        break;
    case instrument_kind::inverse_perp:
    case instrument_kind::inverse_future:
        notional = contracts * t.contract_size; // USD face
        reference = inst.price;
        break;
    case instrument_kind::option:
        // Underlying notional; premium reference in the option's own quote (coin or USD).
        notional = contracts * t.contract_size * inst.price;
        reference = inst.unit.value_usd / t.contract_size;
        if (t.coin_settled && inst.price > 0.0) {
            reference /= inst.price;
        }
        break;
    }
    if (notional > lim.max_order_notional_usd) {
        return {reject_reason::max_order_notional, notional, lim.max_order_notional_usd};
    }
    if (!(reference > 0.0) || !std::isfinite(reference)) {
        return {reject_reason::no_reference_price, reference, 0.0};
    }
    const double distance = std::fabs(limit_px / reference - 1.0);
    if (distance > lim.price_collar) {
        return {reject_reason::price_collar, distance, lim.price_collar};
    }
    // Exposure limits reject only orders that grow an exposure beyond its limit, so that an
    // order reducing an existing breach always passes.
    if (std::fabs(after) > lim.max_position_contracts && std::fabs(after) > std::fabs(held)) {
        return {reject_reason::position_limit, after, lim.max_position_contracts};
    }
    const auto& ul = underlyings_[inst.underlying.value];
    const auto& totals = book_->underlying(inst.underlying).totals;
    const double delta_after = totals.delta_base + signed_contracts * inst.unit.delta_base;
    if (std::fabs(delta_after) > ul.max_abs_delta_base &&
        std::fabs(delta_after) > std::fabs(totals.delta_base)) {
        return {reject_reason::delta_limit, delta_after, ul.max_abs_delta_base};
    }
    const double gamma_after = totals.gamma_usd_1pct + signed_contracts * inst.unit.gamma_usd_1pct;
    if (std::fabs(gamma_after) > ul.max_abs_gamma_usd_1pct &&
        std::fabs(gamma_after) > std::fabs(totals.gamma_usd_1pct)) {
        return {reject_reason::gamma_limit, gamma_after, ul.max_abs_gamma_usd_1pct};
    }
    if (!venues_[o.venue.value].try_take(now)) {
        return {reject_reason::rate_limited, 0.0, 0.0};
    }
    return {};
}

} // namespace ballast::risk
