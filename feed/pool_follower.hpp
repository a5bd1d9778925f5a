#pragma once
/// Keeps Uniswap pool models current from an Ethereum node's logs: applies v2 Sync and v3
/// Swap/Mint/Burn in block and log-index order, ignores duplicates, undoes logs a chain
/// reorganisation removes (per-log undo kept for a window of blocks), and marks a pool stale
/// on anything it cannot apply exactly (a gap, an out-of-order log, a reorg deeper than the
/// window) until it is bootstrapped again.

#include "book/pool_state.hpp"
#include "feed/eth_rpc.hpp"
#include "feed/uniswap_events.hpp"

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <vector>

namespace ballast::feed {

/// What happened to one log.
enum class follow_outcome : std::uint8_t {
    applied,
    duplicate,      ///< already applied (same block, index and block hash), or in the snapshot
    other_event,    ///< a pool event that does not move swap state (Transfer, Collect, ...)
    undone,         ///< a removed log and the logs after it were undone
    ignored_stale,  ///< the pool is stale; nothing applied until it is bootstrapped
    unknown_pool,   ///< no pool with this address is followed
    malformed,      ///< the log or the event failed to decode; pool untouched
    rejected,       ///< the pool model refused the update (out of range); pool marked stale
    out_of_order,   ///< older than the last applied log but never seen: pool marked stale
    reorg_too_deep, ///< removed log older than the undo window or the snapshot: pool stale
};
[[nodiscard]] std::string_view to_string(follow_outcome o) noexcept;

struct follow_stats {
    std::uint64_t applied = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t other_events = 0;
    std::uint64_t undone = 0; ///< individual logs undone by reorgs
    std::uint64_t ignored_stale = 0;
    std::uint64_t unknown_pool = 0;
    std::uint64_t malformed = 0;
    std::uint64_t rejected = 0;
    std::uint64_t out_of_order = 0;
    std::uint64_t reorg_too_deep = 0;
    std::uint64_t gaps = 0;
    std::uint64_t heads = 0;
};

/// A reported problem: which pool (address, or empty), where, and why.
struct follow_issue {
    std::string pool;
    std::uint64_t block = 0;
    std::uint32_t log_index = 0;
    std::string reason;
};

/// Follows a set of pools. Single-threaded (the engine thread); the undo journal allocates
/// only when it grows past its high-water mark.
class pool_follower {
  public:
    /// `undo_window_blocks`: how far back a reorg can be undone exactly (>= 64).
    explicit pool_follower(std::uint64_t undo_window_blocks = 128);

    /// Follows a pool from its state file; logs at or below state.meta.block are in it.
    /// Returns the pool's index. Adding an address already followed replaces its state
    /// (a bootstrap) and clears its stale flag.
    std::size_t add_pool(pool_state state);
    /// Replaces a pool's state after a resync and clears stale.
    void bootstrap(std::size_t index, pool_state state);

    /// Applies one log (a subscription notification or an eth_getLogs element).
    follow_outcome on_log(const eth_log& log);
    /// A new head. A jump of more than one block is a gap: every pool goes stale.
    void on_head(const eth_head& head);
    /// The subscription was lost (a disconnect, missed heads): every live pool goes stale
    /// until the missed blocks are backfilled (resume()) or it is bootstrapped. Logs still
    /// apply to such a pool, in order, so that an eth_getLogs backfill can close the gap.
    void on_gap(std::string_view reason);
    /// Before the first catch-up with a node: every live pool is stale until resume() says the
    /// logs since its snapshot were delivered (not a gap: nothing is counted or reported).
    void await_catch_up();
    /// Every log up to and including `through_block` has been delivered (an eth_getLogs
    /// backfill after a gap): pools that went stale only because of the gap are live again.
    /// Pools stale for another reason stay stale. Returns how many pools came back.
    std::size_t resume(std::uint64_t through_block);
    /// Applies every log and head in one decoded message; returns false for a message that
    /// failed to decode (counted as malformed).
    /// `where` (e.g. "line 3") prefixes the issue a malformed message reports.
    bool on_message(const eth_message& message, std::string_view where = {});

