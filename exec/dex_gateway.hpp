#pragma once
/// The DEX leg: an order on an instrument mapped to a Uniswap v3 pool becomes a SwapRouter swap
/// sent as a signed EIP-1559 transaction to an Ethereum node over WebSocket JSON-RPC.
///
/// Threads. send / cancel / query / reconcile / poll run on the engine thread. send() builds the
/// calldata, takes the next nonce (kept locally, read once from eth_getTransactionCount
/// "pending"), prices the fees from what the I/O thread last saw (eth_feeHistory, capped),
/// signs, and hands the raw transaction to the gateway's I/O thread through an SPSC ring; it
/// never blocks, allocates or throws. The I/O thread owns the connection: it sends, watches
/// receipts (on every new head and every poll interval), replaces or cancels a transaction
/// that is not mined in time, and hands execution reports back through a second SPSC ring.
///
/// Outcomes, each reported once per order:
///   receipt status 1 -> ack, then one fill: base and quote amounts from the pool's Swap log,
///                       gas used * effective gas price in the fill's gas_quote (see
///                       native_price_quote below); the pool's fee is in the price;
///   receipt status 0 -> rejected, reason "reverted: <the contract's reason>" (eth_call replay);
///   the cancel transfer mined -> canceled; the node refusing the first send -> rejected.
#include "exec/eth_tx.hpp"
#include "exec/gateway.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ballast::exec {

/// One instrument traded on one Uniswap v3 pool through the SwapRouter.
struct dex_route {
    const instrument_spec* spec = nullptr; ///< orders carry this spec (compared by address)
    eth_address pool{};
    eth_address base_token{};
    eth_address quote_token{};
    std::uint32_t fee = 0; ///< the pool's fee tier
    std::uint8_t base_decimals = 18;
    std::uint8_t quote_decimals = 18;
};

/// What happens to a transaction that is not mined in time.
enum class dex_stuck_policy : std::uint8_t {
    replace, ///< the same transaction, same nonce, both fees raised by fee_bump_percent
    cancel,  ///< a 0-value transfer to ourselves with the same nonce, fees raised
};

