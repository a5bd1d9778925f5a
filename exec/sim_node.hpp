#pragma once
/// A loopback Ethereum node for the pool follower: a WebSocket JSON-RPC server that speaks the
/// part of the node API Ballast uses (eth_subscribe to `logs` with an address filter and to
/// `newHeads`, eth_unsubscribe, eth_blockNumber, eth_getLogs over a block range, eth_chainId;
/// anything else is JSON-RPC error -32601). Its chain is what it is given: blocks are mined
/// with the logs a caller supplies (or empty, on a timer), each announced with a `newHeads`
/// notification and its logs to every matching `logs` subscription, and kept for eth_getLogs.
/// `ballast run --live` without a config serves the scenario's pools from one, at their state
/// files' blocks, so the engine follows them over the real protocol.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ballast::exec {

struct sim_node_options {
    std::string listen = "127.0.0.1:0";
    std::uint64_t head = 0; ///< the chain's head block at start
    /// Mines an empty block this often; 0: blocks come only from mine().
    std::chrono::milliseconds block_interval{0};
    std::uint64_t chain_id = 1;
};

struct sim_node_stats {
    std::uint64_t connections = 0;
    std::uint64_t requests = 0;
    std::uint64_t get_logs = 0;
    std::uint64_t bad_requests = 0; ///< not JSON-RPC, or an unknown method
};

class sim_node {
  public:
    explicit sim_node(sim_node_options options);
    ~sim_node();
    sim_node(const sim_node&) = delete;
    sim_node& operator=(const sim_node&) = delete;

    /// Binds and starts the server thread; an error line naming the option when it cannot.
    [[nodiscard]] std::optional<std::string> start();
    /// Closes every connection and joins (idempotent).
    void stop();
    [[nodiscard]] std::string url() const; ///< ws://127.0.0.1:PORT/

    /// Mines the next block with the logs `logs_of(number)` gives for it (JSON log objects as
    /// a node sends them, each with that number in blockNumber and a 0x-hex address); called
    /// with the chain held, so no other block comes between. Thread-safe. Returns the block's
    /// number, or an error line naming the log and field at fault (nothing mined).
    struct mined {
        std::uint64_t block = 0;
        std::string error;
    };
    mined mine(const std::function<std::vector<std::string>(std::uint64_t number)>& logs_of);
    /// Closes every client connection now (the node stays up; clients reconnect).
    void drop_connections();
    /// While true, new blocks are kept for eth_getLogs but not announced (a client missing
    /// notifications sees a jump between heads).
    void silence(bool on);
    [[nodiscard]] std::uint64_t head() const;
    [[nodiscard]] sim_node_stats stats() const;

    struct impl;

  private:
    std::unique_ptr<impl> impl_;
};

} // namespace ballast::exec
