#pragma once
/// `ballast sim-venue`: a loopback venue that speaks one venue's real WebSocket and REST
/// market-data protocol and serves a recorded capture, with faults on request. It keeps its
/// own books by running Ballast's decoder for the venue over the capture as it plays it, so a
/// mid-capture (re)subscription gets a snapshot as of that moment.

#include "exec/sim_accounts.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ballast::feed::metrics {
class registry;
} // namespace ballast::feed::metrics

namespace ballast::exec {

enum class sim_fault_kind : std::uint8_t {
    drop,      ///< the frame is not sent
    duplicate, ///< the frame is sent twice
    reorder,   ///< the frame is sent after the next one
    corrupt,   ///< the frame's checksum is changed (OKX, Kraken)
    garbage,   ///< a frame that is not JSON is sent before it
    close,     ///< the connection is closed after it
    stall,     ///< nothing more is written for `ms` milliseconds after it
    refuse,    ///< the N-th subscription request is answered with the venue's error
    // Order side: counted per order request (new, cancel, amend; REST and WebSocket), `order=N`.
    ack_drop,    ///< the request is processed, its acknowledgement is not sent
    fill_delay,  ///< the request's execution reports from its first fill on are sent `ms` later
    order_close, ///< the connection closes right after the request arrives (it IS processed)
    report_dup,  ///< every execution report the request causes is sent twice
    rate_limit,  ///< refused with the venue's rate-limit error (not processed)
};
/// Whether a fault kind counts order requests rather than recorded frames.
[[nodiscard]] bool sim_order_fault(sim_fault_kind k) noexcept;

/// One fault. Frames are counted per connection: the recorded frames routed to it, 1-based.
struct sim_fault {
    sim_fault_kind kind = sim_fault_kind::drop;
    std::uint64_t at = 0;     ///< frame (or subscription request, for refuse) number; 0 with p
    std::uint64_t conn = 0;   ///< the K-th connection only (1-based); 0: see `all`
    bool all = false;         ///< every connection (otherwise the first that reaches `at`)
    std::uint64_t ms = 1000;  ///< stall length
    double probability = 0.0; ///< each frame with this probability (seeded, no wall clock)
    std::uint64_t seed = 1;
};

/// Parses `--faults` (see exec/README.md): a comma list of `kind:key=value[:key=value...]`;
/// returns an error line naming the item, or nullopt.
[[nodiscard]] std::optional<std::string> parse_sim_faults(std::string_view spec,
                                                          std::vector<sim_fault>& out);
/// The syntax, for --help.
[[nodiscard]] std::string_view sim_faults_help() noexcept;

struct sim_venue_options {
    std::string venue; ///< binance | binance_usdm | okx | bybit | coinbase | coinbase_exchange |
                       ///< kraken | deribit
    std::vector<std::string> captures;
    std::vector<std::string> instrument_files;
    std::string listen = "127.0.0.1:0";
    double speed = 1.0;
    bool max_speed = false;
    bool tls = false;
    std::vector<sim_fault> faults;
    std::size_t max_queued_messages = 50000; ///< slow-consumer bound per connection
    /// --max-speed: playback waits while a connection has more unsent messages than this.
    std::size_t max_speed_backlog = 2000;
    bool find_companions = true; ///< REST files and instrument lists beside captures
    /// Playback pauses once this many recorded frames were played (play_until() moves it):
    /// tests place a subscription at an exact point of the capture.
    std::uint64_t play_limit = UINT64_MAX;
    /// Trading accounts (--accounts FILE, read by the command; tests fill it directly). With
    /// any, the venue serves its private API and playback starts at once.
    std::vector<sim_account_config> accounts;
    /// The venue's clock for timestamps and their checks (ms since the epoch); empty: the
    /// system clock. Tests inject a fixed one.
    std::function<std::int64_t()> clock_ms;
};

/// The sim-venue (a --venue name) that serves a feed venue's market data ("bybit" for
/// "bybit_linear"); empty when none does.
[[nodiscard]] std::string sim_venue_serving(std::string_view feed_venue);

/// Runs on its own thread once started. Not copyable.
class sim_venue {
  public:
    explicit sim_venue(sim_venue_options options);
    ~sim_venue();
    sim_venue(const sim_venue&) = delete;
    sim_venue& operator=(const sim_venue&) = delete;

    /// Reads the captures, binds, starts the server thread. An error line naming the option.
    [[nodiscard]] std::optional<std::string> start();
    /// Stops the thread and closes every connection (idempotent).
    void stop();

    /// The ready line: {"venue":..,"ws":..,"rest":..[,"ca_file":..]} (no newline).
    [[nodiscard]] std::string ready_line() const;
    [[nodiscard]] std::uint16_t port() const noexcept;
    /// A WebSocket URL by its ready-line key ("ws", "ws_linear", "ws_v2"); empty when absent.
    [[nodiscard]] std::string url(std::string_view key) const;
    [[nodiscard]] std::string rest_url() const;
    /// The market-data WebSocket URL of a feed venue this sim serves ("bybit_linear" on a
    /// bybit sim); empty when it serves no such feed.
    [[nodiscard]] std::string feed_url(std::string_view feed_venue) const;
    [[nodiscard]] std::string ca_file() const;
    /// Called on the server thread with each later stdout line (capture_end).
    void set_event_sink(std::function<void(const std::string&)> sink);
    [[nodiscard]] bool capture_done() const noexcept;
    /// Recorded frames played so far.
    [[nodiscard]] std::uint64_t frames_played() const noexcept;
    /// Lets playback run until `frames` recorded frames were played (thread-safe).
    void play_until(std::uint64_t frames);
    /// /ballast/account?api_key=K as JSON (balances, positions, open orders, orders, trades,
    /// new-order requests per client id); empty when no such account. Thread-safe.
    [[nodiscard]] std::string account_json(const std::string& api_key);
    /// NEW-order requests received for a client order id of an account. Thread-safe.
    [[nodiscard]] std::uint64_t new_order_requests(const std::string& api_key,
                                                   const std::string& client_id);

    /// Registers the venue's Prometheus series (playback, connections, frames sent, order
    /// requests); call before start. The server thread publishes them every 500 ms.
    void attach_metrics(feed::metrics::registry& r);

    struct impl; ///< server, sessions and playback (sim_venue.cpp)

  private:
    std::unique_ptr<impl> impl_;
};

} // namespace ballast::exec
