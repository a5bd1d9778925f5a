// Kraken books: WS v1 (golden replay of the real recording, every "c" checksum verified) and
// WS v2 (the example of Kraken's v2 checksum guide), with every malformed variant on
// hand-written frames for both.
#include "feed/kraken.hpp"
#include "feed/kraken_v2.hpp"
#include "venue_golden.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <sstream>

using namespace ballast;
using namespace ballast::feed;
using namespace ballast::test;

namespace {

std::uint32_t crc_of(std::string_view digits) {
    return crc32_of(digits);
}

std::string join(std::initializer_list<std::string_view> parts) {
    std::string out;
    for (auto p : parts) {
        out += p;
    }
    return out;
}

std::string read_text(std::string_view rel) {
    std::ifstream in(data_path(rel), std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Frames of the recording that carry a checksum, per pair, counted from the file's text.
std::size_t checksummed_frames(std::string_view pair) {
    std::ifstream in(data_path("kraken/KRAKEN.ws.50.0.txt"));
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);) {
        if (line.find("\"c\":\"") != std::string::npos &&
            line.ends_with("\"" + std::string(pair) + "\"]")) {
            ++n;
        }
    }
    return n;
}

TEST(KrakenReplay, EveryChecksumOfTheRecordingMatches) {
    auto s = replay({"kraken/KRAKEN.ws.50.0.txt"}); // AssetPairs (KRAKEN.0.txt) found beside it
    EXPECT_EQ(s->rejects().total(), 0u);
    const golden_book books[] = {
        {"XBT/CHF", 290, 500, 315, "56060.3", "0.05804973", "56194.2", "0.017", 2725625645u},
        {"GRT/ETH", 21, 60, 73, "0.0008335", "506.69981876", "0.0008362", "3304.00414043",
         3351352009u},
    };
    for (const auto& e : books) {
        expect_golden(*s, "kraken", e);
        const auto* b = find_book(*s, "kraken", e.symbol);
        ASSERT_NE(b, nullptr);
        SCOPED_TRACE(std::string(e.symbol));
        EXPECT_EQ(b->counters.checksum_ok, checksummed_frames(e.symbol));
        EXPECT_EQ(b->counters.checksum_ok, e.messages - 1); // every update; snapshots carry none
        EXPECT_EQ(b->depth_limit, 1000u);                   // "book-1000"
        // The checksum is over the received text: the websocket's decimals, not pair_decimals.
        EXPECT_EQ(b->book.text_at(side::bid, 0).price_text(),
                  e.symbol == "XBT/CHF" ? "56060.30000" : "0.000833500");
    }
}

// A hand-made pair (tick 0.1, lot 0.00000001).
std::string pair_toml(std::string_view venue, std::string_view symbol) {
    return "[[instrument]]\nvenue = \"" + std::string(venue) + "\"\nsymbol = \"" +
           std::string(symbol) + "\"\nbase = \"" + std::string(symbol.substr(0, 3)) +
           "\"\nquote = \"" + std::string(symbol.substr(4)) +
           "\"\ntick = \"0.1\"\nlot = \"0.00000001\"\n";
}

// WS v1; the venue writes 5 price decimals.
struct kraken_fixture : venue_fixture<kraken_feed> {
    kraken_fixture()
        : venue_fixture(pair_toml("kraken", "XBT/USD"), "XBT/USD", "wss://ws.kraken.com") {}
    // asks 5.0/1, 5.1/2; bids 4.9/3, 4.8/4 at depth 10
    void snapshot() {
        send(R"([7,{"as":[["5.00000","1.00000000","1.1"],["5.10000","2.00000000","1.2"]],)"
             R"("bs":[["4.90000","3.00000000","1.3"],["4.80000","4.00000000","1.4"]]},)"
             R"("book-10","XBT/USD"])");
        ASSERT_EQ(book().health, book_health::live);
    }
    std::string update(std::string_view payload, std::uint32_t crc) {
        return "[7," + std::string(payload) + ",{\"c\":\"" + std::to_string(crc) +
               "\"},\"book-10\",\"XBT/USD\"]";
    }
};

// Asks ascending then bids descending; price then volume; '.' removed, leading zeros stripped.
constexpr std::string_view snapshot_digits = "500000100000000"
                                             "510000200000000"
                                             "490000300000000"
                                             "480000400000000";

TEST_F(kraken_fixture, TwoObjectUpdateWithRepublishIsVerifiedThenApplied) {
    snapshot();
    // a: 5.0 -> 0.5 (republish "r"); b: 4.9 deleted; checksum in the second object.
    const std::string frame =
        R"([7,{"a":[["5.00000","0.50000000","2.0","r"]]},{"b":[["4.90000","0.00000000","2.1"]],)"
        R"("c":")" +
        std::to_string(crc_of("50000050000000"
                              "510000200000000"
                              "480000400000000")) +
        R"("},"book-10","XBT/USD"])";
    send(frame);
    EXPECT_EQ(book().counters.checksum_ok, 1u);
    EXPECT_EQ(book().counters.applied, 2u);
    EXPECT_EQ(book_levels(book()), "b 4.8 4\na 5 0.5\na 5.1 2\n");
    EXPECT_EQ(log.total(), 0u);
}

