#pragma once
// Runs the `ballast` binary under test with arguments; stderr merged into stdout or dropped.

#include <array>
#include <cstdio>
#include <string>

#include <sys/wait.h>

namespace ballast::test {

struct cli_run {
    int exit_code = -1;
    std::string out; ///< stdout, and stderr when asked
};

/// Runs a shell command line and collects its stdout. `limit_s` > 0: the command is stopped
/// (SIGTERM, then SIGKILL 5 s later) after that many seconds, so a run that never ends fails
/// the test instead of hanging it.
inline cli_run run_command(const std::string& command, int limit_s = 0) {
    cli_run r;
    const std::string cmd =
        (limit_s > 0 ? "timeout -k 5 " + std::to_string(limit_s) + " " : std::string()) + command;
    std::FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) {
        return r;
    }
    std::array<char, 4096> buf{};
    std::size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) {
        r.out.append(buf.data(), n);
    }
    const int st = pclose(p);
    r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

/// Runs the `ballast` binary under test (stderr merged into stdout, or dropped); `limit_s` as
/// run_command's.
inline cli_run run_ballast(const std::string& args, bool with_stderr = true, int limit_s = 0) {
    return run_command(std::string(BALLAST_CLI_PATH) + " " + args +
                           (with_stderr ? " 2>&1" : " 2>/dev/null"),
                       limit_s);
}

} // namespace ballast::test
