// The live path end to end: Ballast's venue client (feed/venue_ws_client) against
// `sim-venue` serving each recording in tests/data/, plain and over TLS, ends with exactly the
// books `ballast replay` builds from the same recording; with faults injected the books go
// stale, resync by the venue's procedure and still end exact.
#include "exec/sim_venue.hpp"
#include "feed/replay.hpp"
#include "feed/venue_ws_client.hpp"
#include "feed/venues.hpp"
#include "tests/exec/replay_books.hpp"
#include "tests/feed/asio_test_util.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <cctype>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace ballast::exec {
namespace {

using namespace std::chrono_literals;

struct venue_case {
    std::string name;       ///< test name
    std::string sim_venue;  ///< sim-venue --venue
    std::string feed_venue; ///< the decoder
    std::string ws_key;     ///< the ready line's WebSocket key
    std::string capture;    ///< under tests/data
    std::string channel;    ///< the capture's book channel
    /// Levels per side that must match (0: all). Binance's REST snapshot holds at most 1000
    /// levels, and "price levels outside of the initial snapshot that have not changed won't
    /// be in the local order book" (How to manage a local order book correctly): a snapshot
    /// taken later than the recorded one knows fewer deep levels, so only the top is exact.
    std::size_t depth = 0;
};

const std::vector<venue_case>& cases() {
    static const std::vector<venue_case> c = {
        {"binance", "binance", "binance", "ws", "binance/BINANCE.ws.1.0.txt", "depth@100ms", 500},
        {"binance_usdm", "binance_usdm", "binance_usdm", "ws",
         "binance_usdm/BINANCE_FUTURES.ws.1.0.txt", "depth@100ms", 500},
        {"okx", "okx", "okx", "ws", "okx/OKX.ws.1.0.txt", "books"},
        {"bybit_spot", "bybit", "bybit_spot", "ws", "bybit/BYBIT.jsonl", "200"},
        {"bybit_linear", "bybit", "bybit_linear", "ws_linear", "bybit/BYBIT.jsonl", "200"},
        {"coinbase", "coinbase", "coinbase", "ws", "coinbase/COINBASE_ADVANCED.jsonl", "level2"},
        {"coinbase_exchange", "coinbase_exchange", "coinbase_exchange", "ws",
         "coinbase_exchange/COINBASE.ws.28.0.txt", "level2"},
        {"kraken", "kraken", "kraken", "ws", "kraken/KRAKEN.ws.50.0.txt", "1000"},
        {"deribit", "deribit", "deribit", "ws", "deribit/DERIBIT.ws.1.0.txt", "raw"},
    };
    return c;
}

using test::books_text;
using test::data_path;
using test::text_of;

/// What `ballast replay` builds from the capture, for the case's venue.
books_text replayed(const venue_case& c) {
    return test::replayed(c.capture, c.feed_venue, c.depth);
}

std::string describe_difference(const books_text& want, const books_text& got) {
    for (const auto& [sym, w] : want) {
        const auto it = got.find(sym);
        if (it == got.end()) {
            return sym + ": no live book";
        }
        for (int s = 0; s < 2; ++s) {
            const auto& a = s == 0 ? w.bids : w.asks;
            const auto& b = s == 0 ? it->second.bids : it->second.asks;
            for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
                const auto show = [](const auto& v, std::size_t k) {
                    return k < v.size() ? v[k].first + "@" + v[k].second : std::string("none");
                };
                if (i >= a.size() || i >= b.size() || a[i] != b[i]) {
                    return sym + (s == 0 ? " bid " : " ask ") + std::to_string(i) + ": replay " +
                           show(a, i) + " live " + show(b, i);
                }
            }
        }
    }
    return got.size() == want.size() ? "" : "live has books replay has not";
}

struct live_run {
    books_text books;
    feed::venue_client_stats stats;
    std::vector<feed::book_counters> counters;
    std::uint64_t rejects = 0; ///< every reject and stale report of the feed
    bool all_live = false;
};

