#pragma once
/// The engine: feed threads replay recordings through the real venue decoders and hand every
/// book change to the engine thread through SPSC rings; the engine thread merges the rings in
/// market-time order, mirrors the books, keeps risk current, rebalances through the router and
/// the pre-trade gate, and fills child orders on simulated gateways.
#include "exec/latency.hpp"
#include "exec/oms.hpp"
#include "exec/report_series.hpp"
#include "exec/scenario.hpp"
#include "exec/signing.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ballast::feed::metrics {
class registry;
} // namespace ballast::feed::metrics

namespace ballast::exec {

/// Weights and deltas of one underlying before and after the run.
struct underlying_summary {
    std::string name;
    bool cash = false;
    bool has_target = false;
    double target_weight = 0.0;
    double band = 0.0;
    double weight_before = 0.0;
    double weight_after = 0.0;
    double delta_before = 0.0; ///< base units
    double delta_after = 0.0;
    double target_delta_after = 0.0; ///< target weight * NAV / price at the end
    [[nodiscard]] bool inside_band_after() const noexcept {
        return !has_target || (weight_after >= target_weight - band - 1e-12 &&
                               weight_after <= target_weight + band + 1e-12);
    }
};

/// Trades of one instrument at one venue.
struct trade_summary {
    std::string venue;
    std::string symbol;
    std::string kind; ///< spot, linear_perp, pool
    double bought_base = 0.0;
    double sold_base = 0.0;
    double notional_quote = 0.0;
    double fees_quote = 0.0;
    double gas_quote = 0.0;
    std::uint32_t orders = 0;
    std::uint32_t fills = 0;
};

/// One parent order from the rebalancer, its execution and its comparisons.
struct parent_summary {
    std::string underlying;
    std::string route_symbol; ///< the plan's route instrument (venue:symbol)
    bool synthetic = false;   ///< delivered through the perp instead of spot
    side order_side = side::bid;
    timestamp_ns decided{};
    double requested_base = 0.0;
    double filled_base = 0.0;
    double arrival_mid = 0.0;
    double fees_quote = 0.0;
    double gas_quote = 0.0;
    double slippage_quote = 0.0; ///< execution vs the arrival mid, before fees
    double cost_quote = 0.0;     ///< fees + gas + slippage
    double cost_bps = 0.0;       ///< cost over filled notional at the arrival mid
    // The naive plan: everything at once on the single best spot venue, at the decision.
    std::string naive_venue;
    double naive_filled_base = 0.0;
    double naive_cost_quote = 0.0;
    double naive_cost_bps = 0.0;
    // Synthetic leg: what spot would have cost (router's optimal split at the decision)
    // and the plan's estimates (fees + half spread + funding over the horizon).
    double spot_alt_cost_bps = 0.0;
    double plan_spot_cost_usd = 0.0;
    double plan_route_cost_usd = 0.0;
    std::uint32_t slices = 0;
    std::uint32_t children = 0;
};

struct hop_row {
    std::string hop;
    std::uint64_t count = 0;
    std::uint64_t p50_ns = 0;
    std::uint64_t p99_ns = 0;
    std::uint64_t p999_ns = 0;
    std::uint64_t max_ns = 0;
};

/// Per instrument: the position change the fills add up to and the one the portfolio shows.
struct position_check {
    std::string instrument; ///< venue:symbol
    double fills_contracts = 0.0;
    double position_change = 0.0;
};

/// Live: one pool as the run ended.
struct pool_run_summary {
    std::string name;          ///< venue:symbol
    std::uint64_t block = 0;   ///< the block its state is at
    std::uint64_t updates = 0; ///< states the node's feed delivered
    bool stale = false;        ///< not known exact at the end (not routed)
};

struct run_result {
    std::string scenario;
    timestamp_ns market_start{};
    timestamp_ns market_end{};
    std::uint64_t events = 0; ///< book events merged by the engine
    std::uint64_t frames = 0; ///< recorded frames decoded by the feed threads
    /// Live: frames whose receive time is the kernel's stamp (SO_TIMESTAMPING); the others are
    /// stamped when the read returned.
    std::uint64_t kernel_stamped_frames = 0;
    std::uint64_t feed_rejects = 0;
    double nav_before = 0.0;
    double nav_after = 0.0;
    std::vector<underlying_summary> underlyings;
    std::vector<trade_summary> trades;
    std::vector<parent_summary> parents;
    std::vector<order> orders;
    std::vector<position_check> positions;
    double cash_change = 0.0;                       ///< the quote-currency position's change
    double cash_from_fills = 0.0;                   ///< what the fills say it should be
    std::array<std::uint64_t, 6> orders_by_state{}; ///< indexed by order_state
    std::vector<std::pair<std::string, std::uint64_t>> gate_rejects; ///< reason, count
    std::uint64_t gate_approved = 0;
    std::vector<std::pair<std::string, std::uint64_t>> stale_exclusions; ///< venue, times
    std::vector<std::pair<timestamp_ns, std::string>> kill_switch_changes;
    std::uint64_t illegal_transitions = 0;
    std::string journal_path;
    std::uint64_t journal_records = 0;
    std::string orders_halted;              ///< why new orders stopped (empty: they never did)
    std::uint64_t unknown_reports = 0;      ///< execution reports naming no order of this run
    std::uint64_t duplicate_fills = 0;      ///< fills a venue reported again, booked once
    std::uint64_t gateway_refusals = 0;     ///< sends a gateway refused at once
    std::string error;                      ///< the run could not do its job (live start failed)
    bool live = false;                      ///< run --live
    std::uint64_t recovered_orders = 0;     ///< live: orders of earlier sessions (journal)
    std::uint64_t reconciled_fills = 0;     ///< live: fills the venues reported at start
    std::uint64_t never_reached = 0;        ///< orders the venue said it never saw
    std::uint64_t unknown_outcomes = 0;     ///< requests whose outcome had to be asked
    std::uint64_t gateway_reconnects = 0;   ///< live: signed gateways' sessions re-opened
    std::uint64_t gateway_rate_limited = 0; ///< live: the venues' rate-limit answers
    std::uint64_t gateway_malformed = 0;    ///< live: gateway frames that failed to decode
    std::string gateway_error;     ///< live: the last error a signed gateway noted (venue: reason)
    std::uint64_t clock_steps = 0; ///< live: wall-clock steps seen (timers ignore them)
    std::uint64_t levels_dropped = 0; ///< book levels a full side refused (feeds and mirrors)
    std::uint64_t refused_fills = 0;  ///< fills the OMS refused (overfill, after a final state)
    std::int64_t clock_step_max_ns = 0;
    std::vector<pool_run_summary> pools; ///< live: the scenario's pools at the end
    std::string pool_node;               ///< live: the node's URL, "none" without one
    std::uint64_t pool_node_heads = 0;
    std::uint64_t pool_node_gaps = 0;
    std::uint64_t pool_node_rejected_logs = 0;
    std::string pool_node_error; ///< the node connection's last error
    std::vector<hop_row> latency;
    /// Frame-triggered orders only (a live run's latency probe): socket_to_decoded ...
    /// pre_trade_to_wire, then tick_to_order (frame read -> order bytes to the socket).
    std::vector<hop_row> tick_to_order;
    double tsc_per_ns = 0.0;
    std::string queue = "spsc_ring";
    std::uint64_t queue_full_spins = 0; ///< producer back-offs on a full ring
    run_series series;                  ///< the HTML report's time series (sampled, bounded)
};

/// What the progress line shows; the engine thread writes, any thread reads.
struct run_progress {
    std::atomic<std::int64_t> market_ns{0};
    std::atomic<double> max_abs_drift{0.0};
    std::atomic<std::uint64_t> orders{0};
    std::atomic<std::uint64_t> fills{0};
    std::atomic<bool> done{false};
};

class engine_impl;

/// How an engine runs: a replay of the scenario's recordings (deterministic, market time), or
/// live on the venues of its [live] section (wall clock).
struct engine_options {
    bool live = false;
    /// Live: a value above 0 asks the run to stop (SIGINT, SIGTERM): nothing new is sent,
    /// working orders are canceled and awaited, the report and the journal are written.
    const std::atomic<int>* stop = nullptr;
    /// Live: nanoseconds since the epoch (tests inject it); default: the system clock.
    std::function<std::int64_t()> wall_clock;
    /// Live: keys by [[venues]] name, used before the environment and key files (the
    /// loopback venues' keys made for one run).
    std::vector<std::pair<std::string, api_credentials>> credentials;
    /// Live latency probe (`ballast latency`): every Nth book update of a live feed, on a book
    /// the router may use, sends one small crossing IOC order on that book's market (sides
    /// alternate) and the rebalancer stays idle; 0: off. Tick-to-order is measured per order.
    std::uint32_t probe_every = 0;
};

class engine {
  public:
    /// Builds everything the run needs (allocates, opens files); the error names the field.
    struct created;
    [[nodiscard]] static created create(const scenario& s, const engine_options& options = {});
    ~engine();
    engine(engine&&) noexcept;
    engine& operator=(engine&&) noexcept;

    /// Runs the whole scenario: starts the feed threads, runs the engine loop on the calling
    /// thread, joins. `progress` (optional) is updated as the run goes.
    [[nodiscard]] run_result run(run_progress* progress = nullptr);
    /// Registers the run's Prometheus series (books, rings, latency, orders, risk, pools) in
    /// `r`; call after create and before run. The engine and feed threads publish them while
    /// the run goes (never from the path between a frame and its order) and once at the end.
    void attach_metrics(feed::metrics::registry& r);

  private:
    engine() = default;
    std::unique_ptr<engine_impl> impl_;
};

struct engine::created {
    std::unique_ptr<engine> value;
    std::string error;
    /// The scenario is fine but a resource it needs is taken (its journal is held by another
    /// engine): "could not do its job", not bad input.
    bool unavailable = false;
};

} // namespace ballast::exec
