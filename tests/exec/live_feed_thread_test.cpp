// Live feed threads (feed/live_feed): two venues served by two sim-venues, each decoded on its
// own thread; the consumer mirrors every book from the two rings and ends with exactly the
// decoders' books (and the replay's); a stalled venue does not hold up the other.
#include "exec/sim_venue.hpp"
#include "feed/live_feed.hpp"
#include "tests/exec/replay_books.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

namespace ballast::exec {
namespace {

using namespace std::chrono_literals;

struct venue_case {
    std::string sim_venue;
    std::string feed_venue;
    std::string capture; ///< under tests/data
    std::string channel;
    /// Levels per side compared with the replay (0: all); see live_feed_test.
    std::size_t depth = 0;
};

const venue_case binance{"binance", "binance", "binance/BINANCE.ws.1.0.txt", "depth@100ms", 500};
const venue_case okx{"okx", "okx", "okx/OKX.ws.1.0.txt", "books"};

using test::books_text;
using test::data_path;
using test::text_of;

/// One venue: its sim, its live feed thread and the consumer's mirror of its books.
struct venue_run {
    venue_case c;
    books_text want;
    std::unique_ptr<sim_venue> sim;
    std::unique_ptr<feed::live_feed_thread> feed;
    std::vector<std::unique_ptr<l2_book>> mirror; // by slot
    std::uint64_t consumed = 0;

    venue_run(const venue_case& vc, const std::string& faults)
        : c(vc), want(test::replayed(vc.capture, vc.feed_venue, vc.depth)) {
        sim_venue_options so;
        so.venue = c.sim_venue;
        so.captures = {data_path(c.capture)};
        so.max_speed = true;
        if (!faults.empty()) {
            EXPECT_FALSE(parse_sim_faults(faults, so.faults)) << faults;
        }
        sim = std::make_unique<sim_venue>(so);
        if (auto err = sim->start()) {
            ADD_FAILURE() << *err;
            return;
        }
        feed::live_feed_options o;
        o.venue = c.feed_venue;
        for (const auto& [sym, book] : want) {
            o.client.symbols.push_back(sym);
            mirror.push_back(std::make_unique<l2_book>(1u << 16));
        }
        o.client.ws_url = sim->url("ws");
        o.client.rest_url = sim->rest_url();
        o.client.protocol.channel = c.channel;
        o.client.backoff_initial = 20ms;
        o.client.resync_timeout = 2s;
        feed = std::make_unique<feed::live_feed_thread>(o);
        if (auto err = feed->start()) {
            ADD_FAILURE() << *err;
        }
    }

    /// Consumer: applies what the ring holds to the mirror.
    void drain() {
        while (const feed::book_event* e = feed->ring().front()) {
            l2_book& b = *mirror[e->slot];
            switch (e->k) {
            case feed::book_event::kind::clear:
                b.clear();
                break;
            case feed::book_event::kind::level:
                (void)b.set_level(static_cast<side>(e->side_or_health), price(e->px), qty(e->sz));
                break;
            case feed::book_event::kind::update:
            case feed::book_event::kind::end:
                break;
            }
            feed->ring().pop();
            ++consumed;
        }
    }

    /// Asks the feed thread whether its books are the replay's (bounded wait for the answer).
    bool books_final() {
        auto p = std::make_shared<std::promise<bool>>();
        auto answer = p->get_future();
        feed->post([this, p] {
            p->set_value(sim->capture_done() && text_of(*feed->decoder(), c.depth) == want);
        });
        // Meanwhile the consumer keeps draining: a full ring must not hold up the answer.
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (answer.wait_for(0s) != std::future_status::ready) {
            drain();
            if (std::chrono::steady_clock::now() > deadline) {
                ADD_FAILURE() << c.feed_venue << ": feed thread did not answer";
                return false;
            }
        }
        return answer.get();
    }

    /// After the feed stopped: the mirror holds exactly the decoder's books.
    void expect_mirror_exact() {
        drain();
        const feed::venue_feed& d = *feed->decoder();
        const auto& syms = feed->symbols();
        for (std::size_t i = 0; i < syms.size(); ++i) {
            const feed::venue_book* vb = nullptr;
            for (const auto& b : d.books()) {
                if (b->symbol() == syms[i]) {
                    vb = b.get();
                }
            }
            ASSERT_NE(vb, nullptr) << syms[i];
            for (side s : {side::bid, side::ask}) {
                ASSERT_EQ(mirror[i]->depth(s), vb->book.depth(s)) << c.feed_venue << " " << syms[i];
                for (std::size_t k = 0; k < vb->book.depth(s); ++k) {
                    EXPECT_EQ(mirror[i]->at(s, k).px, vb->book.at(s, k).px) << syms[i] << " " << k;
                    EXPECT_EQ(mirror[i]->at(s, k).sz, vb->book.at(s, k).sz) << syms[i] << " " << k;
                }
            }
        }
        const auto st = feed->stats();
        EXPECT_EQ(st.ring.events, consumed);
        EXPECT_EQ(st.ring.dropped, 0u);
        EXPECT_GT(st.frames, 0u);
    }

    void stop() {
        feed->stop();
        sim->stop();
    }
};

/// Drains every run until `done` (checked between drains), bounded.
bool run_until(std::vector<venue_run*> runs, const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!done()) {
        for (auto* r : runs) {
            r->drain();
        }
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
    }
    return true;
}

TEST(LiveFeedThread, TwoVenuesOnTwoThreadsMirrorExactly) {
    venue_run a(binance, "");
    venue_run b(okx, "");
    ASSERT_FALSE(a.want.empty());
    ASSERT_FALSE(b.want.empty());
    bool a_done = false;
    bool b_done = false;
    EXPECT_TRUE(run_until({&a, &b}, [&] {
        a_done = a_done || a.books_final();
        b_done = b_done || b.books_final();
        return a_done && b_done;
    }));
    a.stop();
    b.stop();
    a.expect_mirror_exact();
    b.expect_mirror_exact();
    EXPECT_EQ(text_of(*a.feed->decoder(), binance.depth), a.want);
    EXPECT_EQ(text_of(*b.feed->decoder(), 0), b.want);
}

TEST(LiveFeedThread, AStalledVenueDoesNotHoldUpTheOther) {
    // OKX's sim writes nothing for a minute after its third frame: far longer than the
    // Binance capture takes; the test stops both before the stall ends.
    venue_run stalled(okx, "stall:frame=3:ms=60000");
    venue_run a(binance, "");
    EXPECT_TRUE(run_until({&stalled, &a}, [&] { return a.books_final(); }));
    EXPECT_FALSE(stalled.books_final());
    stalled.stop();
    a.stop();
    a.expect_mirror_exact();
    stalled.expect_mirror_exact(); // what got through before the stall is mirrored exactly too
}

TEST(LiveFeedThread, UnknownVenueIsAnError) {
    feed::live_feed_options o;
    o.venue = "nowhere";
    feed::live_feed_thread t(o);
    const auto err = t.start();
    ASSERT_TRUE(err.has_value());
    EXPECT_NE(err->find("nowhere"), std::string::npos);
}

} // namespace
} // namespace ballast::exec
