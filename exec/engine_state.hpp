#pragma once
/// The engine's state, shared by the files that implement it (internal to exec/): the books it
/// mirrors, the pools, the markets the router sees, timers, parent orders, and engine_impl.
/// One file per responsibility:
///   engine_setup.cpp    builds everything from the scenario (allocates, opens files)
///   feed_runner.cpp     a recording's decoder on its own thread, into its ring
///   engine.cpp          the replay sequencer: merges the rings in market time
///   engine_decide.cpp   book events, marks, drift and the rebalancer's parent orders, timers
///   engine_orders.cpp   slices into child orders, gateways, execution reports, fill booking
///   engine_summary.cpp  the run's summary
///   engine_series.cpp   the report's time series
#include "exec/engine.hpp"
#include "exec/gateway_session.hpp"
#include "feed/feed_metrics.hpp"
#include "feed/live_feed.hpp"
#include "feed/pool_feed.hpp"

#include "exec/fill_dedup.hpp"
#include "exec/gateway.hpp"
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

namespace ballast::exec::engine_detail {

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
    std::uint64_t bytes = 0;
    std::uint64_t full_spins = 0; // set when the feed thread ends
    bool ended = false;
    std::unique_ptr<feed::feed_metrics> metrics; // published by the feed thread; may be null
};

/// Decodes the recording on the calling thread into the feed's ring, then pushes `end`.
void run_feed(feed_thread& t);

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
    /// Live: not known to be exact (following the node, or no node): the router leaves it.
    bool stale = false;
    std::uint64_t updates = 0;  // live: states the pool feed delivered
    std::uint64_t excluded = 0; // times the router skipped it
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

inline double mid_of(const l2_book& b, const instrument_spec& spec) noexcept {
    if (b.empty(side::bid) || b.empty(side::ask)) {
        return 0.0;
    }
    return 0.5 * (spec.to_double(b.best_bid().px) + spec.to_double(b.best_ask().px));
}

inline double pool_spot(const pool_slot& p) noexcept {
    const double raw = p.state.v3.raw_price(); // token1 per token0, raw units
    if (raw <= 0.0) {
        return 0.0;
    }
    const double human = raw * std::pow(10.0, p.state.meta.decimals0 - p.state.meta.decimals1);
    return p.terms.base_is_token0 ? human : 1.0 / human;
}

/// The mid of a router snapshot's best book (0 when none is healthy).
[[nodiscard]] double market_mid(const router::market_snapshot& s) noexcept;
/// The weights and deltas of every underlying, before or after the run.
void fill_weights(const risk::risk_config& cfg, std::vector<underlying_summary>& out, bool after);

} // namespace ballast::exec::engine_detail

