// ballast bench: the hot path's benchmarks on a user's own data.
//   bench replay [--reps N] FILE...   raw frame text to book, per venue, from empty state
//   bench quote --pool FILE ...       one Uniswap swap quote, repeated
// One JSON line per venue (replay) or one line (quote) on stdout. Each frame's decode is timed
// alone with the TSC (the two clock reads, about 10-20 ns, are inside every sample); the
// books after the timed repetitions must equal a plain replay's, or the command exits 1.
#include "book/pool_state.hpp"
#include "feed/replay_memory.hpp"
#include "feed/tsc.hpp"
#include "tools/cli_checks.hpp"
#include "tools/commands.hpp"
#include "tools/exit_policy.hpp"
#include "tools/json_writer.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace ballast::cli {

namespace {

struct venue_figures {
    std::vector<std::uint32_t> ns; // per frame that carried a book message, every repetition
    std::uint64_t bytes = 0;       // of those frames, one repetition
};

/// The q-quantile of `v` (nearest rank; reorders v).
std::uint64_t quantile(std::vector<std::uint32_t>& v, double q) {
    if (v.empty()) {
        return 0;
    }
    const auto k =
        std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k];
}

std::uint32_t elapsed_ns(std::uint64_t t0, std::uint64_t t1, double tsc_per_ns) {
    const double ns = static_cast<double>(t1 - t0) / tsc_per_ns;
    return ns >= 4e9 ? UINT32_MAX : static_cast<std::uint32_t>(ns);
}

int bench_replay(const std::vector<std::string>& files, std::int64_t reps) {
    // The reference: a plain replay (companions found as `replay` finds them), every frame it
    // dispatched kept in memory.
    feed::memory_replay recorded;
    if (auto err = recorded.load(files)) {
        std::fprintf(stderr, "bench replay: %s\n", err->c_str());
        return exit_bad_input;
    }
    const auto& reference = recorded.reference_feeds();
    // The timed repetitions: fresh decoders each time, the reference's instrument lists.
    const double tsc_per_ns = feed::calibrate_tsc_per_ns();
    std::vector<venue_figures> figures(reference.size());
    for (auto& f : figures) {
        f.ns.reserve(recorded.frames().size() * static_cast<std::size_t>(reps) / reference.size());
    }
    std::vector<std::unique_ptr<feed::venue_feed>> last;
    feed::reject_log rejects;
    for (std::int64_t rep = 0; rep < reps; ++rep) {
        auto feeds = recorded.make_feeds(rejects);
        for (const auto& k : recorded.frames()) {
            feed::venue_feed& f = *feeds[k.feed];
            const std::uint64_t before = feed::book_messages(f);
            const std::uint64_t t0 = feed::tsc_now();
            const bool message = recorded.play(k, f);
            const std::uint64_t t1 = feed::tsc_now();
            if (message && feed::book_messages(f) > before) {
                figures[k.feed].ns.push_back(elapsed_ns(t0, t1, tsc_per_ns));
                figures[k.feed].bytes += rep == 0 ? k.size : 0;
            }
        }
        last = std::move(feeds);
    }
    json_writer w(stdout);
    for (std::size_t i = 0; i < reference.size(); ++i) {
        const feed::venue_feed& ref = *reference[i];
        if (const std::string diff = feed::books_differ(ref, *last[i]); !diff.empty()) {
            std::fprintf(stderr, "bench replay: the timed books differ from replay's: %s\n",
                         diff.c_str());
            return exit_failed;
        }
        std::uint64_t checksums = 0;
        std::uint64_t gaps = 0;
        for (const auto& b : ref.books()) {
            checksums += b->counters.checksum_ok;
            gaps += b->counters.gaps;
        }
        auto& ns = figures[i].ns;
        double sum = 0;
        for (const auto x : ns) {
            sum += x;
        }
        const double mean_ns = ns.empty() ? 0.0 : sum / static_cast<double>(ns.size());
        const std::uint64_t min_ns = ns.empty() ? 0 : *std::min_element(ns.begin(), ns.end());
        w.begin_object()
            .field("venue", ref.venue())
            .field("frames", feed::book_messages(ref))
            .field("bytes", figures[i].bytes)
            .field("reps", static_cast<std::uint64_t>(reps))
            .field("median_ns_per_frame", quantile(ns, 0.5))
            .field("p99_ns_per_frame", quantile(ns, 0.99))
            .field("min_ns_per_frame", min_ns)
            .field("frames_per_s", mean_ns > 0 ? 1e9 / mean_ns : 0.0)
            .field("books", static_cast<std::uint64_t>(ref.books().size()))
            .field("checksums_ok", checksums)
            .field("gaps", gaps)
            .end_object()
            .newline();
    }
    return w.ok() ? exit_done : exit_failed;
}

