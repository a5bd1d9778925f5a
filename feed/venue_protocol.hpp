#pragma once
/// What a live market-data connection to each venue sends and expects, from the venues' own
/// WebSocket docs: the subscription requests (within each venue's per-request limits), the
/// application keep-alive, the answers to the venue's own requests, subscription refusals,
/// how a book that lost sync comes back, and the REST paths for depth snapshots and
/// instrument lists. The decoders (venue_feed) stay transport-free; the live client
/// (venue_ws_client) joins the two.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ballast::feed {

/// How a book that is not live (gap, checksum, crossed, silence) is brought back.
enum class resync_method : std::uint8_t {
    rest_snapshot, ///< fetch the REST depth snapshot while the stream is buffered (Binance)
    resubscribe,   ///< unsubscribe and subscribe the symbol: its snapshot follows
    reconnect,     ///< a new connection (the venue's sequence spans the connection)
};

/// The venues' production endpoints (what `ballast record` connects to by default).
struct venue_endpoints {
    std::string ws;
    std::string rest;
};

class venue_protocol {
  public:
    virtual ~venue_protocol() = default;

    /// Requests to send right after the handshake, before subscribing (heartbeat set-up).
    [[nodiscard]] virtual std::vector<std::string> on_open() { return {}; }
    /// Subscription requests for `symbols`, split as the venue's limits require.
    [[nodiscard]] virtual std::vector<std::string>
    subscribe(const std::vector<std::string>& symbols) = 0;
    [[nodiscard]] virtual std::vector<std::string>
    unsubscribe(const std::vector<std::string>& symbols) = 0;
    /// The application ping to send every `ping_interval()`; empty when the venue relies on
    /// WebSocket pings alone.
    [[nodiscard]] virtual std::string ping() { return {}; }
    [[nodiscard]] virtual std::chrono::milliseconds ping_interval() const {
        return std::chrono::seconds(20);
    }
    /// True for the venue's answer to our ping and other control frames the decoder needs not
    /// see (acknowledgements are still shown to it: some carry the book depth).
    [[nodiscard]] virtual bool is_control(std::string_view /*frame*/) const { return false; }
    /// The answer a frame demands from us (Deribit's test_request), or empty.
    [[nodiscard]] virtual std::string answer(std::string_view /*frame*/) { return {}; }
    /// A refusal of one of our requests: the venue's reason, or empty.
    [[nodiscard]] virtual std::string refusal(std::string_view frame) const = 0;
    [[nodiscard]] virtual resync_method resync() const = 0;
    /// REST target (path and query) of a depth snapshot for `symbol` (rest_snapshot venues).
    [[nodiscard]] virtual std::string snapshot_target(std::string_view /*symbol*/) const {
        return {};
    }
    /// REST targets of the venue's instrument lists that name `symbols`.
    [[nodiscard]] virtual std::vector<std::string>
    instrument_targets(const std::vector<std::string>& symbols) const = 0;
    [[nodiscard]] virtual venue_endpoints production() const = 0;
    /// The book channel a recorded frame of this venue is on, in the words
    /// venue_protocol_options::channel takes (to follow a recording's own stream live); empty
    /// when the frame is no book message or the venue has one book channel only.
    [[nodiscard]] virtual std::string recorded_channel(std::string_view /*frame*/) const {
        return {};
    }
};

struct venue_protocol_options {
    /// The book channel, in the venue's own words; empty: the venue's default.
    /// binance/binance_usdm: the diff stream ("depth@100ms", "depth"); okx: the channel
    /// ("books", "books-l2-tbt", ...); bybit: the depth ("50", "200", "1000"); kraken: the depth
    /// ("10" ... "1000"); deribit: the interval ("100ms", "raw"); coinbase: "level2";
    /// coinbase_exchange: "level2" or "level2_batch".
    std::string channel;
};

/// True when `url` asks one of the venues' instrument-list endpoints (a REST reply for the
/// instrument loader, not for a decoder).
[[nodiscard]] bool is_instrument_target(std::string_view url);

/// The protocol of a venue name (as make_venue_feed knows them); nullptr when unknown.
[[nodiscard]] std::unique_ptr<venue_protocol>
make_venue_protocol(std::string_view venue, const venue_protocol_options& options = {});

} // namespace ballast::feed
