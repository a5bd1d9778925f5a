// Following Uniswap pools from JSON-RPC logs: exact state after swaps/mints/burns, ordering,
// duplicates, reorgs (undone exactly), gaps, bad input, and replay of a recording file.
#include "feed/pool_follower.hpp"

#include "eth_log_builders.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <unistd.h>

using namespace ballast;
using namespace ballast::feed;
using namespace ballast::test;

namespace {

const std::string dex_dir = std::string(BALLAST_TEST_DATA_DIR) + "/dex/";
const std::string v3_address = "0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640";
const std::string v2_address = "0xb4e16d0168e52d35cacd2c6185b44281ec28c9dc";

pool_state load(const char* name) {
    auto r = load_pool_state(dex_dir + name);
    EXPECT_TRUE(r.ok()) << r.error;
    return r.state;
}

// Feeds one notification through the decoder and the follower; returns the log's outcome.
follow_outcome feed_log(pool_follower& f, eth_rpc_decoder& d, const log_spec& l) {
    const auto m = d.decode(notification(log_object(l)));
    EXPECT_TRUE(m.ok()) << m.error_field;
    EXPECT_EQ(m.logs.size(), 1U);
    return m.logs.empty() ? follow_outcome::malformed : f.on_log(m.logs[0]);
}

// A Swap log carrying the state `pool` reaches after `request` (as the chain would emit).
log_spec swap_on(uniswap_v3_pool& pool, const v3_swap_request& request, std::uint64_t block,
                 std::uint32_t index) {
    const auto r = pool.swap(request);
    EXPECT_TRUE(r.ok());
    const auto in = static_cast<std::int64_t>(r.amount_in);
    const auto out = -static_cast<std::int64_t>(r.amount_out);
    return v3_swap_log(v3_address, request.zero_for_one ? in : out, request.zero_for_one ? out : in,
                       r.sqrt_price_x96_after, r.liquidity_after, r.tick_after, block, index);
}

bool same_v3(const uniswap_v3_pool& a, const uniswap_v3_pool& b) {
    return a.sqrt_price_x96() == b.sqrt_price_x96() && a.liquidity() == b.liquidity() &&
           a.tick() == b.tick() &&
           std::equal(a.ticks().begin(), a.ticks().end(), b.ticks().begin(), b.ticks().end());
}

} // namespace