TEST_F(kraken_fixture, SnapshotChecksumDigitsAreTheReceivedText) {
    snapshot();
    // An idempotent re-send of the best ask: the book's top ten is the snapshot's.
    send(update(R"({"a":[["5.00000","1.00000000","3.0"]]})", crc_of(snapshot_digits)));
    EXPECT_EQ(book().counters.checksum_ok, 1u);
    EXPECT_EQ(book().health, book_health::live);
}

TEST_F(kraken_fixture, BookIsCutToTheSubscribedDepthBeforeTheChecksum) {
    std::string asks;
    std::string digits;
    for (int i = 0; i < 10; ++i) { // asks 6.0 .. 6.9, 1 each
        asks += std::string(i ? "," : "") + "[\"6." + std::to_string(i) +
                "0000\",\"1.00000000\",\"1\"]";
    }
    send(R"([7,{"as":[)" + asks + R"(],"bs":[["4.90000","3.00000000","1"]]},"book-10","XBT/USD"])");
    ASSERT_EQ(book().book.depth(side::ask), 10u);
    // A better ask pushes 6.9 out of the ten subscribed levels.
    for (int i = 0; i < 9; ++i) {
        digits += "6" + std::to_string(i) + "0000" + "100000000";
    }
    digits = "550000" + std::string("100000000") + digits + "490000300000000";
    send(update(R"({"a":[["5.50000","1.00000000","2"]]})", crc_of(digits)));
    EXPECT_EQ(book().counters.checksum_ok, 1u);
    EXPECT_EQ(book().book.depth(side::ask), 10u);
    EXPECT_EQ(book().spec->format_price(book().book.at(side::ask, 9).px), "6.8");
}

TEST_F(kraken_fixture, ChecksumMismatchLeavesTheBookAndWaitsForASnapshot) {
    snapshot();
    const std::string before = book_levels(book());
    send(update(R"({"a":[["5.00000","0.50000000","2.0"]]})", crc_of(snapshot_digits)));
    EXPECT_EQ(book_levels(book()), before); // verified before it is applied
    EXPECT_EQ(book().health, book_health::stale_checksum);
    EXPECT_EQ(book().counters.checksum_fail, 1u);
    EXPECT_EQ(book().counters.resyncs, 1u);
    EXPECT_TRUE(logged("checksum mismatch"));
    send(update(R"({"a":[["5.00000","1.00000000","3.0"]]})", crc_of(snapshot_digits)));
    EXPECT_EQ(book().counters.stale_dropped, 1u);
    snapshot(); // the resubscription's snapshot
    EXPECT_EQ(book().counters.applied, 2u);
}

