// Deribit book.*.raw: golden replay of the real recording (the change_id chain) and every
// malformed, duplicate, out-of-order and gapped variant on hand-written frames.
#include "feed/deribit.hpp"
#include "venue_golden.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

using namespace ballast;
using namespace ballast::feed;
using namespace ballast::test;

namespace {

// DERIBIT.0.txt holds one get_instruments reply per line (BTC, ETH, SOL, USDC); each is handed
// over as a file of its own, so every currency's reply is checked to load by itself.
std::vector<std::string> instrument_lines() {
    std::ifstream in(data_path("deribit/DERIBIT.0.txt"));
    std::vector<std::string> paths;
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with("https://")) {
            paths.push_back(::testing::TempDir() + "/deribit_instruments_" +
                            std::to_string(paths.size()) + ".txt");
            std::ofstream(paths.back()) << line << "\n";
        }
    }
    return paths;
}

TEST(DeribitReplay, ChangeIdChainHasNoGap) {
    replay_options opt;
    opt.instrument_files = instrument_lines();
    ASSERT_EQ(opt.instrument_files.size(), 4u);
    auto s = replay({"deribit/DERIBIT.ws.1.0.txt"}, opt);
    EXPECT_EQ(s->rejects().total(), 0u); // ticker.* is not a book message
    const golden_book books[] = {
        {"ETH-30JUL21-2800-C", 2, 3, 13, "0.0015", "4737", "0.0025", "873", 1389400519u},
        {"BTC-31DEC21-300000-C", 2, 8, 19, "0.005", "2.1", "0.0055", "4", 199689629u},
        {"BTC-24SEP21-34000-P", 2, 7, 6, "0.1555", "0.8", "0.1585", "11.2", 682613512u},
    };
    const std::int64_t last_change_id[] = {13169031288, 33195896452, 33195897416};
    for (std::size_t i = 0; i < std::size(books); ++i) {
        expect_golden(*s, "deribit", books[i]); // a snapshot and one chained change each
        const auto* b = find_book(*s, "deribit", books[i].symbol);
        ASSERT_NE(b, nullptr);
        EXPECT_EQ(b->last_seq, last_change_id[i]);
    }
}

// BTC-PERPETUAL with tick 0.5 and lot 10 (USD).
struct deribit_fixture : venue_fixture<deribit_feed> {
    deribit_fixture()
        : venue_fixture(R"(
[[instrument]]
venue = "deribit"
symbol = "BTC-PERPETUAL"
kind = "inverse_perp"
base = "BTC"
quote = "USD"
tick = "0.5"
lot = "10"
)",
                        "BTC-PERPETUAL", "wss://www.deribit.com/ws/api/v2") {}
    static std::string book_frame(std::string_view data,
                                  std::string_view channel = "book.BTC-PERPETUAL.raw") {
        return R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":")" +
               std::string(channel) + R"(","data":)" + std::string(data) + "}}";
    }
    // bids 100/1000, 99.5/500; asks 101/200, 101.5/300; change_id 100
    void snapshot() {
        send(book_frame(R"({"type":"snapshot","timestamp":1,"instrument_name":"BTC-PERPETUAL",)"
                        R"("change_id":100,"bids":[["new",100.0,1000.0],["new",99.5,500]],)"
                        R"("asks":[["new",101.0,200.0],["new",101.5,300.0]]})"));
    }
    static std::string change(std::int64_t prev, std::int64_t id, std::string_view bids,
                              std::string_view asks = "") {
        return book_frame(
            R"({"type":"change","timestamp":2,"prev_change_id":)" + std::to_string(prev) +
            R"(,"instrument_name":"BTC-PERPETUAL","change_id":)" + std::to_string(id) +
            R"(,"bids":[)" + std::string(bids) + R"(],"asks":[)" + std::string(asks) + "]}");
    }
};

