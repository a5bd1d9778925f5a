// `ballast latency`: tick-to-order on this machine. Loopback sim-venues serve book frames at a
// chosen rate over WebSocket; the engine runs live on them with its latency probe (every Nth
// book update sends a small crossing IOC order through the venue's signed gateway), and the
// per-hop table and the tick-to-order distribution are printed with the machine's details.
#include "exec/engine.hpp"
#include "exec/loopback.hpp"
#include "exec/report.hpp"
#include "exec/scenario.hpp"
#include "feed/recording.hpp"
#include "feed/venues.hpp"
#include "tools/cli_checks.hpp"
#include "tools/commands.hpp"
#include "tools/exit_policy.hpp"
#include "tools/json_writer.hpp"

#include <CLI/CLI.hpp>
#include <sched.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace ballast::cli {

namespace {

/// The venues the bundled scenario trades through a signed gateway on a loopback sim-venue.
constexpr std::string_view latency_venues[] = {"bybit_spot", "bybit_linear"};

/// The first recorded snapshot of one book: the generated stream starts from it.
struct book_seed {
    std::string conn;
    std::string topic;
    std::string symbol;
    std::string snapshot; ///< the recorded frame, verbatim
    std::string best_bid;
    std::string best_ask;
    std::int64_t u = 0;
};

/// What a book snapshot frame of the bundled Bybit recording holds; nullopt for other frames.
std::optional<book_seed> read_snapshot(std::string_view data) {
    simdjson::padded_string padded(data);
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(padded).get(root)) {
        return std::nullopt;
    }
    std::string_view topic;
    std::string_view type;
    simdjson::dom::element d;
    if (root["topic"].get(topic) || !topic.starts_with("orderbook.") || root["type"].get(type) ||
        type != "snapshot" || root["data"].get(d)) {
        return std::nullopt;
    }
    std::string_view s;
    std::int64_t u = 0;
    std::string_view bid;
    std::string_view ask;
    if (d["s"].get(s) || d["u"].get(u) || d["b"].at(0).at(0).get(bid) ||
        d["a"].at(0).at(0).get(ask)) {
        return std::nullopt;
    }
    book_seed b;
    b.topic = topic;
    b.symbol = s;
    b.snapshot = data;
    b.best_bid = bid;
    b.best_ask = ask;
    b.u = u;
    return b;
}

/// Writes a recording of the chosen venues' connections: the recorded connects, subscriptions
/// and first book snapshots, then `rate` deltas per second for `seconds`, spread evenly over
/// the books, each changing the size at the best bid or ask (the book stays crossed-free and
/// every delta ends in a book update the engine sees).
std::optional<std::string> write_stream(const exec::feed_input& source,
                                        const std::vector<std::string>& venues, double rate,
                                        double seconds, const std::string& out_path,
                                        std::uint64_t& frames) {
    feed::recording_reader reader(false);
    if (auto err = reader.open(source.recording)) {
        return source.recording + ": " + *err;
    }
    feed::capture_writer out;
    if (auto err = out.open(out_path, "BYBIT")) {
        return out_path + ": " + *err;
    }
    // Every copied frame is stamped at the recording's first time: the stream starts at once.
    std::vector<book_seed> books;
    std::int64_t first_ts = 0;
    while (auto f = reader.next()) {
        const std::string_view venue = feed::detect_venue(f->url);
        if (std::find(venues.begin(), venues.end(), venue) == venues.end()) {
            continue;
        }
        if (first_ts == 0) {
            first_ts = f->ts.ns;
        }
        const timestamp_ns at{first_ts};
        if (f->kind == feed::frame_kind::connect) {
            out.write_connect(f->conn, at, f->url);
        } else if (f->kind == feed::frame_kind::sent) {
            out.write_send(f->conn, at, f->url, f->data);
        } else if (f->kind == feed::frame_kind::received) {
            auto seed = read_snapshot(f->data);
            if (!seed || std::find(source.symbols.begin(), source.symbols.end(), seed->symbol) ==
                             source.symbols.end()) {
                continue;
            }
            const bool known = std::any_of(books.begin(), books.end(), [&](const book_seed& b) {
                return b.conn == f->conn && b.symbol == seed->symbol;
            });
            if (!known) {
                seed->conn = f->conn;
                out.write_recv(f->conn, at, f->data);
                books.push_back(std::move(*seed));
            }
        }
    }
    if (books.empty()) {
        out.close();
        return source.recording + ": no book snapshot of the chosen venues";
    }
    const auto total = static_cast<std::uint64_t>(std::llround(rate * seconds));
    const double start_s = static_cast<double>(first_ts) / 1e9 + 0.5;
    std::string frame;
    for (std::uint64_t k = 0; k < total; ++k) {
        book_seed& b = books[k % books.size()];
        const double t_s = start_s + static_cast<double>(k) / rate;
        const auto ms = static_cast<std::int64_t>(t_s * 1e3);
        const bool bid = (k / books.size()) % 2 == 0;
        const char* size = (k / (2 * books.size())) % 2 == 0 ? "1.5" : "2.5";
        ++b.u;
        frame = "{\"topic\":\"" + b.topic + "\",\"ts\":" + std::to_string(ms) +
                ",\"type\":\"delta\",\"data\":{\"s\":\"" + b.symbol + "\",\"b\":[" +
                (bid ? "[\"" + b.best_bid + "\",\"" + size + "\"]" : std::string()) + "],\"a\":[" +
                (bid ? std::string() : "[\"" + b.best_ask + "\",\"" + size + "\"]") +
                "],\"u\":" + std::to_string(b.u) + ",\"seq\":" + std::to_string(b.u) +
                "},\"cts\":" + std::to_string(ms) + "}";
        out.write_recv(b.conn, timestamp_ns{static_cast<std::int64_t>(t_s * 1e9)}, frame);
    }
    out.close();
    frames = total;
    return std::nullopt;
}

