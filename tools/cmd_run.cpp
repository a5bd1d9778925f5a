// ballast run: the whole engine over a scenario (the bundled default without arguments).
#include "exec/engine.hpp"
#include "exec/report.hpp"
#include "exec/scenario.hpp"
#include "tools/commands.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <thread>

#ifndef BALLAST_SCENARIO_DIR
#error "BALLAST_SCENARIO_DIR must name the bundled scenario folder (tools/CMakeLists.txt)"
#endif

namespace ballast::cli {

int run_run(int argc, char** argv) {
    CLI::App app{"rebalance a portfolio end to end over a multi-venue scenario", "ballast run"};
    std::string config = std::string(BALLAST_SCENARIO_DIR) + "/scenario.toml";
    std::string report;
    bool quiet = false;
    app.add_option("--config", config, "scenario TOML (default: the bundled scenario)");
    app.add_option("--report", report, "also write the report as JSON to FILE");
    app.add_flag("--quiet", quiet, "no progress line on stderr");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    const auto sc = exec::load_scenario(config);
    if (!sc.value) {
        std::fprintf(stderr, "ballast run: %s\n", sc.error.c_str());
        return 2;
    }
    auto created = exec::engine::create(*sc.value);
    if (!created.value) {
        std::fprintf(stderr, "ballast run: %s\n", created.error.c_str());
        return 2;
    }
    exec::run_progress progress;
    // The progress line is printed here, off the engine thread: the engine only stores atomics.
    std::thread printer([&] {
        if (quiet) {
            return;
        }
        for (;;) {
            const bool last = progress.done.load();
            const std::int64_t t = progress.market_ns.load(std::memory_order_relaxed);
            const std::time_t secs = t / 1000000000;
            std::tm tm{};
            gmtime_r(&secs, &tm);
            std::fprintf(stderr,
                         "\r[run] market %02d:%02d:%02d.%03d  max |drift| %5.2f%%  orders %4llu  "
                         "fills %4llu ",
                         tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>((t / 1000000) % 1000),
                         progress.max_abs_drift.load(std::memory_order_relaxed) * 100,
                         static_cast<unsigned long long>(progress.orders.load()),
                         static_cast<unsigned long long>(progress.fills.load()));
            if (last) {
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        std::fprintf(stderr, "\n");
    });
    const exec::run_result r = created.value->run(&progress);
    progress.done.store(true);
    printer.join();
    const long rss = exec::peak_rss_kb();
    std::fputs(exec::format_report(r, rss).c_str(), stdout);
    if (!report.empty()) {
        std::ofstream out(report);
        out << exec::report_json(r, rss);
        if (!out) {
            std::fprintf(stderr, "ballast run: --report: cannot write %s\n", report.c_str());
            return 1;
        }
    }
    return 0;
}

} // namespace ballast::cli