TEST_F(kraken_fixture, AnUpdateWithoutItsChecksumIsRejectedAndTheBookWaitsForASnapshot) {
    // v1 sends "c" with every update: without it the update cannot be verified.
    for (const std::string& frame :
         {std::string(R"([7,{"a":[["5.00000","0.50000000","2.0"]]},"book-10","XBT/USD"])"),
          std::string(R"([7,{"a":[["5.00000","0.50000000","2.0"]]},{"b":[["4.90000","0.00000000",)"
                      R"("2.1"]]},"book-10","XBT/USD"])")}) {
        snapshot();
        const std::string before = book_levels(book());
        const auto rejected = book().counters.rejected;
        send(frame);
        EXPECT_EQ(book_levels(book()), before) << frame; // never applied unverified
        EXPECT_EQ(book().health, book_health::stale_checksum) << frame;
        EXPECT_EQ(book().counters.rejected, rejected + 1) << frame;
        EXPECT_TRUE(logged("book update without checksum \"c\"")) << frame;
        send(update(R"({"a":[["5.00000","1.00000000","3.0"]]})", crc_of(snapshot_digits)));
        EXPECT_EQ(book().health, book_health::stale_checksum); // dropped until the snapshot
    }
    snapshot();
    EXPECT_EQ(book().health, book_health::live);
}

TEST_F(kraken_fixture, AChecksumOfZeroIsVerifiedLikeAnyOther) {
    snapshot();
    send(update(R"({"a":[["5.00000","1.00000000","3.0"]]})", 0));
    EXPECT_EQ(book().health, book_health::stale_checksum);
    EXPECT_EQ(book().counters.checksum_fail, 1u);
}

TEST_F(kraken_fixture, LostUpdateIsCaughtByTheNextChecksum) {
    snapshot();
    // The venue applied "5.0 -> 0.5" (lost here) and then "5.1 -> 2.5": its checksum covers both.
    send(update(R"({"a":[["5.10000","2.50000000","2.0"]]})", crc_of("50000050000000"
                                                                    "510000250000000"
                                                                    "490000300000000"
                                                                    "480000400000000")));
    EXPECT_EQ(book().health, book_health::stale_checksum);
    EXPECT_EQ(book().counters.checksum_fail, 1u);
}

TEST_F(kraken_fixture, DuplicateUpdateIsIdempotent) {
    snapshot();
    const std::string u =
        update(R"({"a":[["5.00000","0.50000000","2.0"]]})", crc_of("50000050000000"
                                                                   "510000200000000"
                                                                   "490000300000000"
                                                                   "480000400000000"));
    send(u);
    send(u); // absolute volumes: a repeated level changes nothing, and the checksum agrees
    EXPECT_EQ(book().counters.checksum_ok, 2u);
    EXPECT_EQ(book().health, book_health::live);
}

TEST_F(kraken_fixture, CrossedBookIsFlaggedStale) {
    snapshot();
    send(update(R"({"b":[["5.20000","1.00000000","2.0"]]})", crc_of("500000100000000"
                                                                    "510000200000000"
                                                                    "520000100000000"
                                                                    "490000300000000"
                                                                    "480000400000000")));
    EXPECT_EQ(book().counters.checksum_ok, 1u); // the venue's own (crossed) book
    EXPECT_EQ(book().counters.crossed, 1u);
    EXPECT_EQ(book().health, book_health::stale_crossed);
    EXPECT_FALSE(book().tradable());
    EXPECT_TRUE(logged("crossed"));
}

