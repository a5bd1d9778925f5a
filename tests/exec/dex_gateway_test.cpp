// The DEX gateway against a real Ethereum node: tests/node/dex_peer.js runs ganache with
// Uniswap's published v3 factory, position manager and SwapRouter, one 0.3% pool and a funded
// trader whose key the gateway signs with. A sell (exactInputSingle) and a buy
// (exactOutputSingle) fill with the amounts of the pool's Swap log (decoded by ethers) and of
// Ballast's exact v3 model; a minimum out too high reverts and is rejected with the router's
// reason; with the miner stopped a stuck swap is replaced by nonce (or cancelled by a
// self-transfer) and its outcome is reported once. A fake node's hostile replies are counted
// and do not stop the gateway.
//
// Needs Node.js and tests/node/node_modules (tools/test installs both): without them the live
// tests skip and say why; with BALLAST_REQUIRE_NODE=1 (CI) they fail instead.
#include "book/uniswap_v3.hpp"
#include "exec/dex_gateway.hpp"

#include "../node_process.hpp"
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <gtest/gtest.h>
#include <simdjson.h>

#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <poll.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using namespace ballast;
using namespace ballast::exec;
using namespace std::chrono_literals;

const std::string node_dir = std::string(BALLAST_TEST_DATA_DIR) + "/../node";
/// The chain coin's price in the quote token: gas in a report's gas_quote.
constexpr double native_price = 2000.0;
// The trader's key: a test key, funded only on the test's own chain.
constexpr std::string_view trader_key =
    "0x1111111111111111111111111111111111111111111111111111111111111111";
constexpr std::string_view trader_address = "0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a";

/// tests/node/dex_peer.js as a child process speaking JSON lines over pipes.
class dex_peer : public test::node_process {
  public:
    explicit dex_peer(const std::string& node)
        : node_process(node, node_dir, "dex_peer.js",
                       {{"DEX_PEER_TRADER", std::string(trader_address)}}) {}
    /// One command, one JSON reply (bounded).
    simdjson::dom::element ask(const std::string& command) {
        send(command);
        const auto reply = read_line(30s);
        last_ = reply.value_or("{\"error\":\"no reply to " + command + "\"}");
        simdjson::dom::element e;
        if (parser_.parse(last_).get(e) != simdjson::SUCCESS) {
            ADD_FAILURE() << "dex_peer: " << last_;
        }
        return e;
    }

  private:
    std::string last_;
    simdjson::dom::parser parser_;
};

std::string str(simdjson::simdjson_result<simdjson::dom::element> e) {
    std::string_view s;
    return e.get_string().get(s) == simdjson::SUCCESS ? std::string(s) : std::string();
}

eth_address address_of(const std::string& hex) {
    eth_address a{};
    EXPECT_TRUE(feed::parse_hex_bytes(hex, a)) << hex;
    return a;
}

/// The pool as the node has it now, in Ballast's exact model.
uniswap_v3_pool pool_of(simdjson::dom::element s) {
    std::vector<v3_tick> ticks;
    for (auto t : s["ticks"].get_array()) {
        std::int64_t index = 0;
        EXPECT_EQ(t["index"].get_int64().get(index), simdjson::SUCCESS);
        ticks.push_back({static_cast<std::int32_t>(index),
                         parse_i128(str(t["liquidity_net"])).value(),
                         to_u128(parse_u256(str(t["liquidity_gross"])).value())});
    }
    std::int64_t tick = 0;
    std::uint64_t fee = 0;
    std::int64_t spacing = 0;
    EXPECT_EQ(s["tick"].get_int64().get(tick), simdjson::SUCCESS);
    EXPECT_EQ(s["fee"].get_uint64().get(fee), simdjson::SUCCESS);
    EXPECT_EQ(s["tick_spacing"].get_int64().get(spacing), simdjson::SUCCESS);
    uniswap_v3_pool p;
    const auto err = p.reset(static_cast<std::uint32_t>(fee), static_cast<std::int32_t>(spacing),
                             parse_u256(str(s["sqrt_price_x96"])).value(),
                             to_u128(parse_u256(str(s["liquidity"])).value()),
                             static_cast<std::int32_t>(tick), ticks);
    EXPECT_EQ(err, pool_error::ok);
    return p;
}

std::string signed_decimal(const u256& magnitude, bool negative) {
    return (negative && magnitude != 0 ? "-" : "") + to_decimal(magnitude);
}

/// Drains reports until `want` matches one (returned) or the timeout; every report is kept.
std::optional<exec_report> wait_report(dex_gateway& gw, std::vector<exec_report>& seen,
                                       const std::function<bool(const exec_report&)>& want,
                                       std::chrono::milliseconds timeout = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        exec_report r;
        while (gw.poll(r)) {
            seen.push_back(r);
            if (want(r)) {
                return r;
            }
        }
        std::this_thread::sleep_for(1ms); // the engine's idle back-off; the wait is bounded
    }
    return std::nullopt;
}

bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds timeout = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

std::string describe(const dex_gateway& gw, const std::vector<exec_report>& seen) {
    const auto& s = gw.stats();
    std::string d = "last error '" + gw.last_error() + "', sent " + std::to_string(s.sent.load()) +
                    ", approvals " + std::to_string(s.approvals.load()) + ", replacements " +
                    std::to_string(s.replacements.load()) + ", receipts " +
                    std::to_string(s.receipts.load()) + ", send errors " +
                    std::to_string(s.send_errors.load()) + ", heads " +
                    std::to_string(s.heads.load()) + "; reports:";
    for (const auto& r : seen) {
        d += " " + std::string(to_string(r.kind)) + "#" + std::to_string(r.id.value) + "(" +
             std::string(r.reason_view()) + ")";
    }
    return d;
}

std::string hash_in(const exec_report& r) {
    const std::string_view reason = r.reason_view();
    return reason.starts_with("tx 0x") ? std::string(reason.substr(3, 66)) : std::string();
}

class DexGatewayLive : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        const char* req = std::getenv("BALLAST_REQUIRE_NODE");
        required_ = req != nullptr && std::string_view(req) == "1";
        const auto node = test::find_on_path("node");
        if (!node) {
            missing_ = "Node.js ('node') is not on PATH: install Debian's nodejs and npm, then run "
                       "tools/test, which installs tests/node's packages";
            return;
        }
        if (!std::filesystem::exists(node_dir + "/node_modules/ganache") ||
            !std::filesystem::exists(node_dir + "/node_modules/@uniswap/v3-periphery")) {
            missing_ = "tests/node/node_modules lacks ganache or the Uniswap packages: run "
                       "tools/test (npm ci in tests/node)";
            return;
        }
        peer_ = new dex_peer(*node);
        const auto line = peer_->read_line(180s);
        const std::string text = line.value_or("");
        simdjson::dom::parser parser;
        simdjson::dom::element ready;
        if (!line || parser.parse(text).get(ready) != simdjson::SUCCESS ||
            ready["error"].error() != simdjson::NO_SUCH_FIELD) {
            missing_ = "dex_peer.js did not start: " + text;
            started_ = false;
            return;
        }
        for (const char* k : {"url", "router", "pool", "token0", "token1"}) {
            ready_[k] = str(ready[k]);
        }
        started_ = true;
        spec_.venue = "uniswap";
        spec_.symbol = "TKA/TKB";
        spec_.base = "TKA";
        spec_.quote = "TKB";
        spec_.lot = {1, 4};  // 0.0001 base
        spec_.tick = {1, 2}; // 0.01 quote
    }
    static void TearDownTestSuite() {
        delete peer_;
        peer_ = nullptr;
    }
    void SetUp() override {
        if (!missing_.empty()) {
            if (required_ || (peer_ != nullptr && !started_)) {
                FAIL() << (required_ ? "BALLAST_REQUIRE_NODE=1 but " : "") << missing_;
            }
            GTEST_SKIP() << "skipped: " << missing_;
        }
    }

    static dex_gateway_options options() {
        dex_gateway_options o;
        o.url = ready_["url"];
        o.venue = venue_id{7};
        o.chain_id = 1337;
        o.router = address_of(ready_["router"]);
        dex_route r;
        r.spec = &spec_;
        r.pool = address_of(ready_["pool"]);
        r.base_token = address_of(ready_["token0"]); // 2500 token1 per token0
        r.quote_token = address_of(ready_["token1"]);
        r.fee = 3000;
        o.routes.push_back(r);
        o.poll_interval = 50ms;
        o.stuck_blocks = 0; // the miner is driven by the test: time decides
        o.stuck_after = 800ms;
        o.native_price_quote = native_price;
        return o;
    }

    static std::unique_ptr<dex_gateway> start(dex_gateway_options o) {
        eth_signer signer;
        EXPECT_FALSE(signer.load_hex(trader_key).has_value());
        std::string error;
        auto gw = dex_gateway::create(std::move(o), std::move(signer), error);
        EXPECT_TRUE(gw) << error;
        if (!gw) {
            return gw;
        }
        EXPECT_EQ(to_hex_address(gw->address()), trader_address);
        gw->start();
        std::vector<exec_report> seen;
        const auto up = wait_report(*gw, seen, [](const exec_report& r) {
            return r.kind == exec_kind::connected || r.kind == exec_kind::disconnected;
        });
        EXPECT_TRUE(up && up->kind == exec_kind::connected)
            << (up ? up->reason_view() : "no report") << " " << gw->last_error();
        return gw;
    }

    static order_request order(std::uint64_t id, side s, std::int64_t lots, std::int64_t ticks) {
        order_request r;
        r.id = client_order_id{id};
        r.spec = &spec_;
        r.order_side = s;
        r.type = order_type::limit;
        r.quantity = qty(lots);
        r.limit = price(ticks);
        return r;
    }

    /// One small sell with the miner running: the token's approval is then not part of a test.
    static void warm_up(dex_gateway& gw, std::vector<exec_report>& seen, std::uint64_t id) {
        ASSERT_EQ(gw.send(order(id, side::ask, 100, 100'000)), gateway_status::ok);
        const auto r = wait_report(
            gw, seen, [&](const exec_report& x) { return x.id.value == id && is_final(x.state); });
        ASSERT_TRUE(r) << describe(gw, seen);
        ASSERT_EQ(r->kind, exec_kind::fill) << r->reason_view();
        // On a loaded machine the swap may outlive `stuck_after` before its block, and the
        // gateway then sends its second transaction for it; that one's answer must come before
        // a test counts answers of its own. Every transaction so far: the approval, this swap,
        // and any second ones.
        const auto& st = gw.stats();
        ASSERT_TRUE(wait_for([&] {
            return st.accepted.load() + st.send_errors.load() ==
                   st.approvals.load() + 1 + st.replacements.load() + st.cancels.load();
        })) << describe(gw, seen);
        if (st.replacements.load() + st.cancels.load() > 0) {
            std::fprintf(stderr, "note: the warm-up swap was slow enough to be resent\n");
        }
    }

    static inline bool required_ = false;
    static inline bool started_ = false;
    static inline std::string missing_;
    static inline dex_peer* peer_ = nullptr;
    static inline std::map<std::string, std::string> ready_;
    static inline instrument_spec spec_;
};

// Ticks of quote/base (both 18 decimals, tick 0.01) to the nearest, as the gateway reports.
std::int64_t ticks_of(const u256& quote, const u256& base) {
    return static_cast<std::int64_t>((2 * quote * 100 + base) / (2 * base));
}

TEST_F(DexGatewayLive, SellAndBuyFillWithThePoolsSwapLogAndTheExactModelsQuote) {
    auto gw = start(options());
    ASSERT_TRUE(gw && gw->connected());
    std::vector<exec_report> seen;

    // Sell 1.5 base, at least 2000.00 each: exactInputSingle.
    uniswap_v3_pool pool = pool_of(peer_->ask("state")["pool"]);
    v3_swap_request q;
    q.zero_for_one = true;
    q.exact_input = true;
    q.amount = u256(15) * u256(100'000'000'000'000'000ULL);
    const v3_swap_result sell_quote = pool.quote(q);
    ASSERT_TRUE(sell_quote.ok());
    ASSERT_EQ(gw->send(order(1, side::ask, 15'000, 200'000)), gateway_status::ok);
    auto fill = wait_report(
        *gw, seen, [](const exec_report& r) { return r.id.value == 1 && is_final(r.state); });
    ASSERT_TRUE(fill) << describe(*gw, seen);
    ASSERT_EQ(fill->kind, exec_kind::fill) << fill->reason_view();
    ASSERT_GE(seen.size(), 2U);
    EXPECT_EQ(seen[seen.size() - 2].kind, exec_kind::ack);
    EXPECT_EQ(fill->last_qty.value(), 15'000);
    EXPECT_EQ(fill->cum_qty.value(), 15'000);
    EXPECT_EQ(fill->state, order_state::filled);
    auto receipt = peer_->ask("receipt " + hash_in(*fill));
    std::uint64_t status = 0;
    ASSERT_EQ(receipt["status"].get_uint64().get(status), simdjson::SUCCESS) << hash_in(*fill);
    EXPECT_EQ(status, 1U);
    ASSERT_EQ(receipt["swaps"].get_array().size(), 1U);
    auto log = receipt["swaps"].at(0);
    EXPECT_EQ(str(log["amount0"]), to_decimal(q.amount));
    EXPECT_EQ(str(log["amount1"]), signed_decimal(sell_quote.amount_out, true));
    EXPECT_EQ(fill->last_px.value(), ticks_of(sell_quote.amount_out, q.amount));
    EXPECT_FALSE(fill->trade_id_view().empty());

    // Buy exactly 1 base, paying at most 3000.00 each: exactOutputSingle.
    pool = pool_of(peer_->ask("state")["pool"]);
    q.zero_for_one = false;
    q.exact_input = false;
    q.amount = u256(1'000'000'000'000'000'000ULL);
    const v3_swap_result buy_quote = pool.quote(q);
    ASSERT_TRUE(buy_quote.ok());
    ASSERT_EQ(gw->send(order(2, side::bid, 10'000, 300'000)), gateway_status::ok);
    fill = wait_report(*gw, seen,
                       [](const exec_report& r) { return r.id.value == 2 && is_final(r.state); });
    ASSERT_TRUE(fill) << describe(*gw, seen);
    ASSERT_EQ(fill->kind, exec_kind::fill) << fill->reason_view();
    EXPECT_EQ(fill->last_qty.value(), 10'000);
    receipt = peer_->ask("receipt " + hash_in(*fill));
    ASSERT_EQ(receipt["swaps"].get_array().size(), 1U);
    log = receipt["swaps"].at(0);
    EXPECT_EQ(str(log["amount0"]), "-1000000000000000000");
    EXPECT_EQ(str(log["amount1"]), to_decimal(buy_quote.amount_in));
    EXPECT_EQ(fill->last_px.value(), ticks_of(buy_quote.amount_in, q.amount));
    // Gas is its own cost, priced at the coin's price; the pool's fee is in the price.
    const std::string_view reason = fill->reason_view();
    const auto gas_at = reason.find(" gas ");
    ASSERT_NE(gas_at, std::string_view::npos) << reason;
    const double gas_wei = std::stod(std::string(reason.substr(gas_at + 5)));
    EXPECT_GT(gas_wei, 0.0);
    EXPECT_DOUBLE_EQ(fill->gas_quote, gas_wei * 1e-18 * native_price);
    EXPECT_EQ(fill->fee_quote, 0.0);

    // The trader had approved nothing: one approve per token went first.
    EXPECT_EQ(gw->stats().approvals.load(), 2U);
    EXPECT_EQ(gw->stats().fills.load(), 2U);
    EXPECT_GT(gw->stats().gas_wei.load(), 0U);
    EXPECT_EQ(gw->stats().malformed.load(), 0U) << gw->last_error();

    query_request qr;
    qr.id = client_order_id{1};
    ASSERT_EQ(gw->query(qr), gateway_status::ok);
    const auto status_report =
        wait_report(*gw, seen, [](const exec_report& r) { return r.kind == exec_kind::status; });
    ASSERT_TRUE(status_report);
    EXPECT_EQ(status_report->state, order_state::filled);
    EXPECT_NE(status_report->reason_view().find(" final"), std::string_view::npos);
    qr.id = client_order_id{99};
    ASSERT_EQ(gw->query(qr), gateway_status::ok);
    EXPECT_TRUE(wait_report(*gw, seen, [](const exec_report& r) {
        return r.kind == exec_kind::not_found && r.id.value == 99;
    }));
    gw->stop();
}

TEST_F(DexGatewayLive, MinimumOutAboveThePoolRevertsAndIsRejectedWithTheRoutersReason) {
    auto gw = start(options());
    ASSERT_TRUE(gw && gw->connected());
    std::vector<exec_report> seen;
    // Sell 0.1 base for at least 100000.00 each: the pool pays about 2500.
    ASSERT_EQ(gw->send(order(11, side::ask, 1'000, 10'000'000)), gateway_status::ok);
    const auto r = wait_report(*gw, seen, [](const exec_report& x) { return is_final(x.state); });
    ASSERT_TRUE(r) << describe(*gw, seen);
    EXPECT_EQ(r->kind, exec_kind::rejected);
    EXPECT_EQ(r->id.value, 11U);
    EXPECT_NE(r->reason_view().find("Too little received"), std::string_view::npos)
        << r->reason_view();
    EXPECT_EQ(gw->stats().reverts.load(), 1U);
    // Not an instrument of this gateway, and no limit: refused before signing.
    order_request bad = order(12, side::ask, 1'000, 0);
    EXPECT_EQ(gw->send(bad), gateway_status::rejected);
    instrument_spec other = spec_;
    bad = order(13, side::ask, 1'000, 100);
    bad.spec = &other;
    EXPECT_EQ(gw->send(bad), gateway_status::rejected);
    gw->stop();
}

/// What the chain says about a stuck order's two transactions (the original and the one sent
/// with its nonce at higher fees), and what the gateway reported.
struct stuck_outcome {
    std::string original;
    std::string second;
    std::string reported;
    bool original_mined = false;
    bool second_mined = false;
    exec_report final_report;
};

/// Sends `id` with the miner stopped, waits for the gateway's second transaction (replacement
/// or cancel), mines one block and waits for the one final report.
stuck_outcome run_stuck(dex_gateway& gw, dex_peer& peer, std::vector<exec_report>& seen,
                        const order_request& r, const std::atomic<std::uint64_t>& second_counter) {
    stuck_outcome out;
    auto status_hash = [&] {
        query_request q;
        q.id = r.id;
        EXPECT_EQ(gw.query(q), gateway_status::ok);
        const auto s = wait_report(gw, seen, [&](const exec_report& x) {
            return x.kind == exec_kind::status && x.id == r.id;
        });
        return s ? std::make_pair(hash_in(*s), std::string(s->reason_view()))
                 : std::make_pair(std::string(), std::string());
    };
    const auto answered = gw.stats().accepted.load() + gw.stats().send_errors.load();
    const auto refused_before = gw.stats().send_errors.load();
    const auto seconds_before = second_counter.load();
    EXPECT_TRUE(peer.ask("miner_stop")["ok"].is_bool());
    EXPECT_EQ(gw.send(r), gateway_status::ok);
    out.original = status_hash().first;
    EXPECT_TRUE(wait_for([&] { return second_counter.load() == seconds_before + 1; }))
        << describe(gw, seen);
    // Both sends answered: the original and the second.
    EXPECT_TRUE(wait_for([&] {
        return gw.stats().accepted.load() + gw.stats().send_errors.load() >= answered + 2;
    })) << describe(gw, seen);
    // The node took the second transaction (>= +10% on both fees, same nonce), or ganache
    // refused it as "mining has already started" (its miner had taken the original).
    const bool second_refused = gw.stats().send_errors.load() > refused_before;
    if (second_refused) {
        EXPECT_NE(gw.last_error().find("mining has already started"), std::string::npos)
            << gw.last_error();
    }
    const auto [second, text] = status_hash();
    out.second = second;
    EXPECT_NE(text.find("pending replaced x1"), std::string::npos) << text;
    EXPECT_NE(out.second, out.original);
    EXPECT_TRUE(peer.ask("mine")["ok"].is_bool());
    const auto fin = wait_report(gw, seen, [&](const exec_report& x) {
        return x.id == r.id && x.kind != exec_kind::status && is_final(x.state);
    });
    EXPECT_TRUE(fin) << describe(gw, seen);
    if (!fin) {
        return out;
    }
    out.final_report = *fin;
    out.reported = hash_in(*fin);
    std::uint64_t status = 0;
    out.original_mined =
        peer.ask("receipt " + out.original)["status"].get_uint64().get(status) == simdjson::SUCCESS;
    out.second_mined =
        peer.ask("receipt " + out.second)["status"].get_uint64().get(status) == simdjson::SUCCESS;
    EXPECT_TRUE(peer.ask("miner_start")["ok"].is_bool());

    // Another block and more receipt polls: nothing more about the order.
    const auto heads = gw.stats().heads.load();
    EXPECT_TRUE(peer.ask("mine")["ok"].is_bool());
    EXPECT_TRUE(wait_for([&] { return gw.stats().heads.load() > heads; }));
    status_hash(); // answered after the head's receipt polls
    std::size_t finals = 0;
    for (const auto& x : seen) {
        finals += x.id == r.id && x.kind != exec_kind::status && is_final(x.state) ? 1 : 0;
    }
    EXPECT_EQ(finals, 1U) << describe(gw, seen);
    // The reported transaction is the one mined. Ganache's pool races its miner (ganache issues
    // 2509, 3794): once the miner has picked the original it may mine it instead of an accepted
    // replacement, or even mine both, which no real node can. The gateway reports the first
    // mined receipt it sees, once, whichever of these the node does.
    EXPECT_TRUE(out.original_mined || out.second_mined);
    if (out.original_mined != out.second_mined) {
        EXPECT_EQ(out.reported, out.second_mined ? out.second : out.original);
    } else {
        EXPECT_TRUE(out.reported == out.original || out.reported == out.second);
    }
    if (!out.second_mined || out.original_mined) {
        std::fprintf(stderr, "note: ganache mined %s (replacement %s)\n",
                     out.original_mined && out.second_mined ? "both transactions of the nonce"
                                                            : "the original",
                     second_refused ? "refused" : "accepted");
    }
    return out;
}

TEST_F(DexGatewayLive, StuckSwapIsReplacedByNonceAndItsFillReportedOnce) {
    auto o = options();
    o.max_replacements = 1;
    auto gw = start(o);
    ASSERT_TRUE(gw && gw->connected());
    std::vector<exec_report> seen;
    warm_up(*gw, seen, 20);
    const stuck_outcome out = run_stuck(*gw, *peer_, seen, order(21, side::ask, 2'000, 100'000),
                                        gw->stats().replacements);
    EXPECT_EQ(out.final_report.kind, exec_kind::fill) << describe(*gw, seen);
    EXPECT_EQ(out.final_report.last_qty.value(), 2'000);
    gw->stop();
}

TEST_F(DexGatewayLive, StuckSwapIsCancelledBySelfTransferWithItsNonce) {
    auto o = options();
    o.stuck_policy = dex_stuck_policy::cancel;
    o.max_replacements = 1;
    auto gw = start(o);
    ASSERT_TRUE(gw && gw->connected());
    std::vector<exec_report> seen;
    warm_up(*gw, seen, 30);
    const stuck_outcome out =
        run_stuck(*gw, *peer_, seen, order(31, side::ask, 2'000, 100'000), gw->stats().cancels);
    const auto receipt = peer_->ask("receipt " + out.reported);
    if (out.reported == out.second) {
        EXPECT_EQ(out.final_report.kind, exec_kind::canceled) << describe(*gw, seen);
        EXPECT_EQ(receipt["swaps"].get_array().size(), 0U);
    } else {
        EXPECT_EQ(out.final_report.kind, exec_kind::fill) << describe(*gw, seen);
        EXPECT_EQ(receipt["swaps"].get_array().size(), 1U);
    }

    std::uint64_t next_id = 32;
    if (out.original_mined && out.second_mined) {
        // The account's nonce moved two ahead of the gateway's: the next send is refused by
        // the node, and the gateway takes the account's nonce from it for the one after.
        const auto resyncs = gw->stats().nonce_resyncs.load();
        ASSERT_EQ(gw->send(order(next_id, side::ask, 1'000, 100'000)), gateway_status::ok);
        const auto refused = wait_report(*gw, seen, [&](const exec_report& x) {
            return x.id.value == next_id && is_final(x.state);
        });
        ASSERT_TRUE(refused) << describe(*gw, seen);
        EXPECT_EQ(refused->kind, exec_kind::rejected);
        EXPECT_NE(refused->reason_view().find("nonce"), std::string_view::npos)
            << refused->reason_view();
        ++next_id;
        ASSERT_TRUE(wait_for([&] { return gw->stats().nonce_resyncs.load() > resyncs; }));
    }
    // The nonce moved on with the mined transaction: the next swap is mined at once.
    ASSERT_EQ(gw->send(order(next_id, side::ask, 1'000, 100'000)), gateway_status::ok);
    const auto next = wait_report(*gw, seen, [&](const exec_report& x) {
        return x.id.value == next_id && is_final(x.state);
    });
    ASSERT_TRUE(next) << describe(*gw, seen);
    EXPECT_EQ(next->kind, exec_kind::fill) << next->reason_view();
    // A cancel after the fact is refused.
    cancel_request c;
    c.id = client_order_id{next_id};
    ASSERT_EQ(gw->cancel(c), gateway_status::ok);
    EXPECT_TRUE(wait_report(*gw, seen, [&](const exec_report& x) {
        return x.kind == exec_kind::cancel_reject && x.id.value == next_id;
    }));
    gw->stop();
}

// ---- A hostile node ---------------------------------------------------------------------

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = boost::asio::ip::tcp;

/// A one-connection JSON-RPC node on loopback that answers the gateway's start-up correctly.
/// Hostile: then sends garbage, and answers the swap's transaction and receipts wrongly.
/// Never mining: every receipt poll is answered "not mined" and followed by a new head; the
/// node records how many heads it had sent when each raw transaction arrived.
class hostile_node {
  public:
    enum class mode : std::uint8_t { hostile, never_mining };
    explicit hostile_node(mode m = mode::hostile)
        : mode_(m), acceptor_(io_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)) {
        port_ = acceptor_.local_endpoint().port();
        thread_ = std::thread([this] { serve(); });
    }
    ~hostile_node() {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        if (thread_.joinable()) {
            thread_.join();
        }
    }
    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    /// Heads sent before each eth_sendRawTransaction arrived (read after the gateway stopped).
    [[nodiscard]] std::vector<std::uint64_t> heads_at_sends() const {
        const std::lock_guard<std::mutex> lock(mutex_);
        return heads_at_sends_;
    }
    static inline const std::vector<std::string> garbage = {
        "garbage{",
        "[1,2]",
        R"({"jsonrpc":"2.0","id":"7","result":"0x1"})",
        R"({"jsonrpc":"2.0","method":"eth_subscription","params":{}})",
        R"({"jsonrpc":"2.0","method":"eth_subscription","params":{"result":{"number":"0xzz","timestamp":"0x1"}}})",
        std::string(5000, '[') + std::string(5000, ']'),
    };

  private:
    void serve() {
        boost::system::error_code ec;
        tcp::socket socket(io_);
        acceptor_.accept(socket, ec);
        if (ec) {
            return;
        }
        websocket::stream<tcp::socket> ws(std::move(socket));
        ws.accept(ec);
        simdjson::dom::parser parser;
        int receipts = 0;
        while (!ec) {
            beast::flat_buffer buf;
            ws.read(buf, ec);
            if (ec) {
                break;
            }
            const std::string text = beast::buffers_to_string(buf.data());
            simdjson::dom::element req;
            if (parser.parse(text).get(req) != simdjson::SUCCESS) {
                continue;
            }
            std::int64_t id = 0;
            if (req["id"].get_int64().get(id) != simdjson::SUCCESS) {
                continue;
            }
            const std::string method = str(req["method"]);
            const std::string head = R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + ",";
            std::vector<std::string> out;
            if (method == "eth_chainId") {
                out.push_back(head + R"("result":"0x539"})");
            } else if (method == "eth_getTransactionCount") {
                out.push_back(head + R"("result":"0x5"})");
            } else if (method == "eth_call") {
                out.push_back(head + R"("result":"0x)" + std::string(64, 'f') + "\"}");
            } else if (method == "eth_subscribe") {
                out.push_back(head + R"("result":"0xab"})");
                out.push_back(R"({"jsonrpc":"2.0","id":424242,"result":"0x1"})"); // not asked
            } else if (method == "eth_getBlockByNumber") {
                out.push_back(
                    head +
                    R"("result":{"number":"0x10","timestamp":"0x5f5e100","baseFeePerGas":"0x3b9aca00"}})");
                if (mode_ == mode::hostile) {
                    out.insert(out.end(), garbage.begin(), garbage.end());
                }
            } else if (method == "eth_feeHistory" && mode_ == mode::never_mining) {
                out.push_back(
                    head +
                    R"("result":{"oldestBlock":"0x10","baseFeePerGas":["0x3b9aca00","0x3b9aca00"],"reward":[["0x3b9aca00"]]}})");
            } else if (method == "eth_feeHistory") {
                out.push_back(head + R"("result":{"baseFeePerGas":"nope"}})");
            } else if (method == "eth_sendRawTransaction" && mode_ == mode::never_mining) {
                // The hash a node answers is keccak256 of the raw bytes.
                const std::string raw = str(req["params"].at(0));
                std::vector<std::uint8_t> bytes((raw.size() - 2) / 2);
                (void)feed::parse_hex_bytes(raw, bytes);
                const std::string hash = feed::to_hex(keccak256(bytes));
                if (first_hash_.empty()) {
                    first_hash_ = hash;
                }
                out.push_back(head + R"("result":")" + hash + "\"}");
                const std::lock_guard<std::mutex> lock(mutex_);
                heads_at_sends_.push_back(heads_);
            } else if (method == "eth_getTransactionReceipt" && mode_ == mode::never_mining) {
                out.push_back(head + R"("result":null})");
                // One head per polling pass: the gateway polls the original first in each.
                if (str(req["params"].at(0)) == first_hash_) {
                    ++heads_;
                    out.push_back(
                        R"({"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0xab","result":{"number":")" +
                        hex_of(0x10 + heads_) +
                        R"(","timestamp":"0x5f5e100","baseFeePerGas":"0x3b9aca00"}}})");
                }
            } else if (method == "eth_sendRawTransaction") {
                out.push_back(head + R"("result":"0x)" + std::string(64, '0') + "\"}");
            } else if (method == "eth_getTransactionReceipt") {
                const std::string hash = str(req["params"].at(0));
                if (receipts++ == 0) {
                    out.push_back(head + R"("result":{"status":"0x7","transactionHash":")" + hash +
                                  R"("}})");
                } else {
                    out.push_back(
                        head +
                        R"("result":{"status":"0x1","blockNumber":"0x11","gasUsed":"0x5208",)" +
                        R"("effectiveGasPrice":"0x1","transactionHash":")" + hash +
                        R"(","logs":[{"address":"0x00","topics":[],"data":"0x"}]}})");
                }
            }
            for (const auto& o : out) {
                ws.text(true);
                ws.write(boost::asio::buffer(o), ec);
            }
        }
    }

    static std::string hex_of(std::uint64_t v) {
        char buf[24];
        std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
        return buf;
    }

    mode mode_;
    boost::asio::io_context io_;
    tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    std::thread thread_;
    std::uint64_t heads_ = 0;
    std::string first_hash_;
    mutable std::mutex mutex_;
    std::vector<std::uint64_t> heads_at_sends_;
};

