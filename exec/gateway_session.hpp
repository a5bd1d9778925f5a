#pragma once
/// What the signed CEX gateways share: the I/O thread (an Asio io_context) and the two SPSC
/// rings that join it to the engine thread, the clock they sign and time out with, the venue's
/// rate windows, and the bookkeeping that settles unknown outcomes (requests in flight, order
/// tracks, duplicate fills). A venue gateway derives from `threaded_gateway`, encodes and signs
/// on the engine thread into a ring slot (`submit`), and speaks its protocol on the I/O thread
/// through the `io_*` hooks.
#include "exec/gateway.hpp"
#include "feed/spsc_ring.hpp"

#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}
} // namespace boost::asio
namespace ballast::feed {
class http_client;
class ws_connection;
} // namespace ballast::feed

namespace ballast::exec {

/// Where gateways read time: wall milliseconds (signed into requests, the venues' rate windows)
/// and a monotonic clock (timeouts, back-offs). Tests inject their own.
class gateway_clock {
  public:
    virtual ~gateway_clock() = default;
    [[nodiscard]] virtual std::int64_t wall_ms() const noexcept;
    [[nodiscard]] virtual std::int64_t steady_ns() const noexcept;
};
/// The process's clocks (system_clock, steady_clock).
[[nodiscard]] const gateway_clock& system_gateway_clock() noexcept;

/// What a ring slot asks the I/O thread to do.
enum class request_kind : std::uint8_t { place, cancel, amend, query, reconcile, control };
[[nodiscard]] std::string_view to_string(request_kind k) noexcept;

/// Request text per slot: a signed Binance order is about 600 bytes.
inline constexpr std::size_t request_text_capacity = 1024;

/// One request as the engine thread wrote it: the exact bytes to send.
struct outbound_request {
    request_kind kind = request_kind::place;
    client_order_id id{};
    wire_order_id wire_id{};
    const instrument_spec* spec = nullptr;
    std::uint64_t request_id = 0; ///< the id the venue echoes in its answer
    std::int64_t enqueued_ns = 0; ///< gateway_clock::steady_ns() at submit
    std::int64_t since_ms = 0;    ///< reconcile: fills since (unix ms)
    std::uint16_t size = 0;
    std::array<char, request_text_capacity> text{};
    [[nodiscard]] std::string_view view() const noexcept { return {text.data(), size}; }
};

/// Appends text into a fixed buffer; `overflow` once anything did not fit (the request is then
/// refused, never cut).
struct text_writer {
    char* data;
    std::size_t cap;
    std::size_t size = 0;
    bool overflow = false;
    void put(std::string_view s) noexcept;
    void put(char c) noexcept;
    void put_uint(std::uint64_t v) noexcept;
    void put_int(std::int64_t v) noexcept;
    [[nodiscard]] std::string_view view() const noexcept { return {data, size}; }
};

/// True when `s` can go into a JSON string as is (no quote, backslash or control character):
/// the symbols, ids, decimals and keys our requests carry; anything else is refused, never
/// escaped on the hot path.
[[nodiscard]] bool json_plain_text(std::string_view s) noexcept;
/// A whole decimal integer; `dflt` when `s` is empty or not one.
[[nodiscard]] std::int64_t parse_int_text(std::string_view s, std::int64_t dflt) noexcept;
/// A string member of a JSON object; empty when absent or not a string.
[[nodiscard]] std::string_view json_text(simdjson::dom::element e, std::string_view key) noexcept;

/// A venue's "N requests per window" rule (windows aligned to the wall clock, as the venues
/// count them). The engine thread counts what it sends; the I/O thread may lower `limit` and
/// raise `used` from the venue's own counters.
class rate_window {
  public:
    rate_window() = default;
    rate_window(std::int64_t interval_ms, std::uint32_t limit) noexcept
        : interval_ms_(interval_ms), limit_(limit) {}
    /// Engine thread: true when `cost` more fits into the current window, and counts it.
    [[nodiscard]] bool try_take(std::int64_t wall_ms, std::uint32_t cost) noexcept;
    /// I/O thread: the venue's count in its window (from a reply).
    void observe(std::int64_t wall_ms, std::uint32_t count, std::uint32_t limit) noexcept;
    [[nodiscard]] std::int64_t interval_ms() const noexcept { return interval_ms_; }
    [[nodiscard]] std::uint32_t limit() const noexcept {
        return limit_.load(std::memory_order_relaxed);
    }