TEST_F(kraken_fixture, MalformedFramesAreCountedAndNeverTouchTheBook) {
    const bad_frame cases[] = {
        {"truncated", R"([7,{"a":[["5.00000","0.5)", "invalid JSON", false, false},
        {"invalid JSON", R"([7,{"a":[]},"book-10","XBT/USD")", "invalid JSON", false, false},
        // Invalid JSON is rejected before the book is known; the next checksum catches the loss.
        {"missing comma in a level", R"([7,{"a":[["5.00000" "0.5","1"]]},"book-10","XBT/USD"])",
         "invalid JSON", false, false},
        {"scalar document", R"("book")", "neither an event object nor a channel array", false,
         false},
        {"neither array nor object", R"(["book"])", "without channel name", false, false},
        {"no channel name", R"([7,{"a":[]}])", "without channel name", false, false},
        {"levels not an array", R"([7,{"a":{"p":"5.0"},"c":"1"},"book-10","XBT/USD"])",
         "levels are not", true, true},
        {"level not an array", R"([7,{"a":["5.0"],"c":"1"},"book-10","XBT/USD"])", "levels are not",
         true, true},
        {"channelID a string", R"(["7",{"a":[],"c":"1"},"book-10","XBT/USD"])", "channelID", true,
         true},
        {"checksum a number", R"([7,{"a":[],"c":1},"book-10","XBT/USD"])", "checksum", true, true},
        {"checksum over 32 bits", R"([7,{"a":[],"c":"4294967296"},"book-10","XBT/USD"])",
         "checksum", true, true},
        {"negative price", R"([7,{"a":[["-5.00000","1.0","1"]],"c":"1"},"book-10","XBT/USD"])",
         "negative", true, true},
        {"negative volume", R"([7,{"b":[["4.90000","-1.0","1"]],"c":"1"},"book-10","XBT/USD"])",
         "negative", true, true},
        {"NaN price", R"([7,{"a":[["NaN","1.0","1"]],"c":"1"},"book-10","XBT/USD"])",
         "not a decimal", true, true},
        {"overflowing volume",
         R"([7,{"a":[["5.00000","99999999999999999999.0","1"]],"c":"1"},"book-10","XBT/USD"])",
         "out of range", true, true},
        {"off-tick price", R"([7,{"a":[["5.05000","1.0","1"]],"c":"1"},"book-10","XBT/USD"])",
         "more decimals", true, true},
        {"snapshot and update", R"([7,{"as":[],"a":[]},"book-10","XBT/USD"])",
         "snapshot and update", true, true},
        {"no levels", R"([7,{"c":"1"},"book-10","XBT/USD"])", "without as/bs", true, true},
        {"depth changed", R"([7,{"a":[],"c":"1"},"book-25","XBT/USD"])", "another depth", true,
         true},
        {"event without name", R"({"status":"online"})", "without \"event\"", false, false},
    };
    for (const auto& c : cases) {
        expect_rejected(c, [this] { snapshot(); });
    }
}

TEST_F(kraken_fixture, NonBookMessagesAreIgnored) {
    snapshot();
    send(R"({"event":"heartbeat"})");
    send(R"({"connectionID":1,"event":"systemStatus","status":"online","version":"1.8.3"})");
    send(R"([8,[["5.00000","0.1","1.0","s","l",""]],"trade","XBT/USD"])");
    send(R"([9,{"a":["5.1",1,"1.0"],"b":["4.9",1,"1.0"],"c":["5.0","0.1"]},"ticker","XBT/USD"])");
    EXPECT_EQ(log.total(), 0u);
    EXPECT_EQ(book().counters.messages, 1u);
}

TEST_F(kraken_fixture, NewConnectionResyncs) {
    snapshot();
    connect();
    EXPECT_EQ(book().health, book_health::syncing);
    send(update(R"({"a":[["5.00000","1.00000000","3.0"]]})", crc_of(snapshot_digits)));
    EXPECT_EQ(book().counters.stale_dropped, 1u);
    snapshot();
}

// The guide's levels as checksum digits, by hand: "45285.2" "0.00100000" -> "452852" "100000".
const std::string guide_asks =
    join({"452852",    "100000",   "452864",   "154571953", "452866",    "154571109", "452896",
          "154560911", "452902",   "15890660", "452918",    "154553491", "452947",    "4454749",
          "452961",    "35380000", "452975",   "9945542",   "452995",    "18772827"});
