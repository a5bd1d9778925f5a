#pragma once
// Books as decimal text, and what `ballast replay` builds from a capture: the reference the
// live-path tests (live client, live feed threads) end with.
#include "feed/replay.hpp"
#include "feed/venue_feed.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ballast::test {

inline std::string data_path(const std::string& rel) {
    return std::string(BALLAST_TEST_DATA_DIR) + "/" + rel;
}

/// A book as decimal text, level by level (best first).
struct book_text {
    std::vector<std::pair<std::string, std::string>> bids;
    std::vector<std::pair<std::string, std::string>> asks;
    bool operator==(const book_text&) const = default;
};
using books_text = std::map<std::string, book_text>;

/// Every book of the feed, `depth` levels per side (0: all).
inline books_text text_of(const feed::venue_feed& f, std::size_t depth) {
    books_text out;
    for (const auto& b : f.books()) {
        book_text t;
        for (side s : {side::bid, side::ask}) {
            auto& v = s == side::bid ? t.bids : t.asks;
            b->book.for_each(s, [&](const level& l) {
                if (depth == 0 || v.size() < depth) {
                    v.emplace_back(b->spec->format_price(l.px), b->spec->format_qty(l.sz));
                }
            });
        }
        out[b->symbol()] = std::move(t);
    }
    return out;
}

/// What `ballast replay` builds from the capture (under tests/data) for one venue's decoder.
inline books_text replayed(const std::string& capture, const std::string& venue,
                           std::size_t depth) {
    feed::replay_options o;
    feed::replay_session s(o);
    EXPECT_FALSE(s.add_file(data_path(capture)));
    s.run();
    for (const auto& f : s.feeds()) {
        if (f->venue() == venue) {
            return text_of(*f, depth);
        }
    }
    ADD_FAILURE() << "replay built no " << venue << " feed";
    return {};
}

} // namespace ballast::test
