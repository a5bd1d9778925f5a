#pragma once
/// `ballast run --live` without a config: the scenario's recordings served by in-process
/// sim-venues at their recorded pace, and the scenario's [live] section pointed at them. Feeds
/// go over WebSocket; venues whose sim-venue takes orders (Binance, Bybit, OKX) trade through
/// their signed gateways with a key made for this run only (its secret lives in memory, never
/// in a file); the others fill on paper against the live books.
#include "exec/scenario.hpp"
#include "exec/signing.hpp"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ballast::exec {

class sim_venue;
class sim_node;

struct loopback_options {
    double pace = 1.0; ///< recorded time per wall time (2: twice as fast)
    /// Extra wall seconds after the longest recording, for the last slices and the stop.
    double tail_s = 5.0;
    double block_s = 12.0; ///< recorded seconds between the loopback node's blocks
};

/// The running venues and the run's credentials. Stops the venues when destroyed.
struct loopback_venues {
    loopback_venues();
    ~loopback_venues();
    loopback_venues(loopback_venues&&) noexcept;
    loopback_venues& operator=(loopback_venues&&) noexcept;

    std::vector<std::unique_ptr<sim_venue>> venues;
    /// The Ethereum node the scenario's pools are followed from (null without pools).
    std::unique_ptr<sim_node> node;
    /// By [[venues]] name: what the engine signs with (see engine_options::credentials).
    std::vector<std::pair<std::string, api_credentials>> credentials;
    /// One line per venue: "<venue>: <protocol> at <url>" (no secret).
    std::vector<std::string> lines;
};

/// Starts one sim-venue per recording of `sc` and, when it trades pools, a loopback Ethereum
/// node whose chain holds the pools as their state files have them (a new empty block every
/// 12 s of recorded time); fills `sc.live` (feeds, gateways, node, duration);
/// an error line naming the feed and the reason when one cannot start.
[[nodiscard]] std::optional<std::string> start_loopback(scenario& sc, const loopback_options& o,
                                                        loopback_venues& out);

} // namespace ballast::exec
