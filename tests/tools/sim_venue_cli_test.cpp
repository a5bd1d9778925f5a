// `ballast sim-venue` as a process: bad input stops with one line naming the option (exit 2);
// a good start prints exactly one JSON ready line, serves, and SIGTERM ends it with exit 0.
#include "cli_runner.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace {

using ballast::test::run_ballast;

const std::string data = std::string(BALLAST_TEST_DATA_DIR) + "/";

void expect_one_line(const ballast::test::cli_run& r, const std::string& prefix) {
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_EQ(r.out.rfind(prefix, 0), 0U) << r.out;
    EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << r.out;
}

TEST(SimVenueCli, BadInputStopsWithOneLineNamingTheOption) {
    const std::string okx = " --capture " + data + "okx/OKX.ws.1.0.txt";
    expect_one_line(run_ballast("sim-venue --venue nasdaq" + okx), "sim-venue: --venue: ");
    expect_one_line(run_ballast("sim-venue --venue okx --capture /nonexistent/x.txt"),
                    "sim-venue: --capture: ");
    expect_one_line(run_ballast("sim-venue --venue okx" + okx + " --listen nowhere"),
                    "sim-venue: --listen: ");
    expect_one_line(run_ballast("sim-venue --venue okx" + okx + " --faults explode:frame=1"),
                    "sim-venue: --faults: ");
    expect_one_line(run_ballast("sim-venue --venue okx" + okx + " --speed 0"),
                    "sim-venue: --speed: ");
    expect_one_line(run_ballast("sim-venue --venue okx"), "sim-venue: ");
    const auto help = run_ballast("sim-venue --help");
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find("--faults"), std::string::npos);
}

/// Reads one line from fd within the timeout; empty on timeout or EOF (`eof` tells which).
std::string read_line(int fd, std::string& buffer, int timeout_ms, bool* eof = nullptr) {
    for (;;) {
        if (const auto nl = buffer.find('\n'); nl != std::string::npos) {
            std::string line = buffer.substr(0, nl);
            buffer.erase(0, nl + 1);
            return line;
        }
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, timeout_ms) <= 0) {
            return {};
        }
        char chunk[4096];
        const ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n <= 0) {
            if (eof != nullptr) {
                *eof = true;
            }
            return {};
        }
        buffer.append(chunk, static_cast<std::size_t>(n));
    }
}

TEST(SimVenueCli, PrintsOneReadyLineAndEndsCleanlyOnSigterm) {
    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    const std::string capture = data + "bybit/BYBIT.jsonl";
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::dup2(out[1], 1);
        ::close(out[0]);
        ::close(out[1]);
        ::execl(BALLAST_CLI_PATH, BALLAST_CLI_PATH, "sim-venue", "--venue", "bybit", "--capture",
                capture.c_str(), "--max-speed", "--tls", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(out[1]);
    std::string buffer;
    const std::string ready = read_line(out[0], buffer, 20000);
    simdjson::dom::parser p;
    simdjson::dom::element root;
    ASSERT_FALSE(p.parse(ready).get(root)) << ready;
    std::string_view ws;
    std::string_view linear;
    std::string_view rest;
    std::string_view ca;
    EXPECT_FALSE(root["ws"].get(ws));
    EXPECT_FALSE(root["ws_linear"].get(linear));
    EXPECT_FALSE(root["rest"].get(rest));
    EXPECT_FALSE(root["ca_file"].get(ca));
    EXPECT_EQ(ws.rfind("wss://127.0.0.1:", 0), 0U) << ready;
    EXPECT_TRUE(ws.ends_with("/v5/public/spot")) << ready;
    EXPECT_TRUE(linear.ends_with("/v5/public/linear")) << ready;
    EXPECT_EQ(rest.rfind("https://127.0.0.1:", 0), 0U) << ready;
    EXPECT_EQ(::access(std::string(ca).c_str(), R_OK), 0) << ca;

    ::kill(pid, SIGTERM);
    // Nothing more on stdout (no client subscribed, so no capture_end), then EOF at exit.
    bool eof = false;
    EXPECT_EQ(read_line(out[0], buffer, 20000, &eof), "");
    EXPECT_TRUE(buffer.empty()) << buffer;
    int status = 0;
    if (!eof) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        FAIL() << "sim-venue did not exit on SIGTERM";
    }
    ::waitpid(pid, &status, 0); // its stdout closed: it is exiting
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    ::close(out[0]);
}

} // namespace