int bench_quote(const std::string& pool_path, const std::string& amount_text, bool exact_in,
                bool zero_for_one, std::int64_t reps) {
    const auto amount = parse_u256(amount_text);
    const char* option = exact_in ? "--exact-in" : "--exact-out";
    if (!amount || *amount == 0) {
        std::fprintf(stderr,
                     "bench quote: %s: expected a positive integer in raw token units below "
                     "2^256, got '%s'\n",
                     option, amount_text.c_str());
        return exit_bad_input;
    }
    const auto loaded = load_pool_state(pool_path);
    if (!loaded.ok()) {
        std::fprintf(stderr, "bench quote: --pool %s\n", loaded.error.c_str());
        return exit_bad_input;
    }
    const pool_state& pool = loaded.state;
    const double tsc_per_ns = feed::calibrate_tsc_per_ns();
    std::vector<std::uint32_t> ns;
    ns.reserve(static_cast<std::size_t>(reps));
    pool_error error = pool_error::ok;
    std::uint32_t ticks = 0;
    std::uint32_t steps = 0;
    u256 out = 0;
    for (std::int64_t i = 0; i < reps; ++i) {
        const std::uint64_t t0 = feed::tsc_now();
        if (pool.kind == pool_kind::uniswap_v3) {
            const auto r = pool.v3.quote({zero_for_one, exact_in, *amount, 0});
            const std::uint64_t t1 = feed::tsc_now();
            ns.push_back(elapsed_ns(t0, t1, tsc_per_ns));
            error = r.error;
            ticks = r.ticks_crossed;
            steps = r.steps;
            out = r.amount_out;
        } else {
            const auto r = pool.v2.quote({zero_for_one, exact_in, *amount});
            const std::uint64_t t1 = feed::tsc_now();
            ns.push_back(elapsed_ns(t0, t1, tsc_per_ns));
            error = r.error;
            out = r.amount_out;
        }
        if (error != pool_error::ok) {
            std::fprintf(stderr, "bench quote: the pool reverts: %s (%s)\n",
                         std::string(to_string(error)).c_str(),
                         std::string(explain(error)).c_str());
            return exit_failed;
        }
    }
    json_writer w(stdout);
    w.begin_object()
        .field("median_ns_per_quote", quantile(ns, 0.5))
        .field("p99_ns_per_quote", quantile(ns, 0.99))
        .field("ticks_crossed", ticks)
        .field("steps", steps)
        .field("amount_out", to_decimal(out))
        .end_object()
        .newline();
    return w.ok() ? exit_done : exit_failed;
}

} // namespace

int run_bench(int argc, char** argv) {
    CLI::App app{"the hot path's benchmarks on your own data (JSON lines on stdout)",
                 "ballast bench"};
    app.require_subcommand(1);
    auto* replay = app.add_subcommand(
        "replay", "raw frame text to book for every frame of the recordings, per venue, N "
                  "times from empty state (companion snapshot and instrument files found as "
                  "`replay` finds them); the books must equal replay's");
    std::vector<std::string> files;
    std::int64_t reps = 5;
    replay->add_option("FILE", files, "recordings")->required();
    replay->add_option("--reps", reps, "timed repetitions (default 5)")
        ->check(integer_in(1, 10000));
    auto* quote = app.add_subcommand("quote", "one Uniswap swap quote from a pool state file, "
                                              "repeated");
    std::string pool_path;
    std::string exact_in;
    std::string exact_out;
    bool zero_for_one = false;
    bool one_for_zero = false;
    std::int64_t quote_reps = 100000;
    quote->add_option("--pool", pool_path, "pool state file (see book/README.md)")->required();
    auto* in_opt = quote->add_option("--exact-in", exact_in, "exact input (raw units)");
    auto* out_opt = quote->add_option("--exact-out", exact_out, "exact output (raw units)");
    in_opt->excludes(out_opt);
    auto* zfo = quote->add_flag("--zero-for-one", zero_for_one, "token0 in, token1 out");
    auto* ofz = quote->add_flag("--one-for-zero", one_for_zero, "token1 in, token0 out");
    zfo->excludes(ofz);
    quote->add_option("--reps", quote_reps, "quotes timed (default 100000)")
        ->check(integer_in(1, 100'000'000));
    add_version_flag(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return parse_failed(app, e);
    }
    if (replay->parsed()) {
        return bench_replay(files, reps);
    }
    if (exact_in.empty() == exact_out.empty()) {
        std::fprintf(stderr, "bench quote: give one of --exact-in N or --exact-out N\n");
        return exit_bad_input;
    }
    if (!zero_for_one && !one_for_zero) {
        std::fprintf(stderr, "bench quote: give one of --zero-for-one or --one-for-zero\n");
        return exit_bad_input;
    }
    return bench_quote(pool_path, exact_in.empty() ? exact_out : exact_in, !exact_in.empty(),
                       zero_for_one, quote_reps);
}

} // namespace ballast::cli
