#include "exec/sim_venue.hpp"

#include "feed/metrics.hpp"

#include "exec/sim_venue_protocols.hpp"
#include "feed/instruments.hpp"
#include "feed/recording.hpp"
#include "feed/replay.hpp"
#include "feed/tls_cert.hpp"
#include "feed/venues.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace ballast::exec {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------------
// --faults

std::string_view sim_faults_help() noexcept {
    return "--faults: a comma list of KIND:key=value[:key=value...]\n"
           "  kinds: drop, dup, reorder (with the next frame), corrupt (checksum; okx, kraken),\n"
           "         garbage (a non-JSON frame before it), close (after it), stall (write nothing\n"
           "         for ms after it), refuse (the N-th subscription request gets the venue's "
           "error)\n"
           "  keys:  frame=N (or after=N; refuse: sub=N) the N-th recorded frame routed to a\n"
           "         connection, 1-based; conn=K only the K-th connection (1-based, accept "
           "order);\n"
           "         conn=all every connection (default: the first connection that reaches N);\n"
           "         p=X with seed=S each frame with probability X (deterministic); ms=T (stall)\n"
           "  e.g.   drop:frame=40,close:after=100:conn=all,stall:frame=10:ms=2000,refuse:sub=1\n"
           "  order side (order=N: the N-th order request, new/cancel/amend, all connections):\n"
           "         ack_drop (processed, no acknowledgement), fill_delay (its execution reports\n"
           "         from the first fill on sent ms later), order_close (connection closed as it\n"
           "         arrives; processed), report_dup (its execution reports sent twice),\n"
           "         rate_limit (refused with the venue's rate-limit error)\n"
           "  e.g.   rate_limit:order=1,fill_delay:order=2:ms=500";
}

bool sim_order_fault(sim_fault_kind k) noexcept {
    return k == sim_fault_kind::ack_drop || k == sim_fault_kind::fill_delay ||
           k == sim_fault_kind::order_close || k == sim_fault_kind::report_dup ||
           k == sim_fault_kind::rate_limit;
}

namespace {

bool parse_u64(std::string_view s, std::uint64_t& out) noexcept {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size() && !s.empty();
}

bool parse_double(std::string_view s, double& out) noexcept {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size() && !s.empty();
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    for (;;) {
        const auto p = s.find(sep);
        out.push_back(s.substr(0, p));
        if (p == std::string_view::npos) {
            return out;
        }
        s.remove_prefix(p + 1);
    }
}

// A deterministic draw in [0, 1) per (seed, connection, frame): splitmix64.
double fault_draw(std::uint64_t seed, std::uint64_t conn, std::uint64_t frame) noexcept {
    std::uint64_t z = seed * 0x9E3779B97F4A7C15ULL + conn * 0xBF58476D1CE4E5B9ULL + frame;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) / static_cast<double>(1ULL << 53);
}

} // namespace

