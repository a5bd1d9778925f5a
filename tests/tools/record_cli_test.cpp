// `ballast record` against a loopback venue, then `ballast replay` of what it wrote: the same
// books, level by level, as the live client had and as the original recording replays to.
#include "exec/sim_venue.hpp"
#include "tests/tools/cli_runner.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
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

/// This process's own directory: replay loads every instrument list beside a recording, so a
/// recording written straight into the shared temp folder would pick up whatever list-like
/// file another program left there. Removed when the tests end.
std::filesystem::path own_dir() {
    return std::filesystem::temp_directory_path() /
           ("ballast_record_" + std::to_string(::getpid()));
}

struct own_dir_cleanup : ::testing::Environment {
    void TearDown() override {
        std::error_code ec;
        std::filesystem::remove_all(own_dir(), ec);
    }
};
[[maybe_unused]] const auto* const cleanup =
    ::testing::AddGlobalTestEnvironment(new own_dir_cleanup);

std::string temp(const std::string& name) {
    std::filesystem::create_directories(own_dir());
    return (own_dir() / name).string();
}

struct record_case {
    std::string venue;
    std::string capture;
    std::string symbols; ///< --symbol arguments
    std::string channel;
};

void PrintTo(const record_case& c, std::ostream* os) {
    *os << c.venue;
}

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
                         [](const auto& c) { return c.param.venue; });

TEST(RecordCli, SigtermLeavesACompleteReadableRecording) {
    exec::sim_venue_options so;
    so.venue = "okx";
    so.captures = {data_path("okx/OKX.ws.1.0.txt")};
    so.speed = 1; // the recorded pace: the recorder is still receiving when SIGTERM comes
    exec::sim_venue sim(so);
    ASSERT_FALSE(sim.start());
    const std::string out = temp("sigterm.jsonl");
    // No --seconds: only the signal ends it (coreutils timeout sends SIGTERM after 1.5 s and,
    // with --preserve-status, exits with the recorder's own status).
    const std::string cmd =
        "timeout --preserve-status -s TERM 1.5 " + std::string(BALLAST_CLI_PATH) +
        " record --venue okx --symbol UNI-USD-SWAP --channel books --url " + sim.url("ws") +
        " --rest " + sim.rest_url() + " --out " + out + " >/dev/null 2>&1";
    const int st = std::system(cmd.c_str());
    sim.stop();
    ASSERT_TRUE(WIFEXITED(st));
    EXPECT_EQ(WEXITSTATUS(st), 0);
    // Every line is a whole JSON object and the recording replays cleanly.
    const std::string text = read_all(out);
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '\n');
    std::size_t lines = 0;
    for (std::size_t at = 0; at < text.size();) {
        const auto eol = text.find('\n', at);
        const std::string_view line(text.data() + at, eol - at);
        EXPECT_TRUE(line.starts_with("{\"t\":") && line.ends_with("}")) << line;
        ++lines;
        at = eol + 1;
    }
    EXPECT_GT(lines, 5u);
    auto r = run_ballast("replay " + out, false);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("\"rejects_total\":0"), std::string::npos) << r.out;
    std::filesystem::remove(out);
}

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
