// ballast risk: value a portfolio file, aggregate per underlying, drift, plan and stress.
#include "risk/config.hpp"
#include "risk/report.hpp"
#include "tools/cli_checks.hpp"
#include "tools/commands.hpp"
#include "tools/exit_policy.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

namespace ballast::cli {

int run_risk(int argc, char** argv) {
    CLI::App app{"Value a portfolio: positions, per-underlying totals and weights, targets and "
                 "drift, the rebalance plan, and (--stress) the stress grid. JSON on stdout",
                 "ballast risk"};
    std::string portfolio_path;
    std::string marks_path;
    bool stress = false;
    app.add_option("--portfolio", portfolio_path,
                   "portfolio file: TOML, or JSON when it ends in .json (see "
                   "tests/data/risk/portfolio.toml)")
        ->required()
        ->check(non_empty());
    app.add_option("--marks", marks_path,
                   "marks file: replaces the portfolio's marks of the same name")
        ->check(non_empty());
    app.add_flag("--stress", stress,
                 "add the grid of spot -30%..+30% by vol -10..+10 points, by full revaluation");
    add_version_flag(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return parse_failed(app, e);
    }
    const auto loaded = risk::load_risk_config(portfolio_path, marks_path);
    if (!loaded.ok()) {
        // Every error, one line each; the first line alone names the first field.
        for (const auto& e : loaded.errors) {
            std::fprintf(stderr, "risk: %s\n", e.c_str());
        }
        return exit_bad_input;
    }
    const std::string report = risk::risk_report_json(*loaded.config, stress) + "\n";
    return write_out(report) ? exit_done : exit_failed;
}

} // namespace ballast::cli
