// ballast run: the whole engine over a scenario (the bundled default without arguments).
#include "exec/crash_point.hpp"
#include "exec/engine.hpp"
#include "exec/loopback.hpp"
#include "exec/report.hpp"
#include "exec/report_html.hpp"
#include "exec/scenario.hpp"
#include "tools/cli_checks.hpp"
#include "tools/commands.hpp"
#include "tools/exit_policy.hpp"
#include "tools/metrics_option.hpp"

#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <thread>
#include <unistd.h>

#ifndef BALLAST_SCENARIO_DIR
#error "BALLAST_SCENARIO_DIR must name the bundled scenario folder (tools/CMakeLists.txt)"
#endif

namespace ballast::cli {

namespace {

std::atomic<int> stop_signals{0};

/// SIGINT / SIGTERM: the first asks the live run to stop cleanly (cancel, wait, report); a
/// second exits at once. Every journal record is already in the file (write(2) returned).
extern "C" void on_stop_signal(int) {
    if (stop_signals.fetch_add(1) > 0) {
        ::_exit(130);
    }
}

} // namespace

int run_run(int argc, char** argv) {
    CLI::App app{"rebalance a portfolio end to end over a multi-venue scenario", "ballast run"};
    std::string config = std::string(BALLAST_SCENARIO_DIR) + "/scenario.toml";
    std::string report;
    std::string report_html;
    std::string chart_js(exec::default_chart_js_path);
    bool quiet = false;
    bool live = false;
    app.add_option("--config", config, "scenario TOML (default: the bundled scenario)");
    app.add_option("--report", report, "also write the report as JSON to FILE");
    app.add_option("--report-html", report_html,
                   "also write the HTML report to FILE: charts of weights, trajectories, fills, "
                   "costs, the synthetic leg, latency and book health (one file, opens offline)");
    app.add_option("--chart-js", chart_js,
                   "--report-html: Chart.js (UMD build) to inline (default: Debian's "
                   "libjs-chart.js, " +
                       chart_js + ")");
    app.add_flag("--quiet", quiet, "no progress line on stderr");
    app.add_flag("--live", live,
                 "trade live on the venues of the scenario's [live] section (signed gateways, "
                 "or paper fills on the live books); SIGINT/SIGTERM stops it cleanly. Without "
                 "--config: the bundled scenario against loopback venues serving its recordings");
    double pace = 1.0;
    auto* pace_opt = app.add_option("--pace", pace,
                                    "--live without --config: recorded seconds per second "
                                    "(default 1: the recorded pace)");
    pace_opt->check(number_in(0.01, 1000));
    metrics_option metrics;
    metrics.add_to(app, true);
    add_version_flag(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return parse_failed(app, e);
    }
    const bool loopback = live && app.count("--config") == 0;
    if (app.count("--chart-js") != 0 && report_html.empty()) {
        std::fprintf(stderr, "run: --chart-js: only with --report-html\n");
        return exit_bad_input;
    }
    if (!report.empty() && !report_html.empty() && exec::same_file(report, report_html)) {
        std::fprintf(stderr, "run: --report-html: %s is also --report\n", report_html.c_str());
        return exit_bad_input;
    }
    if (pace_opt->count() != 0 && !loopback) {
        std::fprintf(stderr, "run: --pace: only with --live and no --config\n");
        return 2;
    }
    // Chart.js is read before the run: a missing library stops it before any work.
    std::string chart_library;
    if (!report_html.empty()) {
        if (std::string err = exec::load_chart_js(chart_js, chart_library); !err.empty()) {
            std::fprintf(stderr, "run: --report-html: %s\n", err.c_str());
            return 1;
        }
    }
    auto sc = exec::load_scenario(config);
    if (!sc.value) {
        std::fprintf(stderr, "run: %s\n", sc.error.c_str());
        return 2;
    }
    // The reports must not overwrite any input of the run (the scenario, its portfolio,
    // recordings, instrument lists, pool states, journal).
    std::vector<std::pair<std::string, std::string>> inputs{
        {"--config", config}, {"portfolio", sc.value->portfolio}, {"journal", sc.value->journal}};
    for (std::size_t i = 0; i < sc.value->feeds.size(); ++i) {
        const auto& f = sc.value->feeds[i];
        inputs.emplace_back("feeds[" + std::to_string(i) + "].recording", f.recording);
        for (const auto& file : f.instruments) {
            inputs.emplace_back("feeds[" + std::to_string(i) + "].instruments", file);
        }
    }
    for (std::size_t i = 0; i < sc.value->pools.size(); ++i) {
        inputs.emplace_back("pools[" + std::to_string(i) + "].state", sc.value->pools[i].state);
    }
    for (const auto& [option, path] :
         {std::pair{"--report", &report}, std::pair{"--report-html", &report_html}}) {
        if (auto err = output_is_an_input(option, *path, inputs)) {
            std::fprintf(stderr, "run: %s\n", err->c_str());
            return exit_bad_input;
        }
    }
    exec::engine_options eo;
    exec::loopback_venues venues;
    if (loopback) {
        exec::loopback_options lo;
        lo.pace = pace;
        if (auto err = exec::start_loopback(*sc.value, lo, venues)) {
            std::fprintf(stderr, "run: %s\n", err->c_str());
            return 1;
        }
        for (const auto& line : venues.lines) {
            std::fprintf(stderr, "loopback %s\n", line.c_str());
        }
        eo.credentials = venues.credentials;
    }
    eo.live = live;
    eo.stop = &stop_signals;
    if (live || app.count("--metrics-linger") != 0) {
        exec::arm_crash_point_from_environment();
        struct sigaction sa {};
        sa.sa_handler = on_stop_signal;
        sigemptyset(&sa.sa_mask);
        ::sigaction(SIGINT, &sa, nullptr);
        ::sigaction(SIGTERM, &sa, nullptr);
    }
    auto created = exec::engine::create(*sc.value, eo);
    if (!created.value) {
        std::fprintf(stderr, "run: %s\n", created.error.c_str());
        return created.unavailable ? exit_failed : exit_bad_input;
    }
    if (metrics.enabled()) {
        created.value->attach_metrics(metrics.registry());
        if (!metrics.start("run")) {
            return exit_failed;
        }
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
    if (!r.error.empty()) {
        // The live run never started trading (no session, reconciliation failed).
        std::fprintf(stderr, "run: %s\n", r.error.c_str());
        return 1;
    }
    std::fputs(exec::format_report(r, rss).c_str(), stdout);
    std::fflush(stdout);
    // The reports are written before the metrics linger: a scrape then sees the end.
    struct linger_at_exit {
        metrics_option& m;
        ~linger_at_exit() {
            m.linger(&stop_signals);
            m.stop();
        }
    } lingering{metrics};
    if (report.empty() && report_html.empty()) {
        return 0;
    }
    const std::string json = exec::report_json(r, rss);
    if (!report.empty()) {
        if (std::string err = exec::write_text_file(report, json); !err.empty()) {
            std::fprintf(stderr, "run: --report: cannot write %s\n", err.c_str());
            return 1;
        }
    }
    if (!report_html.empty()) {
        const std::string page = exec::render_report_html(json, chart_library);
        if (std::string err = exec::write_text_file(report_html, page); !err.empty()) {
            std::fprintf(stderr, "run: --report-html: cannot write %s\n", err.c_str());
            return 1;
        }
        std::printf("HTML report: %s (open it in a browser)\n", report_html.c_str());
    }
    return 0;
}

} // namespace ballast::cli
