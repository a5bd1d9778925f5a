#pragma once
/// sim-venue's order side, venue-neutral: accounts with exact balances, orders matched against
/// the sim's own books as of the moment they arrive (level by level, taker fee), liquidity a
/// fill took hidden from later orders until the capture next changes that level, resting
/// orders filled at their limit (maker fee) when a later capture update makes them marketable.
/// The venue protocols (sim_venue_<venue>.cpp) authenticate, parse and render; this engine
/// decides. Single-threaded: the server thread calls it.

#include "book/instrument.hpp"
#include "book/l2_book.hpp"
#include "exec/sim_accounts.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ballast::exec {

enum class sim_side : std::uint8_t { buy, sell };
enum class sim_order_type : std::uint8_t { limit, market };
enum class sim_tif : std::uint8_t { gtc, ioc, fok, post_only };
enum class sim_order_status : std::uint8_t {
    open,             ///< accepted, nothing filled, resting
    partially_filled, ///< resting with a fill
    filled,
    canceled, ///< by the client, or an IOC remainder, or post-only that would take
    expired,  ///< FOK not fillable in full (Binance's EXPIRED)
    rejected, ///< never accepted (see sim_reject)
};
[[nodiscard]] bool sim_order_open(sim_order_status s) noexcept;

/// Why a request was refused; each venue maps these to its own code and message.
enum class sim_reject : std::uint8_t {
    none,
    unknown_symbol,
    book_not_ready, ///< the sim holds no live book for the symbol (market orders)
    bad_quantity,   ///< zero, negative, or not a multiple of the lot
    bad_price,      ///< zero, negative, or not a multiple of the tick
    min_notional,   ///< price * quantity below the venue's minimum
    insufficient_balance,
    duplicate_client_id,
    would_take,    ///< post-only that would match on arrival
    fok_unfilled,  ///< FOK not fillable in full
    no_liquidity,  ///< a market order with nothing to match
    unknown_order, ///< cancel, amend, query: no such order
    order_closed,  ///< cancel or amend of an order no longer open
    amend_invalid, ///< amend to a quantity at or below the filled quantity
};
[[nodiscard]] std::string_view to_string(sim_reject r) noexcept;

struct sim_order {
    std::uint64_t id = 0;  ///< the venue's order id (1, 2, ... per sim)
    std::string client_id; ///< the client's id, or one the sim made
    std::string feed;      ///< decoder venue that owns the book ("binance", "bybit_spot")
    std::string symbol;
    sim_side side = sim_side::buy;
    sim_order_type type = sim_order_type::limit;
    sim_tif tif = sim_tif::gtc;
    sim_decimal price; ///< limit price (zero for market orders)
    sim_decimal qty;   ///< base quantity (contracts for derivatives)
    sim_decimal filled;
    sim_decimal filled_quote; ///< sum of price * qty of the fills
    sim_decimal fee;          ///< total, in fee_asset
    std::string fee_asset;
    sim_order_status status = sim_order_status::open;
    sim_reject reason = sim_reject::none; ///< why it was canceled or rejected, when the sim chose
    std::int64_t created_ms = 0;
    std::int64_t updated_ms = 0;
    std::uint64_t trades = 0; ///< number of fills
    [[nodiscard]] sim_decimal remaining() const { return qty - filled; }
    [[nodiscard]] sim_decimal average_price() const { return filled_quote.div(filled); }
};

struct sim_trade {
    std::uint64_t id = 0;
    std::uint64_t order_id = 0;
    std::string client_id;
    std::string feed;
    std::string symbol;
    sim_side side = sim_side::buy;
    sim_decimal price;
    sim_decimal qty;
    sim_decimal quote_qty;
    sim_decimal fee;
    std::string fee_asset;
    bool maker = false;
    std::int64_t time_ms = 0;
};

struct sim_balance {
    sim_decimal free;
    sim_decimal locked;
};

/// A linear perpetual position in the settle coin (signed quantity; short < 0).
struct sim_position {
    sim_decimal qty;
    sim_decimal entry_price;
    sim_decimal realised_pnl;
};

struct sim_account {
    sim_account_config config;
    std::map<std::string, sim_balance> balances;
    std::map<std::string, sim_position> positions; ///< feed + '/' + symbol
    std::vector<sim_order> orders;                 ///< every order, in arrival order
    std::vector<sim_trade> trades;
    /// NEW-order requests received per client order id (all outcomes counted).
    std::unordered_map<std::string, std::uint64_t> new_requests;
    sim_decimal taker_bps;
    sim_decimal maker_bps;
    [[nodiscard]] sim_order* find(std::uint64_t id);
    /// The most recent order with this client id.
    [[nodiscard]] sim_order* find_client(std::string_view client_id);
};

