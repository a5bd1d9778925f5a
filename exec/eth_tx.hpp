#pragma once
/// Ethereum transactions for the DEX gateway: Keccak-256, RLP, EIP-1559 (type 2) transactions
/// signed with libsecp256k1 (recoverable ECDSA, RFC 6979 nonces, low s, yParity), the ABI calls
/// the gateway sends (SwapRouter exactInputSingle / exactOutputSingle, ERC-20 approve and
/// allowance) and the private key's loading. Encoding and signing write into fixed buffers and
/// do not allocate.
#include "book/u256.hpp"
#include "feed/eth_rpc.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ballast::exec {

using feed::eth_address;
using feed::eth_hash;

/// Keccak-256 as Ethereum uses it (the original Keccak padding 0x01, not SHA3-256's 0x06).
[[nodiscard]] eth_hash keccak256(std::span<const std::uint8_t> bytes) noexcept;
[[nodiscard]] eth_hash keccak256(std::string_view text) noexcept;

/// Big-endian 32-byte word of a 256-bit value.
void write_word(const u256& v, std::uint8_t* out) noexcept;
[[nodiscard]] u256 read_word(const std::uint8_t* in) noexcept;

/// Largest calldata a transaction built here carries (a swap is 4 + 8 * 32 bytes).
inline constexpr std::size_t eth_tx_max_data = 512;
/// Largest signed transaction: the fields' RLP plus the calldata plus its list headers.
inline constexpr std::size_t eth_tx_max_raw = eth_tx_max_data + 256;

/// An EIP-1559 transaction's fields (the access list is always empty). Fees in wei.
struct eip1559_tx {
    std::uint64_t chain_id = 1;
    std::uint64_t nonce = 0;
    std::uint64_t max_priority_fee_per_gas = 0;
    std::uint64_t max_fee_per_gas = 0;
    std::uint64_t gas_limit = 0;
    eth_address to{};
    u256 value = 0;
    std::array<std::uint8_t, eth_tx_max_data> data{};
    std::uint16_t data_size = 0;
    [[nodiscard]] std::span<const std::uint8_t> data_bytes() const noexcept {
        return {data.data(), data_size};
    }
};

/// Bytes of an encoding (unsigned payload or signed raw transaction) in a fixed buffer.
struct eth_tx_bytes {
    std::array<std::uint8_t, eth_tx_max_raw> bytes{};
    std::uint16_t size = 0;
    [[nodiscard]] std::span<const std::uint8_t> view() const noexcept {
        return {bytes.data(), size};
    }
};

/// 0x02 || rlp([chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gasLimit, to, value, data,
/// accessList]): what is hashed for the signature. False when the data does not fit.
[[nodiscard]] bool encode_unsigned(const eip1559_tx& tx, eth_tx_bytes& out) noexcept;

/// A recoverable secp256k1 signature: y parity (0 or 1), r, s (s in the lower half).
struct eth_signature {
    std::uint8_t y_parity = 0;
    std::array<std::uint8_t, 32> r{};
    std::array<std::uint8_t, 32> s{};
};

/// 0x02 || rlp([...the nine fields, yParity, r, s]): the bytes for eth_sendRawTransaction.
[[nodiscard]] bool encode_signed(const eip1559_tx& tx, const eth_signature& sig,
                                 eth_tx_bytes& out) noexcept;

/// A signed transaction: its raw bytes and hash (keccak256 of the raw bytes).
struct signed_tx {
    eth_tx_bytes raw;
    eth_hash hash{};
};

/// An Ethereum account's private key and its address. The key is never printed or logged;
/// sign() may be called from several threads at once (the context is read-only then).
class eth_signer {
  public:
    eth_signer();
    ~eth_signer();
    eth_signer(eth_signer&&) noexcept;
    eth_signer& operator=(eth_signer&&) noexcept;
    eth_signer(const eth_signer&) = delete;
    eth_signer& operator=(const eth_signer&) = delete;

    /// From 32 bytes; an error line (never the key) when it is not a valid secp256k1 key.
    [[nodiscard]] std::optional<std::string> load(std::span<const std::uint8_t> key);
    /// From 64 hex digits, with or without 0x, surrounding white space ignored.
    [[nodiscard]] std::optional<std::string> load_hex(std::string_view hex);
    [[nodiscard]] bool loaded() const noexcept;
    [[nodiscard]] const eth_address& address() const noexcept;

    /// Signs keccak256(encode_unsigned(tx)); false when unloaded or the data does not fit.
    [[nodiscard]] bool sign(const eip1559_tx& tx, signed_tx& out) const noexcept;
    /// The bare signature of a 32-byte digest.
    [[nodiscard]] bool sign_digest(const eth_hash& digest, eth_signature& out) const noexcept;

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// Loads the DEX account's key: from the environment variable `env_var` (hex), else from
/// `file` (hex text), which must pass check_private_file (0600 or stricter). The error names
/// the variable or file and the reason, never the key.
[[nodiscard]] std::optional<std::string> load_eth_key(eth_signer& signer, const char* env_var,
                                                      const std::string& file);

/// "0x" + 40 lower-case hex digits.
[[nodiscard]] std::string to_hex_address(const eth_address& a);

// ---- ABI calls ----------------------------------------------------------------------------

/// SwapRouter's ExactInputSingleParams / ExactOutputSingleParams (Uniswap v3 periphery).
struct swap_single_params {
    eth_address token_in{};
    eth_address token_out{};
    std::uint32_t fee = 0; ///< the pool's fee tier (hundredths of a basis point)
    eth_address recipient{};
    std::uint64_t deadline = 0; ///< unix seconds
    u256 amount = 0;            ///< exact input: amountIn; exact output: amountOut
    u256 amount_limit = 0;      ///< exact input: amountOutMinimum; exact output: amountInMaximum
    u256 sqrt_price_limit_x96 = 0;
};

/// Calldata of exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160)).
void encode_exact_input_single(const swap_single_params& p, eip1559_tx& tx) noexcept;
/// Calldata of exactOutputSingle(... same tuple with amountOut, amountInMaximum).
void encode_exact_output_single(const swap_single_params& p, eip1559_tx& tx) noexcept;
/// Calldata of approve(address spender, uint256 amount).
void encode_approve(const eth_address& spender, const u256& amount, eip1559_tx& tx) noexcept;
/// Calldata of allowance(address owner, address spender), as "0x..." text for eth_call.
[[nodiscard]] std::string allowance_call_data(const eth_address& owner, const eth_address& spender);

/// The 4-byte selectors (keccak256 of the signature), exposed for the tests.
[[nodiscard]] std::array<std::uint8_t, 4> abi_selector(std::string_view signature) noexcept;

/// The revert reason in a call's return data: Error(string)'s text, Panic(uint256)'s code as
/// "panic 0x..", or "" when the data is neither.
[[nodiscard]] std::string decode_revert_reason(std::span<const std::uint8_t> data);

} // namespace ballast::exec