std::optional<std::string> parse_sim_faults(std::string_view spec, std::vector<sim_fault>& out) {
    if (spec.empty()) {
        return std::nullopt;
    }
    for (const auto item : split(spec, ',')) {
        const auto parts = split(item, ':');
        const auto bad = [&](std::string_view why) {
            return "--faults: '" + std::string(item) + "': " + std::string(why);
        };
        sim_fault f;
        const std::string_view kind = parts[0];
        if (kind == "drop") {
            f.kind = sim_fault_kind::drop;
        } else if (kind == "dup" || kind == "duplicate") {
            f.kind = sim_fault_kind::duplicate;
        } else if (kind == "reorder") {
            f.kind = sim_fault_kind::reorder;
        } else if (kind == "corrupt") {
            f.kind = sim_fault_kind::corrupt;
        } else if (kind == "garbage") {
            f.kind = sim_fault_kind::garbage;
        } else if (kind == "close") {
            f.kind = sim_fault_kind::close;
        } else if (kind == "stall") {
            f.kind = sim_fault_kind::stall;
        } else if (kind == "refuse") {
            f.kind = sim_fault_kind::refuse;
        } else if (kind == "ack_drop") {
            f.kind = sim_fault_kind::ack_drop;
        } else if (kind == "fill_delay") {
            f.kind = sim_fault_kind::fill_delay;
        } else if (kind == "order_close") {
            f.kind = sim_fault_kind::order_close;
        } else if (kind == "report_dup") {
            f.kind = sim_fault_kind::report_dup;
        } else if (kind == "rate_limit") {
            f.kind = sim_fault_kind::rate_limit;
        } else {
            return bad("unknown kind (drop, dup, reorder, corrupt, garbage, close, stall, refuse, "
                       "ack_drop, fill_delay, order_close, report_dup, rate_limit)");
        }
        for (std::size_t i = 1; i < parts.size(); ++i) {
            const auto eq = parts[i].find('=');
            if (eq == std::string_view::npos) {
                return bad("expected key=value, got '" + std::string(parts[i]) + "'");
            }
            const auto key = parts[i].substr(0, eq);
            for (std::size_t k = 1; k < i; ++k) {
                if (parts[k].substr(0, parts[k].find('=')) == key) {
                    return bad("'" + std::string(key) + "' given twice");
                }
            }
            const auto value = parts[i].substr(eq + 1);
            bool ok = true;
            if (key == "frame" || key == "after" || key == "sub" || key == "n" || key == "order") {
                ok = parse_u64(value, f.at) && f.at > 0;
            } else if (key == "conn") {
                if (value == "all") {
                    f.all = true;
                } else {
                    ok = parse_u64(value, f.conn) && f.conn > 0;
                }
            } else if (key == "ms") {
                ok = parse_u64(value, f.ms) && f.ms <= 3600000;
            } else if (key == "p") {
                ok = parse_double(value, f.probability) && f.probability > 0.0 &&
                     f.probability <= 1.0;
            } else if (key == "seed") {
                ok = parse_u64(value, f.seed);
            } else {
                return bad("unknown key '" + std::string(key) +
                           "' (frame, after, sub, order, conn, ms, p, seed)");
            }
            if (!ok) {
                return bad("bad value for " + std::string(key) + ": '" + std::string(value) + "'");
            }
        }
        if (f.at == 0 && f.probability == 0.0) {
            return bad("needs frame=N (after=N, sub=N, order=N) or p=X");
        }
        if (sim_order_fault(f.kind) && (f.conn != 0 || f.all)) {
            return bad("order faults count requests over all connections: no conn=");
        }
        if (f.kind == sim_fault_kind::refuse && f.probability > 0.0) {
            return bad("refuse takes sub=N, not p");
        }
        out.push_back(f);
    }
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Server

namespace {

/// The server's side of a WebSocket connection (besides what protocols see).
class sim_session : public sim_client {
  public:
    [[nodiscard]] virtual std::size_t queued() const noexcept = 0;
    virtual void stall(std::chrono::milliseconds ms) = 0;
    /// Drops the TCP connection now (slow consumer).
    virtual void drop_now() = 0;
    std::uint64_t routed = 0;        ///< recorded frames routed to it (fault frame numbers)
    std::uint64_t dropped = 0;       ///< frames a `drop` fault took (counted in messages_sent)
    std::optional<std::string> held; ///< a frame held back by `reorder`
    bool gone = false;
};

std::string json_escape(std::string_view s) {
    std::string out;
    feed::append_json_string(out, s);
    return out;
}

} // namespace

struct sim_venue::impl final : sim_context {
    explicit impl(sim_venue_options o) : options(std::move(o)) {}

    // --- configuration
    sim_venue_options options;
    std::unique_ptr<sim_protocol> protocol;
    std::vector<sim_protocol::endpoint> endpoints;
    std::string host = "127.0.0.1";
    std::uint16_t listen_port = 0;
    std::uint16_t bound_port = 0;
    std::string ca_path;

    // --- capture
    instrument_registry registry;
    feed::reject_log rejects;
    struct source {
        std::string path;
        std::unique_ptr<feed::recording_reader> reader;
        std::optional<feed::recorded_frame> next;
        /// Playback: this connection's frames only. A file holds its connections one after
        /// another or interleaved; one reader per connection, merged by time, plays them in
        /// recorded order either way.
        std::optional<std::string> conn;
        void advance() {
            next = reader->next();
            while (next && conn && next->conn != *conn) {
                next = reader->next();
            }
        }
    };
    std::vector<source> sources;
    /// By capture path: the connections prescan() saw in it.
    std::map<std::string, std::vector<std::string>, std::less<>> connections_of;
    /// Ballast's decoders over the capture, with the capture's connections mapped to them.
    struct decoder_set {
        struct connection {
            std::size_t source = 0;
            std::string conn;
            feed::venue_feed* feed = nullptr;
            std::uint32_t index = 0;
        };
        std::vector<connection> connections;
        std::vector<std::unique_ptr<feed::venue_feed>> feeds;
        /// Plays one frame into its decoder; the decoder when it was a received stream frame.
        feed::venue_feed* play(impl& m, std::size_t source_index, const feed::recorded_frame& rf);
        feed::venue_feed* feed_for(impl& m, std::string_view venue);
    };
    decoder_set decoders; // playback: the sim's books
    decoder_set scan;     // the whole capture, decoded before serving (symbols and their specs)
    std::vector<std::string> list_paths; // instrument lists beside the captures
    std::vector<std::pair<std::string, std::string>> replies_played; // url -> body
    std::vector<std::pair<std::string, std::string>> replies_future; // first of each url
    std::unordered_map<std::string, std::string> last_frames;        // feed + '\n' + key -> text
    std::unordered_map<std::string, bool> known_keys;
    std::unordered_map<std::string, std::vector<const instrument_spec*>> feed_symbols;
    timestamp_ns now_capture{};
    timestamp_ns first_ts{};
    std::uint64_t played = 0;
    std::atomic<std::uint64_t> played_atomic{0};
    std::atomic<bool> done{false};
    bool started = false;
    bool waiting_drain = false;
    steady::time_point waiting_since{};
    steady::time_point wall0{};
    std::uint64_t slow_disconnects = 0;
    std::uint64_t frames_sent_total = 0; ///< over every connection, closed ones too
    std::uint64_t connections_total = 0;
    // --metrics: published on the server thread at each tick (null: no metrics).
    struct metric_cells {
        feed::metrics::cell* played = nullptr;
        feed::metrics::cell* done = nullptr;
        feed::metrics::cell* connections = nullptr;
        feed::metrics::cell* connections_total = nullptr;
        feed::metrics::cell* frames_sent = nullptr;
        feed::metrics::cell* slow = nullptr;
        feed::metrics::cell* orders = nullptr;
    };
    std::optional<metric_cells> cells;
    void publish_metrics() noexcept {
        if (!cells) {
            return;
        }
        cells->played->set(played);
        cells->done->set(done.load() ? 1.0 : 0.0);
        cells->connections->set(static_cast<std::uint64_t>(clients.size()));
        cells->connections_total->set(connections_total);
        cells->frames_sent->set(frames_sent_total);
        cells->slow->set(slow_disconnects);
        cells->orders->set(order_requests_seen);
    }

    // --- server
    net::io_context io{1};
    std::optional<net::ssl::context> tls;
    std::optional<tcp::acceptor> acceptor;
    std::optional<net::steady_timer> pump_timer;
    std::optional<net::steady_timer> tick_timer;
    std::vector<std::shared_ptr<sim_session>> clients;
    std::uint64_t next_client_id = 1;
    std::vector<bool> fault_fired;
    std::thread thread;
    std::mutex sink_mutex;
    std::function<void(const std::string&)> sink;
    bool stopped = false;

    // --- order side
    std::unique_ptr<sim_orders> engine;
    std::uint64_t order_requests_seen = 0;
    sim_order_faults current_faults;

    // --- loading
    std::optional<std::string> load();
    std::optional<std::string> open_sources(bool companions);
    void prescan();
    std::string feed_of_url(std::string_view url) const;

    // --- playback
    void start_playback();
    void pump();
    void play(std::size_t source_index, const feed::recorded_frame& rf);
    void deliver(sim_session& c, const sim_subscription& s, std::string_view text);
    void send_frame(sim_session& c, std::string text);
    [[nodiscard]] bool fault_hits(std::size_t i, const sim_fault& f, sim_session& c,
                                  std::uint64_t n);
    void on_drained();
    void tick();
    void finish();

    // --- network
    void accept();
    void add_client(std::shared_ptr<sim_session> c) {
        clients.push_back(std::move(c));
        ++connections_total;
    }
    void remove_client(const sim_session* c) {
        std::erase_if(clients, [&](const auto& p) { return p.get() == c; });
        if (waiting_drain) {
            on_drained();
        }
    }
    sim_http_reply http_reply(const sim_http_request& req);
    std::string status_json() const;
    void on_message(sim_session& c, std::string_view text) { protocol->on_message(*this, c, text); }
    void emit(const std::string& line) {
        std::lock_guard lock(sink_mutex);
        if (sink) {
            sink(line);
        }
    }
    std::string scheme_ws() const { return options.tls ? "wss" : "ws"; }
    std::string scheme_http() const { return options.tls ? "https" : "http"; }
    std::string host_for_url() const {
        return host.find(':') != std::string::npos ? "[" + host + "]" : host;
    }

    // --- sim_context
    const feed::venue_book* book(std::string_view feed, std::string_view symbol) override {
        for (auto& f : decoders.feeds) {
            if (f->venue() == feed) {
                return f->find_book(symbol);
            }
        }
        return nullptr;
    }
    const instrument_registry& instruments() const override { return registry; }
    const instrument_spec* spec(std::string_view feed, std::string_view symbol) override {
        if (const auto* s = registry.find(feed, symbol)) {
            return s;
        }
        for (const auto* s : symbols(feed)) {
            if (s->symbol == symbol) {
                return s;
            }
        }
        return nullptr;
    }
    std::vector<const instrument_spec*> symbols(std::string_view feed) override {
        auto it = feed_symbols.find(std::string(feed));
        return it == feed_symbols.end() ? std::vector<const instrument_spec*>{} : it->second;
    }
    void subscribe(sim_client& c, sim_subscription s) override;
    bool unsubscribe(sim_client& c, std::string_view key, std::string_view feed) override {
        const auto before = c.subs.size();
        std::erase_if(c.subs, [&](const auto& s) { return s.key == key && s.feed == feed; });
        return c.subs.size() != before;
    }
    bool refuse_subscription(sim_client& c) override;
    std::string_view last_frame(std::string_view key, std::string_view feed) const override {
        auto it = last_frames.find(std::string(feed) + '\n' + std::string(key));
        return it == last_frames.end() ? std::string_view{} : std::string_view(it->second);
    }
    const std::string* recorded_reply(std::string_view url_part) const override {
        for (auto it = replies_played.rbegin(); it != replies_played.rend(); ++it) {
            if (it->first.find(url_part) != std::string::npos) {
                return &it->second;
            }
        }
        for (const auto& [url, body] : replies_future) {
            if (url.find(url_part) != std::string::npos) {
                return &body;
            }
        }
        return nullptr;
    }
    std::vector<const std::string*> recorded_replies(std::string_view url_part) const override {
        std::vector<const std::string*> out;
        for (const auto& [url, body] : replies_future) {
            if (url.find(url_part) != std::string::npos) {
                const std::string* latest = &body;
                for (const auto& [u2, b2] : replies_played) {
                    if (u2 == url) {
                        latest = &b2;
                    }
                }
                out.push_back(latest);
            }
        }
        return out;
    }
    timestamp_ns capture_time() const override { return now_capture; }
    bool key_known(std::string_view key, std::string_view feed) const override {
        return known_keys.contains(std::string(feed) + '\n' + std::string(key));
    }
    sim_orders* orders() override { return engine.get(); }
    std::int64_t now_ms() const override {
        if (options.clock_ms) {
            return options.clock_ms();
        }
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
    sim_order_faults order_request() override;
    void publish() override;
    std::vector<sim_client*> connections() override {
        std::vector<sim_client*> out;
        for (const auto& c : clients) {
            if (!c->gone) {
                out.push_back(c.get());
            }
        }
        return out;
    }
    void send_events(const std::vector<sim_event>& events, bool twice);
};

// ---------------------------------------------------------------------------------------------
// Loading

std::string sim_venue::impl::feed_of_url(std::string_view url) const {
    std::string v(feed::detect_venue(url));
    if (v.empty() || !protocol->serves_feed(v)) {
        // A capture whose URLs name no venue (a local recording): its single endpoint's feed.
        if (endpoints.size() == 1 && v.empty()) {
            return endpoints.front().feed;
        }
        return protocol->serves_feed(v) ? v : std::string();
    }
    return v;
}

feed::venue_feed* sim_venue::impl::decoder_set::feed_for(impl& m, std::string_view venue) {
    for (auto& f : feeds) {
        if (f->venue() == venue) {
            return f.get();
        }
    }
    feed::feed_options fo;
    fo.keep_text = true; // snapshots carry the venue's own level text
    auto f = feed::make_venue_feed(venue, m.registry, m.rejects, fo);
    if (!f) {
        return nullptr;
    }
    feeds.push_back(std::move(f));
    return feeds.back().get();
}

feed::venue_feed* sim_venue::impl::decoder_set::play(impl& m, std::size_t source_index,
                                                     const feed::recorded_frame& rf) {
    connection* c = nullptr;
    for (auto& x : connections) {
        if (x.source == source_index && x.conn == rf.conn) {
            c = &x;
            break;
        }
    }
    if (c == nullptr) {
        connection n;
        n.source = source_index;
        n.conn = std::string(rf.conn);
        n.index = static_cast<std::uint32_t>(connections.size());
        const std::string v = m.feed_of_url(rf.url);
        n.feed = v.empty() ? nullptr : feed_for(m, v);
        connections.push_back(std::move(n));
        c = &connections.back();
    }
    if (c->feed == nullptr) {
        return nullptr;
    }
    const feed::feed_frame ff{rf.data, rf.ts,    rf.line,
                              rf.url,  c->index, rf.kind == feed::frame_kind::response};
    switch (rf.kind) {
    case feed::frame_kind::connect:
        c->feed->on_connect(ff);
        return nullptr;
    case feed::frame_kind::sent:
        c->feed->on_sent(ff);
        return nullptr;
    case feed::frame_kind::response:
    case feed::frame_kind::received:
        c->feed->on_frame(ff);
        return c->feed;
    default: // client markers
        return nullptr;
    }
}

std::optional<std::string> sim_venue::impl::open_sources(bool companions) {
    std::vector<std::string> paths;
    for (const auto& p : options.captures) {
        if (std::find(paths.begin(), paths.end(), p) == paths.end()) {
            paths.push_back(p);
        }
        if (companions) {
            const auto c = feed::find_companions(p);
            for (const auto& r : c.recordings) {
                if (std::find(paths.begin(), paths.end(), r) == paths.end()) {
                    paths.push_back(r);
                }
            }
            for (const auto& l : c.instrument_lists) {
                (void)feed::load_instrument_file(l, registry); // a convenience, as in replay
                if (std::find(list_paths.begin(), list_paths.end(), l) == list_paths.end()) {
                    list_paths.push_back(l);
                }
            }
        }
    }
    sources.clear();
    for (const auto& p : paths) {
        const auto conns = connections_of.find(p);
        const std::size_t n = conns == connections_of.end() ? 1 : conns->second.size();
        for (std::size_t k = 0; k < n; ++k) {
            auto reader = std::make_unique<feed::recording_reader>(false);
            if (auto err = reader->open(p)) {
                return "--capture: cannot read " + p + ": " + *err;
            }
            sources.push_back({p, std::move(reader), std::nullopt,
                               conns == connections_of.end()
                                   ? std::nullopt
                                   : std::optional<std::string>(conns->second[k])});
        }
    }
    return std::nullopt;
}

void sim_venue::impl::prescan() {
    // One pass before serving, through decoders of its own: the first REST reply of each URL
    // (a Binance client may ask for the depth snapshot before playback reaches it), the routes
    // the capture holds, and its symbols with their specs (the venue's, or derived from the
    // decimals the capture writes) for the derived instrument lists.
    for (std::size_t i = 0; i < sources.size(); ++i) {
        while (auto f = sources[i].reader->next()) {
            auto& conns = connections_of[sources[i].path];
            if (std::find(conns.begin(), conns.end(), f->conn) == conns.end()) {
                conns.emplace_back(f->conn);
            }
            feed::venue_feed* fd = scan.play(*this, i, *f);
            if (fd == nullptr) {
                continue;
            }
            if (first_ts.ns == 0 || f->ts < first_ts) {
                first_ts = f->ts;
            }
            if (f->kind == feed::frame_kind::response) {
                const std::string url(f->url);
                if (std::none_of(replies_future.begin(), replies_future.end(),
                                 [&](const auto& r) { return r.first == url; })) {
                    replies_future.emplace_back(url, std::string(f->data));
                }
                continue;
            }
            sim_route r;
            if (protocol->route(fd->venue(), f->data, r)) {
                known_keys[fd->venue() + '\n' + r.key] = true;
            }
            protocol->observe_capture(fd->venue(), f->data);
        }
    }
    // Instrument lists recorded as REST replies (Kraken AssetPairs, Deribit get_instruments)
    // are served as the venue sent them.
    for (const auto& path : list_paths) {
        feed::recording_reader r(false);
        if (r.open(path)) {
            continue;
        }
        while (auto f = r.next()) {
            if (f->kind == feed::frame_kind::response) {
                const std::string url(f->url);
                if (std::none_of(replies_future.begin(), replies_future.end(),
                                 [&](const auto& x) { return x.first == url; })) {
                    replies_future.emplace_back(url, std::string(f->data));
                }
            }
        }
    }
    for (const auto& fd : scan.feeds) {
        auto& v = feed_symbols[fd->venue()];
        for (const auto& b : fd->books()) {
            v.push_back(b->spec);
        }
    }
}

std::optional<std::string> sim_venue::impl::load() {
    protocol = make_sim_protocol(options.venue);
    if (!protocol) {
        std::string names;
        for (auto n : sim_venue_names()) {
            names += (names.empty() ? "" : "|") + std::string(n);
        }
        return "--venue: unknown venue '" + options.venue + "' (" + names + ")";
    }
    endpoints = protocol->endpoints();
    {
        const auto colon = options.listen.rfind(':');
        std::uint64_t port = 0;
        if (colon == std::string::npos || !parse_u64(options.listen.substr(colon + 1), port) ||
            port > 65535) {
            return "--listen: '" + options.listen + "' is not HOST:PORT";
        }
        host = options.listen.substr(0, colon);
        if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
            host = host.substr(1, host.size() - 2);
        }
        boost::system::error_code ec;
        (void)net::ip::make_address(host, ec);
        if (ec) {
            return "--listen: '" + host + "' is not an IP address";
        }
        listen_port = static_cast<std::uint16_t>(port);
    }
    if (!(options.speed > 0.0) || options.speed > 1e9) {
        char got[32];
        std::snprintf(got, sizeof got, "%g", options.speed);
        return std::string("--speed: must be in (0, 1e9], got ") + got;
    }
    if (options.captures.empty()) {
        return "--capture: at least one capture file is required";
    }
    for (const auto& f : options.instrument_files) {
        if (auto err = feed::load_instrument_file(f, registry)) {
            return "--instruments: " + *err;
        }
    }
    if (auto err = open_sources(options.find_companions)) {
        return err;
    }
    prescan();
    if (first_ts.ns == 0) {
        return "--capture: no " + options.venue + " frames in " + options.captures.front();
    }
    if (auto err = open_sources(options.find_companions)) { // again, for playback
        return err;
    }
    for (auto& s : sources) {
        s.advance();
    }
    now_capture = first_ts;
    fault_fired.assign(options.faults.size(), false);
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Playback

void sim_venue::impl::start_playback() {
    if (started) {
        return;
    }
    started = true;
    wall0 = steady::now();
    net::post(io, [this] { pump(); });
}

void sim_venue::impl::pump() {
    if (stopped || done) {
        return;
    }
    const std::size_t high_water = options.max_speed_backlog;
    for (int budget = 256; budget > 0; --budget) {
        std::size_t best = sources.size();
        for (std::size_t i = 0; i < sources.size(); ++i) {
            if (sources[i].next &&
                (best == sources.size() || sources[i].next->ts < sources[best].next->ts)) {
                best = i;
            }
        }
        if (best == sources.size()) {
            finish();
            return;
        }
        const feed::recorded_frame& rf = *sources[best].next;
        if (played >= options.play_limit) {
            return; // play_until() resumes
        }
        if (options.max_speed) {
            // As fast as the clients read: wait while a connection has a backlog.
            for (const auto& c : clients) {
                if (c->queued() > high_water) {
                    if (!waiting_drain) {
                        waiting_drain = true;
                        waiting_since = steady::now();
                    }
                    return;
                }
            }
        } else if (rf.ts > first_ts) {
            const double offset_ns = static_cast<double>(rf.ts.ns - first_ts.ns) / options.speed;
            const auto due = wall0 + std::chrono::nanoseconds(static_cast<std::int64_t>(offset_ns));
            if (due > steady::now()) {
                pump_timer->expires_at(due);
                pump_timer->async_wait([this](boost::system::error_code ec) {
                    if (!ec) {
                        pump();
                    }
                });
                return;
            }
        }
        play(best, rf);
        sources[best].advance();
    }
    net::post(io, [this] { pump(); });
}

void sim_venue::impl::on_drained() {
    if (!waiting_drain) {
        return;
    }
    for (const auto& c : clients) {
        if (c->queued() > options.max_speed_backlog / 2) {
            return;
        }
    }
    waiting_drain = false;
    net::post(io, [this] { pump(); });
}

void sim_venue::impl::play(std::size_t source_index, const feed::recorded_frame& rf) {
    feed::venue_feed* fd = decoders.play(*this, source_index, rf);
    if (fd == nullptr) {
        return;
    }
    if (rf.ts > now_capture) {
        now_capture = rf.ts;
    }
    ++played;
    played_atomic.store(played, std::memory_order_relaxed);
    if (rf.kind == feed::frame_kind::response) {
        for (auto& r : replies_played) {
            if (r.first == rf.url) {
                r.second.assign(rf.data);
                return;
            }
        }
        replies_played.emplace_back(std::string(rf.url), std::string(rf.data));
        return;
    }
    sim_route r;
    if (!protocol->route(fd->venue(), rf.data, r)) {
        return;
    }
    const std::string fv = fd->venue();
    last_frames[fv + '\n' + r.key].assign(rf.data);
    if (engine && r.book) {
        engine->on_book_update(fv, r.symbol, now_ms());
        current_faults = {};
        publish();
    }
    // Copy: a fault may close a connection (erasing it) while we walk.
    const auto targets = clients;
    for (const auto& cl : targets) {
        if (cl->gone) {
            continue;
        }
        for (const auto& s : cl->subs) {
            if (s.key == r.key && s.feed == fv) {
                const sim_subscription sub = s; // deliver may change subs
                deliver(*cl, sub, rf.data);
                break;
            }
        }
    }
}

bool sim_venue::impl::fault_hits(std::size_t i, const sim_fault& f, sim_session& c,
                                 std::uint64_t n) {
    if (f.conn != 0 && c.id != f.conn) {
        return false;
    }
    if (f.probability > 0.0) {
        return fault_draw(f.seed, c.id, n) < f.probability;
    }
    if (n != f.at) {
        return false;
    }
    if (f.conn != 0 || f.all) {
        return true;
    }
    if (fault_fired[i]) {
        return false;
    }
    fault_fired[i] = true;
    return true;
}

void sim_venue::impl::send_frame(sim_session& c, std::string text) {
    ++c.frames_sent;
    ++frames_sent_total;
    c.send(std::move(text));
}

void sim_venue::impl::deliver(sim_session& c, const sim_subscription& s, std::string_view text) {
    const std::uint64_t n = ++c.routed;
    bool drop = false;
    bool dup = false;
    bool reorder = false;
    bool corrupt = false;
    bool garbage = false;
    bool close = false;
    std::uint64_t stall_ms = 0;
    for (std::size_t i = 0; i < options.faults.size(); ++i) {
        const auto& f = options.faults[i];
        if (f.kind == sim_fault_kind::refuse || sim_order_fault(f.kind) ||
            !fault_hits(i, f, c, n)) {
            continue;
        }
        switch (f.kind) {
        case sim_fault_kind::drop:
            drop = true;
            break;
        case sim_fault_kind::duplicate:
            dup = true;
            break;
        case sim_fault_kind::reorder:
            reorder = true;
            break;
        case sim_fault_kind::corrupt:
            corrupt = true;
            break;
        case sim_fault_kind::garbage:
            garbage = true;
            break;
        case sim_fault_kind::close:
            close = true;
            break;
        case sim_fault_kind::stall:
            stall_ms = std::max(stall_ms, f.ms);
            break;
        default: // refuse and the order faults are counted elsewhere
            break;
        }
    }
    if (garbage) {
        c.send("\x01garbage{not json");
    }
    if (drop) {
        // Lost between the venue and the client: a venue that numbers every message of a
        // connection (Coinbase's sequence_num) used a number for it, so the client sees a gap.
        ++c.messages_sent;
        ++c.dropped;
    } else {
        std::string out = protocol->render(c, s, text);
        if (corrupt) {
            if (auto bad = protocol->corrupt_checksum(out)) {
                out = std::move(*bad);
            }
        }
        if (reorder && !c.held) {
            c.held = std::move(out);
        } else {
            if (dup) {
                send_frame(c, out);
            }
            send_frame(c, std::move(out));
            if (c.held) {
                send_frame(c, std::move(*c.held));
                c.held.reset();
            }
        }
    }
    if (stall_ms > 0) {
        c.stall(std::chrono::milliseconds(stall_ms));
    }
    if (close) {
        c.close();
    }
}

void sim_venue::impl::subscribe(sim_client& c, sim_subscription s) {
    std::erase_if(c.subs, [&](const auto& x) { return x.key == s.key && x.feed == s.feed; });
    c.subs.push_back(s);
    start_playback();
    if (!s.book) {
        return;
    }
    const feed::venue_book* b = book(s.feed, s.symbol);
    if (b == nullptr || b->health != feed::book_health::live) {
        return; // the capture's own snapshot is still to come
    }
    std::string snap = protocol->snapshot(*this, c, c.subs.back(), *b);
    if (!snap.empty()) {
        ++c.frames_sent;
        ++frames_sent_total;
        c.send(std::move(snap));
    }
}

bool sim_venue::impl::refuse_subscription(sim_client& cl) {
    auto& c = static_cast<sim_session&>(cl);
    const std::uint64_t n = ++c.subscribe_requests;
    for (std::size_t i = 0; i < options.faults.size(); ++i) {
        const auto& f = options.faults[i];
        if (f.kind == sim_fault_kind::refuse && fault_hits(i, f, c, n)) {
            return true;
        }
    }
    return false;
}

void sim_venue::impl::finish() {
    done = true;
    for (const auto& c : clients) {
        if (c->held) {
            send_frame(*c, std::move(*c->held));
            c->held.reset();
        }
    }
    emit("{\"event\":\"capture_end\",\"frames\":" + std::to_string(played) + "}");
}

void sim_venue::impl::tick() {
    const auto now = steady::now();
    const auto targets = clients;
    for (const auto& c : targets) {
        if (!c->gone) {
            protocol->on_tick(*this, *c, now);
        }
    }
    // The slow-consumer rule at --max-speed: a connection that keeps a backlog for 10 s.
    if (waiting_drain && now - waiting_since > std::chrono::seconds(10)) {
        for (const auto& c : targets) {
            if (c->queued() > options.max_speed_backlog / 2) {
                ++slow_disconnects;
                c->drop_now();
            }
        }
    }
    publish_metrics();
    tick_timer->expires_after(std::chrono::milliseconds(500));
    tick_timer->async_wait([this](boost::system::error_code ec) {
        if (!ec) {
            tick();
        }
    });
}

std::string sim_venue::impl::status_json() const {
    std::string out = "{\"venue\":" + json_escape(options.venue) +
                      ",\"capture_done\":" + (done ? "true" : "false") +
                      ",\"frames_played\":" + std::to_string(played) +
                      ",\"slow_consumer_disconnects\":" + std::to_string(slow_disconnects) +
                      ",\"connections\":[";
    bool first = true;
    for (const auto& c : clients) {
        out += first ? "{" : ",{";
        first = false;
        out += "\"id\":" + std::to_string(c->id) + ",\"path\":" + json_escape(c->path) +
               ",\"frames_sent\":" + std::to_string(c->frames_sent) +
               ",\"messages_sent\":" + std::to_string(c->messages_sent) +
               ",\"dropped\":" + std::to_string(c->dropped) +
               ",\"queued\":" + std::to_string(c->queued()) + ",\"subscriptions\":[";
        bool f2 = true;
        for (const auto& s : c->subs) {
            out += (f2 ? "" : ",") + json_escape(s.name.empty() ? s.key : s.name);
            f2 = false;
        }
        for (const auto& t : c->private_topics) { // Bybit/OKX private channels
            out += (f2 ? "" : ",") + json_escape(t);
            f2 = false;
        }
        out += "]}";
    }
    out += "]}";
    return out;
}

sim_http_reply sim_venue::impl::http_reply(const sim_http_request& req) {
    if (req.path == "/ballast/status") {
        return {200, status_json()};
    }
    if (req.path == "/ballast/account") {
        // Observability for tests: never a secret (sim_orders::account_json writes none).
        const std::string key(query_param(req.query, "api_key"));
        sim_account* a = engine ? engine->account(key) : nullptr;
        if (a == nullptr) {
            return {404, "{\"error\":\"no such account\"}"};
        }
        return {200, engine->account_json(*a)};
    }
    if (auto r = protocol->on_request(*this, req)) {
        return std::move(*r);
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return {405, "{\"error\":\"method not allowed\"}"};
    }
    if (auto r = protocol->on_http(*this, req.target)) {
        return std::move(*r);
    }
    return {404, "{\"error\":\"not found\",\"path\":" + json_escape(req.path) + "}"};
}

sim_order_faults sim_venue::impl::order_request() {
    sim_order_faults out;
    out.request_no = ++order_requests_seen;
    for (const auto& f : options.faults) {
        if (!sim_order_fault(f.kind)) {
            continue;
        }
        const bool hit = f.probability > 0.0 ? fault_draw(f.seed, 0, out.request_no) < f.probability
                                             : f.at == out.request_no;
        if (!hit) {
            continue;
        }
        switch (f.kind) {
        case sim_fault_kind::ack_drop:
            out.drop_ack = true;
            break;
        case sim_fault_kind::fill_delay:
            out.delay_fill_ms = std::max(out.delay_fill_ms, f.ms);
            break;
        case sim_fault_kind::order_close:
            out.close = true;
            break;
        case sim_fault_kind::report_dup:
            out.duplicate_reports = true;
            break;
        case sim_fault_kind::rate_limit:
            out.rate_limit = true;
            break;
        default:
            break;
        }
    }
    current_faults = out;
    return out;
}

void sim_venue::impl::send_events(const std::vector<sim_event>& events, bool twice) {
    const auto targets = clients;
    for (const auto& e : events) {
        for (const auto& c : targets) {
            if (c->gone || c->api_key != e.api_key) {
                continue;
            }
            for (auto& m : protocol->on_event(*this, *c, e)) {
                if (twice) {
                    c->send(m);
                }
                c->send(std::move(m));
            }
        }
    }
}

void sim_venue::impl::publish() {
    if (!engine) {
        return;
    }
    auto events = engine->take_events();
    if (events.empty()) {
        return;
    }
    const sim_order_faults f = current_faults;
    std::vector<sim_event> now_events;
    std::vector<sim_event> later;
    for (auto& e : events) {
        const bool mine = e.request_no != 0 && e.request_no == f.request_no;
        if (mine && f.delay_fill_ms > 0 && (!later.empty() || e.kind == sim_event_kind::trade)) {
            later.push_back(std::move(e));
        } else {
            now_events.push_back(std::move(e));
        }
    }
    send_events(now_events, f.duplicate_reports);
    if (!later.empty()) {
        auto timer = std::make_shared<net::steady_timer>(io);
        timer->expires_after(std::chrono::milliseconds(f.delay_fill_ms));
        timer->async_wait([this, timer, later = std::move(later),
                           twice = f.duplicate_reports](boost::system::error_code ec) {
            if (!ec && !stopped) {
                send_events(later, twice);
            }
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Sessions

namespace {

template <class Stream>
class ws_session final : public sim_session,
                         public std::enable_shared_from_this<ws_session<Stream>> {
  public:
    ws_session(Stream&& stream, sim_venue::impl& srv)
        : ws_(std::move(stream)), srv_(srv), stall_timer_(ws_.get_executor()) {}

    void run(http::request<http::string_body> req) {
        beast::get_lowest_layer(ws_).expires_never();
        ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
        ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
            res.set(http::field::server, "ballast-sim-venue");
        }));
        ws_.read_message_max(1 << 20);
        ws_.async_accept(
            req, [self = this->shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
    }

    void send(std::string text) override {
        if (gone || closing_) {
            return;
        }
        ++messages_sent;
        last_sent = steady::now();
        queue_.push_back(std::move(text));
        if (queue_.size() > srv_.options.max_queued_messages) {
            ++srv_.slow_disconnects; // the venue's slow-consumer rule
            drop_now();
            return;
        }
        write_next();
    }
    void ping() override {
        if (gone || ping_pending_) {
            return;
        }
        ping_pending_ = true;
        ws_.async_ping({}, [self = this->shared_from_this()](beast::error_code) {
            self->ping_pending_ = false;
        });
    }
    void close() override {
        if (gone || closing_) {
            return;
        }
        closing_ = true;
        if (!writing_ && queue_.empty()) {
            do_close();
        }
    }
    std::size_t queued() const noexcept override { return queue_.size(); }
    void stall(std::chrono::milliseconds ms) override {
        stalled_ = true;
        stall_timer_.expires_after(ms);
        stall_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
            if (!ec) {
                self->stalled_ = false;
                self->write_next();
            }
        });
    }
    void drop_now() override {
        if (gone) {
            return;
        }
        gone = true;
        queue_.clear();
        beast::error_code ec;
        beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
        beast::get_lowest_layer(ws_).socket().close(ec);
        srv_.remove_client(this);
    }

  private:
    void on_accept(beast::error_code ec) {
        if (ec) {
            return;
        }
        id = srv_.next_client_id++;
        last_sent = steady::now();
        last_keepalive = last_sent;
        srv_.add_client(this->shared_from_this());
        srv_.protocol->on_open(srv_, *this);
        read();
    }
    void read() {
        ws_.async_read(buf_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
            self->on_read(ec);
        });
    }
    void on_read(beast::error_code ec) {
        if (ec) {
            if (!gone) {
                gone = true;
                srv_.remove_client(this);
            }
            return;
        }
        if (gone) {
            return;
        }
        const std::string text = beast::buffers_to_string(buf_.data());
        buf_.consume(buf_.size());
        if (!closing_) {
            srv_.on_message(*this, text);
        }
        read();
    }
    void write_next() {
        if (writing_ || stalled_ || gone) {
            return;
        }
        if (queue_.empty()) {
            if (closing_) {
                do_close();
            }
            return;
        }
        writing_ = true;
        ws_.text(true);
        ws_.async_write(net::buffer(queue_.front()),
                        [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                            self->on_write(ec);
                        });
    }
    void on_write(beast::error_code ec) {
        writing_ = false;
        if (ec) {
            if (!gone) {
                gone = true;
                queue_.clear();
                srv_.remove_client(this);
            }
            return;
        }
        if (!queue_.empty()) {
            queue_.pop_front();
        }
        write_next();
        if (srv_.waiting_drain) {
            srv_.on_drained();
        }
    }
    void do_close() {
        if (gone || close_started_) {
            return;
        }
        close_started_ = true;
        ws_.async_close(websocket::close_code::normal,
                        [self = this->shared_from_this()](beast::error_code) {
                            if (!self->gone) {
                                self->gone = true;
                                self->srv_.remove_client(self.get());
                            }
                        });
    }

    websocket::stream<Stream> ws_;
    sim_venue::impl& srv_;
    beast::flat_buffer buf_;
    std::deque<std::string> queue_;
    net::steady_timer stall_timer_;
    bool writing_ = false;
    bool closing_ = false;
    bool close_started_ = false;
    bool stalled_ = false;
    bool ping_pending_ = false;
};

template <class Stream>
class http_session final : public std::enable_shared_from_this<http_session<Stream>> {
  public:
    http_session(Stream&& stream, sim_venue::impl& srv) : stream_(std::move(stream)), srv_(srv) {}

    void run() {
        beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
        if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
            stream_.async_handshake(net::ssl::stream_base::server,
                                    [self = this->shared_from_this()](beast::error_code ec) {
                                        if (!ec) {
                                            self->read();
                                        }
                                    });
        } else {
            read();
        }
    }

  private:
    void read() {
        req_ = {};
        beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(60));
        http::async_read(stream_, buf_, req_,
                         [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                             self->on_read(ec);
                         });
    }
    void on_read(beast::error_code ec) {
        if (ec) {
            return; // closed or timed out
        }
        const std::string target(req_.target());
        const std::string_view path = std::string_view(target).substr(0, target.find('?'));
        if (websocket::is_upgrade(req_)) {
            const int ep = srv_.protocol->endpoint_for(path);
            if (ep >= 0) {
                auto ws = std::make_shared<ws_session<Stream>>(std::move(stream_), srv_);
                ws->endpoint = ep;
                ws->path = std::string(path);
                const auto q = target.find('?');
                ws->query = q == std::string::npos ? std::string() : target.substr(q + 1);
                ws->run(std::move(req_));
                return;
            }
            reply({404, "{\"error\":\"no WebSocket endpoint at this path\"}"});
            return;
        }
        sim_http_request req;
        req.method = std::string(req_.method_string());
        req.target = target;
        req.path = std::string(path);
        const auto q = target.find('?');
        req.query = q == std::string::npos ? std::string() : target.substr(q + 1);
        req.body = req_.body();
        for (const auto& h : req_) {
            std::string name(h.name_string());
            std::transform(name.begin(), name.end(), name.begin(),
                           [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
            req.headers[name] = std::string(h.value());
        }
        reply(srv_.http_reply(req));
    }
    void reply(sim_http_reply r) {
        if (r.drop) {
            beast::error_code ignored;
            beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
            beast::get_lowest_layer(stream_).socket().close(ignored);
            return;
        }
        auto res = std::make_shared<http::response<http::string_body>>(
            static_cast<http::status>(r.status), req_.version());
        res->set(http::field::server, "ballast-sim-venue");
        res->set(http::field::content_type, r.content_type);
        for (const auto& [name, value] : r.headers) {
            res->set(name, value);
        }
        res->keep_alive(req_.keep_alive());
        res->body() = std::move(r.body);
        res->prepare_payload();
        http::async_write(
            stream_, *res,
            [self = this->shared_from_this(), res](beast::error_code ec, std::size_t) {
                if (!ec && res->keep_alive()) {
                    self->read();
                } else {
                    beast::error_code ignored;
                    beast::get_lowest_layer(self->stream_)
                        .socket()
                        .shutdown(tcp::socket::shutdown_send, ignored);
                }
            });
    }

    Stream stream_;
    sim_venue::impl& srv_;
    beast::flat_buffer buf_;
    http::request<http::string_body> req_;
};

} // namespace

void sim_venue::impl::accept() {
    acceptor->async_accept([this](boost::system::error_code ec, tcp::socket socket) {
        if (ec) {
            if (!stopped) {
                accept();
            }
            return;
        }
        socket.set_option(tcp::no_delay(true), ec);
        if (tls) {
            std::make_shared<http_session<beast::ssl_stream<beast::tcp_stream>>>(
                beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *tls),
                *this)
                ->run();
        } else {
            std::make_shared<http_session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)),
                                                              *this)
                ->run();
        }
        accept();
    });
}

