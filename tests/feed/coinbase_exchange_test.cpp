// Coinbase Exchange legacy level2: golden replay of the real recording and every malformed
// variant on hand-written frames. level2 has no sequence numbers: gaps cannot be seen in the
// data, so the tests pin the connection rule (a new connection resyncs) instead.
#include "feed/coinbase_exchange.hpp"
#include "venue_golden.hpp"

#include <gtest/gtest.h>

#include <fstream>

using namespace ballast;
using namespace ballast::feed;
using namespace ballast::test;

namespace {

// level2 messages (snapshot and l2update) for a product, counted from the file's text.
std::uint64_t level2_lines(std::string_view product) {
    std::ifstream in(data_path("coinbase_exchange/COINBASE.ws.28.0.txt"));
    const std::string snapshot = "{\"type\":\"snapshot\",\"product_id\":\"" + std::string(product);
    const std::string update = "{\"type\":\"l2update\",\"product_id\":\"" + std::string(product);
    std::uint64_t n = 0;
    for (std::string line; std::getline(in, line);) {
        n += line.find(snapshot) != std::string::npos || line.find(update) != std::string::npos;
    }
    return n;
}

TEST(CoinbaseExchangeReplay, Level2BooksArePinned) {
    auto s = replay({"coinbase_exchange/COINBASE.ws.28.0.txt"}); // builtin instrument specs
    EXPECT_EQ(s->rejects().total(), 0u); // every recorded level is on the builtin tick and lot
    const golden_book books[] = {
        {"NU-GBP", 77, 118, 450, "0.4388", "242.89", "0.4393", "8208.213533", 3968948932u},
        {"SKL-USD", 2593, 816, 1341, "0.7902", "468", "0.7911", "450", 3567306473u},
    };
    for (const auto& e : books) {
        expect_golden(*s, "coinbase_exchange", e);
        EXPECT_EQ(e.messages, level2_lines(e.symbol));
    }
}

struct coinbase_exchange_fixture : venue_fixture<coinbase_exchange_feed> {
    coinbase_exchange_fixture()
        : venue_fixture(R"(
[[instrument]]
venue = "coinbase_exchange"
symbol = "BTC-USD"
base = "BTC"
quote = "USD"
tick = "0.01"
lot = "0.00000001"
)",
                        "BTC-USD", "wss://ws-feed.exchange.coinbase.com") {}
    // bids 100.00/1, 99.99/2; asks 100.01/3, 100.02/4
    void snapshot() {
        send(R"({"type":"snapshot","product_id":"BTC-USD","bids":[["100.00","1.00000000"],)"
             R"(["99.99","2"]],"asks":[["100.01","3.0"],["100.02","4"]]})");
    }
    static std::string update(std::string_view changes) {
        return R"({"type":"l2update","product_id":"BTC-USD","changes":[)" + std::string(changes) +
               R"(],"time":"2021-04-17T16:43:37.075351Z"})";
    }
};

TEST_F(coinbase_exchange_fixture, UpdatesSetAbsoluteSizes) {
    snapshot();
    ASSERT_EQ(book().health, book_health::live);
    send(update(R"(["buy","100.00","0.5"],["sell","100.01","0"],["sell","100.05","1"])"));
    send(update(R"(["buy","98.00","0.0"])")); // deleting an unknown level is a no-op
    EXPECT_EQ(book_levels(book()), "b 100 0.5\nb 99.99 2\na 100.02 4\na 100.05 1\n");
    EXPECT_EQ(book().counters.applied, 3u);
    EXPECT_EQ(log.total(), 0u);
}

TEST_F(coinbase_exchange_fixture, DuplicateUpdateIsIdempotent) {
    snapshot();
    const std::string u = update(R"(["buy","100.00","0.5"])");
    send(u);
    const std::string after = book_levels(book());
    send(u); // absolute sizes: a repeated message changes nothing
    EXPECT_EQ(book_levels(book()), after);
}