/// What happened to an order, for the venue's execution reports.
enum class sim_event_kind : std::uint8_t { accepted, trade, canceled, expired, amended, rejected };
struct sim_event {
    sim_event_kind kind = sim_event_kind::accepted;
    std::string api_key;
    sim_order order; ///< as of the event
    std::optional<sim_trade> trade;
    /// Order requests received by the sim when this happened (delay/duplicate faults count
    /// them); 0 for fills caused by the capture.
    std::uint64_t request_no = 0;
};

/// A venue's rules the engine applies.
struct sim_venue_rules {
    sim_decimal taker_bps; ///< base tier
    sim_decimal maker_bps;
    /// Client ids must be unique among every order the venue remembers (Bybit), not only the
    /// open ones (Binance, OKX).
    bool client_id_unique_forever = false;
    /// Post-only that would take: rejected (Binance LIMIT_MAKER) rather than accepted and
    /// canceled (OKX, Bybit).
    bool post_only_rejects = false;
};

struct sim_new_order {
    std::string client_id; ///< empty: the sim makes one
    std::string feed;
    const instrument_spec* spec = nullptr;
    sim_side side = sim_side::buy;
    sim_order_type type = sim_order_type::limit;
    sim_tif tif = sim_tif::gtc;
    sim_decimal price;
    sim_decimal qty;
    /// Market buy by quote amount (Binance quoteOrderQty); qty is then zero.
    std::optional<sim_decimal> quote_qty;
};

struct sim_order_result {
    sim_reject reject = sim_reject::none;
    std::string detail; ///< the field and value at fault, for the venue's message
    const sim_order* order = nullptr;
};

class sim_orders {
  public:
    /// `book(feed, symbol)`: the sim's live book (nullptr when none or not live).
    using book_lookup = std::function<const l2_book*(std::string_view, std::string_view)>;
    sim_orders(std::vector<sim_account_config> accounts, sim_venue_rules rules, book_lookup book);

    [[nodiscard]] sim_account* account(std::string_view api_key);
    [[nodiscard]] const std::vector<sim_account>& accounts() const noexcept { return accounts_; }

    /// A new order; matches at once against the book as of now. request_no: see sim_event.
    sim_order_result place(sim_account& a, const sim_new_order& o, std::int64_t now_ms,
                           std::uint64_t request_no);
    /// Cancels by venue id (non-zero) or client id.
    sim_order_result cancel(sim_account& a, std::string_view symbol, std::uint64_t id,
                            std::string_view client_id, std::int64_t now_ms,
                            std::uint64_t request_no);
    /// New quantity and/or price of an open order (keeps its place only when neither rises).
    sim_order_result amend(sim_account& a, std::string_view symbol, std::uint64_t id,
                           std::string_view client_id, std::optional<sim_decimal> qty,
                           std::optional<sim_decimal> price, std::int64_t now_ms,
                           std::uint64_t request_no);
    /// The capture changed the book of (feed, symbol): resting orders that became marketable
    /// fill at their limit with the maker fee.
    void on_book_update(std::string_view feed, std::string_view symbol, std::int64_t now_ms);
    /// Events since the last call, in order.
    [[nodiscard]] std::vector<sim_event> take_events();

    /// /ballast/account: balances, positions, open orders, every trade, new-order request counts.
    [[nodiscard]] std::string account_json(const sim_account& a) const;

  private:
    struct level_use {
        sim_decimal book_qty; ///< the level's quantity when the sim last took from it
        sim_decimal taken;
    };
    struct fill {
        sim_decimal price;
        sim_decimal qty;      ///< available to this order
        sim_decimal book_qty; ///< the level's quantity in the book
    };
    /// Liquidity on the side a `taker` order meets, best first, up to `limit` (or any price
    /// for market orders), net of what earlier fills took.
    std::vector<fill> available(const sim_order& taker, const sim_decimal* limit);
    void take(const std::string& feed, const std::string& symbol, sim_side taker_side,
              const fill& f, const sim_decimal& qty);
    void execute(sim_account& a, sim_order& o, const fill& f, const sim_decimal& qty, bool maker,
                 std::int64_t now_ms, std::uint64_t request_no);
    [[nodiscard]] std::optional<std::string>
    check_funds(const sim_account& a, const sim_order& o, const instrument_spec& spec,
                const std::vector<fill>& walk,
                const std::optional<sim_decimal>& quote_budget) const;
    void lock(sim_account& a, const sim_order& o, const instrument_spec& spec, bool release);
    void emit(sim_event_kind k, const sim_account& a, const sim_order& o,
              std::optional<sim_trade> t, std::uint64_t request_no);
    [[nodiscard]] const instrument_spec* spec_of(const sim_order& o) const;

    std::vector<sim_account> accounts_;
    sim_venue_rules rules_;
    book_lookup book_;
    std::unordered_map<std::string, const instrument_spec*> specs_; ///< feed/symbol of orders
    /// feed '\n' symbol '\n' side '\n' price -> what fills took at that level.
    std::unordered_map<std::string, level_use> used_;
    std::vector<sim_event> events_;
    std::uint64_t next_order_id_ = 1;
    std::uint64_t next_trade_id_ = 1;
};

} // namespace ballast::exec
