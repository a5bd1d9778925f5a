// Book events into the mirror and the marks; which sources the router may use; drift into
// parent orders and their schedules; the timers.
#include "exec/engine_state.hpp"

namespace ballast::exec {

void engine_impl::apply(const book_event& e) noexcept {
    book_slot& b = books[e.slot];
    switch (e.k) {
    case book_event::kind::clear:
        b.book->clear();
        break;
    case book_event::kind::level:
        if (b.book->set_level(static_cast<side>(e.side_or_health), price(e.px), qty(e.sz)) ==
            level_change::dropped_full) {
            ++mirror_drops; // sized like the feed's book: reported if it ever happens
        }
        break;
    case book_event::kind::update: {
        b.health = static_cast<feed::book_health>(e.side_or_health);
        b.last_update = e.ts;
        const double mid = mid_of(*b.book, *b.spec);
        if (b.health == feed::book_health::live && mid > 0.0) {
            const std::uint64_t t0 = tsc_now();
            (void)cfg.book.on_instrument_mark(b.instrument, mid);
            lat.record_ticks(hop::risk, t0, tsc_now());
        }
        note_series_update(e.slot);
        break;
    }
    case book_event::kind::end:
        break;
    }
}

void engine_impl::refresh_sources(market& m) noexcept {
    for (std::size_t i = 0; i < m.books.size(); ++i) {
        book_slot& b = books[m.books[i]];
        const venue_input& v = sc.venues[b.venue_terms];
        router::book_source& s = m.book_sources[i];
        s.book = b.book.get();
        s.cost.venue = b.venue;
        s.cost.taker_fee_bps = v.taker_fee_bps;
        s.cost.maker_fee_bps = v.maker_fee_bps;
        s.cost.lot = b.spec->lot;
        s.cost.tick = b.spec->tick;
        s.cost.min_notional_quote = b.spec->min_notional;
        s.cost.healthy = routable(b);
        if (!s.cost.healthy) {
            ++b.excluded;
        }
    }
    for (std::size_t i = 0; i < m.pools.size(); ++i) {
        pool_slot& p = pools[m.pools[i]];
        router::pool_source& s = m.pool_sources[i];
        s.curve = &p.view->curve();
        s.exact = p.view.get();
        s.cost.venue = p.venue;
        s.cost.taker_fee_bps = 0.0; // the LP fee is inside the pool math
        s.cost.gas_quote = venue_terms[p.venue_terms].gas_quote;
        s.cost.lot = p.spec->lot;
        s.cost.tick = p.spec->tick;
        s.cost.healthy = !p.stale; // live: a pool not known exact leaves routing
        if (p.stale) {
            ++p.excluded;
        }
    }
}

namespace engine_detail {
double market_mid(const router::market_snapshot& s) noexcept {
    double bid = 0.0;
    double ask = 0.0;
    for (const auto& b : s.books) {
        if (!b.cost.healthy || b.book->empty(side::bid) || b.book->empty(side::ask)) {
            continue;
        }
        const double bb = steps_to_double(b.book->best_bid().px.value(), b.cost.tick);
        const double ba = steps_to_double(b.book->best_ask().px.value(), b.cost.tick);
        bid = std::max(bid, bb);
        ask = ask == 0.0 ? ba : std::min(ask, ba);
    }
    return bid > 0.0 && ask > 0.0 ? 0.5 * (bid + ask) : 0.0;
}
} // namespace engine_detail

void engine_impl::rebalance() noexcept {
    // Only one wave of parents at a time: wait for working parents and orders.
    bool busy = orders.open_orders() > 0;
    for (const auto& p : parents) {
        busy = busy || p.slices_done < p.slice_count;
    }
    if (!busy) {
        auto& book = cfg.book;
        // Half spreads from the books as they are now.
        for (auto& r : routes) {
            for (const auto& b : books) {
                if (b.instrument == r.instrument && routable(b)) {
                    const double mid = mid_of(*b.book, *b.spec);
                    const double spread = b.spec->to_double(b.book->best_ask().px) -
                                          b.spec->to_double(b.book->best_bid().px);
                    r.half_spread_bps = mid > 0.0 ? 0.5 * spread / mid * 1e4 : r.half_spread_bps;
                }
            }
        }
        const std::uint64_t t0 = tsc_now();
        risk::compute_drift(book, cfg.targets, drift);
        risk::plan_rebalance(book, cfg.targets, drift, routes, cfg.trigger, timestamp_ns{now},
                             timestamp_ns{last_rebalance}, plan);
        lat.record_ticks(hop::risk, t0, tsc_now());
        for (std::size_t r = 0; r < cfg.targets.size(); ++r) {
            const risk::plan_row& row = plan[r];
            if (!row.trade || !row.delta_leg.eligible || row.delta_leg.contracts == 0.0) {
                continue;
            }
            const auto& route_inst = book.instrument(row.delta_leg.instrument);
            const bool perp = route_inst.spec.kind == instrument_kind::linear_perp;
            std::size_t mi = markets.size();
            std::size_t spot_mi = markets.size();
            for (std::size_t i = 0; i < markets.size(); ++i) {
                if (markets[i].underlying == row.underlying && markets[i].perp == perp) {
                    mi = i;
                }
                if (markets[i].underlying == row.underlying && !markets[i].perp) {
                    spot_mi = i;
                }
            }
            if (mi == markets.size()) {
                continue;
            }
            market& m = markets[mi];
            refresh_sources(m);
            const auto snap = m.snapshot();
            const double mid = market_mid(snap);
            const double delta_base = row.delta_base_to_trade;
            const double step = steps_to_double(1, m.base_step);
            const std::int64_t steps =
                static_cast<std::int64_t>(std::floor(std::abs(delta_base) / step));
            if (mid <= 0.0 || steps <= 0 || parents.size() == parents.capacity()) {
                continue;
            }
            parent_state p;
            p.market = mi;
            p.order_side = delta_base > 0 ? side::bid : side::ask;
            p.base_step_units = step;
            auto& s = p.summary;
            s.underlying = book.underlying(row.underlying).name;
            s.route_symbol = route_inst.spec.venue + ":" + route_inst.spec.symbol;
            s.synthetic = perp;
            s.order_side = p.order_side;
            s.decided = timestamp_ns{now};
            s.requested_base = static_cast<double>(steps) * step;
            s.arrival_mid = mid;
            s.plan_route_cost_usd = row.delta_leg.cost_usd;
            for (std::uint8_t k = 0; k < row.considered_count; ++k) {
                const auto& c = row.considered[k];
                if (c.eligible &&
                    book.instrument(c.instrument).spec.kind == instrument_kind::spot &&
                    (s.plan_spot_cost_usd == 0.0 || c.cost_usd < s.plan_spot_cost_usd)) {
                    s.plan_spot_cost_usd = c.cost_usd;
                }
            }
            // The naive plan: the whole parent now, on the single best spot venue.
            if (spot_mi < markets.size()) {
                market& sm = markets[spot_mi];
                refresh_sources(sm);
                const auto ss = sm.snapshot();
                const double smid = market_mid(ss);
                const double sstep = steps_to_double(1, sm.base_step);
                router::parent_order whole;
                whole.order_side = p.order_side;
                whole.amount = qty(static_cast<std::int64_t>(std::floor(s.requested_base / sstep)));
                const auto& naive =
                    router.route(ss, whole, router::route_method::best_single_venue);
                if (naive.filled.value() > 0 && smid > 0.0) {
                    const double base = static_cast<double>(naive.filled.value()) * sstep;
                    s.naive_filled_base = base;
                    s.naive_cost_quote = p.order_side == side::bid
                                             ? naive.total_cost_quote - smid * base
                                             : smid * base - naive.total_cost_quote;
                    s.naive_cost_bps = s.naive_cost_quote / (smid * base) * 1e4;
                    if (!naive.allocations.empty()) {
                        const auto& a = naive.allocations.front();
                        for (std::size_t vi = 0; vi < cfg.venues.size(); ++vi) {
                            if (vi + 1 == a.venue.value) {
                                s.naive_venue = cfg.venues[vi];
                            }
                        }
                    }
                }
                if (perp) {
                    const auto& alt = router.split(ss, whole);
                    if (alt.filled.value() > 0) {
                        s.spot_alt_cost_bps = alt.cost_vs_mid_bps;
                    }
                }
                refresh_sources(m);
            }
            router::schedule_params sp;
            sp.order_side = p.order_side;
            sp.total = qty(steps);
            sp.lot_steps = 1;
            sp.start = timestamp_ns{now};
            sp.slices = sc.policy.slices;
            sp.horizon_ns = static_cast<std::int64_t>(sc.policy.slice_interval_s * 1e9) *
                            static_cast<std::int64_t>(sc.policy.slices);
            sp.reference_price = mid;
            sp.collar_bps = sc.policy.collar_bps;
            const auto sched = router::twap(sp, p.slices);
            if (!sched.ok()) {
                continue;
            }
            p.slice_count = static_cast<std::uint32_t>(sched.slices.size());
            s.slices = p.slice_count;
            parents.push_back(p);
            const auto pi = static_cast<std::uint32_t>(parents.size() - 1);
            for (std::uint32_t i = 0; i < p.slice_count; ++i) {
                add_timer({p.slices[i].at.ns, 0, timer::kind::slice, pi, i});
            }
        }
        last_rebalance = now;
    }
    add_timer({now + static_cast<std::int64_t>(sc.policy.rebalance_interval_s * 1e9), 0,
               timer::kind::rebalance, 0, 0});
}

void engine_impl::run_timers_until(std::int64_t t) noexcept {
    while (!timers.empty() && timers.back().at <= t) {
        const timer x = timers.back();
        timers.pop_back();
        now = std::max(now, x.at);
        switch (x.k) {
        case timer::kind::rebalance:
            if (probe_every == 0) {
                rebalance(); // the latency probe trades on frames only
            }
            break;
        case timer::kind::slice:
            send_slice(parents[x.a], x.b);
            break;
        case timer::kind::arrival:
            arrive(x.a);
            break;
        case timer::kind::kill:
            checker->set_kill_switch(sc.kill_switch[x.a].state);
            kill_changes.emplace_back(timestamp_ns{now},
                                      std::string(risk::to_string(sc.kill_switch[x.a].state)));
            break;
        }
    }
}

void engine_impl::probe_update(std::size_t slot, const book_event& e,
                               std::uint64_t popped) noexcept {
    if (probe_every == 0 || stop_sending || !halted.empty() || ++probe_countdown < probe_every) {
        return;
    }
    const book_slot& b = books[slot];
    if (!routable(b)) {
        return; // the trigger stays armed for the next update of a book the router may use
    }
    std::size_t mi = markets.size();
    for (std::size_t i = 0; i < markets.size() && mi == markets.size(); ++i) {
        if (std::find(markets[i].books.begin(), markets[i].books.end(), slot) !=
            markets[i].books.end()) {
            mi = i;
        }
    }
    const double mid = mid_of(*b.book, *b.spec);
    if (mi == markets.size() || mid <= 0.0) {
        return;
    }
    if (probe_parent >= parents.size()) {
        if (parents.size() == parents.capacity()) {
            return; // the capacity reserved at setup is used up: never grow on the hot path
        }
        parents.emplace_back();
        probe_parent = static_cast<std::uint32_t>(parents.size() - 1);
        parents.back().summary.underlying = "latency probe"; // fits the small-string buffer
    }
    probe_countdown = 0;
    const market& m = markets[mi];
    // Twice the venue's minimum notional, at least one lot, in whole lots of the market's steps.
    const std::int64_t per = std::max<std::int64_t>(1, router::steps_per(b.spec->lot, m.base_step));
    const double lot_base = static_cast<double>(per) * steps_to_double(1, m.base_step);
    const auto lots = std::max<std::int64_t>(
        1, static_cast<std::int64_t>(std::ceil(2.0 * b.spec->min_notional / mid / lot_base)));
    probe_side = probe_side == side::bid ? side::ask : side::bid; // stay flat over the run
    parent_state& p = parents[probe_parent];
    p.market = mi;
    p.order_side = probe_side;
    p.base_step_units = steps_to_double(1, m.base_step);
    p.slice_count = 1;
    p.slices_done = 0;
    p.residual_steps = 0;
    p.slices[0].amount = qty(lots * per);
    p.summary.order_side = probe_side;
    p.summary.arrival_mid = mid;
    p.summary.requested_base += static_cast<double>(lots) * lot_base;
    ++p.summary.slices;
    probe = {0, e.frame_tsc, e.tsc, popped, tsc_now(), 0, 0};
    probe_active = true;
    send_slice(p, 0);
    probe_active = false;
}

} // namespace ballast::exec