// Bids below the best (45283.5 0.1), best first, down to the tenth (45276.6).
const std::string guide_bids_after_best =
    join({"452834", "154582015", "452821", "10000000", "452810", "10000000", "452803", "154592586",
          "452790", "7990000", "452776", "3310103", "452775", "30000000", "452773", "154602737"});
const std::string guide_tenth_bid = join({"452766", "15445238"});

// WS v2: the guide's pair, price precision 1, qty precision 8.
struct kraken_v2_fixture : venue_fixture<kraken_v2_feed> {
    kraken_v2_fixture()
        : venue_fixture(pair_toml("kraken_v2", "BTC/USD"), "BTC/USD", "wss://ws.kraken.com/v2") {}
    const std::string docs_example = read_text("kraken/KRAKEN_v2_docs_book_example.json");
    std::string update(std::string_view bids, std::string_view asks, std::uint32_t crc) {
        return R"({"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[)" +
               std::string(bids) + R"(],"asks":[)" + std::string(asks) + R"(],"checksum":)" +
               std::to_string(crc) + R"(,"timestamp":"2023-10-06T17:35:56.000000Z"}]})";
    }
};

TEST_F(kraken_v2_fixture, GuideExampleChecksumMatches) {
    send(docs_example);
    ASSERT_NE(find(), nullptr);
    const auto& b = book();
    EXPECT_EQ(b.health, book_health::live);
    EXPECT_EQ(b.counters.checksum_ok, 1u); // 3310070434 in the guide
    EXPECT_EQ(b.counters.checksum_fail, 0u);
    EXPECT_EQ(b.counters.applied, 1u);
    EXPECT_EQ(b.depth_limit, kraken_v2_feed::default_depth);
    EXPECT_EQ(b.book.depth(side::bid), 10u);
    EXPECT_EQ(b.book.depth(side::ask), 10u);
    EXPECT_EQ(b.spec->format_price(b.book.best_bid().px), "45283.5");
    EXPECT_EQ(b.spec->format_qty(b.book.best_bid().sz), "0.1");
    EXPECT_EQ(b.spec->format_price(b.book.best_ask().px), "45285.2");
    EXPECT_EQ(b.spec->format_qty(b.book.best_ask().sz), "0.001");
    // Regression value pinned from Ballast's replay; the venue's checksum above is the check.
    EXPECT_EQ(crc_of(book_levels(b)), 3925016375u);
    EXPECT_EQ(log.total(), 0u);
}

TEST_F(kraken_v2_fixture, GuideExampleWithAnotherChecksumIsNotApplied) {
    std::string frame = docs_example;
    frame.replace(frame.find("3310070434"), 10, "3310070435");
    send(frame);
    ASSERT_NE(find(), nullptr);
    EXPECT_EQ(book().counters.checksum_fail, 1u);
    EXPECT_EQ(book().health, book_health::stale_checksum);
    EXPECT_TRUE(book().book.empty(side::bid));
    EXPECT_TRUE(logged("checksum mismatch"));
}

TEST_F(kraken_v2_fixture, UpdateIsVerifiedWithThePairsPrecision) {
    send(docs_example);
    // Delete the best bid: the ten bids are the nine below it.
    const std::string digits = guide_asks + guide_bids_after_best + guide_tenth_bid;
    send(update(R"({"price":45283.5,"qty":0.00000000})", "", crc_of(digits)));
    EXPECT_EQ(book().counters.checksum_ok, 2u);
    EXPECT_EQ(book().book.depth(side::bid), 9u);
    EXPECT_EQ(book().spec->format_price(book().book.best_bid().px), "45283.4");
}

