#include "feed/replay.hpp"

#include "feed/instruments.hpp"
#include "feed/venue_protocol.hpp"
#include "feed/venues.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace ballast::feed {

namespace fs = std::filesystem;

replay_session::replay_session(replay_options options) : options_(std::move(options)) {
    if (!options_.symbols.empty()) {
        options_.feed.symbols = options_.symbols;
    }
}

std::uint64_t replay_session::recording_errors() const noexcept {
    std::uint64_t n = 0;
    for (const auto& s : sources_) {
        n += s.reader->error_count();
    }
    return n;
}

namespace {
// First bytes of a file, to recognise instrument lists and REST replies.
std::string head_of(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::string s(256, '\0');
    in.read(s.data(), static_cast<std::streamsize>(s.size()));
    s.resize(static_cast<std::size_t>(in.gcount()));
    return s;
}

bool is_instrument_list(const fs::path& p, const std::string& head) {
    const auto name = p.filename().string();
    if (name.ends_with("_instruments_subset.json") || name.ends_with(".instruments.toml") ||
        name.ends_with(".instruments.json")) {
        return true;
    }
    return head.find("/AssetPairs") != std::string::npos ||
           head.find("get_instruments") != std::string::npos;
}
} // namespace

companion_files find_companions(const std::string& path) {
    companion_files out;
    const fs::path p(path);
    const auto dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
    const auto name = p.filename().string();
    std::error_code ec;
    std::vector<fs::path> entries;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        if (e.is_regular_file(ec)) {
            entries.push_back(e.path());
        }
    }
    std::sort(entries.begin(), entries.end());
    // "BINANCE.ws.1.0.txt" -> companions "BINANCE.http.*.txt"
    const auto ws = name.find(".ws.");
    const std::string prefix = ws == std::string::npos ? "" : name.substr(0, ws) + ".http.";
    for (const auto& e : entries) {
        const auto n = e.filename().string();
        if (is_instrument_list(e, head_of(e))) {
            out.instrument_lists.push_back(e.string());
        } else if (!prefix.empty() && n.starts_with(prefix)) {
            out.recordings.push_back(e.string());
        }
    }
    return out;
}

void replay_session::load_companions(const std::string& path) {
    const companion_files c = find_companions(path);
    for (const auto& f : c.instrument_lists) {
        // A list found beside the recording is a convenience: a malformed one does not stop
        // the replay (books fall back to derived scales), but it is reported and counted.
        if (auto err = load_instrument_file(f, instruments_)) {
            rejects_.add("instruments", 0, "instrument list beside the recording skipped: " + *err);
        }
    }
    for (const auto& f : c.recordings) {
        if (std::find(paths_.begin(), paths_.end(), f) == paths_.end()) {
            auto reader = std::make_unique<recording_reader>(options_.prefer_uring);
            if (!reader->open(f)) {
                paths_.push_back(f);
                sources_.push_back({std::move(reader), std::nullopt});
            }
        }
    }
}

std::optional<std::string> replay_session::add_file(const std::string& path) {
    if (std::find(paths_.begin(), paths_.end(), path) != paths_.end()) {
        return std::nullopt; // already added as a companion
    }
    if (sources_.empty()) {
        for (const auto& f : options_.instrument_files) {
            if (auto err = load_instrument_file(f, instruments_)) {
                return err;
            }
        }
    }
    auto reader = std::make_unique<recording_reader>(options_.prefer_uring);
    if (auto err = reader->open(path)) {
        return err;
    }
    paths_.push_back(path);
    sources_.push_back({std::move(reader), std::nullopt});
    if (options_.find_companions) {
        load_companions(path);
    }
    return std::nullopt;
}

venue_feed* replay_session::feed_for(std::string_view venue) {
    for (auto& f : feeds_) {
        if (f->venue() == venue) {
            return f.get();
        }
    }
    auto f = make_venue_feed(venue, instruments_, rejects_, options_.feed);
    if (!f) {
        return nullptr;
    }
    feeds_.push_back(std::move(f));
    return feeds_.back().get();
}