/// Serves the capture from sim-venue and follows it live until the books equal `want` (or
/// the capture is done and nothing changes for a while: the caller then sees the difference).
live_run follow_live(const venue_case& c, bool tls, const books_text& want,
                     const std::string& faults = {}, double speed = 0,
                     const std::function<bool(const live_run&)>& also = {}) {
    sim_venue_options so;
    so.venue = c.sim_venue;
    so.captures = {data_path(c.capture)};
    so.max_speed = speed == 0;
    so.speed = speed == 0 ? 1.0 : speed;
    so.tls = tls;
    if (!faults.empty()) {
        EXPECT_FALSE(parse_sim_faults(faults, so.faults)) << faults;
    }
    sim_venue sim(so);
    if (auto err = sim.start()) {
        ADD_FAILURE() << *err;
        return {};
    }
    std::vector<std::string> symbols;
    for (const auto& [sym, book] : want) {
        symbols.push_back(sym);
    }
    boost::asio::io_context io;
    instrument_registry instruments;
    feed::reject_log rejects;
    feed::feed_options fo;
    fo.symbols = symbols;
    auto feed = feed::make_venue_feed(c.feed_venue, instruments, rejects, fo);
    feed::venue_client_options o;
    o.symbols = symbols;
    o.ws_url = sim.url(c.ws_key);
    o.rest_url = sim.rest_url();
    o.tls_ca_file = sim.ca_file();
    o.protocol.channel = c.channel;
    o.backoff_initial = 20ms;
    o.resync_timeout = 2s;
    feed::venue_ws_client client(io, *feed, instruments, o);
    EXPECT_TRUE(client.start()) << client.last_error();
    live_run r;
    const auto take = [&] {
        r.books = text_of(*feed, c.depth);
        r.stats = client.stats();
        r.all_live = client.all_live();
        r.counters.clear();
        for (const auto& b : feed->books()) {
            r.counters.push_back(b->counters);
        }
        r.rejects = feed->unattributed_rejects();
        for (const auto& k : r.counters) {
            r.rejects += k.rejected;
        }
    };
    // The books can be final before every frame is read (a snapshot taken after the capture
    // ended), so a fault's own effect is waited for too.
    test::run_until(
        io,
        [&] {
            take();
            return sim.capture_done() && r.all_live && r.books == want && (!also || also(r));
        },
        30s);
    take();
    client.stop();
    sim.stop();
    return r;
}

void PrintTo(const venue_case& c, std::ostream* os) {
    *os << c.name;
}

class LiveFeed : public ::testing::TestWithParam<std::tuple<venue_case, bool>> {};

TEST_P(LiveFeed, EndsWithExactlyTheReplayBooks) {
    const auto& [c, tls] = GetParam();
    const books_text want = replayed(c);
    ASSERT_FALSE(want.empty());
    const live_run r = follow_live(c, tls, want);
    EXPECT_EQ(describe_difference(want, r.books), "");
    EXPECT_TRUE(r.all_live);
    EXPECT_GE(r.stats.connects, 1u);
    EXPECT_EQ(r.stats.refusals, 0u);
    // Loopback sockets take software receive stamps: frames, over TLS too, carry the kernel's
    // (SO_TIMESTAMPING through feed/rx_stamped.hpp). The kernel turns stamping on for the
    // first socket that asks through a deferred work item, so the first frames of a run on a
    // loaded machine may come unstamped (they fall back to the read's return, and are not
    // counted as stamped); tests/feed/rx_stamped_test.cpp checks the stamp itself.
    EXPECT_GT(r.stats.frames, 0u);
    EXPECT_GT(r.stats.kernel_stamped, 0u);
    EXPECT_LE(r.stats.kernel_stamped, r.stats.frames);
}

INSTANTIATE_TEST_SUITE_P(EveryVenue, LiveFeed,
                         ::testing::Combine(::testing::ValuesIn(cases()), ::testing::Bool()),
                         [](const auto& p) {
                             return std::get<0>(p.param).name +
                                    (std::get<1>(p.param) ? "_tls" : "_plain");
                         });

/// One fault served to the live client and what it must show.
struct fault_case {
    std::string venue;  ///< a venue_case name
    std::string faults; ///< sim-venue --faults
    enum class shows : std::uint8_t {
        gap,           ///< a sequence gap, then the venue's resync
        checksum,      ///< a checksum failure, then the resync
        reconnect,     ///< a second connection
        reject,        ///< a counted malformed frame
        refusal,       ///< a refused subscription, asked again
        resubscribed,  ///< a lost snapshot: the book waited, then was asked for again
        nothing_wrong, ///< (duplicates, stalls) nothing to see but exact books
    } expect;
    double speed = 0; ///< the recorded pace times this; 0: as fast as the client reads
};

std::string fault_name(const fault_case& f) {
    std::string n = f.venue + "_" + f.faults;
    for (char& ch : n) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) {
            ch = '_';
        }
    }
    return n;
}

const venue_case& case_named(const std::string& name) {
    for (const auto& c : cases()) {
        if (c.name == name) {
            return c;
        }
    }
    throw std::invalid_argument(name);
}