    [[nodiscard]] std::size_t size() const noexcept { return pools_.size(); }
    [[nodiscard]] const pool_state& pool(std::size_t i) const noexcept { return pools_[i].state; }
    [[nodiscard]] bool stale(std::size_t i) const noexcept { return pools_[i].stale; }
    /// Counts every change of pool i's state or stale flag (a log applied or undone, a
    /// bootstrap, going stale or coming back): a reader that saw version v has nothing new
    /// while it is still v.
    [[nodiscard]] std::uint64_t version(std::size_t i) const noexcept { return pools_[i].version; }
    /// Index of the pool with this address, or size() when not followed.
    [[nodiscard]] std::size_t find(const eth_address& address) const noexcept;
    [[nodiscard]] const follow_stats& stats() const noexcept { return stats_; }
    /// The first problems reported (bounded; stats() keeps counting).
    [[nodiscard]] const std::vector<follow_issue>& issues() const noexcept { return issues_; }
    [[nodiscard]] std::uint64_t undo_window() const noexcept { return window_; }

  private:
    struct log_key {
        std::uint64_t block = 0;
        std::uint32_t log_index = 0;
        auto operator<=>(const log_key&) const noexcept = default;
    };
    /// How to undo one applied log exactly.
    struct undo_record {
        log_key key;
        eth_hash block_hash{};
        uniswap_event_kind kind = uniswap_event_kind::v2_sync;
        // v2 Sync: previous reserves; v3 Swap: previous slot0 and liquidity.
        u256 prev_a;
        u256 prev_b;
        uint128 prev_liquidity = 0;
        std::int32_t prev_tick = 0;
        // v3 Mint/Burn: the position delta applied.
        std::int32_t tick_lower = 0;
        std::int32_t tick_upper = 0;
        int128 delta = 0;
        std::uint64_t prev_block = 0; ///< meta.block before the log
        log_key prev_last;            ///< the pool's last applied log before this one
    };
    struct followed {
        pool_state state;
        eth_address address{};
        bool stale = false;
        bool awaiting_backfill = false;   ///< stale only because of a gap (see on_gap)
        std::uint64_t version = 0;        ///< see version()
        log_key last;                     ///< the last applied log (or the snapshot block)
        std::uint64_t snapshot_block = 0; ///< logs at or below are in the bootstrap state
        std::uint64_t pruned_through = 0; ///< undo records at or below were dropped
        std::deque<undo_record> journal;  ///< applied logs within the window, oldest first
    };

    follow_outcome apply(followed& p, const eth_log& log, const uniswap_event& ev);
    follow_outcome remove(followed& p, const eth_log& log);
    void undo(followed& p, const undo_record& r);
    void mark_stale(followed& p, const eth_log* log, std::string_view reason);
    void report(const followed* p, const eth_log* log, std::string reason);
    void prune(followed& p);

    std::vector<followed> pools_;
    std::uint64_t window_;
    std::uint64_t last_head_ = 0;
    follow_stats stats_;
    std::vector<follow_issue> issues_;
};

/// The result of following pools through a recording.
struct pool_replay_result {
    std::vector<pool_state> pools; ///< final states, in the order of the pool files
    std::vector<bool> stale;       ///< per pool
    follow_stats stats;
    std::vector<follow_issue> issues;
    std::uint64_t messages = 0;
    std::string error; ///< a pool file or the recording could not be read (names it)
    [[nodiscard]] bool ok() const noexcept { return error.empty(); }
};

/// Follows the pools in `pool_files` (pool state files) through `recording_path`: a
/// JSON-lines file, one JSON-RPC message from the node per line (eth_subscription `logs` and
/// `newHeads` notifications, eth_getLogs responses; other messages are skipped). Blank lines
/// are skipped; a line that is not JSON counts as malformed. The markers a live capture
/// writes (eth_ws_options::capture) replay as they happened: {"ballast":"gap",...} marks the
/// pools stale, {"ballast":"caught_up","block":N} resumes them after the backfill.
[[nodiscard]] pool_replay_result replay_pool_recording(std::span<const std::string> pool_files,
                                                       const std::string& recording_path);

/// Copies the follower's pools, stale flags, stats and issues into `result` (a live follow
/// reports the same way as a replay).
void collect_follow_result(const pool_follower& follower, pool_replay_result& result);

/// {"pools":[<pool state>...],"stale":[...],"stats":{...},"issues":[...]} on one line.
[[nodiscard]] std::string write_pool_replay_json(const pool_replay_result& result);

} // namespace ballast::feed