TEST(EthPoolFollower, FollowsSwapsMintsAndBurnsExactly) {
    pool_follower f;
    eth_rpc_decoder d;
    const pool_state start = load("usdc_weth_500_v3.json");
    f.add_pool(start);
    uniswap_v3_pool chain = start.v3; // what the chain does, simulated by the model
    const std::uint64_t b = start.meta.block;
    EXPECT_EQ(feed_log(f, d, swap_on(chain, {true, true, u256(5'000'000'000ULL), 0}, b + 1, 3)),
              follow_outcome::applied);
    ASSERT_EQ(chain.apply_position_delta(196000, 196500, 123456789), pool_error::ok);
    EXPECT_EQ(
        feed_log(f, d, v3_position_log(true, v3_address, 196000, 196500, 123456789, b + 1, 7)),
        follow_outcome::applied);
    EXPECT_EQ(
        feed_log(f, d, swap_on(chain, {false, true, u256("2000000000000000000"), 0}, b + 2, 0)),
        follow_outcome::applied);
    ASSERT_EQ(chain.apply_position_delta(196000, 196500, -23456789), pool_error::ok);
    EXPECT_EQ(
        feed_log(f, d, v3_position_log(false, v3_address, 196000, 196500, 23456789, b + 2, 1)),
        follow_outcome::applied);
    EXPECT_TRUE(same_v3(f.pool(0).v3, chain));
    EXPECT_EQ(f.pool(0).meta.block, b + 2);
    EXPECT_FALSE(f.stale(0));
    // The followed pool quotes exactly what the chain's pool would.
    const v3_swap_request q{true, false, u256("1000000000000000000"), 0};
    EXPECT_EQ(f.pool(0).v3.quote(q).amount_in, chain.quote(q).amount_in);
    EXPECT_EQ(f.stats().applied, 4U);
}

TEST(EthPoolFollower, DuplicatesAndSnapshotLogsAreIgnored) {
    pool_follower f;
    eth_rpc_decoder d;
    const pool_state start = load("usdc_weth_v2.json");
    f.add_pool(start);
    const std::uint64_t b = start.meta.block;
    EXPECT_EQ(feed_log(f, d, v2_sync_log(v2_address, 1, 2, b, 5)), follow_outcome::duplicate);
    EXPECT_EQ(f.pool(0).v2.reserve0(), start.v2.reserve0());
    EXPECT_EQ(feed_log(f, d, v2_sync_log(v2_address, 100, 200, b + 1, 0)), follow_outcome::applied);
    EXPECT_EQ(feed_log(f, d, v2_sync_log(v2_address, 100, 200, b + 1, 0)),
              follow_outcome::duplicate);
    EXPECT_EQ(f.pool(0).v2.reserve1(), 200U);
    EXPECT_EQ(f.stats().duplicates, 2U);
    EXPECT_FALSE(f.stale(0));
}

TEST(EthPoolFollower, ReorgUndoesRemovedLogsExactly) {
    pool_follower f;
    eth_rpc_decoder d;
    const pool_state start = load("usdc_weth_500_v3.json");
    f.add_pool(start);
    uniswap_v3_pool chain = start.v3;
    const std::uint64_t b = start.meta.block;
    feed_log(f, d, swap_on(chain, {true, true, u256(7'000'000'000ULL), 0}, b + 1, 0));
    const uniswap_v3_pool after_b1 = chain;
    // Block b+2 on fork 0: a mint (initialising new ticks) and a swap.
    ASSERT_EQ(chain.apply_position_delta(195000, 195010, 999), pool_error::ok);
    auto mint = v3_position_log(true, v3_address, 195000, 195010, 999, b + 2, 0);
    auto swap = swap_on(chain, {false, true, u256("3000000000000000000"), 0}, b + 2, 1);
    EXPECT_EQ(feed_log(f, d, mint), follow_outcome::applied);
    EXPECT_EQ(feed_log(f, d, swap), follow_outcome::applied);
    EXPECT_NE(f.pool(0).v3.find_tick(195000), nullptr);
    // The node removes both (it sends them in order): the first removal undoes both.
    mint.removed = true;
    swap.removed = true;
    EXPECT_EQ(feed_log(f, d, mint), follow_outcome::undone);
    EXPECT_EQ(feed_log(f, d, swap), follow_outcome::duplicate);
    EXPECT_TRUE(same_v3(f.pool(0).v3, after_b1));
    EXPECT_EQ(f.pool(0).v3.find_tick(195000), nullptr);
    EXPECT_EQ(f.pool(0).meta.block, b + 1);
    EXPECT_EQ(f.stats().undone, 2U);
    // The new fork's block b+2 applies on top.
    chain = after_b1;
    auto swap2 = swap_on(chain, {true, false, u256("1000000000000000000"), 0}, b + 2, 0);
    swap2.fork = 1;
    EXPECT_EQ(feed_log(f, d, swap2), follow_outcome::applied);
    EXPECT_TRUE(same_v3(f.pool(0).v3, chain));
    EXPECT_FALSE(f.stale(0));
}

TEST(EthPoolFollower, ReorgDeeperThanTheWindowMarksStale) {
    pool_follower f(64);
    eth_rpc_decoder d;
    const pool_state start = load("usdc_weth_v2.json");
    f.add_pool(start);
    const std::uint64_t b = start.meta.block;
    auto old_log = v2_sync_log(v2_address, 10, 20, b + 1, 0);
    EXPECT_EQ(feed_log(f, d, old_log), follow_outcome::applied);
    for (std::uint64_t h = b + 1; h <= b + 100; ++h) {
        EXPECT_TRUE(f.on_message(d.decode(head_notification(h))));
    }
    EXPECT_EQ(feed_log(f, d, v2_sync_log(v2_address, 11, 21, b + 100, 0)), follow_outcome::applied);
    old_log.removed = true;
    EXPECT_EQ(feed_log(f, d, old_log), follow_outcome::reorg_too_deep);
    EXPECT_TRUE(f.stale(0));
    EXPECT_EQ(f.stats().reorg_too_deep, 1U);
    ASSERT_FALSE(f.issues().empty());
    EXPECT_NE(f.issues().back().reason.find("undo window"), std::string::npos);
    // Stale pools ignore further logs until bootstrapped.
    EXPECT_EQ(feed_log(f, d, v2_sync_log(v2_address, 12, 22, b + 101, 0)),
              follow_outcome::ignored_stale);
    f.bootstrap(0, start);
    EXPECT_FALSE(f.stale(0));
    // A removed log inside the window is still undone exactly.
    auto recent = v2_sync_log(v2_address, 50, 60, b + 102, 0);
    EXPECT_EQ(feed_log(f, d, recent), follow_outcome::applied);
    recent.removed = true;
    EXPECT_EQ(feed_log(f, d, recent), follow_outcome::undone);
    EXPECT_EQ(f.pool(0).v2.reserve0(), start.v2.reserve0());
}

TEST(EthPoolFollower, GapsOutOfOrderUnknownAndMalformedLogs) {
    pool_follower f;
    eth_rpc_decoder d;
    const pool_state start = load("usdc_weth_v2.json");
    f.add_pool(start);
    f.add_pool(load("usdc_weth_500_v3.json"));
    const std::uint64_t b = start.meta.block;
    // Unknown pool: counted, reported, nothing changes.
    EXPECT_EQ(
        feed_log(f, d, v2_sync_log("0x0000000000000000000000000000000000000bad", 1, 1, b + 1, 0)),
        follow_outcome::unknown_pool);
    // A v2 Sync with a reserve above uint112: malformed, the pair goes stale untouched.
    EXPECT_EQ(feed_log(f, d, v2_sync_log(v2_address, u256(1) << 112, 1, b + 1, 1)),
              follow_outcome::malformed);
    EXPECT_TRUE(f.stale(0));
    EXPECT_EQ(f.pool(0).v2.reserve0(), start.v2.reserve0());
    // Wrong topic count on a v3 Mint.
    auto mint = v3_position_log(true, v3_address, 196000, 196010, 5, b + 1, 2);
    mint.topics.pop_back();
    EXPECT_EQ(feed_log(f, d, mint), follow_outcome::malformed);
    EXPECT_TRUE(f.stale(1));
    EXPECT_EQ(f.stats().malformed, 2U);
    EXPECT_EQ(f.stats().unknown_pool, 1U);

    // A v3 Swap whose tick contradicts its price: no pool emits that; rejected, untouched.
    f.bootstrap(1, load("usdc_weth_500_v3.json"));
    const auto before = f.pool(1).v3;
    EXPECT_EQ(feed_log(f, d,
                       v3_swap_log(v3_address, 1, -1, before.sqrt_price_x96(), before.liquidity(),
                                   before.tick() + 50, b + 1, 3)),
              follow_outcome::rejected);
    EXPECT_TRUE(f.stale(1));
    EXPECT_EQ(f.pool(1).v3.tick(), before.tick());

    // Out of order after a bootstrap: an older unseen log marks the pool stale.
    f.bootstrap(0, start);
    EXPECT_EQ(feed_log(f, d, v2_sync_log(v2_address, 5, 6, b + 3, 0)), follow_outcome::applied);
    EXPECT_EQ(feed_log(f, d, v2_sync_log(v2_address, 7, 8, b + 2, 0)),
              follow_outcome::out_of_order);
    EXPECT_TRUE(f.stale(0));
    EXPECT_EQ(f.pool(0).v2.reserve0(), 5U);

    // A gap between heads (lost subscription) marks every pool stale.
    pool_follower g;
    g.add_pool(start);
    g.on_head({b + 1, {}, {}});
    g.on_head({b + 2, {}, {}});
    EXPECT_FALSE(g.stale(0));
    g.on_head({b + 5, {}, {}});
    EXPECT_TRUE(g.stale(0));
    EXPECT_EQ(g.stats().gaps, 1U);
    ASSERT_FALSE(g.issues().empty());
    EXPECT_NE(g.issues().back().reason.find("missed blocks"), std::string::npos);
}

TEST(EthPoolFollower, BackfillAfterAGapResumesOnlyGapStalePools) {
    pool_follower f;
    eth_rpc_decoder d;
    const pool_state v2 = load("usdc_weth_v2.json");
    f.add_pool(v2);
    f.add_pool(load("usdc_weth_500_v3.json"));
    const std::uint64_t b = v2.meta.block;
    f.on_head({b + 1, {}, {}});
    // The v3 pool breaks for its own reason first (a Mint with a topic missing).
    auto mint = v3_position_log(true, v3_address, 196000, 196010, 5, b + 1, 0);
    mint.topics.pop_back();
    EXPECT_EQ(feed_log(f, d, mint), follow_outcome::malformed);
    ASSERT_TRUE(f.stale(1));

    f.on_gap("connection lost");
    EXPECT_TRUE(f.stale(0));
    // Backfilled logs of the gap apply to the gap-stale pair, in order, while it stays out of
    // routing; the broken pool ignores them.
    EXPECT_EQ(feed_log(f, d, v2_sync_log(v2_address, 11, 12, b + 2, 0)), follow_outcome::applied);
    EXPECT_EQ(feed_log(f, d, v2_sync_log(v2_address, 13, 14, b + 3, 4)), follow_outcome::applied);
    EXPECT_EQ(feed_log(f, d, v2_sync_log(v2_address, 11, 12, b + 2, 0)), follow_outcome::duplicate);
    EXPECT_EQ(feed_log(f, d, v3_position_log(true, v3_address, 196000, 196010, 5, b + 2, 1)),
              follow_outcome::ignored_stale);
    EXPECT_TRUE(f.stale(0));
    EXPECT_EQ(f.resume(b + 4), 1U);
    EXPECT_FALSE(f.stale(0));
    EXPECT_TRUE(f.stale(1));
    EXPECT_EQ(f.pool(0).v2.reserve0(), 13U);
    EXPECT_EQ(f.pool(0).v2.reserve1(), 14U);
    // The next head follows the backfilled block: no new gap.
    f.on_head({b + 5, {}, {}});
    EXPECT_FALSE(f.stale(0));
    EXPECT_EQ(f.stats().gaps, 1U);
    // A gap-stale pool that then fails to apply is broken: resume() leaves it stale.
    f.on_gap("connection lost");
    EXPECT_EQ(feed_log(f, d, v2_sync_log(v2_address, 5, 6, b + 3, 2)),
              follow_outcome::out_of_order);
    EXPECT_EQ(f.resume(b + 6), 0U);
    EXPECT_TRUE(f.stale(0));
}

TEST(EthPoolFollower, ReplaysARecordingToFinalPoolStates) {
    const pool_state v3_start = load("usdc_weth_500_v3.json");
    uniswap_v3_pool chain = v3_start.v3;
    const std::uint64_t b = v3_start.meta.block;
    const auto path = std::filesystem::temp_directory_path() /
                      ("ballast_eth_replay_" + std::to_string(::getpid()) + ".jsonl");
    {
        std::ofstream out(path);
        out << R"({"jsonrpc":"2.0","id":1,"result":"0xcd0c3e8af590364c09d0fa6a1210faf5"})"
            << "\n";
        out << head_notification(b + 1) << "\n";
        out << notification(
                   log_object(swap_on(chain, {true, true, u256(9'000'000'000ULL), 0}, b + 1, 4)))
            << "\n\n";
        out << notification(log_object(v2_sync_log(v2_address, 1000, 2000, b + 1, 9))) << "\n";
        out << head_notification(b + 2) << "\n";
        // eth_getLogs backfill response with two logs, one a duplicate of the above.
        const auto dup = v2_sync_log(v2_address, 1000, 2000, b + 1, 9);
        const auto next = v2_sync_log(v2_address, 3000, 4000, b + 2, 0);
        out << R"({"jsonrpc":"2.0","id":2,"result":[)" << log_object(dup) << "," << log_object(next)
            << "]}\n";
        out << "this line is not json\n";
    }
    const std::vector<std::string> pools = {dex_dir + "usdc_weth_500_v3.json",
                                            dex_dir + "usdc_weth_v2.json"};
    const auto r = replay_pool_recording(pools, path.string());
    std::filesystem::remove(path);
    ASSERT_TRUE(r.ok()) << r.error;
    ASSERT_EQ(r.pools.size(), 2U);
    EXPECT_TRUE(same_v3(r.pools[0].v3, chain));
    EXPECT_EQ(r.pools[1].v2.reserve0(), 3000U);
    EXPECT_EQ(r.pools[1].meta.block, b + 2);
    EXPECT_EQ(r.stats.applied, 3U);
    EXPECT_EQ(r.stats.duplicates, 1U);
    EXPECT_EQ(r.stats.malformed, 1U);
    EXPECT_EQ(r.messages, 7U);
    EXPECT_FALSE(r.stale[0]);
    const std::string json = write_pool_replay_json(r);
    EXPECT_EQ(json.rfind(R"({"pools":[{"type":"uniswap_v3")", 0), 0U);
    EXPECT_NE(json.find(R"("reserve0":"3000")"), std::string::npos);
    EXPECT_NE(json.find(R"("malformed":1)"), std::string::npos);
    // The written pools are valid pool state files again.
    EXPECT_TRUE(parse_pool_state(write_pool_state(r.pools[0])).ok());

    const std::vector<std::string> missing = {dex_dir + "nope.json"};
    EXPECT_EQ(replay_pool_recording(missing, path.string()).error,
              dex_dir + "nope.json: No such file or directory");
}

TEST(EthPoolFollower, ARecordingWithoutOneUsableMessageIsAnError) {
    const std::vector<std::string> pools = {dex_dir + "usdc_weth_v2.json"};
    const auto dir =
        std::filesystem::temp_directory_path() / ("ballast_pool_rec_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    EXPECT_EQ(replay_pool_recording(pools, dir.string()).error, dir.string() + ": is a directory");
    EXPECT_EQ(replay_pool_recording(pools, "/dev/null").error, "/dev/null: empty file");
    const auto missing = (dir / "none.jsonl").string();
    EXPECT_EQ(replay_pool_recording(pools, missing).error, missing + ": No such file or directory");
    const auto write = [&](const std::string& name, const std::string& text) {
        const auto p = (dir / name).string();
        std::ofstream(p, std::ios::binary) << text;
        return p;
    };
    EXPECT_EQ(replay_pool_recording(pools, write("blank.jsonl", "\n  \n")).error,
              (dir / "blank.jsonl").string() + ": empty file");
    const auto junk = write("junk.jsonl", "hello\n\nworld\n{\"jsonrpc\":\"2.0\"\n");
    const auto r = replay_pool_recording(pools, junk);
    EXPECT_EQ(r.error, junk + ": no usable JSON-RPC message (3 lines, none decodable)");
    ASSERT_EQ(r.issues.size(), 3u);
    // Where, then why, once: no "message: message:".
    EXPECT_EQ(r.issues[0].reason, "line 1: malformed JSON-RPC");
    EXPECT_EQ(r.issues[1].reason, "line 3: malformed JSON-RPC");
    EXPECT_EQ(r.issues[2].reason, "line 4: malformed JSON-RPC");
    // One decodable message is enough (here a head with nothing for the pool).
    const auto one = write("one.jsonl", "junk\n" + head_notification(5) + "\n");
    const auto ok = replay_pool_recording(pools, one);
    EXPECT_TRUE(ok.ok()) << ok.error;
    EXPECT_EQ(ok.stats.malformed, 1u);
    std::filesystem::remove_all(dir);
}

namespace {

// A real session: Uniswap's published contracts on a ganache node, followed live by
// eth_ws_client (one connection cut and backfilled), replayed to the node's final state.
TEST(EthPoolFollower, ReplaysALiveNodeSessionToTheNodesOwnState) {
    const std::string dir = dex_dir + "ganache/";
    std::vector<std::string> pools;
    for (int i = 0; i < 5; ++i) {
        pools.push_back(dir + "pool" + std::to_string(i) + ".json");
    }
    const auto r = replay_pool_recording(pools, dir + "capture.jsonl");
    ASSERT_TRUE(r.ok()) << r.error;
    simdjson::dom::parser parser;
    simdjson::dom::element final_state;
    ASSERT_EQ(parser.load(dir + "node_final.json").get(final_state), simdjson::SUCCESS);
    std::size_t checked = 0;
    for (auto node_pool : final_state["pools"].get_array()) {
        const std::string_view address = node_pool["address"].get_string().value();
        const auto it = std::find_if(r.pools.begin(), r.pools.end(), [&](const pool_state& p) {
            return p.meta.address == address;
        });
        ASSERT_NE(it, r.pools.end()) << address;
        EXPECT_FALSE(r.stale[static_cast<std::size_t>(it - r.pools.begin())]) << address;
        if (it->kind == pool_kind::uniswap_v2) {
            EXPECT_EQ(to_decimal(it->v2.reserve0()), node_pool["reserve0"].get_string().value());
            EXPECT_EQ(to_decimal(it->v2.reserve1()), node_pool["reserve1"].get_string().value());
        } else {
            EXPECT_EQ(to_decimal(it->v3.sqrt_price_x96()),
                      node_pool["sqrt_price_x96"].get_string().value());
            EXPECT_EQ(it->v3.tick(), node_pool["tick"].get_int64().value());
            EXPECT_EQ(to_decimal(it->v3.liquidity()), node_pool["liquidity"].get_string().value());
            EXPECT_FALSE(it->v3.ticks().empty());
        }
        ++checked;
    }
    EXPECT_EQ(checked, 5U);
    EXPECT_GT(r.stats.applied, 30U);
    EXPECT_EQ(r.stats.gaps, 1U); // the cut connection, resumed by the backfill
    EXPECT_EQ(r.stats.out_of_order + r.stats.malformed + r.stats.rejected, 0U);
}

} // namespace
