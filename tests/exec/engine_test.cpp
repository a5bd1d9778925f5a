#include "exec/engine.hpp"
#include "exec/journal.hpp"
#include "exec/report.hpp"
#include "exec/scenario.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

namespace ballast::exec {
namespace {

namespace fs = std::filesystem;

const std::string data_dir = BALLAST_TEST_DATA_DIR;
const std::string scenario_dir =
    fs::path(data_dir + "/../../scenario/default").lexically_normal().string();

std::string slurp(const std::string& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// The default scenario rewritten with absolute paths into its own folder under /tmp, plus
/// `extra` TOML appended and optional textual replacements.
std::string write_variant(const std::string& name, const std::string& extra,
                          const std::vector<std::pair<std::string, std::string>>& repl = {}) {
    const fs::path dir = fs::temp_directory_path() / ("ballast_exec_test_" + name);
    fs::create_directories(dir);
    std::string s = slurp(scenario_dir + "/scenario.toml");
    s = std::regex_replace(s, std::regex("\"\\.\\./\\.\\./tests/data/"), "\"" + data_dir + "/");
    s = std::regex_replace(s, std::regex("\"portfolio\\.toml\""),
                           "\"" + scenario_dir + "/portfolio.toml\"");
    s = std::regex_replace(s, std::regex("\"uniswap_v3_usdc_weth_500\\.json\""),
                           "\"" + scenario_dir + "/uniswap_v3_usdc_weth_500.json\"");
    s = std::regex_replace(s, std::regex("name = \"default\""), "name = \"test-" + name + "\"");
    for (const auto& [from, to] : repl) {
        const auto at = s.find(from);
        EXPECT_NE(at, std::string::npos) << from;
        if (at != std::string::npos) {
            s.replace(at, from.size(), to);
        }
    }
    s += "\n" + extra + "\n";
    const auto path = (dir / "scenario.toml").string();
    std::ofstream(path) << s;
    return path;
}

run_result run_scenario(const std::string& path) {
    const auto sc = load_scenario(path);
    EXPECT_TRUE(sc.value.has_value()) << sc.error;
    if (!sc.value) {
        return {};
    }
    auto e = engine::create(*sc.value);
    EXPECT_TRUE(e.value != nullptr) << e.error;
    if (!e.value) {
        return {};
    }
    return e.value->run();
}

std::string load_error(const std::string& path) {
    const auto sc = load_scenario(path);
    if (!sc.value) {
        return sc.error;
    }
    auto e = engine::create(*sc.value);
    return e.value ? std::string() : e.error;
}

class DefaultScenario : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        // Its own copy (own journal file) so a concurrent `ballast run` never shares it.
        first_ = new run_result(run_scenario(write_variant("e2e", "")));
    }
    static void TearDownTestSuite() { delete first_; }
    static run_result* first_;
};
run_result* DefaultScenario::first_ = nullptr;

TEST_F(DefaultScenario, RebalancesIntoEveryBand) {
    const run_result& r = *first_;
    ASSERT_FALSE(r.underlyings.empty());
    int targets = 0;
    int were_outside = 0;
    for (const auto& u : r.underlyings) {
        if (!u.has_target) {
            continue;
        }
        ++targets;
        were_outside += std::abs(u.weight_before - u.target_weight) > u.band ? 1 : 0;
        EXPECT_TRUE(u.inside_band_after())
            << u.name << " " << u.weight_after << " vs " << u.target_weight << " +- " << u.band;
    }
    EXPECT_EQ(targets, 3);
    EXPECT_GE(were_outside, 2); // the book started far from its targets
    EXPECT_GT(r.events, 10000u);
    EXPECT_GT(r.frames, 1000u);
    EXPECT_EQ(r.feed_rejects, 0u);
}

TEST_F(DefaultScenario, EveryOrderEndsInAFinalStateAndFillsAddUpToPositions) {
    const run_result& r = *first_;
    ASSERT_FALSE(r.orders.empty());
    for (const auto& o : r.orders) {
        EXPECT_TRUE(is_final(o.state)) << o.id.value << " " << to_string(o.state);
        EXPECT_LE(o.filled, o.quantity);
        if (o.state == order_state::filled) {
            EXPECT_EQ(o.filled, o.quantity);
        }
    }
    EXPECT_EQ(r.illegal_transitions, 0u);
    ASSERT_FALSE(r.positions.empty());
    for (const auto& p : r.positions) {
        EXPECT_NEAR(p.fills_contracts, p.position_change, 1e-9) << p.instrument;
    }
    EXPECT_NEAR(r.cash_change, r.cash_from_fills, 1e-6);
    // The trade table counts every order and fill once.
    std::uint32_t orders = 0;
    for (const auto& t : r.trades) {
        orders += t.orders;
    }
    EXPECT_EQ(orders, r.orders.size());
    // Journal: one submit, one ack or reject, one line per fill, one cancel per remainder.
    oms back;
    const auto rec = recover_journal(r.journal_path, back);
    ASSERT_TRUE(rec.ok()) << rec.error;
    EXPECT_EQ(rec.records, r.journal_records);
    EXPECT_EQ(rec.open_orders, 0u);
    ASSERT_EQ(back.orders().size(), r.orders.size());
    for (std::size_t i = 0; i < r.orders.size(); ++i) {
        EXPECT_EQ(back.orders()[i].filled, r.orders[i].filled);
        EXPECT_EQ(back.orders()[i].state, r.orders[i].state);
    }
}

TEST_F(DefaultScenario, OrdersArriveAfterTheVenueLatency) {
    for (const auto& o : first_->orders) {
        const std::int64_t d = o.arrives.ns - o.created.ns;
        EXPECT_TRUE(d == 5'000'000 || d == 20'000'000 || d == 12'000'000'000) << d;
    }
}

TEST_F(DefaultScenario, UsesThePerpForTheSyntheticLegAndBeatsTheNaivePlan) {
    bool synthetic = false;
    double cost = 0.0;
    double naive = 0.0;
    for (const auto& p : first_->parents) {
        synthetic = synthetic || p.synthetic;
        cost += p.cost_quote;
        naive += p.naive_filled_base > 0 ? p.naive_cost_quote * p.filled_base / p.naive_filled_base
                                         : 0.0;
        EXPECT_GT(p.filled_base, 0.0);
    }
    EXPECT_TRUE(synthetic);
    EXPECT_LT(cost, naive);
    const auto text = format_report(*first_, peak_rss_kb());
    EXPECT_NE(text.find("synthetic leg"), std::string::npos);
    EXPECT_NE(text.find("p99.9"), std::string::npos);
    const auto json = report_json(*first_, peak_rss_kb());
    EXPECT_NE(json.find("\"latency_ns\""), std::string::npos);
    for (const auto& h : first_->latency) {
        EXPECT_GT(h.count, 0u) << h.hop;
        EXPECT_LE(h.p50_ns, h.p99_ns);
        EXPECT_LE(h.p99_ns, h.max_ns);
    }
}

TEST_F(DefaultScenario, SameTradesAndCostsOnEveryRun) {
    const run_result second = run_scenario(write_variant("e2e", ""));
    const run_result& a = *first_;
    ASSERT_EQ(a.orders.size(), second.orders.size());
    for (std::size_t i = 0; i < a.orders.size(); ++i) {
        const auto& x = a.orders[i];
        const auto& y = second.orders[i];
        EXPECT_EQ(x.venue, y.venue);
        EXPECT_EQ(x.instrument, y.instrument);
        EXPECT_EQ(x.order_side, y.order_side);
        EXPECT_EQ(x.quantity, y.quantity);
        EXPECT_EQ(x.filled, y.filled);
        EXPECT_EQ(x.created, y.created);
        EXPECT_EQ(x.notional_quote, y.notional_quote); // bit for bit
        EXPECT_EQ(x.fees_quote, y.fees_quote);
    }
    ASSERT_EQ(a.parents.size(), second.parents.size());
    for (std::size_t i = 0; i < a.parents.size(); ++i) {
        EXPECT_EQ(a.parents[i].cost_quote, second.parents[i].cost_quote);
        EXPECT_EQ(a.parents[i].naive_cost_quote, second.parents[i].naive_cost_quote);
    }
    EXPECT_EQ(a.events, second.events);
    EXPECT_EQ(a.nav_after, second.nav_after);
}

TEST(EngineKillSwitch, HaltsTradingMidRun) {
    // Slices go out at +3, +5, +7, +9 s; the switch halts at +6 s.
    const auto path = write_variant("kill", "[[kill_switch]]\nat_s = 6.0\nstate = \"halted\"\n");
    const run_result r = run_scenario(path);
    ASSERT_EQ(r.kill_switch_changes.size(), 1u);
    const std::int64_t halt = r.kill_switch_changes[0].first.ns;
    EXPECT_EQ(halt, r.market_start.ns + 6'000'000'000);
    std::size_t before = 0;
    for (const auto& o : r.orders) {
        EXPECT_LT(o.created.ns, halt) << "order " << o.id.value << " created after the halt";
        EXPECT_TRUE(is_final(o.state));
        ++before;
    }
    EXPECT_GT(before, 0u); // it traded until the halt
    std::uint64_t halted = 0;
    for (const auto& [why, n] : r.gate_rejects) {
        halted += why == "halted" ? n : 0;
    }
    EXPECT_GT(halted, 0u);
    bool short_of_target = false;
    for (const auto& u : r.underlyings) {
        short_of_target = short_of_target || !u.inside_band_after();
    }
    EXPECT_TRUE(short_of_target); // halted before the rebalance was done
}

TEST(EngineStaleVenue, ExcludedFromRoutingUntilItResynchronises) {
    // Bybit spot goes silent from +4 s to +8 s of market time: its frames of that window are
    // delivered in one burst at +8 s (the connection stalls, then catches up).
    const std::string src = data_dir + "/bybit/BYBIT.jsonl";
    std::ifstream in(src);
    std::string line;
    std::vector<std::string> lines;
    double first = 0.0;
    while (std::getline(in, line)) {
        lines.push_back(line);
    }
    const std::regex ts_re("\"ts\":([0-9.]+)");
    for (const auto& l : lines) {
        std::smatch m;
        if (std::regex_search(l, m, ts_re)) {
            first = std::stod(m[1]);
            break;
        }
    }
    const fs::path dir = fs::temp_directory_path() / "ballast_exec_test_stale_data";
    fs::create_directories(dir);
    const double from = first + 4.0;
    const double to = first + 8.0;
    {
        std::ofstream out(dir / "BYBIT.jsonl");
        char buf[64];
        for (auto l : lines) {
            std::smatch m;
            if (l.find("\"conn\":\"BYBIT.ws.3\"") != std::string::npos &&
                std::regex_search(l, m, ts_re)) {
                const double t = std::stod(m[1]);
                if (t > from && t < to) {
                    std::snprintf(buf, sizeof buf, "\"ts\":%.6f", to);
                    l.replace(static_cast<std::size_t>(m.position(0)),
                              static_cast<std::size_t>(m.length(0)), buf);
                }
            }
            out << l << "\n";
        }
    }
    fs::copy_file(data_dir + "/bybit/BYBIT_instruments_subset.json",
                  dir / "BYBIT_instruments_subset.json", fs::copy_options::overwrite_existing);
    const auto path = write_variant(
        "stale", "",
        {{"\"" + data_dir + "/bybit/BYBIT.jsonl\"", "\"" + (dir / "BYBIT.jsonl").string() + "\""},
         {"max_book_age_s = 5.0", "max_book_age_s = 1.0"}});
    const run_result r = run_scenario(path);
    const std::int64_t start = r.market_start.ns;
    const std::int64_t excluded_from = start + 5'000'000'000; // silent for more than 1 s
    const std::int64_t back = start + 8'000'000'000;
    std::size_t during = 0;
    std::size_t elsewhere_during = 0;
    std::size_t after = 0;
    for (const auto& o : r.orders) {
        // Portfolio instruments 0 and 3 are Bybit spot BTCUSDT and ETHUSDT (portfolio.toml).
        const bool spot_bybit = o.instrument.value == 0 || o.instrument.value == 3;
        if (o.created.ns >= excluded_from && o.created.ns < back) {
            (spot_bybit ? during : elsewhere_during) += 1;
        }
        if (o.created.ns >= back && spot_bybit) {
            ++after;
        }
    }
    EXPECT_EQ(during, 0u) << "routed to a silent book";
    EXPECT_GT(elsewhere_during, 0u) << "the other venues kept trading";
    EXPECT_GT(after, 0u) << "routed again once the book caught up";
    bool reported = false;
    for (const auto& [v, n] : r.stale_exclusions) {
        reported = reported || (v == "bybit_spot:BTCUSDT" && n > 0);
    }
    EXPECT_TRUE(reported);
}

TEST(EngineConfig, MalformedScenarioStopsWithOneLineNamingTheField) {
    const auto slices = write_variant("bad_slices", "", {{"slices = 4 ", "slices = 0 "}});
    auto e = load_error(slices);
    EXPECT_NE(e.find("engine.slices"), std::string::npos) << e;
    EXPECT_EQ(e.find('\n'), std::string::npos);

    const auto fee =
        write_variant("bad_fee", "", {{"taker_fee_bps = 60", "taker_fee_bps = \"x\""}});
    e = load_error(fee);
    EXPECT_NE(e.find("venues[2].taker_fee_bps"), std::string::npos) << e;

    const auto unknown =
        write_variant("bad_key", "[[pools]]\nstate = \"" + scenario_dir +
                                     "/uniswap_v3_usdc_weth_500.json\"\nvenue = "
                                     "\"uniswap_v3\"\nsymbol = \"X\"\nbase_token "
                                     "= \"WETH\"\nquote_token = \"USDC\"\nfee = 1\n");
    e = load_error(unknown);
    EXPECT_NE(e.find("pools[1].fee: unknown field"), std::string::npos) << e;

    const auto missing_venue =
        write_variant("no_venue", "", {{"name = \"coinbase\"", "name = \"kraken\""}});
    e = load_error(missing_venue);
    EXPECT_NE(e.find("no [[venues]] entry for \"coinbase\""), std::string::npos) << e;

    const auto bad_rec = write_variant(
        "bad_rec", "", {{"/coinbase/COINBASE_ADVANCED.jsonl", "/coinbase/NOPE.jsonl"}});
    e = load_error(bad_rec);
    EXPECT_NE(e.find("feeds[1].recording: no such file"), std::string::npos) << e;

    const auto pool_sym =
        write_variant("bad_pool", "", {{"symbol = \"WETH-USDC\"", "symbol = \"WBTC-USDC\""}});
    e = load_error(pool_sym);
    EXPECT_NE(e.find("pools[0]: no portfolio instrument uniswap_v3:WBTC-USDC"), std::string::npos)
        << e;

    // [live]: threads and the idle strategy.
    e = load_error(write_variant("bad_idle", "[live]\nidle = \"nap\"\n"));
    EXPECT_NE(e.find("live.idle: must be spin, yield or backoff (got \"nap\")"), std::string::npos)
        << e;
    e = load_error(write_variant("bad_cpu", "[live]\nengine_cpu = -1\n"));
    EXPECT_NE(e.find("live.engine_cpu: must be a core number"), std::string::npos) << e;
    e = load_error(write_variant("bad_feed_cpu", "[live]\n[[live.feeds]]\nvenue = \"bybit_spot\"\n"
                                                 "symbols = [\"BTCUSDT\"]\ncpu = 1.5\n"));
    EXPECT_NE(e.find("live.feeds[0].cpu: must be a core number"), std::string::npos) << e;
    const std::string gateway = "[live]\n[[live.gateways]]\nvenue = \"bybit_spot\"\n"
                                "protocol = \"bybit\"\n";
    e = load_error(write_variant("bad_gw_idle", gateway + "idle = \"yield\"\n"));
    EXPECT_NE(e.find("live.gateways[0].idle: must be block or spin (got \"yield\")"),
              std::string::npos)
        << e;
    e = load_error(write_variant("bad_gw_cpu", gateway + "cpu = 4096\n"));
    EXPECT_NE(e.find("live.gateways[0].cpu: must be a core number"), std::string::npos) << e;
    // [live.node]: where the pools are followed from.
    e = load_error(write_variant("bad_node", "[live]\n[live.node]\nws = \"http://node:8545\"\n"));
    EXPECT_NE(e.find("live.node.ws: must be a ws:// or wss:// URL (got \"http://node:8545\")"),
              std::string::npos)
        << e;
    e = load_error(write_variant("node_key", "[live]\n[live.node]\nws = \"ws://n\"\nurl = 1\n"));
    EXPECT_NE(e.find("live.node.url: unknown field"), std::string::npos) << e;
    e = load_error(write_variant("node_table", "[live]\nnode = \"ws://n\"\n"));
    EXPECT_NE(e.find("live.node: must be a table"), std::string::npos) << e;
    e = load_error(write_variant("node_cpu", "[live]\n[live.node]\nws = \"ws://n\"\ncpu = -2\n"));
    EXPECT_NE(e.find("live.node.cpu: must be a core number"), std::string::npos) << e;

    // A scenario that contradicts itself: one line naming the field (scenario_checks.cpp,
    // engine_setup.cpp).
    const std::string bybit = "recording = \"" + data_dir + "/bybit/BYBIT.jsonl\"";
    e = load_error(write_variant("feed_twice", "[[feeds]]\n" + bybit + "\n"));
    EXPECT_NE(e.find("feeds[2].recording: the same file as feeds[0].recording"), std::string::npos)
        << e;
    e = load_error(write_variant("symbol_twice", "",
                                 {{"symbols = [\"BTC-USD\", \"ETH-USD\"]",
                                   "symbols = [\"BTC-USD\", \"ETH-USD\", \"BTC-USD\"]"}}));
    EXPECT_NE(e.find("feeds[1].symbols[2]: \"BTC-USD\" given twice"), std::string::npos) << e;
    e = load_error(write_variant(
        "symbol_absent", "",
        {{"symbols = [\"BTC-USD\", \"ETH-USD\"]", "symbols = [\"BTC-USD\", \"DOGE-USD\"]"}}));
    EXPECT_NE(e.find("feeds[1].symbols[1]: \"DOGE-USD\" is not in the instrument lists"),
              std::string::npos)
        << e;
    e = load_error(write_variant("pool_swapped", "",
                                 {{"base_token = \"WETH\"", "base_token = \"USDC\""},
                                  {"quote_token = \"USDC\"", "quote_token = \"WETH\""}}));
    EXPECT_NE(e.find("pools[0].quote_token: \"WETH\" is not one of the quote currencies"),
              std::string::npos)
        << e;
    e = load_error(write_variant("pool_twice", "[[pools]]\nstate = \"" + scenario_dir +
                                                   "/uniswap_v3_usdc_weth_500.json\"\nvenue = "
                                                   "\"uniswap_v3\"\nsymbol = \"X\"\nbase_token "
                                                   "= \"WETH\"\nquote_token = \"USDC\"\n"));
    EXPECT_NE(e.find("pools[1].state: the same file as pools[0].state"), std::string::npos) << e;
    e = load_error(write_variant(
        "journal_input", "",
        {{"[engine]", "journal = \"" + data_dir + "/bybit/BYBIT.jsonl\"\n[engine]"}}));
    EXPECT_NE(e.find("journal: the same file as feeds[0].recording"), std::string::npos) << e;
    e = load_error(write_variant("warmup_long", "", {{"warmup_s = 3.0", "warmup_s = 3600"}}));
    EXPECT_NE(e.find("engine.warmup_s: 3600 s is not shorter than the recordings"),
              std::string::npos)
        << e;
    e = load_error(write_variant("no_overlap", "",
                                 {{"symbols = [\"BTC-USD\", \"ETH-USD\"]\nalign_start = true",
                                   "symbols = [\"BTC-USD\", \"ETH-USD\"]\nalign_start = false"}}));
    EXPECT_NE(e.find("feeds[1].recording: ends"), std::string::npos) << e;

    std::ofstream(fs::temp_directory_path() / "ballast_exec_test_syntax.toml") << "name = \n";
    e = load_error((fs::temp_directory_path() / "ballast_exec_test_syntax.toml").string());
    EXPECT_NE(e.find("ballast_exec_test_syntax.toml:1"), std::string::npos) << e;
}

} // namespace
} // namespace ballast::exec
