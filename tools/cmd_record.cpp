// ballast record: connects to a venue (or a loopback venue), follows its procedure and writes
// every frame, REST reply and client event as a recording `ballast replay` reads.
#include "feed/feed_metrics.hpp"
#include "feed/live_capture.hpp"
#include "feed/venue_ws_client.hpp"
#include "feed/venues.hpp"
#include "tools/book_report.hpp"
#include "tools/cli_checks.hpp"
#include "tools/commands.hpp"
#include "tools/exit_policy.hpp"
#include "tools/json_writer.hpp"
#include "tools/metrics_option.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <functional>
#include <unistd.h>

namespace ballast::cli {

int run_record(int argc, char** argv) {
    CLI::App app{"Record a venue's market data (every frame, REST snapshots, instrument lists and "
                 "the client's events) as a recording for `ballast replay`",
                 "ballast record"};
    std::string venue;
    std::string out_path;
    std::string dump_path;
    double seconds = 0;
    std::uint64_t backoff_ms = 100;
    feed::venue_client_options opt;
    bool no_instruments = false;
    app.add_option("--venue", venue,
                   "binance, binance_usdm, okx, bybit_spot, bybit_linear, "
                   "coinbase, coinbase_exchange, kraken, kraken_v2, deribit")
        ->required();
    app.add_option("--symbol", opt.symbols, "the venue's symbol (repeatable)")
        ->required()
        ->expected(1)
        ->take_all();
    app.add_option("--out", out_path, "recording to write (JSON lines, cryptofeed v3 layout)")
        ->required();
    app.add_option("--url", opt.ws_url, "WebSocket endpoint (default: the venue's production)");
    app.add_option("--rest", opt.rest_url, "REST base URL (default: the venue's production)");
    app.add_option("--channel", opt.protocol.channel,
                   "book channel in the venue's words (okx: books, books-l2-tbt...; bybit and "
                   "kraken: depth; deribit: 100ms or raw; binance: depth@100ms)");
    app.add_option("--seconds", seconds,
                   "stop after this many seconds (default 0: at SIGINT/TERM; at most a year)")
        ->check(number_in(0, 365.0 * 86400));
    app.add_option("--tls-ca-file", opt.tls_ca_file,
                   "wss/https: trust the authorities in this PEM file instead of the system's");
    app.add_option("--backoff-ms", backoff_ms, "first reconnect delay (doubles up to 10 s)")
        ->check(integer_in(1, 60'000));
    app.add_option("--seed", opt.jitter_seed, "seed of the reconnect jitter")
        ->check(integer_in(0, INT64_MAX));
    app.add_flag("--no-instruments", no_instruments,
                 "do not fetch the venue's instrument lists (books derive their scale)");
    app.add_option("--dump-books", dump_path, "write every level of every final book to FILE");
    metrics_option metrics;
    metrics.add_to(app, false);
    add_version_flag(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return parse_failed(app, e);
    }
    const auto& names = feed::venue_names();
    if (std::find(names.begin(), names.end(), venue) == names.end() ||
        !feed::make_venue_protocol(venue)) {
        std::fprintf(stderr, "record: --venue: unknown venue '%s'\n", venue.c_str());
        return 2;
    }
    for (std::size_t i = 0; i < opt.symbols.size(); ++i) {
        const std::string& sym = opt.symbols[i];
        if (sym.empty() ||
            std::find(opt.symbols.begin(), opt.symbols.begin() + static_cast<std::ptrdiff_t>(i),
                      sym) != opt.symbols.begin() + static_cast<std::ptrdiff_t>(i)) {
            std::fprintf(stderr, "record: --symbol: '%s' %s\n", sym.c_str(),
                         sym.empty() ? "is empty" : "given twice");
            return exit_bad_input;
        }
    }
    opt.load_instruments = !no_instruments;
    opt.backoff_initial = std::chrono::milliseconds(backoff_ms);

    if (auto err = output_is_an_input("--dump-books", dump_path, {{"--out", out_path}})) {
        std::fprintf(stderr, "record: %s\n", err->c_str());
        return exit_bad_input;
    }
    books_dump dump;
    if (!dump_path.empty()) {
        if (auto err = dump.open(dump_path)) {
            std::fprintf(stderr, "record: --dump-books: %s\n", err->c_str());
            return exit_failed;
        }
    }
    instrument_registry instruments;
    feed::reject_log rejects;
    feed::feed_options fo;
    fo.symbols = opt.symbols;
    auto feed = feed::make_venue_feed(venue, instruments, rejects, fo);
    // Published by this thread (the client's) at each 100 ms tick and at the end.
    std::unique_ptr<feed::feed_metrics> series;
    feed::metrics::cell* written = nullptr;
    feed::metrics::cell* lines = nullptr;
    if (metrics.enabled()) {
        series = std::make_unique<feed::feed_metrics>(metrics.registry(), venue, opt.symbols);
        written = &metrics.registry().counter(
            "ballast_record_bytes_written_total",
            "bytes of the recording written to the file (after the writer's buffer)",
            {{"venue", venue}});
        lines = &metrics.registry().counter("ballast_record_lines_total",
                                            "lines of the recording so far (frames, requests, "
                                            "replies, events)",
                                            {{"venue", venue}});
    }
    feed::jsonl_capture capture;
    if (auto err = capture.open(out_path, venue)) {
        std::fprintf(stderr, "record: --out: %s\n", err->c_str());
        return 2;
    }
    opt.capture = &capture;

    boost::asio::io_context io;
    feed::venue_ws_client client(io, *feed, instruments, opt);
    if (!client.start()) {
        std::fprintf(stderr, "record: --%s\n", client.last_error().c_str());
        return 2;
    }
    const auto publish = [&] {
        if (series) {
            const auto& s = client.stats();
            series->publish(*feed);
            series->publish_frames(s.frames, s.bytes);
            series->publish_connections(s.connects, s.connection_losses);
            written->set(capture.bytes());
            lines->set(capture.lines());
        }
    };
    if (!metrics.start("record")) {
        return exit_failed;
    }
    // SIGINT/SIGTERM end a recording normally: the file is closed complete.
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (!ec) {
            io.stop();
        }
    });
    const auto start = std::chrono::steady_clock::now();
    const auto deadline =
        seconds > 0 ? start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                  std::chrono::duration<double>(seconds))
                    : std::chrono::steady_clock::time_point::max();
    // The progress line: rewritten in place on a terminal, every ten seconds otherwise.
    const bool tty = ::isatty(STDERR_FILENO) != 0;
    auto progress = [&](bool final_line) {
        const auto& s = client.stats();
        std::size_t live = 0;
        for (const auto& b : feed->books()) {
            live += b->health == feed::book_health::live ? 1 : 0;
        }
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::fprintf(
            stderr,
            "%srecord %s: %.1f s, %llu frames, %.2f MB written, books live %zu/%zu, "
            "connects %llu, lost %llu, resyncs %llu%s",
            tty && !final_line ? "\r" : "", venue.c_str(), elapsed,
            static_cast<unsigned long long>(s.frames), static_cast<double>(capture.bytes()) / 1e6,
            live, opt.symbols.size(), static_cast<unsigned long long>(s.connects),
            static_cast<unsigned long long>(s.connection_losses),
            static_cast<unsigned long long>(s.snapshots + s.resubscribes + s.resync_reconnects),
            tty && !final_line ? "" : "\n");
    };
    boost::asio::steady_timer tick(io);
    unsigned ticks = 0;
    std::function<void()> poll = [&] {
        if (std::chrono::steady_clock::now() >= deadline) {
            io.stop();
            return;
        }
        if (++ticks % (tty ? 10 : 100) == 0) {
            progress(false);
        }
        publish();
        tick.expires_after(std::chrono::milliseconds(100));
        tick.async_wait([&](const boost::system::error_code& ec) {
            if (!ec) {
                poll();
            }
        });
    };
    poll();
    io.run();
    client.stop();
    capture.close();
    publish();
    if (tty) {
        std::fputc('\n', stderr);
    }
    progress(true);