struct dex_gateway_options {
    std::string url; ///< ws://host:port of the node (loopback or a trusted node)
    venue_id venue{};
    eth_address router{}; ///< Uniswap v3 SwapRouter
    std::vector<dex_route> routes;
    std::uint64_t chain_id = 0; ///< must equal the node's eth_chainId (replay protection)
    std::uint64_t swap_gas_limit = 400'000;
    std::uint64_t approve_gas_limit = 100'000;
    /// maxFeePerGas = min(cap, 2 * next base fee + tip); tip = min(priority cap, median tip of
    /// the last blocks, at least min_priority_fee_wei). Replacements may exceed the cap by the
    /// bumps (a stuck transaction is only ever replaced upwards).
    std::uint64_t max_fee_cap_wei = 500'000'000'000;
    std::uint64_t priority_fee_cap_wei = 10'000'000'000;
    std::uint64_t min_priority_fee_wei = 1'000'000;
    std::uint32_t fee_bump_percent = 12; ///< >= 10: nodes refuse smaller replacements
    std::uint32_t deadline_s = 120;      ///< swap deadline after the newest block's timestamp
    /// A transaction is stuck after this many new heads without a receipt, or after
    /// stuck_after (steady clock of the I/O thread; 0 disables the time rule).
    std::uint32_t stuck_blocks = 3;
    std::chrono::milliseconds stuck_after{0};
    dex_stuck_policy stuck_policy = dex_stuck_policy::replace;
    std::uint32_t max_replacements = 4; ///< per order; then it waits for whatever is mined
    std::chrono::milliseconds poll_interval{250}; ///< receipts and stuck checks
    std::chrono::milliseconds connect_timeout{5'000};
    /// Gas is paid in the chain's coin; a report's gas_quote = gas wei / 1e18 * this (the coin's
    /// price in the instrument's quote currency, kept current with set_native_price()). 0:
    /// gas_quote stays 0 and the gas is only in stats().gas_wei and the report's reason text.
    double native_price_quote = 0.0;
    std::size_t queue_capacity = 256; ///< each ring
};

/// Counters, readable from any thread.
struct dex_gateway_stats {
    std::atomic<std::uint64_t> sent{0};         ///< swap transactions accepted by the node
    std::atomic<std::uint64_t> approvals{0};    ///< ERC-20 approve transactions sent
    std::atomic<std::uint64_t> replacements{0}; ///< same-nonce replacements (fee bumps)
    std::atomic<std::uint64_t> accepted{0};     ///< transactions (any kind) the node took
    std::atomic<std::uint64_t> cancels{0};      ///< same-nonce 0-value self-transfers
    std::atomic<std::uint64_t> receipts{0};     ///< receipts of our transactions
    std::atomic<std::uint64_t> reverts{0};      ///< receipts with status 0
    std::atomic<std::uint64_t> fills{0};
    std::atomic<std::uint64_t> send_errors{0};     ///< eth_sendRawTransaction refused
    std::atomic<std::uint64_t> rpc_errors{0};      ///< JSON-RPC error replies
    std::atomic<std::uint64_t> malformed{0};       ///< replies that did not parse or made no sense
    std::atomic<std::uint64_t> unknown_replies{0}; ///< replies to no request of ours
    std::atomic<std::uint64_t> heads{0};
    std::atomic<std::uint64_t> gas_wei{0}; ///< gas paid by mined transactions (low 64 bits)
    std::atomic<std::uint64_t> rejected_locally{0}; ///< send() refused before signing
    std::atomic<std::uint64_t> nonce_resyncs{0};    ///< account nonce re-read after a refusal
};

class dex_gateway final : public venue_gateway {
  public:
    /// Setup: checks the options and routes (one line naming the field at fault in `error`).
    /// The signer must hold the account's key (load_eth_key); the gateway takes it.
    [[nodiscard]] static std::unique_ptr<dex_gateway> create(dex_gateway_options options,
                                                             eth_signer signer, std::string& error);
    ~dex_gateway() override;
    dex_gateway(const dex_gateway&) = delete;
    dex_gateway& operator=(const dex_gateway&) = delete;

    /// Starts the I/O thread: connect, chain id check, nonce, allowances, fees, newHeads. A
    /// `connected` report follows when the gateway can send (or `disconnected` with a reason).
    void start();
    /// Stops the I/O thread; transactions in flight are not followed any further.
    void stop();

    [[nodiscard]] venue_id venue() const noexcept override;
    [[nodiscard]] bool connected() const noexcept override;
    [[nodiscard]] gateway_status send(const order_request& r) noexcept override;
    /// Sends a 0-value self-transfer with the order's nonce at raised fees; the order ends
    /// canceled if it is mined first, or filled/rejected if the swap is.
    [[nodiscard]] gateway_status cancel(const cancel_request& r) noexcept override;
    /// A `status` report: the order's state, reason "tx 0x<hash> <pending|mined|...>".
    [[nodiscard]] gateway_status query(const query_request& r) noexcept override;
    /// Every order not yet final as a `status` report with `reconcile`, then `status` id 0.
    [[nodiscard]] gateway_status reconcile(timestamp_ns since) noexcept override;
    [[nodiscard]] bool poll(exec_report& out) noexcept override;

    /// The chain coin's price in the quote currency (see native_price_quote); any thread.
    void set_native_price(double quote_per_coin) noexcept;
    [[nodiscard]] const dex_gateway_stats& stats() const noexcept;
    [[nodiscard]] const eth_address& address() const noexcept;
    /// The last connection or node error (I/O thread's; read it when the gateway is stopped
    /// or after a `disconnected` report).
    [[nodiscard]] std::string last_error() const;

    class impl;

  private:
    explicit dex_gateway(std::unique_ptr<impl> p);
    std::unique_ptr<impl> impl_;
};

} // namespace ballast::exec
