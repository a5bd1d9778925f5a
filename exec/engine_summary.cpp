// The run's summary: orders, trades, parents, positions, latency.
#include "exec/engine_state.hpp"

namespace ballast::exec {

run_result engine_impl::finish() {
    run_result r;
    r.scenario = sc.name;
    r.market_start = timestamp_ns{market_start};
    r.market_end = timestamp_ns{now};
    r.events = events;
    r.journal_path = sc.journal;
    r.journal_records = jr.records();
    r.orders_halted = halted;
    r.unknown_reports = unknown_reports;
    r.live = live_mode;
    r.recovered_orders = recovered_orders;
    r.reconciled_fills = reconciled_fills;
    r.never_reached = never_reached;
    r.unknown_outcomes = unknown_outcomes;
    r.duplicate_fills = duplicate_fills;
    r.gateway_refusals = gateway_refusals;
    // The signed gateways' own counts: duplicates they dropped before the engine saw them,
    // sessions re-opened, rate-limit answers, frames they could not decode.
    for (const auto& g : real_gateways) {
        const gateway_counters& c = g->counters();
        r.duplicate_fills += c.duplicate_fills.load(std::memory_order_relaxed);
        r.gateway_reconnects += c.reconnects.load(std::memory_order_relaxed);
        r.gateway_rate_limited += c.rate_limited.load(std::memory_order_relaxed);
        r.gateway_malformed += c.malformed.load(std::memory_order_relaxed);
        if (std::string e = g->last_error(); !e.empty()) {
            r.gateway_error = std::move(e);
        }
    }
    r.clock_steps = clock_steps;
    r.refused_fills = refused_fills;
    // Levels refused by a full book side: the feeds' books, and the engine's mirrors (sized
    // like their feed's book, so they should never refuse one the feed kept).
    const auto count_drops = [&](const feed::venue_feed* d) {
        if (d != nullptr) {
            for (const auto& b : d->books()) {
                r.levels_dropped += b->counters.dropped_full;
            }
        }
    };
    for (const auto& f : feeds) {
        count_drops(f->decoder.get());
    }
    for (const auto& ls : live_feeds) {
        count_drops(ls.thread ? ls.thread->decoder() : nullptr);
    }
    r.levels_dropped += mirror_drops;
    r.clock_step_max_ns = clock_step_max_ns;
    r.tsc_per_ns = lat.tsc_per_ns();
    for (const auto& f : feeds) {
        r.frames += f->frames;
        r.feed_rejects += f->rejects->total();
        r.queue_full_spins += f->full_spins;
        lat.of(hop::decode).merge(f->decode);
    }
    for (std::size_t h = 0; h < hop_count; ++h) {
        const auto& hist = lat.of(static_cast<hop>(h));
        r.latency.push_back({std::string(to_string(static_cast<hop>(h))), hist.count(),
                             hist.quantile(0.5), hist.quantile(0.99), hist.quantile(0.999),
                             hist.max()});
    }
    for (std::size_t h = 0; h < t2o_hop_count; ++h) {
        const auto& hist = lat.of(static_cast<t2o_hop>(h));
        r.tick_to_order.push_back({std::string(to_string(static_cast<t2o_hop>(h))), hist.count(),
                                   hist.quantile(0.5), hist.quantile(0.99), hist.quantile(0.999),
                                   hist.max()});
    }
    r.orders.assign(orders.orders().begin(), orders.orders().end());
    for (const auto& o : r.orders) {
        ++r.orders_by_state[static_cast<std::size_t>(o.state)];
    }
    r.illegal_transitions = orders.illegal_transitions();
    for (std::size_t i = 0; i < gate->rejects.size(); ++i) {
        if (gate->rejects[i] > 0) {
            r.gate_rejects.emplace_back(
                std::string(risk::to_string(static_cast<risk::reject_reason>(i))),
                gate->rejects[i]);
        }
    }
    r.gate_approved = gate->approved;
    for (const auto& b : books) {
        if (b.excluded > 0) {
            r.stale_exclusions.emplace_back(b.spec->venue + ":" + b.spec->symbol, b.excluded);
        }
    }
    for (const auto& p : pools) {
        if (p.excluded > 0) {
            r.stale_exclusions.emplace_back(p.spec->venue + ":" + p.spec->symbol, p.excluded);
        }
    }
    r.kill_switch_changes = kill_changes;
    for (const auto& p : parents) {
        parent_summary s = p.summary;
        const double notional = s.arrival_mid * s.filled_base;
        s.cost_quote = s.fees_quote + s.gas_quote + s.slippage_quote;
        s.cost_bps = notional > 0.0 ? s.cost_quote / notional * 1e4 : 0.0;
        r.parents.push_back(s);
    }
    // Trades per venue and instrument.
    for (const auto& o : r.orders) {
        const auto& inst = cfg.book.instrument(o.instrument);
        const std::string venue = inst.spec.venue;
        auto it = std::find_if(r.trades.begin(), r.trades.end(), [&](const trade_summary& t) {
            return t.venue == venue && t.symbol == inst.spec.symbol;
        });
        if (it == r.trades.end()) {
            trade_summary t;
            t.venue = venue;
            t.symbol = inst.spec.symbol;
            t.kind = o.kind == router::source_kind::pool ? "pool"
                                                         : std::string(to_string(inst.spec.kind));
            r.trades.push_back(t);
            it = r.trades.end() - 1;
        }
        const double base = inst.spec.to_double(o.filled);
        (o.order_side == side::bid ? it->bought_base : it->sold_base) += base;
        it->notional_quote += o.notional_quote;
        it->fees_quote += o.fees_quote;
        it->gas_quote += o.gas_quote;
        ++it->orders;
        it->fills += o.fills;
    }
    std::sort(r.trades.begin(), r.trades.end(), [](const trade_summary& a, const trade_summary& b) {
        return a.venue != b.venue ? a.venue < b.venue : a.symbol < b.symbol;
    });
    for (std::uint32_t p = 0; p < cfg.book.position_count(); ++p) {
        const auto& pos = cfg.book.position(risk::position_id{p});
        const auto& inst = cfg.book.instrument(pos.instrument);
        if (risk::position_id{p} == cash_position) {
            r.cash_change = pos.contracts - initial_contracts[p];
            r.cash_from_fills = cash_from_fills;
            continue;
        }
        if (fill_contracts[p] != 0.0 || pos.contracts != initial_contracts[p]) {
            r.positions.push_back({inst.spec.venue + ":" + inst.spec.symbol, fill_contracts[p],
                                   pos.contracts - initial_contracts[p]});
        }
    }
    return r;
}

namespace engine_detail {
void fill_weights(const risk::risk_config& cfg, std::vector<underlying_summary>& out, bool after) {
    const auto& book = cfg.book;
    for (std::uint32_t u = 0; u < book.underlying_count(); ++u) {
        const auto& us = book.underlying(risk::underlying_id{u});
        if (out.size() <= u) {
            underlying_summary s;
            s.name = us.name;
            s.cash = us.cash;
            for (const auto& t : cfg.targets) {
                if (t.underlying.value == u && t.kind == risk::target_kind::weight) {
                    s.has_target = true;
                    s.target_weight = t.value;
                    s.band = t.band;
                }
            }
            out.push_back(s);
        }
        auto& s = out[u];
        const double w = book.weight(risk::underlying_id{u});
        const double d = us.totals.delta_base;
        if (after) {
            s.weight_after = w;
            s.delta_after = d;
            s.target_delta_after =
                us.price > 0.0 ? s.target_weight * book.nav_usd() / us.price : 0.0;
        } else {
            s.weight_before = w;
            s.delta_before = d;
        }
    }
}
} // namespace engine_detail

} // namespace ballast::exec
