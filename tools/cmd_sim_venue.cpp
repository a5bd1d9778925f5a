// ballast sim-venue: a loopback venue speaking a venue's real WebSocket and REST market-data
// protocol, serving a recorded capture (exec/sim_venue.hpp). Prints one JSON ready line, then
// {"event":"capture_end",...} when the capture is exhausted; ends on SIGTERM/SIGINT (exit 0).
#include "exec/sim_venue.hpp"
#include "exec/sim_venue_protocols.hpp"
#include "tools/cli_checks.hpp"
#include "tools/commands.hpp"
#include "tools/exit_policy.hpp"
#include "tools/metrics_option.hpp"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <pthread.h>

namespace ballast::cli {

int run_sim_venue(int argc, char** argv) {
    std::string venues;
    for (auto n : exec::sim_venue_names()) {
        venues += (venues.empty() ? "" : "|") + std::string(n);
    }
    CLI::App app{"Serve a recorded capture over a venue's real WebSocket and REST protocol on "
                 "loopback (the venue's paths; one port for both)",
                 "ballast sim-venue"};
    exec::sim_venue_options opt;
    std::string faults;
    app.add_option("--venue", opt.venue, venues)->required();
    app.add_option("--capture", opt.captures,
                   "recordings (cryptofeed v2 text or v3 JSON lines); REST files X.http.* and "
                   "instrument lists beside them are found")
        ->required();
    app.add_option("--listen", opt.listen, "HOST:PORT (default 127.0.0.1:0: a free port)");
    app.add_option("--speed", opt.speed, "recorded pace times X (default 1)")
        ->check(number_in(0.001, 1e6));
    app.add_flag("--max-speed", opt.max_speed,
                 "as fast as the clients read (a client that keeps a backlog is disconnected)");
    app.add_flag("--tls", opt.tls,
                 "HTTPS/WSS with a self-signed certificate for 127.0.0.1/localhost; its CA file "
                 "is printed as \"ca_file\"");
    app.add_option("--faults", faults, std::string(exec::sim_faults_help()));
    app.add_option("--instruments", opt.instrument_files, "extra instrument lists");
    std::string accounts;
    app.add_option("--accounts", accounts,
                   "trading accounts (TOML, one [[account]] per API key: api_key, secret or "
                   "ed25519_public_key, passphrase, balances, taker_fee_bps, maker_fee_bps): "
                   "serves the venue's private API (binance, okx, bybit; exec/README.md)");
    std::int64_t clock_ms = 0;
    app.add_option("--clock-ms", clock_ms,
                   "a fixed venue clock (ms since the epoch) for timestamp checks (tests); "
                   "default the system clock")
        ->check(integer_in(1, 253402300799999)); // up to 9999-12-31
    app.footer("Ready line: {\"venue\":..,\"ws\":..,\"rest\":..} (bybit adds ws_linear, kraken "
               "ws_v2; --tls adds ca_file). GET /ballast/status reports playback and "
               "connections; GET /ballast/account?api_key=K an account (with --accounts).");
    metrics_option metrics;
    metrics.add_to(app, false);
    add_version_flag(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return parse_failed(app, e);
    }
    if (auto err = exec::parse_sim_faults(faults, opt.faults)) {
        std::fprintf(stderr, "sim-venue: %s\n", err->c_str());
        return exit_bad_input;
    }
    for (std::size_t i = 0; i < opt.captures.size(); ++i) {
        for (std::size_t k = 0; k < i; ++k) {
            if (same_file(opt.captures[i], opt.captures[k])) {
                std::fprintf(stderr, "sim-venue: --capture: %s is given twice\n",
                             opt.captures[i].c_str());
                return exit_bad_input;
            }
        }
    }
    // Only OKX and Kraken frames carry a book checksum a corrupt fault can change.
    const bool has_checksum = opt.venue == "okx" || opt.venue == "kraken";
    for (const auto& f : opt.faults) {
        if (f.kind == exec::sim_fault_kind::corrupt && !has_checksum) {
            std::fprintf(stderr,
                         "sim-venue: --faults: corrupt: %s frames carry no checksum to corrupt "
                         "(okx, kraken do)\n",
                         opt.venue.c_str());
            return exit_bad_input;
        }
    }
    if (!accounts.empty()) {
        auto loaded = exec::load_sim_accounts(accounts);
        if (!loaded.error.empty()) {
            std::fprintf(stderr, "sim-venue: %s\n", loaded.error.c_str());
            return 2;
        }
        opt.accounts = std::move(loaded.accounts);
    }
    if (clock_ms != 0) {
        opt.clock_ms = [clock_ms] { return clock_ms; };
    }
    // Signals are taken by this thread only (sigwait), never by the server's thread.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    exec::sim_venue venue(opt);
    if (metrics.enabled()) {
        venue.attach_metrics(metrics.registry());
        if (!metrics.start("sim-venue")) {
            return exit_failed;
        }
    }
    // The ready line comes first: the sink waits for it.
    static std::mutex stdout_mutex;
    std::unique_lock ready_lock(stdout_mutex);
    venue.set_event_sink([](const std::string& line) {
        std::lock_guard lock(stdout_mutex);
        std::fputs(line.c_str(), stdout);
        std::fputc('\n', stdout);
        std::fflush(stdout);
    });
    if (auto err = venue.start()) {
        std::fprintf(stderr, "sim-venue: %s\n", err->c_str());
        return 2;
    }
    // Nobody can find a server whose ready line was lost: stop at once (exit 1).
    const std::string ready = venue.ready_line() + "\n";
    if (!write_out(ready) || std::fflush(stdout) != 0) {
        note_output_error(errno);
        ready_lock.unlock();
        venue.stop();
        return exit_failed;
    }
    ready_lock.unlock();
    int sig = 0;
    sigwait(&signals, &sig);
    venue.stop();
    return 0;
}

} // namespace ballast::cli