TEST_F(deribit_fixture, ChainedChangesApply) {
    snapshot();
    ASSERT_EQ(book().health, book_health::live);
    send(change(100, 105, R"(["change",100.0,900.0],["delete",99.5,0.0])", R"(["new",100.5,10])"));
    send(change(105, 106, R"(["new",99.0,20])"));
    EXPECT_EQ(book().counters.applied, 3u);
    EXPECT_EQ(book().last_seq, 106);
    EXPECT_EQ(book_levels(book()), "b 100 900\nb 99 20\na 100.5 10\na 101 200\na 101.5 300\n");
    EXPECT_EQ(log.total(), 0u);
}

TEST_F(deribit_fixture, DeleteIgnoresItsAmount) {
    snapshot();
    send(change(100, 101, R"(["delete",100.0,1000.0])"));
    EXPECT_EQ(book().book.qty_at(side::bid, price(200)), qty(0)); // 100.0 / tick 0.5
    EXPECT_EQ(book().book.depth(side::bid), 1u);
}

TEST_F(deribit_fixture, GapMarksStaleUntilTheNextSnapshot) {
    snapshot();
    const std::string before = book_levels(book());
    send(change(150, 160, R"(["change",100.0,1.0])"));
    EXPECT_EQ(book_levels(book()), before);
    EXPECT_EQ(book().health, book_health::stale_gap);
    EXPECT_EQ(book().counters.gaps, 1u);
    EXPECT_EQ(book().counters.resyncs, 1u);
    EXPECT_TRUE(logged("prev_change_id is not the previous change_id"));
    send(change(160, 170, R"(["change",100.0,2.0])"));
    EXPECT_EQ(book().counters.stale_dropped, 1u);
    EXPECT_EQ(book_levels(book()), before);
    snapshot(); // the resubscription's snapshot
    EXPECT_EQ(book().health, book_health::live);
    send(change(100, 101, R"(["change",100.0,20.0])"));
    EXPECT_EQ(book().counters.applied, 3u);
}

TEST_F(deribit_fixture, DuplicateAndOutOfOrderChangesAreDropped) {
    snapshot();
    const std::string u = change(100, 110, R"(["change",100.0,900.0])");
    send(u);
    const std::string after = book_levels(book());
    send(u);                                         // duplicate
    send(change(90, 95, R"(["change",100.0,1.0])")); // older than the last applied
    EXPECT_EQ(book_levels(book()), after);
    EXPECT_EQ(book().health, book_health::live);
    EXPECT_EQ(book().counters.stale_dropped, 2u);
    EXPECT_EQ(book().counters.gaps, 0u);
    EXPECT_TRUE(logged("duplicate or out-of-order change_id"));
}

TEST_F(deribit_fixture, CrossedBookIsFlaggedStale) {
    snapshot();
    send(change(100, 101, R"(["new",101.5,10])"));
    EXPECT_EQ(book().counters.crossed, 1u);
    EXPECT_EQ(book().health, book_health::stale_crossed);
    EXPECT_FALSE(book().tradable());
    send(change(101, 102, R"(["delete",101.5,0])"));
    EXPECT_EQ(book().counters.stale_dropped, 1u); // stale until the next snapshot
    snapshot();
    EXPECT_TRUE(book().tradable());
}