TEST_F(kraken_v2_fixture, EveryEntryOfAFrameIsAppliedInOrder) {
    // Two entries for the book in one frame: the first deletes the best bid, the second changes
    // nothing; each is verified against the book the one before it left.
    send(docs_example);
    const std::string crc =
        std::to_string(crc_of(guide_asks + guide_bids_after_best + guide_tenth_bid));
    send(R"({"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[)"
         R"({"price":45283.5,"qty":0}],"asks":[],"checksum":)" +
         crc + R"(},{"symbol":"BTC/USD","bids":[],"asks":[],"checksum":)" + crc + "}]}");
    EXPECT_EQ(book().counters.checksum_ok, 3u);
    EXPECT_EQ(book().counters.checksum_fail, 0u);
    EXPECT_EQ(book().book.depth(side::bid), 9u);
    EXPECT_EQ(log.total(), 0u);
}

TEST_F(kraken_v2_fixture, DepthComesFromTheSubscription) {
    send(R"({"method":"subscribe","result":{"channel":"book","depth":25,"snapshot":true,)"
         R"("symbol":"BTC/USD"},"success":true,"time_in":"x","time_out":"y"})");
    send(docs_example);
    EXPECT_EQ(book().depth_limit, 25u);

    reset();
    padded_frame sent(
        R"({"method":"subscribe","params":{"channel":"book","symbol":["BTC/USD"],"depth":100}})", 1,
        "wss://ws.kraken.com/v2");
    feed->on_sent(sent.frame);
    send(docs_example);
    EXPECT_EQ(book().depth_limit, 100u);
}

TEST_F(kraken_v2_fixture, BetterLevelPushesTheWorstOutOfTheSubscribedDepth) {
    // Bids 9.8 .. 8.9 (ten, qty 1), ask 10.0 qty 2; digits: "98" "100000000", ...
    std::string bids;
    std::string bid_digits;
    for (int tenths = 98; tenths >= 89; --tenths) {
        const std::string px = std::to_string(tenths / 10) + "." + std::to_string(tenths % 10);
        bids += std::string(bids.empty() ? "" : ",") + "{\"price\":" + px + ",\"qty\":1}";
        bid_digits += std::to_string(tenths) + "100000000";
    }
    const std::string ask_digits = join({"100", "200000000"});
    send(R"({"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD","bids":[)" + bids +
         R"(],"asks":[{"price":10.0,"qty":2}],"checksum":)" +
         std::to_string(crc_of(ask_digits + bid_digits)) + "}]}");
    ASSERT_EQ(book().health, book_health::live);
    ASSERT_EQ(book().counters.checksum_ok, 1u);
    // A better bid 9.9: eleven bids until the cut to ten drops 8.9.
    const std::string after =
        ask_digits + join({"99", "100000000"}) + bid_digits.substr(0, bid_digits.size() - 11);
    send(update(R"({"price":9.9,"qty":1})", "", crc_of(after)));
    EXPECT_EQ(book().counters.checksum_ok, 2u);
    EXPECT_EQ(book().book.depth(side::bid), 10u);
    EXPECT_EQ(book().spec->format_price(book().book.at(side::bid, 9).px), "9");
}

TEST_F(kraken_v2_fixture, CrossedBookIsFlaggedStale) {
    send(docs_example);
    // A bid above the best ask: the venue's checksum covers the crossed book.
    const std::string digits =
        guide_asks + join({"452900", "100000000", "452835", "10000000"}) + guide_bids_after_best;
    send(update(R"({"price":45290.0,"qty":1})", "", crc_of(digits)));
    EXPECT_EQ(book().counters.checksum_ok, 2u);
    EXPECT_EQ(book().counters.crossed, 1u);
    EXPECT_EQ(book().health, book_health::stale_crossed);
}

