#include "exec/engine.hpp"

#include "exec/journal.hpp"
#include "exec/sim_gateway.hpp"
#include "feed/book_events.hpp"
#include "feed/instruments.hpp"
#include "feed/recording.hpp"
#include "feed/venues.hpp"
#include "risk/config.hpp"
#include "risk/rebalance.hpp"
#include "router/amm_pool.hpp"
#include "router/child_order.hpp"
#include "router/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <thread>

namespace ballast::exec {

namespace {

using feed::book_event;

/// A venue's decoder running on its own thread over one recording.
struct feed_thread {
    std::string path;
    std::string venue;
    std::int64_t offset_ns = 0;
    std::unique_ptr<feed::reject_log> rejects;
    std::unique_ptr<feed::venue_feed> decoder;
    std::unique_ptr<feed::book_ring> ring;
    std::vector<std::pair<std::string, std::uint16_t>> symbol_slots; // setup
    latency_histogram decode;
    double tsc_per_ns = 1.0;
    std::uint64_t frames = 0;
    std::uint64_t full_spins = 0; // set when the feed thread ends
    bool ended = false;
};

void run_feed(feed_thread& t) {
    feed::ring_listener listener(*t.ring, t.symbol_slots); // waits when the ring is full
    t.decoder->set_listener(&listener);
    feed::recording_reader reader(false);
    if (!reader.open(t.path)) {
        std::vector<std::pair<std::string, std::uint32_t>> conns;
        while (auto rf = reader.next()) {
            if (rf->url.empty() || feed::detect_venue(rf->url) != t.venue) {
                continue;
            }
            std::uint32_t index = 0;
            bool found = false;
            for (const auto& [c, i] : conns) {
                if (c == rf->conn) {
                    index = i;
                    found = true;
                }
            }
            if (!found) {
                index = static_cast<std::uint32_t>(conns.size());
                conns.emplace_back(std::string(rf->conn), index);
            }
            const timestamp_ns ts{rf->ts.ns + t.offset_ns};
            listener.frame_ts = ts.ns;
            const feed::feed_frame ff{rf->data, ts,    rf->line,
                                      rf->url,  index, rf->kind == feed::frame_kind::response};
            const std::uint64_t c0 = tsc_now();
            switch (rf->kind) {
            case feed::frame_kind::connect:
                t.decoder->on_connect(ff);
                break;
            case feed::frame_kind::sent:
                t.decoder->on_sent(ff);
                break;
            case feed::frame_kind::received:
            case feed::frame_kind::response:
                t.decoder->on_frame(ff);
                ++t.frames;
                break;
            }
            const std::uint64_t c1 = tsc_now();
            if (rf->kind == feed::frame_kind::received) {
                t.decode.record(
                    static_cast<std::uint64_t>(static_cast<double>(c1 - c0) / t.tsc_per_ns));
            }
            t.decoder->check_silence(ts);
        }
    }
    listener.push_end();
    t.decoder->set_listener(nullptr);
    t.full_spins = listener.stats().full_spins;
}

/// A book the engine mirrors from a feed thread.
struct book_slot {
    std::size_t feed = 0;
    const instrument_spec* spec = nullptr; // the venue's spec (ticks and lots of the book)
    instrument_id instrument{};            // portfolio index
    risk::position_id position{};
    venue_id venue{};
    std::size_t venue_terms = 0;
    std::unique_ptr<l2_book> book;
    feed::book_health health = feed::book_health::syncing;
    std::int64_t last_update = 0;
    std::uint64_t excluded = 0; // times the router skipped it
    bool was_routable = false;
};

struct pool_slot {
    pool_state state;
    std::unique_ptr<router::amm_pool> view;
    pool_terms terms;
    std::string base_token;
    std::string quote_token;
    instrument_id instrument{};
    risk::position_id position{};
    venue_id venue{};
    std::size_t venue_terms = 0;
    const instrument_spec* spec = nullptr;
};

/// Sources of one underlying for one route kind (spot books + pools, or perp books).
struct market {
    risk::underlying_id underlying{};
    bool perp = false;
    decimal_step base_step{1, 8};
    std::vector<std::size_t> books; // book slots
    std::vector<std::size_t> pools; // pool slots
    std::vector<router::book_source> book_sources;
    std::vector<router::pool_source> pool_sources;
    [[nodiscard]] router::market_snapshot snapshot() const noexcept {
        return {base_step, book_sources, pool_sources};
    }
};

struct timer {
    enum class kind : std::uint8_t { rebalance, slice, arrival, kill };
    std::int64_t at = 0;
    std::uint64_t seq = 0;
    kind k = kind::rebalance;
    std::uint32_t a = 0; // parent / order id / kill index
    std::uint32_t b = 0; // slice index
};

struct parent_state {
    parent_summary summary;
    std::size_t market = 0;
    side order_side = side::bid;
    std::array<router::schedule_slice, 64> slices{};
    std::uint32_t slice_count = 0;
    std::uint32_t slices_done = 0;
    std::int64_t residual_steps = 0; // not yet sent or came back unfilled
    double base_step_units = 0.0;
};

/// Wraps risk's real pre-trade checks as the router's child-order gate.
class risk_gate final : public router::child_order_gate {
  public:
    risk_gate(risk::pre_trade_checker& checker, const std::vector<book_slot>& books,
              const std::vector<pool_slot>& pools)
        : checker_(checker), books_(books), pools_(pools) {}
    const market* current = nullptr;
    std::int64_t now = 0;
    std::array<std::uint64_t, 32> rejects{};
    std::uint64_t approved = 0;
    hop_latencies* latencies = nullptr;

