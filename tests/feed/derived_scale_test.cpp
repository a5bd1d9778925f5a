// Books of symbols no instrument list names: the feed derives tick 10^-d and lot 10^-e from the
// venue's level text and widens the scale (rescaling the book, replaying a listener) when finer
// decimals arrive. The final books must equal those built with the venue's own filters.
#include "feed/bybit.hpp"
#include "feed/instruments.hpp"
#include "venue_golden.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace ballast;
using namespace ballast::test;
namespace fs = std::filesystem;

namespace {

/// Every book of `with` (venue filters) must be in `bare` (derived) with the same levels.
void expect_same_books(const feed::replay_session& with, const feed::replay_session& bare) {
    std::size_t compared = 0;
    for (const auto& f : with.feeds()) {
        for (const auto& b : f->books()) {
            SCOPED_TRACE(f->venue() + " " + b->symbol());
            const auto* d = find_book(bare, f->venue(), b->symbol());
            ASSERT_NE(d, nullptr);
            EXPECT_EQ(d->health, b->health);
            EXPECT_EQ(d->counters.messages, b->counters.messages);
            EXPECT_EQ(d->counters.applied, b->counters.applied);
            EXPECT_EQ(d->counters.checksum_ok, b->counters.checksum_ok);
            EXPECT_EQ(d->counters.checksum_fail, b->counters.checksum_fail);
            EXPECT_EQ(d->counters.rejected, b->counters.rejected);
            EXPECT_EQ(book_levels(*d), book_levels(*b));
            if (!b->derived()) {
                EXPECT_TRUE(d->derived());
                ++compared;
            }
        }
    }
    EXPECT_GT(compared, 0u);
}

/// Copies a recording's folder without its instrument lists, so replay must derive every scale.
std::string bare_copy(std::string_view folder) {
    const fs::path dst = fs::path(::testing::TempDir()) / ("bare_" + std::string(folder));
    fs::remove_all(dst);
    fs::create_directories(dst);
    for (const auto& e : fs::directory_iterator(data_path(folder))) {
        const auto name = e.path().filename().string();
        const bool list = name.find("instruments") != std::string::npos || name == "KRAKEN.0.txt" ||
                          name == "DERIBIT.0.txt";
        if (!list) {
            fs::copy_file(e.path(), dst / name);
        }
    }
    return dst.string();
}

std::unique_ptr<feed::replay_session> replay_path(const std::string& path,
                                                  feed::replay_options opt = {}) {
    auto s = std::make_unique<feed::replay_session>(std::move(opt));
    if (auto err = s->add_file(path)) {
        ADD_FAILURE() << *err;
    }
    s->run();
    return s;
}

TEST(DerivedScale, EveryRecordingReplaysToTheSameBooksWithoutItsInstrumentList) {
    struct recording {
        std::string_view folder, file;
    };
    for (const auto& r :
         {recording{"binance", "BINANCE.ws.1.0.txt"},
          recording{"binance_usdm", "BINANCE_FUTURES.ws.1.0.txt"},
          recording{"okx", "OKX.ws.1.0.txt"},
          recording{"coinbase_exchange", "COINBASE.ws.28.0.txt"},
          recording{"kraken", "KRAKEN.ws.50.0.txt"}, recording{"deribit", "DERIBIT.ws.1.0.txt"},
          recording{"bybit", "BYBIT.jsonl"}, recording{"coinbase", "COINBASE_ADVANCED.jsonl"}}) {
        SCOPED_TRACE(std::string(r.file));
        const auto with = replay({std::string(r.folder) + "/" + std::string(r.file)});
        const auto bare = replay_path(bare_copy(r.folder) + "/" + std::string(r.file));
        expect_same_books(*with, *bare);
    }
}

// A small Bybit spot recording of a symbol no list names; its decimals grow mid-stream.
std::string widening_recording() {
    const std::string path = ::testing::TempDir() + "/widening/BYBIT.jsonl";
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream out(path);
    const auto recv = [&](double ts, std::string_view type, int u, std::string_view bids,
                          std::string_view asks) {
        std::string data = R"({"topic":"orderbook.50.WIDEUSDT","type":")" + std::string(type) +
                           R"(","ts":1,"data":{"s":"WIDEUSDT","b":)" + std::string(bids) +
                           R"(,"a":)" + std::string(asks) + R"(,"u":)" + std::to_string(u) +
                           R"(,"seq":1}})";
        std::string escaped;
        for (char c : data) {
            if (c == '"') {
                escaped += '\\';
            }
            escaped += c;
        }
        out << R"({"t":"recv","conn":"BYBIT.ws.1","ts":)" << ts << R"(,"data":")" << escaped
            << "\"}\n";
    };
    out << R"({"t":"header","format":2,"exchange":"BYBIT"})"
        << "\n";
    out << R"({"t":"connect","conn":"BYBIT.ws.1","ts":1.0,"addr":"wss://stream.bybit.com/v5/public/spot"})"
        << "\n";
    recv(1.1, "snapshot", 1, R"([["10.5","2"],["10.4","3"]])", R"([["10.6","1"],["10.8","4"]])");
    recv(1.2, "delta", 2, R"([["10.45","0.25"]])", R"([["10.6","0"],["10.7","1.5"]])");
    recv(1.3, "delta", 3, R"([["10.4","0"]])", R"([["10.65","0.001"]])");
    recv(1.4, "delta", 4, R"([["10.5","2.125"]])", "[]");
    return path;
}

