// One exit policy for every command (tools/exit_policy.hpp, README "Exit status"): 0 done
// (and --help / --version), 1 could not do its job (output that cannot be written: a full
// disk, a closed stdout), 2 bad usage or input, with one line naming the command.
#include "cli_runner.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using ballast::test::run_ballast;

const char* const commands[] = {"follow", "greeks", "latency", "quote", "record",   "replay",
                                "report", "risk",   "run",     "route", "schedule", "sim-venue"};

TEST(ExitPolicy, VersionIsZeroEverywhere) {
    const auto top = run_ballast("--version");
    EXPECT_EQ(top.exit_code, 0) << top.out;
    EXPECT_EQ(top.out.rfind("ballast ", 0), 0u) << top.out;
    for (const char* c : commands) {
        const auto r = run_ballast(std::string(c) + " --version");
        EXPECT_EQ(r.exit_code, 0) << c << ": " << r.out;
        EXPECT_EQ(r.out, top.out) << c;
    }
}

TEST(ExitPolicy, AnUnknownOptionIsBadUsageNamingTheCommand) {
    for (const char* c : commands) {
        const auto r = run_ballast(std::string(c) + " --no-such-option 1");
        EXPECT_EQ(r.exit_code, 2) << c << ": " << r.out;
        EXPECT_EQ(r.out.rfind(std::string(c) + ": ", 0), 0u) << c << ": " << r.out;
    }
    const auto unknown = run_ballast("no-such-command");
    EXPECT_EQ(unknown.exit_code, 2) << unknown.out;
    const auto none = run_ballast("");
    EXPECT_EQ(none.exit_code, 2) << none.out;
}

TEST(ExitPolicy, OutputThatCannotBeWrittenIsAFailureSaidOnStderr) {
    for (const char* c : commands) {
        // A full disk: the help text cannot be written.
        const auto full = run_ballast(std::string(c) + " --help >/dev/full", false);
        EXPECT_EQ(full.exit_code, 1) << c << ": " << full.out;
        // A closed stdout.
        const auto closed = run_ballast(std::string(c) + " --version >&-", false);
        EXPECT_EQ(closed.exit_code, 1) << c << ": " << closed.out;
    }
    // The message names the command and the reason (stderr into the pipe, stdout to the disk).
    const auto said = run_ballast("schedule --help 2>&1 >/dev/full | cat", false);
    EXPECT_NE(said.out.find("schedule: cannot write the output: No space left on device"),
              std::string::npos)
        << said.out;
}

} // namespace