  private:
    std::int64_t interval_ms_ = 1000;
    std::atomic<std::uint32_t> limit_{0}; ///< 0: no limit
    std::atomic<std::int64_t> window_{-1};
    std::atomic<std::uint32_t> used_{0};
};

/// One WebSocket connection of a gateway's I/O thread, reporting through callbacks (set before
/// open()). After close() no callback comes.
class gateway_link {
  public:
    gateway_link();
    ~gateway_link();
    gateway_link(const gateway_link&) = delete;
    gateway_link& operator=(const gateway_link&) = delete;
    /// Parses the URL and makes the TLS context (setup); an error line or nullopt.
    [[nodiscard]] std::optional<std::string> configure(std::string_view url,
                                                       const std::string& tls_ca_file);
    void open(boost::asio::io_context& io);
    void send(std::string_view text);
    void close() noexcept;
    [[nodiscard]] bool is_open() const noexcept { return open_; }

    std::function<void()> on_open;
    std::function<void(std::string_view)> on_frame;
    std::function<void(std::string_view)> on_closed;

  private:
    struct handler;
    std::unique_ptr<handler> handler_;
    std::shared_ptr<feed::ws_connection> conn_;
    bool open_ = false;
};

/// Setup of a signed gateway. URLs are the venue's (or a sim-venue's) base addresses.
struct gateway_options {
    venue_id venue{};
    std::string ws_url; ///< trading WebSocket (Binance WS API, OKX private, Bybit trade)
    /// Bybit: the private stream (execution, order). Binance with a listen key: the market
    /// stream base (`/ws/<listenKey>` is appended).
    std::string ws_private_url;
    std::string rest_url;    ///< https://host[:port] for REST queries
    std::string tls_ca_file; ///< wss/https: trust these authorities instead of the system's
    std::uint64_t journal_tag = 0;
    std::chrono::milliseconds request_timeout{5'000}; ///< no answer: `unknown`, then a query
    std::chrono::milliseconds reconnect_initial{200};
    std::chrono::milliseconds reconnect_max{10'000};
    std::uint64_t seed = 1;              ///< reconnect jitter
    std::int64_t recv_window_ms = 5'000; ///< Binance recvWindow, Bybit X-BAPI-RECV-WINDOW
    std::size_t request_ring = 256;
    std::size_t report_ring = 4096;
    /// The I/O thread's idle: false blocks in the kernel until a socket, a timer or the
    /// engine's wake (an eventfd write) needs it; true polls without sleeping (a whole core, no
    /// system call on the engine's side to hand over an order, no wake-up delay).
    bool spin = false;
    int cpu = -1;                         ///< the core the I/O thread is pinned to; -1: not pinned
    const gateway_clock* clock = nullptr; ///< nullptr: system_gateway_clock()
    /// Instruments whose reports may arrive (symbol lookup) and that reconcile() covers.
    std::vector<const instrument_spec*> instruments;
};

/// Counters a gateway keeps (read on any thread; approximate while running).
struct gateway_counters {
    std::atomic<std::uint64_t> requests_sent{0};
    std::atomic<std::uint64_t> reports{0};
    std::atomic<std::uint64_t> foreign_reports{0};  ///< orders not ours (reported with id 0)
    std::atomic<std::uint64_t> duplicate_fills{0};  ///< a trade id seen before: dropped
    std::atomic<std::uint64_t> malformed{0};        ///< frames that failed to decode
    std::atomic<std::uint64_t> unknown_outcomes{0}; ///< timeouts, disconnects, status unknown
    std::atomic<std::uint64_t> rate_limited{0};     ///< the venue's rate-limit answers
    std::atomic<std::uint64_t> reconnects{0};
    std::atomic<std::uint64_t> report_overflow{0}; ///< reports parked while the ring was full
};

/// The I/O-thread machinery and the engine-side hand-off of every signed gateway.
class threaded_gateway : public venue_gateway {
  public:
    explicit threaded_gateway(gateway_options options);
    ~threaded_gateway() override;
    threaded_gateway(const threaded_gateway&) = delete;
    threaded_gateway& operator=(const threaded_gateway&) = delete;

    [[nodiscard]] venue_id venue() const noexcept override { return opt_.venue; }
    [[nodiscard]] bool connected() const noexcept override {
        return connected_.load(std::memory_order_acquire);
    }
    [[nodiscard]] bool poll(exec_report& out) noexcept override;

    /// Starts the I/O thread (connects). Setup only. An error line when the thread cannot be
    /// pinned to `gateway_options::cpu` (the thread is stopped again).
    std::optional<std::string> start();
    /// Stops the I/O thread and closes the sessions; idempotent.
    void stop();

    [[nodiscard]] const gateway_counters& counters() const noexcept { return counters_; }
    /// The last decode or protocol error (the I/O thread writes it; diagnostics, not hot).
    [[nodiscard]] std::string last_error() const;
    /// Steady-clock time until which the venue asked us to back off (0: none).
    [[nodiscard]] std::int64_t blocked_until_ns() const noexcept {
        return blocked_until_ns_.load(std::memory_order_acquire);
    }
    /// The TSC at which the last request's bytes were handed to the socket.
    [[nodiscard]] std::uint64_t last_send_tsc() const noexcept {
        return last_send_tsc_.load(std::memory_order_acquire);
    }

  protected:
    const gateway_options& options() const noexcept { return opt_; }
    const gateway_clock& clock() const noexcept { return *clock_; }
    boost::asio::io_context& io() noexcept;
    /// I/O thread: the venue's REST client, made on first use with the gateway's request
    /// timeout and authorities. io_rest_close() drops it (a stopped client takes no more
    /// requests: a new one per session).
    feed::http_client& io_rest();
    void io_rest_close() noexcept;

    // ---- engine thread --------------------------------------------------------------------

    /// The checks every request passes first: connected, no back-off in force.
    [[nodiscard]] gateway_status admit() const noexcept;
    /// Encodes into a ring slot: `encode(request_id, text_writer&)` writes the request's text
    /// and returns false when it cannot be written (refused: nothing is sent).
    template <class Encode>
    [[nodiscard]] gateway_status submit(request_kind kind, client_order_id id,
                                        const wire_order_id& wire, const instrument_spec* spec,
                                        Encode&& encode, std::int64_t since_ms = 0) noexcept {
        bool written = false;
        const std::uint64_t rid = next_request_id_;
        const bool pushed = requests_.try_emplace(slot_writer<Encode>{
            kind, id, wire, spec, rid, clock_->steady_ns(), since_ms, &encode, &written});
        if (!pushed) {
            return gateway_status::back_pressured;
        }
        ++next_request_id_;
        wake();
        return written ? gateway_status::ok : gateway_status::rejected;
    }
    /// A query the I/O thread answers over REST (io_send sees request_kind::query and calls
    /// io_query): the slot carries the order's wire id only.
    [[nodiscard]] gateway_status submit_query(const query_request& r) noexcept;
    /// Reconciliation the I/O thread runs (io_send sees request_kind::reconcile, since_ms).
    [[nodiscard]] gateway_status submit_reconcile(timestamp_ns since) noexcept;
    /// A request id for text written outside submit (the I/O thread's own requests use ids
    /// from the top half of the range, so the two never meet).
    [[nodiscard]] std::uint64_t peek_request_id() const noexcept { return next_request_id_; }

    // ---- I/O thread -----------------------------------------------------------------------

    /// Connect the sessions (called once on the I/O thread, and by reconnect()).
    virtual void io_connect() = 0;
    /// Close the sessions (stop, or before a reconnect).
    virtual void io_close() = 0;
    /// Send one request from the ring (only when connected() on the I/O side, else the base
    /// rejects it as never sent).
    virtual void io_send(outbound_request& r) = 0;
    /// Ask the venue for an order's state (after an unknown outcome); the answer is a `status`
    /// or `not_found` report.
    virtual void io_query(client_order_id id, const wire_order_id& wire,
                          const instrument_spec* spec) = 0;

    /// Reports (never lost: parked when the ring is full, retried on the next turn).
    void emit(const exec_report& r);
    [[nodiscard]] exec_report make_report(exec_kind kind, client_order_id id) const noexcept;
    /// The session is up (logged in, subscribed): `connected` report, queries of unknown orders.
    void io_session_up();
    /// The session is down: `disconnected` report (reason, venue code), in-flight requests
    /// become `unknown` and are queried once back, reconnect after the backoff.
    void io_session_down(std::string_view reason, std::int64_t venue_code = 0);
    /// The venue asked to back off until `until_ns` (steady clock).
    void io_back_off(std::int64_t until_ns, std::int64_t venue_code, std::string_view reason);
    /// A request id the I/O thread itself allocates (logins, queries, reconciliation).
    [[nodiscard]] std::uint64_t io_request_id() noexcept { return io_next_request_id_++; }
    /// Hands text to a session's socket: stamps the TSC (the engine's tick-to-order stamp).
    std::uint64_t stamp_send() noexcept;

    /// What the I/O thread remembers of a request until its answer.
    struct pending_request {
        request_kind kind = request_kind::place;
        client_order_id id{};
        wire_order_id wire_id{};
        const instrument_spec* spec = nullptr;
        std::int64_t sent_ns = 0;
        std::uint64_t send_tsc = 0;
    };
    void track(std::uint64_t request_id, const pending_request& p);
    /// Tracks a request from the ring as sent now (and a new order's track), stamping the send:
    /// call as its text goes to the socket.
    void track_sent(const outbound_request& r);
    /// Removes and returns the request an answer names; false when it is not pending.
    [[nodiscard]] bool settle(std::uint64_t request_id, pending_request& out);
    /// The venue accepted a new order: its ack, once.
    void order_accepted(const pending_request& p);
    /// The venue refused a new order: final, rejected with its code and reason.
    void order_refused(const pending_request& p, std::int64_t venue_code, std::string_view reason);
    /// The outcome of a request is unknown: report it and query the order.
    void unknown_outcome(const pending_request& p, std::string_view reason,
                         std::int64_t venue_code = 0);

    /// What the I/O thread knows of one of our orders.
    struct order_track {
        const instrument_spec* spec = nullptr;
        bool acked = false;
        bool final = false;
        qty cum{0};
        std::vector<std::string> trade_ids;
    };
    [[nodiscard]] order_track& track_order(client_order_id id, const instrument_spec* spec);
    [[nodiscard]] order_track* find_order(client_order_id id) noexcept;
    /// A report from the venue's order stream (acks, fills, cancels, rejects), stamped and
    /// emitted unless it repeats what the order's track holds: a trade id seen before, a second
    /// ack, a second final state (dropped, false). Foreign orders (id 0) are counted and passed
    /// on. `venue_cum`: the report's cum_qty is the venue's count (kept as the track's when
    /// larger); otherwise the track sums the fills and sets it. Other kinds are dropped.
    bool io_stream_report(exec_report r, const instrument_spec* spec, bool venue_cum);
    /// True the first time a trade id is seen for the order (duplicates are counted, dropped).
    [[nodiscard]] bool first_fill(order_track& t, std::string_view trade_id);
    [[nodiscard]] const instrument_spec* spec_by_symbol(std::string_view symbol) const noexcept;
    /// spec_by_symbol for the decoders' lookup callbacks (`ctx` is the gateway).
    static const instrument_spec* lookup_symbol(const void* ctx, std::string_view symbol);
    /// Counts a malformed frame and keeps its error line for last_error().
    void note_error(std::string text);

    gateway_counters counters_;
    bool io_up_ = false; ///< I/O thread's view of the session

  private:
    template <class Encode> struct slot_writer {
        request_kind kind;
        client_order_id id;
        const wire_order_id& wire;
        const instrument_spec* spec;
        std::uint64_t request_id;
        std::int64_t now_ns;
        std::int64_t since_ms;
        Encode* encode;
        bool* written;
    };
    struct ring_slot : outbound_request {
        ring_slot() = default;
        template <class Encode> explicit ring_slot(const slot_writer<Encode>& w) noexcept {
            kind = w.kind;
            id = w.id;
            wire_id = w.wire;
            spec = w.spec;
            request_id = w.request_id;
            enqueued_ns = w.now_ns;
            since_ms = w.since_ms;
            text_writer out{text.data(), text.size()};
            *w.written = (*w.encode)(request_id, out) && !out.overflow;
            // The I/O thread skips an empty slot.
            size = *w.written ? static_cast<std::uint16_t>(out.size) : 0;
        }
    };

    void wake() noexcept;
    void io_drain();
    void io_arm_wake();
    void io_tick();
    void io_flush_parked();
    void reconnect();

    gateway_options opt_;
    const gateway_clock* clock_;
    struct io_state;
    std::unique_ptr<io_state> io_;
    std::thread thread_;
    feed::spsc_ring<ring_slot> requests_;
    feed::spsc_ring<exec_report> reports_;
    int wake_fd_ = -1;
    std::atomic<bool> wake_pending_{false};
    std::atomic<bool> connected_{false};
    std::atomic<std::int64_t> blocked_until_ns_{0};
    std::atomic<std::uint64_t> last_send_tsc_{0};
    std::uint64_t next_request_id_ = 1;                         // engine thread
    std::uint64_t io_next_request_id_ = std::uint64_t{1} << 62; // I/O thread
    std::unordered_map<std::uint64_t, pending_request> pending_;
    std::unordered_map<std::uint64_t, order_track> orders_;
    struct text_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };
    std::unordered_map<std::string, const instrument_spec*, text_hash, std::equal_to<>> by_symbol_;
    std::vector<pending_request> to_query_; ///< unknown outcomes to query once connected
    std::deque<exec_report> parked_;
    mutable std::mutex error_mutex_;
    std::string last_error_;
    unsigned reconnect_attempt_ = 0;
    bool stopping_ = false;
};

} // namespace ballast::exec
