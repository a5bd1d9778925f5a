// End-to-end: `ballast run` as a user runs it (the bundled default scenario).
#include "cli_runner.hpp"
#include "scenario_copy.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using cli_result = ballast::test::cli_run;

cli_result run_cli(const std::string& args, bool with_stderr) {
    return ballast::test::run_ballast(args, with_stderr);
}

TEST(run_cli, default_scenario_prints_the_report_and_writes_json) {
    const auto json_path =
        (std::filesystem::temp_directory_path() / "ballast_run_cli_test.json").string();
    const auto r = run_cli("run --quiet --report " + json_path, false);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    for (const char* part : {"weights", "trades", "costs per parent", "naive", "synthetic leg",
                             "latency per hop", "p99.9", "peak RSS"}) {
        EXPECT_NE(r.out.find(part), std::string::npos) << part;
    }
    simdjson::padded_string text;
    ASSERT_EQ(simdjson::padded_string::load(json_path).get(text), simdjson::SUCCESS);
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(text).get(doc), simdjson::SUCCESS);
    simdjson::dom::array unders;
    ASSERT_EQ(doc["underlyings"].get(unders), simdjson::SUCCESS);
    int with_target = 0;
    for (auto u : unders) {
        bool has_target = false;
        bool inside = false;
        ASSERT_EQ(u["has_target"].get(has_target), simdjson::SUCCESS);
        ASSERT_EQ(u["inside_band"].get(inside), simdjson::SUCCESS);
        with_target += has_target ? 1 : 0;
        EXPECT_TRUE(inside);
    }
    EXPECT_EQ(with_target, 3);
    std::int64_t rss = 0;
    ASSERT_EQ(doc["peak_rss_kb"].get(rss), simdjson::SUCCESS);
    EXPECT_GT(rss, 0);
    // Nothing lost on the way: no level a full book side refused, no fill the OMS refused.
    std::uint64_t dropped = 1;
    std::uint64_t refused = 1;
    ASSERT_EQ(doc["levels_dropped"].get(dropped), simdjson::SUCCESS);
    ASSERT_EQ(doc["refused_fills"].get(refused), simdjson::SUCCESS);
    EXPECT_EQ(dropped, 0u);
    EXPECT_EQ(refused, 0u);
    std::filesystem::remove(json_path);
}

// `run --live` without a config: the bundled scenario against loopback venues serving its
// recordings (twice the recorded pace), Bybit through its signed gateway, Coinbase on paper.
TEST(run_cli, live_without_config_trades_on_loopback_venues) {
    const auto json_path = (std::filesystem::temp_directory_path() /
                            ("ballast_run_cli_loopback_" + std::to_string(::getpid()) + ".json"))
                               .string();
    const auto r =
        ballast::test::run_ballast("run --live --pace 2 --quiet --report " + json_path, true, 120);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    for (const char* part :
         {"loopback bybit_spot: bybit at ws://127.0.0.1:",
          "loopback bybit_linear: bybit at ws://127.0.0.1:",
          "loopback coinbase: paper at ws://127.0.0.1:", "live: 0 orders recovered"}) {
        EXPECT_NE(r.out.find(part), std::string::npos) << part << "\n" << r.out;
    }
    simdjson::padded_string text;
    ASSERT_EQ(simdjson::padded_string::load(json_path).get(text), simdjson::SUCCESS);
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(text).get(doc), simdjson::SUCCESS);
    bool live = false;
    ASSERT_EQ(doc["live"].get(live), simdjson::SUCCESS);
    EXPECT_TRUE(live);
    simdjson::dom::array unders;
    ASSERT_EQ(doc["underlyings"].get(unders), simdjson::SUCCESS);
    for (auto u : unders) {
        bool inside = false;
        ASSERT_EQ(u["inside_band"].get(inside), simdjson::SUCCESS);
        EXPECT_TRUE(inside) << r.out;
    }
    // Orders reached the signed Bybit gateway and were filled there: fills on a Bybit venue.
    simdjson::dom::array trades;
    ASSERT_EQ(doc["trades"].get(trades), simdjson::SUCCESS);
    std::uint64_t bybit_fills = 0;
    for (auto t : trades) {
        std::string_view where;
        std::uint64_t fills = 0;
        ASSERT_EQ(t["venue"].get(where), simdjson::SUCCESS);
        ASSERT_EQ(t["fills"].get(fills), simdjson::SUCCESS);
        if (where.rfind("bybit", 0) == 0) {
            bybit_fills += fills;
        }
    }
    EXPECT_GT(bybit_fills, 0u) << r.out;
    // Two gateways share the loopback Bybit account (spot and linear): each books only its own
    // category's reports, none is refused or undecodable, and trading never halted.
    std::string_view halted;
    std::uint64_t refused = 1;
    std::uint64_t malformed = 1;
    ASSERT_EQ(doc["orders_halted"].get(halted), simdjson::SUCCESS);
    ASSERT_EQ(doc["refused_fills"].get(refused), simdjson::SUCCESS);
    ASSERT_EQ(doc["gateway_malformed"].get(malformed), simdjson::SUCCESS);
    EXPECT_EQ(halted, "") << r.out;
    EXPECT_EQ(refused, 0u) << r.out;
    EXPECT_EQ(malformed, 0u) << r.out;
    std::filesystem::remove(json_path);
}

TEST(run_cli, live_engine_pinned_to_a_core_the_machine_lacks_stops_before_trading) {
    // The bundled scenario with a [live] section whose engine core does not exist here.
    const std::string data = std::string(BALLAST_TEST_DATA_DIR) + "/";
    const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                      ("ballast_run_cli_pin_" + std::to_string(::getpid()));
    ballast::test::copy_bundled_scenario(
        dir, "[live]\nengine_cpu = 1023\nidle = \"spin\"\n[[live.feeds]]\nvenue = \"coinbase\"\n"
             "symbols = [\"BTC-USD\"]\nws = \"ws://127.0.0.1:9\"\ninstruments = [\"" +
                 data + "coinbase/COINBASE_instruments_subset.json\"]\n");
    const auto r = run_cli("run --live --quiet --config " + (dir / "scenario.toml").string(), true);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("live.engine_cpu: core 1023 is not one this process may run on"),
              std::string::npos)
        << r.out;
    std::filesystem::remove_all(dir);
}

TEST(run_cli, pace_needs_live_without_config) {
    const auto r = run_cli("run --quiet --pace 2", true);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.out.find("--pace: only with --live and no --config"), std::string::npos) << r.out;
}

TEST(run_cli, bad_config_stops_with_one_line) {
    const auto path =
        (std::filesystem::temp_directory_path() / "ballast_run_cli_bad.toml").string();
    std::ofstream(path) << "name = \"x\"\nportfolio = \"nope.toml\"\n";
    const auto r = run_cli("run --quiet --config " + path, true);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.out.find("portfolio: no such file"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << r.out; // exactly one line
    std::filesystem::remove(path);
}

} // namespace
