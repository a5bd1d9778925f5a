// End-to-end: `ballast greeks` and `ballast risk` as a user runs them.
#include "cli_runner.hpp"
#include "risk/black76.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <array>
#include <cstdio>
#include <string>
#include <sys/wait.h>

namespace {

using run_result = ballast::test::cli_run;

run_result run(const std::string& args) {
    return ballast::test::run_ballast(args);
}

std::string data(const char* rel) {
    return std::string(BALLAST_TEST_DATA_DIR) + "/" + rel;
}

TEST(risk_cli, greeks_prints_black76_json) {
    const auto r = run("greeks --model black76 --forward 32366.75 --strike 34000 --vol 0.7657 "
                       "--years 0.17 --put");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << r.out;
    const auto expected = ballast::risk::black76_unchecked({.forward = 32366.75,
                                                            .strike = 34000,
                                                            .vol = 0.7657,
                                                            .years = 0.17,
                                                            .rate = 0.0,
                                                            .right = ballast::option_right::put});
    double price = 0, delta = 0, gamma = 0, vega = 0, theta = 0;
    ASSERT_EQ(doc["price"].get(price), simdjson::SUCCESS);
    ASSERT_EQ(doc["delta"].get(delta), simdjson::SUCCESS);
    ASSERT_EQ(doc["gamma"].get(gamma), simdjson::SUCCESS);
    ASSERT_EQ(doc["vega"].get(vega), simdjson::SUCCESS);
    ASSERT_EQ(doc["theta"].get(theta), simdjson::SUCCESS);
    EXPECT_NEAR(price, expected.price, 1e-8 * expected.price);
    EXPECT_NEAR(delta, expected.delta, 1e-11);
    EXPECT_NEAR(gamma, expected.gamma, 1e-15);
    EXPECT_NEAR(vega, expected.vega, 1e-9);
    EXPECT_NEAR(theta, expected.theta, 1e-9);

    const auto coin = run("greeks --model black76 --forward 32366.75 --strike 34000 --vol 0.7657 "
                          "--years 0.17 --put --coin-settled");
    ASSERT_EQ(coin.exit_code, 0) << coin.out;
    ASSERT_EQ(parser.parse(coin.out).get(doc), simdjson::SUCCESS) << coin.out;
    ASSERT_EQ(doc["price"].get(price), simdjson::SUCCESS);
    EXPECT_NEAR(price, expected.price / 32366.75, 1e-10);
}

TEST(risk_cli, greeks_bad_input_is_one_line_naming_the_option) {
    const std::string see = " (see ballast greeks --help)\n";
    const struct {
        const char* args;
        std::string message;
    } cases[] = {
        {"greeks --model black76 --forward 100 --strike 100 --vol 0 --years 1 --call",
         "greeks: --vol: 0 is outside [0.001, 10]" + see},
        {"greeks --model black76 --forward 100 --strike 100 --vol -0.2 --years 1 --call",
         "greeks: --vol: -0.2 is outside [0.001, 10]" + see},
        {"greeks --model black76 --forward -5 --strike 100 --vol 0.2 --years 1 --call",
         "greeks: --forward: -5 is outside [1e-06, 1000000000]" + see},
        {"greeks --model black76 --forward 100 --strike 100 --vol 0.2 --years 0 --put",
         "greeks: --years: 0 is outside [1e-06, 30]" + see},
        {"greeks --model heston --forward 100", "greeks: --model: heston not in {black76}" + see},
        {"greeks --model black76 --forward 100 --strike 100 --vol 0.2 --years 1",
         "greeks: --call or --put: missing (see ballast greeks --help)\n"},
        {"greeks --model black76 --forward 1e --strike 100",
         "greeks: --forward: '1e' is not a decimal number (expected one in [1e-06, "
         "1000000000])" +
             see},
    };
    for (const auto& c : cases) {
        const auto r = run(c.args);
        EXPECT_EQ(r.exit_code, 2) << c.args;
        EXPECT_EQ(r.out, c.message) << c.args;
    }
}

TEST(risk_cli, risk_reports_the_example_portfolio_with_stress) {
    const auto r = run("risk --portfolio " + data("risk/portfolio.toml") + " --stress");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << r.out.substr(0, 200);
    simdjson::dom::array positions, underlyings, targets, plan, grid;
    ASSERT_EQ(doc["positions"].get(positions), simdjson::SUCCESS);
    EXPECT_EQ(positions.size(), 9u);
    ASSERT_EQ(doc["underlyings"].get(underlyings), simdjson::SUCCESS);
    EXPECT_EQ(underlyings.size(), 3u);
    ASSERT_EQ(doc["targets"].get(targets), simdjson::SUCCESS);
    EXPECT_EQ(targets.size(), 3u);
    ASSERT_EQ(doc["rebalance"]["plan"].get(plan), simdjson::SUCCESS);
    EXPECT_EQ(plan.size(), 3u);
    ASSERT_EQ(doc["stress"]["total_pnl_usd"].get(grid), simdjson::SUCCESS);
    EXPECT_EQ(grid.size(), 9u); // -30% .. +30%
    // The centre cell (no shift) is exactly zero P&L.
    double centre = 1.0;
    ASSERT_EQ(doc["stress"]["total_pnl_usd"].at(4).at(2).get(centre), simdjson::SUCCESS);
    EXPECT_EQ(centre, 0.0);
    // The same portfolio in JSON gives the same NAV.
    const auto j = run("risk --portfolio " + data("risk/portfolio.json"));
    ASSERT_EQ(j.exit_code, 0) << j.out;
    simdjson::dom::parser parser2;
    simdjson::dom::element doc2;
    ASSERT_EQ(parser2.parse(j.out).get(doc2), simdjson::SUCCESS);
    double nav1 = 0, nav2 = 0;
    ASSERT_EQ(doc["nav_usd"].get(nav1), simdjson::SUCCESS);
    ASSERT_EQ(doc2["nav_usd"].get(nav2), simdjson::SUCCESS);
    EXPECT_EQ(nav1, nav2);
}

TEST(risk_cli, risk_bad_input_names_the_field_and_fails) {
    auto r = run("risk");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_EQ(r.out, "risk: --portfolio is required (see ballast risk --help)\n");
    r = run("risk --portfolio /nonexistent.toml");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_EQ(r.out, "risk: /nonexistent.toml: No such file or directory\n");
    r = run("risk --portfolio " + data("risk/portfolio.toml") + " --marks " +
            data("risk/bad_marks.toml"));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.out.find("risk: marks_file.underlyings.BTC: 0 is outside [1e-12, 1e+12]\n"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("risk: marks_file.instruments[0].vol: -0.5 is outside [0.0001, 10]\n"),
              std::string::npos)
        << r.out;
    r = run("risk --portfolio " + data("risk/portfolio.toml") + " --frobnicate");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_EQ(r.out, "risk: The following argument was not expected: --frobnicate (see ballast "
                     "risk --help)\n");
}

} // namespace
