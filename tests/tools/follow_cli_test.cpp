// `ballast follow` (live pools from a node) on bad input and an unreachable node, and
// `ballast replay --pool` on the recorded ganache session.
#include "cli_runner.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <string>

namespace {

using ballast::test::run_ballast;

const std::string session = std::string(BALLAST_TEST_DATA_DIR) + "/dex/ganache/";

std::string session_pools() {
    std::string args;
    for (int i = 0; i < 5; ++i) {
        args += " --pool " + session + "pool" + std::to_string(i) + ".json";
    }
    return args;
}

TEST(FollowCli, BadUrlOrPoolFileStopsWithOneLineNamingIt) {
    auto r = run_ballast("follow --url http://127.0.0.1:8545 --pool " + session + "pool0.json");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.out,
              "follow: --url: 'http://127.0.0.1:8545' does not start with ws:// or wss://\n");
    r = run_ballast("follow --url ws://127.0.0.1:99999 --pool " + session + "pool0.json");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.out, "follow: --url: port '99999' is not 1..65535\n");
    r = run_ballast("follow --url ws://127.0.0.1:8545 --pool /nonexistent/pool.json");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.out.rfind("follow: --pool: ", 0), 0U) << r.out;
    EXPECT_NE(r.out.find("/nonexistent/pool.json"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << r.out;
}

TEST(FollowCli, UnreachableNodeLeavesThePoolsStaleAndSaysWhy) {
    std::uint16_t port = 0;
    {
        boost::asio::io_context io;
        boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
        port = a.local_endpoint().port();
    }
    const auto r = run_ballast("follow --url ws://127.0.0.1:" + std::to_string(port) +
                               session_pools() + " --until-block 30 --seconds 0.5 --backoff-ms 20");
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("\"stale\":[true,true,true,true,true]"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("node connection lost (connect: Connection refused)"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("follow: the node at ws://127.0.0.1:" + std::to_string(port) +
                         " was never reached: connect: Connection refused"),
              std::string::npos)
        << r.out;
}

TEST(FollowCli, ARecordingThatCannotBeWrittenStopsTheRunNamingTheFile) {
    // The node is unreachable: the gap marker the recording must hold cannot be written.
    std::uint16_t port = 0;
    {
        boost::asio::io_context io;
        boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
        port = a.local_endpoint().port();
    }
    const auto r =
        run_ballast("follow --url ws://127.0.0.1:" + std::to_string(port) + " --pool " + session +
                    "pool0.json --record /dev/full --seconds 0.5 --backoff-ms 20");
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("follow: --record: writing /dev/full failed"), std::string::npos) << r.out;
}

TEST(FollowCli, ReplayOfTheRecordedSessionEndsLiveAtTheNodesState) {
    const auto r = run_ballast("replay" + session_pools() + " " + session + "capture.jsonl");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    simdjson::dom::parser parser;
    simdjson::dom::element out;
    ASSERT_EQ(parser.parse(r.out).get(out), simdjson::SUCCESS) << r.out;
    for (auto stale : out["stale"].get_array()) {
        EXPECT_FALSE(stale.get_bool().value());
    }
    simdjson::dom::parser node_parser;
    simdjson::dom::element node;
    ASSERT_EQ(node_parser.load(session + "node_final.json").get(node), simdjson::SUCCESS);
    // The fee-500 pool: price, tick and liquidity as the node reports them.
    const auto ours = out["pools"].at(2);
    const auto theirs = node["pools"].at(2);
    EXPECT_EQ(ours["address"].get_string().value(), theirs["address"].get_string().value());
    EXPECT_EQ(ours["sqrt_price_x96"].get_string().value(),
              theirs["sqrt_price_x96"].get_string().value());
    EXPECT_EQ(ours["liquidity"].get_string().value(), theirs["liquidity"].get_string().value());
    EXPECT_EQ(ours["tick"].get_int64().value(), theirs["tick"].get_int64().value());
}

} // namespace
