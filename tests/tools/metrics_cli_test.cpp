// `--metrics`: a running `ballast run` (live on loopback venues, and a replay) is scraped over
// HTTP; the families are there, the counters move and end at the run's report; bad addresses
// are refused.
#include "../loopback_http.hpp"
#include "cli_runner.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ballast::test::run_ballast;

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// GET /metrics from 127.0.0.1:port; the body, or "" (bounded: 5 s per read).
std::string scrape(int port) {
    const std::string out = ballast::test::loopback_http(static_cast<std::uint16_t>(port),
                                                         "GET /metrics HTTP/1.0\r\n\r\n");
    const auto body = out.find("\r\n\r\n");
    return out.rfind("HTTP/1.0 200", 0) == 0 && body != std::string::npos ? out.substr(body + 4)
                                                                          : std::string();
}

/// The sum of every series of a family (0 when absent); `filter` must appear in the line.
double total(const std::string& text, const std::string& family, const std::string& filter = "") {
    double sum = 0;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(family, 0) != 0 || line.size() <= family.size() ||
            (line[family.size()] != ' ' && line[family.size()] != '{') ||
            line.find(filter) == std::string::npos) {
            continue;
        }
        sum += std::stod(line.substr(line.rfind(' ') + 1));
    }
    return sum;
}

/// Scrapes every 50 ms until `done` holds for a scrape (bounded); the last scrape. Every
/// non-empty scrape also goes to `seen` when given.
template <class F>
std::string scrape_until(int port, F done, std::chrono::seconds limit,
                         std::vector<std::string>* seen = nullptr) {
    std::string last;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        last = scrape(port);
        if (!last.empty() && seen != nullptr) {
            seen->push_back(last);
        }
        if (!last.empty() && done(last)) {
            break;
        }
        std::this_thread::sleep_for(50ms);
    }
    return last;
}

/// `ballast ARGS --metrics 127.0.0.1:0` in the background (`run` also lingers 60 s after its
/// end), its stdout and stderr in files.
struct running {
    fs::path dir = fs::temp_directory_path() / ("ballast_metrics_" + std::to_string(::getpid()));
    pid_t pid = -1;
    int port = 0;

