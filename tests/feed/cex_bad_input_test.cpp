// Malformed, out-of-order, duplicate and hostile messages for the Binance, OKX, Bybit and
// Coinbase Advanced decoders: counted with a reason, never crash, never corrupt a book.
#include "feed/binance.hpp"
#include "feed/bybit.hpp"
#include "feed/coinbase.hpp"
#include "feed/instruments.hpp"
#include "feed/okx.hpp"
#include "feed/recording.hpp"
#include "feed_test_util.hpp"

#include <gtest/gtest.h>

using namespace ballast;
using namespace ballast::feed;
using namespace ballast::test;

namespace {

instrument_registry registry() {
    instrument_registry r;
    for (const char* list :
         {"binance/BINANCE.instruments.json", "binance_usdm/BINANCE_FUTURES.instruments.json",
          "okx/OKX.instruments.json", "coinbase_exchange/COINBASE.instruments.json"}) {
        EXPECT_FALSE(load_instrument_file(data_path(list), r));
    }
    const char* extra = R"(
[[instrument]]
venue = "bybit_linear"
symbol = "BTCUSDT"
kind = "linear_perp"
base = "BTC"
quote = "USDT"
tick = "0.1"
lot = "0.001"

[[instrument]]
venue = "coinbase"
symbol = "BTC-USD"
base = "BTC"
quote = "USD"
tick = "0.01"
lot = "0.00000001"
)";
    EXPECT_FALSE(load_instrument_toml(extra, "test", r));
    return r;
}

bool has_reason(const reject_log& log, std::string_view part) {
    for (const auto& e : log.entries()) {
        if (e.reason.find(part) != std::string::npos) {
            return true;
        }
    }
    return false;
}

struct bybit_fixture : ::testing::Test {
    instrument_registry reg = registry();
    reject_log log;
    bybit_feed feed{bybit_category::linear, reg, log};
    std::uint64_t line = 0;

    void send(std::string_view text) {
        padded_frame f(text, ++line);
        feed.on_frame(f.frame);
    }
    static std::string msg(std::string_view type, std::int64_t u, std::string_view bids,
                           std::string_view asks) {
        return std::string(R"({"topic":"orderbook.50.BTCUSDT","type":")") + std::string(type) +
               R"(","ts":1,"data":{"s":"BTCUSDT","b":)" + std::string(bids) + R"(,"a":)" +
               std::string(asks) + R"(,"u":)" + std::to_string(u) + R"(,"seq":9}})";
    }
    const venue_book& book() { return *feed.find_book("BTCUSDT"); }
};

} // namespace

TEST_F(bybit_fixture, SnapshotThenContiguousDeltas) {
    send(msg("snapshot", 100, R"([["100.0","1"],["99.9","2"]])", R"([["100.1","3"]])"));
    send(msg("delta", 101, R"([["100.0","0"]])", "[]"));
    send(msg("delta", 102, "[]", R"([["100.2","1.5"]])"));
    EXPECT_EQ(book().health, book_health::live);
    EXPECT_EQ(book().book.best_bid().px, price(999));
    EXPECT_EQ(book().book.depth(side::ask), 2u);
    EXPECT_EQ(book().counters.applied, 3u);
}

TEST_F(bybit_fixture, GapMarksStaleUntilNextSnapshot) {
    send(msg("snapshot", 100, R"([["100.0","1"]])", R"([["100.1","3"]])"));
    send(msg("delta", 102, R"([["99.0","1"]])", "[]"));
    EXPECT_EQ(book().health, book_health::stale_gap);
    EXPECT_EQ(book().counters.gaps, 1u);
    EXPECT_TRUE(has_reason(log, "sequence gap"));
    send(msg("delta", 103, R"([["98.0","1"]])", "[]"));
    EXPECT_EQ(book().counters.stale_dropped, 1u);
    send(msg("snapshot", 200, R"([["100.0","1"]])", R"([["100.1","3"]])"));
    EXPECT_EQ(book().health, book_health::live);
}

TEST_F(bybit_fixture, DuplicateDeltaIsDropped) {
    send(msg("snapshot", 100, R"([["100.0","1"]])", R"([["100.1","3"]])"));
    send(msg("delta", 101, R"([["99.0","1"]])", "[]"));
    const auto h = book_hash(book().book);
    send(msg("delta", 101, R"([["99.0","7"]])", "[]"));
    EXPECT_EQ(book_hash(book().book), h);
    EXPECT_EQ(book().health, book_health::live);
    EXPECT_EQ(book().counters.stale_dropped, 1u);
}

