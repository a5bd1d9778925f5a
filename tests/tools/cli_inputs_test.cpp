// Inputs a careful user gets wrong, and outputs that would destroy inputs (issue 14): each is
// refused with one line naming the option or field and the value, with the policy's exit
// status (2 bad input, 1 could not do the job), before any input is touched.
#include "cli_runner.hpp"
#include "scenario_copy.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace {

namespace fs = std::filesystem;
using ballast::test::run_ballast;

const std::string data = std::string(BALLAST_TEST_DATA_DIR) + "/";
const std::string kraken = data + "kraken/KRAKEN.ws.50.0.txt";

/// A private scratch directory, removed at the end of the test.
struct scratch {
    fs::path dir = fs::temp_directory_path() /
                   ("ballast_cli_inputs_" + std::to_string(::getpid()) + "_" +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    scratch() { fs::create_directories(dir); }
    ~scratch() { fs::remove_all(dir); }
    [[nodiscard]] std::string file(const std::string& name, const std::string& text) const {
        const auto p = dir / name;
        std::ofstream(p) << text;
        return p.string();
    }
};

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

TEST(ReplayInputs, NothingUsableIsBadInput) {
    const scratch s;
    const auto dir = run_ballast("replay --quiet " + s.dir.string());
    EXPECT_EQ(dir.exit_code, 2) << dir.out;
    EXPECT_NE(dir.out.find("is a directory"), std::string::npos) << dir.out;
    for (const std::string& text : {std::string(), std::string("hello\nworld\n")}) {
        const auto f = s.file("nothing.txt", text);
        const auto r = run_ballast("replay --quiet " + f);
        EXPECT_EQ(r.exit_code, 2) << text << ": " << r.out;
        EXPECT_NE(r.out.find("replay: no usable frame in " + f), std::string::npos) << r.out;
    }
    const auto sym = run_ballast("replay --quiet --symbol NOPE " + kraken);
    EXPECT_EQ(sym.exit_code, 2) << sym.out;
    EXPECT_NE(sym.out.find("no frame of --symbol NOPE"), std::string::npos) << sym.out;
    const auto twice = run_ballast("replay --quiet " + kraken + " " + kraken);
    EXPECT_EQ(twice.exit_code, 2) << twice.out;
    EXPECT_NE(twice.out.find("given twice"), std::string::npos) << twice.out;
}

TEST(ReplayInputs, TheDumpNeverOverwritesAnInputAndItsFailuresAreSaid) {
    const scratch s;
    const auto copy = (s.dir / "KRAKEN.ws.50.0.txt").string();
    fs::copy_file(kraken, copy);
    const std::string before = slurp(copy);
    const auto same =
        run_ballast("replay --quiet --no-companions --dump-books " + copy + " " + copy);
    EXPECT_EQ(same.exit_code, 2) << same.out;
    EXPECT_NE(same.out.find("--dump-books: " + copy + " is also a FILE"), std::string::npos)
        << same.out;
    EXPECT_EQ(slurp(copy), before) << "the recording was overwritten";
    const auto full = run_ballast("replay --quiet --dump-books /dev/full " + kraken);
    EXPECT_EQ(full.exit_code, 1) << full.out;
    EXPECT_NE(full.out.find("--dump-books: /dev/full: No space left on device"), std::string::npos)
        << full.out;
    const auto nodir = run_ballast("replay --quiet --dump-books " +
                                   (s.dir / "no/such/dump.json").string() + " " + kraken);
    EXPECT_EQ(nodir.exit_code, 1) << nodir.out;
    EXPECT_NE(nodir.out.find("No such file or directory"), std::string::npos) << nodir.out;
    EXPECT_EQ(nodir.out.find("\"books\""), std::string::npos) << "refused before the replay";
}

TEST(RunInputs, AReportNeverOverwritesAnInput) {
    const scratch s;
    const auto scenario = ballast::test::copy_bundled_scenario(s.dir);
    const std::string before = slurp(scenario);
    const auto r = run_ballast("run --quiet --config " + scenario + " --report " + scenario);
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_NE(r.out.find("--report: " + scenario + " is also --config"), std::string::npos)
        << r.out;
    EXPECT_EQ(slurp(scenario), before);
    const auto rec = data + "bybit/BYBIT.jsonl";
    const auto h = run_ballast("run --quiet --config " + scenario + " --report-html " + rec);
    EXPECT_EQ(h.exit_code, 2) << h.out;
    EXPECT_NE(h.out.find("is also feeds[0].recording"), std::string::npos) << h.out;
    const auto both =
        run_ballast("run --quiet --config " + scenario + " --report " + (s.dir / "r.out").string() +
                    " --report-html " + (s.dir / "r.out").string());
    EXPECT_EQ(both.exit_code, 2) << both.out;
    EXPECT_NE(both.out.find("is also --report"), std::string::npos) << both.out;
    const auto js = run_ballast("run --quiet --config " + scenario + " --chart-js /nonexistent");
    EXPECT_EQ(js.exit_code, 2) << js.out;
    EXPECT_NE(js.out.find("--chart-js: only with --report-html"), std::string::npos) << js.out;
    const auto pace = run_ballast("run --quiet --live --pace nan");
    EXPECT_EQ(pace.exit_code, 2) << pace.out;
    EXPECT_NE(pace.out.find("--pace"), std::string::npos) << pace.out;
}

TEST(FollowInputs, AnUnreachableNodeIsAFailureAndTheRecordNeverOverwritesAPool) {
    const scratch s;
    const auto pool = (s.dir / "pool.json").string();
    fs::copy_file(data + "dex/usdc_weth_500_v3.json", pool);
    const std::string before = slurp(pool);
    const auto same = run_ballast("follow --url ws://127.0.0.1:9/ --pool " + pool + " --record " +
                                  pool + " --seconds 1");
    EXPECT_EQ(same.exit_code, 2) << same.out;
    EXPECT_NE(same.out.find("--record: " + pool + " is also --pool"), std::string::npos)
        << same.out;
    EXPECT_EQ(slurp(pool), before);
    const auto twice =
        run_ballast("follow --url ws://127.0.0.1:9/ --pool " + pool + " --pool " + pool);
    EXPECT_EQ(twice.exit_code, 2) << twice.out;
    for (const char* bad : {"nan", "-1", "1e308", "0x10"}) {
        const auto r =
            run_ballast("follow --url ws://127.0.0.1:9/ --pool " + pool + " --seconds " + bad);
        EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.out;
        EXPECT_NE(r.out.find("--seconds"), std::string::npos) << r.out;
    }
    const auto block =
        run_ballast("follow --url ws://127.0.0.1:9/ --pool " + pool + " --from-block -1");
    EXPECT_EQ(block.exit_code, 2) << block.out;
    // Port 9 (discard) refuses on loopback: never reached within the second.
    const auto unreachable = run_ballast(
        "follow --url ws://127.0.0.1:9/ --pool " + pool + " --seconds 1 --backoff-ms 50", true, 30);
    EXPECT_EQ(unreachable.exit_code, 1) << unreachable.out;
    EXPECT_NE(unreachable.out.find("was never reached"), std::string::npos) << unreachable.out;
}

TEST(RecordInputs, TheDumpIsNotTheRecordingAndSymbolsAreGivenOnce) {
    const scratch s;
    const auto out = (s.dir / "k.jsonl").string();
    const auto same = run_ballast("record --venue kraken --symbol XBT/CHF --url ws://127.0.0.1:9/ "
                                  "--out " +
                                  out + " --dump-books " + out + " --seconds 1");
    EXPECT_EQ(same.exit_code, 2) << same.out;
    EXPECT_NE(same.out.find("--dump-books: " + out + " is also --out"), std::string::npos)
        << same.out;
    const auto twice = run_ballast("record --venue kraken --symbol XBT/CHF --symbol XBT/CHF "
                                   "--url ws://127.0.0.1:9/ --out " +
                                   out + " --seconds 1");
    EXPECT_EQ(twice.exit_code, 2) << twice.out;
    EXPECT_NE(twice.out.find("given twice"), std::string::npos) << twice.out;
    const auto nan = run_ballast("record --venue kraken --symbol XBT/CHF --url ws://127.0.0.1:9/ "
                                 "--out " +
                                 out + " --seconds nan");
    EXPECT_EQ(nan.exit_code, 2) << nan.out;
}

} // namespace
