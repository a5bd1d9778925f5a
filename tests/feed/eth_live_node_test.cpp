// Ballast against a real Ethereum node: tests/node/evm_peer.js starts ganache, deploys
// Uniswap's published v2/v3 contracts (npm artifacts) and runs a script of mints, swaps across
// ticks, burns and a multi-transaction block. Ballast follows the pools over a live
// eth_subscribe WebSocket (through a local TCP proxy the test can cut): after every step its
// pool state equals the node's slot0/liquidity/reserves and its quotes equal QuoterV2's and
// Router02's to the wei. Cutting the connection marks the pools stale; after reconnecting,
// the eth_getLogs backfill brings them back exactly.
//
// Needs Node.js and tests/node/node_modules (tools/test installs both). Without them the test
// skips and says why; with BALLAST_REQUIRE_NODE=1 (CI) it fails instead.

#include "feed/eth_ws_client.hpp"
#include "feed/pool_follower.hpp"

#include "asio_test_util.hpp"

#include "../node_process.hpp"
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <gtest/gtest.h>
#include <simdjson.h>

#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <poll.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

using namespace ballast;
using namespace ballast::feed;
namespace net = boost::asio;
using tcp = net::ip::tcp;

const std::string node_dir = std::string(BALLAST_TEST_DATA_DIR) + "/../node";

/// tests/node/evm_peer.js (ganache + Uniswap's contracts) speaking JSON lines over pipes.
class node_peer : public test::node_process {
  public:
    explicit node_peer(const std::string& node) : node_process(node, node_dir, "evm_peer.js") {
        set_farewell("quit");
    }
};

/// A TCP relay between the client and the node that the test can cut and restore (same port).
class tcp_proxy {
  public:
    tcp_proxy(net::io_context& io, std::uint16_t upstream) : io_(io), upstream_(upstream) {
        open();
    }
    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    /// Drops every relayed connection and refuses new ones.
    void cut() {
        acceptor_.reset();
        for (auto& l : links_) {
            l->close();
        }
        links_.clear();
    }
    void restore() { open(); }

  private:
    struct link : std::enable_shared_from_this<link> {
        explicit link(net::io_context& io, tcp::socket s) : down(std::move(s)), up(io) {}
        tcp::socket down;
        tcp::socket up;
        std::array<char, 16384> to_up{};
        std::array<char, 16384> to_down{};
        void close() {
            boost::system::error_code ignored;
            down.close(ignored);
            up.close(ignored);
        }
        void pump(tcp::socket& from, tcp::socket& to, std::array<char, 16384>& buf) {
            from.async_read_some(
                net::buffer(buf), [self = shared_from_this(), &from, &to,
                                   &buf](boost::system::error_code ec, std::size_t n) {
                    if (ec) {
                        return self->close();
                    }
                    net::async_write(
                        to, net::buffer(buf.data(), n),
                        [self, &from, &to, &buf](boost::system::error_code ec2, std::size_t) {
                            if (ec2) {
                                return self->close();
                            }
                            self->pump(from, to, buf);
                        });
                });
        }
    };

    void open() {
        acceptor_ = std::make_unique<tcp::acceptor>(io_);
        const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), port_);
        acceptor_->open(ep.protocol());
        acceptor_->set_option(tcp::acceptor::reuse_address(true));
        acceptor_->bind(ep);
        acceptor_->listen();
        port_ = acceptor_->local_endpoint().port();
        accept();
    }
    void accept() {
        acceptor_->async_accept(
            [this, a = acceptor_.get()](boost::system::error_code ec, tcp::socket s) {
                if (ec || a != acceptor_.get()) {
                    return;
                }
                auto l = std::make_shared<link>(io_, std::move(s));
                links_.push_back(l);
                l->up.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), upstream_),
                                    [l](boost::system::error_code ec2) {
                                        if (ec2) {
                                            return l->close();
                                        }
                                        l->pump(l->down, l->up, l->to_up);
                                        l->pump(l->up, l->down, l->to_down);
                                    });
                accept();
            });
    }

    net::io_context& io_;
    std::uint16_t upstream_;
    std::uint16_t port_ = 0;
    std::unique_ptr<tcp::acceptor> acceptor_;
    std::vector<std::shared_ptr<link>> links_;
};