TEST_F(bybit_fixture, UEqualsOneIsARestartSnapshot) {
    send(msg("snapshot", 100, R"([["100.0","1"]])", R"([["100.1","3"]])"));
    send(msg("delta", 1, R"([["50.0","1"]])", R"([["50.1","1"]])"));
    EXPECT_EQ(book().health, book_health::live);
    EXPECT_EQ(book().book.depth(side::bid), 1u);
    EXPECT_EQ(book().book.best_bid().px, price(500));
}

TEST_F(bybit_fixture, MalformedLevelsNeverHalfApply) {
    send(msg("snapshot", 100, R"([["100.0","1"]])", R"([["100.1","3"]])"));
    const auto h = book_hash(book().book);
    for (const char* bad : {R"([["99.0","1"],["abc","1"]])", R"([["99.0","1"],["-5","1"]])",
                            R"([["99.0","1"],["NaN","1"]])", R"([["99.0","1"],["99.05","1"]])",
                            R"([["99.0","1"],["1e400","1"]])", R"([["99.0","-1"]])",
                            R"([["99.0",{}]])", R"([["99.0"]])", R"({"x":1})"}) {
        SCOPED_TRACE(bad);
        send(msg("delta", 101, bad, "[]"));
        EXPECT_EQ(book_hash(book().book), h); // untouched
        EXPECT_NE(book().health, book_health::live);
        send(msg("snapshot", 100, R"([["100.0","1"]])", R"([["100.1","3"]])"));
    }
    EXPECT_EQ(book().counters.rejected, 9u);
}

TEST_F(bybit_fixture, CrossedBookGoesStale) {
    send(msg("snapshot", 100, R"([["100.0","1"]])", R"([["100.1","3"]])"));
    send(msg("delta", 101, R"([["100.5","1"]])", "[]"));
    EXPECT_EQ(book().health, book_health::stale_crossed);
    EXPECT_FALSE(book().tradable());
}

TEST_F(bybit_fixture, TruncatedInvalidAndUnknownMessagesAreCounted) {
    send(msg("snapshot", 100, R"([["100.0","1"]])", R"([["100.1","3"]])"));
    const auto full = msg("delta", 101, R"([["99.0","1"]])", "[]");
    for (std::size_t cut : {std::size_t{1}, std::size_t{10}, full.size() / 2, full.size() - 1}) {
        send(full.substr(0, cut));
    }
    send("");
    send("[1,2,3]");
    send(
        R"({"topic":"orderbook.50.DOGEUSDT","type":"snapshot","data":{"s":"DOGEUSDT","b":[],"a":[],"u":1}})");
    send(R"({"topic":"orderbook.x.BTCUSDT","type":"delta","data":{}})");
    EXPECT_EQ(log.total(), 7u);
    // A symbol no instrument list names gets a book on a scale derived from its levels.
    ASSERT_NE(feed.find_book("DOGEUSDT"), nullptr);
    EXPECT_TRUE(feed.find_book("DOGEUSDT")->derived());
    EXPECT_EQ(book().book.best_bid().px, price(1000));
}

namespace {

void send_nknusdt_snapshot(binance_feed& feed, std::int64_t last_update_id) {
    padded_frame snap(R"({"lastUpdateId":)" + std::to_string(last_update_id) +
                          R"(,"bids":[["0.35000","10.0"]],"asks":[["0.35100","5.0"]]})",
                      1, "https://api.binance.com/api/v3/depth?symbol=NKNUSDT&limit=1000", true);
    feed.on_frame(snap.frame);
}

} // namespace

