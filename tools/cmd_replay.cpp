// ballast replay: recorded venue streams -> local books -> one JSON report on stdout.
#include "feed/pool_follower.hpp"
#include "feed/replay.hpp"
#include "feed/venues.hpp"
#include "tools/book_report.hpp"
#include "tools/cli_checks.hpp"
#include "tools/commands.hpp"
#include "tools/exit_policy.hpp"
#include "tools/json_writer.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>

namespace ballast::cli {

int run_replay(int argc, char** argv) {
    CLI::App app{"Replay recorded venue streams into local books; prints a JSON report",
                 "ballast replay"};
    feed::replay_options opt;
    std::vector<std::string> files;
    std::string dump_path;
    bool quiet = false;
    std::vector<std::string> pool_files;
    app.add_option("--venue", opt.venue, "decoder to use (default: detected from the URLs)");
    // Repeatable options take one value each: a recording after them is never taken for one.
    app.add_option("--symbol", opt.symbols, "only this symbol, as the venue writes it (repeatable)")
        ->expected(1)
        ->take_all();
    app.add_option("--instruments", opt.instrument_files,
                   "instrument list (venue REST reply, JSON subset or TOML; repeatable)")
        ->expected(1)
        ->take_all();
    app.add_option("--dump-books", dump_path, "write every level of every final book to FILE");
    app.add_flag(
        "--no-companions", [&](std::int64_t) { opt.find_companions = false; },
        "do not add REST snapshot files and instrument lists found beside a recording");
    app.add_flag("--quiet", quiet, "no progress line on stderr");
    app.add_option("--pool", pool_files,
                   "follow this Uniswap pool state file through a JSON-RPC recording (repeatable)")
        ->expected(1)
        ->take_all();
    app.add_option("FILE", files, "recordings (cryptofeed v2 text or v3 JSON lines)")->required();
    add_version_flag(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return parse_failed(app, e);
    }
    // Inputs: each once; an output that is one of them would destroy it.
    std::vector<std::pair<std::string, std::string>> inputs;
    for (const auto& [option, list] :
         {std::pair{"a FILE", &files}, std::pair{"--instruments", &opt.instrument_files},
          std::pair{"--pool", &pool_files}}) {
        if (auto err = add_inputs(option, *list, inputs)) {
            std::fprintf(stderr, "replay: %s\n", err->c_str());
            return exit_bad_input;
        }
    }
    if (auto err = output_is_an_input("--dump-books", dump_path, inputs)) {
        std::fprintf(stderr, "replay: %s\n", err->c_str());
        return exit_bad_input;
    }
    books_dump dump;
    if (!dump_path.empty()) {
        if (auto err = dump.open(dump_path)) {
            std::fprintf(stderr, "replay: --dump-books: %s\n", err->c_str());
            return exit_failed;
        }
    }
    if (!pool_files.empty()) {
        // DEX: follow pools through a recording of node notifications; report final states.
        if (files.size() != 1) {
            std::fprintf(stderr,
                         "replay: --pool takes exactly one RECORDING of JSON-RPC messages\n");
            return 2;
        }
        const auto result = feed::replay_pool_recording(pool_files, files.front());
        if (!result.ok()) {
            std::fprintf(stderr, "replay: %s\n", result.error.c_str());
            return 2;
        }
        std::printf("%s\n", feed::write_pool_replay_json(result).c_str());
        return 0;
    }
    if (!opt.venue.empty()) {
        const auto& names = feed::venue_names();
        if (std::find(names.begin(), names.end(), opt.venue) == names.end()) {
            std::fprintf(stderr, "replay: --venue: unknown venue '%s'\n", opt.venue.c_str());
            return 2;
        }
    }
    feed::replay_session session(opt);
    for (const auto& f : files) {
        if (auto err = session.add_file(f)) {
            std::fprintf(stderr, "replay: %s\n", err->c_str());
            return 2;
        }
    }
    session.run([&](const feed::replay_progress& p) {
        if (!quiet) {
            std::fprintf(stderr, "\rreplay: %llu frames, %.1f/%.1f MB",
                         static_cast<unsigned long long>(p.frames), p.bytes_read / 1e6,
                         p.bytes_total / 1e6);
        }
    });
    if (!quiet) {
        std::fputs("\r", stderr);
    }
    json_writer w(stdout);
    w.begin_object();
    std::vector<const feed::venue_feed*> feeds;
    for (const auto& f : session.feeds()) {
        feeds.push_back(f.get());
    }
    write_books_report(w, feeds);
    write_rejects(w, session.rejects());
    w.end_object();
    w.newline();
    if (dump.wanted()) {
        if (auto err = dump.write(feeds)) {
            std::fprintf(stderr, "replay: --dump-books: %s\n", err->c_str());
            return exit_failed;
        }
    }
    // A replay that built no book did not do its job: the recordings hold no usable frame (or
    // none of the asked symbols).
    std::size_t books = 0;
    for (const auto* f : feeds) {
        books += f->books().size();
    }
    if (books == 0) {
        std::string what = opt.symbols.empty() ? "no usable frame" : "no frame of --symbol";
        for (std::size_t i = 0; i < opt.symbols.size(); ++i) {
            what += (i ? ", " : " ") + opt.symbols[i];
        }
        std::fprintf(stderr, "replay: %s in %s%s (%llu rejected; see \"rejects\")\n", what.c_str(),
                     files.front().c_str(), files.size() > 1 ? " and the other recordings" : "",
                     static_cast<unsigned long long>(session.rejects().total()));
        return exit_bad_input;
    }
    return exit_done;
}

} // namespace ballast::cli