    router::check_result check(const router::child_order& c) noexcept override {
        risk::risk_order o;
        o.s = c.order_side;
        if (c.kind == router::source_kind::book) {
            const book_slot& b = books_[current->books[c.source_index]];
            o.venue = b.venue;
            o.instrument = b.instrument;
            o.px = c.limit_ticks;
            o.q = c.venue_amount;
        } else {
            const pool_slot& p = pools_[current->pools[c.source_index]];
            o.venue = p.venue;
            o.instrument = p.instrument;
            o.px = price(std::llround(c.limit_price / steps_to_double(1, p.spec->tick)));
            const std::int64_t per = router::steps_per(p.spec->lot, current->base_step);
            o.q = qty(per > 0 ? c.amount.value() / per : 0);
        }
        const std::uint64_t t0 = tsc_now();
        const risk::check_result r = checker_.check(o, timestamp_ns{now});
        if (latencies != nullptr) {
            latencies->record_ticks(hop::pre_trade, t0, tsc_now());
        }
        if (!r.accepted()) {
            ++rejects[static_cast<std::size_t>(r.reason)];
            return {false, risk::to_string(r.reason)};
        }
        ++approved;
        return {true, {}};
    }

  private:
    risk::pre_trade_checker& checker_;
    const std::vector<book_slot>& books_;
    const std::vector<pool_slot>& pools_;
};

double mid_of(const l2_book& b, const instrument_spec& spec) noexcept {
    if (b.empty(side::bid) || b.empty(side::ask)) {
        return 0.0;
    }
    return 0.5 * (spec.to_double(b.best_bid().px) + spec.to_double(b.best_ask().px));
}

double pool_spot(const pool_slot& p) noexcept {
    const double raw = p.state.v3.raw_price(); // token1 per token0, raw units
    if (raw <= 0.0) {
        return 0.0;
    }
    const double human = raw * std::pow(10.0, p.state.meta.decimals0 - p.state.meta.decimals1);
    return p.terms.base_is_token0 ? human : 1.0 / human;
}

} // namespace

class engine_impl {
  public:
    scenario sc;
    risk::risk_config cfg;
    std::unique_ptr<risk::pre_trade_checker> checker;
    instrument_registry registry;
    std::vector<std::unique_ptr<feed_thread>> feeds;
    std::vector<book_slot> books;
    std::vector<pool_slot> pools;
    std::vector<market> markets;
    std::vector<sim_venue_terms> venue_terms;
    std::vector<std::string> venue_names; // sc.venues order
    risk::account_id account{};
    risk::position_id cash_position{};
    std::vector<risk::hedge_route> routes;
    std::vector<risk::drift_row> drift;
    std::vector<risk::plan_row> plan;
    router::smart_router router;
    std::unique_ptr<risk_gate> gate;
    std::vector<router::child_order> children;
    oms orders{1 << 16};
    journal jr;
    std::vector<timer> timers;
    std::uint64_t timer_seq = 0;
    std::vector<parent_state> parents;
    std::vector<double> initial_contracts; // by position
    std::vector<double> fill_contracts;    // by position
    double cash_from_fills = 0.0;
    hop_latencies lat;
    std::int64_t market_start = 0;
    std::int64_t now = 0;
    std::int64_t last_rebalance = 0;
    std::uint64_t events = 0;
    std::vector<std::pair<timestamp_ns, std::string>> kill_changes;
    run_progress* progress = nullptr;
    std::uint64_t fills = 0;

