#include "feed/recording.hpp"
#include "feed_test_util.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

using namespace ballast;
using namespace ballast::feed;

namespace {
std::string temp_file(std::string_view name, std::string_view content) {
    const std::string path = ::testing::TempDir() + std::string(name);
    std::ofstream(path, std::ios::binary) << content;
    return path;
}
} // namespace

TEST(Timestamps, ParsesSecondsToNanos) {
    EXPECT_EQ(parse_unix_seconds("1633998512.0633569")->ns, 1633998512063356900LL);
    EXPECT_EQ(parse_unix_seconds("1786310818.2235148")->ns, 1786310818223514800LL);
    EXPECT_EQ(parse_unix_seconds("1.1234567891234")->ns, 1123456789LL);
    EXPECT_EQ(parse_unix_seconds("12")->ns, 12000000000LL);
    EXPECT_FALSE(parse_unix_seconds("abc"));
    EXPECT_FALSE(parse_unix_seconds(""));
}

TEST(RecordingReader, ReadsV2TextLayout) {
    const auto path = temp_file("v2.txt", "wss://x.example/ws <-> 100.5\n"
                                          "wss://x.example/ws <- 100.6: {\"op\":\"subscribe\"}\n"
                                          "100.7: {\"a\":1}\n"
                                          "not a frame\n"
                                          "100.8: {\"a\":2}");
    recording_reader r(false);
    ASSERT_FALSE(r.open(path));
    auto f = r.next();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->kind, frame_kind::connect);
    EXPECT_EQ(f->url, "wss://x.example/ws");
    f = r.next();
    EXPECT_EQ(f->kind, frame_kind::sent);
    EXPECT_EQ(f->data, "{\"op\":\"subscribe\"}");
    f = r.next();
    EXPECT_EQ(f->kind, frame_kind::received);
    EXPECT_EQ(f->ts.ns, 100700000000LL);
    EXPECT_EQ(f->data, "{\"a\":1}");
    EXPECT_EQ(f->url, "wss://x.example/ws");
    f = r.next();
    ASSERT_TRUE(f); // the malformed line is skipped and reported
    EXPECT_EQ(f->data, "{\"a\":2}");
    EXPECT_EQ(f->line, 5u);
    EXPECT_FALSE(r.next());
    ASSERT_EQ(r.error_count(), 1u);
    EXPECT_EQ(r.errors()[0].line, 4u);
}

TEST(RecordingReader, ReadsV3JsonLinesAndUnescapes) {
    const auto path = temp_file(
        "v3.jsonl",
        "{\"t\":\"header\",\"format\":2}\n"
        "{\"t\":\"connect\",\"conn\":\"c1\",\"ts\":1.5,\"addr\":\"wss://a\"}\n"
        "{\"t\":\"recv\",\"conn\":\"c1\",\"ts\":1.75,\"data\":\"{\\\"k\\\":\\\"v\\\"}\"}\n"
        "{\"t\":\"recv\",\"conn\":\"zz\",\"ts\":2,\"data\":\"x\"}\n"
        "{broken\n");
    recording_reader r(false);
    ASSERT_FALSE(r.open(path));
    auto f = r.next();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->kind, frame_kind::connect);
    EXPECT_EQ(f->conn, "c1");
    f = r.next();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->kind, frame_kind::received);
    EXPECT_EQ(f->data, "{\"k\":\"v\"}");
    EXPECT_EQ(f->url, "wss://a");
    EXPECT_EQ(f->ts.ns, 1750000000LL);
    EXPECT_FALSE(r.next());
    EXPECT_EQ(r.error_count(), 2u); // unknown connection, invalid JSON
}

TEST(RecordingReader, CaptureWriterRoundTrips) {
    const std::string path = ::testing::TempDir() + "capture.jsonl";
    {
        capture_writer w;
        ASSERT_FALSE(w.open(path, "BYBIT"));
        w.write_connect("BYBIT.ws.1", timestamp_ns{1786310818223514800LL},
                        "wss://stream.bybit.com/v5/public/spot");
        w.write_send("BYBIT.ws.1", timestamp_ns{1786310818300000000LL},
                     "wss://stream.bybit.com/v5/public/spot", "{\"op\":\"subscribe\"}");
        w.write_recv("BYBIT.ws.1", timestamp_ns{1786310818400000001LL}, "{\"q\":\"a\\\"b\\n\"}");
    }
    recording_reader r;
    ASSERT_FALSE(r.open(path));
    auto f = r.next();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->ts.ns, 1786310818223514800LL);
    f = r.next();
    EXPECT_EQ(f->kind, frame_kind::sent);
    f = r.next();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->data, "{\"q\":\"a\\\"b\\n\"}");
    EXPECT_EQ(f->ts.ns, 1786310818400000001LL);
    EXPECT_EQ(f->url, "wss://stream.bybit.com/v5/public/spot");
    EXPECT_FALSE(r.next());
    EXPECT_EQ(r.error_count(), 0u);
}

TEST(LineReader, UringAndPlainReadTheSameLinesAcrossChunks) {
    // Lines longer than a chunk and a file spanning many chunks.
    std::string content;
    for (int i = 0; i < 3000; ++i) {
        content +=
            std::string(static_cast<std::size_t>(i % 7 == 0 ? 2000 : 10) + i % 13, 'a' + i % 26);
        content += i % 5 == 0 ? "\r\n" : "\n";
    }
    content += std::string(3 * line_reader::chunk_size, 'z'); // last line: 3 MB, no newline
    const auto path = temp_file("lines.txt", content);
    std::vector<std::string> a, b;
    for (bool uring : {true, false}) {
        line_reader r(uring);
        ASSERT_FALSE(r.open(path));
        auto& out = uring ? a : b;
        while (auto l = r.next()) {
            out.emplace_back(*l);
        }
        EXPECT_TRUE(r.error().empty());
        EXPECT_EQ(r.bytes_read(), content.size());
    }
    ASSERT_EQ(a.size(), 3001u);
    EXPECT_EQ(a, b);
    EXPECT_EQ(a.back().size(), 3 * line_reader::chunk_size);
    EXPECT_EQ(a[0].size(), 2000u);
}

TEST(LineReader, AShortReadIsNotTheEndOfTheFile) {
    // The reader's first read is issued at open() and finds only the first lines (a short
    // read); more is written before the caller reads on. Only a read of 0 bytes ends the file,
    // on both paths.
    for (bool uring : {true, false}) {
        SCOPED_TRACE(uring ? "io_uring" : "pread");
        const auto path = temp_file(uring ? "short_u.txt" : "short_p.txt", "first\nsecond\n");
        line_reader r(uring);
        ASSERT_FALSE(r.open(path));
        std::ofstream(path, std::ios::app) << "third\nfourth\n";
        std::vector<std::string> lines;
        while (auto l = r.next()) {
            lines.emplace_back(*l);
        }
        EXPECT_TRUE(r.error().empty()) << r.error();
        EXPECT_EQ(lines, (std::vector<std::string>{"first", "second", "third", "fourth"}));
    }
}

TEST(LineReader, MissingFileIsAnErrorNamingThePath) {
    line_reader r;
    auto err = r.open("/nonexistent/ballast.txt");
    ASSERT_TRUE(err);
    EXPECT_NE(err->find("/nonexistent/ballast.txt"), std::string::npos);
}
