// Live pools: the scenario's Uniswap pools followed from the node of [live.node] by the pool
// feed's thread (feed/pool_feed.hpp). Each state it delivers replaces the engine's copy; a pool
// is routed only while the follower knows it exact (caught up with the node, no gap, no log
// it could not apply). Without a node a pool file is a past state: the pool is never routed.
#include "exec/engine_state.hpp"

namespace ballast::exec {

std::string engine_impl::setup_live_pools() {
    if (pools.empty()) {
        return {};
    }
    if (sc.live.node.ws.empty()) {
        for (pool_slot& p : pools) {
            p.stale = true;
        }
        return {};
    }
    feed::pool_feed_options o;
    o.client.url = sc.live.node.ws;
    o.client.tls_ca_file = sc.live.node.ca_file;
    o.cpu = sc.live.node.cpu;
    o.clock = live_clock;
    for (pool_slot& p : pools) {
        o.pools.push_back(p.state);
        p.stale = true; // until the feed says the node's logs since the snapshot are in
    }
    pool_feed = std::make_unique<feed::pool_feed_thread>(std::move(o));
    return {};
}

bool engine_impl::drain_pool_feed() {
    if (!pool_feed) {
        return false;
    }
    bool any = false;
    while (feed::pool_update* u = pool_feed->ring().front()) {
        any = true;
        pool_slot& p = pools[u->pool];
        ++p.updates;
        p.stale = u->stale;
        if (!u->stale) {
            // The curve is rebuilt from the new state (allocates; once per pool change, at
            // the chain's block rate, as after a simulated swap).
            auto view = router::amm_pool::from_state(u->state, p.base_token, p.quote_token);
            if (view.ok()) {
                p.state = std::move(u->state);
                *p.view = std::move(view.pool);
                const double spot = pool_spot(p);
                if (spot > 0.0) {
                    (void)cfg.book.on_instrument_mark(p.instrument, spot);
                }
            } else {
                p.stale = true; // a state the router cannot price is not traded
            }
        }
        pool_feed->ring().pop();
    }
    return any;
}

} // namespace ballast::exec
