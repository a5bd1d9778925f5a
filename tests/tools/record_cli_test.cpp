// `ballast record` against a loopback venue, then `ballast replay` of what it wrote: the same
// books, level by level, as the live client had and as the original recording replays to.
#include "exec/sim_venue.hpp"
#include "tests/tools/cli_runner.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace ballast {
namespace {

using test::run_ballast;

std::string data_path(const std::string& rel) {
    return std::string(BALLAST_TEST_DATA_DIR) + "/" + rel;
}

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string temp(const std::string& name) {
    return (std::filesystem::temp_directory_path() /
            ("ballast_record_" + std::to_string(::getpid()) + "_" + name))
        .string();
}

struct record_case {
    std::string venue;
    std::string capture;
    std::string symbols; ///< --symbol arguments
    std::string channel;
};

class RecordCli : public ::testing::TestWithParam<record_case> {};

TEST_P(RecordCli, RecordsFromSimVenueAndReplaysToTheSameBooks) {
    const auto& c = GetParam();
    exec::sim_venue_options so;
    so.venue = c.venue;
    so.captures = {data_path(c.capture)};
    so.max_speed = true;
    exec::sim_venue sim(so);
    ASSERT_FALSE(sim.start());

    const std::string out = temp(c.venue + ".jsonl");
    const std::string live = temp(c.venue + "_live.json");
    const std::string replayed = temp(c.venue + "_replayed.json");
    const std::string original = temp(c.venue + "_original.json");
    auto r = run_ballast("record --venue " + c.venue + " " + c.symbols + " --channel " + c.channel +
                             " --url " + sim.url("ws") + " --rest " + sim.rest_url() +
                             " --seconds 2 --out " + out + " --dump-books " + live,
                         false);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("\"health\":\"live\""), std::string::npos) << r.out;
    sim.stop();

    r = run_ballast("replay " + out + " --dump-books " + replayed, false);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("\"rejects_total\":0"), std::string::npos) << r.out;
    const std::string live_books = read_all(live);
    ASSERT_FALSE(live_books.empty());
    EXPECT_EQ(read_all(replayed), live_books);
    r = run_ballast("replay " + data_path(c.capture) + " --venue " + c.venue + " " + c.symbols +
                        " --dump-books " + original,
                    false);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(read_all(original), live_books);
    for (const auto& f : {out, live, replayed, original}) {
        std::filesystem::remove(f);
    }
}

INSTANTIATE_TEST_SUITE_P(Venues, RecordCli,
                         ::testing::Values(record_case{"binance", "binance/BINANCE.ws.1.0.txt",
                                                       "--symbol NKNUSDT", "depth@100ms"},
                                           record_case{"okx", "okx/OKX.ws.1.0.txt",
                                                       "--symbol UNI-USD-SWAP", "books"}),
                         [](const auto& info) { return info.param.venue; });

TEST(RecordCliErrors, BadArgumentsAreOneLineAndExitTwo) {
    auto r = run_ballast("record --venue nasdaq --symbol X --out /tmp/x.jsonl");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.out, "record: --venue: unknown venue 'nasdaq'\n");
    r = run_ballast("record --venue okx --symbol X --url http://127.0.0.1:1 --out /tmp/x.jsonl");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.out, "record: --url: 'http://127.0.0.1:1' does not start with ws:// or wss://\n");
    r = run_ballast("record --venue okx --symbol X --out /nonexistent-dir/x.jsonl");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.out.rfind("record: --out: /nonexistent-dir/x.jsonl: ", 0), 0u) << r.out;
}

TEST(RecordCliErrors, AnUnreachableVenueEndsWithExitOneAndTheReason) {
    const std::string out = temp("unreachable.jsonl");
    auto r = run_ballast("record --venue okx --symbol X --url ws://127.0.0.1:1/ws/v5/public "
                         "--rest http://127.0.0.1:1 --no-instruments --seconds 0.5 --out " +
                         out);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("record: no frame received from okx: connect: Connection refused"),
              std::string::npos)
        << r.out;
    // Still a complete, readable recording (its header).
    EXPECT_EQ(read_all(out).rfind("{\"t\":\"header\"", 0), 0u);
    std::filesystem::remove(out);
}

} // namespace
} // namespace ballast
