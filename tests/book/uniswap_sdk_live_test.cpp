// Regenerates the Uniswap reference vectors with the official SDKs (node + tests/node) and
// checks they equal the checked-in file that uniswap_reference_test.cpp compares Ballast
// against: proves the checked-in vectors are what the SDKs compute today. Needs node and
// `npm ci` in tests/node (tools/test runs ballast_install_node_modules); skips, saying why,
// when either is missing; with BALLAST_REQUIRE_NODE=1 (CI) it fails instead, as the live-node
// test does.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

namespace {

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// Why the SDKs cannot run here ("" when they can).
std::string missing_sdk(const std::filesystem::path& node_dir) {
    if (std::system("node --version >/dev/null 2>&1") != 0) {
        return "node is not installed: cannot regenerate the SDK vectors (the checked-in ones are "
               "still compared by UniswapReference.*)";
    }
    if (!std::filesystem::exists(node_dir / "node_modules" / "@uniswap" / "v3-sdk")) {
        return "tests/node/node_modules missing: run `npm ci` in tests/node (tools/test does it "
               "via ballast_install_node_modules)";
    }
    return {};
}

} // namespace

TEST(UniswapSdkLive, CheckedInVectorsEqualAFreshSdkRun) {
    namespace fs = std::filesystem;
    const fs::path data = BALLAST_TEST_DATA_DIR;
    const fs::path node_dir = data.parent_path() / "node";
    if (const std::string missing = missing_sdk(node_dir); !missing.empty()) {
        const char* req = std::getenv("BALLAST_REQUIRE_NODE");
        if (req != nullptr && std::string(req) == "1") {
            FAIL() << "BALLAST_REQUIRE_NODE=1 but " << missing;
        }
        GTEST_SKIP() << missing;
    }
    const fs::path out = fs::temp_directory_path() /
                         ("ballast_uniswap_vectors_" + std::to_string(::getpid()) + ".json");
    const std::string cmd = "cd '" + node_dir.string() + "' && node gen_uniswap_vectors.js '" +
                            out.string() + "' 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    const std::string fresh = read_file(out);
    fs::remove(out);
    const std::string checked_in = read_file(data / "dex" / "uniswap_vectors.json");
    ASSERT_FALSE(fresh.empty());
    EXPECT_TRUE(fresh == checked_in)
        << "the SDKs now compute different vectors; inspect and regenerate with "
           "`node gen_uniswap_vectors.js ../data/dex/uniswap_vectors.json`";
}
