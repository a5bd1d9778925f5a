// The replay sequencer: feed threads decode recordings into their rings; the engine thread
// merges the rings in market time and drives the engine (engine_state.hpp lists the files).
#include "exec/engine_state.hpp"

#include <thread>

namespace ballast::exec {

engine::~engine() = default;
engine::engine(engine&&) noexcept = default;
engine& engine::operator=(engine&&) noexcept = default;

run_result engine::run(run_progress* progress) {
    engine_impl& e = *impl_;
    e.progress = progress;
    e.prepare_series();
    if (e.live_mode) {
        run_result r = e.run_live();
        e.collect_series(r);
        e.publish_finished();
        return r;
    }
    std::vector<std::thread> threads;
    threads.reserve(e.feeds.size());
    for (auto& f : e.feeds) {
        threads.emplace_back([&t = *f] { run_feed(t); });
    }
    // The first marks come from the books; weights "before" are taken at the first rebalance
    // decision's market state, i.e. after the warm-up (see below).
    std::vector<underlying_summary> unders;
    bool before_taken = false;
    double nav_before = 0.0;
    const std::int64_t first_rebalance =
        e.market_start + static_cast<std::int64_t>(e.sc.policy.warmup_s * 1e9);
    std::size_t live = e.feeds.size();
    std::uint64_t since_progress = 0;
    while (live > 0) {
        // Release the earliest head only when every live ring has one: the merge is then the
        // same whatever the threads' relative speeds (ties: the lower feed index first).
        std::size_t best = e.feeds.size();
        std::int64_t best_ts = 0;
        bool waiting = false;
        for (std::size_t i = 0; i < e.feeds.size(); ++i) {
            feed_thread& f = *e.feeds[i];
            if (f.ended) {
                continue;
            }
            const book_event* h = f.ring->front();
            if (h == nullptr) {
                waiting = true;
                break;
            }
            if (best == e.feeds.size() || h->ts < best_ts) {
                best = i;
                best_ts = h->ts;
            }
        }
        if (waiting) {
            std::this_thread::yield();
            continue;
        }
        feed_thread& f = *e.feeds[best];
        const book_event ev = *f.ring->front();
        f.ring->pop();
        if (ev.k == book_event::kind::end) {
            f.ended = true;
            --live;
            continue;
        }
        const std::uint64_t t_pop = tsc_now();
        e.lat.record_ticks(hop::queue, ev.tsc, t_pop);
        if (!before_taken && ev.ts >= first_rebalance) {
            fill_weights(e.cfg, unders, false);
            nav_before = e.cfg.book.nav_usd();
            before_taken = true;
        }
        e.run_timers_until(ev.ts);
        e.now = std::max(e.now, ev.ts);
        e.apply(ev);
        e.lat.record_ticks(hop::book, t_pop, tsc_now());
        ++e.events;
        if (++since_progress >= 256) {
            since_progress = 0;
            e.publish_metrics(false);
        }
        if (progress != nullptr && since_progress == 0) {
            progress->market_ns.store(e.now, std::memory_order_relaxed);
            double worst = 0.0;
            for (const auto& d : e.drift) {
                worst = std::max(worst, std::abs(d.weight_drift));
            }
            progress->max_abs_drift.store(worst, std::memory_order_relaxed);
        }
    }
    for (auto& t : threads) {
        t.join();
    }
    if (!before_taken) {
        fill_weights(e.cfg, unders, false);
        nav_before = e.cfg.book.nav_usd();
    }
    // The recordings have ended: orders in flight still arrive (on the last books); no new
    // slices or rebalances start after the market's end.
    const std::int64_t market_end = e.now;
    std::vector<timer> pending;
    for (const auto& t : e.timers) {
        if (t.k == timer::kind::arrival) {
            pending.push_back(t);
        }
    }
    e.timers = pending;
    e.run_timers_until(std::numeric_limits<std::int64_t>::max());
    e.now = std::max(market_end, e.now);
    risk::compute_drift(e.cfg.book, e.cfg.targets, e.drift);
    fill_weights(e.cfg, unders, true);
    run_result r = e.finish();
    e.collect_series(r);
    r.underlyings = std::move(unders);
    r.nav_before = nav_before;
    r.nav_after = e.cfg.book.nav_usd();
    e.jr.close();
    e.publish_finished();
    if (progress != nullptr) {
        progress->market_ns.store(e.now);
        progress->done.store(true);
    }
    return r;
}

} // namespace ballast::exec
