// Uniswap pools followed live (issue 11): the pool feed's thread follows a loopback Ethereum
// node (exec/sim_node) over eth_subscribe / eth_getLogs and hands each new state to its ring;
// a gap makes the pool stale until the backfill closes it; a log no pool could have emitted
// makes it stale for good. And the engine: a pool the node moved is routed at its new state,
// a stale one never, and the run report says which.
#include "exec/engine.hpp"
#include "exec/loopback.hpp"
#include "exec/scenario.hpp"
#include "exec/sim_node.hpp"
#include "feed/pool_feed.hpp"

#include "book/uniswap_v3_math.hpp"

#include "../feed/eth_log_builders.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

using namespace ballast;
using namespace ballast::exec;
using namespace ballast::test;

namespace {

const std::string scenario_dir = std::string(BALLAST_TEST_DATA_DIR) + "/../../scenario/default/";

pool_state default_pool() {
    auto st = load_pool_state(scenario_dir + "uniswap_v3_usdc_weth_500.json");
    EXPECT_TRUE(st.ok()) << st.error;
    return st.state;
}

/// Polls `done` until it holds or 10 s pass (a peer that never answers fails the test).
bool eventually(const std::function<bool()>& done) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
        if (std::chrono::steady_clock::now() > until) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

struct seen_update {
    bool stale = false;
    std::uint64_t block = 0;
    std::int32_t tick = 0;
    u256 sqrt_price;
};

/// Takes every update in the ring.
void drain(feed::pool_feed_thread& f, std::vector<seen_update>& out) {
    while (feed::pool_update* u = f.ring().front()) {
        out.push_back({u->stale, u->block, u->state.v3.tick(), u->state.v3.sqrt_price_x96()});
        f.ring().pop();
    }
}

/// A Swap log that leaves the pool exactly at `tick`'s lower price.
std::string swap_at(const pool_state& p, std::int32_t tick, std::uint64_t block,
                    std::int32_t claimed_tick) {
    const auto sqrt = uniswap_v3::sqrt_ratio_at_tick(tick);
    EXPECT_TRUE(sqrt.ok());
    return log_object(v3_swap_log(p.meta.address, 1000, -1, sqrt.value, p.v3.liquidity(),
                                  claimed_tick, block, 0));
}

TEST(LivePoolFeed, FollowsTheNodeGoesStaleOnAGapAndComesBackExactAfterTheBackfill) {
    const pool_state pool = default_pool();
    sim_node_options no;
    no.head = pool.meta.block + 3; // three empty blocks since the state file
    sim_node node(no);
    ASSERT_FALSE(node.start());
    feed::pool_feed_options fo;
    fo.client.url = node.url();
    fo.client.backoff_initial = std::chrono::milliseconds(5);
    fo.client.backoff_max = std::chrono::milliseconds(20);
    fo.pools = {pool};
    fo.publish_interval = std::chrono::milliseconds(2);
    feed::pool_feed_thread f(fo);
    ASSERT_FALSE(f.start());
    std::vector<seen_update> seen;
    const auto last_is = [&](bool stale, std::int32_t tick) {
        drain(f, seen);
        return !seen.empty() && seen.back().stale == stale && seen.back().tick == tick;
    };
    // Stale until the node's logs since the snapshot are in, then exact at the file's state.
    ASSERT_TRUE(eventually([&] { return last_is(false, pool.v3.tick()); }));
    EXPECT_TRUE(seen.front().stale);
    EXPECT_EQ(seen.back().block, pool.meta.block);

    // A swap in a new block moves the pool.
    const std::int32_t t1 = pool.v3.tick() + 7;
    const auto b1 =
        node.mine([&](std::uint64_t b) { return std::vector{swap_at(pool, t1, b, t1)}; });
    ASSERT_TRUE(b1.error.empty()) << b1.error;
    ASSERT_TRUE(eventually([&] { return last_is(false, t1); }));
    EXPECT_EQ(seen.back().block, b1.block);
    EXPECT_EQ(seen.back().sqrt_price, uniswap_v3::sqrt_ratio_at_tick(t1).value);

    // The next block's notifications never come and the connection drops: stale, then the
    // reconnection's eth_getLogs brings the missed swap and the pool is exact again.
    node.silence(true);
    const std::int32_t t2 = pool.v3.tick() - 11;
    const auto b2 =
        node.mine([&](std::uint64_t b) { return std::vector{swap_at(pool, t2, b, t2)}; });
    ASSERT_TRUE(b2.error.empty()) << b2.error;
    node.drop_connections();
    node.silence(false);
    ASSERT_TRUE(eventually([&] {
        drain(f, seen);
        return !seen.empty() && seen.back().tick == t2 && !seen.back().stale;
    }));
    bool went_stale = false;
    for (std::size_t i = 0; i + 1 < seen.size(); ++i) {
        went_stale = went_stale || (seen[i].stale && seen[i].tick == t1);
    }
    std::string history;
    for (const auto& u : seen) {
        history += " " + std::to_string(u.tick) + (u.stale ? "/stale" : "/exact");
    }
    EXPECT_TRUE(went_stale) << "the gap must make the pool stale before the backfill:" << history;
    EXPECT_EQ(seen.back().block, b2.block);
    // Counters are published on the feed thread's next tick.
    EXPECT_TRUE(eventually([&] { return f.stats().gaps >= 1 && f.stats().connects >= 2; }))
        << f.stats().gaps << " gaps, " << f.stats().connects << " connections";

    // A Swap log whose tick does not match its price: no pool emits it. Stale for good, even
    // after a valid swap.
    const auto b3 =
        node.mine([&](std::uint64_t b) { return std::vector{swap_at(pool, t1, b, t1 + 50)}; });
    ASSERT_TRUE(b3.error.empty()) << b3.error;
    ASSERT_TRUE(eventually([&] { return last_is(true, t2); }));
    const auto b4 =
        node.mine([&](std::uint64_t b) { return std::vector{swap_at(pool, t1, b, t1)}; });
    ASSERT_TRUE(b4.error.empty()) << b4.error;
    ASSERT_TRUE(eventually([&] { return f.stats().heads >= 2 && node.head() == b4.block; }));
    ASSERT_TRUE(eventually([&] { return f.stats().caught_up_block >= b2.block; }));
    f.stop();
    drain(f, seen);
    EXPECT_TRUE(seen.back().stale);
    EXPECT_EQ(seen.back().tick, t2);
    EXPECT_GE(f.stats().rejected, 1u);
    ASSERT_FALSE(f.follower().issues().empty());
    EXPECT_NE(f.follower().issues().back().reason.find("rejected"), std::string::npos)
        << f.follower().issues().back().reason;
}

TEST(LivePoolFeed, RefusesNothingToFollowAndABadUrl) {
    feed::pool_feed_options fo;
    fo.client.url = "ws://127.0.0.1:9/";
    feed::pool_feed_thread none(fo);
    const auto e1 = none.start();
    ASSERT_TRUE(e1);
    EXPECT_NE(e1->find("no pool"), std::string::npos) << *e1;
    fo.pools = {default_pool()};
    fo.client.url = "http://127.0.0.1:9/";
    feed::pool_feed_thread bad(fo);
    const auto e2 = bad.start();
    ASSERT_TRUE(e2);
    EXPECT_NE(e2->find("url"), std::string::npos) << *e2;
}

TEST(SimNode, AnswersTheJsonRpcItServesAndRefusesABlockOutOfTurn) {
    sim_node_options no;
    no.head = 100;
    sim_node node(no);
    ASSERT_FALSE(node.start());
    const auto wrong = node.mine([](std::uint64_t b) {
        return std::vector{log_object(
            v2_sync_log("0xb4e16d0168e52d35cacd2c6185b44281ec28c9dc", u256(1), u256(2), b + 1, 0))};
    });
    EXPECT_NE(wrong.error.find("blockNumber"), std::string::npos) << wrong.error;
    EXPECT_EQ(node.head(), 100u);
    const auto no_address = node.mine(
        [](std::uint64_t) { return std::vector<std::string>{R"({"blockNumber":"0x65"})"}; });
    EXPECT_NE(no_address.error.find("address"), std::string::npos) << no_address.error;
    const auto ok = node.mine([](std::uint64_t) { return std::vector<std::string>{}; });
    EXPECT_TRUE(ok.error.empty());
    EXPECT_EQ(ok.block, 101u);
    EXPECT_EQ(node.head(), 101u);
}

/// The bundled scenario's Bybit recording and its pool, live on loopback venues 20 times
/// faster than recorded; `prepare` acts on the loopback node before the engine starts.
run_result run_with_node(const std::function<void(sim_node&, const pool_state&)>& prepare) {
    auto sc = load_scenario(scenario_dir + "scenario.toml");
    EXPECT_TRUE(sc.value) << sc.error;
    scenario& s = *sc.value;
    std::erase_if(s.feeds, [](const feed_input& f) {
        return f.recording.find("BYBIT") == std::string::npos;
    });
    s.journal =
        ::testing::TempDir() + "ballast_live_pool_test_" + std::to_string(::getpid()) + ".journal";
    std::remove(s.journal.c_str());
    s.live.journal_sync = "none";
    loopback_options lo;
    lo.pace = 20.0;
    lo.tail_s = 1.0;
    lo.block_s = 1e6; // no empty blocks of its own: the test mines
    loopback_venues venues;
    if (const auto err = start_loopback(s, lo, venues)) {
        ADD_FAILURE() << *err;
        return {};
    }
    EXPECT_TRUE(venues.node);
    prepare(*venues.node, default_pool());
    engine_options eo;
    eo.live = true;
    eo.credentials = venues.credentials;
    auto created = engine::create(s, eo);
    if (!created.value) {
        ADD_FAILURE() << created.error;
        return {};
    }
    run_result r = created.value->run();
    std::remove(s.journal.c_str());
    return r;
}

TEST(LivePoolEngine, APoolTheNodeMovedIsRoutedAtItsNewStateAndAStaleOneNever) {
    std::uint64_t mined = 0;
    const run_result moved = run_with_node([&](sim_node& node, const pool_state& pool) {
        mined =
            node.mine([&](std::uint64_t b) {
                    return std::vector{swap_at(pool, pool.v3.tick() + 20, b, pool.v3.tick() + 20)};
                })
                .block;
    });
    ASSERT_TRUE(moved.error.empty()) << moved.error;
    ASSERT_EQ(moved.pools.size(), 1u);
    EXPECT_EQ(moved.pools[0].block, mined);
    EXPECT_FALSE(moved.pools[0].stale);
    EXPECT_GE(moved.pools[0].updates, 2u); // stale at start, then the node's state
    // (A decision taken before the first catch-up with the node leaves the pool out: how many
    // depends on the machine's speed, so the moved run's exclusions are not counted.)

    const run_result stale = run_with_node([&](sim_node& node, const pool_state& pool) {
        // A log no pool could have emitted, before the engine's first catch-up.
        (void)node.mine([&](std::uint64_t b) {
            return std::vector{swap_at(pool, pool.v3.tick(), b, pool.v3.tick() + 3)};
        });
    });
    ASSERT_TRUE(stale.error.empty()) << stale.error;
    ASSERT_EQ(stale.pools.size(), 1u);
    EXPECT_TRUE(stale.pools[0].stale);
    EXPECT_GE(stale.pool_node_rejected_logs, 1u);
    bool excluded = false;
    for (const auto& [name, n] : stale.stale_exclusions) {
        excluded = excluded || (name.find("uniswap") != std::string::npos && n > 0);
    }
    EXPECT_TRUE(excluded) << "the router must have left the stale pool";
    for (const auto& o : stale.orders) {
        EXPECT_NE(o.kind, router::source_kind::pool) << "an order went to the stale pool";
    }
}

} // namespace