// ---------------------------------------------------------------------------------------------
// Public

sim_venue::sim_venue(sim_venue_options options)
    : impl_(std::make_unique<impl>(std::move(options))) {}

sim_venue::~sim_venue() {
    stop();
}

std::optional<std::string> sim_venue::start() {
    auto& m = *impl_;
    if (auto err = m.load()) {
        return err;
    }
    if (!m.options.accounts.empty()) {
        if (m.options.venue != "binance" && m.options.venue != "bybit" &&
            m.options.venue != "okx") {
            return "--accounts: sim-venue serves order entry for binance, bybit and okx only, "
                   "not " +
                   m.options.venue;
        }
        m.engine = std::make_unique<sim_orders>(
            m.options.accounts, m.protocol->order_rules(),
            [&m](std::string_view feed, std::string_view symbol) -> const l2_book* {
                const feed::venue_book* b = m.book(feed, symbol);
                return b != nullptr && b->health == feed::book_health::live ? &b->book : nullptr;
            });
    }
    if (m.options.tls) {
        const auto cert = feed::make_self_signed_certificate({"localhost"}, {"127.0.0.1", "::1"});
        if (cert.cert_pem.empty()) {
            return "--tls: cannot generate a certificate with OpenSSL";
        }
        m.ca_path = (std::filesystem::temp_directory_path() /
                     ("ballast_sim_venue_ca_" + std::to_string(::getpid()) + "_" +
                      std::to_string(reinterpret_cast<std::uintptr_t>(this) & 0xffffff) + ".pem"))
                        .string();
        std::ofstream(m.ca_path) << cert.cert_pem;
        m.tls.emplace(net::ssl::context::tls_server);
        boost::system::error_code ec;
        m.tls->use_certificate_chain(net::buffer(cert.cert_pem), ec);
        if (!ec) {
            m.tls->use_private_key(net::buffer(cert.key_pem), net::ssl::context::pem, ec);
        }
        if (ec) {
            return "--tls: " + ec.message();
        }
    }
    boost::system::error_code ec;
    const tcp::endpoint ep(net::ip::make_address(m.host, ec), m.listen_port);
    m.acceptor.emplace(m.io);
    m.acceptor->open(ep.protocol(), ec);
    if (!ec) {
        m.acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
        m.acceptor->bind(ep, ec);
    }
    if (!ec) {
        m.acceptor->listen(net::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        return "--listen: cannot listen on " + m.options.listen + ": " + ec.message();
    }
    m.bound_port = m.acceptor->local_endpoint().port();
    m.pump_timer.emplace(m.io);
    m.tick_timer.emplace(m.io);
    m.accept();
    m.tick();
    if (m.engine) {
        m.start_playback(); // orders meet the books from the start, with or without subscribers
    }
    m.thread = std::thread([&m] { m.io.run(); });
    return std::nullopt;
}

void sim_venue::attach_metrics(feed::metrics::registry& r) {
    const feed::metrics::labels l{{"venue", impl_->options.venue}};
    impl::metric_cells c;
    c.played = &r.counter("ballast_sim_frames_played_total", "recorded frames played", l);
    c.done = &r.gauge("ballast_sim_capture_done", "1 once the whole capture has played", l);
    c.connections = &r.gauge("ballast_sim_connections", "client connections open", l);
    c.connections_total =
        &r.counter("ballast_sim_connections_total", "client connections accepted", l);
    c.frames_sent =
        &r.counter("ballast_sim_frames_sent_total", "book frames and snapshots sent to clients", l);
    c.slow = &r.counter("ballast_sim_slow_consumer_disconnects_total",
                        "clients dropped for keeping a backlog", l);
    c.orders = &r.counter("ballast_sim_order_requests_total", "order requests received", l);
    impl_->cells = c;
}

void sim_venue::stop() {
    auto& m = *impl_;
    if (!m.thread.joinable()) {
        return;
    }
    net::post(m.io, [&m] {
        m.stopped = true;
        boost::system::error_code ec;
        if (m.acceptor) {
            m.acceptor->close(ec);
        }
        m.pump_timer->cancel();
        m.tick_timer->cancel();
        const auto all = m.clients;
        for (const auto& c : all) {
            c->drop_now();
        }
        m.io.stop();
    });
    m.thread.join();
    if (!m.ca_path.empty()) {
        std::error_code ec;
        std::filesystem::remove(m.ca_path, ec);
    }
}

std::uint16_t sim_venue::port() const noexcept {
    return impl_->bound_port;
}

std::string sim_venue::url(std::string_view key) const {
    const auto& m = *impl_;
    for (const auto& e : m.endpoints) {
        if (e.ready_key == key) {
            return m.scheme_ws() + "://" + m.host_for_url() + ":" + std::to_string(m.bound_port) +
                   e.path;
        }
    }
    return {};
}

std::string sim_venue::feed_url(std::string_view feed_venue) const {
    for (const auto& e : impl_->endpoints) {
        if (e.feed == feed_venue && !e.ready_key.empty()) {
            return url(e.ready_key); // the public stream is listed before the private ones
        }
    }
    return {};
}

std::string sim_venue_serving(std::string_view feed_venue) {
    for (const std::string_view name : sim_venue_names()) {
        const auto protocol = make_sim_protocol(name);
        if (protocol && protocol->serves_feed(feed_venue)) {
            return std::string(name);
        }
    }
    return {};
}

std::string sim_venue::rest_url() const {
    const auto& m = *impl_;
    return m.scheme_http() + "://" + m.host_for_url() + ":" + std::to_string(m.bound_port);
}

std::string sim_venue::ca_file() const {
    return impl_->ca_path;
}

std::string sim_venue::ready_line() const {
    const auto& m = *impl_;
    std::string out = "{\"venue\":" + json_escape(m.options.venue);
    for (const auto& e : m.endpoints) {
        if (!e.ready_key.empty()) {
            out += "," + json_escape(e.ready_key) + ":" + json_escape(url(e.ready_key));
        }
    }
    out += ",\"rest\":" + json_escape(rest_url());
    if (!m.ca_path.empty()) {
        out += ",\"ca_file\":" + json_escape(m.ca_path);
    }
    out += "}";
    return out;
}

void sim_venue::set_event_sink(std::function<void(const std::string&)> sink) {
    std::lock_guard lock(impl_->sink_mutex);
    impl_->sink = std::move(sink);
}

bool sim_venue::capture_done() const noexcept {
    return impl_->done.load();
}

std::uint64_t sim_venue::frames_played() const noexcept {
    return impl_->played_atomic.load(std::memory_order_relaxed);
}

std::string sim_venue::account_json(const std::string& api_key) {
    auto& m = *impl_;
    std::promise<std::string> p;
    auto f = p.get_future();
    net::post(m.io, [&m, &p, &api_key] {
        sim_account* a = m.engine ? m.engine->account(api_key) : nullptr;
        p.set_value(a == nullptr ? std::string() : m.engine->account_json(*a));
    });
    return f.get();
}

std::uint64_t sim_venue::new_order_requests(const std::string& api_key,
                                            const std::string& client_id) {
    auto& m = *impl_;
    std::promise<std::uint64_t> p;
    auto f = p.get_future();
    net::post(m.io, [&m, &p, &api_key, &client_id] {
        sim_account* a = m.engine ? m.engine->account(api_key) : nullptr;
        std::uint64_t n = 0;
        if (a != nullptr) {
            const auto it = a->new_requests.find(client_id);
            n = it == a->new_requests.end() ? 0 : it->second;
        }
        p.set_value(n);
    });
    return f.get();
}

void sim_venue::play_until(std::uint64_t frames) {
    auto& m = *impl_;
    net::post(m.io, [&m, frames] {
        m.options.play_limit = frames;
        if (m.started) {
            m.pump();
        }
    });
}

} // namespace ballast::exec