using ballast::test::run_until;

std::string str(simdjson::dom::element e) {
    std::string_view s;
    return e.get_string().get(s) == simdjson::SUCCESS ? std::string(s) : std::string();
}

u256 big(simdjson::dom::element e) {
    const auto v = parse_u256(str(e));
    EXPECT_TRUE(v.has_value()) << simdjson::to_string(e);
    return v.value_or(u256(0));
}

/// Differences between the follower's pool and the node's state ({} when equal).
std::string diff_state(const pool_follower& f, simdjson::dom::element node_pool) {
    eth_address address{};
    if (!parse_hex_bytes(str(node_pool["address"]), address)) {
        return "bad address in the node's reply";
    }
    const std::size_t i = f.find(address);
    if (i == f.size()) {
        return "pool " + str(node_pool["address"]) + " is not followed";
    }
    const pool_state& s = f.pool(i);
    std::string d;
    auto check = [&](std::string_view field, const std::string& ours, const std::string& node) {
        if (ours != node) {
            d += std::string(field) + " ours " + ours + " node " + node + "; ";
        }
    };
    if (s.kind == pool_kind::uniswap_v2) {
        check("reserve0", to_decimal(s.v2.reserve0()), str(node_pool["reserve0"]));
        check("reserve1", to_decimal(s.v2.reserve1()), str(node_pool["reserve1"]));
    } else {
        std::int64_t tick = 0;
        if (node_pool["tick"].get_int64().get(tick) != simdjson::SUCCESS) {
            return "bad tick in the node's reply";
        }
        check("sqrt_price_x96", to_decimal(s.v3.sqrt_price_x96()),
              str(node_pool["sqrt_price_x96"]));
        check("tick", std::to_string(s.v3.tick()), std::to_string(tick));
        check("liquidity", to_decimal(s.v3.liquidity()), str(node_pool["liquidity"]));
    }
    return d.empty() ? d : s.meta.address + ": " + d;
}

std::string diff_states(const pool_follower& f, simdjson::dom::array pools) {
    std::string d;
    for (auto p : pools) {
        d += diff_state(f, p);
    }
    return d;
}

std::size_t ticks_compared = 0;