TEST_F(kraken_v2_fixture, MalformedFramesAreCountedAndNeverTouchTheBook) {
    auto entry = [](std::string_view body) {
        return R"({"channel":"book","type":"update","data":[{"symbol":"BTC/USD",)" +
               std::string(body) + "}]}";
    };
    const bad_frame cases[] = {
        {"truncated",
         R"({"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"pr)",
         "invalid JSON", false, false},
        {"invalid JSON after the channel", R"({"channel":"book",,"type":"update"})", "invalid JSON",
         false, false},
        {"not an object", "[1,2,3]", "invalid JSON", false, false},
        {"unknown type", R"({"channel":"book","type":"delta","data":[]})", "type", false, false},
        {"data not an array", R"({"channel":"book","type":"update","data":{}})", "data", false,
         false},
        {"entry not an object", R"({"channel":"book","type":"update","data":[1]})", "entry", false,
         false},
        {"no symbol", R"({"channel":"book","type":"update","data":[{"bids":[]}]})", "symbol", false,
         false},
        {"price as string", entry(R"("bids":[{"price":"45283.5","qty":1}],"asks":[],"checksum":1)"),
         "level is not", true, true},
        {"qty missing", entry(R"("bids":[{"price":45283.5}],"asks":[],"checksum":1)"),
         "level is not", true, true},
        {"bids not an array", entry(R"("bids":{},"asks":[],"checksum":1)"), "bids", true, true},
        {"no checksum", entry(R"("bids":[],"asks":[])"), "checksum", true, true},
        {"checksum over 32 bits", entry(R"("bids":[],"asks":[],"checksum":4294967296)"), "checksum",
         true, true},
        {"checksum negative", entry(R"("bids":[],"asks":[],"checksum":-1)"), "checksum", true,
         true},
        {"negative price", entry(R"("bids":[{"price":-45283.5,"qty":1}],"asks":[],"checksum":1)"),
         "negative", true, true},
        {"negative qty", entry(R"("bids":[{"price":45283.5,"qty":-1}],"asks":[],"checksum":1)"),
         "negative", true, true},
        // NaN and 1e400 are not valid JSON numbers: rejected by the frame validator before the
        // book is known; the next checksum catches the lost update.
        {"NaN qty", entry(R"("bids":[{"price":45283.5,"qty":NaN}],"asks":[],"checksum":1)"),
         "invalid JSON", false, false},
        {"overflowing price", entry(R"("bids":[{"price":1e400,"qty":1}],"asks":[],"checksum":1)"),
         "invalid JSON", false, false},
        {"off-tick price", entry(R"("bids":[{"price":45283.55,"qty":1}],"asks":[],"checksum":1)"),
         "more decimals", true, true},
        {"too precise qty",
         entry(R"("bids":[{"price":45283.5,"qty":0.000000001}],"asks":[],"checksum":1)"),
         "more decimals", true, true},
        // The frame is read in one walk: what it does not use is checked too, before any book
        // is touched, whatever entry it is in.
        {"a malformed field it does not use",
         entry(R"("bids":[],"asks":[],"checksum":1,"timestamp":[1,})"), "invalid JSON", false,
         false},
        {"a JSON error in a later entry",
         R"({"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[],"asks":[],)"
         R"("checksum":1},{"symbol":"BTC/USD","bids":[{"price":1,}]}]})",
         "invalid JSON", false, false},
        {"trailing content", entry(R"("bids":[],"asks":[],"checksum":1)") + " []", "invalid JSON",
         false, false},
        {"bids twice", entry(R"("bids":[],"asks":[],"bids":[],"checksum":1)"), "given twice", true,
         true},
        {"channel twice", R"({"channel":"book","channel":"book","type":"update","data":[]})",
         "given twice", false, false},
    };
    for (const auto& c : cases) {
        expect_rejected(c, [this] { send(docs_example); });
    }
}

TEST_F(kraken_v2_fixture, NonBookMessagesAndStaleUpdates) {
    send(R"({"channel":"heartbeat"})");
    send(R"({"channel":"status","type":"update","data":[{"system":"online"}]})");
    send(R"({"channel":"ticker","type":"update","data":[{"symbol":"BTC/USD","bid":1}]})");
    EXPECT_EQ(log.total(), 0u);
    EXPECT_EQ(find(), nullptr);
    send(docs_example);
    connect();
    EXPECT_EQ(book().health, book_health::syncing);
    send(update("", "", 0));
    EXPECT_EQ(book().counters.stale_dropped, 1u);
    EXPECT_EQ(book().counters.checksum_fail, 0u);
}

} // namespace