TEST(BinanceBadInput, GapAfterSnapshotForcesResync) {
    auto reg = registry();
    reject_log log;
    binance_feed feed(binance_market::spot, reg, log);
    send_nknusdt_snapshot(feed, 100);
    auto ev = [](std::int64_t U, std::int64_t u) {
        return R"({"stream":"nknusdt@depth@100ms","data":{"e":"depthUpdate","E":1,"s":"NKNUSDT","U":)" +
               std::to_string(U) + R"(,"u":)" + std::to_string(u) +
               R"(,"b":[["0.35010","1.0"]],"a":[]}})";
    };
    padded_frame old(ev(90, 100), 2); // contained in the snapshot
    feed.on_frame(old.frame);
    padded_frame first(ev(95, 105), 3); // U <= 101 <= u
    feed.on_frame(first.frame);
    padded_frame gap(ev(107, 110), 4); // U != 106
    feed.on_frame(gap.frame);
    const auto* b = feed.find_book("NKNUSDT");
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->counters.stale_dropped, 1u);
    EXPECT_EQ(b->counters.applied, 2u);
    EXPECT_EQ(b->counters.gaps, 1u);
    EXPECT_EQ(b->health, book_health::stale_gap);
    EXPECT_EQ(feed.snapshot_requests(), std::vector<std::string>{"NKNUSDT"});
    // Events keep arriving while the new snapshot is fetched; they are buffered and replayed.
    padded_frame e1(ev(111, 112), 5);
    feed.on_frame(e1.frame);
    padded_frame snap2(
        R"({"lastUpdateId":111,"bids":[["0.35000","10.0"]],"asks":[["0.35100","5.0"]]})", 6,
        "https://api.binance.com/api/v3/depth?symbol=NKNUSDT&limit=1000", true);
    feed.on_frame(snap2.frame);
    EXPECT_EQ(b->health, book_health::live);
    EXPECT_EQ(b->last_seq, 112);
    EXPECT_EQ(b->book.best_bid().px, price(35010));
}

TEST(BinanceBadInput, AnUpdateRejectedForItsSequenceFieldsMakesTheBookStale) {
    for (const std::string& fields :
         {std::string(R"("u":106)"), std::string(R"("U":106)"), std::string(R"("U":107,"u":106)"),
          std::string(R"("U":"x","u":106)")}) {
        auto reg = registry();
        reject_log log;
        binance_feed feed(binance_market::spot, reg, log);
        send_nknusdt_snapshot(feed, 100);
        const auto* b = feed.find_book("NKNUSDT");
        ASSERT_NE(b, nullptr);
        ASSERT_EQ(b->health, book_health::live);
        padded_frame bad(
            R"({"stream":"nknusdt@depth@100ms","data":{"e":"depthUpdate","E":1,"s":"NKNUSDT",)" +
                fields + R"(,"b":[],"a":[]}})",
            2);
        feed.on_frame(bad.frame);
        EXPECT_EQ(b->health, book_health::stale_gap) << fields;
        EXPECT_EQ(b->counters.rejected, 1u) << fields;
        ASSERT_FALSE(log.entries().empty());
        EXPECT_EQ(log.entries()[0].reason, "NKNUSDT: depthUpdate: missing or inconsistent U/u");
        EXPECT_EQ(feed.snapshot_requests(), std::vector<std::string>{"NKNUSDT"}) << fields;
    }
}

TEST(BinanceBadInput, UsdmFirstEventMustStraddleSnapshot) {
    auto reg = registry();
    reject_log log;
    binance_feed feed(binance_market::usdm, reg, log);
    padded_frame snap(
        R"({"lastUpdateId":100,"E":1,"T":1,"bids":[["7.500","10"]],"asks":[["7.600","5"]]})", 1,
        "https://fapi.binance.com/fapi/v1/depth?symbol=SUSHIUSDT&limit=1000", true);
    feed.on_frame(snap.frame);
    auto ev = [](std::int64_t U, std::int64_t u, std::int64_t pu) {
        return R"({"stream":"sushiusdt@depth@100ms","data":{"e":"depthUpdate","E":1,"T":1,"s":"SUSHIUSDT","U":)" +
               std::to_string(U) + R"(,"u":)" + std::to_string(u) + R"(,"pu":)" +
               std::to_string(pu) + R"(,"b":[["7.510","1"]],"a":[]}})";
    };
    padded_frame a(ev(98, 103, 97), 2);
    feed.on_frame(a.frame);
    padded_frame b2(ev(104, 108, 103), 3);
    feed.on_frame(b2.frame);
    padded_frame gap(ev(110, 112, 109), 4);
    feed.on_frame(gap.frame);
    const auto* b = feed.find_book("SUSHIUSDT");
    EXPECT_EQ(b->counters.applied, 3u);
    EXPECT_EQ(b->counters.gaps, 1u);
    EXPECT_TRUE(has_reason(log, "pu != previous u"));
}

