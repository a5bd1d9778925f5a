// `ballast route` and `ballast schedule` end to end: the binary on the example markets.
#include "cli_runner.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace {

using run_result = ballast::test::cli_run;

/// Runs the CLI with `args` (stderr merged into stdout).
run_result run_cli(const std::string& args) {
    return ballast::test::run_ballast(args);
}

const std::string market_dir = std::string(BALLAST_TEST_DATA_DIR) + "/router/";

double as_double(simdjson::dom::element e) {
    double d = 0;
    if (e.get_double().get(d) != simdjson::SUCCESS) {
        std::int64_t i = 0;
        d = e.get_int64().get(i) == simdjson::SUCCESS ? static_cast<double>(i) : NAN;
    }
    return d;
}

double decimal(simdjson::dom::element e) {
    std::string_view s;
    EXPECT_EQ(e.get_string().get(s), simdjson::SUCCESS);
    return std::strtod(std::string(s).c_str(), nullptr);
}

} // namespace

TEST(RouteCli, SplitsTheRecordedMarketAndBeatsTheBaselines) {
    for (const char* side : {"buy", "sell"}) {
        const auto r = run_cli("route --market " + market_dir + "eth_usdc.json --side " + side +
                               " --qty 2000");
        ASSERT_EQ(r.exit_code, 0) << r.out;
        simdjson::dom::parser parser;
        simdjson::dom::element doc;
        ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << r.out;
        double sum = 0.0;
        double cost = 0.0;
        simdjson::dom::array allocations;
        ASSERT_EQ(doc["allocations"].get_array().get(allocations), simdjson::SUCCESS);
        for (auto a : allocations) {
            sum += decimal(a["qty"].value());
            cost += as_double(a["cost"].value());
            std::string_view venue;
            ASSERT_EQ(a["venue"].get_string().get(venue), simdjson::SUCCESS);
            EXPECT_FALSE(venue.empty());
            (void)as_double(a["avg_price"].value());
            (void)as_double(a["fees"].value());
            (void)as_double(a["gas"].value());
        }
        EXPECT_NEAR(sum, decimal(doc["filled"].value()), 1e-8);
        EXPECT_NEAR(sum + decimal(doc["unfilled"].value()), 2000.0, 1e-8);
        const double total = as_double(doc["total_cost"].value());
        EXPECT_NEAR(cost, total, 1e-6 * total);
        const double bps = as_double(doc["cost_vs_mid_bps"].value());
        for (const char* b : {"best_single_venue", "equal_split", "increments_5pct"}) {
            const auto base = doc["baselines"][b];
            ASSERT_EQ(base.error(), simdjson::SUCCESS) << b;
            const double other = as_double(base["total_cost"].value());
            if (std::string(side) == "buy") {
                EXPECT_LE(total, other * (1 + 1e-12)) << b;
            } else {
                EXPECT_GE(total, other * (1 - 1e-12)) << b;
            }
            EXPECT_LE(bps, as_double(base["cost_vs_mid_bps"].value()) + 1e-9) << b;
            (void)as_double(base["avg_price"].value());
        }
    }
}

TEST(RouteCli, LimitAndUnfilledAreReported) {
    const auto r =
        run_cli("route --market " + market_dir + "btc_usd.json --side buy --qty 5 --limit 65090");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << r.out;
    EXPECT_GT(decimal(doc["unfilled"].value()), 0.0);
    simdjson::dom::array allocations;
    ASSERT_EQ(doc["allocations"].get_array().get(allocations), simdjson::SUCCESS);
    for (auto a : allocations) {
        EXPECT_LE(as_double(a["avg_price"].value()), 65090.0); // pre-fee execution price
    }
}

TEST(RouteCli, BadMarketFilesStopWithOneLineNamingTheField) {
    const std::string path = testing::TempDir() + "route_cli_bad_market.json";
    const auto write = [&](const std::string& text) { std::ofstream(path) << text; };
    write(R"({"instrument":"X","base":"X","quote":"Y","books":[{"venue":"a","maker_fee_bps":1,)"
          R"("lot":"1","tick":"1","bids":[],"asks":[["2","1"]]}]})");
    auto r = run_cli("route --market " + path + " --side buy --qty 1");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.out, "route: " + path + ": books[0].taker_fee_bps: missing\n");
    write(R"({"instrument":"X","base":"X","quote":"Y","books":[{"venue":"a","taker_fee_bps":1,)"
          R"("maker_fee_bps":1,"lot":"1","tick":"1","bids":[["3","1"]],"asks":[["2","1"]]}]})");
    r = run_cli("route --market " + path + " --side buy --qty 1");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.out,
              "route: " + path + ": books[0].bids: crossed book (best bid 3 >= best ask 2)\n");
    r = run_cli("route --market " + market_dir + "btc_usd.json --side hold --qty 1");
    EXPECT_EQ(r.out, "route: --side: expected buy or sell, got 'hold'\n");
}

TEST(ScheduleCli, PrintsSlicesThatSumToTheParent) {
    const auto r = run_cli("schedule --algo ac --qty 100 --horizon 1h --slices 6 --price 1921 "
                           "--risk-aversion 1e-5 --volatility 0.8 --eta 0.5 --gamma 0.001");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << r.out;
    double sum = 0.0;
    simdjson::dom::array slices;
    ASSERT_EQ(doc["slices"].get_array().get(slices), simdjson::SUCCESS);
    for (auto s : slices) {
        sum += decimal(s["qty"].value());
        EXPECT_DOUBLE_EQ(as_double(s["limit_price"].value()), 1921 * 1.005);
    }
    EXPECT_NEAR(sum, 100.0, 1e-9);
    const auto bad = run_cli("schedule --algo twap --qty 1 --horizon soon --price 1");
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_EQ(bad.out, "schedule: --horizon: expected a positive duration such as 90s, 30m or "
                       "2h (at most 9e18 ns), got 'soon'\n");
}