TEST(DerivedScale, WideningMidStreamEndsOnTheBookTheVenueSpecBuilds) {
    const std::string path = widening_recording();
    const auto bare = replay_path(path);
    const std::string toml = ::testing::TempDir() + "/wide.toml";
    std::ofstream(toml) << "[[instrument]]\nvenue = \"bybit_spot\"\nsymbol = \"WIDEUSDT\"\n"
                           "base = \"WIDE\"\nquote = \"USDT\"\ntick = \"0.01\"\nlot = \"0.001\"\n";
    feed::replay_options opt;
    opt.instrument_files = {toml};
    const auto with = replay_path(path, opt);
    const auto* d = find_book(*bare, "bybit_spot", "WIDEUSDT");
    const auto* v = find_book(*with, "bybit_spot", "WIDEUSDT");
    ASSERT_NE(d, nullptr);
    ASSERT_NE(v, nullptr);
    ASSERT_TRUE(d->derived());
    ASSERT_FALSE(v->derived());
    EXPECT_EQ(d->health, feed::book_health::live);
    EXPECT_EQ(d->counters.applied, 4u);
    EXPECT_EQ(d->counters.rejected, 0u);
    EXPECT_EQ(d->counters.rescales, 2u); // 1 -> 2 price decimals, 0 -> 2 -> 3 size decimals
    EXPECT_EQ(d->spec->tick, (decimal_step{1, 2}));
    EXPECT_EQ(d->spec->lot, (decimal_step{1, 3}));
    EXPECT_EQ(d->spec->kind, instrument_kind::spot);
    EXPECT_EQ(book_levels(*d), "b 10.5 2.125\nb 10.45 0.25\na 10.65 0.001\na 10.7 1.5\na 10.8 4\n");
    EXPECT_EQ(book_levels(*d), book_levels(*v));
    // Same scale in the end: the integer levels are identical too.
    for (side s : {side::bid, side::ask}) {
        ASSERT_EQ(d->book.depth(s), v->book.depth(s));
        for (std::size_t i = 0; i < d->book.depth(s); ++i) {
            EXPECT_EQ(d->book.at(s, i).px, v->book.at(s, i).px);
            EXPECT_EQ(d->book.at(s, i).sz, v->book.at(s, i).sz);
        }
    }
}

/// Mirrors a feed's books as the engine does: on_clear empties, on_level sets.
struct mirror_listener : feed::book_listener {
    l2_book mirror{64};
    std::size_t clears = 0;
    void on_clear(const feed::venue_book&) noexcept override {
        mirror.clear();
        ++clears;
    }
    void on_level(const feed::venue_book&, side s, price px, qty sz) noexcept override {
        (void)mirror.set_level(s, px, sz);
    }
    void on_update(const feed::venue_book&, timestamp_ns) noexcept override {}
};

bool same_levels(const l2_book& a, const l2_book& b) {
    for (side s : {side::bid, side::ask}) {
        if (a.depth(s) != b.depth(s)) {
            return false;
        }
        for (std::size_t i = 0; i < a.depth(s); ++i) {
            if (a.at(s, i).px != b.at(s, i).px || a.at(s, i).sz != b.at(s, i).sz) {
                return false;
            }
        }
    }
    return true;
}