TEST(BinanceBadInput, SnapshotErrorsNameTheField) {
    auto reg = registry();
    reject_log log;
    binance_feed feed(binance_market::spot, reg, log);
    padded_frame bad(R"({"bids":[],"asks":[]})", 1,
                     "https://api.binance.com/api/v3/depth?symbol=NKNUSDT", true);
    feed.on_frame(bad.frame);
    EXPECT_TRUE(has_reason(log, "lastUpdateId"));
    padded_frame unknown(R"({"lastUpdateId":1,"bids":[],"asks":[]})", 2,
                         "https://api.binance.com/api/v3/depth?symbol=FOOBAR", true);
    feed.on_frame(unknown.frame);
    ASSERT_NE(feed.find_book("FOOBAR"), nullptr); // not listed: a derived scale, not a reject
    EXPECT_TRUE(feed.find_book("FOOBAR")->derived());
    padded_frame no_symbol(R"({"lastUpdateId":1,"bids":[],"asks":[]})", 3,
                           "https://api.binance.com/api/v3/depth", true);
    feed.on_frame(no_symbol.frame);
    EXPECT_TRUE(has_reason(log, "symbol="));
}

TEST(OkxBadInput, ChecksumMismatchMarksStale) {
    auto reg = registry();
    reject_log log;
    okx_feed feed(reg, log);
    padded_frame snap(
        R"({"arg":{"channel":"books","instId":"UNI-USD-SWAP"},"action":"snapshot","data":[{"asks":[["5.148","60","0","1"]],"bids":[["5.14","427","0","4"]],"ts":"1","checksum":-442898157}]})",
        1);
    feed.on_frame(snap.frame);
    const auto* b = feed.find_book("UNI-USD-SWAP");
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->health, book_health::live);
    EXPECT_EQ(b->counters.checksum_ok, 1u); // CRC32 of "5.14:427:5.148:60" as int32
    padded_frame upd(
        R"({"arg":{"channel":"books","instId":"UNI-USD-SWAP"},"action":"update","data":[{"asks":[],"bids":[["5.13","1","0","1"]],"ts":"2","checksum":12345}]})",
        2);
    feed.on_frame(upd.frame);
    EXPECT_EQ(b->counters.checksum_fail, 1u);
    EXPECT_EQ(b->health, book_health::stale_checksum);
}

TEST(OkxBadInput, AMissingChecksumIsARejectAndTheBookGoesStale) {
    auto reg = registry();
    reject_log log;
    okx_feed feed(reg, log);
    const std::string snap_text =
        R"({"arg":{"channel":"books","instId":"UNI-USD-SWAP"},"action":"snapshot","data":[{"asks":[["5.148","60","0","1"]],"bids":[["5.14","427","0","4"]],"ts":"1"CHECKSUM}]})";
    const auto with = [&](const std::string& checksum) {
        auto t = snap_text;
        return t.replace(t.find("CHECKSUM"), 8, checksum);
    };
    // A snapshot without a checksum on `books`: rejected, the book never goes live.
    padded_frame no_sum(with(""), 1);
    feed.on_frame(no_sum.frame);
    const auto* b = feed.find_book("UNI-USD-SWAP");
    ASSERT_NE(b, nullptr);
    EXPECT_NE(b->health, book_health::live);
    EXPECT_EQ(b->counters.rejected, 1u);
    ASSERT_GE(log.entries().size(), 1u); // then the stale report
    EXPECT_EQ(log.entries()[0].reason,
              "UNI-USD-SWAP: book message without checksum (this channel always sends one)");
    // 0 is a checksum like any other: verified, and here wrong.
    padded_frame zero(with(R"(,"checksum":0)"), 2);
    feed.on_frame(zero.frame);
    EXPECT_EQ(b->counters.checksum_fail, 1u);
    EXPECT_EQ(b->health, book_health::stale_checksum);
    padded_frame good(with(R"(,"checksum":-442898157)"), 3);
    feed.on_frame(good.frame);
    EXPECT_EQ(b->health, book_health::live);
    EXPECT_EQ(b->counters.checksum_ok, 1u);
    // An update without its checksum: rejected, stale until the next snapshot.
    padded_frame upd(
        R"({"arg":{"channel":"books","instId":"UNI-USD-SWAP"},"action":"update","data":[{"asks":[],"bids":[["5.13","1","0","1"]],"ts":"2"}]})",
        4);
    feed.on_frame(upd.frame);
    EXPECT_EQ(b->health, book_health::stale_checksum);
    EXPECT_EQ(b->counters.rejected, 2u);
    padded_frame later(
        R"({"arg":{"channel":"books","instId":"UNI-USD-SWAP"},"action":"update","data":[{"asks":[],"bids":[["5.12","1","0","1"]],"ts":"3","checksum":1}]})",
        5);
    feed.on_frame(later.frame);
    EXPECT_EQ(b->health, book_health::stale_checksum); // dropped until resynced
    feed.on_frame(good.frame);
    EXPECT_EQ(b->health, book_health::live);
    // books5 sends full books without a checksum: accepted.
    padded_frame five(
        R"({"arg":{"channel":"books5","instId":"UNI-USD-SWAP"},"data":[{"asks":[["5.148","60","0","1"]],"bids":[["5.14","427","0","4"]],"ts":"4"}]})",
        6);
    feed.on_frame(five.frame);
    EXPECT_EQ(b->health, book_health::live);
}

