#pragma once
/// OKX v5 order-book channels (`books`, `books5`, `bbo-tbt`, `books-l2-tbt`, `books50-l2-tbt`):
/// snapshot then incremental updates; integrity by `seqId`/`prevSeqId` (including keep-alive
/// messages and sequence resets) and, whenever it is non-zero, the CRC32 `checksum` over the
/// top 25 levels' received text ("Order book checksum" in the OKX v5 WebSocket docs).

#include "feed/venue_feed.hpp"

#include <array>

namespace ballast::feed {

class okx_feed final : public venue_feed {
  public:
    okx_feed(const instrument_registry& instruments, reject_log& rejects,
             feed_options options = {});
    void on_frame(const feed_frame& f) noexcept override;

  private:
    /// CRC32 of "bid1px:bid1sz:ask1px:ask1sz:..." over the top 25 levels, as a signed int.
    [[nodiscard]] std::int32_t checksum(const l2_book& book) noexcept;
    static constexpr std::size_t checksum_levels = 25;
    /// The checksum text: per level two texts and two separators, and room for the last
    /// fixed-size copy.
    std::array<char, 2 * checksum_levels * 2 * (level_text::max_len + 1) + level_text::max_len>
        crc_text_{};
};

} // namespace ballast::feed
