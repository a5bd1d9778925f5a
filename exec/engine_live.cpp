// `ballast run --live`: the engine on the venues' live feeds and gateways. Events are handled
// as they arrive (no venue waits for another), timers run on the wall clock, and at start the
// journal's orders, positions and cash are recovered and reconciled with every venue before the
// first new order.
#include "exec/engine_state.hpp"
#include "exec/gateway_binance.hpp"
#include "exec/gateway_bybit.hpp"
#include "exec/gateway_okx.hpp"
#include "feed/instrument_fetch.hpp"
#include "feed/instruments.hpp"
#include "feed/thread_pin.hpp"

#include <pthread.h>

#include <chrono>
#include <thread>

namespace ballast::exec {

namespace {

std::int64_t monotonic_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::int64_t system_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// A signed gateway for a protocol name; nullptr with `error` when it cannot be built.
std::unique_ptr<threaded_gateway> make_signed_gateway(const live_gateway_input& g,
                                                      gateway_options options,
                                                      const api_credentials& keys,
                                                      std::string& error) {
    const std::string& protocol = g.protocol;
    if (protocol == "binance") {
        return binance_gateway::create(
            std::move(options), keys, error,
            g.user_stream == "listen_key" ? binance_user_stream::listen_key
                                          : binance_user_stream::signature,
            g.orders == "rest" ? binance_order_path::rest : binance_order_path::websocket_api);
    }
    if (protocol == "bybit") {
        return bybit_gateway::create(std::move(options), keys, error);
    }
    if (protocol == "okx") {
        return okx_gateway::create(std::move(options), keys, error);
    }
    error = "protocol " + protocol + ": no signed gateway (binance, bybit, okx or paper)";
    return nullptr;
}

} // namespace

std::string engine_impl::setup_live_feeds(std::vector<std::string>& feed_venues,
                                          const terms_lookup& terms_of) {
    if (!wall_clock) {
        wall_clock = system_ns;
    }
    live_clock = [wall = wall_clock(), mono = monotonic_ns()] {
        return wall + (monotonic_ns() - mono);
    };
    market_start = live_clock();
    now = market_start;
    lat = hop_latencies(calibrate_tsc_per_ns());
    for (std::size_t i = 0; i < sc.live.feeds.size(); ++i) {
        const live_feed_input& f = sc.live.feeds[i];
        const std::string w = "live.feeds[" + std::to_string(i) + "]";
        if (!terms_of(f.venue)) {
            return w + ".venue: no [[venues]] entry for \"" + f.venue + "\"";
        }
        for (std::size_t k = 0; k < f.instruments.size(); ++k) {
            if (auto err = feed::load_instrument_file(f.instruments[k], registry)) {
                return w + ".instruments[" + std::to_string(k) + "]: " + *err;
            }
        }
        if (f.instruments.empty()) {
            feed::instrument_fetch_options fo;
            fo.rest_url = f.rest;
            fo.tls_ca_file = f.ca_file;
            if (auto err = feed::fetch_instrument_lists(f.venue, f.symbols, fo, registry)) {
                return w + ": " + *err;
            }
        }
        live_source ls;
        ls.options.venue = f.venue;
        ls.options.client.symbols = f.symbols;
        ls.options.client.ws_url = f.ws;
        ls.options.client.rest_url = f.rest;
        ls.options.client.tls_ca_file = f.ca_file;
        ls.options.client.protocol.channel = f.channel;
        ls.options.client.clock = [clock = live_clock] { return timestamp_ns{clock()}; };
        ls.options.cpu = f.cpu;
        ls.options.tsc_per_ns = lat.tsc_per_ns();
        ls.options.ring_capacity = sc.policy.queue_capacity;
        ls.slot_to_book.assign(f.symbols.size(), live_source::no_book);
        feed_venues.push_back(f.venue);
        live_feeds.push_back(std::move(ls));
    }
    return {};
}

std::string engine_impl::setup_live_gateways() {
    for (std::size_t i = 0; i < sc.live.gateways.size(); ++i) {
        const live_gateway_input& g = sc.live.gateways[i];
        const std::string w = "live.gateways[" + std::to_string(i) + "]";
        std::size_t vi = 0;
        while (vi < venue_names.size() && venue_names[vi] != g.venue) {
            ++vi;
        }
        if (vi == venue_names.size() || g.protocol == "paper") {
            continue; // paper: the simulated gateway fills against the live mirror
        }
        const auto given = std::find_if(credentials.begin(), credentials.end(),
                                        [&](const auto& c) { return c.first == g.venue; });
        auto keys = given != credentials.end() ? credentials_result{given->second, {}}
                                               : load_credentials(g.venue, g.keys);
        if (!keys.value) {
            return w + ": " + keys.error;
        }
        gateway_options o;
        o.venue = cfg.find_venue(g.venue);
        o.ws_url = g.ws;
        o.ws_private_url = g.ws_private;
        o.rest_url = g.rest;
        o.tls_ca_file = g.ca_file;
        o.journal_tag = jr.tag();
        o.spin = g.idle == "spin";
        o.cpu = g.cpu;
        for (const book_slot& b : books) {
            if (b.venue_terms == vi) {
                o.instruments.push_back(b.spec);
            }
        }
        std::string error;
        auto gwy = make_signed_gateway(g, std::move(o), *keys.value, error);
        if (!gwy) {
            return w + ": " + error;
        }
        gw[vi] = gwy.get();
        real_gateways.push_back(std::move(gwy));
        real_gateway_terms.push_back(vi);
        real_gateway_inputs.push_back(i);
    }
    return {};
}

namespace {

/// Drains every gateway's reports into the engine; true when any came.
bool drain_gateways(engine_impl& e) {
    bool any = false;
    exec_report r;
    for (auto& g : e.real_gateways) {
        while (g->poll(r)) {
            e.on_report(r);
            any = true;
        }
    }
    return any;
}

/// Runs the engine loop's I/O part (reports) until `done()` or the deadline; false on timeout.
template <class Done>
bool wait_reports(engine_impl& e, std::chrono::milliseconds limit, Done done) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        e.now = e.live_clock();
        if (!drain_gateways(e)) {
            if (std::chrono::steady_clock::now() >= until) {
                return false;
            }
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
    }
    return true;
}

} // namespace