TEST(OkxBadInput, ABadLevelNamesItsValue) {
    auto reg = registry();
    reject_log log;
    okx_feed feed(reg, log);
    std::uint64_t line = 0;
    for (const auto& [px, reason] :
         std::vector<std::pair<std::string, std::string>>{{"abc", "ask price \"abc\": "},
                                                          {"", "ask price \"\": "},
                                                          {"-5", "ask price \"-5\": "},
                                                          {"1e999", "ask price \"1e999\": "}}) {
        padded_frame f(
            R"({"arg":{"channel":"books","instId":"UNI-USD-SWAP"},"action":"snapshot","data":[{"asks":[[")" +
                px + R"(","60","0","1"]],"bids":[["5.14","427","0","4"]],"ts":"1","checksum":1}]})",
            ++line);
        feed.on_frame(f.frame);
        ASSERT_GE(log.entries().size(), 2u); // the reject, then the stale report
        const auto& got = log.entries()[log.entries().size() - 2].reason;
        EXPECT_EQ(got.rfind("UNI-USD-SWAP: " + reason, 0), 0u) << got;
        EXPECT_EQ(got.find("  "), std::string::npos) << got;
    }
}

TEST(OkxBadInput, SeqIdChainKeepAliveResetAndGap) {
    auto reg = registry();
    reject_log log;
    okx_feed feed(reg, log);
    // The checksums are CRC32 of the book after each message ("5.1:1:5.2:1", ...) as int32.
    auto m = [](std::string_view action, std::int64_t prev, std::int64_t seq, std::string_view bids,
                std::int64_t checksum) {
        return std::string(R"({"arg":{"channel":"books","instId":"UNI-USD-SWAP"},"action":")") +
               std::string(action) + R"(","data":[{"asks":[["5.2","1","0","1"]],"bids":)" +
               std::string(bids) + R"(,"ts":"1","checksum":)" + std::to_string(checksum) +
               R"(,"prevSeqId":)" + std::to_string(prev) + R"(,"seqId":)" + std::to_string(seq) +
               "}]}";
    };
    std::uint64_t line = 0;
    auto send = [&](const std::string& t) {
        padded_frame f(t, ++line);
        feed.on_frame(f.frame);
    };
    send(m("snapshot", -1, 10, R"([["5.1","1","0","1"]])", -1624738658));
    send(m("update", 10, 11, R"([["5.11","1","0","1"]])", 668671403));
    send(m("update", 11, 11, "[]", 668671403)); // keep-alive
    send(m("update", 11, 3, R"([["5.12","1","0","1"]])",
           -1861710951)); // sequence reset: seqId < prevSeqId
    const auto* b = feed.find_book("UNI-USD-SWAP");
    EXPECT_EQ(b->health, book_health::live);
    EXPECT_EQ(b->last_seq, 3);
    EXPECT_EQ(b->counters.applied, 4u);
    send(m("update", 7, 8, R"([["5.13","1","0","1"]])", 0)); // gap
    EXPECT_EQ(b->health, book_health::stale_gap);
    EXPECT_EQ(b->counters.gaps, 1u);
}

TEST(CoinbaseBadInput, SequenceGapOnAnyChannelStalesBooks) {
    auto reg = registry();
    reject_log log;
    coinbase_feed feed(reg, log);
    std::uint64_t line = 0;
    auto send = [&](const std::string& t) {
        padded_frame f(t, ++line);
        feed.on_frame(f.frame);
    };
    send(
        R"({"channel":"l2_data","timestamp":"t","sequence_num":0,"events":[{"type":"snapshot","product_id":"BTC-USD","updates":[{"side":"bid","event_time":"t","price_level":"100.00","new_quantity":"1"},{"side":"offer","event_time":"t","price_level":"100.01","new_quantity":"2"}]}]})");
    send(R"({"channel":"heartbeats","sequence_num":1,"events":[]})");
    send(
        R"({"channel":"l2_data","sequence_num":2,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","event_time":"t","price_level":"99.99","new_quantity":"3"}]}]})");
    const auto* b = feed.find_book("BTC-USD");
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->health, book_health::live);
    EXPECT_EQ(b->book.depth(side::bid), 2u);
    send(R"({"channel":"ticker","sequence_num":2,"events":[]})"); // duplicate: ignored
    EXPECT_EQ(b->health, book_health::live);
    send(R"({"channel":"ticker","sequence_num":5,"events":[]})"); // gap on another channel
    EXPECT_EQ(b->health, book_health::stale_gap);
    send(
        R"({"channel":"l2_data","sequence_num":6,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","event_time":"t","price_level":"99.98","new_quantity":"3"}]}]})");
    EXPECT_EQ(b->counters.stale_dropped, 1u);
    EXPECT_EQ(b->book.depth(side::bid), 2u);
    send(
        R"({"channel":"l2_data","sequence_num":7,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"sideways","price_level":"1","new_quantity":"1"}]}]})");
    EXPECT_TRUE(has_reason(log, "bid/offer"));
}