TEST_F(deribit_fixture, MalformedFramesAreCountedAndNeverTouchTheBook) {
    auto data = [](std::string_view fields) {
        return book_frame(R"({"type":"change","instrument_name":"BTC-PERPETUAL",)" +
                          std::string(fields) + "}");
    };
    const bad_frame cases[] = {
        {"truncated", R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.B)",
         "invalid JSON", false, false},
        {"not an object", "[]", "invalid JSON", false, false},
        {"no channel", R"({"method":"subscription","params":{"data":{}}})", "params.channel", false,
         false},
        {"data not an object", book_frame("[]"), "\"data\" object", false, false},
        {"grouped channel", book_frame("{}", "book.BTC-PERPETUAL.none.10.100ms"), "grouped", false,
         false},
        {"instrument differs from channel",
         book_frame(R"({"type":"change","instrument_name":"ETH-PERPETUAL","change_id":101,)"
                    R"("prev_change_id":100,"bids":[],"asks":[]})"),
         "instrument_name differs", true, true},
        {"unknown type", data(R"("type":"delta","change_id":101,"prev_change_id":100)"), "type",
         true, true},
        {"change_id a string", data(R"("change_id":"101","prev_change_id":100)"), "change_id", true,
         true},
        {"change_id negative", data(R"("change_id":-1,"prev_change_id":100)"), "change_id", true,
         true},
        // Not valid for the frame validator (beyond 64 bits): rejected before the book is known;
        // the next frame's prev_change_id then starts the resync.
        {"change_id overflowing", data(R"("change_id":99999999999999999999,"prev_change_id":100)"),
         "invalid JSON", false, false},
        {"no prev_change_id", data(R"("change_id":101,"bids":[],"asks":[])"), "prev_change_id",
         true, true},
        {"bids not an array", data(R"("change_id":101,"prev_change_id":100,"bids":{},"asks":[])"),
         "bids", true, true},
        {"level not an array",
         data(R"("change_id":101,"prev_change_id":100,"bids":[100.0],"asks":[])"), "level is not",
         true, true},
        {"level without amount",
         data(R"("change_id":101,"prev_change_id":100,"bids":[["new",100.0]],"asks":[])"),
         "level is not", true, true},
        {"unknown action",
         data(R"("change_id":101,"prev_change_id":100,"bids":[["add",100.0,1.0]],"asks":[])"),
         "(add)", true, true},
        {"price a bool",
         data(R"("change_id":101,"prev_change_id":100,"bids":[["new",true,10]],"asks":[])"),
         "level is not", true, true},
        {"negative price",
         data(R"("change_id":101,"prev_change_id":100,"bids":[["new",-100.0,10]],"asks":[])"),
         "negative", true, true},
        {"negative amount",
         data(R"("change_id":101,"prev_change_id":100,"bids":[["new",100.0,-10]],"asks":[])"),
         "negative", true, true},
        {"NaN amount",
         data(R"("change_id":101,"prev_change_id":100,"bids":[["new",100.0,NaN]],"asks":[])"),
         "invalid JSON", false, false}, // NaN is not JSON: rejected by the frame validator
        {"overflowing amount",
         data(R"("change_id":101,"prev_change_id":100,"bids":[["new",100.0,1e300]],"asks":[])"),
         "out of range", true, true},
        {"off-tick price",
         data(R"("change_id":101,"prev_change_id":100,"bids":[["new",100.25,10]],"asks":[])"),
         "more decimals", true, true},
        {"off-lot amount",
         data(R"("change_id":101,"prev_change_id":100,"bids":[["new",100.0,15]],"asks":[])"),
         "multiple", true, true},
        // The frame is read in one walk: what it does not use is checked too, before anything
        // staged is applied.
        {"a malformed field it does not use",
         data(R"("change_id":101,"prev_change_id":100,"bids":[["new",100.0,10]],"asks":[],)"
              R"("timestamp":[1,2})"),
         "invalid JSON", false, false},
        {"a bad number after staged levels",
         data(R"("change_id":101,"prev_change_id":100,"bids":[["new",100.0,10]],"asks":[],)"
              R"("timestamp":01)"),
         "invalid JSON", false, false},
        {"trailing content",
         book_frame(R"({"type":"change","instrument_name":"BTC-PERPETUAL","change_id":101,)"
                    R"("prev_change_id":100,"bids":[["new",100.0,10]],"asks":[]})") +
             " {}",
         "invalid JSON", false, false},
        {"deep nesting in a field it does not use",
         data(R"("change_id":101,"prev_change_id":100,"bids":[],"asks":[],"x":)" +
              std::string(100, '[') + std::string(100, ']')),
         "invalid JSON", false, false},
        {"bids twice",
         data(R"("change_id":101,"prev_change_id":100,"bids":[["new",100.0,10]],"asks":[],)"
              R"("bids":[["new",100.0,20]])"),
         "given twice", true, true},
        {"params twice",
         R"({"method":"subscription","params":{"channel":"book.BTC-PERPETUAL.raw"},)"
         R"("params":{"channel":"book.BTC-PERPETUAL.raw"}})",
         "given twice", false, false},
    };
    for (const auto& c : cases) {
        expect_rejected(c, [this] { snapshot(); });
    }
}