std::string engine_impl::recover_and_reconcile() {
    // The orders of earlier sessions are in the OMS (recovered at setup): book their fills into
    // the portfolio so positions and cash are what the venues hold.
    for (const order& o : orders.orders()) {
        ++recovered_orders;
        if (o.filled.value() > 0) {
            order copy = o;
            sim_fill f;
            f.quantity = o.filled;
            f.notional_quote = o.notional_quote;
            f.price_quote =
                o.notional_quote / cfg.book.instrument(o.instrument).spec.to_double(o.filled);
            f.fee_quote = o.fees_quote;
            f.gas_quote = o.gas_quote;
            book_fill(copy, f);
        }
    }
    // Every gateway: open orders and fills since the oldest order still open.
    std::int64_t since = now;
    std::size_t open = 0;
    for (const order& o : orders.orders()) {
        if (!is_final(o.state)) {
            since = std::min(since, o.created.ns);
            ++open;
        }
    }
    const auto connected = [&] {
        for (const auto& g : real_gateways) {
            if (!g->connected()) {
                return false;
            }
        }
        return true;
    };
    if (!wait_reports(*this, std::chrono::seconds(20), connected)) {
        for (std::size_t k = 0; k < real_gateways.size(); ++k) {
            if (!real_gateways[k]->connected()) {
                std::string why = real_gateways[k]->last_error();
                if (why.empty()) {
                    why = last_session_error.empty() ? "not connected" : last_session_error;
                }
                return "live: " + venue_names[real_gateway_terms[k]] +
                       ": no session within 20 s (" + why + "); nothing was sent";
            }
        }
    }
    if (open == 0) {
        return {};
    }
    std::size_t answered = 0;
    std::vector<bool> done(real_gateways.size(), false);
    for (std::size_t k = 0; k < real_gateways.size(); ++k) {
        const venue_id v = real_gateways[k]->venue();
        if (!jr.reconcile_start(v, timestamp_ns{now})) {
            halt("reconciliation start");
        }
        if (real_gateways[k]->reconcile(timestamp_ns{since}) != gateway_status::ok) {
            return "live: " + venue_names[real_gateway_terms[k]] + ": reconciliation refused";
        }
    }
    // The answers close with a status report of id 0 per gateway.
    const auto closed = [&] {
        exec_report r;
        for (std::size_t k = 0; k < real_gateways.size(); ++k) {
            while (real_gateways[k]->poll(r)) {
                if (r.kind == exec_kind::status && r.reconcile && r.id.value == 0 && !done[k]) {
                    done[k] = true;
                    ++answered;
                } else {
                    on_report(r);
                }
            }
        }
        return answered == real_gateways.size();
    };
    if (!wait_reports(*this, std::chrono::seconds(30), closed)) {
        return "live: reconciliation: not every venue answered within 30 s";
    }
    // What is still open after the venues' answers is asked about one by one; orders on a
    // simulated venue died with the process that held them.
    std::size_t asked = 0;
    for (const order& o : orders.orders()) {
        if (is_final(o.state)) {
            continue;
        }
        threaded_gateway* g = signed_gateway_of(o.venue);
        if (g == nullptr) {
            exec_report r;
            r.kind = exec_kind::rejected;
            r.id = o.id;
            r.set_reason("simulated venue restarted");
            on_report(r);
            continue;
        }
        query_request q;
        q.id = o.id;
        q.wire_id = make_wire_order_id(jr.tag(), o.id);
        q.spec = spec_of(o);
        if (g->query(q) == gateway_status::ok) {
            ++asked;
        }
    }
    if (asked > 0) {
        const auto settled = [&] {
            for (const order& o : orders.orders()) {
                if (!is_final(o.state) && o.state != order_state::acknowledged &&
                    o.state != order_state::partially_filled) {
                    return false;
                }
            }
            return true;
        };
        if (!wait_reports(*this, std::chrono::seconds(20), settled)) {
            return "live: reconciliation: queries for orders of earlier sessions went unanswered";
        }
    }
    for (const auto& g : real_gateways) {
        if (!jr.reconcile_end(g->venue(), timestamp_ns{now})) {
            halt("reconciliation end");
        }
    }
    return {};
}

