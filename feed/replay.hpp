#pragma once
/// Replays recordings (several files merged by timestamp: streams plus their REST snapshots)
/// through the venue decoders into local books, in constant memory.

#include "feed/recording.hpp"
#include "feed/venue_feed.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ballast::feed {

struct replay_options {
    std::string venue;                         ///< force a venue; empty: detect from URLs
    std::vector<std::string> symbols;          ///< empty: every symbol
    std::vector<std::string> instrument_files; ///< extra instrument lists
    bool find_companions = true; ///< add REST snapshot files and instrument lists beside a stream
    bool prefer_uring = true;
    feed_options feed;
    /// Called with every frame as it is dispatched, with the feed it went to (null: no
    /// decoder) and its connection index (`ballast bench replay` keeps them in memory).
    std::function<void(const recorded_frame&, const venue_feed*, std::uint32_t)> tap;
};

/// The files beside a recording that belong to it: its REST snapshot recordings
/// (`X.http.*` beside `X.ws.*`) and the instrument lists in its folder, each sorted by name.
struct companion_files {
    std::vector<std::string> recordings;
    std::vector<std::string> instrument_lists;
};
[[nodiscard]] companion_files find_companions(const std::string& path);

struct replay_progress {
    std::uint64_t bytes_read = 0;
    std::uint64_t bytes_total = 0;
    std::uint64_t frames = 0;
};

class replay_session {
  public:
    explicit replay_session(replay_options options);

    /// Adds a recording (and, with find_companions, its REST snapshot files and instrument
    /// lists found beside it). Returns an error line naming the file.
    [[nodiscard]] std::optional<std::string> add_file(const std::string& path);

    /// Runs to the end of every file. `progress` is called every `progress_every` frames.
    void run(const std::function<void(const replay_progress&)>& progress = {},
             std::uint64_t progress_every = 200000);

    [[nodiscard]] const instrument_registry& instruments() const noexcept { return instruments_; }
    [[nodiscard]] const reject_log& rejects() const noexcept { return rejects_; }
    /// Feeds in the order their venues first appeared.
    [[nodiscard]] const std::vector<std::unique_ptr<venue_feed>>& feeds() const noexcept {
        return feeds_;
    }
    /// Malformed recording lines (not venue messages).
    [[nodiscard]] std::uint64_t recording_errors() const noexcept;

  private:
    struct source {
        std::unique_ptr<recording_reader> reader;
        std::optional<recorded_frame> next;
    };
    struct connection {
        std::size_t source = 0;
        std::string conn;
        venue_feed* feed = nullptr;
        std::uint32_t index = 0;
    };
    venue_feed* feed_for(std::string_view venue);
    connection& connection_for(std::size_t source_index, const recorded_frame& f);
    void load_companions(const std::string& path);

    replay_options options_;
    instrument_registry instruments_;
    reject_log rejects_;
    std::vector<source> sources_;
    std::vector<std::string> paths_;
    std::vector<connection> connections_;
    std::vector<std::unique_ptr<venue_feed>> feeds_;
};

} // namespace ballast::feed