namespace ballast::exec {

using namespace engine_detail;

/// The run's Prometheus series (engine_metrics.cpp), owned by the registry they were made in.
struct engine_metrics {
    feed::metrics::cell* market_time = nullptr;
    feed::metrics::cell* events = nullptr;
    feed::metrics::cell* finished = nullptr;
    std::vector<feed::metrics::cell*> ring_depth; // replay feeds, then live feeds
    std::array<feed::metrics::histogram_cell*, hop_count> hops{};
    std::array<feed::metrics::histogram_cell*, t2o_hop_count> t2o{};
    std::array<feed::metrics::cell*, 6> orders_by_state{};
    feed::metrics::cell* fills = nullptr;
    feed::metrics::cell* approved = nullptr;
    std::vector<feed::metrics::cell*> rejects; // by reject_reason, [0] unused
    feed::metrics::cell* gateway_refusals = nullptr;
    feed::metrics::cell* duplicate_fills = nullptr;
    feed::metrics::cell* unknown_reports = nullptr;
    feed::metrics::cell* nav = nullptr;
    struct underlying {
        feed::metrics::cell* weight = nullptr;
        feed::metrics::cell* target = nullptr;
        feed::metrics::cell* drift = nullptr;
        feed::metrics::cell* delta = nullptr;
        feed::metrics::cell* gamma = nullptr;
        feed::metrics::cell* vega = nullptr;
        feed::metrics::cell* theta = nullptr;
        std::size_t drift_row = SIZE_MAX; // e.drift index with this underlying
    };
    std::vector<underlying> underlyings; // by underlying id
    std::vector<feed::metrics::cell*> book_excluded;
    struct pool {
        feed::metrics::cell* stale = nullptr;
        feed::metrics::cell* block = nullptr;
        feed::metrics::cell* updates = nullptr;
        feed::metrics::cell* excluded = nullptr;
    };
    std::vector<pool> pools;
};

/// A live venue feed: its thread, and which engine book each of its ring slots is.
struct live_source {
    feed::live_feed_options options;
    std::unique_ptr<feed::live_feed_thread> thread;
    std::vector<std::uint16_t> slot_to_book; ///< no_book: a followed symbol the engine ignores
    std::uint64_t overflows = 0;
    std::unique_ptr<feed::feed_metrics> metrics; // published by the feed's thread; may be null
    static constexpr std::uint16_t no_book = 0xffff;
};

using terms_lookup = std::function<std::optional<std::size_t>(const std::string&)>;

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
    std::vector<std::unique_ptr<sim_gateway>> gateways; // paper fills, by venue_terms index
    std::vector<venue_gateway*> gw;                     // what orders go to, by venue_terms index
    std::vector<std::unique_ptr<threaded_gateway>> real_gateways; // live: signed venue sessions
    std::vector<std::size_t> real_gateway_terms;                  // venue_terms index of each
    std::vector<std::size_t> real_gateway_inputs;                 // its sc.live.gateways index
    std::vector<risk::position_id> position_by_instrument; // portfolio instrument -> position
    // Live (`run --live`): venue feeds, the wall clock, the stop request.
    bool live_mode = false;
    std::vector<live_source> live_feeds;
    /// Live: the scenario's pools followed from [live.node] (null: no node, pools stale).
    std::unique_ptr<feed::pool_feed_thread> pool_feed;
    /// Takes the pool feed's newest states into the pools; true when any came.
    bool drain_pool_feed();
    std::function<std::int64_t()> wall_clock;
    /// Live: the engine's time, the monotonic clock placed at the wall clock's reading at start:
    /// timers, book ages and the feeds' frame stamps (a stepped wall clock moves none of them).
    std::function<std::int64_t()> live_clock;
    std::int64_t wall_drift_ns = 0; ///< wall clock minus live_clock, as last seen
    std::uint64_t clock_steps = 0;  ///< wall-clock steps seen (over 100 ms either way)
    std::int64_t clock_step_max_ns = 0;
    /// Live: compares the wall clock with the engine's time; a step is counted, never followed.
    void check_wall_clock() noexcept;
    const std::atomic<int>* stop_requests = nullptr;
    std::vector<std::pair<std::string, api_credentials>> credentials; ///< engine_options'
    // The live latency probe (engine_options::probe_every): frame-triggered orders.
    std::uint32_t probe_every = 0;
    std::uint32_t probe_countdown = 0;
    std::uint32_t probe_parent = std::numeric_limits<std::uint32_t>::max(); // reused parent slot
    side probe_side = side::ask;
    bool probe_active = false; // a frame-triggered decision is in send_slice
    t2o_stamps probe{};        // that decision's stamps so far
    /// Stamps of frame-triggered orders sent to a signed gateway, by id, until the report that
    /// carries their socket-write stamp (send_tsc) comes back.
    std::array<t2o_stamps, 4096> t2o_in_flight{};
    /// A book update of a live feed: counts it and, every probe_every-th on a routable book,
    /// sends one small crossing order on its market.
    void probe_update(std::size_t slot, const book_event& e, std::uint64_t popped) noexcept;
    /// The order's bytes reached the socket at `wire`: its tick-to-order legs are recorded.
    void t2o_wire(client_order_id id, std::uint64_t wire) noexcept {
        t2o_stamps& s = t2o_in_flight[id.value % t2o_in_flight.size()];
        if (s.order == id.value && id.value != 0) {
            lat.record_tick_to_order(s, wire);
            s.order = 0;
        }
    }
    std::uint64_t recovered_orders = 0;
    std::uint64_t reconciled_fills = 0;
    std::uint64_t never_reached = 0;
    bool stop_sending = false;         // live stop: working orders are canceled, nothing new leaves
    std::uint64_t session_reports = 0; // connected / disconnected / rate-limit reports
    std::string last_session_error;    // the reason of the last disconnected report
    struct pending_final {
        client_order_id id{};
        order_state state = order_state::canceled;
        qty cum{0};
    };
    std::vector<pending_final> pending_finals; // final per the venue, fills still to come
    std::uint64_t unknown_outcomes = 0;        // requests whose outcome the venue must be asked
    fill_dedup booked_fills{1 << 17};
    std::uint64_t unknown_reports = 0;  // reports naming no order of ours
    std::uint64_t duplicate_fills = 0;  // fills a venue reported again
    std::uint64_t gateway_refusals = 0; // sends a gateway refused at once
    std::string halted;                 // why new orders stopped (a journal write failed)
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
    // Prometheus series (engine_metrics.cpp): registered before the run, published by this
    // thread at most every metrics_interval_ns and once at the end.
    std::unique_ptr<engine_metrics> metrics;
    std::uint64_t metrics_published_tsc = 0;
    std::uint64_t metrics_interval_tsc = 0;
    void attach_metrics(feed::metrics::registry& r);
    /// Copies the engine's state into its series when one is attached and due (or `force`).
    void publish_metrics(bool force) noexcept;
    /// The last publish, with ballast_run_finished set.
    void publish_finished() noexcept;