TEST(DexGatewayHostileNode, MalformedRepliesAreCountedAndTheGatewayCarriesOn) {
    hostile_node node;
    instrument_spec spec;
    spec.venue = "uniswap";
    spec.symbol = "A/B";
    spec.lot = {1, 4};
    spec.tick = {1, 2};
    dex_gateway_options o;
    o.url = "ws://127.0.0.1:" + std::to_string(node.port());
    o.chain_id = 1337;
    o.poll_interval = 20ms;
    dex_route r;
    r.spec = &spec;
    r.pool[19] = 1;
    r.base_token[19] = 2;
    r.quote_token[19] = 3;
    r.fee = 3000;
    o.routes.push_back(r);
    eth_signer signer;
    ASSERT_FALSE(signer.load_hex(trader_key).has_value());
    std::string error;
    auto gw = dex_gateway::create(o, std::move(signer), error);
    ASSERT_TRUE(gw) << error;
    gw->start();
    std::vector<exec_report> seen;
    ASSERT_TRUE(wait_report(*gw, seen,
                            [](const exec_report& x) { return x.kind == exec_kind::connected; }));
    // Every garbage frame and the fee history without fees.
    ASSERT_TRUE(wait_for([&] {
        return gw->stats().malformed.load() >= hostile_node::garbage.size();
    })) << gw->stats().malformed.load();
    EXPECT_EQ(gw->stats().unknown_replies.load(), 1U);
    EXPECT_TRUE(gw->connected());

    order_request req;
    req.id = client_order_id{41};
    req.spec = &spec;
    req.order_side = side::ask;
    req.quantity = qty(10);
    req.limit = price(100);
    const auto before = gw->stats().malformed.load();
    ASSERT_EQ(gw->send(req), gateway_status::ok);
    // A wrong hash from eth_sendRawTransaction, a receipt with status 7, then a successful
    // receipt with no Swap log of the pool: counted, and the outcome reported as unknown.
    const auto rep = wait_report(*gw, seen, [](const exec_report& x) { return x.id.value == 41; });
    ASSERT_TRUE(rep);
    EXPECT_EQ(rep->kind, exec_kind::unknown);
    EXPECT_NE(rep->reason_view().find("Swap log"), std::string_view::npos) << rep->reason_view();
    EXPECT_GE(gw->stats().malformed.load(), before + 3);
    EXPECT_TRUE(gw->connected());
    gw->stop();
}

