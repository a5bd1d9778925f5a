#pragma once
// Shared helpers for feed tests: replay a recording, summarise books, build padded frames.

#include "feed/replay.hpp"

#include "feed/venue_feed.hpp"
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace ballast::test {

inline std::string data_path(std::string_view rel) {
    return std::string(BALLAST_TEST_DATA_DIR) + "/" + std::string(rel);
}

/// FNV-1a over every level of both sides (price and qty steps), best first.
inline std::uint64_t book_hash(const l2_book& b) {
    std::uint64_t h = 1469598103934665603ULL;
    auto mix = [&](std::int64_t v) {
        for (int i = 0; i < 8; ++i) {
            h ^= static_cast<std::uint64_t>(v >> (8 * i)) & 0xff;
            h *= 1099511628211ULL;
        }
    };
    for (side s : {side::bid, side::ask}) {
        mix(static_cast<std::int64_t>(b.depth(s)));
        b.for_each(s, [&](const level& l) {
            mix(l.px.value());
            mix(l.sz.value());
        });
    }
    return h;
}

/// Replays files (with companions) and returns the session.
inline std::unique_ptr<feed::replay_session> replay(std::initializer_list<std::string_view> files,
                                                    feed::replay_options opt = {}) {
    auto s = std::make_unique<feed::replay_session>(std::move(opt));
    for (auto f : files) {
        if (auto err = s->add_file(data_path(f))) {
            ADD_FAILURE() << *err;
        }
    }
    s->run();
    return s;
}

inline const feed::venue_book* find_book(const feed::replay_session& s, std::string_view venue,
                                         std::string_view symbol) {
    for (const auto& f : s.feeds()) {
        if (f->venue() == venue) {
            for (const auto& b : f->books()) {
                if (b->symbol() == symbol) {
                    return b.get();
                }
            }
        }
    }
    return nullptr;
}

/// Owns a frame's text with the 64 bytes of padding decoders may read past its end.
struct padded_frame {
    explicit padded_frame(std::string_view text, std::uint64_t line = 1, std::string_view url = {},
                          bool response = false)
        : storage(std::string(text) + std::string(64, '\0')), url_text(url) {
        frame.data = std::string_view(storage.data(), text.size());
        frame.line = line;
        frame.url = url_text;
        frame.is_response = response;
        frame.ts = timestamp_ns{static_cast<std::int64_t>(line) * 1000000};
    }
    std::string storage;
    std::string url_text;
    feed::feed_frame frame;
};

} // namespace ballast::test