    std::vector<const feed::venue_feed*> feeds = {feed.get()};
    json_writer w(stdout);
    w.begin_object();
    w.field("venue", venue).field("out", out_path);
    w.field("lines", capture.lines()).field("bytes", capture.bytes());
    const auto& s = client.stats();
    w.key("client").begin_object();
    w.field("connects", s.connects).field("connection_losses", s.connection_losses);
    w.field("frames", s.frames).field("control_frames", s.control_frames);
    w.field("refusals", s.refusals).field("snapshots", s.snapshots);
    w.field("resubscribes", s.resubscribes).field("resync_reconnects", s.resync_reconnects);
    w.field("instrument_lists", s.instrument_lists).field("rest_failures", s.rest_failures);
    w.field("last_error", client.last_error());
    w.end_object();
    write_books_report(w, feeds);
    write_rejects(w, rejects);
    w.end_object();
    w.newline();
    if (dump.wanted()) {
        if (auto err = dump.write(feeds)) {
            std::fprintf(stderr, "record: --dump-books: %s\n", err->c_str());
            return exit_failed;
        }
    }
    if (!capture.error().empty()) {
        std::fprintf(stderr, "record: --out: %s: %s\n", out_path.c_str(), capture.error().c_str());
        return 1;
    }
    if (s.frames == 0) {
        std::fprintf(stderr, "record: no frame received from %s%s%s\n", venue.c_str(),
                     client.last_error().empty() ? "" : ": ", client.last_error().c_str());
        return 1;
    }
    return 0;
}

} // namespace ballast::cli