TEST(DexGatewayHostileNode, NotMinedWithinStuckBlocksHeadsIsReplacedAfterTheThirdHead) {
    hostile_node node(hostile_node::mode::never_mining);
    instrument_spec spec;
    spec.venue = "uniswap";
    spec.symbol = "A/B";
    spec.lot = {1, 4};
    spec.tick = {1, 2};
    dex_gateway_options o;
    o.url = "ws://127.0.0.1:" + std::to_string(node.port());
    o.chain_id = 1337;
    o.poll_interval = 20ms;
    o.stuck_blocks = 3;
    o.stuck_after = 0ms; // heads only
    o.max_replacements = 2;
    dex_route r;
    r.spec = &spec;
    r.pool[19] = 1;
    r.base_token[19] = 2;
    r.quote_token[19] = 3;
    r.fee = 3000;
    o.routes.push_back(r);
    eth_signer signer;
    ASSERT_FALSE(signer.load_hex(trader_key).has_value());
    std::string error;
    auto gw = dex_gateway::create(o, std::move(signer), error);
    ASSERT_TRUE(gw) << error;
    gw->start();
    std::vector<exec_report> seen;
    ASSERT_TRUE(wait_report(*gw, seen,
                            [](const exec_report& x) { return x.kind == exec_kind::connected; }));
    order_request req;
    req.id = client_order_id{51};
    req.spec = &spec;
    req.order_side = side::ask;
    req.quantity = qty(10);
    req.limit = price(100);
    ASSERT_EQ(gw->send(req), gateway_status::ok);
    ASSERT_TRUE(wait_for([&] { return gw->stats().replacements.load() == 2; }))
        << describe(*gw, seen);
    gw->stop();
    // The original, then a replacement once the gateway has seen 3 more heads, then another
    // after 3 more. The node counts heads when a transaction arrives, and one receipt poll
    // already on its way when the gateway decides can add a head first: never fewer.
    const auto at = node.heads_at_sends();
    ASSERT_EQ(at.size(), 3U);
    EXPECT_GE(at[1] - at[0], 3U) << describe(*gw, seen);
    EXPECT_LE(at[1] - at[0], 4U);
    EXPECT_GE(at[2] - at[0], 6U);
    EXPECT_LE(at[2] - at[0], 8U);
    EXPECT_EQ(gw->stats().malformed.load(), 0U) << gw->last_error();
    EXPECT_EQ(gw->stats().send_errors.load(), 0U);
}

