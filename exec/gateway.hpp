#pragma once
/// The engine's side of a venue: one interface for every gateway (the simulated one, the
/// signed CEX protocols, the DEX transaction sender). The engine thread calls send / cancel /
/// amend / query; each returns a code at once and never throws. What the venue answers
/// (acknowledgements, fills, cancels, rejects with the venue's reason, query answers) comes back
/// as execution reports that the engine thread drains with poll(); a gateway that runs its own
/// I/O thread hands them over through a lock-free SPSC ring.
#include "book/instrument.hpp"
#include "book/types.hpp"
#include "exec/order.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace ballast::exec {

/// The immediate answer to a request. Anything the venue says later is an exec_report.
enum class gateway_status : std::uint8_t {
    ok = 0,         ///< handed to the gateway; a report will follow
    not_connected,  ///< no session to the venue (or not logged in yet)
    rate_limited,   ///< the venue's limits (weights, counters, a back-off) forbid sending now
    back_pressured, ///< the gateway's outbound queue is full
    rejected,       ///< refused before leaving (e.g. a quantity the venue cannot express)
    unsupported,    ///< the venue has no such request (amend on a venue without it)
};
[[nodiscard]] std::string_view to_string(gateway_status s) noexcept;

/// Order types and times in force as the venues know them.
enum class order_type : std::uint8_t { limit, market };
enum class order_tif : std::uint8_t { gtc, ioc, fok, post_only };

/// The client order id on the wire: the journal's tag (fixed per journal, so two journals never
/// collide at a venue) and the order's sequence in that journal. Alphanumeric only and at most
/// 32 characters, which every venue accepts (OKX's clOrdId is the strictest). A resend after a
/// crash uses the same id, so the venue sees the same order.
struct wire_order_id {
    std::array<char, 33> text{}; ///< NUL-terminated
    std::uint8_t size = 0;
    [[nodiscard]] std::string_view view() const noexcept { return {text.data(), size}; }
    [[nodiscard]] bool operator==(const wire_order_id& o) const noexcept {
        return view() == o.view();
    }
};
/// "bl" + the journal tag's low 52 bits (lower-case hex, up to 13 digits) + "x" + the order's id
/// in lower-case hex (up to 16 digits): 32 characters at most.
[[nodiscard]] wire_order_id make_wire_order_id(std::uint64_t journal_tag,
                                               client_order_id id) noexcept;
/// The order id inside a wire id that carries this journal's tag; nullopt-like 0 when the id is
/// not ours (another journal, another program, malformed).
[[nodiscard]] client_order_id parse_wire_order_id(std::uint64_t journal_tag,
                                                  std::string_view text) noexcept;

/// A new order. Price and quantity are integers in the instrument's tick and lot; the gateway
/// writes them as the venue's exact decimal text.
struct order_request {
    client_order_id id{};
    wire_order_id wire_id{};
    const instrument_spec* spec = nullptr; ///< the venue's symbol, tick, lot
    side order_side = side::bid;
    order_type type = order_type::limit;
    order_tif tif = order_tif::ioc;
    qty quantity{0};
    price limit{0}; ///< ignored for market orders
    /// The limit as quote per base, for venues whose prices are not on a tick grid (pool swaps:
    /// the minimum out / maximum in); 0 where the tick limit is the limit.
    double limit_price = 0.0;
};

struct cancel_request {
    client_order_id id{};
    wire_order_id wire_id{};
    const instrument_spec* spec = nullptr;
};

/// A new quantity and/or price for a working order (venues with amend only).
struct amend_request {
    client_order_id id{};
    wire_order_id wire_id{};
    const instrument_spec* spec = nullptr;
    qty quantity{0}; ///< the new total quantity; 0 keeps it
    price limit{0};  ///< the new price; 0 keeps it
};

/// A question about an order whose outcome is unknown (a timeout, a disconnect after the send,
/// the venue's "status unknown" answers, HTTP 5xx): settled by asking, never by a blind resend.
struct query_request {
    client_order_id id{};
    wire_order_id wire_id{};
    const instrument_spec* spec = nullptr;
};

