#pragma once
// The bundled scenario copied into a directory of its own, its relative paths made absolute,
// for CLI tests that change it or write beside it.

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace ballast::test {

/// Writes <dir>/scenario.toml: the bundled scenario with `extra` appended; returns its path.
inline std::string copy_bundled_scenario(const std::filesystem::path& dir,
                                         const std::string& extra = {}) {
    const std::string data = std::string(BALLAST_TEST_DATA_DIR) + "/";
    const std::string bundled =
        std::filesystem::path(data + "../../scenario/default/").lexically_normal().string();
    std::filesystem::create_directories(dir);
    std::ifstream in(bundled + "scenario.toml");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    for (const std::string from : {"../../tests/data/", "\"portfolio.toml", "\"uniswap_v3_"}) {
        const std::string to = from == "../../tests/data/" ? data : "\"" + bundled + from.substr(1);
        for (auto at = text.find(from); at != std::string::npos;
             at = text.find(from, at + to.size())) {
            text.replace(at, from.size(), to);
        }
    }
    const auto path = dir / "scenario.toml";
    std::ofstream(path) << text << "\n" << extra;
    return path.string();
}

} // namespace ballast::test
