// ballast report: the HTML report (charts) of a JSON report saved by `ballast run --report`.
#include "exec/report_html.hpp"
#include "tools/commands.hpp"
#include "tools/exit_policy.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>

namespace ballast::cli {

int run_report(int argc, char** argv) {
    CLI::App app{"write the HTML report (charts, one self-contained file) of a saved JSON report",
                 "ballast report"};
    std::string input;
    std::string html;
    std::string chart_js(exec::default_chart_js_path);
    app.add_option("REPORT", input, "JSON report written by `ballast run --report FILE`")
        ->required();
    app.add_option("--html", html, "write the HTML report to FILE (opens offline)")->required();
    app.add_option("--chart-js", chart_js,
                   "Chart.js (UMD build) to inline (default: Debian's libjs-chart.js, " + chart_js +
                       ")");
    add_version_flag(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return parse_failed(app, e);
    }
    std::string json;
    if (std::string err = exec::read_text_file(input, json); !err.empty()) {
        std::fprintf(stderr, "report: cannot read %s\n", err.c_str());
        return 2;
    }
    if (std::string err = exec::check_report_json(json); !err.empty()) {
        std::fprintf(stderr, "report: %s: %s\n", input.c_str(), err.c_str());
        return 2;
    }
    std::string library;
    if (std::string err = exec::load_chart_js(chart_js, library); !err.empty()) {
        std::fprintf(stderr, "report: %s\n", err.c_str());
        return 1;
    }
    if (std::string err = exec::write_text_file(html, exec::render_report_html(json, library));
        !err.empty()) {
        std::fprintf(stderr, "report: --html: cannot write %s\n", err.c_str());
        return 1;
    }
    std::printf("HTML report: %s (open it in a browser)\n", html.c_str());
    return 0;
}

} // namespace ballast::cli
