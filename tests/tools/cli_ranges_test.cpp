// Issue 14, numbers and messages: every numeric option of schedule, route, quote, greeks, risk,
// latency and sim-venue has a stated range; text that is not a decimal (hex, inf, nan, empty),
// a count that would wrap or exhaust memory, a time past int64 nanoseconds, and a duplicate
// option all stop with exit 2 and one line naming the option. Output is valid JSON (control
// bytes escaped, no inf/nan, averages of nothing null); a failed write exits 1 with its cause.
#include "cli_runner.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <string>

namespace {

using ballast::test::cli_run;
using ballast::test::run_ballast;
using ballast::test::run_command;

const std::string data = std::string(BALLAST_TEST_DATA_DIR) + "/";
const std::string cli = BALLAST_CLI_PATH;

/// Exit 2, one line, starting with `prefix` and containing `has`.
void expect_bad_input(const std::string& args, const std::string& prefix,
                      const std::string& has = {}) {
    const cli_run r = run_ballast(args, true, 60);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.out;
    EXPECT_EQ(r.out.rfind(prefix, 0), 0U) << args << "\n" << r.out;
    EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << args << ": one line\n" << r.out;
    if (!has.empty()) {
        EXPECT_NE(r.out.find(has), std::string::npos) << args << "\n" << r.out;
    }
}

bool valid_json(const std::string& text) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    return parser.parse(text).get(doc) == simdjson::SUCCESS;
}

const std::string twap = "schedule --algo twap --qty 1 --horizon 1h ";

TEST(ScheduleRanges, CountsNeverWrapNorExhaustMemory) {
    for (const char* n :
         {"-1", "0", "18446744073709551616", "100000000000", "100001", "abc", "", "1.5", "0x10"}) {
        expect_bad_input(twap + "--price 100 --slices '" + n + "'",
                         "schedule: --slices: ", "[1, 100000]");
    }
    const cli_run ok = run_ballast(twap + "--price 100 --slices 64", false, 60);
    EXPECT_EQ(ok.exit_code, 0) << ok.out;
    EXPECT_TRUE(valid_json(ok.out)) << ok.out;
}

TEST(ScheduleRanges, PricesAndCollarsAreFiniteAndInRange) {
    for (const char* p :
         {"inf", "1e400", "nan", "-0", "0", "-1", "0x10", "", "1.79e308", "4.9e-324", "2e12"}) {
        expect_bad_input(twap + "--price '" + std::string(p) + "'",
                         "schedule: --price: ", "[1e-12, 1000000000000]");
    }
    for (const char* c : {"-1", "nan", "inf", "10000", "20000", "5000.5"}) {
        expect_bad_input(twap + "--price 100 --side sell --collar-bps " + std::string(c),
                         "schedule: --collar-bps: ", "[0, 5000]");
    }
    const cli_run r = run_ballast(twap + "--price 1e12 --collar-bps 5000 --slices 2", false, 60);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_TRUE(valid_json(r.out)) << r.out;
    EXPECT_NE(r.out.find("\"limit_price\":1.5e+12"), std::string::npos) << r.out;
}

