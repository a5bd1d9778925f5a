// ballast follow: follows Uniswap pools live from an Ethereum node's WebSocket JSON-RPC
// (eth_subscribe logs + newHeads, eth_getLogs backfill, reconnect with backoff) and prints
// their states, in the pool state format, when it stops.
#include "feed/eth_ws_client.hpp"
#include "feed/pool_follower.hpp"
#include "tools/cli_checks.hpp"
#include "tools/commands.hpp"
#include "tools/exit_policy.hpp"
#include "tools/metrics_option.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace ballast::cli {

namespace {

/// The Prometheus series of `follow` (none without --metrics): per pool its block, whether it
/// is stale and how many changes it took; the node connection's and the follower's counters.
std::function<void()> follow_series(metrics_option& m, const feed::pool_follower& follower,
                                    const feed::eth_ws_client& client) {
    if (!m.enabled()) {
        return [] {};
    }
    auto& r = m.registry();
    struct pool_cells {
        feed::metrics::cell* stale;
        feed::metrics::cell* block;
        feed::metrics::cell* changes;
    };
    std::vector<pool_cells> pools;
    for (std::size_t i = 0; i < follower.size(); ++i) {
        const feed::metrics::labels l{{"pool", follower.pool(i).meta.address}};
        pools.push_back(
            {&r.gauge("ballast_pool_stale", "1 while the pool is not known exact", l),
             &r.gauge("ballast_pool_block", "the block the pool's state is at", l),
             &r.counter("ballast_pool_changes_total",
                        "changes of the pool's state or stale flag (logs, undos, resyncs)", l)});
    }
    auto* heads = &r.counter("ballast_node_heads_total", "new heads the follower took");
    auto* gaps = &r.counter("ballast_node_gaps_total", "missed blocks that made pools stale");
    auto* applied = &r.counter("ballast_pool_logs_applied_total", "pool logs applied");
    auto* rejected = &r.counter("ballast_pool_logs_rejected_total",
                                "logs the pool model refused (the pool goes stale)");
    auto* connects = &r.counter("ballast_node_connects_total", "connections made to the node");
    auto* losses = &r.counter("ballast_node_connection_losses_total", "connections lost");
    auto* backfilled =
        &r.counter("ballast_node_backfilled_logs_total", "logs eth_getLogs delivered after a gap");
    auto* head = &r.gauge("ballast_node_head_block", "the node's last head");
    return [&follower, &client, pools = std::move(pools), heads, gaps, applied, rejected, connects,
            losses, backfilled, head] {
        for (std::size_t i = 0; i < pools.size(); ++i) {
            pools[i].stale->set(follower.stale(i) ? 1.0 : 0.0);
            pools[i].block->set(follower.pool(i).meta.block);
            pools[i].changes->set(follower.version(i));
        }
        const auto& fs = follower.stats();
        heads->set(fs.heads);
        gaps->set(fs.gaps);
        applied->set(fs.applied);
        rejected->set(fs.rejected);
        const auto& cs = client.stats();
        connects->set(cs.connects);
        losses->set(cs.connection_losses);
        backfilled->set(cs.backfilled_logs);
        head->set(client.last_head());
    };
}

} // namespace

