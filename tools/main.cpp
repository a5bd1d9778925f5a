// ballast: one CLI, one subcommand per job. Each subcommand lives in tools/cmd_<name>.cpp.
#include "tools/commands.hpp"
#include "tools/exit_policy.hpp"

#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

namespace {

struct command {
    std::string_view name;
    std::string_view summary;
    int (*run)(int argc, char** argv);
};

// Keep sorted by name; add a line per subcommand.
constexpr command commands[] = {
    {"bench", "the hot path's benchmarks on your own recordings and pools (replay, quote)",
     ballast::cli::run_bench},
    {"follow", "follow Uniswap pools live from an Ethereum node (WebSocket JSON-RPC)",
     ballast::cli::run_follow},
    {"greeks", "Black-76 price and Greeks of one option", ballast::cli::run_greeks},
    {"latency", "tick-to-order latency on this machine against loopback venues",
     ballast::cli::run_latency},
    {"quote", "quote one swap through a Uniswap v2/v3 pool state file", ballast::cli::run_quote},
    {"record", "record a venue's live market data for replay", ballast::cli::run_record},
    {"replay", "replay recorded venue streams into books and report them",
     ballast::cli::run_replay},
    {"report", "the HTML report (charts) of a saved `ballast run --report` JSON",
     ballast::cli::run_report},
    {"risk", "portfolio Greeks, drift, rebalance plan and stress", ballast::cli::run_risk},
    {"run", "rebalance a portfolio end to end over a multi-venue scenario", ballast::cli::run_run},
    {"route", "least-cost split of an order over books and pools", ballast::cli::run_route},
    {"schedule", "slice an order over time (twap, vwap, pov, ac)", ballast::cli::run_schedule},
    {"sim-venue", "serve a capture over a venue's real WebSocket/REST protocol on loopback",
     ballast::cli::run_sim_venue},
};

void usage(std::FILE* out) {
    std::fprintf(out, "usage: ballast <command> [options]\n\ncommands:\n");
    for (const auto& c : commands) {
        std::fprintf(out, "  %-12.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                     static_cast<int>(c.summary.size()), c.summary.data());
    }
    std::fprintf(out, "\nballast <command> --help for a command's options\n");
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    // A closed pipe is a failed write (exit 1, said on stderr), not a silent death by SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    const std::string_view name = argv[1];
    if (name == "-h" || name == "--help" || name == "help") {
        usage(stdout);
        return ballast::cli::finish_output("ballast", 0);
    }
    if (name == "--version" || name == "-V") {
        std::printf("%s\n", std::string(ballast::cli::version_line()).c_str());
        return ballast::cli::finish_output("ballast", 0);
    }
    for (const auto& c : commands) {
        if (c.name == name) {
            return ballast::cli::finish_output(c.name, c.run(argc - 1, argv + 1));
        }
    }
    std::fprintf(stderr, "ballast: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
