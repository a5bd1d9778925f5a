// The live transport pieces: REST client (keep-alive, rate limits, timeouts), the io_uring
// writer, the venues' live protocols and the recorder's capture layout.
#include "feed/http_client.hpp"
#include "feed/live_capture.hpp"
#include "feed/recording.hpp"
#include "feed/uring_writer.hpp"
#include "feed/venue_protocol.hpp"
#include "feed/venues.hpp"
#include "feed/ws_connection.hpp"
#include "tests/feed/asio_test_util.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>

namespace ballast::feed {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

/// A loopback HTTP/1.1 server on the test's io_context: answers each request with
/// `respond(target)`; `silent` accepts and never answers.
class test_http_server {
  public:
    using response = http::response<http::string_body>;
    test_http_server(net::io_context& io, std::function<response(std::string_view)> respond,
                     bool silent = false)
        : acceptor_(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)),
          respond_(std::move(respond)), silent_(silent) {
        accept();
    }
    [[nodiscard]] std::string base() const {
        return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
    }
    int connections = 0;
    std::vector<std::string> targets;

  private:
    struct session {
        explicit session(tcp::socket s) : stream(std::move(s)) {}
        beast::tcp_stream stream;
        beast::flat_buffer buffer;
        http::request<http::string_body> req;
        response res;
    };
    void accept() {
        acceptor_.async_accept([this](beast::error_code ec, tcp::socket s) {
            if (ec) {
                return;
            }
            ++connections;
            auto sess = std::make_shared<session>(std::move(s));
            sessions_.push_back(sess);
            if (!silent_) {
                read(sess);
            }
            accept();
        });
    }
    void read(const std::shared_ptr<session>& s) {
        s->req = {};
        http::async_read(
            s->stream, s->buffer, s->req, [this, s](beast::error_code ec, std::size_t) {
                if (ec) {
                    return;
                }
                targets.emplace_back(s->req.target());
                s->res = respond_(s->req.target());
                s->res.version(11);
                s->res.keep_alive(s->req.keep_alive());
                s->res.prepare_payload();
                http::async_write(s->stream, s->res, [this, s](beast::error_code ec2, std::size_t) {
                    if (!ec2) {
                        read(s);
                    }
                });
            });
    }
    tcp::acceptor acceptor_;
    std::function<response(std::string_view)> respond_;
    bool silent_;
    std::vector<std::shared_ptr<session>> sessions_;
};

test_http_server::response ok_body(std::string body) {
    test_http_server::response r{http::status::ok, 11};
    r.body() = std::move(body);
    return r;
}

TEST(HttpUrl, ParsesAndNamesWhatIsWrong) {
    std::string error;
    auto u = parse_http_url("https://api.example.test/api/v3/depth?symbol=X", error);
    ASSERT_TRUE(u);
    EXPECT_TRUE(u->tls);
    EXPECT_EQ(u->port, "443");
    EXPECT_EQ(u->target, "/api/v3/depth?symbol=X");
    u = parse_http_url("http://[::1]:8080", error);
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "::1");
    EXPECT_EQ(u->port, "8080");
    EXPECT_EQ(u->target, "/");
    EXPECT_FALSE(parse_http_url("ftp://x", error));
    EXPECT_NE(error.find("http://"), std::string::npos);
    EXPECT_FALSE(parse_http_url("http://host:0/", error));
    EXPECT_NE(error.find("port"), std::string::npos);
}

TEST(HttpClient, KeepsOneConnectionForManyRequestsInOrder) {
    net::io_context io;
    test_http_server server(io, [](std::string_view t) { return ok_body(std::string(t)); });
    http_client client(io, {});
    std::vector<std::string> bodies;
    for (int i = 0; i < 5; ++i) {
        client.get(server.base() + "/r" + std::to_string(i), [&](http_response r) {
            EXPECT_TRUE(r.ok()) << r.error;
            bodies.push_back(r.body);
        });
    }
    ASSERT_TRUE(test::run_until(
        io, [&] { return bodies.size() == 5; }, 10s));
    EXPECT_EQ(bodies, (std::vector<std::string>{"/r0", "/r1", "/r2", "/r3", "/r4"}));
    EXPECT_EQ(server.connections, 1);
    EXPECT_EQ(client.stats().connects, 1u);
    EXPECT_EQ(client.stats().responses, 5u);
}

