// Golden replays of the real recordings in tests/data. The final books are regression values
// pinned from Ballast's own replay (no second implementation in this repository recomputes
// them); where a venue sends checksums, the pinned checksum_ok counts show the venue's own
// check agreed with the book after every message.
#include "feed/venues.hpp"
#include "feed_test_util.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace ballast;
using namespace ballast::test;

namespace {
struct expected_book {
    std::string_view venue, symbol;
    std::uint64_t messages, applied, checksum_ok;
    std::size_t bids, asks;
    std::string_view best_bid, best_bid_qty, best_ask, best_ask_qty;
};

void check(const feed::replay_session& s, const expected_book& e) {
    SCOPED_TRACE(std::string(e.venue) + " " + std::string(e.symbol));
    const auto* b = find_book(s, e.venue, e.symbol);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->health, feed::book_health::live);
    EXPECT_EQ(b->counters.messages, e.messages);
    EXPECT_EQ(b->counters.applied, e.applied);
    EXPECT_EQ(b->counters.gaps, 0u);
    EXPECT_EQ(b->counters.resyncs, 0u);
    EXPECT_EQ(b->counters.checksum_fail, 0u);
    EXPECT_EQ(b->counters.checksum_ok, e.checksum_ok);
    EXPECT_EQ(b->counters.rejected, 0u);
    EXPECT_EQ(b->book.depth(side::bid), e.bids);
    EXPECT_EQ(b->book.depth(side::ask), e.asks);
    EXPECT_EQ(b->spec->format_price(b->book.best_bid().px), e.best_bid);
    EXPECT_EQ(b->spec->format_qty(b->book.best_bid().sz), e.best_bid_qty);
    EXPECT_EQ(b->spec->format_price(b->book.best_ask().px), e.best_ask);
    EXPECT_EQ(b->spec->format_qty(b->book.best_ask().sz), e.best_ask_qty);
    EXPECT_FALSE(b->book.crossed());
}
} // namespace

TEST(CexReplay, BinanceSpotSnapshotProcedureSyncsWithoutGap) {
    auto s = replay({"binance/BINANCE.ws.1.0.txt", "binance/BINANCE.http.0.0.txt"});
    // 150 depth events + 1 snapshot; the first event is contained in the snapshot (u <=
    // lastUpdateId).
    check(*s, {"binance", "NKNUSDT", 151, 150, 0, 614, 994, "0.3527", "9602", "0.3531", "152"});
    EXPECT_EQ(find_book(*s, "binance", "NKNUSDT")->counters.stale_dropped, 1u);
    EXPECT_EQ(s->rejects().total(), 0u);
}

TEST(CexReplay, BinanceUsdmPuChainSyncsWithoutGap) {
    auto s = replay({"binance_usdm/BINANCE_FUTURES.ws.1.0.txt"}); // snapshot file found beside it
    check(*s,
          {"binance_usdm", "SUSHIUSDT", 256, 253, 0, 1006, 1000, "7.612", "303", "7.616", "267"});
    EXPECT_EQ(s->rejects().total(), 0u);
}

TEST(CexReplay, OkxEveryChecksumMatches) {
    auto s = replay({"okx/OKX.ws.1.0.txt"});
    // 1 snapshot + 92 updates, each with a CRC32 checksum over the top 25 levels' text.
    check(*s, {"okx", "UNI-USD-SWAP", 93, 93, 93, 125, 118, "5.137", "20", "5.145", "50"});
    EXPECT_EQ(s->rejects().total(), 0u);
}

TEST(CexReplay, BybitSpotAndLinearDeltasAreContiguous) {
    auto s = replay({"bybit/BYBIT.jsonl"});
    check(*s, {"bybit_linear", "BTCUSDT", 414, 414, 0, 200, 200, "65114.2", "5.974", "65114.3",
               "9.06"});
    check(*s,
          {"bybit_linear", "ETHUSDT", 421, 421, 0, 200, 200, "1922.54", "52", "1922.55", "19.25"});
    check(*s, {"bybit_spot", "BTCUSDT", 300, 300, 0, 200, 200, "65140.4", "0.622237", "65140.5",
               "0.606831"});
    check(*s, {"bybit_spot", "ETHUSDT", 250, 250, 0, 200, 200, "1923.28", "9.42925", "1923.29",
               "3.44935"});
    EXPECT_EQ(s->rejects().total(), 0u);
}