TEST_F(coinbase_exchange_fixture, UpdatesWaitForTheSnapshotOfEachConnection) {
    send(update(R"(["buy","100.00","0.5"])")); // before any snapshot
    EXPECT_EQ(book().counters.stale_dropped, 1u);
    EXPECT_TRUE(book().book.empty(side::bid));
    snapshot();
    connect(); // what was missed in between cannot be known
    EXPECT_EQ(book().health, book_health::syncing);
    EXPECT_EQ(book().counters.resyncs, 1u);
    send(update(R"(["buy","100.00","0.5"])"));
    EXPECT_EQ(book().counters.stale_dropped, 2u);
    snapshot();
    EXPECT_TRUE(book().tradable());
}

TEST_F(coinbase_exchange_fixture, CrossedBookIsFlaggedStale) {
    snapshot();
    send(update(R"(["buy","100.01","1"])"));
    EXPECT_EQ(book().counters.crossed, 1u);
    EXPECT_EQ(book().health, book_health::stale_crossed);
    EXPECT_TRUE(logged("crossed book"));
    send(update(R"(["sell","100.01","0"])"));
    EXPECT_EQ(book().counters.stale_dropped, 1u);
    snapshot();
    EXPECT_TRUE(book().tradable());
}

TEST_F(coinbase_exchange_fixture, MalformedFramesAreCountedAndNeverTouchTheBook) {
    const bad_frame cases[] = {
        {"truncated", R"({"type":"l2update","product_id":"BTC-USD","changes":[["buy","100.0)",
         "invalid JSON", false, false},
        {"not an object", R"(["l2update"])", "invalid JSON", false, false},
        {"no type", R"({"product_id":"BTC-USD"})", "without \"type\"", false, false},
        {"type a number", R"({"type":2})", "without \"type\"", false, false},
        {"no product", R"({"type":"l2update","changes":[]})", "product_id", false, false},
        {"changes not an array", R"({"type":"l2update","product_id":"BTC-USD","changes":{}})",
         "changes are not", true, true},
        {"change not an array", update(R"("buy")"), "changes are not", true, true},
        {"unknown side", update(R"(["bid","100.00","1"])"), "changes are not", true, true},
        {"change without size", update(R"(["buy","100.00"])"), "changes are not", true, true},
        {"price null", update(R"(["buy",null,"1"])"), "changes are not", true, true},
        {"negative size", update(R"(["buy","100.00","-1"])"), "negative", true, true},
        {"NaN price", update(R"(["sell","NaN","1"])"), "not a decimal", true, true},
        {"overflowing size", update(R"(["sell","100.05","1e30"])"), "out of range", true, true},
        {"off-tick price", update(R"(["sell","100.055","1"])"), "more decimals", true, true},
        {"half-valid message", update(R"(["sell","100.05","1"],["sell","x","1"])"), "not a decimal",
         true, true},
        {"snapshot with bad level",
         R"({"type":"snapshot","product_id":"BTC-USD","bids":[["100.00"]],"asks":[]})", "snapshot",
         true, true},
        {"snapshot with negative price",
         R"({"type":"snapshot","product_id":"BTC-USD","bids":[["-1","1"]],"asks":[]})", "negative",
         true, true},
    };
    for (const auto& c : cases) {
        expect_rejected(c, [this] { snapshot(); });
    }
}

TEST_F(coinbase_exchange_fixture, NonBookMessagesAreIgnored) {
    send(R"({"type":"subscriptions","channels":[{"name":"level2","product_ids":["BTC-USD"]}]})");
    send(R"({"type":"heartbeat","sequence":1,"last_trade_id":2,"product_id":"BTC-USD"})");
    send(R"({"type":"ticker","sequence":1,"product_id":"BTC-USD","price":"100.00"})");
    send(R"({"type":"match","trade_id":1,"side":"sell","size":"1","price":"100.00"})");
    EXPECT_EQ(log.total(), 0u);
    EXPECT_EQ(feed->find_book("BTC-USD"), nullptr);
    send(R"({"type":"error","message":"Failed to subscribe","reason":"BTC-XYZ is not a product"})");
    EXPECT_TRUE(logged("Failed to subscribe"));
    EXPECT_EQ(feed->unattributed_rejects(), 0u);
}

} // namespace
