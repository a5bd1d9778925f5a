#pragma once
// Checks shared by the Kraken, Deribit and Coinbase Exchange decoder tests: the pinned final
// book of a golden replay, and a fixture that sends hand-written frames to a fresh decoder and
// checks that a bad one is counted with its reason and leaves the book as it was.

#include "feed/instruments.hpp"
#include "feed_test_util.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <memory>
#include <string>
#include <string_view>

namespace ballast::test {

inline std::uint32_t crc32_of(std::string_view text) {
    return static_cast<std::uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(text.data()), static_cast<uInt>(text.size())));
}

/// Every level as "b|a price qty" lines, best first: the whole book, to compare before/after.
inline std::string book_levels(const feed::venue_book& b) {
    std::string out;
    for (side s : {side::bid, side::ask}) {
        b.book.for_each(s, [&](const level& l) {
            out += s == side::bid ? "b " : "a ";
            out += b.spec->format_price(l.px) + " " + b.spec->format_qty(l.sz) + "\n";
        });
    }
    return out;
}

/// A book's pinned state at the end of a recording.
struct golden_book {
    std::string_view symbol;
    std::uint64_t messages; ///< all applied
    std::size_t bids, asks;
    std::string_view best_bid, best_bid_qty, best_ask, best_ask_qty;
    std::uint32_t levels_crc; ///< CRC32 of book_levels(), pinned from Ballast's own replay
};

inline void expect_golden(const feed::replay_session& s, std::string_view venue,
                          const golden_book& e) {
    SCOPED_TRACE(std::string(e.symbol));
    const auto* b = find_book(s, venue, e.symbol);
    ASSERT_NE(b, nullptr);
    const auto& c = b->counters;
    EXPECT_EQ(b->health, feed::book_health::live);
    EXPECT_EQ(c.messages, e.messages);
    EXPECT_EQ(c.applied, e.messages);
    EXPECT_EQ(c.stale_dropped, 0u);
    EXPECT_EQ(c.gaps, 0u);
    EXPECT_EQ(c.resyncs, 0u);
    EXPECT_EQ(c.rejected, 0u);
    EXPECT_EQ(c.checksum_fail, 0u);
    EXPECT_EQ(c.crossed, 0u);
    EXPECT_EQ(b->book.depth(side::bid), e.bids);
    EXPECT_EQ(b->book.depth(side::ask), e.asks);
    EXPECT_EQ(b->spec->format_price(b->book.best_bid().px), e.best_bid);
    EXPECT_EQ(b->spec->format_qty(b->book.best_bid().sz), e.best_bid_qty);
    EXPECT_EQ(b->spec->format_price(b->book.best_ask().px), e.best_ask);
    EXPECT_EQ(b->spec->format_qty(b->book.best_ask().sz), e.best_ask_qty);
    EXPECT_EQ(crc32_of(book_levels(*b)), e.levels_crc);
}

/// A frame that must be rejected.
struct bad_frame {
    std::string_view name;
    std::string text;
    std::string_view reason; ///< part of the logged reason
    bool attributed;         ///< counted on the book (else: unattributed)
    bool resync;             ///< the book goes stale_gap (the venue's procedure resyncs)
};

/// One instrument (from TOML) on a fresh decoder of type Feed.
template <class Feed> struct venue_fixture : ::testing::Test {
    venue_fixture(std::string_view toml, std::string_view symbol, std::string_view url)
        : symbol_(symbol), url_(url) {
        EXPECT_FALSE(feed::load_instrument_toml(toml, "test", reg));
    }
    instrument_registry reg;
    feed::reject_log log;
    std::unique_ptr<Feed> feed = std::make_unique<Feed>(reg, log);
    std::uint64_t line = 0;
    std::string symbol_;
    std::string url_;

    void reset() {
        log = feed::reject_log{};
        feed = std::make_unique<Feed>(reg, log);
    }
    void send(std::string_view text) {
        padded_frame f(text, ++line, url_);
        feed->on_frame(f.frame);
    }
    void connect() {
        padded_frame f("", ++line, url_);
        feed->on_connect(f.frame);
    }
    const feed::venue_book* find() { return feed->find_book(symbol_); }
    const feed::venue_book& book() {
        EXPECT_NE(find(), nullptr);
        return *find();
    }
    bool logged(std::string_view part) const {
        for (const auto& e : log.entries()) {
            if (e.reason.find(part) != std::string::npos) {
                return true;
            }
        }
        return false;
    }
    /// Sends `c` to a fresh live book: counted with its reason, the book unchanged, stale where
    /// the procedure resyncs, and recovered by the next snapshot.
    template <class Snapshot> void expect_rejected(const bad_frame& c, Snapshot snapshot) {
        SCOPED_TRACE(std::string(c.name));
        reset();
        snapshot();
        ASSERT_NE(find(), nullptr);
        ASSERT_EQ(find()->health, feed::book_health::live);
        const std::string before = book_levels(*find());
        send(c.text);
        EXPECT_EQ(book_levels(*find()), before);
        EXPECT_EQ(log.total(), c.resync ? 2u : 1u); // the reject, and the stale transition
        EXPECT_TRUE(logged(c.reason)) << (log.entries().empty() ? "" : log.entries()[0].reason);
        EXPECT_EQ(find()->counters.rejected, c.attributed ? 1u : 0u);
        EXPECT_EQ(feed->unattributed_rejects(), c.attributed ? 0u : 1u);
        EXPECT_EQ(find()->health,
                  c.resync ? feed::book_health::stale_gap : feed::book_health::live);
        snapshot();
        EXPECT_EQ(find()->health, feed::book_health::live);
        EXPECT_EQ(book_levels(*find()), before);
    }
};

} // namespace ballast::test