TEST(HttpClient, HonoursRetryAfterAndBybitsResetBeforeTheNextRequest) {
    net::io_context io;
    int calls = 0;
    test_http_server server(io, [&](std::string_view) {
        ++calls;
        if (calls == 1) {
            test_http_server::response r{http::status::too_many_requests, 11};
            r.set("Retry-After", "1");
            return r;
        }
        return ok_body("{}");
    });
    http_client client(io, {});
    std::vector<int> statuses;
    client.get(server.base() + "/a", [&](http_response r) { statuses.push_back(r.status); });
    ASSERT_TRUE(test::run_until(
        io, [&] { return statuses.size() == 1; }, 10s));
    EXPECT_EQ(statuses[0], 429);
    EXPECT_EQ(client.stats().rate_limited, 1u);
    // The venue asked for a second: the next request is held back until then.
    EXPECT_GT(client.not_before(), std::chrono::steady_clock::now() + 500ms);
    client.get(server.base() + "/b", [&](http_response r) { statuses.push_back(r.status); });
    ASSERT_TRUE(test::run_until(
        io, [&] { return statuses.size() == 2; }, 10s));
    EXPECT_EQ(statuses[1], 200);
    EXPECT_EQ(client.stats().waits, 1u);
    EXPECT_GE(std::chrono::steady_clock::now(), client.not_before());
}

TEST(HttpClient, AServerThatNeverAnswersTimesOutAndAClosedPortFailsAtOnce) {
    net::io_context io;
    test_http_server silent(
        io, [](std::string_view) { return ok_body(""); }, true);
    http_client_options o;
    o.timeout = 300ms;
    http_client client(io, o);
    std::optional<http_response> res;
    client.get(silent.base() + "/x", [&](http_response r) { res = std::move(r); });
    ASSERT_TRUE(test::run_until(
        io, [&] { return res.has_value(); }, 5s));
    EXPECT_FALSE(res->ok());
    EXPECT_EQ(res->status, 0);
    EXPECT_NE(res->error.find("read"), std::string::npos) << res->error;
    EXPECT_EQ(client.stats().failures, 1u);

    // A port nobody listens on.
    tcp::acceptor probe(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    const auto port = probe.local_endpoint().port();
    probe.close();
    res.reset();
    client.get("http://127.0.0.1:" + std::to_string(port) + "/",
               [&](http_response r) { res = std::move(r); });
    ASSERT_TRUE(test::run_until(
        io, [&] { return res.has_value(); }, 5s));
    EXPECT_NE(res->error.find("connect"), std::string::npos) << res->error;
    res.reset();
    client.get("not a url", [&](http_response r) { res = std::move(r); });
    ASSERT_TRUE(test::run_until(
        io, [&] { return res.has_value(); }, 5s));
    EXPECT_NE(res->error.find("http://"), std::string::npos);
}

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

class UringWriter : public ::testing::TestWithParam<bool> {};

TEST_P(UringWriter, WritesEveryByteInOrderAcrossBuffers) {
    const bool prefer_uring = GetParam();
    const auto path = std::filesystem::temp_directory_path() /
                      ("ballast_uring_writer_" + std::to_string(prefer_uring) + ".txt");
    uring_writer w(prefer_uring);
    ASSERT_FALSE(w.open(path.string()));
    std::string expected;
    for (int i = 0; i < 40000; ++i) { // ~1.3 MB: several buffer switches
        std::string line = "{\"i\":" + std::to_string(i) + ",\"pad\":\"" +
                           std::string(static_cast<std::size_t>(i % 37), 'x') + "\"}\n";
        w.append(line);
        expected += line;
    }
    w.close();
    EXPECT_TRUE(w.error().empty()) << w.error();
    EXPECT_EQ(w.bytes_written(), expected.size());
    EXPECT_EQ(read_all(path.string()), expected);
    std::filesystem::remove(path);
    EXPECT_TRUE(w.open("/nonexistent-dir/x.jsonl").has_value());
}

INSTANTIATE_TEST_SUITE_P(UringAndPlain, UringWriter, ::testing::Bool());

TEST(VenueProtocol, EveryVenueSubscribesWithValidJsonWithinItsLimits) {
    std::vector<std::string> symbols;
    for (int i = 0; i < 25; ++i) {
        symbols.push_back("SYM" + std::to_string(i) + "-Q\"UOTE"); // a quote tests escaping
    }
    simdjson::dom::parser parser;
    for (const auto venue : venue_names()) {
        auto p = make_venue_protocol(venue);
        ASSERT_TRUE(p) << venue;
        for (const auto& requests :
             {p->on_open(), p->subscribe(symbols), p->unsubscribe(symbols)}) {
            for (const auto& r : requests) {
                simdjson::dom::element doc;
                EXPECT_FALSE(parser.parse(r).get(doc)) << venue << ": " << r;
            }
        }
        const auto subs = p->subscribe(symbols);
        if (venue == "bybit_spot" || venue == "bybit_linear") {
            EXPECT_EQ(subs.size(), 3u) << "Bybit spot takes at most 10 args a request";
        }
        std::string error;
        const auto prod = p->production();
        EXPECT_TRUE(parse_ws_url(prod.ws, error)) << venue << ": " << error;
        EXPECT_TRUE(parse_http_url(prod.rest, error)) << venue << ": " << error;
        for (const auto& t : p->instrument_targets(symbols)) {
            EXPECT_TRUE(is_instrument_target(prod.rest + t)) << venue << ": " << t;
        }
        if (p->resync() == resync_method::rest_snapshot) {
            EXPECT_FALSE(is_instrument_target(prod.rest + p->snapshot_target("SYM0")));
        }
    }
    EXPECT_FALSE(make_venue_protocol("nasdaq"));
}

TEST(VenueProtocol, KeepAlivesAnswersAndRefusalsFollowTheVenues) {
    auto okx = make_venue_protocol("okx");
    EXPECT_EQ(okx->ping(), "ping");
    EXPECT_TRUE(okx->is_control("pong"));
    EXPECT_EQ(okx->refusal(R"({"event":"error","code":"60018","msg":"Wrong URL or channel"})"),
              "60018 Wrong URL or channel");
    EXPECT_EQ(okx->refusal(R"({"event":"subscribe","arg":{"channel":"books"}})"), "");

    auto deribit = make_venue_protocol("deribit");
    const std::string reply = deribit->answer(
        R"({"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}})");
    EXPECT_NE(reply.find("public/test"), std::string::npos);
    EXPECT_EQ(
        deribit->answer(R"({"jsonrpc":"2.0","method":"heartbeat","params":{"type":"heartbeat"}})"),
        "");
    EXPECT_NE(
        deribit->refusal(R"({"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"bad"}})"),
        "");

    auto bybit = make_venue_protocol("bybit_spot");
    EXPECT_TRUE(
        bybit->is_control(R"({"success":true,"ret_msg":"pong","conn_id":"c","op":"ping"})"));
    EXPECT_TRUE(bybit->is_control(R"({"req_id":"1","op":"pong","args":["1"],"conn_id":"c"})"));
    EXPECT_EQ(
        bybit->refusal(R"({"success":false,"ret_msg":"error:handler not found","op":"subscribe"})"),
        "error:handler not found");

    auto kraken = make_venue_protocol("kraken");
    EXPECT_TRUE(kraken->is_control(R"({"event":"heartbeat"})"));
    EXPECT_EQ(
        kraken->refusal(
            R"({"event":"subscriptionStatus","status":"error","errorMessage":"Currency pair not supported"})"),
        "Currency pair not supported");
    auto binance = make_venue_protocol("binance");
    EXPECT_EQ(binance->subscribe({"NKNUSDT"}).front(),
              R"({"method":"SUBSCRIBE","params":["nknusdt@depth@100ms"],"id":1})");
    EXPECT_EQ(binance->snapshot_target("NKNUSDT"), "/api/v3/depth?symbol=NKNUSDT&limit=1000");
}

