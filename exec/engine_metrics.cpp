// The run's Prometheus series: registered before the run; the engine thread copies its own
// state into them at most every 50 ms and once at the end (feed threads publish their books).
#include "exec/engine_state.hpp"

#include "feed/metrics.hpp"

namespace ballast::exec {

namespace metrics = feed::metrics;

void engine::attach_metrics(metrics::registry& r) {
    impl_->attach_metrics(r);
}

void engine_impl::attach_metrics(metrics::registry& r) {
    auto m = std::make_unique<engine_metrics>();
    m->market_time = &r.gauge("ballast_engine_market_time_seconds",
                              "the engine's clock: market time (replay) or wall time (live)");
    m->events = &r.counter("ballast_engine_events_total", "book events the engine applied");
    m->finished = &r.gauge("ballast_run_finished", "1 once the run has ended");
    const auto add_ring = [&](const std::string& venue) {
        m->ring_depth.push_back(&r.gauge("ballast_ring_depth",
                                         "events waiting in the feed's ring to the engine",
                                         {{"venue", venue}}));
    };
    for (auto& f : feeds) {
        std::vector<std::string> symbols;
        for (const auto& [symbol, slot] : f->symbol_slots) {
            symbols.push_back(symbol);
        }
        f->metrics = std::make_unique<feed::feed_metrics>(r, f->venue, symbols);
        add_ring(f->venue);
    }
    for (auto& ls : live_feeds) {
        ls.metrics =
            std::make_unique<feed::feed_metrics>(r, ls.options.venue, ls.options.client.symbols);
        ls.options.metrics = ls.metrics.get();
        add_ring(ls.options.venue);
    }
    for (std::size_t h = 0; h < hop_count; ++h) {
        m->hops[h] = &r.histogram("ballast_hop_latency_seconds",
                                  "time per hop of the order path on the engine thread",
                                  {{"hop", std::string(to_string(static_cast<hop>(h)))}});
    }
    for (std::size_t h = 0; h < t2o_hop_count; ++h) {
        m->t2o[h] = &r.histogram(
            "ballast_tick_to_order_latency_seconds",
            "frame-triggered orders (live): each leg from the frame's read to the order's bytes "
            "handed to the socket; leg total is the whole",
            {{"leg", std::string(to_string(static_cast<t2o_hop>(h)))}});
    }
    for (std::size_t s = 0; s < m->orders_by_state.size(); ++s) {
        m->orders_by_state[s] =
            &r.gauge("ballast_orders", "child orders of the run by their current state",
                     {{"state", std::string(to_string(static_cast<order_state>(s)))}});
    }
    m->fills = &r.counter("ballast_fills_total", "fills booked");
    m->approved = &r.counter("ballast_pre_trade_approved_total",
                             "child orders the pre-trade checks approved");
    const auto last_reason = static_cast<std::size_t>(risk::reject_reason::rate_limited);
    m->rejects.assign(last_reason + 1, nullptr);
    for (std::size_t i = 1; i <= last_reason; ++i) {
        m->rejects[i] = &r.counter(
            "ballast_pre_trade_rejects_total", "child orders the pre-trade checks refused",
            {{"reason", std::string(risk::to_string(static_cast<risk::reject_reason>(i)))}});
    }
    m->gateway_refusals =
        &r.counter("ballast_gateway_refusals_total", "sends a venue gateway refused at once");
    m->duplicate_fills =
        &r.counter("ballast_duplicate_fills_total", "fills a venue reported again (booked once)");
    m->unknown_reports = &r.counter("ballast_unknown_reports_total",
                                    "execution reports that name no order of this run");
    m->nav = &r.gauge("ballast_portfolio_nav_usd", "the portfolio's net asset value");
    const auto& book = cfg.book;
    m->underlyings.resize(book.underlying_count());
    for (std::uint32_t u = 0; u < book.underlying_count(); ++u) {
        const auto& us = book.underlying(risk::underlying_id{u});
        const metrics::labels l{{"underlying", us.name}};
        auto& x = m->underlyings[u];
        x.weight = &r.gauge("ballast_portfolio_weight", "delta in USD over NAV", l);
        x.delta = &r.gauge("ballast_portfolio_delta_usd", "delta in USD (P&L of +100%)", l);
        x.gamma = &r.gauge("ballast_portfolio_gamma_usd_per_pct",
                           "change of delta_usd for a +1% move", l);
        x.vega = &r.gauge("ballast_portfolio_vega_usd_per_vol_point", "vega per vol point", l);
        x.theta = &r.gauge("ballast_portfolio_theta_usd_per_day", "theta per calendar day", l);
        for (std::size_t d = 0; d < cfg.targets.size(); ++d) {
            if (cfg.targets[d].underlying.value == u) {
                x.drift_row = d;
                x.target = &r.gauge("ballast_portfolio_target_weight", "the target weight", l);
                x.drift = &r.gauge("ballast_portfolio_drift",
                                   "weight minus target weight (the rebalancer's drift)", l);
            }
        }
    }
    for (const auto& b : books) {
        m->book_excluded.push_back(
            &r.counter("ballast_router_book_exclusions_total",
                       "times the router left this book out (not live, one-sided or too old)",
                       {{"venue", b.spec->venue}, {"symbol", b.spec->symbol}}));
    }
    for (const auto& p : pools) {
        const metrics::labels l{{"pool", p.spec->venue + ":" + p.spec->symbol}};
        engine_metrics::pool x;
        x.stale =
            &r.gauge("ballast_pool_stale", "1 while the pool is not known exact (unrouted)", l);
        x.block = &r.gauge("ballast_pool_block", "the block the pool's state is at", l);
        x.updates = &r.counter("ballast_pool_updates_total", "states the node's feed delivered", l);
        x.excluded = &r.counter("ballast_router_pool_exclusions_total",
                                "times the router left this pool out", l);
        m->pools.push_back(x);
    }
    metrics_interval_tsc = static_cast<std::uint64_t>(50e6 * lat.tsc_per_ns());
    metrics = std::move(m);
}

void engine_impl::publish_metrics(bool force) noexcept {
    if (!metrics) {
        return;
    }
    const std::uint64_t t = tsc_now();
    if (!force && t - metrics_published_tsc < metrics_interval_tsc) {
        return;
    }
    metrics_published_tsc = t;
    engine_metrics& m = *metrics;
    m.market_time->set(static_cast<double>(now) / 1e9);
    m.events->set(events);
    std::size_t ring = 0;
    for (const auto& f : feeds) {
        m.ring_depth[ring++]->set(static_cast<std::uint64_t>(f->ring->size()));
    }
    for (auto& ls : live_feeds) {
        m.ring_depth[ring++]->set(
            static_cast<std::uint64_t>(ls.thread ? ls.thread->ring().size() : 0));
    }
    for (std::size_t h = 0; h < hop_count; ++h) { // hop_latencies keeps nanoseconds
        m.hops[h]->publish(lat.of(static_cast<hop>(h)));
    }
    for (std::size_t h = 0; h < t2o_hop_count; ++h) {
        m.t2o[h]->publish(lat.of(static_cast<t2o_hop>(h)));
    }
    std::array<std::uint64_t, 6> by_state{};
    for (const auto& o : orders.orders()) {
        ++by_state[static_cast<std::size_t>(o.state)];
    }
    for (std::size_t s = 0; s < by_state.size(); ++s) {
        m.orders_by_state[s]->set(by_state[s]);
    }
    m.fills->set(fills);
    m.approved->set(gate->approved);
    for (std::size_t i = 1; i < m.rejects.size() && i < gate->rejects.size(); ++i) {
        m.rejects[i]->set(gate->rejects[i]);
    }
    m.gateway_refusals->set(gateway_refusals);
    m.duplicate_fills->set(duplicate_fills);
    m.unknown_reports->set(unknown_reports);
    const auto& book = cfg.book;
    m.nav->set(book.nav_usd());
    for (std::uint32_t u = 0; u < m.underlyings.size(); ++u) {
        const auto& x = m.underlyings[u];
        const auto& totals = book.underlying(risk::underlying_id{u}).totals;
        x.weight->set(book.weight(risk::underlying_id{u}));
        x.delta->set(totals.delta_usd);
        x.gamma->set(totals.gamma_usd_1pct);
        x.vega->set(totals.vega_usd);
        x.theta->set(totals.theta_usd);
        if (x.drift_row < drift.size()) {
            x.target->set(drift[x.drift_row].target_weight);
            x.drift->set(drift[x.drift_row].weight_drift);
        }
    }
    for (std::size_t i = 0; i < books.size(); ++i) {
        m.book_excluded[i]->set(books[i].excluded);
    }
    for (std::size_t i = 0; i < pools.size(); ++i) {
        const pool_slot& p = pools[i];
        m.pools[i].stale->set(p.stale ? 1.0 : 0.0);
        m.pools[i].block->set(p.state.meta.block);
        m.pools[i].updates->set(p.updates);
        m.pools[i].excluded->set(p.excluded);
    }
}

void engine_impl::publish_finished() noexcept {
    if (metrics) {
        publish_metrics(true);
        metrics->finished->set(1.0);
    }
}

} // namespace ballast::exec