std::string bybit_frame(std::string_view type, int u, std::string_view bids,
                        std::string_view asks) {
    return R"({"topic":"orderbook.50.WIDEUSDT","type":")" + std::string(type) +
           R"(","ts":1,"data":{"s":"WIDEUSDT","b":)" + std::string(bids) + R"(,"a":)" +
           std::string(asks) + R"(,"u":)" + std::to_string(u) + R"(,"seq":1}})";
}

TEST(DerivedScale, AListenerMirrorStaysExactAcrossAWidening) {
    instrument_registry reg;
    feed::reject_log log;
    feed::bybit_feed feed(feed::bybit_category::spot, reg, log);
    mirror_listener m;
    feed.set_listener(&m);
    std::uint64_t line = 0;
    const auto send = [&](const std::string& text) {
        padded_frame f(text, ++line);
        feed.on_frame(f.frame);
        const auto* b = feed.find_book("WIDEUSDT");
        ASSERT_NE(b, nullptr);
        EXPECT_TRUE(same_levels(m.mirror, b->book)) << "after frame " << line;
    };
    send(bybit_frame("snapshot", 1, R"([["10.5","2"]])", R"([["10.6","1"]])"));
    const std::size_t clears = m.clears;
    send(bybit_frame("delta", 2, R"([["10.55","0.5"]])", "[]")); // widens price and size
    EXPECT_GT(m.clears, clears);
    send(bybit_frame("delta", 3, "[]", R"([["10.6","0"],["10.575","0.125"]])"));
    const auto* b = feed.find_book("WIDEUSDT");
    EXPECT_EQ(b->counters.rescales, 2u);
    EXPECT_EQ(b->spec->format_price(b->book.best_ask().px), "10.575");
    EXPECT_EQ(b->spec->format_price(b->book.best_bid().px), "10.55");
    EXPECT_EQ(log.total(), 0u);
}

TEST(DerivedScale, AWideningThatOverflowsIsRejectedAndTheBookGoesStale) {
    instrument_registry reg;
    feed::reject_log log;
    feed::bybit_feed feed(feed::bybit_category::spot, reg, log);
    std::uint64_t line = 0;
    const auto send = [&](const std::string& text) {
        padded_frame f(text, ++line);
        feed.on_frame(f.frame);
    };
    send(bybit_frame("snapshot", 1, R"([["9000000000000000000","1"]])", "[]"));
    const auto* b = feed.find_book("WIDEUSDT");
    ASSERT_NE(b, nullptr);
    ASSERT_EQ(b->health, feed::book_health::live);
    const std::string before = book_levels(*b);
    send(bybit_frame("delta", 2, R"([["1.5","1"]])", "[]"));
    EXPECT_EQ(b->health, feed::book_health::stale_gap);
    EXPECT_EQ(b->counters.rejected, 1u);
    EXPECT_EQ(b->spec->tick, (decimal_step{1, 0})); // scale unchanged
    EXPECT_EQ(book_levels(*b), before);
    bool named = false;
    for (const auto& e : log.entries()) {
        named = named || e.reason.find("widening overflows") != std::string::npos;
    }
    EXPECT_TRUE(named);
    // More than 18 decimals cannot be a scale at all.
    send(bybit_frame("snapshot", 3, R"([["0.0000000000000000001","1"]])", "[]"));
    EXPECT_EQ(b->counters.rejected, 2u);
}

TEST(DerivedScale, KindFollowsTheVenueNameOrItsDocumentedSuffix) {
    EXPECT_EQ(feed::derived_kind("binance_usdm", "ANYUSDT"), instrument_kind::linear_perp);
    EXPECT_EQ(feed::derived_kind("bybit_linear", "ANYUSDT"), instrument_kind::linear_perp);
    EXPECT_EQ(feed::derived_kind("okx", "UNI-USD-SWAP"), instrument_kind::inverse_perp);
    EXPECT_EQ(feed::derived_kind("okx", "UNI-USDT-SWAP"), instrument_kind::linear_perp);
    EXPECT_EQ(feed::derived_kind("okx", "BTC-USD-220527"), instrument_kind::spot);
    EXPECT_EQ(feed::derived_kind("deribit", "ETH-PERPETUAL"), instrument_kind::inverse_perp);
    EXPECT_EQ(feed::derived_kind("binance", "NKNUSDT"), instrument_kind::spot);
}

} // namespace
