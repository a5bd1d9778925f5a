// ballast replay's report says which books ran on the venue's filters and which on a scale
// derived from their levels (no instrument list named the symbol).
#include "cli_runner.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace fs = std::filesystem;
using namespace ballast::test;

namespace {

std::string data(std::string_view rel) {
    return std::string(BALLAST_TEST_DATA_DIR) + "/" + std::string(rel);
}

TEST(ReplayCli, EachBookSaysWhetherItsFiltersCameFromTheVenue) {
    const auto with = run_ballast("replay --quiet " + data("okx/OKX.ws.1.0.txt"), false);
    ASSERT_EQ(with.exit_code, 0) << with.out;
    EXPECT_NE(with.out.find(R"("symbol":"UNI-USD-SWAP","health":"live")"), std::string::npos)
        << with.out.substr(0, 400);
    EXPECT_NE(with.out.find(R"("filters":"venue")"), std::string::npos);

    // The same recording without OKX.instruments.json beside it.
    const fs::path dir = fs::path(::testing::TempDir()) / "replay_cli_bare_okx";
    fs::remove_all(dir);
    fs::create_directories(dir);
    fs::copy_file(data("okx/OKX.ws.1.0.txt"), dir / "OKX.ws.1.0.txt");
    const auto bare = run_ballast("replay --quiet " + (dir / "OKX.ws.1.0.txt").string(), false);
    ASSERT_EQ(bare.exit_code, 0) << bare.out;
    EXPECT_EQ(bare.out.find(R"("filters":"venue")"), std::string::npos);
    EXPECT_NE(bare.out.find(R"("filters":"derived","derived_tick":"0.001","derived_lot":"1")"),
              std::string::npos)
        << bare.out.substr(0, 600);
}

} // namespace
