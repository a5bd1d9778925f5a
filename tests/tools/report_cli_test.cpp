// The HTML report: `ballast run --report-html` and `ballast report`, bad input, and the page
// rendered in headless Chromium (every chart drew; the screenshot stays in the build folder).
#include "cli_runner.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using ballast::test::run_ballast;

/// The build folder's `report/` (beside tools/ballast): the rendered page and its screenshot.
fs::path build_report_dir() {
    const fs::path dir = fs::path(BALLAST_CLI_PATH).parent_path().parent_path() / "report";
    fs::create_directories(dir);
    return dir;
}

/// A scratch folder of this process, removed at the end of each test.
struct scratch {
    fs::path dir = fs::temp_directory_path() / ("ballast_report_cli_" + std::to_string(::getpid()));
    scratch() { fs::create_directories(dir); }
    ~scratch() { fs::remove_all(dir); }
    [[nodiscard]] std::string operator/(const std::string& name) const { return (dir / name); }
};

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void spit(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

/// The default run's JSON and HTML reports (written once per test binary).
struct default_reports {
    std::string json_path;
    std::string html_path;
    std::string run_output;
    int exit_code = -1;
};

/// This process's own folder under the build folder's `report/`: ctest runs each test in its
/// own process, two at a time, so a shared file name would let one test read a page another is
/// rewriting. Removed when the process ends; what is kept is published by rename.
struct process_dir {
    fs::path dir = build_report_dir() / ("run-" + std::to_string(::getpid()));
    process_dir() { fs::create_directories(dir); }
    ~process_dir() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
};

const fs::path& own_dir() {
    static const process_dir d;
    return d.dir;
}

/// Copies `from` into the build folder's `report/` as `name`, atomically (copy, then rename).
void keep(const fs::path& from, const std::string& name) {
    const fs::path tmp = own_dir() / (name + ".keep");
    fs::copy_file(from, tmp, fs::copy_options::overwrite_existing);
    fs::rename(tmp, build_report_dir() / name);
}

const default_reports& default_run() {
    static const default_reports reports = [] {
        default_reports d;
        const fs::path& dir = own_dir();
        d.json_path = (dir / "default_report.json").string();
        d.html_path = (dir / "default_report.html").string();
        const auto r = run_ballast(
            "run --quiet --report " + d.json_path + " --report-html " + d.html_path, true, 120);
        d.run_output = r.out;
        d.exit_code = r.exit_code;
        return d;
    }();
    return reports;
}

TEST(report_cli, run_writes_the_html_report_and_report_renders_the_same_page_from_the_json) {
    const auto& d = default_run();
    ASSERT_EQ(d.exit_code, 0) << d.run_output;
    EXPECT_NE(d.run_output.find("HTML report: " + d.html_path), std::string::npos) << d.run_output;
    const std::string page = slurp(d.html_path);
    EXPECT_NE(page.find("Chart.js v"), std::string::npos); // the library is inlined
    EXPECT_GT(page.size(), 100000u);
    scratch tmp;
    const std::string again = tmp / "again.html";
    const auto r = run_ballast("report " + d.json_path + " --html " + again);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("HTML report: " + again), std::string::npos) << r.out;
    EXPECT_EQ(slurp(again), page); // one renderer: the saved JSON gives the same page
}