TEST(BookHealth, SilenceMarksStaleUntilResnapshot) {
    auto reg = registry();
    reject_log log;
    feed_options opt;
    opt.max_silence_ns = 5'000'000'000; // 5 s
    bybit_feed feed(bybit_category::linear, reg, log, opt);
    padded_frame snap(
        R"({"topic":"orderbook.50.BTCUSDT","type":"snapshot","data":{"s":"BTCUSDT","b":[["100.0","1"]],"a":[["100.1","1"]],"u":7}})",
        1);
    snap.frame.ts = timestamp_ns{1'000'000'000};
    feed.on_frame(snap.frame);
    const auto* b = feed.find_book("BTCUSDT");
    feed.check_silence(timestamp_ns{5'900'000'000});
    EXPECT_EQ(b->health, book_health::live);
    feed.check_silence(timestamp_ns{6'100'000'000});
    EXPECT_EQ(b->health, book_health::stale_silence);
    EXPECT_FALSE(b->tradable());
    EXPECT_EQ(b->counters.resyncs, 1u);
    snap.frame.ts = timestamp_ns{7'000'000'000};
    feed.on_frame(snap.frame);
    EXPECT_EQ(b->health, book_health::live);
}

TEST(BookHealth, ListenerMirrorsEveryChange) {
    // A mirror built only from listener calls (what the engine thread sees through its queue)
    // equals the decoder's own book after the whole recording.
    struct mirror final : book_listener {
        l2_book book{8192};
        void on_clear(const venue_book& b) noexcept override {
            if (b.symbol() == "BTCUSDT") {
                book.clear();
            }
        }
        void on_level(const venue_book& b, side s, price px, qty sz) noexcept override {
            if (b.symbol() == "BTCUSDT") {
                book.set_level(s, px, sz);
            }
        }
        void on_update(const venue_book&, timestamp_ns) noexcept override {}
    } m;
    instrument_registry reg;
    ASSERT_FALSE(load_instrument_file(data_path("bybit/BYBIT_instruments_subset.json"), reg));
    reject_log log;
    bybit_feed feed(bybit_category::spot, reg, log);
    feed.set_listener(&m);
    recording_reader r;
    ASSERT_FALSE(r.open(data_path("bybit/BYBIT.jsonl")));
    std::size_t frames = 0;
    while (auto f = r.next()) {
        if (f->kind == frame_kind::received && f->conn == "BYBIT.ws.3") {
            feed.on_frame({f->data, f->ts, f->line, f->url, 0, false});
            ++frames;
        }
    }
    const auto* b = feed.find_book("BTCUSDT");
    ASSERT_NE(b, nullptr);
    EXPECT_GT(frames, 100u);
    EXPECT_EQ(b->counters.applied, 300u);
    EXPECT_EQ(book_hash(m.book), book_hash(b->book));
    EXPECT_EQ(m.book.depth(side::bid), 200u);
}
