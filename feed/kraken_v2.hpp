#pragma once
/// Kraken WebSocket v2 `book` channel ("Book" and the "Book checksum guide" in the WS v2 docs).
///
/// `{"channel":"book","type":"snapshot"|"update","data":[{"symbol":"BTC/USD","bids":[{"price":
/// 45283.5,"qty":0.1}],"asks":[...],"checksum":3310070434,"timestamp":"..."}]}`. Prices and
/// quantities are JSON numbers; the checksum (on snapshots and updates) is the CRC32 of the top
/// ten asks then the top ten bids, each price and qty formatted with the pair's price and qty
/// precision (the decimals of the instrument's tick and lot), '.' removed and leading zeros
/// stripped. It is verified on the staged message before it is applied; the book is cut to the
/// subscribed depth (from the subscribe request or its acknowledgement; 10 by default) after
/// every message. A mismatch or a malformed update marks the book stale until the snapshot of a
/// new subscription.

#include "feed/json_levels.hpp"
#include "feed/kraken_book.hpp"

#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ballast::feed {

class kraken_v2_feed final : public kraken_book_feed {
  public:
    /// The depth Kraken v2 uses when a subscription names none.
    static constexpr std::size_t default_depth = 10;

    kraken_v2_feed(const instrument_registry& instruments, reject_log& rejects,
                   feed_options options = {});

    void on_frame(const feed_frame& f) noexcept override;
    /// Reads the depth of a `{"method":"subscribe","params":{"channel":"book","depth":N,...}}`.
    void on_sent(const feed_frame& f) noexcept override;

  private:
    /// A level's texts as the frame's walk found them.
    struct level_text {
        side s = side::bid;
        std::string_view px;
        std::string_view qty;
    };
    /// One book entry of a frame; its levels are levels_[first, first + n).
    struct v2_entry {
        field_state symbol = field_state::absent;
        std::string_view symbol_text;
        field_state checksum = field_state::absent;
        std::uint64_t checksum_value = 0;
        field_state sides[2] = {field_state::absent, field_state::absent}; ///< bids, asks
        bool bad_level = false;     ///< a level that is not {"price": number, "qty": number}
        bool overflow = false;      ///< more levels than a message may stage
        std::string_view duplicate; ///< a field of the entry given twice
        std::size_t first = 0;
        std::size_t n = 0;
    };
    struct v2_message;                             // the frame's other fields (kraken_v2.cpp)
    static constexpr std::size_t max_entries = 64; ///< book entries one frame may carry
    static constexpr std::size_t max_symbols = 64; ///< symbols one acknowledgement may name

    /// The frame's one walk (kraken_v2.cpp).
    simdjson::error_code read_root(simdjson::ondemand::object& root, v2_message& m) noexcept;
    simdjson::error_code read_data(simdjson::ondemand::value data, v2_message& m) noexcept;
    simdjson::error_code read_entry(simdjson::ondemand::value v, v2_entry& entry) noexcept;
    simdjson::error_code read_level(simdjson::ondemand::value level, side s,
                                    v2_entry& entry) noexcept;
    simdjson::error_code read_subscription_field(std::string_view key, simdjson::ondemand::value v,
                                                 v2_message& m) noexcept;
    void on_book_entry(const feed_frame& f, const v2_entry& entry, bool snapshot) noexcept;
    /// Reads a book subscription request's params (on_sent) and records its depth for each
    /// symbol it names.
    void on_subscription(simdjson::ondemand::object params) noexcept;
    void remember_depths(const v2_message& m) noexcept;
    void remember_depth(std::string_view symbol, std::uint64_t depth) noexcept;
    [[nodiscard]] std::size_t depth_for(std::string_view symbol) const noexcept;

    std::vector<std::pair<std::string, std::size_t>> depths_; // subscribed depth per symbol
    std::vector<level_text> levels_; ///< the frame's levels; capacity fixed at construction
    std::array<v2_entry, max_entries> entries_{};
    std::array<std::string_view, max_symbols> symbols_{};
};

} // namespace ballast::feed