TEST(ScheduleRanges, AlgoInputsNameTheirOptionAndValue) {
    const std::string ac = "schedule --qty 1 --horizon 1h --price 100 --slices 3 --algo ac ";
    expect_bad_input(ac + "--risk-aversion inf --volatility 0.5 --eta 0.01",
                     "schedule: --risk-aversion: ");
    expect_bad_input(ac + "--risk-aversion 1e300 --volatility 1e10 --eta 1",
                     "schedule: --risk-aversion: ");
    expect_bad_input(ac + "--risk-aversion 1e-6 --volatility 0.5 --eta 0.01 --epsilon inf",
                     "schedule: --epsilon: ");
    // tau = 1200 s, gamma tau / 2 = 0.6 > eta: the values and the options to change are shown.
    expect_bad_input(ac + "--risk-aversion 1e-6 --volatility 0.5 --eta 0.01 --gamma 0.001",
                     "schedule: --eta: 0.01 must exceed --gamma 0.001 x tau / 2 = 0.6",
                     "raise --eta or lower --gamma");
    const std::string pov = "schedule --qty 1 --horizon 1h --price 100 --slices 3 --algo pov ";
    expect_bad_input(pov + "--volume 1e308,1e308,1e308", "schedule: --volume: ", "1e308");
    expect_bad_input(pov + "--volume -1,2,3", "schedule: --volume: ", "-1");
    expect_bad_input(pov + "--volume 1,2", "schedule: --volume: ", "expected 3");
    expect_bad_input(pov + "--volume 1,2,3 --rate 2", "schedule: --rate: ");
    expect_bad_input(pov + "--volume 1,2,3 --rate nan", "schedule: --rate: ");
    const std::string vwap = "schedule --qty 1 --horizon 1h --price 100 --slices 3 --algo vwap ";
    expect_bad_input(vwap + "--profile nan,1,1", "schedule: --profile: ", "nan");
    expect_bad_input(vwap + "--profile 0,0,0", "schedule: --profile: ", "every weight is 0");
    expect_bad_input(twap + "--price 100 --lot 1e-30", "schedule: --lot: ", "finer than 1e-18");
    expect_bad_input(twap + "--price 100 --side hold", "schedule: --side: ", "'hold'");

    // The largest forecast against the finest lot: the whole parent in the first slice (no
    // int64 overflow), and the largest profile gives thirds (no overflowed sum).
    cli_run r = run_ballast(pov + "--lot 0.000000000000000001 --volume 1e15,1e15,1e15", false, 60);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("\"qty\":\"1\",\"limit_price\""), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"unfilled\":\"0\""), std::string::npos) << r.out;
    r = run_ballast("schedule --qty 3 --lot 1 --horizon 1h --price 100 --slices 3 --algo vwap "
                    "--profile 1e15,1e15,1e15",
                    false, 60);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(r.out.find("\"qty\":\"0\""), std::string::npos) << r.out;
}

TEST(ScheduleRanges, StartPlusHorizonStaysWithinInt64Nanoseconds) {
    for (const char* s : {"9223372036854775807", "9223372036000000000"}) {
        expect_bad_input(twap + "--price 100 --start-ns " + std::string(s),
                         "schedule: --start-ns: ", "--horizon 1h");
    }
    for (const char* s : {"9223372036854775808", "-1", "1e18", "0x10"}) {
        expect_bad_input(twap + "--price 100 --start-ns " + std::string(s),
                         "schedule: --start-ns: ");
    }
    const cli_run r =
        run_ballast(twap + "--price 100 --slices 2 --start-ns 9223368436854775807", false, 60);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("\"at_ns\":9223370236854775807"), std::string::npos) << r.out;
}

TEST(ScheduleRanges, StopsAtTheFirstFailedWriteAndSaysWhy) {
    const cli_run full =
        run_command(cli + " " + twap + "--price 100 --slices 100000 2>&1 >/dev/full", 60);
    EXPECT_EQ(full.exit_code, 1) << full.out;
    EXPECT_NE(full.out.find("No space left on device"), std::string::npos) << full.out;
    const std::string err = testing::TempDir() + "schedule_pipe.err";
    const cli_run pipe =
        run_command("(timeout 60 " + cli + " " + twap + "--price 100 --slices 100000 2>" + err +
                    "; echo rc=$? >>" + err + ") | head -c 0; cat " + err);
    EXPECT_NE(pipe.out.find("Broken pipe"), std::string::npos) << pipe.out;
    EXPECT_NE(pipe.out.find("rc=1"), std::string::npos) << pipe.out;
}

