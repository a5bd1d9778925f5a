// Recordings held in memory and played again (replay_memory.hpp).
#include "feed/replay_memory.hpp"

#include "feed/venue_protocol.hpp"
#include "feed/venues.hpp"

#include <simdjson.h>

#include <algorithm>

namespace ballast::feed {

std::optional<std::string> memory_replay::load(const std::vector<std::string>& files,
                                               replay_options options) {
    options.tap = [this](const recorded_frame& rf, const venue_feed* f, std::uint32_t conn) {
        if (f == nullptr) {
            return;
        }
        auto it = std::find(feeds_.begin(), feeds_.end(), f);
        if (it == feeds_.end()) {
            feeds_.push_back(f);
            it = feeds_.end() - 1;
        }
        frame k;
        k.kind = rf.kind;
        k.ts = rf.ts;
        k.line = rf.line;
        k.feed = static_cast<std::size_t>(it - feeds_.begin());
        k.conn = conn;
        k.data = arena_.size();
        k.size = rf.data.size();
        k.url = std::string(rf.url);
        k.instrument_reply = rf.kind == frame_kind::response && is_instrument_target(rf.url);
        arena_.append(rf.data);
        arena_.append(simdjson::SIMDJSON_PADDING, '\0');
        frames_.push_back(std::move(k));
    };
    session_ = std::make_unique<replay_session>(std::move(options));
    for (const auto& f : files) {
        if (auto err = session_->add_file(f)) {
            return err;
        }
    }
    session_->run();
    if (feeds_.empty()) {
        return "no frame of a known venue in " + files.front();
    }
    return std::nullopt;
}

std::vector<std::unique_ptr<venue_feed>> memory_replay::make_feeds(reject_log& rejects) const {
    std::vector<std::unique_ptr<venue_feed>> out;
    for (const auto* f : feeds_) {
        out.push_back(make_venue_feed(f->venue(), session_->instruments(), rejects, {}));
    }
    return out;
}

bool memory_replay::play(const frame& k, venue_feed& f) const noexcept {
    const feed_frame ff{std::string_view(arena_.data() + k.data, k.size),
                        k.ts,
                        k.line,
                        k.url,
                        k.conn,
                        k.kind == frame_kind::response};
    bool message = false;
    switch (k.kind) {
    case frame_kind::connect:
        f.on_connect(ff);
        break;
    case frame_kind::sent:
        f.on_sent(ff);
        break;
    case frame_kind::received:
    case frame_kind::response:
        if (!k.instrument_reply) { // the lists are the reference's already
            f.on_frame(ff);
            message = true;
        }
        break;
    case frame_kind::marker:
        if (ff.data == "disconnect") {
            f.on_disconnect(ff);
        }
        break;
    }
    f.check_silence(k.ts);
    return message;
}

std::uint64_t book_messages(const venue_feed& f) noexcept {
    std::uint64_t n = 0;
    for (const auto& b : f.books()) {
        n += b->counters.messages;
    }
    return n;
}

std::string books_differ(const venue_feed& a, const venue_feed& b) {
    if (a.books().size() != b.books().size()) {
        return "book count " + std::to_string(a.books().size()) + " vs " +
               std::to_string(b.books().size());
    }
    for (std::size_t i = 0; i < a.books().size(); ++i) {
        const venue_book& x = *a.books()[i];
        const venue_book& y = *b.books()[i];
        const std::string where = a.venue() + " " + x.symbol() + ": ";
        if (x.symbol() != y.symbol() || x.health != y.health ||
            x.counters.messages != y.counters.messages ||
            x.counters.applied != y.counters.applied || x.counters.gaps != y.counters.gaps ||
            x.counters.checksum_ok != y.counters.checksum_ok) {
            return where + "health or counters differ";
        }
        for (const side s : {side::bid, side::ask}) {
            if (x.book.depth(s) != y.book.depth(s)) {
                return where + "depth differs";
            }
            for (std::size_t k = 0; k < x.book.depth(s); ++k) {
                if (x.book.at(s, k).px != y.book.at(s, k).px ||
                    x.book.at(s, k).sz != y.book.at(s, k).sz) {
                    return where + "level " + std::to_string(k) + " differs";
                }
            }
        }
    }
    return {};
}

} // namespace ballast::feed