enum class exec_kind : std::uint8_t {
    ack,           ///< the venue accepted the order (it works, or is about to fill)
    fill,          ///< a trade: last_qty at last_px, fee
    canceled,      ///< final: the rest is canceled (by request, IOC/FOK remainder, expiry)
    rejected,      ///< final: the venue refused the order (reason, venue_code)
    cancel_reject, ///< a cancel the venue refused (e.g. already final)
    amended,       ///< the venue applied an amend
    status,        ///< an answer to query() or to reconciliation: state and cumulative fill
    not_found,     ///< the venue has no order with this client id (it never arrived)
    unknown,       ///< the outcome of a request is unknown (timeout, disconnect after send)
    connected,     ///< the session is up and authenticated
    disconnected,  ///< the session is down (reason)
    rate_limit,    ///< the venue answered with a rate limit (back-off until `retry_after_ns`)
};
[[nodiscard]] std::string_view to_string(exec_kind k) noexcept;

/// One execution report. Fixed size, no pointers into gateway memory: it crosses a ring.
struct exec_report {
    exec_kind kind = exec_kind::ack;
    venue_id venue{};
    client_order_id id{}; ///< 0 when the report names an order that is not ours
    order_state state = order_state::new_order; ///< the venue's state of the order (status)
    qty last_qty{0};                            ///< fill: lots of this trade
    price last_px{0};                           ///< fill: ticks
    qty cum_qty{0};              ///< the order's cumulative filled lots as the venue reports it
    double notional_quote = 0.0; ///< fill: last_qty at its price, in quote (pools: exact)
    double fee_quote = 0.0;      ///< fee of this trade in the instrument's quote currency
    double gas_quote = 0.0;      ///< DEX: the transaction's gas, in quote
    std::int64_t venue_code = 0; ///< the venue's error code (rejects, rate limits)
    std::int64_t retry_after_ns = 0;
    timestamp_ns venue_time{};  ///< the venue's event time
    std::uint64_t recv_tsc = 0; ///< TSC when the frame that carried it was read
    /// TSC when the request this report answers was handed to the socket (acks, rejects and
    /// unknown outcomes of our own requests; 0 otherwise): the tick-to-order stamp.
    std::uint64_t send_tsc = 0;
    std::array<char, 48> trade_id{}; ///< the venue's trade id (duplicate fills are dropped)
    std::array<char, 96> reason{};   ///< the venue's reason text, truncated, NUL-terminated
    bool reconcile = false;          ///< part of a reconciliation answer

    void set_trade_id(std::string_view s) noexcept { copy(trade_id.data(), trade_id.size(), s); }
    void set_reason(std::string_view s) noexcept { copy(reason.data(), reason.size(), s); }
    [[nodiscard]] std::string_view trade_id_view() const noexcept { return trade_id.data(); }
    [[nodiscard]] std::string_view reason_view() const noexcept { return reason.data(); }

  private:
    static void copy(char* dst, std::size_t cap, std::string_view s) noexcept {
        const std::size_t n = s.size() < cap - 1 ? s.size() : cap - 1;
        std::memcpy(dst, s.data(), n);
        dst[n] = '\0';
    }
};

/// A venue gateway. All calls on the engine thread.
class venue_gateway {
  public:
    virtual ~venue_gateway() = default;
    [[nodiscard]] virtual venue_id venue() const noexcept = 0;
    [[nodiscard]] virtual bool connected() const noexcept = 0;
    [[nodiscard]] virtual gateway_status send(const order_request& r) noexcept = 0;
    [[nodiscard]] virtual gateway_status cancel(const cancel_request& r) noexcept = 0;
    [[nodiscard]] virtual gateway_status amend(const amend_request& r) noexcept {
        (void)r;
        return gateway_status::unsupported;
    }
    [[nodiscard]] virtual gateway_status query(const query_request& r) noexcept = 0;
    /// Reconciliation at start: every open order of ours and every fill since `since` come back
    /// as reports with `reconcile` set, then one `status` report with id 0 closes the answer.
    [[nodiscard]] virtual gateway_status reconcile(timestamp_ns since) noexcept = 0;
    /// Takes the next execution report; false when none is waiting.
    [[nodiscard]] virtual bool poll(exec_report& out) noexcept = 0;
};

} // namespace ballast::exec