TEST(ScheduleRanges, HelpStatesEveryRange) {
    const cli_run r = run_ballast("schedule --help", false);
    EXPECT_EQ(r.exit_code, 0);
    for (const char* range :
         {"[1, 100000]", "[1e-12, 1000000000000]", "[0, 5000]", "[1e-06, 1]", "[0, 1000]",
          "[0, 1000000]", "[0, 1000000000]", "[0, 9223372036854775807]"}) {
        EXPECT_NE(r.out.find(range), std::string::npos) << range << "\n" << r.out;
    }
    EXPECT_EQ(r.out.rfind("Slice a parent order", 0), 0U) << r.out;
    EXPECT_NE(r.out.find("Usage: ballast schedule"), std::string::npos) << r.out;
}

const std::string btc = "route --market " + data + "router/btc_usd.json ";

TEST(RouteRanges, LimitIsADecimalPriceInRange) {
    for (const char* l : {"0x10", "inf", "nan", "", "0", "-5", "1e13", "1e400"}) {
        expect_bad_input(btc + "--side buy --qty 5 --limit '" + std::string(l) + "'",
                         "route: --limit: ", "[1e-12, 1000000000000]");
    }
}

TEST(RouteRanges, NothingFilledHasNullAveragesAndAWarning) {
    cli_run r = run_ballast(btc + "--side buy --qty 5 --limit 1", false, 60);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    ASSERT_TRUE(valid_json(r.out)) << r.out;
    EXPECT_NE(r.out.find("\"filled\":\"0\""), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"avg_price\":null,\"total_cost\":0,\"cost_vs_mid_bps\":null"),
              std::string::npos)
        << r.out;
    r = run_command(cli + " " + btc + "--side buy --qty 5 --limit 1 2>&1 >/dev/null", 60);
    EXPECT_EQ(r.out.rfind("route: warning: nothing can be filled", 0), 0U) << r.out;
}

/// A market file with `books` one-level books named by `venue(i)`.
std::string write_market(const std::string& name, int books, const std::string& venue) {
    const std::string path = testing::TempDir() + name;
    std::string text = R"({"instrument":"X","base":"X","quote":"Y","books":[)";
    for (int i = 0; i < books; ++i) {
        text += std::string(i ? "," : "") + R"({"venue":")" + venue + std::to_string(i) +
                R"(","taker_fee_bps":1,"maker_fee_bps":1,"lot":"1","tick":"1",)" +
                R"("bids":[["1","1"]],"asks":[["2","5"]]})";
    }
    std::ofstream(path) << text << "]}";
    return path;
}