    std::string setup();
    void add_timer(timer t) noexcept {
        t.seq = ++timer_seq;
        const auto it =
            std::upper_bound(timers.begin(), timers.end(), t, [](const timer& x, const timer& y) {
                return x.at != y.at ? x.at > y.at : x.seq > y.seq;
            });
        timers.insert(it, t); // capacity reserved at setup; earliest timer at the back
    }
    void run_timers_until(std::int64_t t) noexcept;
    void apply(const book_event& e) noexcept;
    void rebalance() noexcept;
    void send_slice(parent_state& p, std::uint32_t i) noexcept;
    void arrive(client_order_id id) noexcept;
    void refresh_sources(market& m) noexcept;
    void book_fill(order& o, const sim_fill& f) noexcept;
    [[nodiscard]] bool routable(const book_slot& b) const noexcept {
        return b.health == feed::book_health::live && !b.book->empty(side::bid) &&
               !b.book->empty(side::ask) &&
               now - b.last_update <= static_cast<std::int64_t>(sc.policy.max_book_age_s * 1e9);
    }
    run_result finish();
};

std::string engine_impl::setup() {
    // Risk: portfolio, targets, routes, limits.
    auto rc = risk::load_risk_config(sc.portfolio);
    if (!rc.ok()) {
        return std::filesystem::path(sc.portfolio).filename().string() + ": " +
               (rc.errors.empty() ? std::string("invalid") : rc.errors.front());
    }
    cfg = std::move(*rc.config);
    if (!cfg.has_rebalance || cfg.targets.empty()) {
        return std::filesystem::path(sc.portfolio).filename().string() +
               ": targets and [rebalance]: required by ballast run";
    }
    auto& book = cfg.book;
    // Cash: the quote currency every instrument settles in (aliases treated as one).
    std::optional<instrument_id> cash_inst;
    for (std::uint32_t i = 0; i < book.instrument_count(); ++i) {
        const auto& inst = book.instrument(instrument_id{i});
        const auto& u = book.underlying(inst.underlying);
        if (u.cash && std::find(sc.quote_aliases.begin(), sc.quote_aliases.end(), u.name) !=
                          sc.quote_aliases.end()) {
            cash_inst = instrument_id{i};
            break;
        }
    }
    if (!cash_inst) {
        return "portfolio: no instrument of a cash underlying named in quote_aliases (the "
               "quote currency account)";
    }
    account = book.account_count() > 0 ? risk::account_id{0} : book.add_account("ballast");
    auto position_of = [&](instrument_id i) {
        if (auto p = book.find_position(account, i)) {
            return *p;
        }
        return book.add_position(account, i, 0.0, 0.0);
    };
    cash_position = position_of(*cash_inst);
    // Venue terms.
    for (const auto& v : sc.venues) {
        venue_names.push_back(v.name);
        venue_terms.push_back(
            {v.taker_fee_bps, static_cast<std::int64_t>(v.latency_ms * 1e6), v.gas_quote});
    }
    auto terms_of = [&](const std::string& venue) -> std::optional<std::size_t> {
        for (std::size_t i = 0; i < venue_names.size(); ++i) {
            if (venue_names[i] == venue) {
                return i;
            }
        }
        return std::nullopt;
    };
    // Instruments of the venues, and which venues each recording carries.
    std::int64_t start = 0;
    struct scanned {
        std::vector<std::string> venues;
        std::int64_t first = 0;
    };
    std::vector<scanned> scans;
    for (std::size_t fi = 0; fi < sc.feeds.size(); ++fi) {
        const auto& f = sc.feeds[fi];
        for (std::size_t k = 0; k < f.instruments.size(); ++k) {
            if (auto err = feed::load_instrument_file(f.instruments[k], registry)) {
                return "feeds[" + std::to_string(fi) + "].instruments[" + std::to_string(k) +
                       "]: " + *err;
            }
        }
        feed::recording_reader reader(false);
        if (auto err = reader.open(f.recording)) {
            return "feeds[" + std::to_string(fi) + "].recording: " + *err;
        }
        scanned s;
        while (auto rf = reader.next()) {
            if (s.first == 0) {
                s.first = rf->ts.ns;
            }
            const auto v = rf->url.empty() ? std::string_view{} : feed::detect_venue(rf->url);
            if (!v.empty() && std::find(s.venues.begin(), s.venues.end(), v) == s.venues.end()) {
                s.venues.emplace_back(v);
            }
        }
        if (s.venues.empty()) {
            return "feeds[" + std::to_string(fi) + "].recording: no frame of a known venue in " +
                   f.recording;
        }
        if (f.align_start) {
            start = std::max(start, s.first);
        }
        scans.push_back(std::move(s));
    }
    if (start == 0) {
        start = scans.front().first;
    }
    market_start = start;
    const double tsc_rate = calibrate_tsc_per_ns();
    lat = hop_latencies(tsc_rate);
    for (std::size_t fi = 0; fi < sc.feeds.size(); ++fi) {
        const auto& f = sc.feeds[fi];
        for (const auto& v : scans[fi].venues) {
            if (!terms_of(v)) {
                return "venues: no [[venues]] entry for \"" + v + "\" (found in feeds[" +
                       std::to_string(fi) + "].recording)";
            }
            auto t = std::make_unique<feed_thread>();
            t->path = f.recording;
            t->venue = v;
            t->offset_ns = f.align_start ? start - scans[fi].first : 0;
            t->rejects = std::make_unique<feed::reject_log>(1000);
            feed::feed_options opt;
            opt.symbols = f.symbols;
            t->decoder = feed::make_venue_feed(v, registry, *t->rejects, opt);
            if (!t->decoder) {
                return "feeds[" + std::to_string(fi) + "]: no decoder for venue " + v;
            }
            t->ring = std::make_unique<feed::book_ring>(sc.policy.queue_capacity);
            t->tsc_per_ns = tsc_rate;
            feeds.push_back(std::move(t));
        }
    }
    // Mirrored books: every portfolio instrument listed by a feed venue.
    for (std::uint32_t i = 0; i < book.instrument_count(); ++i) {
        const auto& inst = book.instrument(instrument_id{i});
        for (std::size_t fi = 0; fi < feeds.size(); ++fi) {
            if (feeds[fi]->venue != inst.spec.venue) {
                continue;
            }
            const instrument_spec* spec = registry.find(inst.spec.venue, inst.spec.symbol);
            const std::string name = inst.spec.venue + ":" + inst.spec.symbol;
            if (spec == nullptr) {
                return "portfolio: instrument " + name +
                       " is not in the venue's instrument list (feeds[].instruments)";
            }
            if (steps_to_double(1, spec->tick) != steps_to_double(1, inst.spec.tick) ||
                steps_to_double(1, spec->lot) != steps_to_double(1, inst.spec.lot)) {
                return "portfolio: instrument " + name + ": tick " +
                       format_steps(1, inst.spec.tick) + " / lot " +
                       format_steps(1, inst.spec.lot) + " differ from the venue's tick " +
                       format_steps(1, spec->tick) + " / lot " + format_steps(1, spec->lot);
            }
            const auto vid = cfg.find_venue(inst.spec.venue);
            if (vid.value == 0) {
                return "portfolio: venue " + inst.spec.venue +
                       " has no [[limits.venues]] order-rate bucket";
            }
            book_slot b;
            b.feed = fi;
            b.spec = spec;
            b.instrument = instrument_id{i};
            b.position = position_of(b.instrument);
            b.venue = vid;
            b.venue_terms = *terms_of(inst.spec.venue);
            b.book = std::make_unique<l2_book>(8192);
            feeds[fi]->symbol_slots.emplace_back(inst.spec.symbol,
                                                 static_cast<std::uint16_t>(books.size()));
            books.push_back(std::move(b));
        }
    }
    if (books.empty()) {
        return "portfolio: no instrument is quoted by the scenario's recordings";
    }
    // Pools.
    for (std::size_t pi = 0; pi < sc.pools.size(); ++pi) {
        const auto& in = sc.pools[pi];
        const std::string w = "pools[" + std::to_string(pi) + "]";
        auto st = load_pool_state(in.state);
        if (!st.ok()) {
            return w + ".state: " + st.error;
        }
        if (st.state.kind != pool_kind::uniswap_v3) {
            return w + ".state: only uniswap_v3 pools are executed by the simulated gateway";
        }
        const auto inst = book.find_instrument(in.venue, in.symbol);
        if (!inst) {
            return w + ": no portfolio instrument " + in.venue + ":" + in.symbol;
        }
        const auto terms = terms_of(in.venue);
        if (!terms) {
            return w + ".venue: no [[venues]] entry for \"" + in.venue + "\"";
        }
        const auto vid = cfg.find_venue(in.venue);
        if (vid.value == 0) {
            return w + ".venue: " + in.venue + " has no [[limits.venues]] order-rate bucket";
        }
        auto view = router::amm_pool::from_state(st.state, in.base_token, in.quote_token);
        if (!view.ok()) {
            return w + ": " + view.error;
        }
        pool_slot p;
        p.state = st.state;
        p.view = std::make_unique<router::amm_pool>(std::move(view.pool));
        p.terms.base_is_token0 = p.view->base_is_token0();
        p.terms.base_decimals = p.view->base_decimals();
        p.terms.quote_decimals = p.view->quote_decimals();
        p.spec = &book.instrument(*inst).spec;
        p.terms.lot = p.spec->lot;
        p.base_token = in.base_token;
        p.quote_token = in.quote_token;
        p.instrument = *inst;
        p.position = position_of(*inst);
        p.venue = vid;
        p.venue_terms = *terms;
        pools.push_back(std::move(p));
    }
    // Markets: spot (books + pools) and perp per non-cash underlying.
    for (std::uint32_t u = 0; u < book.underlying_count(); ++u) {
        if (book.underlying(risk::underlying_id{u}).cash) {
            continue;
        }
        for (bool perp : {false, true}) {
            market m;
            m.underlying = risk::underlying_id{u};
            m.perp = perp;
            std::int64_t finest_m = 0;
            int finest_e = 0;
            auto consider = [&](decimal_step lot) {
                if (finest_m == 0 ||
                    steps_to_double(1, lot) < steps_to_double(finest_m, {1, finest_e})) {
                    finest_m = lot.mantissa;
                    finest_e = lot.exponent;
                }
            };
            for (std::size_t bi = 0; bi < books.size(); ++bi) {
                const auto& inst = book.instrument(books[bi].instrument);
                const bool is_perp = inst.spec.kind == instrument_kind::linear_perp;
                if (inst.underlying.value != u || is_perp != perp ||
                    (!is_perp && inst.spec.kind != instrument_kind::spot)) {
                    continue;
                }
                m.books.push_back(bi);
                consider(books[bi].spec->lot);
            }
            if (!perp) {
                for (std::size_t pi = 0; pi < pools.size(); ++pi) {
                    if (book.instrument(pools[pi].instrument).underlying.value == u) {
                        m.pools.push_back(pi);
                        consider(pools[pi].spec->lot);
                    }
                }
            }
            if (m.books.empty() && m.pools.empty()) {
                continue;
            }
            m.base_step = decimal_step{finest_m, finest_e};
            for (std::size_t pi : m.pools) {
                if (steps_to_double(1, pools[pi].spec->lot) != steps_to_double(1, m.base_step)) {
                    return "portfolio: pool instrument " + pools[pi].spec->symbol +
                           " must use the finest lot of its market (" +
                           format_steps(1, m.base_step) + ")";
                }
            }
            m.book_sources.resize(m.books.size());
            m.pool_sources.resize(m.pools.size());
            markets.push_back(std::move(m));
        }
    }
    routes = cfg.routes;
    drift.resize(cfg.targets.size());
    plan.resize(cfg.targets.size());
    if (auto err = book.full_revalue(); err != risk::risk_error::ok) {
        return "portfolio: cannot value the initial book: " + std::string(risk::to_string(err));
    }
    checker = std::make_unique<risk::pre_trade_checker>(cfg.make_checker());
    gate = std::make_unique<risk_gate>(*checker, books, pools);
    gate->latencies = &lat;
    children.resize(64);
    timers.reserve(1 << 14);
    parents.reserve(1024);
    initial_contracts.resize(book.position_count());
    fill_contracts.assign(book.position_count(), 0.0);
    for (std::uint32_t p = 0; p < book.position_count(); ++p) {
        initial_contracts[p] = book.position(risk::position_id{p}).contracts;
    }
    // Journal.
    std::string jpath = sc.journal;
    if (jpath.empty()) {
        jpath = (std::filesystem::temp_directory_path() / ("ballast-run-" + sc.name + ".journal"))
                    .string();
    }
    sc.journal = jpath;
    if (auto err = jr.open(jpath)) {
        return *err;
    }
    // Timers: first rebalance after the warm-up, kill switch changes.
    add_timer({market_start + static_cast<std::int64_t>(sc.policy.warmup_s * 1e9), 0,
               timer::kind::rebalance, 0, 0});
    for (std::size_t k = 0; k < sc.kill_switch.size(); ++k) {
        add_timer({market_start + static_cast<std::int64_t>(sc.kill_switch[k].at_s * 1e9), 0,
                   timer::kind::kill, static_cast<std::uint32_t>(k), 0});
    }
    return {};
}

void engine_impl::apply(const book_event& e) noexcept {
    book_slot& b = books[e.slot];
    switch (e.k) {
    case book_event::kind::clear:
        b.book->clear();
        break;
    case book_event::kind::level:
        (void)b.book->set_level(static_cast<side>(e.side_or_health), price(e.px), qty(e.sz));
        break;
    case book_event::kind::update: {
        b.health = static_cast<feed::book_health>(e.side_or_health);
        b.last_update = e.ts;
        const double mid = mid_of(*b.book, *b.spec);
        if (b.health == feed::book_health::live && mid > 0.0) {
            const std::uint64_t t0 = tsc_now();
            (void)cfg.book.on_instrument_mark(b.instrument, mid);
            lat.record_ticks(hop::risk, t0, tsc_now());
        }
        break;
    }
    case book_event::kind::end:
        break;
    }
}

void engine_impl::refresh_sources(market& m) noexcept {
    for (std::size_t i = 0; i < m.books.size(); ++i) {
        book_slot& b = books[m.books[i]];
        const venue_input& v = sc.venues[b.venue_terms];
        router::book_source& s = m.book_sources[i];
        s.book = b.book.get();
        s.cost.venue = b.venue;
        s.cost.taker_fee_bps = v.taker_fee_bps;
        s.cost.maker_fee_bps = v.maker_fee_bps;
        s.cost.lot = b.spec->lot;
        s.cost.tick = b.spec->tick;
        s.cost.min_notional_quote = b.spec->min_notional;
        s.cost.healthy = routable(b);
        if (!s.cost.healthy) {
            ++b.excluded;
        }
    }
    for (std::size_t i = 0; i < m.pools.size(); ++i) {
        pool_slot& p = pools[m.pools[i]];
        router::pool_source& s = m.pool_sources[i];
        s.curve = &p.view->curve();
        s.exact = p.view.get();
        s.cost.venue = p.venue;
        s.cost.taker_fee_bps = 0.0; // the LP fee is inside the pool math
        s.cost.gas_quote = venue_terms[p.venue_terms].gas_quote;
        s.cost.lot = p.spec->lot;
        s.cost.tick = p.spec->tick;
        s.cost.healthy = true;
    }
}

namespace {
double market_mid(const router::market_snapshot& s) noexcept {
    double bid = 0.0;
    double ask = 0.0;
    for (const auto& b : s.books) {
        if (!b.cost.healthy || b.book->empty(side::bid) || b.book->empty(side::ask)) {
            continue;
        }
        const double bb = steps_to_double(b.book->best_bid().px.value(), b.cost.tick);
        const double ba = steps_to_double(b.book->best_ask().px.value(), b.cost.tick);
        bid = std::max(bid, bb);
        ask = ask == 0.0 ? ba : std::min(ask, ba);
    }
    return bid > 0.0 && ask > 0.0 ? 0.5 * (bid + ask) : 0.0;
}
} // namespace

void engine_impl::rebalance() noexcept {
    // Only one wave of parents at a time: wait for working parents and orders.
    bool busy = orders.open_orders() > 0;
    for (const auto& p : parents) {
        busy = busy || p.slices_done < p.slice_count;
    }
    if (!busy) {
        auto& book = cfg.book;
        // Half spreads from the books as they are now.
        for (auto& r : routes) {
            for (const auto& b : books) {
                if (b.instrument == r.instrument && routable(b)) {
                    const double mid = mid_of(*b.book, *b.spec);
                    const double spread = b.spec->to_double(b.book->best_ask().px) -
                                          b.spec->to_double(b.book->best_bid().px);
                    r.half_spread_bps = mid > 0.0 ? 0.5 * spread / mid * 1e4 : r.half_spread_bps;
                }
            }
        }
        const std::uint64_t t0 = tsc_now();
        risk::compute_drift(book, cfg.targets, drift);
        risk::plan_rebalance(book, cfg.targets, drift, routes, cfg.trigger, timestamp_ns{now},
                             timestamp_ns{last_rebalance}, plan);
        lat.record_ticks(hop::risk, t0, tsc_now());
        for (std::size_t r = 0; r < cfg.targets.size(); ++r) {
            const risk::plan_row& row = plan[r];
            if (!row.trade || !row.delta_leg.eligible || row.delta_leg.contracts == 0.0) {
                continue;
            }
            const auto& route_inst = book.instrument(row.delta_leg.instrument);
            const bool perp = route_inst.spec.kind == instrument_kind::linear_perp;
            std::size_t mi = markets.size();
            std::size_t spot_mi = markets.size();
            for (std::size_t i = 0; i < markets.size(); ++i) {
                if (markets[i].underlying == row.underlying && markets[i].perp == perp) {
                    mi = i;
                }
                if (markets[i].underlying == row.underlying && !markets[i].perp) {
                    spot_mi = i;
                }
            }
            if (mi == markets.size()) {
                continue;
            }
            market& m = markets[mi];
            refresh_sources(m);
            const auto snap = m.snapshot();
            const double mid = market_mid(snap);
            const double delta_base = row.delta_base_to_trade;
            const double step = steps_to_double(1, m.base_step);
            const std::int64_t steps =
                static_cast<std::int64_t>(std::floor(std::abs(delta_base) / step));
            if (mid <= 0.0 || steps <= 0 || parents.size() == parents.capacity()) {
                continue;
            }
            parent_state p;
            p.market = mi;
            p.order_side = delta_base > 0 ? side::bid : side::ask;
            p.base_step_units = step;
            auto& s = p.summary;
            s.underlying = book.underlying(row.underlying).name;
            s.route_symbol = route_inst.spec.venue + ":" + route_inst.spec.symbol;
            s.synthetic = perp;
            s.order_side = p.order_side;
            s.decided = timestamp_ns{now};
            s.requested_base = static_cast<double>(steps) * step;
            s.arrival_mid = mid;
            s.plan_route_cost_usd = row.delta_leg.cost_usd;
            for (std::uint8_t k = 0; k < row.considered_count; ++k) {
                const auto& c = row.considered[k];
                if (c.eligible &&
                    book.instrument(c.instrument).spec.kind == instrument_kind::spot &&
                    (s.plan_spot_cost_usd == 0.0 || c.cost_usd < s.plan_spot_cost_usd)) {
                    s.plan_spot_cost_usd = c.cost_usd;
                }
            }
            // The naive plan: the whole parent now, on the single best spot venue.
            if (spot_mi < markets.size()) {
                market& sm = markets[spot_mi];
                refresh_sources(sm);
                const auto ss = sm.snapshot();
                const double smid = market_mid(ss);
                const double sstep = steps_to_double(1, sm.base_step);
                router::parent_order whole;
                whole.order_side = p.order_side;
                whole.amount = qty(static_cast<std::int64_t>(std::floor(s.requested_base / sstep)));
                const auto& naive =
                    router.route(ss, whole, router::route_method::best_single_venue);
                if (naive.filled.value() > 0 && smid > 0.0) {
                    const double base = static_cast<double>(naive.filled.value()) * sstep;
                    s.naive_filled_base = base;
                    s.naive_cost_quote = p.order_side == side::bid
                                             ? naive.total_cost_quote - smid * base
                                             : smid * base - naive.total_cost_quote;
                    s.naive_cost_bps = s.naive_cost_quote / (smid * base) * 1e4;
                    if (!naive.allocations.empty()) {
                        const auto& a = naive.allocations.front();
                        for (std::size_t vi = 0; vi < cfg.venues.size(); ++vi) {
                            if (vi + 1 == a.venue.value) {
                                s.naive_venue = cfg.venues[vi];
                            }
                        }
                    }
                }
                if (perp) {
                    const auto& alt = router.split(ss, whole);
                    if (alt.filled.value() > 0) {
                        s.spot_alt_cost_bps = alt.cost_vs_mid_bps;
                    }
                }
                refresh_sources(m);
            }
            router::schedule_params sp;
            sp.order_side = p.order_side;
            sp.total = qty(steps);
            sp.lot_steps = 1;
            sp.start = timestamp_ns{now};
            sp.slices = sc.policy.slices;
            sp.horizon_ns = static_cast<std::int64_t>(sc.policy.slice_interval_s * 1e9) *
                            static_cast<std::int64_t>(sc.policy.slices);
            sp.reference_price = mid;
            sp.collar_bps = sc.policy.collar_bps;
            const auto sched = router::twap(sp, p.slices);
            if (!sched.ok()) {
                continue;
            }
            p.slice_count = static_cast<std::uint32_t>(sched.slices.size());
            s.slices = p.slice_count;
            parents.push_back(p);
            const auto pi = static_cast<std::uint32_t>(parents.size() - 1);
            for (std::uint32_t i = 0; i < p.slice_count; ++i) {
                add_timer({p.slices[i].at.ns, 0, timer::kind::slice, pi, i});
            }
        }
        last_rebalance = now;
    }
    add_timer({now + static_cast<std::int64_t>(sc.policy.rebalance_interval_s * 1e9), 0,
               timer::kind::rebalance, 0, 0});
}

void engine_impl::send_slice(parent_state& p, std::uint32_t i) noexcept {
    ++p.slices_done;
    const std::int64_t amount = p.slices[i].amount.value() + p.residual_steps;
    p.residual_steps = amount;
    if (amount <= 0) {
        return;
    }
    market& m = markets[p.market];
    refresh_sources(m);
    const auto snap = m.snapshot();
    const double mid = market_mid(snap);
    if (mid <= 0.0) {
        return; // no healthy book: the residual waits for the next slice
    }
    router::parent_order po;
    po.order_side = p.order_side;
    po.amount = qty(amount);
    po.has_limit = true;
    po.limit_price = router::collar_limit(p.order_side, mid, sc.policy.collar_bps);
    std::uint64_t t0 = tsc_now();
    const auto& split = router.split(snap, po);
    lat.record_ticks(hop::route, t0, tsc_now());
    if (split.filled.value() <= 0) {
        return;
    }
    gate->current = &m;
    gate->now = now;
    const auto rel = router::release_children(split, snap, instrument_id{}, orders.next_id(),
                                              timestamp_ns{now}, *gate, children);
    for (std::size_t k = 0; k < rel.approved; ++k) {
        const router::child_order& c = children[k];
        const std::uint64_t s0 = tsc_now();
        order o;
        o.kind = c.kind;
        o.order_side = c.order_side;
        o.limit_price = c.limit_price;
        o.created = timestamp_ns{now};
        o.arrival_mid = mid;
        o.parent = static_cast<std::uint32_t>(&p - parents.data());
        std::int64_t latency = 0;
        if (c.kind == router::source_kind::book) {
            const std::size_t bi = m.books[c.source_index];
            const book_slot& b = books[bi];
            o.venue = b.venue;
            o.instrument = b.instrument;
            o.source = static_cast<std::uint16_t>(bi);
            o.quantity = c.venue_amount;
            o.limit = c.limit_ticks;
            o.tif = time_in_force::ioc;
            latency = venue_terms[b.venue_terms].latency_ns;
        } else {
            const std::size_t pi = m.pools[c.source_index];
            const pool_slot& ps = pools[pi];
            o.venue = ps.venue;
            o.instrument = ps.instrument;
            o.source = static_cast<std::uint16_t>(pi);
            o.quantity = c.amount; // pool lot is the market's base step
            o.tif = time_in_force::marketable_limit;
            latency = venue_terms[ps.venue_terms].latency_ns;
        }
        if (o.quantity.value() <= 0 || orders.add(o) != oms_error::ok) {
            continue;
        }
        // Journal before the order leaves.
        if (!jr.submitted(o)) {
            (void)orders.reject(o.id);
            continue;
        }
        o.arrives = timestamp_ns{now + latency};
        orders.find(o.id)->arrives = o.arrives;
        const std::int64_t steps =
            c.kind == router::source_kind::book
                ? o.quantity.value() * router::steps_per(books[o.source].spec->lot, m.base_step)
                : o.quantity.value();
        p.residual_steps -= steps;
        ++p.summary.children;
        add_timer(
            {o.arrives.ns, 0, timer::kind::arrival, static_cast<std::uint32_t>(o.id.value), 0});
        lat.record_ticks(hop::send, s0, tsc_now());
        if (progress != nullptr) {
            progress->orders.store(orders.orders().size(), std::memory_order_relaxed);
        }
    }
}

void engine_impl::book_fill(order& o, const sim_fill& f) noexcept {
    auto& book = cfg.book;
    const auto& inst = book.instrument(o.instrument);
    const double base = inst.spec.to_double(f.quantity);
    const double contracts = base / (inst.spec.contract_size > 0 ? inst.spec.contract_size : 1.0);
    const double sign = o.order_side == side::bid ? 1.0 : -1.0;
    risk::position_id pos{};
    if (o.kind == router::source_kind::book) {
        pos = books[o.source].position;
    } else {
        pos = pools[o.source].position;
    }
    (void)book.on_fill(pos, sign * contracts, f.price_quote);
    fill_contracts[pos.value] += sign * contracts;
    const bool perp = inst.spec.kind == instrument_kind::linear_perp;
    const double cash =
        perp ? -f.fee_quote - f.gas_quote : -sign * f.notional_quote - f.fee_quote - f.gas_quote;
    (void)book.on_fill(cash_position, cash, 1.0);
    cash_from_fills += cash;
    (void)jr.filled(o.id, f.quantity, f.notional_quote, f.fee_quote, timestamp_ns{now});
    (void)orders.fill(o.id, f.quantity, f.notional_quote, f.fee_quote);
    o.gas_quote += f.gas_quote;
    parent_state& p = parents[o.parent];
    p.summary.filled_base += sign * 0.0 + base;
    p.summary.fees_quote += f.fee_quote;
    p.summary.gas_quote += f.gas_quote;
    p.summary.slippage_quote += o.order_side == side::bid
                                    ? f.notional_quote - p.summary.arrival_mid * base
                                    : p.summary.arrival_mid * base - f.notional_quote;
    ++fills;
    if (progress != nullptr) {
        progress->fills.store(fills, std::memory_order_relaxed);
    }
}

void engine_impl::arrive(client_order_id id) noexcept {
    order* o = orders.find(id);
    if (o == nullptr) {
        return;
    }
    parent_state& p = parents[o->parent];
    const market& m = markets[p.market];
    if (o->kind == router::source_kind::book) {
        book_slot& b = books[o->source];
        (void)jr.acknowledged(id, timestamp_ns{now});
        (void)orders.acknowledge(id);
        const sim_venue_terms& t = venue_terms[b.venue_terms];
        // A stale book means the venue's state is unknown: the simulated venue still fills
        // against what it has, but the engine never routes there (refresh_sources).
        const qty done =
            fill_on_book(*o, *b.book, *b.spec, t, [&](const sim_fill& f) { book_fill(*o, f); });
        const qty left = o->quantity - done;
        if (left.value() > 0) {
            (void)jr.canceled(id, timestamp_ns{now});
            (void)orders.cancel(id);
            p.residual_steps += left.value() * router::steps_per(b.spec->lot, m.base_step);
        }
        // The level our fill removed is a change to the mark.
        const double mid = mid_of(*b.book, *b.spec);
        if (mid > 0.0) {
            (void)cfg.book.on_instrument_mark(b.instrument, mid);
        }
    } else {
        pool_slot& ps = pools[o->source];
        const auto r = swap_on_pool(*o, ps.state, ps.terms, venue_terms[ps.venue_terms]);
        if (!r.ok) {
            (void)jr.rejected(id, timestamp_ns{now});
            (void)orders.reject(id);
            p.residual_steps += o->quantity.value();
            return;
        }
        (void)jr.acknowledged(id, timestamp_ns{now});
        (void)orders.acknowledge(id);
        book_fill(*o, r.fill);
        // The pool moved: rebuild its curve (allocates; once per swap, see README).
        auto view = router::amm_pool::from_state(ps.state, ps.base_token, ps.quote_token);
        if (view.ok()) {
            *ps.view = std::move(view.pool);
        }
        const double spot = pool_spot(ps);
        if (spot > 0.0) {
            (void)cfg.book.on_instrument_mark(ps.instrument, spot);
        }
    }
}

void engine_impl::run_timers_until(std::int64_t t) noexcept {
    while (!timers.empty() && timers.back().at <= t) {
        const timer x = timers.back();
        timers.pop_back();
        now = std::max(now, x.at);
        switch (x.k) {
        case timer::kind::rebalance:
            rebalance();
            break;
        case timer::kind::slice:
            send_slice(parents[x.a], x.b);
            break;
        case timer::kind::arrival:
            arrive(client_order_id{x.a});
            break;
        case timer::kind::kill:
            checker->set_kill_switch(sc.kill_switch[x.a].state);
            kill_changes.emplace_back(timestamp_ns{now},
                                      std::string(risk::to_string(sc.kill_switch[x.a].state)));
            break;
        }
    }
}

run_result engine_impl::finish() {
    run_result r;
    r.scenario = sc.name;
    r.market_start = timestamp_ns{market_start};
    r.market_end = timestamp_ns{now};
    r.events = events;
    r.journal_path = sc.journal;
    r.journal_records = jr.records();
    r.tsc_per_ns = lat.tsc_per_ns();
    for (const auto& f : feeds) {
        r.frames += f->frames;
        r.feed_rejects += f->rejects->total();
        r.queue_full_spins += f->full_spins;
        lat.of(hop::decode).merge(f->decode);
    }
    for (std::size_t h = 0; h < hop_count; ++h) {
        const auto& hist = lat.of(static_cast<hop>(h));
        r.latency.push_back({std::string(to_string(static_cast<hop>(h))), hist.count(),
                             hist.quantile(0.5), hist.quantile(0.99), hist.quantile(0.999),
                             hist.max()});
    }
    r.orders.assign(orders.orders().begin(), orders.orders().end());
    for (const auto& o : r.orders) {
        ++r.orders_by_state[static_cast<std::size_t>(o.state)];
    }
    r.illegal_transitions = orders.illegal_transitions();
    for (std::size_t i = 0; i < gate->rejects.size(); ++i) {
        if (gate->rejects[i] > 0) {
            r.gate_rejects.emplace_back(
                std::string(risk::to_string(static_cast<risk::reject_reason>(i))),
                gate->rejects[i]);
        }
    }
    r.gate_approved = gate->approved;
    for (const auto& b : books) {
        if (b.excluded > 0) {
            r.stale_exclusions.emplace_back(b.spec->venue + ":" + b.spec->symbol, b.excluded);
        }
    }
    r.kill_switch_changes = kill_changes;
    for (const auto& p : parents) {
        parent_summary s = p.summary;
        const double notional = s.arrival_mid * s.filled_base;
        s.cost_quote = s.fees_quote + s.gas_quote + s.slippage_quote;
        s.cost_bps = notional > 0.0 ? s.cost_quote / notional * 1e4 : 0.0;
        r.parents.push_back(s);
    }
    // Trades per venue and instrument.
    for (const auto& o : r.orders) {
        const auto& inst = cfg.book.instrument(o.instrument);
        const std::string venue = inst.spec.venue;
        auto it = std::find_if(r.trades.begin(), r.trades.end(), [&](const trade_summary& t) {
            return t.venue == venue && t.symbol == inst.spec.symbol;
        });
        if (it == r.trades.end()) {
            trade_summary t;
            t.venue = venue;
            t.symbol = inst.spec.symbol;
            t.kind = o.kind == router::source_kind::pool ? "pool"
                                                         : std::string(to_string(inst.spec.kind));
            r.trades.push_back(t);
            it = r.trades.end() - 1;
        }
        const double base = inst.spec.to_double(o.filled);
        (o.order_side == side::bid ? it->bought_base : it->sold_base) += base;
        it->notional_quote += o.notional_quote;
        it->fees_quote += o.fees_quote;
        it->gas_quote += o.gas_quote;
        ++it->orders;
        it->fills += o.fills;
    }
    std::sort(r.trades.begin(), r.trades.end(), [](const trade_summary& a, const trade_summary& b) {
        return a.venue != b.venue ? a.venue < b.venue : a.symbol < b.symbol;
    });
    for (std::uint32_t p = 0; p < cfg.book.position_count(); ++p) {
        const auto& pos = cfg.book.position(risk::position_id{p});
        const auto& inst = cfg.book.instrument(pos.instrument);
        if (risk::position_id{p} == cash_position) {
            r.cash_change = pos.contracts - initial_contracts[p];
            r.cash_from_fills = cash_from_fills;
            continue;
        }
        if (fill_contracts[p] != 0.0 || pos.contracts != initial_contracts[p]) {
            r.positions.push_back({inst.spec.venue + ":" + inst.spec.symbol, fill_contracts[p],
                                   pos.contracts - initial_contracts[p]});
        }
    }
    return r;
}

engine::created engine::create(const scenario& s) {
    created c;
    auto impl = std::make_unique<engine_impl>();
    impl->sc = s;
    if (auto err = impl->setup(); !err.empty()) {
        c.error = err;
        return c;
    }
    c.value.reset(new engine());
    c.value->impl_ = std::move(impl);
    return c;
}

engine::~engine() = default;
engine::engine(engine&&) noexcept = default;
engine& engine::operator=(engine&&) noexcept = default;

namespace {
void fill_weights(const risk::risk_config& cfg, std::vector<underlying_summary>& out, bool after) {
    const auto& book = cfg.book;
    for (std::uint32_t u = 0; u < book.underlying_count(); ++u) {
        const auto& us = book.underlying(risk::underlying_id{u});
        if (out.size() <= u) {
            underlying_summary s;
            s.name = us.name;
            s.cash = us.cash;
            for (const auto& t : cfg.targets) {
                if (t.underlying.value == u && t.kind == risk::target_kind::weight) {
                    s.has_target = true;
                    s.target_weight = t.value;
                    s.band = t.band;
                }
            }
            out.push_back(s);
        }
        auto& s = out[u];
        const double w = book.weight(risk::underlying_id{u});
        const double d = us.totals.delta_base;
        if (after) {
            s.weight_after = w;
            s.delta_after = d;
            s.target_delta_after =
                us.price > 0.0 ? s.target_weight * book.nav_usd() / us.price : 0.0;
        } else {
            s.weight_before = w;
            s.delta_before = d;
        }
    }
}
} // namespace

run_result engine::run(run_progress* progress) {
    engine_impl& e = *impl_;
    e.progress = progress;
    std::vector<std::thread> threads;
    threads.reserve(e.feeds.size());
    for (auto& f : e.feeds) {
        threads.emplace_back([&t = *f] { run_feed(t); });
    }
    // The first marks come from the books; weights "before" are taken at the first rebalance
    // decision's market state, i.e. after the warm-up (see below).
    std::vector<underlying_summary> unders;
    bool before_taken = false;
    double nav_before = 0.0;
    const std::int64_t first_rebalance =
        e.market_start + static_cast<std::int64_t>(e.sc.policy.warmup_s * 1e9);
    std::size_t live = e.feeds.size();
    std::uint64_t since_progress = 0;
    while (live > 0) {
        // Release the earliest head only when every live ring has one: the merge is then the
        // same whatever the threads' relative speeds (ties: the lower feed index first).
        std::size_t best = e.feeds.size();
        std::int64_t best_ts = 0;
        bool waiting = false;
        for (std::size_t i = 0; i < e.feeds.size(); ++i) {
            feed_thread& f = *e.feeds[i];
            if (f.ended) {
                continue;
            }
            const book_event* h = f.ring->front();
            if (h == nullptr) {
                waiting = true;
                break;
            }
            if (best == e.feeds.size() || h->ts < best_ts) {
                best = i;
                best_ts = h->ts;
            }
        }
        if (waiting) {
            std::this_thread::yield();
            continue;
        }
        feed_thread& f = *e.feeds[best];
        const book_event ev = *f.ring->front();
        f.ring->pop();
        if (ev.k == book_event::kind::end) {
            f.ended = true;
            --live;
            continue;
        }
        const std::uint64_t t_pop = tsc_now();
        e.lat.record_ticks(hop::queue, ev.tsc, t_pop);
        if (!before_taken && ev.ts >= first_rebalance) {
            fill_weights(e.cfg, unders, false);
            nav_before = e.cfg.book.nav_usd();
            before_taken = true;
        }
        e.run_timers_until(ev.ts);
        e.now = std::max(e.now, ev.ts);
        e.apply(ev);
        e.lat.record_ticks(hop::book, t_pop, tsc_now());
        ++e.events;
        if (progress != nullptr && ++since_progress >= 256) {
            since_progress = 0;
            progress->market_ns.store(e.now, std::memory_order_relaxed);
            double worst = 0.0;
            for (const auto& d : e.drift) {
                worst = std::max(worst, std::abs(d.weight_drift));
            }
            progress->max_abs_drift.store(worst, std::memory_order_relaxed);
        }
    }
    for (auto& t : threads) {
        t.join();
    }
    if (!before_taken) {
        fill_weights(e.cfg, unders, false);
        nav_before = e.cfg.book.nav_usd();
    }
    // The recordings have ended: orders in flight still arrive (on the last books); no new
    // slices or rebalances start after the market's end.
    const std::int64_t market_end = e.now;
    std::vector<timer> pending;
    for (const auto& t : e.timers) {
        if (t.k == timer::kind::arrival) {
            pending.push_back(t);
        }
    }
    e.timers = pending;
    e.run_timers_until(std::numeric_limits<std::int64_t>::max());
    e.now = std::max(market_end, e.now);
    risk::compute_drift(e.cfg.book, e.cfg.targets, e.drift);
    fill_weights(e.cfg, unders, true);
    run_result r = e.finish();
    r.underlyings = std::move(unders);
    r.nav_before = nav_before;
    r.nav_after = e.cfg.book.nav_usd();
    e.jr.close();
    if (progress != nullptr) {
        progress->market_ns.store(e.now);
        progress->done.store(true);
    }
    return r;
}

} // namespace ballast::exec
