// The counting-allocator test for the venue decoders (issue 12): once a decoder's books are
// built (the first half of a recording), decoding and applying the second half allocates
// nothing, on every venue's recording. The frames are in memory (feed::memory_replay), so only
// the decoder and its books are watched.
#include "feed/replay_memory.hpp"
#include "tests/alloc/counting_new.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace ballast {
namespace {

const std::string data = BALLAST_TEST_DATA_DIR;

class DecoderAllocations : public ::testing::TestWithParam<const char*> {};

TEST_P(DecoderAllocations, AWarmDecoderNeverAllocates) {
    feed::memory_replay recorded;
    ASSERT_FALSE(recorded.load({data + "/" + GetParam()}).has_value());
    feed::reject_log rejects;
    auto feeds = recorded.make_feeds(rejects);
    const auto& frames = recorded.frames();
    // Warm-up: the parsers sized for the recording's largest frame (what a live feed does
    // with its venue's frame bound), then the first half of the frames.
    std::size_t largest = 0;
    for (const auto& f : frames) {
        largest = std::max(largest, f.size);
    }
    for (auto& f : feeds) {
        ASSERT_TRUE(f->reserve_frame(largest));
    }
    {
        // The validator some decoders still run first is one parser per thread.
        const std::string big(largest, ' ');
        (void)feed::validate_frame(big);
    }
    // ... then frames until every book exists (a book is made on its symbol's first message)
    // and at least half of the recording has played.
    const auto all_books = [&] {
        for (std::size_t i = 0; i < feeds.size(); ++i) {
            if (feeds[i]->books().size() < recorded.reference_feeds()[i]->books().size()) {
                return false;
            }
        }
        return true;
    };
    std::size_t half = 0;
    for (; half < frames.size() && (half < frames.size() / 2 || !all_books()); ++half) {
        (void)recorded.play(frames[half], *feeds[frames[half].feed]);
    }
    std::uint64_t allocations = 0;
    std::size_t messages = 0;
    {
        const alloc_test::watch w;
        for (std::size_t i = half; i < frames.size(); ++i) {
            messages += recorded.play(frames[i], *feeds[frames[i].feed]) ? 1 : 0;
        }
        allocations = w.allocations();
    }
    EXPECT_GT(messages, 10u);
    EXPECT_EQ(allocations, 0u) << GetParam() << ": " << messages << " frames";
    // And the books are the replay's.
    for (std::size_t i = 0; i < feeds.size(); ++i) {
        EXPECT_EQ(feed::books_differ(*recorded.reference_feeds()[i], *feeds[i]), "");
    }
    EXPECT_EQ(rejects.total(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Recordings, DecoderAllocations,
                         ::testing::Values("kraken/KRAKEN.ws.50.0.txt", "okx/OKX.ws.1.0.txt",
                                           "bybit/BYBIT.jsonl", "coinbase/COINBASE_ADVANCED.jsonl",
                                           "coinbase_exchange/COINBASE.ws.28.0.txt",
                                           "binance/BINANCE.ws.1.0.txt",
                                           "binance_usdm/BINANCE_FUTURES.ws.1.0.txt",
                                           "deribit/DERIBIT.ws.1.0.txt"),
                         [](const auto& p) {
                             std::string name = p.param;
                             name = name.substr(0, name.find('/'));
                             return name;
                         });

} // namespace
} // namespace ballast
