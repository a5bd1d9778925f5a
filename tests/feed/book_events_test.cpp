// The ring listener (feed/book_events): a consumer mirrors a decoder's books exactly from the
// ring; under the drop policy a full ring costs events, raises the overflow flag once, and the
// lost books come again whole, so the mirror ends exact all the same.
#include "feed/book_events.hpp"
#include "feed/recording.hpp"
#include "feed/venues.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace ballast::feed {
namespace {

struct mirror {
    std::vector<std::unique_ptr<l2_book>> books;
    void apply(book_ring& ring) {
        while (const book_event* e = ring.front()) {
            l2_book& b = *books[e->slot];
            if (e->k == book_event::kind::clear) {
                b.clear();
            } else if (e->k == book_event::kind::level) {
                (void)b.set_level(static_cast<side>(e->side_or_health), price(e->px), qty(e->sz));
            }
            ring.pop();
        }
    }
};

/// Plays the OKX capture into a decoder whose listener pushes into `ring`; `drain(i)` says
/// whether the consumer empties the ring after frame i.
template <class Drain>
void play(venue_feed& d, book_ring& ring, mirror& m, ring_listener& l, Drain drain) {
    recording_reader reader(false);
    ASSERT_FALSE(reader.open(std::string(BALLAST_TEST_DATA_DIR) + "/okx/OKX.ws.1.0.txt"));
    d.set_listener(&l);
    std::size_t i = 0;
    while (auto rf = reader.next()) {
        const feed_frame f{rf->data, rf->ts, rf->line,
                           rf->url,  0,      rf->kind == frame_kind::response};
        l.frame_ts = rf->ts.ns;
        if (rf->kind == frame_kind::connect) {
            d.on_connect(f);
        } else if (rf->kind == frame_kind::received || rf->kind == frame_kind::response) {
            d.on_frame(f);
        }
        if (drain(i++)) {
            m.apply(ring);
        }
    }
    m.apply(ring);
    d.set_listener(nullptr);
}

void expect_exact(const venue_feed& d, const mirror& m, const std::vector<std::string>& syms) {
    ASSERT_EQ(d.books().size(), syms.size());
    for (const auto& b : d.books()) {
        std::size_t slot = 0;
        while (syms[slot] != b->symbol()) {
            ++slot;
        }
        for (side s : {side::bid, side::ask}) {
            ASSERT_EQ(m.books[slot]->depth(s), b->book.depth(s)) << b->symbol();
            for (std::size_t k = 0; k < b->book.depth(s); ++k) {
                EXPECT_EQ(m.books[slot]->at(s, k).px, b->book.at(s, k).px);
                EXPECT_EQ(m.books[slot]->at(s, k).sz, b->book.at(s, k).sz);
            }
        }
    }
}

/// The capture's symbols, from a first pass without a listener.
std::vector<std::string> okx_symbols() {
    instrument_registry instruments;
    reject_log rejects;
    auto d = make_venue_feed("okx", instruments, rejects, {});
    recording_reader reader(false);
    EXPECT_FALSE(reader.open(std::string(BALLAST_TEST_DATA_DIR) + "/okx/OKX.ws.1.0.txt"));
    while (auto rf = reader.next()) {
        if (rf->kind == frame_kind::received) {
            d->on_frame({rf->data, rf->ts, rf->line, rf->url, 0, false});
        }
    }
    std::vector<std::string> out;
    for (const auto& b : d->books()) {
        out.push_back(b->symbol());
    }
    return out;
}

struct fixture {
    std::vector<std::string> syms = okx_symbols();
    instrument_registry instruments;
    reject_log rejects;
    std::unique_ptr<venue_feed> d = make_venue_feed("okx", instruments, rejects, {});
    mirror m;
    std::vector<std::pair<std::string, std::uint16_t>> slots() {
        std::vector<std::pair<std::string, std::uint16_t>> out;
        for (std::size_t i = 0; i < syms.size(); ++i) {
            out.emplace_back(syms[i], static_cast<std::uint16_t>(i));
            m.books.push_back(std::make_unique<l2_book>(1u << 16));
        }
        return out;
    }
};

TEST(RingListener, MirrorsEveryChangeExactly) {
    fixture f;
    ASSERT_FALSE(f.syms.empty());
    book_ring ring(1u << 16);
    ring_listener l(ring, f.slots());
    play(*f.d, ring, f.m, l, [](std::size_t) { return true; });
    expect_exact(*f.d, f.m, f.syms);
    EXPECT_EQ(l.stats().dropped, 0u);
    EXPECT_FALSE(l.take_overflow());
}

TEST(RingListener, DropPolicyFlagsOverflowAndResendsWholeBooks) {
    fixture f;
    ASSERT_FALSE(f.syms.empty());
    book_ring ring(512); // room for one whole book (resend), not for the snapshots at once
    ring_listener l(ring, f.slots(), {full_ring_policy::drop, 0});
    bool flagged = false;
    // The consumer is away for the first 60 frames: the ring fills and events are dropped.
    play(*f.d, ring, f.m, l, [&](std::size_t i) {
        if (i == 60) {
            flagged = l.take_overflow();
        }
        return i >= 60;
    });
    EXPECT_TRUE(flagged);
    EXPECT_FALSE(l.take_overflow()); // once per overflow
    const auto st = l.stats();
    EXPECT_GT(st.dropped, 0u);
    EXPECT_GE(st.resent, 1u) << st.events << " events, " << st.dropped << " dropped, "
                             << f.d->books().size() << " books, "
                             << f.d->books()[0]->book.depth(side::bid) << " bids";
    expect_exact(*f.d, f.m, f.syms);
}

TEST(RingListener, BooksOutsideTheTableAreNotForwarded) {
    fixture f;
    book_ring ring(1u << 16);
    ring_listener l(ring, {});
    play(*f.d, ring, f.m, l, [](std::size_t) { return true; });
    EXPECT_EQ(l.stats().events, 0u);
    EXPECT_TRUE(ring.empty());
}

} // namespace
} // namespace ballast::feed