TEST(report_cli, the_json_series_are_bounded_and_cover_the_run) {
    const auto& d = default_run();
    ASSERT_EQ(d.exit_code, 0) << d.run_output;
    simdjson::padded_string text;
    ASSERT_EQ(simdjson::padded_string::load(d.json_path).get(text), simdjson::SUCCESS);
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(text).get(doc), simdjson::SUCCESS);
    simdjson::dom::element s = doc["series"];
    std::uint64_t capacity = 0;
    std::uint64_t offered = 0;
    std::uint64_t stride = 0;
    ASSERT_EQ(s["capacity"].get(capacity), simdjson::SUCCESS);
    ASSERT_EQ(s["offered"].get(offered), simdjson::SUCCESS);
    ASSERT_EQ(s["stride"].get(stride), simdjson::SUCCESS);
    simdjson::dom::array t;
    ASSERT_EQ(s["t"].get(t), simdjson::SUCCESS);
    // 43.8 s of market time sampled every 100 ms: over the capacity, so decimated once.
    EXPECT_GT(offered, capacity);
    EXPECT_EQ(stride, 2u);
    EXPECT_LE(t.size(), capacity + 1);
    EXPECT_GE(t.size(), capacity / 2);
    double last = 0;
    ASSERT_EQ(t.at(t.size() - 1).get(last), simdjson::SUCCESS);
    EXPECT_NEAR(last, 43.8, 0.2); // ends at the market's end
    simdjson::dom::array unders;
    ASSERT_EQ(s["underlyings"].get(unders), simdjson::SUCCESS);
    EXPECT_EQ(unders.size(), 3u);
    for (auto u : unders) {
        simdjson::dom::array w;
        ASSERT_EQ(u["weight"].get(w), simdjson::SUCCESS);
        EXPECT_EQ(w.size(), t.size());
    }
    simdjson::dom::array books;
    ASSERT_EQ(s["books"].get(books), simdjson::SUCCESS);
    EXPECT_EQ(books.size(), 6u);
    // Every parent executed its whole schedule; its last point is what it filled.
    simdjson::dom::array paths;
    simdjson::dom::array parents;
    ASSERT_EQ(s["parents"].get(paths), simdjson::SUCCESS);
    ASSERT_EQ(doc["parents"].get(parents), simdjson::SUCCESS);
    ASSERT_EQ(paths.size(), parents.size());
    for (std::size_t i = 0; i < paths.size(); ++i) {
        double filled = 0;
        double executed = 0;
        ASSERT_EQ(parents.at(i)["filled"].get(filled), simdjson::SUCCESS);
        simdjson::dom::array ex;
        ASSERT_EQ(paths.at(i)["executed"].get(ex), simdjson::SUCCESS);
        ASSERT_EQ(ex.at(ex.size() - 1).at(1).get(executed), simdjson::SUCCESS);
        EXPECT_NEAR(executed, filled, 1e-9);
    }
    // Each venue's cumulative notional ends at what the trades table says it traded.
    simdjson::dom::array venues;
    simdjson::dom::array trades;
    ASSERT_EQ(s["venues"].get(venues), simdjson::SUCCESS);
    ASSERT_EQ(doc["trades"].get(trades), simdjson::SUCCESS);
    EXPECT_GE(venues.size(), 1u);
    for (auto v : venues) {
        std::string_view name;
        ASSERT_EQ(v["name"].get(name), simdjson::SUCCESS);
        double traded = 0;
        for (auto trade : trades) {
            std::string_view venue;
            double notional = 0;
            ASSERT_EQ(trade["venue"].get(venue), simdjson::SUCCESS);
            ASSERT_EQ(trade["notional"].get(notional), simdjson::SUCCESS);
            traded += venue == name ? notional : 0.0;
        }
        simdjson::dom::array path;
        double last_notional = 0;
        ASSERT_EQ(v["notional"].get(path), simdjson::SUCCESS);
        ASSERT_EQ(path.at(path.size() - 1).at(1).get(last_notional), simdjson::SUCCESS);
        EXPECT_NEAR(last_notional, traded, 1e-6 + 1e-7 * traded) << name; // 8 digits
    }
    // Latency buckets add up to each hop's count in latency_ns.
    simdjson::dom::array hist;
    ASSERT_EQ(s["latency"].get(hist), simdjson::SUCCESS);
    for (auto h : hist) {
        std::string_view hop;
        ASSERT_EQ(h["hop"].get(hop), simdjson::SUCCESS);
        std::uint64_t sum = 0;
        for (auto c : h["count"].get_array()) {
            sum += c.get_uint64().value();
        }
        std::uint64_t count = 0;
        ASSERT_EQ(doc["latency_ns"][hop]["count"].get(count), simdjson::SUCCESS);
        EXPECT_EQ(sum, count) << hop;
    }
}

TEST(report_cli, report_on_bad_input_names_the_file_and_the_reason) {
    scratch tmp;
    const std::string out = tmp / "out.html";
    const std::string missing = tmp / "missing.json";
    auto r = run_ballast("report " + missing + " --html " + out);
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_NE(r.out.find("cannot read " + missing + ": No such file or directory"),
              std::string::npos)
        << r.out;
    const std::string broken = tmp / "broken.json";
    spit(broken, "{\"scenario\": \"default\", \"underlyings\": [");
    r = run_ballast("report " + broken + " --html " + out);
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_NE(r.out.find(broken + ": not valid JSON"), std::string::npos) << r.out;
    const std::string old = tmp / "old.json";
    spit(old, "{\"scenario\":\"default\",\"market_start\":\"x\",\"underlyings\":[],\"trades\":[],"
              "\"parents\":[],\"orders\":{}}");
    r = run_ballast("report " + old + " --html " + out);
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_NE(r.out.find(old + ": no \"series\""), std::string::npos) << r.out;
    EXPECT_FALSE(fs::exists(out)); // nothing written for bad input
    r = run_ballast("report " + old);
    EXPECT_EQ(r.exit_code, 2) << r.out; // bad usage: a required option is missing
    EXPECT_NE(r.out.find("--html"), std::string::npos) << r.out;
}

TEST(report_cli, an_output_that_cannot_be_written_or_a_missing_chart_js_exits_1) {
    const auto& d = default_run();
    ASSERT_EQ(d.exit_code, 0) << d.run_output;
    scratch tmp;
    const std::string nowhere = tmp / "no/such/dir/out.html";
    auto r = run_ballast("report " + d.json_path + " --html " + nowhere);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("cannot write " + nowhere + ": No such file or directory"),
              std::string::npos)
        << r.out;
    if (fs::exists("/dev/full")) {
        r = run_ballast("report " + d.json_path + " --html /dev/full");
        EXPECT_EQ(r.exit_code, 1) << r.out;
        EXPECT_NE(r.out.find("/dev/full: No space left on device"), std::string::npos) << r.out;
    }
    const std::string no_lib = tmp / "chart.min.js";
    const std::string out = tmp / "out.html";
    r = run_ballast("report " + d.json_path + " --html " + out + " --chart-js " + no_lib);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find(no_lib), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("libjs-chart.js"), std::string::npos) << r.out;
    // The run checks the library before it starts.
    r = run_ballast("run --quiet --report-html " + out + " --chart-js " + no_lib);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("run: --report-html: Chart.js: cannot read " + no_lib), std::string::npos)
        << r.out;
    EXPECT_EQ(r.out.find("NAV"), std::string::npos) << r.out; // no run happened
    EXPECT_FALSE(fs::exists(out));
}