std::string read_line(const char* path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line.empty() ? "unknown" : line;
}

std::string cpu_model() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with("model name")) {
            const auto colon = line.find(':');
            return colon == std::string::npos ? line : line.substr(colon + 2);
        }
    }
    return "unknown";
}

} // namespace

int run_latency(int argc, char** argv) {
    CLI::App app{"tick-to-order latency on this machine against loopback venues",
                 "ballast latency"};
    double rate = 10000.0;
    double seconds = 10.0;
    std::string venue_list = "bybit_spot,bybit_linear";
    std::int64_t every = 0;
    std::string idle = "yield";
    std::string journal_sync = "grouped";
    int engine_cpu = -1;
    std::string gateway_idle = "block";
    int gateway_cpu = -1;
    bool json = false;
    app.add_option("--rate", rate, "book frames per second, all venues together (default 10000)")
        ->check(number_in(1.0, 1000000.0));
    app.add_option("--seconds", seconds, "seconds of frames (default 10)")
        ->check(number_in(0.1, 3600.0));
    app.add_option("--venues", venue_list,
                   "comma-separated: bybit_spot, bybit_linear (default both)");
    app.add_option("--every", every,
                   "an order every Nth book update (default: rate / 10, ten orders a second, "
                   "under the bundled scenario's 20 orders/s per venue)")
        ->check(integer_in(1, 1000000));
    app.add_option("--idle", idle, "the engine's idle strategy: spin, yield (default), backoff")
        ->check(CLI::IsMember({"spin", "yield", "backoff"}));
    app.add_option("--journal-sync", journal_sync,
                   "journal fdatasync: every, grouped (default, as the bundled scenario), none")
        ->check(CLI::IsMember({"every", "grouped", "none"}));
    app.add_option("--engine-cpu", engine_cpu,
                   "pin the engine thread to this core, one this process may run on (default -1: "
                   "not pinned)")
        ->check(integer_in(-1, CPU_SETSIZE - 1));
    app.add_option("--gateway-idle", gateway_idle,
                   "the gateways' I/O threads when idle: block (default; the engine wakes them "
                   "with one system call per order) or spin (a core each, no wake-up)")
        ->check(CLI::IsMember({"block", "spin"}));
    app.add_option("--gateway-cpu", gateway_cpu,
                   "pin the first gateway's I/O thread to this core (the next gateway to the "
                   "next core; default -1: not pinned)")
        ->check(integer_in(-1, CPU_SETSIZE - 1));
    app.add_flag("--json", json, "print one JSON document");
    add_version_flag(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return parse_failed(app, e);
    }
    if (every == 0) {
        every = std::max<std::int64_t>(1, static_cast<std::int64_t>(rate / 10.0));
    }
    cpu_set_t usable;
    CPU_ZERO(&usable);
    const bool affinity_known = sched_getaffinity(0, sizeof usable, &usable) == 0;
    for (const auto& [option, core] :
         {std::pair{"--engine-cpu", engine_cpu}, std::pair{"--gateway-cpu", gateway_cpu}}) {
        if (core >= 0 && affinity_known && !CPU_ISSET(core, &usable)) {
            std::fprintf(stderr,
                         "latency: %s: core %d is not one this process may run on (%d "
                         "usable; see taskset -p %d)\n",
                         option, core, CPU_COUNT(&usable), static_cast<int>(::getpid()));
            return exit_bad_input;
        }
    }
    std::vector<std::string> venues;
    for (std::size_t at = 0; at <= venue_list.size();) {
        const std::size_t comma = std::min(venue_list.find(',', at), venue_list.size());
        const std::string v = venue_list.substr(at, comma - at);
        if (std::find(std::begin(latency_venues), std::end(latency_venues), v) ==
            std::end(latency_venues)) {
            std::fprintf(stderr,
                         "latency: --venues: \"%s\" is not a loopback venue with a signed "
                         "gateway (bybit_spot, bybit_linear)\n",
                         v.c_str());
            return 2;
        }
        if (std::find(venues.begin(), venues.end(), v) != venues.end()) {
            std::fprintf(stderr, "latency: --venues: \"%s\" is listed twice\n", v.c_str());
            return exit_bad_input;
        }
        venues.push_back(v);
        at = comma + 1;
    }
    auto sc = exec::load_scenario(std::string(BALLAST_SCENARIO_DIR) + "/scenario.toml");
    if (!sc.value) {
        std::fprintf(stderr, "latency: %s\n", sc.error.c_str());
        return 1;
    }
    const auto source =
        std::find_if(sc.value->feeds.begin(), sc.value->feeds.end(), [](const exec::feed_input& f) {
            return f.recording.find("BYBIT") != std::string::npos;
        });
    if (source == sc.value->feeds.end()) {
        std::fprintf(stderr, "latency: the bundled scenario has no Bybit recording\n");
        return 1;
    }
    std::error_code ec;
    const auto dir = std::filesystem::temp_directory_path(ec) /
                     ("ballast-latency-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        std::fprintf(stderr, "latency: %s: %s\n", dir.c_str(), ec.message().c_str());
        return 1;
    }
    struct cleanup {
        std::filesystem::path dir;
        ~cleanup() {
            std::error_code e;
            std::filesystem::remove_all(dir, e);
        }
    } remove_dir{dir};
    exec::feed_input stream = *source;
    stream.recording = (dir / "stream.jsonl").string();
    std::uint64_t written = 0;
    if (auto err = write_stream(*source, venues, rate, seconds, stream.recording, written)) {
        std::fprintf(stderr, "latency: %s\n", err->c_str());
        return 1;
    }
    exec::scenario& s = *sc.value;
    s.feeds = {stream};
    s.journal = (dir / "latency.journal").string();
    s.live.idle = idle;
    s.live.journal_sync = journal_sync;
    s.live.engine_cpu = engine_cpu;
    exec::loopback_options lo;
    lo.tail_s = 2.0;
    exec::loopback_venues loop;
    if (auto err = exec::start_loopback(s, lo, loop)) {
        std::fprintf(stderr, "latency: %s\n", err->c_str());
        return 1;
    }
    int next_gateway_cpu = gateway_cpu;
    for (exec::live_gateway_input& g : s.live.gateways) {
        g.idle = gateway_idle;
        if (next_gateway_cpu >= 0 && g.protocol != "paper") {
            g.cpu = next_gateway_cpu++;
        }
    }
    exec::engine_options eo;
    eo.live = true;
    eo.credentials = loop.credentials;
    eo.probe_every = static_cast<std::uint32_t>(every);
    auto created = exec::engine::create(s, eo);
    if (!created.value) {
        std::fprintf(stderr, "latency: %s\n", created.error.c_str());
        return 1;
    }
    const exec::run_result r = created.value->run();
    if (!r.error.empty()) {
        std::fprintf(stderr, "latency: %s\n", r.error.c_str());
        return 1;
    }
    const int cores = affinity_known ? CPU_COUNT(&usable) : 0;
    const std::string cpu = cpu_model();
    std::string isolated = read_line("/sys/devices/system/cpu/isolated");
    if (isolated == "unknown" || isolated.empty()) {
        isolated = "none";
    }
    const std::string clock = read_line("/sys/devices/system/clocksource/clocksource0/"
                                        "current_clocksource");
    const double frame_rate = static_cast<double>(r.frames) / seconds;
    std::uint64_t orders = 0;
    for (const auto n : r.orders_by_state) {
        orders += n;
    }
    // Triggers that sent nothing: the pre-trade gate's reasons and the gateways' refusals.
    std::string not_sent;
    for (const auto& [why, n] : r.gate_rejects) {
        not_sent += (not_sent.empty() ? "" : ", ") + why + " " + std::to_string(n);
    }
    std::string venue_names;
    for (const auto& v : venues) {
        venue_names += (venue_names.empty() ? "" : ", ") + v;
    }
    if (json) {
        json_writer w(stdout);
        w.begin_object().field("rate", rate).field("seconds", seconds);
        w.key("venues").begin_array();
        for (const auto& v : venues) {
            w.value(v);
        }
        w.end_array()
            .field("every", static_cast<long long>(every))
            .field("idle", idle)
            .field("journal_sync", journal_sync)
            .field("gateway_idle", gateway_idle)
            .field("frames_written", static_cast<unsigned long long>(written))
            .field("frames", static_cast<unsigned long long>(r.frames))
            .field("orders", static_cast<unsigned long long>(orders));
        w.key("pre_trade_rejects").begin_object();
        for (const auto& [why, n] : r.gate_rejects) {
            w.field(why, static_cast<unsigned long long>(n));
        }
        w.end_object()
            .field("gateway_refusals", static_cast<unsigned long long>(r.gateway_refusals))
            .field("frame_read",
                   r.kernel_stamped_frames > 0 ? "kernel_receive_stamp" : "websocket_read_return")
            .field("kernel_stamped_frames",
                   static_cast<unsigned long long>(r.kernel_stamped_frames));
        w.key("machine")
            .begin_object()
            .field("cpu", cpu)
            .field("cores", cores)
            .field("isolated", isolated)
            .field("clocksource", clock)
            .field("engine_cpu", engine_cpu)
            .field("gateway_cpu", gateway_cpu)
            .end_object();
        w.key("latency_ns").raw(exec::latency_json(r));
        w.end_object().newline();
        return w.ok() ? exit_done : exit_failed;
    }
    std::printf("latency: %.0f frames/s for %.1f s over %s (loopback sim-venue, signed "
                "Bybit gateway), an order every %lld book updates\n",
                rate, seconds, venue_names.c_str(), static_cast<long long>(every));
    std::printf("machine: %s; %d cores usable; isolated: %s; clock source: %s\n", cpu.c_str(),
                cores, isolated.c_str(), clock.c_str());
    std::printf("threads: engine (%s, idle %s, journal sync %s), one feed thread and one gateway "
                "I/O thread (%s, idle %s) per venue, the sim-venues' server in this process\n",
                engine_cpu >= 0 ? ("core " + std::to_string(engine_cpu)).c_str() : "not pinned",
                idle.c_str(), journal_sync.c_str(),
                gateway_cpu >= 0 ? ("from core " + std::to_string(gateway_cpu)).c_str()
                                 : "not pinned",
                gateway_idle.c_str());
    std::printf("frames: %llu written, %llu received (%.0f/s); orders: %llu (pre-trade rejects: "
                "%s; refused by a gateway: %llu)\n",
                static_cast<unsigned long long>(written), static_cast<unsigned long long>(r.frames),
                frame_rate, static_cast<unsigned long long>(orders),
                not_sent.empty() ? "none" : not_sent.c_str(),
                static_cast<unsigned long long>(r.gateway_refusals));
    std::fputs(exec::latency_report(r).c_str(), stdout);
    return 0;
}

} // namespace ballast::cli