    explicit running(const std::vector<std::string>& args, const std::string& command = "run") {
        dir += "_" + command;
        fs::create_directories(dir);
        pid = ::fork();
        if (pid == 0) {
            const int out = ::open((dir / "out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            const int err = ::open((dir / "err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            ::dup2(out, 1);
            ::dup2(err, 2);
            std::vector<std::string> all{BALLAST_CLI_PATH, command};
            all.insert(all.end(), args.begin(), args.end());
            all.insert(all.end(), {"--metrics", "127.0.0.1:0"});
            if (command == "run") {
                all.insert(all.end(), {"--quiet", "--metrics-linger", "60"});
            }
            std::vector<char*> argv;
            for (auto& a : all) {
                argv.push_back(a.data());
            }
            argv.push_back(nullptr);
            ::execv(BALLAST_CLI_PATH, argv.data());
            ::_exit(127);
        }
        // The port is printed on stderr once the server listens (bounded wait).
        const std::regex url_re("metrics: http://127\\.0\\.0\\.1:([0-9]+)/metrics");
        const auto deadline = std::chrono::steady_clock::now() + 60s;
        while (port == 0 && std::chrono::steady_clock::now() < deadline) {
            std::smatch m;
            const std::string err = slurp(dir / "err");
            if (std::regex_search(err, m, url_re)) {
                port = std::stoi(m[1].str());
                break;
            }
            int status = 0;
            if (::waitpid(pid, &status, WNOHANG) == pid) {
                pid = -1;
                break;
            }
            std::this_thread::sleep_for(10ms); // polling a child's output: bounded
        }
    }
    /// SIGTERM ends the linger; the exit status (bounded: SIGKILL after 30 s).
    int stop() {
        if (pid <= 0) {
            return -1;
        }
        ::kill(pid, SIGTERM);
        int status = 0;
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        while (::waitpid(pid, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(pid, SIGKILL);
                ::waitpid(pid, &status, 0);
                ADD_FAILURE() << "ballast run did not end after SIGTERM";
                break;
            }
            std::this_thread::sleep_for(10ms);
        }
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    /// Scrapes every 50 ms until the run has finished (bounded); every scrape.
    std::vector<std::string> scrape_to_the_end(std::chrono::seconds limit) const {
        std::vector<std::string> seen;
        (void)scrape_until(
            port, [](const std::string& s) { return total(s, "ballast_run_finished") == 1.0; },
            limit, &seen);
        return seen;
    }
    ~running() {
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
};

const std::vector<std::string> families{"ballast_feed_frames_total",
                                        "ballast_feed_applied_total",
                                        "ballast_feed_gaps_total",
                                        "ballast_feed_resyncs_total",
                                        "ballast_feed_checksum_failures_total",
                                        "ballast_book_health",
                                        "ballast_ring_depth",
                                        "ballast_ring_full_backoffs_total",
                                        "ballast_hop_latency_seconds",
                                        "ballast_tick_to_order_latency_seconds",
                                        "ballast_orders",
                                        "ballast_pre_trade_rejects_total",
                                        "ballast_fills_total",
                                        "ballast_portfolio_drift",
                                        "ballast_portfolio_nav_usd",
                                        "ballast_portfolio_delta_usd",
                                        "ballast_portfolio_gamma_usd_per_pct",
                                        "ballast_pool_stale"};

TEST(MetricsCli, ALiveRunIsScrapedWhileItRunsAndItsCountersMove) {
    running run({"--live", "--pace", "20"});
    ASSERT_GT(run.port, 0) << slurp(run.dir / "err");
    const auto scrapes = run.scrape_to_the_end(120s);
    ASSERT_GE(scrapes.size(), 2u) << slurp(run.dir / "err");
    for (const auto& f : families) {
        EXPECT_NE(scrapes.front().find("# TYPE " + f + " "), std::string::npos) << f;
    }
    // Counters never go back, and they moved while the run went.
    double last_events = 0;
    double last_frames = 0;
    for (const auto& s : scrapes) {
        const double e = total(s, "ballast_engine_events_total");
        const double f = total(s, "ballast_feed_frames_total");
        EXPECT_GE(e, last_events);
        EXPECT_GE(f, last_frames);
        last_events = e;
        last_frames = f;
    }
    const std::string& end = scrapes.back();
    EXPECT_EQ(total(end, "ballast_run_finished"), 1.0);
    EXPECT_GT(total(end, "ballast_engine_events_total"),
              total(scrapes.front(), "ballast_engine_events_total"));
    EXPECT_GT(total(end, "ballast_feed_frames_total"), 0.0);
    EXPECT_GT(total(end, "ballast_orders", "state=\"filled\""), 0.0);
    EXPECT_GT(total(end, "ballast_fills_total"), 0.0);
    EXPECT_GT(total(end, "ballast_portfolio_nav_usd"), 0.0);
    EXPECT_GT(total(end, "ballast_hop_latency_seconds_count", "hop=\"book\""), 0.0);
    EXPECT_EQ(run.stop(), 0) << slurp(run.dir / "err");
}

TEST(MetricsCli, AReplaysFinalValuesAreTheReportsAndLingerUntilASignal) {
    running run({});
    ASSERT_GT(run.port, 0) << slurp(run.dir / "err");
    const auto scrapes = run.scrape_to_the_end(60s);
    ASSERT_FALSE(scrapes.empty());
    const std::string& end = scrapes.back();
    ASSERT_EQ(total(end, "ballast_run_finished"), 1.0);
    // The report is on stdout before the linger: its figures are the metrics' final values.
    const std::string out = slurp(run.dir / "out");
    std::smatch m;
    ASSERT_TRUE(
        std::regex_search(out, m, std::regex("([0-9]+) frames decoded, ([0-9]+) book events")))
        << out;
    EXPECT_EQ(total(end, "ballast_feed_connection_frames_total"), std::stod(m[1].str()));
    EXPECT_EQ(total(end, "ballast_engine_events_total"), std::stod(m[2].str()));
    EXPECT_EQ(total(end, "ballast_book_health", "state=\"live\""), 6.0); // every book
    ASSERT_TRUE(std::regex_search(out, m, std::regex("orders: ([0-9]+)"))) << out;
    EXPECT_EQ(total(end, "ballast_orders"), std::stod(m[1].str()));
    EXPECT_EQ(run.stop(), 0);
}

TEST(MetricsCli, SimVenueAndARecordingFromItAreScraped) {
    const std::string capture = std::string(BALLAST_TEST_DATA_DIR) + "/okx/OKX.ws.1.0.txt";
    running venue({"--venue", "okx", "--capture", capture}, "sim-venue");
    ASSERT_GT(venue.port, 0) << slurp(venue.dir / "err");
    // The ready line (stdout) names the venue's URLs.
    std::smatch m;
    std::string ready;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!std::regex_search(
               ready, m, std::regex("\"ws\":\"(ws://[^\"]+)\".*\"rest\":\"(http://[^\"]+)\"")) &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(10ms);
        ready = slurp(venue.dir / "out");
    }
    ASSERT_FALSE(m.empty()) << ready;
    const std::string ws = m[1].str();
    const std::string rest = m[2].str();
    running rec({"--venue", "okx", "--symbol", "UNI-USD-SWAP", "--channel", "books", "--url", ws,
                 "--rest", rest, "--out", (venue.dir / "rec.jsonl").string()},
                "record");
    ASSERT_GT(rec.port, 0) << slurp(rec.dir / "err");
    const std::string r = scrape_until(
        rec.port,
        [](const std::string& s) {
            return total(s, "ballast_book_health", "state=\"live\"") == 1.0 &&
                   total(s, "ballast_feed_applied_total") > 1.0;
        },
        60s);
    EXPECT_EQ(total(r, "ballast_book_health", "symbol=\"UNI-USD-SWAP\",state=\"live\""), 1.0) << r;
    EXPECT_GT(total(r, "ballast_feed_connection_frames_total"), 0.0) << r;
    EXPECT_EQ(total(r, "ballast_feed_connects_total"), 1.0) << r;
    EXPECT_GT(total(r, "ballast_record_lines_total"), 0.0) << r;
    EXPECT_NE(r.find("# TYPE ballast_record_bytes_written_total counter"), std::string::npos);
    const std::string v = scrape_until(
        venue.port,
        [](const std::string& s) { return total(s, "ballast_sim_frames_sent_total") > 0.0; }, 30s);
    EXPECT_EQ(total(v, "ballast_sim_connections_total"), 1.0) << v;
    EXPECT_GT(total(v, "ballast_sim_frames_played_total"), 0.0) << v;
    EXPECT_GT(total(v, "ballast_sim_frames_sent_total"), 0.0) << v;
    EXPECT_EQ(rec.stop(), 0) << slurp(rec.dir / "err");
    EXPECT_EQ(venue.stop(), 0) << slurp(venue.dir / "err");
}

TEST(MetricsCli, BadAddressesAreBadInputAndABusyPortCannotServe) {
    for (const std::string bad : {"localhost:9464", "127.0.0.1", "127.0.0.1:70000", ""}) {
        const auto r = run_ballast("run --quiet --metrics '" + bad + "'");
        EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.out;
        EXPECT_NE(r.out.find("--metrics"), std::string::npos) << r.out;
    }
    const auto r = run_ballast("run --quiet --metrics 127.0.0.1:0 --metrics-linger -1");
    EXPECT_EQ(r.exit_code, 2) << r.out;
    running first({});
    ASSERT_GT(first.port, 0);
    const auto busy = run_ballast("run --quiet --metrics 127.0.0.1:" + std::to_string(first.port));
    EXPECT_EQ(busy.exit_code, 1) << busy.out;
    EXPECT_NE(busy.out.find("run: --metrics: cannot listen on 127.0.0.1:"), std::string::npos)
        << busy.out;
    EXPECT_EQ(first.stop(), 0);
}

} // namespace
