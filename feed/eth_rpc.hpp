#pragma once
/// Ethereum JSON-RPC decoding for DEX pool tracking: `eth_subscription` notifications for
/// `logs` and `newHeads`, `eth_getLogs` results, subscription acknowledgements and errors.
/// Hex fields are decoded here; the ABI data of each log stays hex for the event decoders
/// (feed/uniswap_events.hpp). No exceptions; storage is reused across messages.

#include <simdjson.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ballast::feed {

using eth_address = std::array<std::uint8_t, 20>;
using eth_hash = std::array<std::uint8_t, 32>;

enum class eth_error : std::uint8_t {
    ok = 0,
    json,            ///< not JSON, or not the JSON-RPC shape expected
    missing_field,   ///< a required field is absent
    bad_hex,         ///< not 0x-prefixed hex, odd length, wrong byte length, non-hex digit
    bad_quantity,    ///< a QUANTITY that is not 0x + 1..16 hex digits (or has leading zeros)
    too_many_topics, ///< more than 4 topics
    bad_data,        ///< ABI data not a multiple of 32 bytes or longer than supported
};
[[nodiscard]] std::string_view to_string(eth_error e) noexcept;

/// Largest ABI data a log may carry here (the Uniswap events use at most 5 words).
inline constexpr std::size_t eth_log_max_data = 32 * 16;

/// One log as the node reports it. `error` set means the log was malformed (`error_field`
/// names the field); other fields are then unspecified.
struct eth_log {
    eth_address address{};
    std::array<eth_hash, 4> topics{};
    std::uint8_t topic_count = 0;
    std::array<std::uint8_t, eth_log_max_data> data{};
    std::uint16_t data_size = 0;
    std::uint64_t block_number = 0;
    eth_hash block_hash{};
    eth_hash tx_hash{};
    std::uint32_t tx_index = 0;
    std::uint32_t log_index = 0;
    bool removed = false; ///< a chain reorganisation removed this log
    eth_error error = eth_error::ok;
    std::string_view error_field;
    [[nodiscard]] std::span<const std::uint8_t> data_bytes() const noexcept {
        return {data.data(), data_size};
    }
};

/// A `newHeads` notification.
struct eth_head {
    std::uint64_t number = 0;
    eth_hash hash{};
    eth_hash parent_hash{};
};

enum class eth_message_kind : std::uint8_t {
    logs,       ///< an eth_subscription `logs` notification (one log) or eth_getLogs result
    head,       ///< an eth_subscription `newHeads` notification
    subscribed, ///< a response whose result is a subscription id
    error,      ///< a JSON-RPC error response
    other,      ///< any other valid JSON-RPC message (ignored)
};

/// The decoded message; views into the decoder, valid until its next decode().
struct eth_message {
    eth_error error = eth_error::ok;
    std::string_view error_field; ///< the field at fault when error != ok
    eth_message_kind kind = eth_message_kind::other;
    std::string_view subscription; ///< notifications: the subscription id; subscribed: the new id
    std::int64_t id = -1;          ///< responses: the request id (-1 when absent or not a number)
    std::span<const eth_log> logs; ///< kind == logs (a getLogs result may hold many)
    eth_head head;                 ///< kind == head
    std::string_view rpc_error;    ///< kind == error: the node's message
    [[nodiscard]] bool ok() const noexcept { return error == eth_error::ok; }
};

/// Decodes JSON-RPC messages from an Ethereum node. One instance per connection/thread;
/// after the first messages of a given size it no longer allocates.
class eth_rpc_decoder {
  public:
    explicit eth_rpc_decoder(std::size_t log_capacity = 1024);
    /// Decodes one message (a WebSocket frame or an HTTP body).
    [[nodiscard]] eth_message decode(std::string_view json);

  private:
    simdjson::ondemand::parser parser_;
    std::string buffer_; ///< the message plus simdjson's padding
    std::vector<eth_log> logs_;
};

/// Fills `out` from exactly out.size() bytes of 0x-prefixed hex; false when malformed.
[[nodiscard]] bool parse_hex_bytes(std::string_view hex, std::span<std::uint8_t> out) noexcept;
/// A JSON-RPC QUANTITY ("0x0", "0x1b4"); nullopt when malformed or above 64 bits.
[[nodiscard]] std::optional<std::uint64_t> parse_hex_quantity(std::string_view hex) noexcept;
/// "0x" + lower-case hex digits.
[[nodiscard]] std::string to_hex(std::span<const std::uint8_t> bytes);

} // namespace ballast::feed