/// Charts the page must draw for a report: seven, plus one histogram per hop with samples.
int expected_charts(const std::string& json_path) {
    simdjson::padded_string text;
    if (simdjson::padded_string::load(json_path).get(text) != simdjson::SUCCESS) {
        return -1;
    }
    simdjson::dom::parser parser;
    simdjson::dom::array hist;
    if (parser.parse(text)["series"]["latency"].get(hist) != simdjson::SUCCESS) {
        return -1;
    }
    int n = 7;
    for (auto h : hist) {
        n += h["count"].get_array().size() > 0 ? 1 : 0;
    }
    return n;
}

TEST(report_cli, every_chart_draws_in_headless_chromium) {
    const char* env = std::getenv("BALLAST_CHROMIUM");
    const std::string chromium = env != nullptr ? env : "/usr/bin/chromium";
    const char* require = std::getenv("BALLAST_REQUIRE_CHROMIUM");
    if (!fs::exists(chromium)) {
        if (require != nullptr && std::string(require) == "1") {
            FAIL() << chromium << " not found and BALLAST_REQUIRE_CHROMIUM=1 "
                   << "(Debian package chromium; tools/setup.sh installs it)";
        }
        GTEST_SKIP() << chromium << " not found (Debian package chromium)";
    }
    const auto& d = default_run();
    ASSERT_EQ(d.exit_code, 0) << d.run_output;
    const int expected = expected_charts(d.json_path);
    ASSERT_GE(expected, 8);
    const fs::path& dir = own_dir();
    const fs::path profile = dir / "chromium-profile";
    // Headless, no sandbox (tests may run as root), its own profile; the page's scripts run
    // in virtual time, so the dump waits for them and for nothing else.
    const std::string common =
        chromium + " --headless --no-sandbox --disable-gpu " +
        "--no-first-run --hide-scrollbars --user-data-dir=" + profile.string() +
        " --virtual-time-budget=10000 ";
    const std::string url = "file://" + fs::absolute(d.html_path).string();
    const auto dom = ballast::test::run_command(common + "--dump-dom " + url + " 2>/dev/null", 90);
    ASSERT_EQ(dom.exit_code, 0) << dom.out.substr(0, 2000);
    // A script error would be on the body (the page's error handler).
    EXPECT_EQ(dom.out.find("data-error=\""), std::string::npos) << dom.out.substr(0, 2000);
    const std::string n = std::to_string(expected);
    EXPECT_NE(dom.out.find("<title>ballast report: default (" + n + " of " + n +
                           " charts drawn)</title>"),
              std::string::npos)
        << dom.out.substr(0, 2000);
    // Every canvas: data points, and ink on it (the page counts its non-transparent pixels).
    const std::regex canvas_re("<canvas[^>]*>");
    const std::regex points_re("data-points=\"([0-9]+)\"");
    const std::regex ink_re("data-ink=\"([0-9]+)\"");
    int canvases = 0;
    for (auto it = std::sregex_iterator(dom.out.begin(), dom.out.end(), canvas_re);
         it != std::sregex_iterator(); ++it) {
        const std::string tag = it->str();
        ++canvases;
        std::smatch m;
        ASSERT_TRUE(std::regex_search(tag, m, points_re)) << tag;
        EXPECT_GT(std::stoll(m[1].str()), 0) << tag;
        ASSERT_TRUE(std::regex_search(tag, m, ink_re)) << tag;
        EXPECT_GT(std::stoll(m[1].str()), 1000) << tag; // drawn: axes, labels and data
    }
    EXPECT_EQ(canvases, expected);
    // The page and its screenshot stay in the build folder's report/ (README.md shows one).
    const fs::path shot = dir / "default_report.png";
    fs::remove(shot);
    const auto sr = ballast::test::run_command(common + "--window-size=1200,3200 --screenshot=" +
                                                   shot.string() + " " + url + " 2>/dev/null",
                                               90);
    EXPECT_EQ(sr.exit_code, 0) << sr.out;
    ASSERT_TRUE(fs::exists(shot));
    const std::string png = slurp(shot.string());
    ASSERT_GT(png.size(), 24u);
    EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    // A blank 1200 x 3200 page compresses to a few KB; fourteen charts do not.
    EXPECT_GT(png.size(), 60000u);
    keep(d.html_path, "default_report.html");
    keep(d.json_path, "default_report.json");
    keep(shot, "default_report.png");
    fs::remove_all(profile);
}

} // namespace