TEST_F(deribit_fixture, NonBookMessagesAndConnections) {
    send(R"({"jsonrpc":"2.0","id":0,"result":["book.BTC-PERPETUAL.raw"]})");
    send(R"({"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}})");
    send(
        R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":"ticker.BTC-PERPETUAL.raw",)"
        R"("data":{"instrument_name":"BTC-PERPETUAL","mark_price":100.0}}})");
    EXPECT_EQ(log.total(), 0u);
    EXPECT_EQ(feed->find_book("BTC-PERPETUAL"), nullptr);
    send(R"({"jsonrpc":"2.0","id":3,"error":{"message":"Invalid params","code":-32602}})");
    EXPECT_TRUE(logged("Invalid params"));
    EXPECT_EQ(feed->unattributed_rejects(), 0u); // a reply, not a malformed message
    snapshot();
    connect();
    EXPECT_EQ(book().health, book_health::syncing);
    send(change(100, 101, R"(["change",100.0,10])"));
    EXPECT_EQ(book().counters.stale_dropped, 1u);
    snapshot();
    EXPECT_TRUE(book().tradable());
}

} // namespace

namespace {

// Deribit dates perpetuals to the year 3000 (32503708800000 ms), past int64 nanoseconds:
// a perpetual gets no expiry, a dated instrument that far out is refused by name.
TEST(DeribitInstruments, PerpetualYear3000ExpiryAndOutOfRangeDates) {
    instrument_registry reg;
    const auto files = instrument_lines();
    ASSERT_FALSE(files.empty());
    ASSERT_FALSE(load_instrument_file(files[0], reg)); // the BTC reply
    const auto* perp = reg.find("deribit", "BTC-PERPETUAL");
    ASSERT_NE(perp, nullptr);
    EXPECT_EQ(perp->kind, instrument_kind::inverse_perp);
    EXPECT_EQ(perp->expiry, timestamp_ns{});
    const auto* option = reg.find("deribit", "BTC-24SEP21-40000-P");
    ASSERT_NE(option, nullptr);
    EXPECT_EQ(option->expiry, timestamp_ns{1632470400000LL * 1'000'000});

    const std::string path = ::testing::TempDir() + "/deribit_far_option.txt";
    std::ofstream(path)
        << "https://www.deribit.com/api/v2/public/get_instruments?currency=BTC&expired=false -> "
           "1626993723.1: {\"jsonrpc\":\"2.0\",\"result\":[{\"tick_size\":0.0005,\"strike\":"
           "40000.0,\"settlement_period\":\"month\",\"quote_currency\":\"BTC\",\"option_type\":"
           "\"put\",\"min_trade_amount\":0.1,\"kind\":\"option\",\"instrument_name\":"
           "\"BTC-1JAN00-40000-P\",\"expiration_timestamp\":32503708800000,\"contract_size\":1.0,"
           "\"base_currency\":\"BTC\"}]}\n";
    instrument_registry far;
    const auto err = load_instrument_file(path, far);
    // Not left behind: a replay of a recording in the same folder would find it as a
    // (malformed) instrument list beside the recording and report it.
    std::remove(path.c_str());
    ASSERT_TRUE(err.has_value());
    EXPECT_NE(
        err->find("BTC-1JAN00-40000-P: expiration_timestamp \"32503708800000\": out of range"),
        std::string::npos)
        << *err;
}

} // namespace