/// Checks one QuoterV2 / Router02 quote against the follower's model of the pool.
void check_quote(const pool_follower& f, simdjson::dom::element q, const std::string& step,
                 std::size_t& compared) {
    eth_address address{};
    ASSERT_TRUE(parse_hex_bytes(str(q["pool"]), address));
    const std::size_t i = f.find(address);
    ASSERT_LT(i, f.size());
    const pool_state& s = f.pool(i);
    bool zero_for_one = false;
    bool exact_input = false;
    ASSERT_EQ(q["zero_for_one"].get_bool().get(zero_for_one), simdjson::SUCCESS);
    ASSERT_EQ(q["exact_input"].get_bool().get(exact_input), simdjson::SUCCESS);
    const u256 amount = big(q["amount"]);
    const bool node_error = q["error"].error() == simdjson::SUCCESS;
    const std::string what = step + ": " + s.meta.address + (zero_for_one ? " 0->1 " : " 1->0 ") +
                             (exact_input ? "exact-in " : "exact-out ") + to_decimal(amount);
    ++compared;
    if (s.kind == pool_kind::uniswap_v2) {
        const v2_amount ours = exact_input ? s.v2.amount_out(amount, zero_for_one)
                                           : s.v2.amount_in(amount, zero_for_one);
        if (node_error) {
            EXPECT_FALSE(ours.ok()) << what << ": Router02 reverted (" << str(q["error"]) << ")";
            return;
        }
        ASSERT_TRUE(ours.ok()) << what;
        EXPECT_EQ(to_decimal(ours.value), str(q[exact_input ? "amount_out" : "amount_in"])) << what;
        return;
    }
    v3_swap_request r;
    r.zero_for_one = zero_for_one;
    r.exact_input = exact_input;
    r.amount = amount;
    r.sqrt_price_limit_x96 = big(q["sqrt_price_limit_x96"]);
    const v3_swap_result ours = s.v3.quote(r);
    if (node_error) {
        // QuoterV2 reverts when the swap moves nothing (no liquidity up to the limit).
        EXPECT_TRUE(!ours.ok() || (ours.amount_in == 0 && ours.amount_out == 0))
            << what << ": QuoterV2 reverted (" << str(q["error"]) << ") but ours moved "
            << to_decimal(ours.amount_in) << " in, " << to_decimal(ours.amount_out) << " out";
        return;
    }
    ASSERT_TRUE(ours.ok()) << what << ": " << to_string(ours.error);
    if (exact_input) {
        EXPECT_EQ(to_decimal(ours.amount_out), str(q["amount_out"])) << what;
    } else {
        EXPECT_EQ(to_decimal(ours.amount_in), str(q["amount_in"])) << what;
    }
    EXPECT_EQ(to_decimal(ours.sqrt_price_x96_after), str(q["sqrt_price_x96_after"])) << what;
    // QuoterV2's initializedTicksCrossed comes from PoolTicksCounter, which divides negative
    // ticks by the spacing with Solidity's truncation and so counts a boundary the swap never
    // reaches; where both ends of the swap are at non-negative ticks it is exact.
    std::uint64_t crossed = 0;
    ASSERT_EQ(q["ticks_crossed"].get_uint64().get(crossed), simdjson::SUCCESS);
    if (s.v3.tick() >= 0 && ours.tick_after >= 0) {
        ++ticks_compared;
        EXPECT_EQ(ours.ticks_crossed, crossed) << what << " (initialized ticks crossed)";
    }
}