replay_session::connection& replay_session::connection_for(std::size_t source_index,
                                                           const recorded_frame& f) {
    for (auto& c : connections_) {
        if (c.source == source_index && c.conn == f.conn) {
            return c;
        }
    }
    connection c;
    c.source = source_index;
    c.conn = std::string(f.conn);
    c.index = static_cast<std::uint32_t>(connections_.size());
    std::string_view venue =
        options_.venue.empty() ? detect_venue(f.url) : std::string_view(options_.venue);
    if (venue.empty()) {
        // A recording made against another address (a loopback venue, a proxy): Ballast's
        // recorder names the venue in the header.
        const std::string& exchange = sources_[source_index].reader->exchange();
        const auto& names = venue_names();
        if (std::find(names.begin(), names.end(), exchange) != names.end()) {
            venue = exchange;
        }
    }
    c.feed = venue.empty() ? nullptr : feed_for(venue);
    if (c.feed == nullptr) {
        rejects_.add(venue.empty() ? std::string_view("unknown") : venue, f.line,
                     "no decoder for " + std::string(f.url.substr(0, 100)));
    }
    connections_.push_back(std::move(c));
    return connections_.back();
}

void replay_session::run(const std::function<void(const replay_progress&)>& progress,
                         std::uint64_t progress_every) {
    for (auto& s : sources_) {
        s.next = s.reader->next();
    }
    replay_progress p;
    for (const auto& s : sources_) {
        p.bytes_total += s.reader->lines().file_size();
    }
    for (;;) {
        // The earliest pending frame across files (ties: the file given first).
        std::size_t best = sources_.size();
        for (std::size_t i = 0; i < sources_.size(); ++i) {
            if (sources_[i].next &&
                (best == sources_.size() || sources_[i].next->ts < sources_[best].next->ts)) {
                best = i;
            }
        }
        if (best == sources_.size()) {
            break;
        }
        const recorded_frame& rf = *sources_[best].next;
        connection& c = connection_for(best, rf);
        if (options_.tap) {
            options_.tap(rf, c.feed, c.index);
        }
        if (c.feed != nullptr) {
            feed_frame ff{rf.data, rf.ts,   rf.line,
                          rf.url,  c.index, rf.kind == frame_kind::response};
            switch (rf.kind) {
            case frame_kind::connect:
                c.feed->on_connect(ff);
                break;
            case frame_kind::sent:
                c.feed->on_sent(ff);
                break;
            case frame_kind::received:
                c.feed->on_frame(ff);
                break;
            case frame_kind::response:
                if (is_instrument_target(rf.url)) {
                    // A recorded instrument list: the books that follow use its filters.
                    if (auto err =
                            load_instrument_reply(c.feed->venue(), rf.url, rf.data, instruments_)) {
                        rejects_.add(c.feed->venue(), rf.line, *err);
                    }
                } else {
                    c.feed->on_frame(ff);
                }
                break;
            case frame_kind::marker:
                // The live client took every book out of routing when its connection was lost.
                if (rf.data == "disconnect") {
                    c.feed->on_disconnect(ff);
                }
                break;
            }
            c.feed->check_silence(rf.ts);
        }
        ++p.frames;
        if (progress && p.frames % progress_every == 0) {
            p.bytes_read = 0;
            for (const auto& s : sources_) {
                p.bytes_read += s.reader->lines().bytes_read();
            }
            progress(p);
        }
        sources_[best].next = sources_[best].reader->next();
    }
    for (std::size_t i = 0; i < sources_.size(); ++i) {
        for (const auto& e : sources_[i].reader->errors()) {
            rejects_.add("recording", e.line, paths_[i] + ": " + e.reason);
        }
    }
}

} // namespace ballast::feed
