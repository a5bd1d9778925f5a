// A slice into child orders through the pre-trade gate, the journal and the venues' gateways;
// execution reports back into the OMS, the journal, positions and cash.
#include "exec/crash_point.hpp"
#include "exec/engine_state.hpp"

namespace ballast::exec {

void engine_impl::send_slice(parent_state& p, std::uint32_t i) noexcept {
    ++p.slices_done;
    if (!halted.empty() || stop_sending) {
        return; // the journal failed, or a live run is stopping: nothing new leaves
    }
    const std::int64_t amount = p.slices[i].amount.value() + p.residual_steps;
    p.residual_steps = amount;
    if (amount <= 0) {
        return;
    }
    market& m = markets[p.market];
    refresh_sources(m);
    const auto snap = m.snapshot();
    const double mid = market_mid(snap);
    if (mid <= 0.0) {
        return; // no healthy book: the residual waits for the next slice
    }
    router::parent_order po;
    po.order_side = p.order_side;
    po.amount = qty(amount);
    po.has_limit = true;
    po.limit_price = router::collar_limit(p.order_side, mid, sc.policy.collar_bps);
    std::uint64_t t0 = tsc_now();
    const auto& split = router.split(snap, po);
    const std::uint64_t t_split = tsc_now();
    lat.record_ticks(hop::route, t0, t_split);
    probe.split = t_split;
    if (split.filled.value() <= 0) {
        return;
    }
    gate->current = &m;
    gate->now = now;
    const auto rel = router::release_children(split, snap, instrument_id{}, orders.next_id(),
                                              timestamp_ns{now}, *gate, children);
    probe.checked = tsc_now();
    for (std::size_t k = 0; k < rel.approved; ++k) {
        const router::child_order& c = children[k];
        const std::uint64_t s0 = tsc_now();
        order o;
        o.kind = c.kind;
        o.order_side = c.order_side;
        o.limit_price = c.limit_price;
        o.created = timestamp_ns{now};
        o.arrival_mid = mid;
        o.parent = static_cast<std::uint32_t>(&p - parents.data());
        std::int64_t latency = 0;
        if (c.kind == router::source_kind::book) {
            const std::size_t bi = m.books[c.source_index];
            const book_slot& b = books[bi];
            o.venue = b.venue;
            o.instrument = b.instrument;
            o.source = static_cast<std::uint16_t>(bi);
            o.quantity = c.venue_amount;
            o.limit = c.limit_ticks;
            o.tif = time_in_force::ioc;
            latency = venue_terms[b.venue_terms].latency_ns;
        } else {
            const std::size_t pi = m.pools[c.source_index];
            const pool_slot& ps = pools[pi];
            o.venue = ps.venue;
            o.instrument = ps.instrument;
            o.source = static_cast<std::uint16_t>(pi);
            o.quantity = c.amount; // pool lot is the market's base step
            o.tif = time_in_force::marketable_limit;
            latency = venue_terms[ps.venue_terms].latency_ns;
        }
        if (o.quantity.value() <= 0 || orders.add(o) != oms_error::ok) {
            continue;
        }
        const std::size_t gi = c.kind == router::source_kind::book ? books[o.source].venue_terms
                                                                   : pools[o.source].venue_terms;
        // Journal before the order leaves; a failed write stops every new order.
        const instrument_spec* spec = spec_of(o);
        if (!jr.submitted(o, submit_detail{spec->symbol, order_type::limit, order_tif::ioc})) {
            (void)orders.reject(o.id);
            halt("submit");
            return;
        }
        order_request req;
        req.id = o.id;
        req.wire_id = make_wire_order_id(jr.tag(), o.id);
        req.spec = spec;
        req.order_side = o.order_side;
        req.type = order_type::limit;
        req.tif = order_tif::ioc;
        req.quantity = o.quantity;
        req.limit = o.limit;
        req.limit_price = o.limit_price;
        crash_check(crash_point::before_send);
        const gateway_status st = gw[gi]->send(req);
        if (st != gateway_status::ok) {
            ++gateway_refusals;
            if (!jr.rejected(o.id, 0, to_string(st), timestamp_ns{now})) {
                halt("reject");
            }
            (void)orders.reject(o.id);
            continue;
        }
        if (probe_active) {
            // A frame-triggered order: a simulated venue's send is its wire; a signed
            // gateway's I/O thread stamps the socket write and its report brings it back.
            t2o_stamps& slot = t2o_in_flight[o.id.value % t2o_in_flight.size()];
            slot = probe;
            slot.order = o.id.value;
            if (gw[gi] == gateways[gi].get()) {
                t2o_wire(o.id, tsc_now());
            }
        }
        if (gw[gi] != gateways[gi].get() && !jr.sent(o.id, 0, timestamp_ns{now})) {
            halt("sent"); // the order is out: its report is still booked when it comes
        }
        o.arrives = timestamp_ns{now + latency};
        orders.find(o.id)->arrives = o.arrives;
        const std::int64_t steps =
            c.kind == router::source_kind::book
                ? o.quantity.value() * router::steps_per(books[o.source].spec->lot, m.base_step)
                : o.quantity.value();
        p.residual_steps -= steps;
        ++p.summary.children;
        if (gw[gi] == gateways[gi].get()) {
            // A simulated venue: the order executes when it arrives, in market time.
            add_timer({o.arrives.ns, 0, timer::kind::arrival, static_cast<std::uint32_t>(gi), 0});
        }
        lat.record_ticks(hop::send, s0, tsc_now());
        if (progress != nullptr) {
            progress->orders.store(orders.orders().size(), std::memory_order_relaxed);
        }
    }
}

void engine_impl::halt(std::string_view what) noexcept {
    if (halted.empty()) {
        // Once per run; the message is built off the hot path's steady state.
        halted = "journal " + std::string(what) + " write failed (" + jr.error() +
                 "): no new orders were sent after it";
    }
}

void engine_impl::halt_refused_fill(const order& o, oms_error why) noexcept {
    ++refused_fills;
    if (halted.empty()) {
        halted = "a fill of order " + std::to_string(o.id.value) + " was refused (" +
                 std::string(to_string(why)) +
                 "): positions may differ from the venue's; no new orders were sent after it";
    }
}

void engine_impl::book_fill(order& o, const sim_fill& f) noexcept {
    auto& book = cfg.book;
    const auto& inst = book.instrument(o.instrument);
    const double base = inst.spec.to_double(f.quantity);
    const double contracts = base / (inst.spec.contract_size > 0 ? inst.spec.contract_size : 1.0);
    const double sign = o.order_side == side::bid ? 1.0 : -1.0;
    const risk::position_id pos = position_by_instrument[o.instrument.value];
    (void)book.on_fill(pos, sign * contracts, f.price_quote);
    fill_contracts[pos.value] += sign * contracts;
    const bool perp = inst.spec.kind == instrument_kind::linear_perp;
    const double cash =
        perp ? -f.fee_quote - f.gas_quote : -sign * f.notional_quote - f.fee_quote - f.gas_quote;
    (void)book.on_fill(cash_position, cash, 1.0);
    cash_from_fills += cash;
    o.gas_quote += f.gas_quote;
    ++fills;
    note_series_venue_fill(o.kind == router::source_kind::book ? books[o.source].venue_terms
                                                               : pools[o.source].venue_terms,
                           f.notional_quote);
    if (progress != nullptr) {
        progress->fills.store(fills, std::memory_order_relaxed);
    }
    if (o.parent >= parents.size()) {
        return; // an order of an earlier session (recovery): no parent in this run
    }
    parent_state& p = parents[o.parent];
    p.summary.filled_base += base;
    p.summary.fees_quote += f.fee_quote;
    p.summary.gas_quote += f.gas_quote;
    p.summary.slippage_quote += o.order_side == side::bid
                                    ? f.notional_quote - p.summary.arrival_mid * base
                                    : p.summary.arrival_mid * base - f.notional_quote;
    note_series_fill(o.parent);
}

void engine_impl::arrive(std::size_t gateway) noexcept {
    gateways[gateway]->advance(now);
    exec_report r;
    while (gateways[gateway]->poll(r)) {
        on_report(r);
    }
}

void engine_impl::on_report(const exec_report& r) noexcept {
    if (r.send_tsc != 0) {
        t2o_wire(r.id, r.send_tsc); // the answer to a request carries its socket-write stamp
    }
    switch (r.kind) {
    case exec_kind::disconnected:
        if (!r.reason_view().empty()) {
            last_session_error = r.reason_view(); // rare: a session lost (allocates)
        }
        ++session_reports;
        return;
    case exec_kind::connected:
    case exec_kind::rate_limit:
        ++session_reports; // the gateway's own state: it refuses sends while it matters
        return;
    default:
        break;
    }
    order* o = orders.find(r.id);
    if (o == nullptr) {
        if (!(r.reconcile && r.id.value == 0)) {
            ++unknown_reports; // not ours, or not of this journal: counted, never booked
        }
        return;
    }
    const timestamp_ns t{now};
    parent_state* p = o->parent < parents.size() ? &parents[o->parent] : nullptr;
    const bool is_book = o->kind == router::source_kind::book;
    const std::int64_t steps_per_lot =
        p != nullptr && is_book
            ? router::steps_per(books[o->source].spec->lot, markets[p->market].base_step)
            : 1;
    const auto finish_order = [&](bool cancel, std::int64_t code, std::string_view reason) {
        if (is_final(o->state)) {
            return;
        }
        const bool ok = cancel ? jr.canceled(o->id, t) : jr.rejected(o->id, code, reason, t);
        if (!ok) {
            halt(cancel ? "cancel" : "reject");
        }
        (void)(cancel ? orders.cancel(o->id) : orders.reject(o->id));
        // What did not fill goes back to the parent for its next slice.
        if (p != nullptr) {
            p->residual_steps += (o->quantity - o->filled).value() * steps_per_lot;
        }
        if (is_book) {
            mark_book(o->source);
        }
    };
    switch (r.kind) {
    case exec_kind::ack:
        crash_check(crash_point::after_send); // the venue has it; its ack is not yet recorded
        if (o->state == order_state::new_order) {
            if (!jr.acknowledged(o->id, t)) {
                halt("acknowledgement");
            }
            (void)orders.acknowledge(o->id);
        }
        return;
    case exec_kind::fill: {
        if (booked_fills.insert(fill_dedup::key(r.venue, r.id, r.trade_id_view())) ==
            fill_dedup::result::duplicate) {
            ++duplicate_fills;
            return;
        }
        if (o->state == order_state::new_order) {
            // A fill implies the venue has the order (its ack was lost, or came before a crash
            // took the process): the journal records the acknowledgement first.
            if (!jr.acknowledged(o->id, t)) {
                halt("acknowledgement");
            }
            (void)orders.acknowledge(o->id);
        }
        // The fill is booked whatever the journal says; a failed write stops new orders.
        if (!jr.filled(o->id, r.trade_id_view(), r.last_qty, r.last_px, r.notional_quote,
                       r.fee_quote, t)) {
            halt("fill");
        }
        if (const oms_error e = orders.fill(o->id, r.last_qty, r.notional_quote, r.fee_quote);
            e != oms_error::ok) {
            // An overfill or a fill after a final state: the venue and the book disagree.
            halt_refused_fill(*o, e);
            return;
        }
        if (r.reconcile) {
            ++reconciled_fills;
        }
        sim_fill f;
        f.quantity = r.last_qty;
        f.notional_quote = r.notional_quote;
        f.price_quote =
            r.notional_quote / cfg.book.instrument(o->instrument).spec.to_double(r.last_qty);
        f.fee_quote = r.fee_quote;
        f.gas_quote = r.gas_quote;
        book_fill(*o, f);
        if (o->state == order_state::partially_filled) {
            crash_check(crash_point::between_fills);
        }
        for (std::size_t k = 0; k < pending_finals.size(); ++k) {
            if (pending_finals[k].id == o->id && o->filled >= pending_finals[k].cum) {
                const bool cancel = pending_finals[k].state == order_state::canceled;
                pending_finals.erase(pending_finals.begin() + static_cast<std::ptrdiff_t>(k));
                finish_order(cancel, 0, "final (venue status)");
                break;
            }
        }
        if (!is_book) {
            // The pool moved: rebuild its curve (allocates; once per swap, see README).
            pool_slot& ps = pools[o->source];
            auto view = router::amm_pool::from_state(ps.state, ps.base_token, ps.quote_token);
            if (view.ok()) {
                *ps.view = std::move(view.pool);
            }
            const double spot = pool_spot(ps);
            if (spot > 0.0) {
                (void)cfg.book.on_instrument_mark(ps.instrument, spot);
            }
        } else if (o->state == order_state::filled) {
            mark_book(o->source);
        }
        return;
    }
    case exec_kind::canceled:
        finish_order(true, 0, r.reason_view());
        return;
    case exec_kind::rejected:
        finish_order(false, r.venue_code, r.reason_view());
        return;
    case exec_kind::not_found:
        // The venue never saw it (a crash before the send, a send lost on the way): it cannot
        // fill, and it is never sent again; the parent's next slice takes its quantity.
        ++never_reached;
        finish_order(false, 0, "never reached the venue");
        return;
    case exec_kind::status:
        // A query's answer: final states close the order, once its fills (asked with it, as
        // fill reports) are booked: a final state ahead of them waits for them.
        if ((r.state == order_state::canceled || r.state == order_state::rejected) &&
            r.cum_qty > o->filled) {
            pending_finals.push_back({o->id, r.state, r.cum_qty}); // rare: recovery only
            return;
        }
        if (r.state == order_state::canceled) {
            finish_order(true, 0, "canceled (venue status)");
        } else if (r.state == order_state::rejected) {
            finish_order(false, r.venue_code, r.reason_view());
        } else if (r.state == order_state::acknowledged && o->state == order_state::new_order) {
            if (!jr.acknowledged(o->id, t)) {
                halt("acknowledgement");
            }
            (void)orders.acknowledge(o->id);
        }
        return;
    case exec_kind::unknown:
        ++unknown_outcomes; // the gateway asks the venue; never a blind resend
        return;
    default:
        return;
    }
}

} // namespace ballast::exec