TEST(CexReplay, CoinbaseAdvancedSequenceIsContiguous) {
    auto s = replay({"coinbase/COINBASE_ADVANCED.jsonl"});
    check(*s, {"coinbase", "BTC-USD", 400, 400, 0, 18769, 27238, "65083.66", "0.23929087",
               "65083.67", "0.29040961"});
    check(*s, {"coinbase", "ETH-USD", 375, 375, 0, 6925, 16403, "1919.28", "0.14476526", "1919.38",
               "0.01194407"});
    EXPECT_EQ(s->rejects().total(), 0u);
}

TEST(CexReplay, LevelsBeyondABooksCapacityAreCountedNotLostSilently) {
    // At the venue's default capacity nothing is dropped (the recording's ask side reaches
    // 27,238 levels).
    auto full = replay({"coinbase/COINBASE_ADVANCED.jsonl"});
    const auto* whole = find_book(*full, "coinbase", "BTC-USD");
    ASSERT_NE(whole, nullptr);
    EXPECT_EQ(whole->counters.dropped_full, 0u);
    EXPECT_EQ(feed::book_capacity_of("coinbase", {}), whole->book.capacity());
    // A book of 1,000 levels a side holds at most 1,000 (fewer once updates delete held levels:
    // the refused ones do not come back) and counts every level it refused.
    feed::replay_options opt;
    opt.feed.book_capacity = 1000;
    auto cut = replay({"coinbase/COINBASE_ADVANCED.jsonl"}, opt);
    const auto* b = find_book(*cut, "coinbase", "BTC-USD");
    ASSERT_NE(b, nullptr);
    EXPECT_LE(b->book.depth(side::ask), 1000u);
    EXPECT_GT(b->book.depth(side::ask), 900u);
    EXPECT_GE(b->counters.dropped_full, 27238u - 1000u);
    EXPECT_EQ(feed::book_capacity_of("coinbase", opt.feed), 1000u);
    EXPECT_EQ(feed::book_capacity_of("no_such_venue", {}), 0u);
    // The best levels are the ones kept.
    EXPECT_EQ(b->book.best_ask().px, whole->book.best_ask().px);
}

TEST(CexReplay, AMalformedInstrumentListBesideARecordingIsReportedNotSkippedSilently) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(::testing::TempDir()) / "ballast_bad_companion_list";
    fs::remove_all(dir);
    fs::create_directories(dir);
    fs::copy_file(data_path("bybit/BYBIT.jsonl"), dir / "BYBIT.jsonl");
    std::ofstream(dir / "BYBIT_instruments_subset.json") << "{\"result\": {\"list\": [";
    feed::replay_session s(feed::replay_options{});
    ASSERT_EQ(s.add_file((dir / "BYBIT.jsonl").string()), std::nullopt);
    s.run();
    // The replay still runs (on derived scales) and the skipped list is a reject naming it.
    ASSERT_GE(s.rejects().total(), 1u);
    const auto& first = s.rejects().entries().front();
    EXPECT_EQ(first.venue, "instruments");
    EXPECT_NE(first.reason.find("BYBIT_instruments_subset.json"), std::string::npos)
        << first.reason;
    EXPECT_NE(first.reason.find("skipped"), std::string::npos) << first.reason;
    EXPECT_NE(find_book(s, "bybit_spot", "BTCUSDT"), nullptr);
    fs::remove_all(dir);
}

TEST(CexReplay, SymbolFilterKeepsOnlyRequestedBooks) {
    feed::replay_options opt;
    opt.symbols = {"ETHUSDT"};
    auto s = replay({"bybit/BYBIT.jsonl"}, opt);
    EXPECT_EQ(find_book(*s, "bybit_linear", "BTCUSDT"), nullptr);
    EXPECT_NE(find_book(*s, "bybit_linear", "ETHUSDT"), nullptr);
}

TEST(CexReplay, ReplayIsDeterministic) {
    auto a = replay({"okx/OKX.ws.1.0.txt"});
    auto b = replay({"okx/OKX.ws.1.0.txt"});
    EXPECT_EQ(book_hash(find_book(*a, "okx", "UNI-USD-SWAP")->book),
              book_hash(find_book(*b, "okx", "UNI-USD-SWAP")->book));
}
