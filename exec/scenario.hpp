#pragma once
/// A `ballast run` scenario: recordings to replay, venues' terms, pools, the risk config
/// (portfolio, targets, routes, limits) and the engine's policy. Loaded from TOML; every path
/// is relative to the scenario file's directory. A bad field stops with one line naming it.
#include "risk/pre_trade.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ballast::exec {

/// One recording file; every venue found in it gets its own feed thread.
struct feed_input {
    std::string recording;                ///< absolute path
    std::vector<std::string> instruments; ///< instrument lists (absolute paths)
    std::vector<std::string> symbols;     ///< venue symbols to keep (empty: all)
    bool align_start = true; ///< shift the file so its first frame is at the market start
};

/// A venue's trading terms in the simulation.
struct venue_input {
    std::string name;
    double taker_fee_bps = 0.0;
    double maker_fee_bps = 0.0;
    double latency_ms = 0.0; ///< market time from send to arrival
    double gas_quote = 0.0;  ///< pools: per swap
};

/// A Uniswap pool traded as the portfolio instrument (venue, symbol).
struct pool_input {
    std::string state; ///< pool state file (absolute path)
    std::string venue;
    std::string symbol;
    std::string base_token;  ///< the pool state's token symbol that is the instrument's base
    std::string quote_token; ///< ... and its quote
};

/// Switches the kill switch at a market time (seconds after the market start).
struct kill_switch_event {
    double at_s = 0.0;
    risk::kill_switch state = risk::kill_switch::halted;
};

struct engine_policy {
    double warmup_s = 2.0;              ///< first rebalance this long after the market start
    double rebalance_interval_s = 10.0; ///< drift checks while nothing is working
    std::uint32_t slices = 4;           ///< TWAP slices per parent order
    double slice_interval_s = 2.0;
    double collar_bps = 50.0;    ///< limit of each slice vs the mid at slicing time
    double max_book_age_s = 5.0; ///< a book without update for longer is not routed to
    std::uint32_t queue_capacity = 1 << 16;
};

/// `run --live`: one venue's live market data (a decoder venue, as `ballast record` names it).
struct live_feed_input {
    std::string venue;                    ///< decoder venue ("bybit_spot", "coinbase", ...)
    std::vector<std::string> symbols;     ///< the venue's symbols
    std::string ws;                       ///< empty: the venue's production endpoint
    std::string rest;                     ///< empty: the venue's production endpoint
    std::string ca_file;                  ///< wss/https authorities (absolute path)
    std::vector<std::string> instruments; ///< instrument lists to use instead of fetching them
    int cpu = -1;                         ///< the core its thread is pinned to; -1: not pinned
    /// The book channel in the venue's words (Bybit "50"/"200"/"1000", OKX "books" or
    /// "books-l2-tbt", Binance "depth@100ms"...); empty: the venue's default.
    std::string channel;
};

/// `run --live`: how orders reach one [[venues]] entry.
struct live_gateway_input {
    std::string venue;      ///< a [[venues]] name
    std::string protocol;   ///< binance | okx | bybit | paper (fills against the live mirror)
    std::string ws;         ///< trading WebSocket (Binance WS API, OKX private, Bybit trade)
    std::string ws_private; ///< Bybit: the private stream
    std::string rest;
    std::string ca_file;
    std::string keys; ///< 0600 key file (absolute); empty: BALLAST_<VENUE>_* from the environment
    /// Binance: where fills come from: "websocket_api" (userDataStream.subscribe on the
    /// WebSocket API, the default) or "listen_key" (a REST listen key and its stream at
    /// ws_private; retired on Binance's production hosts, kept by test networks).
    std::string user_stream = "websocket_api";
    /// Binance: where orders, cancels and queries go: "websocket_api" (the default) or "rest"
    /// (`/api/v3/order`, signed query strings; needs `rest`).
    std::string orders = "websocket_api";
    /// The gateway's I/O thread when no socket, timer or order needs it: "block" (sleeps in
    /// the kernel; the engine wakes it with one system call per order) or "spin" (polls
    /// without sleeping: the order leaves without a wake-up, a whole core).
    std::string idle = "block";
    int cpu = -1; ///< the core the I/O thread is pinned to; -1: not pinned
};

/// `run --live`: the Ethereum node the scenario's [[pools]] are followed from.
struct live_node_input {
    std::string ws;      ///< ws:// or wss:// JSON-RPC endpoint (eth_subscribe, eth_getLogs)
    std::string ca_file; ///< wss authorities (absolute path)
    int cpu = -1;        ///< the core the pool thread is pinned to; -1: not pinned
};

struct live_input {
    double duration_s = 0.0;              ///< 0: until SIGINT or SIGTERM
    std::string journal_sync = "grouped"; ///< every | grouped | none
    int engine_cpu = -1; ///< the core the engine thread is pinned to; -1: not pinned
    /// What the engine thread does when nothing came: "spin" (poll without pause: the lowest
    /// latency, a whole core), "yield" (poll, yielding the core between polls) or "backoff"
    /// (yield 64 times, then sleep 50 us per poll: the least CPU).
    std::string idle = "backoff";
    std::vector<live_feed_input> feeds;
    std::vector<live_gateway_input> gateways;
    /// Empty ws: no node, so the [[pools]] cannot be known exact and are not routed.
    live_node_input node;
    [[nodiscard]] bool configured() const noexcept { return !feeds.empty(); }
};

struct scenario {
    std::string name;
    std::string path; ///< the scenario file
    std::string dir;  ///< its directory
    std::string portfolio;
    std::string journal; ///< empty: a new <tmp>/ballast-run-<name>-<pid>-<n>.journal per run
    engine_policy policy;
    std::vector<feed_input> feeds;
    std::vector<venue_input> venues;
    std::vector<pool_input> pools;
    std::vector<kill_switch_event> kill_switch;
    live_input live; ///< [live]: what `run --live` connects to
    /// The quote currencies treated as one (USD, USDT, USDC by default).
    std::vector<std::string> quote_aliases;
};

/// A scenario or the one line naming what is wrong ("scenario.toml: engine.slices: ...").
struct scenario_result {
    std::optional<scenario> value;
    std::string error;
};
[[nodiscard]] scenario_result load_scenario(const std::string& path);

/// A loaded scenario's contradictions (the same recording, symbol or pool twice, a pool quoted
/// in a currency that is not a quote alias, a journal that is one of the inputs): "field:
/// reason", or empty (scenario_checks.cpp; load_scenario calls it).
[[nodiscard]] std::string check_scenario(const scenario& s);
/// The same file (one inode), or the same path when either does not exist yet.
[[nodiscard]] bool same_file(const std::string& a, const std::string& b);

} // namespace ballast::exec