TEST(EthLiveNode, FollowsUniswapPoolsOverWebSocketExactlyAndBackfillsAfterACut) {
    const bool required = std::getenv("BALLAST_REQUIRE_NODE") != nullptr &&
                          std::string_view(std::getenv("BALLAST_REQUIRE_NODE")) == "1";
    const auto node = test::find_on_path("node");
    std::string missing;
    if (!node) {
        missing = "Node.js ('node') is not on PATH: install Debian's nodejs and npm, then run "
                  "tools/test, which installs tests/node's packages";
    } else if (!std::filesystem::exists(node_dir + "/node_modules/ganache") ||
               !std::filesystem::exists(node_dir + "/node_modules/@uniswap/v3-periphery")) {
        missing = "tests/node/node_modules lacks ganache or the Uniswap packages: run "
                  "tools/test (npm ci in tests/node)";
    }
    if (!missing.empty()) {
        if (required) {
            FAIL() << "BALLAST_REQUIRE_NODE=1 but " << missing;
        }
        GTEST_SKIP() << "skipped: " << missing;
    }

    node_peer peer(*node);
    ASSERT_TRUE(peer.started());
    const auto ready_line = peer.read_line(std::chrono::seconds(180));
    ASSERT_TRUE(ready_line.has_value()) << "the EVM peer did not start (see its stderr)";
    simdjson::dom::parser ready_parser;
    simdjson::dom::element ready;
    ASSERT_EQ(ready_parser.parse(*ready_line).get(ready), simdjson::SUCCESS) << *ready_line;
    ASSERT_EQ(ready["error"].error(), simdjson::NO_SUCH_FIELD) << *ready_line;
    const std::string url = str(ready["url"]);
    std::uint64_t start_block = 0;
    ASSERT_EQ(ready["block"].get_uint64().get(start_block), simdjson::SUCCESS);

    // What the client delivers is also captured, to be replayed at the end.
    const auto work = std::filesystem::temp_directory_path() /
                      ("ballast_live_node_" + std::to_string(::getpid()));
    std::filesystem::create_directories(work);
    pool_follower follower;
    std::vector<std::string> addresses;
    std::vector<std::string> pool_files;
    for (auto p : ready["pools"].get_array()) {
        auto parsed = parse_pool_state(simdjson::to_string(p));
        ASSERT_TRUE(parsed.ok()) << parsed.error;
        addresses.push_back(parsed.state.meta.address);
        pool_files.push_back(work / ("pool" + std::to_string(pool_files.size()) + ".json"));
        std::ofstream(pool_files.back()) << write_pool_state(parsed.state) << "\n";
        follower.add_pool(std::move(parsed.state));
    }
    const std::string capture_path = work / "capture.jsonl";
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> capture(std::fopen(capture_path.c_str(), "wb"),
                                                            std::fclose);
    ASSERT_TRUE(capture);
    ASSERT_EQ(follower.size(), 5U);

    std::string url_error;
    const auto node_url = parse_ws_url(url, url_error);
    ASSERT_TRUE(node_url.has_value()) << url_error;
    net::io_context io;
    tcp_proxy proxy(io, static_cast<std::uint16_t>(std::stoi(node_url->port)));
    pool_follower_sink sink(follower);
    eth_ws_options opt;
    opt.url = "ws://127.0.0.1:" + std::to_string(proxy.port());
    opt.addresses = addresses;
    opt.from_block = start_block + 1;
    opt.backoff_initial = std::chrono::milliseconds(20);
    opt.backoff_max = std::chrono::milliseconds(200);
    opt.backfill_chunk_blocks = 2; // several eth_getLogs per backfill
    opt.capture = [f = capture.get()](std::string_view line) {
        std::fwrite(line.data(), 1, line.size(), f);
        std::fputc('\n', f);
    };
    eth_ws_client client(io, sink, opt);
    ASSERT_TRUE(client.start()) << client.last_error();
    ASSERT_TRUE(run_until(io, [&] { return client.state() == eth_ws_state::live; }))
        << "never live: " << client.last_error();

    auto all_live = [&] {
        for (std::size_t i = 0; i < follower.size(); ++i) {
            if (follower.stale(i)) {
                return false;
            }
        }
        return true;
    };

    constexpr int cut_at = 12;   // steps before the connection is cut
    constexpr int cut_steps = 3; // steps the node runs while Ballast is disconnected
    int steps = 0;
    std::size_t quotes_compared = 0;
    std::string last_reply;
    simdjson::dom::parser parser;
    for (;;) {
        const bool cutting = steps >= cut_at && steps < cut_at + cut_steps;
        if (steps == cut_at) {
            proxy.cut();
            ASSERT_TRUE(run_until(io, [&] { return !all_live(); }))
                << "pools still live after the connection was cut";
        }
        peer.send("next");
        const auto line = peer.read_line(std::chrono::seconds(120));
        ASSERT_TRUE(line.has_value()) << "no reply from the EVM peer after " << steps << " steps";
        simdjson::dom::element reply;
        ASSERT_EQ(parser.parse(*line).get(reply), simdjson::SUCCESS) << *line;
        if (reply["done"].error() == simdjson::SUCCESS) {
            break;
        }
        last_reply = *line;
        const std::string step = str(reply["step"]);
        ASSERT_EQ(reply["error"].error(), simdjson::NO_SUCH_FIELD)
            << step << ": " << str(reply["error"]);
        ++steps;
        if (cutting) {
            if (steps == cut_at + cut_steps) {
                proxy.restore();
            } else {
                continue; // the node moves on without us
            }
        }
        std::uint64_t block = 0;
        ASSERT_EQ(reply["block"].get_uint64().get(block), simdjson::SUCCESS);
        simdjson::dom::array pools = reply["pools"].get_array();
        const bool synced = run_until(io, [&] {
            return client.state() == eth_ws_state::live && client.last_head() >= block &&
                   all_live() && diff_states(follower, pools).empty();
        });
        ASSERT_TRUE(synced) << step << " (block " << block << "): state "
                            << to_string(client.state()) << ", head " << client.last_head()
                            << ", stale " << !all_live() << ", last error '" << client.last_error()
                            << "': " << diff_states(follower, pools);
        for (auto q : reply["quotes"].get_array()) {
            check_quote(follower, q, step, quotes_compared);
        }
    }
    EXPECT_GE(steps, 20);
    EXPECT_GT(quotes_compared, 150U);
    EXPECT_GT(ticks_compared, 50U);
    const auto& cs = client.stats();
    EXPECT_GE(cs.connects, 2U);
    EXPECT_GE(cs.connection_losses, 1U);
    EXPECT_GT(cs.backfilled_logs, 0U);
    EXPECT_GE(cs.backfill_requests, 2U);
    EXPECT_EQ(cs.malformed, 0U);
    const auto& fs = follower.stats();
    EXPECT_GT(fs.applied, 30U);
    EXPECT_EQ(fs.malformed, 0U);
    EXPECT_EQ(fs.rejected, 0U);
    EXPECT_EQ(fs.out_of_order, 0U);
    EXPECT_EQ(fs.unknown_pool, 0U);
    EXPECT_GE(fs.gaps, 1U);
    EXPECT_TRUE(all_live());
    for (const auto& issue : follower.issues()) {
        EXPECT_NE(issue.reason.find("connection lost"), std::string::npos) << issue.reason;
    }
    // The capture replays to the same pools.
    client.stop();
    capture.reset();
    const auto replayed = replay_pool_recording(pool_files, capture_path);
    ASSERT_TRUE(replayed.ok()) << replayed.error;
    ASSERT_EQ(replayed.pools.size(), follower.size());
    for (std::size_t i = 0; i < follower.size(); ++i) {
        EXPECT_EQ(write_pool_state(replayed.pools[i]), write_pool_state(follower.pool(i)));
        EXPECT_FALSE(replayed.stale[i]) << i;
    }
    EXPECT_EQ(replayed.stats.applied, fs.applied);
    EXPECT_EQ(replayed.stats.out_of_order, 0U);
    // BALLAST_KEEP_CAPTURE=DIR keeps the session (pool files, capture, the node's last
    // state) for tests/data/dex/ganache.
    if (const char* keep = std::getenv("BALLAST_KEEP_CAPTURE"); keep != nullptr && *keep) {
        const std::filesystem::path dir(keep);
        std::filesystem::create_directories(dir);
        for (const auto& f : pool_files) {
            std::filesystem::copy_file(f, dir / std::filesystem::path(f).filename(),
                                       std::filesystem::copy_options::overwrite_existing);
        }
        std::filesystem::copy_file(capture_path, dir / "capture.jsonl",
                                   std::filesystem::copy_options::overwrite_existing);
        std::ofstream(dir / "node_final.json") << last_reply << "\n";
    }
    std::filesystem::remove_all(work);
    std::printf(
        "[ steps %d, quotes compared %zu (ticks crossed %zu), logs applied %llu, duplicates %llu, "
        "backfilled %llu in %llu eth_getLogs, reconnects %llu ]\n",
        steps, quotes_compared, ticks_compared, static_cast<unsigned long long>(fs.applied),
        static_cast<unsigned long long>(fs.duplicates),
        static_cast<unsigned long long>(cs.backfilled_logs),
        static_cast<unsigned long long>(cs.backfill_requests),
        static_cast<unsigned long long>(cs.connects - 1));
}

} // namespace
