#pragma once
/// Recordings held in memory: every frame a replay dispatched, in its order, ready to be played
/// again into fresh decoders from empty state (`ballast bench replay`, allocation tests). The
/// frames' text sits in one arena, each followed by simdjson's padding.
#include "feed/replay.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ballast::feed {

class memory_replay {
  public:
    struct frame {
        frame_kind kind = frame_kind::received;
        timestamp_ns ts;
        std::uint64_t line = 0;
        std::size_t feed = 0; ///< index of the reference feed it went to
        std::uint32_t conn = 0;
        std::size_t data = 0; ///< offset into the arena
        std::size_t size = 0;
        std::string url;
        bool instrument_reply = false; ///< a recorded instrument list (loaded already)
    };

    /// Replays `files` once as `replay` does (companions found beside them), keeping every
    /// frame. An error line naming the file, or "no frame of a known venue".
    [[nodiscard]] std::optional<std::string> load(const std::vector<std::string>& files,
                                                  replay_options options = {});

    /// The reference replay's feeds (their books are `replay`'s), in order of appearance.
    [[nodiscard]] const std::vector<const venue_feed*>& reference_feeds() const noexcept {
        return feeds_;
    }
    [[nodiscard]] const std::vector<frame>& frames() const noexcept { return frames_; }
    /// One fresh decoder per reference feed, on the reference's instrument lists.
    [[nodiscard]] std::vector<std::unique_ptr<venue_feed>> make_feeds(reject_log& rejects) const;
    /// Dispatches one frame to its decoder exactly as replay does; true when it went to
    /// on_frame (a venue message, not a connection event or an instrument list).
    bool play(const frame& f, venue_feed& decoder) const noexcept;

  private:
    std::unique_ptr<replay_session> session_;
    std::string arena_;
    std::vector<frame> frames_;
    std::vector<const venue_feed*> feeds_;
};

/// Book messages a feed's books have counted (what `replay` reports as `messages`).
[[nodiscard]] std::uint64_t book_messages(const venue_feed& f) noexcept;

/// Why two feeds' books differ (count, health, counters, any level), or "" when they match.
[[nodiscard]] std::string books_differ(const venue_feed& a, const venue_feed& b);

} // namespace ballast::feed