TEST(RouteRanges, VenueNamesAreEscapedAndTooManySourcesIsCounted) {
    const std::string ctrl = write_market("route_ctrl.json", 1, R"(by\"bit\\\n\u0001)");
    cli_run r = run_ballast("route --market " + ctrl + " --side buy --qty 1", false, 60);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_TRUE(valid_json(r.out)) << r.out;
    EXPECT_NE(r.out.find(R"("venue":"by\"bit\\\n\u00010")"), std::string::npos) << r.out;
    const std::string many = write_market("route_many.json", 17, "v");
    expect_bad_input("route --market " + many + " --side buy --qty 1", "route: --market ",
                     "17 books and 0 pools; the router takes at most 16 books");
}

const std::string v3 = "quote --pool " + data + "dex/usdc_weth_500_v3.json ";

TEST(QuoteRanges, ZeroAmountsAreBadInputAndRevertsAreExplained) {
    expect_bad_input(v3 + "--exact-in 0 --zero-for-one", "quote: --exact-in: must be > 0");
    expect_bad_input(v3 + "--exact-out 0 --one-for-zero", "quote: --exact-out: must be > 0");
    expect_bad_input(v3 + "--exact-in -1 --zero-for-one", "quote: --exact-in: ");
    expect_bad_input(v3 + "--exact-in 0x10 --zero-for-one", "quote: --exact-in: ");
    expect_bad_input(v3 + "--exact-in 1000 --zero-for-one --sqrt-price-limit 0",
                     "quote: --sqrt-price-limit: 0 is not a price");
    const cli_run r =
        run_ballast(v3 + "--exact-in 1000 --zero-for-one --sqrt-price-limit 1", false, 60);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_TRUE(valid_json(r.out)) << r.out;
    EXPECT_NE(r.out.find(R"("error":"SPL","reason":"sqrt price limit is on the wrong side)"),
              std::string::npos)
        << r.out;
}

const std::string greeks = "greeks --model black76 ";

TEST(GreeksRanges, NumbersAreStrictDecimalsInStatedRanges) {
    for (const char* f : {"0x10", "inf", "1e400", "", "nan", "4.9e-324", "1e300", " 5"}) {
        expect_bad_input(greeks + "--forward '" + std::string(f) +
                             "' --strike 100 --vol 0.5 --years 1 --call",
                         "greeks: --forward: ", "[1e-06, 1000000000]");
    }
    for (const char* v : {"1e308", "50", "0", "-0.2"}) {
        expect_bad_input(greeks + "--forward 100 --strike 100 --vol " + std::string(v) +
                             " --years 1 --call",
                         "greeks: --vol: ", "[0.001, 10]");
    }
    for (const char* y : {"1e308", "0", "1e200"}) {
        expect_bad_input(greeks + "--forward 100 --strike 100 --vol 0.5 --years " + std::string(y) +
                             " --put",
                         "greeks: --years: ", "[1e-06, 30]");
    }
    // The extremes of every range still give finite Greeks (no null in the JSON).
    const cli_run r = run_ballast(greeks + "--forward 1e-6 --strike 1e9 --vol 10 --years 30 "
                                           "--put --coin-settled",
                                  false, 60);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_TRUE(valid_json(r.out)) << r.out;
    EXPECT_EQ(r.out.find("null"), std::string::npos) << r.out;
}

TEST(GreeksRanges, DuplicatesRefusedEqualsFormAcceptedHelpListsRanges) {
    expect_bad_input(greeks + "--forward 1 --forward 2 --strike 1 --vol 0.5 --years 1 --call",
                     "greeks: --forward: ");
    expect_bad_input(greeks + "--forward 1 --strike 1 --vol 0.5 --years 1 --call --put",
                     "greeks: --call excludes --put");
    expect_bad_input("greeks --model heston --forward 1 --strike 1 --vol 0.5 --years 1 --call",
                     "greeks: --model: ");
    const cli_run r = run_ballast(
        "greeks --model=black76 --forward=100 --strike=100 --vol=0.5 --years=1 --call", false, 60);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_TRUE(valid_json(r.out)) << r.out;
    const cli_run help = run_ballast("greeks --help", false);
    EXPECT_EQ(help.exit_code, 0);
    for (const char* s : {"--version", "[1e-06, 1000000000]", "[0.001, 10]", "[1e-06, 30]",
                          "Usage: ballast greeks"}) {
        EXPECT_NE(help.out.find(s), std::string::npos) << s << "\n" << help.out;
    }
}

const std::string portfolio = data + "risk/portfolio.toml";

TEST(RiskOptions, DuplicatesRefusedEqualsFormAcceptedWriteErrorsSayWhy) {
    expect_bad_input("risk --portfolio " + portfolio + " --portfolio /nonexistent.toml",
                     "risk: --portfolio: ");
    expect_bad_input("risk --portfolio " + portfolio + " --marks " + portfolio + " --marks " +
                         portfolio,
                     "risk: --marks: ");
    expect_bad_input("risk --portfolio ''", "risk: --portfolio: ", "empty");
    expect_bad_input("risk --portfolio=", "risk: --portfolio: ");
    const cli_run r = run_ballast("risk --portfolio=" + portfolio, false, 60);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_TRUE(valid_json(r.out));
    const cli_run full =
        run_command(cli + " risk --portfolio " + portfolio + " --stress 2>&1 >/dev/full", 60);
    EXPECT_EQ(full.exit_code, 1) << full.out;
    EXPECT_EQ(full.out, "risk: cannot write the output: No space left on device\n");
    const cli_run help = run_ballast("risk --help", false);
    EXPECT_NE(help.out.find("--version"), std::string::npos) << help.out;
    EXPECT_NE(help.out.find("Usage: ballast risk"), std::string::npos) << help.out;
}

TEST(LatencyRanges, BadInputIsExit2NamingTheOptionBeforeAnythingRuns) {
    const struct {
        const char* args;
        const char* prefix;
    } cases[] = {
        {"latency --seconds 0.2 --rate nan --json", "latency: --rate: "},
        {"latency --seconds nan --rate 100 --json", "latency: --seconds: "},
        {"latency --seconds inf", "latency: --seconds: "},
        {"latency --rate 0x10", "latency: --rate: "},
        {"latency --seconds 0.2 --engine-cpu -5 --json", "latency: --engine-cpu: "},
        {"latency --seconds 0.2 --engine-cpu 100000", "latency: --engine-cpu: "},
        {"latency --seconds 0.2 --engine-cpu 1000", "latency: --engine-cpu: core 1000 is not"},
        {"latency --seconds 0.2 --gateway-cpu 1000", "latency: --gateway-cpu: core 1000 is not"},
        {"latency --seconds 0.2 --venues bybit_spot,bybit_spot --json",
         "latency: --venues: \"bybit_spot\" is listed twice"},
        {"latency --every -1", "latency: --every: "},
    };
    for (const auto& c : cases) {
        expect_bad_input(c.args, c.prefix);
    }
}

const std::string okx_capture = " --capture " + data + "okx/OKX.ws.1.0.txt";

TEST(SimVenueRanges, SpeedClockFaultsAndCapturesAreChecked) {
    for (const char* s : {"1e-300", "1e308", "nan", "0", "inf"}) {
        expect_bad_input("sim-venue --venue okx" + okx_capture + " --speed " + std::string(s),
                         "sim-venue: --speed: ", "[0.001, 1000000]");
    }
    for (const char* c : {"-5", "0", "1e3", "abc"}) {
        expect_bad_input("sim-venue --venue okx" + okx_capture + " --clock-ms " + std::string(c),
                         "sim-venue: --clock-ms: ");
    }
    expect_bad_input("sim-venue --venue okx" + okx_capture + okx_capture,
                     "sim-venue: --capture: ", "given twice");
    expect_bad_input("sim-venue --venue okx" + okx_capture + " --faults drop:frame=1:frame=2",
                     "sim-venue: --faults: ", "'frame' given twice");
    expect_bad_input("sim-venue --venue binance --capture " + data +
                         "binance/BINANCE.ws.1.0.txt --faults corrupt:frame=1",
                     "sim-venue: --faults: corrupt: binance frames carry no checksum");
}

TEST(SimVenueRanges, ALostReadyLineEndsTheServerAtOnce) {
    const cli_run r =
        run_command(cli + " sim-venue --venue okx" + okx_capture + " 2>&1 >/dev/full", 30);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("No space left on device"), std::string::npos) << r.out;
}

TEST(CommandNames, HelpAndErrorsUseOneNamePerCommand) {
    for (const char* c : {"schedule", "route", "quote", "greeks", "risk", "latency", "sim-venue",
                          "run", "report", "replay", "record", "follow", "bench"}) {
        const cli_run help = run_ballast(std::string(c) + " --help", false);
        EXPECT_NE(help.out.find("Usage: ballast " + std::string(c)), std::string::npos) << help.out;
        const cli_run bad = run_ballast(std::string(c) + " --frobnicate", true, 30);
        EXPECT_EQ(bad.exit_code, 2) << bad.out;
        EXPECT_EQ(bad.out.rfind(std::string(c) + ": ", 0), 0U) << bad.out;
    }
}

} // namespace