int run_follow(int argc, char** argv) {
    CLI::App app{"Follow Uniswap pools live from an Ethereum node; prints their final states",
                 "ballast follow"};
    feed::eth_ws_options opt;
    std::vector<std::string> pool_files;
    std::string record_path;
    std::uint64_t until_block = 0;
    double seconds = 0;
    std::uint64_t backoff_ms = 100;
    app.add_option("--url", opt.url,
                   "the node's WebSocket endpoint, ws://host:port[/path] or wss:// (TLS)")
        ->required();
    app.add_option("--pool", pool_files, "pool state file to follow (repeatable)")
        ->required()
        ->expected(1)
        ->take_all();
    app.add_option("--from-block", opt.from_block,
                   "first block whose logs to fetch (default: the pool files' block + 1)")
        ->check(integer_in(1, INT64_MAX));
    app.add_option("--until-block", until_block, "stop once every log through BLOCK is applied")
        ->check(integer_in(1, INT64_MAX));
    app.add_option("--seconds", seconds,
                   "stop after this many seconds (default 0: at SIGINT/TERM; at most a year)")
        ->check(number_in(0, 365.0 * 86400));
    app.add_option("--record", record_path,
                   "write what is followed, one JSON-RPC message a line, for `replay --pool`");
    app.add_option("--tls-ca-file", opt.tls_ca_file,
                   "wss://: trust the authorities in this PEM file instead of the system's");
    app.add_option("--backoff-ms", backoff_ms, "first reconnect delay (doubles up to 10 s)")
        ->check(integer_in(1, 60'000));
    metrics_option metrics;
    metrics.add_to(app, false);
    add_version_flag(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return parse_failed(app, e);
    }

    std::string url_error;
    if (!feed::parse_ws_url(opt.url, url_error)) {
        std::fprintf(stderr, "follow: --%s\n", url_error.c_str());
        return 2;
    }
    std::vector<std::pair<std::string, std::string>> inputs;
    if (auto err = add_inputs("--pool", pool_files, inputs)) {
        std::fprintf(stderr, "follow: %s\n", err->c_str());
        return exit_bad_input;
    }
    if (!opt.tls_ca_file.empty()) {
        inputs.emplace_back("--tls-ca-file", opt.tls_ca_file);
    }
    if (auto err = output_is_an_input("--record", record_path, inputs)) {
        std::fprintf(stderr, "follow: %s\n", err->c_str());
        return exit_bad_input;
    }
    if (until_block != 0 && opt.from_block != 0 && until_block < opt.from_block) {
        std::fprintf(stderr, "follow: --until-block %llu is before --from-block %llu\n",
                     static_cast<unsigned long long>(until_block),
                     static_cast<unsigned long long>(opt.from_block));
        return exit_bad_input;
    }
    feed::pool_follower follower;
    std::uint64_t oldest = std::numeric_limits<std::uint64_t>::max();
    for (const auto& file : pool_files) {
        auto loaded = load_pool_state(file);
        if (!loaded.ok()) {
            std::fprintf(stderr, "follow: --pool: %s\n", loaded.error.c_str());
            return 2;
        }
        oldest = std::min(oldest, loaded.state.meta.block);
        opt.addresses.push_back(loaded.state.meta.address);
        follower.add_pool(std::move(loaded.state));
    }
    if (opt.from_block == 0) {
        opt.from_block = oldest + 1;
    }
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> record(nullptr, std::fclose);
    int record_errno = 0; // the first failed write: the run stops, the recording is incomplete
    if (!record_path.empty()) {
        record.reset(std::fopen(record_path.c_str(), "wb"));
        if (!record) {
            std::fprintf(stderr, "follow: --record: cannot write %s: %s\n", record_path.c_str(),
                         std::strerror(errno));
            return exit_failed;
        }
        opt.capture = [f = record.get(), &record_errno](std::string_view line) {
            if (record_errno != 0) {
                return;
            }
            if (std::fwrite(line.data(), 1, line.size(), f) != line.size() ||
                std::fputc('\n', f) == EOF) {
                record_errno = errno != 0 ? errno : EIO;
            }
        };
    }
    opt.backoff_initial = std::chrono::milliseconds(backoff_ms);

    boost::asio::io_context io;
    feed::pool_follower_sink sink(follower);
    feed::eth_ws_client client(io, sink, opt);
    if (!client.start()) {
        std::fprintf(stderr, "follow: --%s\n", client.last_error().c_str());
        return 2;
    }
    // Published by this thread (the client's and the follower's) every 20 ms tick.
    const std::function<void()> publish = follow_series(metrics, follower, client);
    if (!metrics.start("follow")) {
        return exit_failed;
    }
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (!ec) {
            io.stop();
        }
    });
    // Polls for --until-block; --seconds bounds the whole run.
    boost::asio::steady_timer tick(io);
    const auto deadline = seconds > 0
                              ? std::chrono::steady_clock::now() +
                                    std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                        std::chrono::duration<double>(seconds))
                              : std::chrono::steady_clock::time_point::max();
    bool reached = false;
    std::function<void()> poll = [&] {
        publish();
        if (record_errno != 0) {
            io.stop(); // a recording with a hole in it is not a recording
            return;
        }
        if (until_block != 0 && client.state() == feed::eth_ws_state::live &&
            client.caught_up_block() >= until_block && client.last_head() >= until_block) {
            reached = true;
            io.stop();
            return;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            io.stop();
            return;
        }
        tick.expires_after(std::chrono::milliseconds(20));
        tick.async_wait([&](const boost::system::error_code& ec) {
            if (!ec) {
                poll();
            }
        });
    };
    poll();
    io.run();
    publish();
    const std::string final_state(feed::to_string(client.state()));
    client.stop();
    if (record) {
        if (record_errno == 0 && std::fflush(record.get()) != 0) {
            record_errno = errno != 0 ? errno : EIO;
        }
        if (std::fclose(record.release()) != 0 && record_errno == 0) {
            record_errno = errno != 0 ? errno : EIO;
        }
    }

    feed::pool_replay_result result;
    feed::collect_follow_result(follower, result);
    const auto& cs = client.stats();
    result.messages = cs.frames;
    std::printf("%s\n", feed::write_pool_replay_json(result).c_str());
    std::fprintf(stderr,
                 "follow: %s, head %llu, caught up through %llu; %llu connections, %llu lost, "
                 "%llu logs backfilled in %llu eth_getLogs%s%s\n",
                 final_state.c_str(), static_cast<unsigned long long>(client.last_head()),
                 static_cast<unsigned long long>(client.caught_up_block()),
                 static_cast<unsigned long long>(cs.connects),
                 static_cast<unsigned long long>(cs.connection_losses),
                 static_cast<unsigned long long>(cs.backfilled_logs),
                 static_cast<unsigned long long>(cs.backfill_requests),
                 client.last_error().empty() ? "" : "; last error: ", client.last_error().c_str());
    if (record_errno != 0) {
        std::fprintf(stderr,
                     "follow: --record: writing %s failed: %s (the recording is incomplete)\n",
                     record_path.c_str(), std::strerror(record_errno));
        return 1;
    }
    if (cs.connects == 0) {
        // Never reached the node: nothing was followed (the states printed are the files').
        std::fprintf(stderr, "follow: the node at %s was never reached%s%s\n", opt.url.c_str(),
                     client.last_error().empty() ? "" : ": ", client.last_error().c_str());
        return exit_failed;
    }
    if (until_block != 0 && !reached) {
        std::fprintf(stderr, "follow: block %llu not reached\n",
                     static_cast<unsigned long long>(until_block));
        return 1;
    }
    return 0;
}

} // namespace ballast::cli
