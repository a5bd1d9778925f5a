#pragma once
// One entry point per `ballast` subcommand; argv[0] is the subcommand's name.

namespace ballast::cli {

int run_bench(int argc, char** argv);
int run_follow(int argc, char** argv);
int run_greeks(int argc, char** argv);
int run_latency(int argc, char** argv);
int run_quote(int argc, char** argv);
int run_record(int argc, char** argv);
int run_replay(int argc, char** argv);
int run_report(int argc, char** argv);
int run_risk(int argc, char** argv);
int run_run(int argc, char** argv);
int run_route(int argc, char** argv);
int run_schedule(int argc, char** argv);
int run_sim_venue(int argc, char** argv);

} // namespace ballast::cli