void engine_impl::check_wall_clock() noexcept {
    const std::int64_t offset = wall_clock() - live_clock();
    const std::int64_t step = offset - wall_drift_ns;
    if (step > 100'000'000 || step < -100'000'000) {
        ++clock_steps;
        clock_step_max_ns = std::max(clock_step_max_ns, step < 0 ? -step : step);
        wall_drift_ns = offset;
    }
}

run_result engine_impl::run_live() {
    for (live_source& ls : live_feeds) {
        ls.thread = std::make_unique<feed::live_feed_thread>(ls.options);
    }
    run_result failed;
    const auto fail = [&](std::string why) {
        failed.error = std::move(why);
        failed.live = true;
        for (auto& g : real_gateways) {
            g->stop();
        }
        for (auto& ls : live_feeds) {
            ls.thread->stop();
        }
        if (pool_feed) {
            pool_feed->stop();
        }
        jr.close();
        return failed;
    };
    for (std::size_t i = 0; i < live_feeds.size(); ++i) {
        if (auto err = live_feeds[i].thread->start()) {
            return fail("live.feeds[" + std::to_string(i) + "]: " + *err);
        }
    }
    if (pool_feed) {
        if (auto err = pool_feed->start()) {
            return fail("live." + *err);
        }
    }
    pthread_setname_np(pthread_self(), "ballast-engine");
    if (sc.live.engine_cpu >= 0) {
        if (auto err = feed::pin_thread(pthread_self(), sc.live.engine_cpu)) {
            return fail("live.engine_cpu: " + *err);
        }
    }
    for (std::size_t i = 0; i < real_gateways.size(); ++i) {
        if (auto err = real_gateways[i]->start()) {
            return fail("live.gateways[" + std::to_string(real_gateway_inputs[i]) +
                        "].cpu: " + *err);
        }
    }
    now = live_clock();
    wall_drift_ns = wall_clock() - now;
    if (auto err = recover_and_reconcile(); !err.empty()) {
        return fail(err);
    }
    std::vector<underlying_summary> unders;
    bool before_taken = false;
    double nav_before = 0.0;
    const std::int64_t first_rebalance =
        market_start + static_cast<std::int64_t>(sc.policy.warmup_s * 1e9);
    const std::int64_t end =
        sc.live.duration_s > 0.0
            ? market_start + static_cast<std::int64_t>(sc.live.duration_s * 1e9)
            : std::numeric_limits<std::int64_t>::max();
    std::uint64_t since_progress = 0;
    std::uint32_t idle = 0;
    enum class idle_strategy : std::uint8_t { spin, yield, backoff };
    const idle_strategy idle_mode = sc.live.idle == "spin"    ? idle_strategy::spin
                                    : sc.live.idle == "yield" ? idle_strategy::yield
                                                              : idle_strategy::backoff;
    const auto stopping = [&] {
        return now >= end || (stop_requests != nullptr && stop_requests->load() > 0);
    };
    while (!stopping()) {
        bool any = false;
        for (live_source& ls : live_feeds) {
            if (ls.thread->take_overflow()) {
                ++ls.overflows; // the feed dropped events; its books come again whole
            }
            for (int burst = 0; burst < 256; ++burst) {
                book_event* h = ls.thread->ring().front();
                if (h == nullptr) {
                    break;
                }
                book_event ev = *h;
                ls.thread->ring().pop();
                any = true;
                if (ev.k == book_event::kind::end || ev.slot >= ls.slot_to_book.size() ||
                    ls.slot_to_book[ev.slot] == live_source::no_book) {
                    continue;
                }
                if (engine_hot_window != nullptr) {
                    engine_hot_window(true);
                }
                const std::uint64_t t_pop = tsc_now();
                lat.record_ticks(hop::queue, ev.tsc, t_pop);
                ev.slot = ls.slot_to_book[ev.slot];
                now = std::max(now, ev.ts);
                apply(ev);
                lat.record_ticks(hop::book, t_pop, tsc_now());
                ++events;
                if (ev.k == book_event::kind::update) {
                    probe_update(ev.slot, ev, t_pop);
                }
                if (engine_hot_window != nullptr) {
                    engine_hot_window(false);
                }
            }
        }
        now = std::max(now, live_clock());
        if (!before_taken && now >= first_rebalance) {
            fill_weights(cfg, unders, false);
            nav_before = cfg.book.nav_usd();
            before_taken = true;
        }
        any = drain_pool_feed() || any;
        run_timers_until(now);
        any = drain_gateways(*this) || any;
        if (++since_progress >= 256) {
            since_progress = 0;
            check_wall_clock();
            publish_metrics(false);
        }
        if (progress != nullptr && since_progress == 0) {
            progress->market_ns.store(now, std::memory_order_relaxed);
        }
        if (!any) {
            jr.warm(); // the journal's next pages writable before the next order needs them
        }
        if (any || idle_mode == idle_strategy::spin) {
            idle = 0;
        } else if (idle_mode == idle_strategy::backoff && ++idle > 64) {
            std::this_thread::sleep_for(std::chrono::microseconds(50)); // back-off when quiet
        } else {
            std::this_thread::yield();
        }
    }
    if (!before_taken) {
        fill_weights(cfg, unders, false);
        nav_before = cfg.book.nav_usd();
    }
    // Stop: nothing new leaves; working orders are canceled and their final states awaited.
    stop_sending = true;
    for (const order& o : orders.orders()) {
        threaded_gateway* g = is_final(o.state) ? nullptr : signed_gateway_of(o.venue);
        if (g == nullptr) {
            continue; // final, or on a simulated venue (its orders are immediate)
        }
        cancel_request c;
        c.id = o.id;
        c.wire_id = make_wire_order_id(jr.tag(), o.id);
        c.spec = spec_of(o);
        if (g->cancel(c) == gateway_status::ok) {
            if (!jr.cancel_requested(o.id, timestamp_ns{now})) {
                halt("cancel request");
            }
        }
    }
    (void)wait_reports(*this, std::chrono::seconds(10), [&] {
        for (const order& o : orders.orders()) {
            if (!is_final(o.state) && o.id.value > recovered_orders) {
                return false;
            }
        }
        return true;
    });
    // Paper orders in flight arrive; then everything stops.
    std::vector<timer> pending;
    for (const auto& t : timers) {
        if (t.k == timer::kind::arrival) {
            pending.push_back(t);
        }
    }
    timers = pending;
    run_timers_until(now);
    for (auto& g : real_gateways) {
        g->stop();
    }
    for (auto& ls : live_feeds) {
        ls.thread->stop();
    }
    if (pool_feed) {
        pool_feed->stop();
    }
    risk::compute_drift(cfg.book, cfg.targets, drift);
    fill_weights(cfg, unders, true);
    run_result r = finish();
    r.underlyings = std::move(unders);
    r.nav_before = nav_before;
    r.nav_after = cfg.book.nav_usd();
    for (const auto& ls : live_feeds) {
        r.frames += ls.thread->stats().frames;
        r.kernel_stamped_frames += ls.thread->stats().kernel_stamped;
    }
    for (std::size_t i = 0; i < pools.size(); ++i) {
        r.pools.push_back({pools[i].spec->venue + ":" + pools[i].spec->symbol,
                           pools[i].state.meta.block, pools[i].updates, pools[i].stale});
    }
    r.pool_node = sc.live.node.ws.empty() ? "none" : sc.live.node.ws;
    if (pool_feed) {
        const feed::pool_feed_stats ps = pool_feed->stats();
        r.pool_node_heads = ps.heads;
        r.pool_node_gaps = ps.gaps;
        r.pool_node_rejected_logs = ps.rejected;
        r.pool_node_error = pool_feed->last_error();
    }
    if (!jr.sync()) {
        halt("final sync");
        r.orders_halted = halted; // the report says the journal's last records may be lost
    }
    jr.close();
    if (progress != nullptr) {
        progress->market_ns.store(now);
        progress->done.store(true);
    }
    return r;
}

} // namespace ballast::exec