    std::string setup();
    std::string setup_replay_feeds(std::vector<std::string>& feed_venues,
                                   const terms_lookup& terms_of);
    std::string setup_live_feeds(std::vector<std::string>& feed_venues,
                                 const terms_lookup& terms_of);
    std::string setup_live_gateways();
    std::string setup_live_pools();
    /// Live start: the journal's orders, positions and cash, then every venue's view of them.
    std::string recover_and_reconcile();
    run_result run_live();
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
    void arrive(std::size_t gateway) noexcept;
    void on_report(const exec_report& r) noexcept;
    /// Our fill took liquidity from the mirror: a change to the instrument's mark.
    void mark_book(std::size_t slot) noexcept {
        const book_slot& b = books[slot];
        const double mid = mid_of(*b.book, *b.spec);
        if (mid > 0.0) {
            (void)cfg.book.on_instrument_mark(b.instrument, mid);
        }
    }
    void halt(std::string_view what) noexcept;
    /// A fill the OMS refused: counted, and no new orders (the book may differ from the venue).
    void halt_refused_fill(const order& o, oms_error why) noexcept;
    std::uint64_t refused_fills = 0;
    std::uint64_t mirror_drops = 0; ///< levels a full mirror side refused
    /// The venue's spec an order trades (the book's, or the pool instrument's).
    [[nodiscard]] const instrument_spec* spec_of(const order& o) const noexcept {
        return o.kind == router::source_kind::book ? books[o.source].spec : pools[o.source].spec;
    }
    /// The signed gateway of a venue; nullptr when orders go to a simulated one.
    [[nodiscard]] threaded_gateway* signed_gateway_of(venue_id v) const noexcept {
        for (const auto& g : real_gateways) {
            if (g->venue() == v) {
                return g.get();
            }
        }
        return nullptr;
    }
    void refresh_sources(market& m) noexcept;
    void book_fill(order& o, const sim_fill& f) noexcept;
    [[nodiscard]] bool routable(const book_slot& b) const noexcept {
        return b.health == feed::book_health::live && !b.book->empty(side::bid) &&
               !b.book->empty(side::ask) &&
               now - b.last_update <= static_cast<std::int64_t>(sc.policy.max_book_age_s * 1e9);
    }
    run_result finish();
    // The report's time series (engine_series.cpp).
    series_sampler series;
    void prepare_series(); ///< before the run (allocates)
    /// A book update: its health is noted; a sample is taken when one is due.
    void note_series_update(std::size_t slot) noexcept;
    void take_series_sample() noexcept;
    void note_series_fill(std::uint32_t parent) noexcept;
    void note_series_venue_fill(std::size_t venue, double notional_quote) noexcept;
    /// The series into the result, with a last sample and the latency histograms' buckets.
    void collect_series(run_result& r);
};

} // namespace ballast::exec
