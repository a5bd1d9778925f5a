// Prometheus metrics: the text exposition (families, labels, escaping, histograms from the
// latency histogram), the listen address, and the HTTP server's answers.
#include "feed/metrics.hpp"

#include "../loopback_http.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace ballast::feed;

std::string http(std::uint16_t port, const std::string& request) {
    return ballast::test::loopback_http(port, request);
}

TEST(Metrics, RendersFamiliesOnceWithEscapedLabelsAndNumbers) {
    metrics::registry r;
    auto& a = r.counter("x_frames_total", "frames\nread", {{"venue", "a\"b\\c\nd"}});
    auto& b = r.counter("x_frames_total", "ignored: the first help stays", {{"venue", "e"}});
    auto& g = r.gauge("x_nav_usd", "nav");
    EXPECT_EQ(&a, &r.counter("x_frames_total", "", {{"venue", "a\"b\\c\nd"}})); // same series
    a.set(std::uint64_t{3});
    b.set(std::uint64_t{1} << 53);
    g.set(-1.5);
    const std::string text = r.render();
    EXPECT_EQ(text, "# HELP x_frames_total frames\\nread\n"
                    "# TYPE x_frames_total counter\n"
                    "x_frames_total{venue=\"a\\\"b\\\\c\\nd\"} 3\n"
                    "x_frames_total{venue=\"e\"} 9007199254740992\n"
                    "# HELP x_nav_usd nav\n"
                    "# TYPE x_nav_usd gauge\n"
                    "x_nav_usd -1.5\n");
}

TEST(Metrics, AHistogramIsCumulativeInSecondsWithSumAndCount) {
    metrics::registry r;
    auto& h = r.histogram("x_latency_seconds", "hop", {{"hop", "book"}}, {1000, 10000});
    latency_histogram src;
    // A sample counts under the first bound at or above its source bucket's upper end (the
    // latency histogram keeps 16 buckets per power of two): 900 ns is in [896, 927].
    src.record(500);    // <= 1 us
    src.record(900);    // <= 1 us
    src.record(5000);   // <= 10 us
    src.record(200000); // +Inf
    h.publish(src);
    const std::string text = r.render();
    EXPECT_NE(text.find("# TYPE x_latency_seconds histogram\n"), std::string::npos) << text;
    EXPECT_NE(text.find("x_latency_seconds_bucket{hop=\"book\",le=\"1e-06\"} 2\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("x_latency_seconds_bucket{hop=\"book\",le=\"1e-05\"} 3\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("x_latency_seconds_bucket{hop=\"book\",le=\"+Inf\"} 4\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("x_latency_seconds_sum{hop=\"book\"} 0.0002064\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("x_latency_seconds_count{hop=\"book\"} 4\n"), std::string::npos) << text;
    // Kept in TSC ticks at 2 ticks per ns: the same samples, half the nanoseconds.
    latency_histogram ticks;
    ticks.record(1800); // 900 ns
    h.publish(ticks, 0.5);
    EXPECT_NE(r.render().find("x_latency_seconds_bucket{hop=\"book\",le=\"1e-06\"} 1\n"),
              std::string::npos);
}

TEST(Metrics, ListenAddressesAreCheckedWithTheReason) {
    std::string err;
    auto a = metrics::parse_listen("127.0.0.1:9464", err);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->host, "127.0.0.1");
    EXPECT_EQ(a->port, 9464);
    a = metrics::parse_listen("[::1]:0", err);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->host, "::1");
    for (const std::string bad : {"", "9464", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
                                  "127.0.0.1:1x", "localhost:80", "1.2.3:80"}) {
        err.clear();
        EXPECT_FALSE(metrics::parse_listen(bad, err)) << bad;
        EXPECT_FALSE(err.empty()) << bad;
    }
    EXPECT_FALSE(metrics::parse_listen("localhost:80", err));
    EXPECT_EQ(err, "'localhost' is not an IP address");
}

TEST(Metrics, TheServerAnswersMetricsAndNothingElse) {
    metrics::registry r;
    auto& c = r.counter("x_total", "things");
    metrics::server s(r);
    ASSERT_FALSE(s.start("127.0.0.1:0").has_value());
    ASSERT_NE(s.port(), 0);
    EXPECT_EQ(s.url(), "http://127.0.0.1:" + std::to_string(s.port()) + "/metrics");
    c.set(std::uint64_t{7});
    std::string got = http(s.port(), "GET /metrics HTTP/1.0\r\n\r\n");
    EXPECT_EQ(got.rfind("HTTP/1.0 200", 0), 0u) << got;
    EXPECT_NE(got.find("text/plain; version=0.0.4"), std::string::npos) << got;
    EXPECT_NE(got.find("\nx_total 7\n"), std::string::npos) << got;
    c.set(std::uint64_t{8});
    EXPECT_NE(http(s.port(), "GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\n\r\n").find("\nx_total 8\n"),
              std::string::npos);
    EXPECT_EQ(s.scrapes(), 2u);
    got = http(s.port(), "GET / HTTP/1.0\r\n\r\n");
    EXPECT_EQ(got.rfind("HTTP/1.0 404", 0), 0u) << got;
    got = http(s.port(), "POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(got.rfind("HTTP/1.0 405", 0), 0u) << got;
    // Not HTTP, and a header past the size limit: closed without an answer; the server goes on.
    EXPECT_EQ(http(s.port(), "\x01\x02garbage\r\n\r\n"), "");
    EXPECT_EQ(http(s.port(), "GET /metrics HTTP/1.0\r\nX: " + std::string(20000, 'a') + "\r\n\r\n"),
              "");
    EXPECT_NE(http(s.port(), "GET /metrics HTTP/1.0\r\n\r\n").find("x_total 8"), std::string::npos);
    // A second server on the same port is refused with the reason.
    metrics::server t(r);
    const auto err = t.start("127.0.0.1:" + std::to_string(s.port()));
    ASSERT_TRUE(err.has_value());
    EXPECT_NE(err->find("cannot listen on 127.0.0.1:"), std::string::npos) << *err;
    s.stop();
}

} // namespace
