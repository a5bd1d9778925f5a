// `ballast bench replay` and `bench quote`: one JSON line per venue (per quote), the same
// counts as `replay` and `quote` give for the same data, and bad input refused.
#include "cli_runner.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

using ballast::test::run_ballast;

const std::string data = BALLAST_TEST_DATA_DIR;

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
        if (!l.empty()) {
            out.push_back(l);
        }
    }
    return out;
}

/// `replay`'s books summed per venue: messages, checksum_ok, gaps, books.
std::map<std::string, std::array<std::uint64_t, 4>> replay_totals(const std::string& files) {
    const auto r = run_ballast("replay --quiet " + files, false);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    std::map<std::string, std::array<std::uint64_t, 4>> out;
    simdjson::dom::parser p;
    simdjson::dom::element doc;
    if (p.parse(r.out).get(doc) != simdjson::SUCCESS) {
        ADD_FAILURE() << r.out;
        return out;
    }
    for (auto b : doc["books"].get_array()) {
        auto& t = out[std::string(b["venue"].get_string().value())];
        t[0] += b["messages"].get_uint64().value();
        t[1] += b["checksum_ok"].get_uint64().value();
        t[2] += b["gaps"].get_uint64().value();
        t[3] += 1;
    }
    return out;
}

TEST(BenchCli, ReplayGivesOneLinePerVenueWithReplaysCounts) {
    const std::string files = data + "/kraken/KRAKEN.ws.50.0.txt " + data + "/bybit/BYBIT.jsonl";
    const auto expected = replay_totals(files);
    ASSERT_EQ(expected.size(), 3u); // kraken, bybit spot and linear
    const auto r = run_ballast("bench replay --reps 2 " + files, false, 120);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    const auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), expected.size()) << r.out;
    for (const auto& line : lines) {
        simdjson::dom::parser p;
        simdjson::dom::element doc;
        ASSERT_EQ(p.parse(line).get(doc), simdjson::SUCCESS) << line;
        const std::string venue(doc["venue"].get_string().value());
        ASSERT_TRUE(expected.count(venue)) << line;
        const auto& t = expected.at(venue);
        EXPECT_EQ(doc["frames"].get_uint64().value(), t[0]) << line;
        EXPECT_EQ(doc["checksums_ok"].get_uint64().value(), t[1]) << line;
        EXPECT_EQ(doc["gaps"].get_uint64().value(), t[2]) << line;
        EXPECT_EQ(doc["books"].get_uint64().value(), t[3]) << line;
        EXPECT_EQ(doc["reps"].get_uint64().value(), 2u);
        EXPECT_GT(doc["bytes"].get_uint64().value(), 0u);
        const auto median = doc["median_ns_per_frame"].get_uint64().value();
        EXPECT_GT(median, 0u) << line;
        EXPECT_LE(doc["min_ns_per_frame"].get_uint64().value(), median) << line;
        EXPECT_GE(doc["p99_ns_per_frame"].get_uint64().value(), median) << line;
        EXPECT_GT(doc["frames_per_s"].get_double().value(), 0.0) << line;
    }
}

TEST(BenchCli, QuoteGivesTheQuotesAmountAndTicks) {
    for (const std::string pool : {"usdc_weth_500_v3.json", "usdc_weth_v2.json"}) {
        const std::string args =
            "--pool " + data + "/dex/" + pool + " --exact-in 2000000000000 --one-for-zero";
        const auto q = run_ballast("quote " + args, false);
        ASSERT_EQ(q.exit_code, 0) << q.out;
        const auto b = run_ballast("bench quote --reps 200 " + args, false);
        ASSERT_EQ(b.exit_code, 0) << b.out;
        simdjson::dom::parser p1;
        simdjson::dom::parser p2;
        simdjson::dom::element qd;
        simdjson::dom::element bd;
        ASSERT_EQ(p1.parse(q.out).get(qd), simdjson::SUCCESS) << q.out;
        ASSERT_EQ(p2.parse(b.out).get(bd), simdjson::SUCCESS) << b.out;
        EXPECT_EQ(bd["amount_out"].get_string().value(), qd["amount_out"].get_string().value());
        EXPECT_EQ(bd["ticks_crossed"].get_uint64().value(),
                  qd["ticks_crossed"].get_uint64().value());
        EXPECT_GT(bd["median_ns_per_quote"].get_uint64().value(), 0u);
        EXPECT_GE(bd["p99_ns_per_quote"].get_uint64().value(),
                  bd["median_ns_per_quote"].get_uint64().value());
    }
}

TEST(BenchCli, BadInputIsRefusedWithTheReason) {
    const std::string v3 = data + "/dex/usdc_weth_500_v3.json";
    for (const auto& [args, what] : std::vector<std::pair<std::string, std::string>>{
             {"bench", "A subcommand is required"},
             {"bench replay", "FILE is required"},
             {"bench replay /nonexistent", "/nonexistent"},
             {"bench replay --reps 0 x", "--reps: 0 is outside [1, 10000]"},
             {"bench quote --pool " + v3 + " --exact-in 0 --zero-for-one", "--exact-in"},
             {"bench quote --pool " + v3 + " --exact-in 5", "--zero-for-one"},
             {"bench quote --pool /nonexistent --exact-in 5 --zero-for-one", "--pool"}}) {
        const auto r = run_ballast(args);
        EXPECT_EQ(r.exit_code, 2) << args << ": " << r.out;
        EXPECT_NE(r.out.find(what), std::string::npos) << args << ": " << r.out;
    }
}

} // namespace