TEST(DexGatewaySetup, OptionsAreCheckedWithTheFieldNamed) {
    instrument_spec spec;
    spec.lot = {1, 20}; // finer than 18 decimals
    dex_gateway_options o;
    o.url = "ws://127.0.0.1:1";
    o.chain_id = 1;
    dex_route r;
    r.spec = &spec;
    r.base_token[0] = 1;
    o.routes.push_back(r);
    auto make = [](dex_gateway_options opt, bool with_key) {
        eth_signer s;
        if (with_key) {
            EXPECT_FALSE(s.load_hex(trader_key).has_value());
        }
        std::string error;
        auto gw = dex_gateway::create(std::move(opt), std::move(s), error);
        EXPECT_FALSE(gw);
        return error;
    };
    EXPECT_NE(make(o, true).find("dex.routes[0].lot"), std::string::npos);
    auto o2 = o;
    o2.fee_bump_percent = 5;
    EXPECT_NE(make(o2, true).find("dex.fee_bump_percent"), std::string::npos);
    o2 = o;
    o2.url = "http://x";
    EXPECT_NE(make(o2, true).find("dex.url"), std::string::npos);
    o2 = o;
    o2.chain_id = 0;
    EXPECT_NE(make(o2, true).find("dex.chain_id"), std::string::npos);
    spec.lot = {1, 4};
    EXPECT_NE(make(o, false).find("no key"), std::string::npos);
}

} // namespace