void PrintTo(const fault_case& f, std::ostream* os) {
    *os << f.venue << " " << f.faults;
}

class LiveFeedFault : public ::testing::TestWithParam<fault_case> {};

TEST_P(LiveFeedFault, GoesStaleResyncsByTheVenuesProcedureAndEndsExact) {
    const fault_case& f = GetParam();
    const venue_case& c = case_named(f.venue);
    const books_text want = replayed(c);
    const auto fault_effect = [&](const live_run& now) {
        std::uint64_t bad_sequence = 0;
        for (const auto& k : now.counters) {
            bad_sequence += k.gaps + k.checksum_fail;
        }
        switch (f.expect) {
        case fault_case::shows::gap:
        case fault_case::shows::checksum:
            return bad_sequence >= 1;
        case fault_case::shows::resubscribed:
            return now.stats.resubscribes >= 1;
        case fault_case::shows::reconnect:
            return now.stats.connects >= 2;
        case fault_case::shows::refusal:
            return now.stats.refusals >= 1;
        case fault_case::shows::reject:
            return now.rejects >= 1;
        default:
            return true;
        }
    };
    const live_run r = follow_live(c, false, want, f.faults, f.speed, fault_effect);
    EXPECT_EQ(describe_difference(want, r.books), "") << f.faults;
    EXPECT_TRUE(r.all_live);
    std::uint64_t gaps = 0;
    std::uint64_t checksum_fail = 0;
    for (const auto& k : r.counters) {
        gaps += k.gaps;
        checksum_fail += k.checksum_fail;
    }
    switch (f.expect) {
    case fault_case::shows::gap:
        EXPECT_GE(gaps + checksum_fail, 1u);
        EXPECT_GE(r.stats.snapshots + r.stats.resubscribes + r.stats.resync_reconnects, 1u);
        break;
    case fault_case::shows::checksum:
        EXPECT_GE(checksum_fail, 1u);
        EXPECT_GE(r.stats.resubscribes, 1u);
        break;
    case fault_case::shows::reconnect:
        EXPECT_GE(r.stats.connects, 2u);
        EXPECT_GE(r.stats.connection_losses, 1u);
        break;
    case fault_case::shows::reject:
        EXPECT_GE(r.rejects, 1u);
        break;
    case fault_case::shows::refusal:
        EXPECT_GE(r.stats.refusals, 1u);
        break;
    case fault_case::shows::resubscribed:
        EXPECT_GE(r.stats.resubscribes, 1u);
        break;
    case fault_case::shows::nothing_wrong:
        EXPECT_EQ(r.stats.connection_losses, 0u);
        break;
    }
}

using shows = fault_case::shows;
INSTANTIATE_TEST_SUITE_P(
    Faults, LiveFeedFault,
    ::testing::Values(fault_case{"binance", "drop:frame=60", shows::gap, 30},
                      fault_case{"binance", "reorder:frame=70", shows::gap, 30},
                      fault_case{"binance", "close:after=40", shows::reconnect},
                      fault_case{"binance", "garbage:frame=10", shows::reject},
                      fault_case{"binance", "dup:frame=12", shows::nothing_wrong},
                      fault_case{"binance", "refuse:sub=1", shows::refusal},
                      fault_case{"binance_usdm", "drop:frame=120", shows::gap, 30},
                      fault_case{"okx", "drop:frame=10", shows::gap},
                      fault_case{"okx", "corrupt:frame=15", shows::checksum},
                      fault_case{"okx", "close:after=20", shows::reconnect},
                      fault_case{"okx", "stall:frame=5:ms=300", shows::nothing_wrong},
                      fault_case{"bybit_linear", "drop:frame=10", shows::gap},
                      fault_case{"bybit_spot", "close:after=10", shows::reconnect},
                      fault_case{"coinbase", "drop:frame=30", shows::gap},
                      fault_case{"coinbase", "close:after=50", shows::reconnect},
                      fault_case{"coinbase_exchange", "close:after=30", shows::reconnect},
                      fault_case{"coinbase_exchange", "garbage:frame=20", shows::reject},
                      fault_case{"kraken", "corrupt:frame=20", shows::checksum},
                      fault_case{"kraken", "close:after=30", shows::reconnect},
                      fault_case{"deribit", "drop:frame=3", shows::resubscribed},
                      fault_case{"deribit", "close:after=4", shows::reconnect}),
    [](const auto& p) { return fault_name(p.param); });

} // namespace
} // namespace ballast::exec
