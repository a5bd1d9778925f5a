// ballast risk: value a portfolio file, aggregate per underlying, drift, plan and stress.
#include "risk/config.hpp"
#include "risk/report.hpp"
#include "tools/commands.hpp"
#include "tools/exit_policy.hpp"

#include <cstdio>
#include <string>
#include <string_view>

namespace ballast::cli {

namespace {

constexpr const char* risk_usage =
    "usage: ballast risk --portfolio FILE [--marks FILE] [--stress]\n"
    "  FILE is TOML, or JSON when it ends in .json (see tests/data/risk/portfolio.toml).\n"
    "  --marks replaces the portfolio's marks of the same name. --stress adds the grid of\n"
    "  spot -30%..+30% by vol -10..+10 points, by full revaluation.\n"
    "  Prints JSON: positions, per-underlying totals and weights, targets and drift, the\n"
    "  rebalance plan, and the stress grid.\n";

int fail(const std::string& message) {
    std::fprintf(stderr, "risk: %s\n", message.c_str());
    return 2;
}

} // namespace

int run_risk(int argc, char** argv) {
    std::string portfolio_path;
    std::string marks_path;
    bool stress = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            std::fputs(risk_usage, stdout);
            return 0;
        }
        if (arg == "--version") {
            std::printf("%s\n", std::string(version_line()).c_str());
            return 0;
        }
        if (arg == "--stress") {
            stress = true;
            continue;
        }
        if (arg != "--portfolio" && arg != "--marks") {
            return fail("unknown option " + std::string(arg) + " (see ballast risk --help)");
        }
        if (i + 1 >= argc || std::string_view(argv[i + 1]).empty()) {
            return fail(std::string(arg) + ": missing file name");
        }
        (arg == "--portfolio" ? portfolio_path : marks_path) = argv[++i];
    }
    if (portfolio_path.empty()) {
        return fail("--portfolio: missing (a TOML or JSON portfolio file)");
    }
    const auto loaded = risk::load_risk_config(portfolio_path, marks_path);
    if (!loaded.ok()) {
        // Every error, one line each; the first line alone names the first field.
        for (const auto& e : loaded.errors) {
            std::fprintf(stderr, "risk: %s\n", e.c_str());
        }
        return 2;
    }
    std::printf("%s\n", risk::risk_report_json(*loaded.config, stress).c_str());
    return 0;
}

} // namespace ballast::cli