TEST(LiveCapture, WritesTheV3LayoutTheReaderReadsBack) {
    const auto path = std::filesystem::temp_directory_path() / "ballast_live_capture.jsonl";
    {
        jsonl_capture c;
        ASSERT_FALSE(c.open(path.string(), "binance"));
        c.on_rest(timestamp_ns{1'000'000'000}, "http://127.0.0.1:1/api/v3/exchangeInfo",
                  "{\"a\":1}");
        c.on_connect(1, timestamp_ns{2'000'000'001}, "ws://127.0.0.1:1/stream");
        c.on_sent(1, timestamp_ns{2'000'000'002}, "ws://127.0.0.1:1/stream", "{\"q\":\"x\\\"y\"}");
        c.on_received(1, timestamp_ns{2'000'000'003}, "{\"e\":\"line\nbreak\"}");
        c.on_marker(timestamp_ns{2'000'000'004}, "disconnect", "read: End of file");
        c.close();
        EXPECT_EQ(c.lines(), 6u);
    }
    recording_reader r(false);
    ASSERT_FALSE(r.open(path.string()));
    std::vector<recorded_frame> frames;
    std::vector<std::string> data;
    while (auto f = r.next()) {
        frames.push_back(*f);
        data.emplace_back(f->data);
    }
    EXPECT_EQ(r.error_count(), 0u);
    EXPECT_EQ(r.exchange(), "binance");
    ASSERT_EQ(frames.size(), 6u);
    EXPECT_EQ(frames[0].kind, frame_kind::connect);
    EXPECT_EQ(frames[1].kind, frame_kind::response);
    EXPECT_EQ(data[1], "{\"a\":1}");
    EXPECT_EQ(frames[2].kind, frame_kind::connect);
    EXPECT_EQ(frames[3].kind, frame_kind::sent);
    EXPECT_EQ(data[3], "{\"q\":\"x\\\"y\"}");
    EXPECT_EQ(frames[4].kind, frame_kind::received);
    EXPECT_EQ(data[4], "{\"e\":\"line\nbreak\"}");
    EXPECT_EQ(frames[4].ts.ns, 2'000'000'003);
    EXPECT_EQ(frames[5].kind, frame_kind::marker);
    EXPECT_EQ(data[5], "disconnect");
    std::filesystem::remove(path);
}

} // namespace
} // namespace ballast::feed
