// ballast sim-venue in-process: a Beast WebSocket/HTTP client on loopback subscribes per venue,
// checks acknowledgements and error replies, and rebuilds books from what it receives
// (mid-capture snapshot + later frames) through Ballast's own decoder; they must equal the books
// `replay` builds from the same capture. Plus REST endpoints, TLS and each fault's effect.
#include "exec/sim_venue.hpp"
#include "feed/instruments.hpp"
#include "feed/recording.hpp"
#include "feed/replay.hpp"
#include "feed/venues.hpp"

#include "../feed/asio_test_util.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace ballast;
using namespace std::chrono_literals;

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

std::string data_path(const std::string& rel) {
    return std::string(BALLAST_TEST_DATA_DIR) + "/" + rel;
}

std::unique_ptr<exec::sim_venue> start_sim(const std::string& venue,
                                           const std::vector<std::string>& captures,
                                           const std::string& faults = "", bool tls = false,
                                           std::uint64_t play_limit = UINT64_MAX) {
    exec::sim_venue_options o;
    o.venue = venue;
    for (const auto& c : captures) {
        o.captures.push_back(data_path(c));
    }
    o.max_speed = true;
    o.play_limit = play_limit;
    o.tls = tls;
    if (auto err = exec::parse_sim_faults(faults, o.faults)) {
        ADD_FAILURE() << *err;
    }
    auto sim = std::make_unique<exec::sim_venue>(o);
    if (auto err = sim->start()) {
        ADD_FAILURE() << *err;
        return nullptr;
    }
    return sim;
}

/// A WebSocket client whose every wait is bounded (the test's own io_context).
template <class Next> class basic_ws_client {
  public:
    template <class... Args>
    explicit basic_ws_client(net::io_context& io, Args&&... args)
        : io_(io), ws_(io, std::forward<Args>(args)...) {}

    bool open(std::uint16_t port, const std::string& target) {
        bool done = false;
        beast::error_code result;
        tcp::endpoint ep(net::ip::make_address("127.0.0.1"), port);
        beast::get_lowest_layer(ws_).async_connect(ep, [&](beast::error_code ec) {
            if (ec) {
                result = ec;
                done = true;
                return;
            }
            handshake_tls([&](beast::error_code ec2) {
                if (ec2) {
                    result = ec2;
                    done = true;
                    return;
                }
                ws_.async_handshake("127.0.0.1:" + std::to_string(port), target,
                                    [&](beast::error_code ec3) {
                                        result = ec3;
                                        done = true;
                                    });
            });
        });
        return test::run_until(
                   io_, [&] { return done; }, 10s) &&
               !result;
    }
    void send(const std::string& text) {
        bool done = false;
        ws_.async_write(net::buffer(text), [&](beast::error_code, std::size_t) { done = true; });
        (void)test::run_until(
            io_, [&] { return done; }, 10s);
    }
    /// The next text message; nullopt on close, error or after `timeout`.
    std::optional<std::string> read(std::chrono::seconds timeout = 10s) {
        if (pending_) {
            return finish_read(timeout);
        }
        pending_ = true;
        read_done_ = false;
        ws_.async_read(buf_, [this](beast::error_code ec, std::size_t) {
            read_ec_ = ec;
            read_done_ = true;
        });
        return finish_read(timeout);
    }
    bool closed() const { return closed_; }
    void close() {
        beast::error_code ec;
        beast::get_lowest_layer(ws_).close();
    }

  private:
    template <class F> void handshake_tls(F&& f) {
        if constexpr (std::is_same_v<Next, beast::ssl_stream<beast::tcp_stream>>) {
            SSL_set_tlsext_host_name(ws_.next_layer().native_handle(), "localhost");
            ws_.next_layer().async_handshake(net::ssl::stream_base::client, std::forward<F>(f));
        } else {
            f(beast::error_code{});
        }
    }
    std::optional<std::string> finish_read(std::chrono::seconds timeout) {
        if (!test::run_until(
                io_, [&] { return read_done_; }, timeout)) {
            return std::nullopt; // still pending: the next read() continues it
        }
        pending_ = false;
        if (read_ec_) {
            closed_ = true;
            return std::nullopt;
        }
        std::string s = beast::buffers_to_string(buf_.data());
        buf_.consume(buf_.size());
        return s;
    }

    net::io_context& io_;
    websocket::stream<Next> ws_;
    beast::flat_buffer buf_;
    bool pending_ = false;
    bool read_done_ = false;
    bool closed_ = false;
    beast::error_code read_ec_;
};
using ws_client = basic_ws_client<beast::tcp_stream>;

struct http_result {
    int status = 0;
    std::string body;
};

http_result http_get(std::uint16_t port, const std::string& target) {
    net::io_context io;
    beast::tcp_stream s(io);
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    http::response<http::string_body> res;
    beast::flat_buffer buf;
    bool done = false;
    http_result out;
    s.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                    [&](beast::error_code ec) {
                        if (ec) {
                            done = true;
                            return;
                        }
                        http::async_write(s, req, [&](beast::error_code ec2, std::size_t) {
                            if (ec2) {
                                done = true;
                                return;
                            }
                            http::async_read(s, buf, res, [&](beast::error_code ec3, std::size_t) {
                                if (!ec3) {
                                    out.status = static_cast<int>(res.result_int());
                                    out.body = res.body();
                                }
                                done = true;
                            });
                        });
                    });
    EXPECT_TRUE(test::run_until(
        io, [&] { return done; }, 10s))
        << target;
    return out;
}

/// The status endpoint's view of one connection.
struct conn_status {
    bool capture_done = false;
    std::uint64_t frames_sent = 0;
    std::uint64_t messages_sent = 0;
    bool found = false;
};
conn_status status_of(std::uint16_t port, std::uint64_t id) {
    conn_status out;
    const auto r = http_get(port, "/ballast/status");
    simdjson::dom::parser p;
    simdjson::dom::element root;
    if (p.parse(r.body).get(root)) {
        return out;
    }
    out.capture_done = root["capture_done"].get_bool().value_unsafe();
    for (auto c : root["connections"].get_array()) {
        if (c["id"].get_uint64().value_unsafe() == id) {
            out.found = true;
            out.frames_sent = c["frames_sent"].get_uint64().value_unsafe();
            // A dropped frame used a message number (Coinbase) but never left.
            out.messages_sent = c["messages_sent"].get_uint64().value_unsafe() -
                                c["dropped"].get_uint64().value_unsafe();
        }
    }
    return out;
}

/// Waits until playback has played `n` recorded frames (bounded).
bool wait_played(const exec::sim_venue& sim, std::uint64_t n) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (sim.frames_played() < n) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::yield();
    }
    return true;
}

/// Waits for the capture's end (bounded).
bool wait_capture_done(const exec::sim_venue& sim) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!sim.capture_done()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::yield();
    }
    return true;
}

/// Reads until the client has `n` data frames (acks filtered by `is_ack`).
template <class Client, class Ack>
void read_frames(Client& c, std::vector<std::string>& frames, std::size_t n, Ack&& is_ack) {
    while (frames.size() < n) {
        auto m = c.read();
        if (!m) {
            break;
        }
        if (!is_ack(*m)) {
            frames.push_back(std::move(*m));
        }
    }
}

/// After the capture ends: every frame the server sent to connection `id`.
template <class Client, class Ack>
void read_rest(exec::sim_venue& sim, Client& c, std::uint64_t id, std::vector<std::string>& frames,
               Ack&& is_ack, std::size_t already = 0) {
    ASSERT_TRUE(wait_capture_done(sim));
    const auto st = status_of(sim.port(), id);
    ASSERT_TRUE(st.found);
    read_frames(c, frames, st.frames_sent - already, is_ack);
    EXPECT_EQ(frames.size() + already, st.frames_sent);
}

instrument_registry instruments_beside(const std::string& capture) {
    instrument_registry r;
    for (const auto& f : feed::find_companions(data_path(capture)).instrument_lists) {
        (void)feed::load_instrument_file(f, r);
    }
    return r;
}

/// Every level as "price:size" (canonical decimals), best first.
std::vector<std::string> levels_of(const feed::venue_book& b, side s) {
    std::vector<std::string> out;
    b.book.for_each(s, [&](const level& l) {
        out.push_back(b.spec->format_price(l.px) + ":" + b.spec->format_qty(l.sz));
    });
    return out;
}

/// The book `ballast replay` builds for a symbol from the capture.
struct replay_book {
    std::vector<std::string> bids, asks;
    bool found = false;
};
replay_book replayed(const std::string& capture, const std::string& feed_venue,
                     const std::string& symbol) {
    feed::replay_options o;
    feed::replay_session s(o);
    EXPECT_FALSE(s.add_file(data_path(capture)).has_value());
    s.run();
    replay_book out;
    for (const auto& f : s.feeds()) {
        if (f->venue() != feed_venue) {
            continue;
        }
        if (auto* b = const_cast<feed::venue_feed&>(*f).find_book(symbol)) {
            out.found = true;
            out.bids = levels_of(*b, side::bid);
            out.asks = levels_of(*b, side::ask);
        }
    }
    return out;
}

/// Runs received frames through Ballast's decoder for the venue.
struct client_books {
    instrument_registry registry;
    feed::reject_log rejects;
    std::unique_ptr<feed::venue_feed> feed;
    std::uint64_t line = 0;
    std::vector<std::string> keep; // padded copies

    client_books(const std::string& venue, const std::string& capture)
        : registry(instruments_beside(capture)) {
        feed = feed::make_venue_feed(venue, registry, rejects, {});
        std::string url = "ws://127.0.0.1/";
        feed::feed_frame f{url, {}, 0, url, 0, false};
        feed->on_connect(f);
    }
    void frame(const std::string& text, bool response = false, const std::string& url = "") {
        keep.push_back(text);
        keep.back().append(64, '\0');
        feed::feed_frame f{std::string_view(keep.back().data(), text.size()),
                           timestamp_ns{static_cast<std::int64_t>(++line)},
                           line,
                           url,
                           0,
                           response};
        feed->on_frame(f);
    }
    void sent(const std::string& text) {
        keep.push_back(text);
        keep.back().append(64, '\0');
        feed::feed_frame f{std::string_view(keep.back().data(), text.size()),
                           timestamp_ns{static_cast<std::int64_t>(++line)},
                           line,
                           "",
                           0,
                           false};
        feed->on_sent(f);
    }
    void expect_equal(const replay_book& want, const std::string& symbol,
                      std::size_t max_levels = SIZE_MAX) {
        auto* b = feed->find_book(symbol);
        ASSERT_NE(b, nullptr) << symbol;
        EXPECT_EQ(b->health, feed::book_health::live) << feed::to_string(b->health);
        EXPECT_EQ(b->counters.checksum_fail, 0U);
        EXPECT_EQ(b->counters.gaps, 0U);
        ASSERT_TRUE(want.found);
        const auto top = [&](std::vector<std::string> v) {
            v.resize(std::min(v.size(), max_levels));
            return v;
        };
        const auto bids = top(levels_of(*b, side::bid));
        const auto asks = top(levels_of(*b, side::ask));
        EXPECT_EQ(bids.size(), top(want.bids).size());
        EXPECT_EQ(asks.size(), top(want.asks).size());
        EXPECT_TRUE(bids == top(want.bids)) << symbol << " bids differ";
        EXPECT_TRUE(asks == top(want.asks)) << symbol << " asks differ";
        EXPECT_GT(want.bids.size() + want.asks.size(), 0U);
    }
};

bool has(const std::string& s, std::string_view part) {
    return s.find(part) != std::string::npos;
}

// ---------------------------------------------------------------------------------------------
// Binance spot: subscribe, errors, REST depth snapshot mid-capture + the diff stream.

bool binance_ack(const std::string& m) {
    return m.starts_with("{\"result\"") || m.starts_with("{\"code\"");
}

TEST(SimVenueBinance, SubscribeErrorsAndMidCaptureSnapshotRebuildTheReplayBook) {
    const std::string capture = "binance/BINANCE.ws.1.0.txt";
    auto sim = start_sim("binance", {capture}, "", false, 100);
    ASSERT_TRUE(sim);
    EXPECT_TRUE(has(sim->ready_line(), "\"ws\":\"ws://127.0.0.1:"));
    EXPECT_TRUE(has(sim->ready_line(), "/stream\""));
    net::io_context io;
    ws_client a(io);
    ASSERT_TRUE(a.open(sim->port(), "/stream"));
    a.send("{not json");
    EXPECT_TRUE(has(a.read().value_or(""), "\"code\":3"));
    a.send(R"({"method":"SUBSCRIBE","params":["nosuchsym@depth"],"id":7})");
    EXPECT_TRUE(has(a.read().value_or(""), "\"code\":2"));
    a.send(R"({"method":"FOO","params":[],"id":8})");
    EXPECT_TRUE(has(a.read().value_or(""), "unknown variant"));
    a.send(R"({"method":"SUBSCRIBE","params":["nknusdt@depth@100ms"],"id":1})");
    EXPECT_EQ(a.read().value_or(""), R"({"result":null,"id":1})");
    ASSERT_TRUE(wait_played(*sim, 100));
    std::vector<std::string> first;
    read_frames(a, first, 5, binance_ack);
    ASSERT_EQ(first.size(), 5U);
    EXPECT_TRUE(first[0].starts_with(
        "{\"stream\":\"nknusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\""));
    a.send(R"({"method":"LIST_SUBSCRIPTIONS","id":3})");

    // A second connection mid-capture: subscribe, then the REST snapshot, then the stream.
    ws_client b(io);
    ASSERT_TRUE(b.open(sim->port(), "/ws"));
    b.send(R"({"method":"SUBSCRIBE","params":["nknusdt@depth"],"id":2})");
    EXPECT_EQ(b.read().value_or(""), R"({"result":null,"id":2})");
    const auto depth = http_get(sim->port(), "/api/v3/depth?symbol=NKNUSDT&limit=1000");
    ASSERT_EQ(depth.status, 200) << depth.body;
    EXPECT_TRUE(depth.body.starts_with("{\"lastUpdateId\":"));
    sim->play_until(UINT64_MAX);
    a.close();
    std::vector<std::string> frames;
    read_rest(*sim, b, 2, frames, binance_ack);
    ASSERT_FALSE(frames.empty());
    EXPECT_TRUE(frames[0].starts_with("{\"e\":\"depthUpdate\"")); // raw stream on /ws

    client_books books("binance", capture);
    books.frame(depth.body, true, "http://127.0.0.1/api/v3/depth?symbol=NKNUSDT&limit=1000");
    for (const auto& f : frames) {
        books.frame(f);
    }
    books.expect_equal(replayed(capture, "binance", "NKNUSDT"), "NKNUSDT");

    // REST: limits, errors, exchangeInfo derived from the capture.
    const auto d5 = http_get(sim->port(), "/api/v3/depth?symbol=NKNUSDT&limit=5");
    EXPECT_EQ(std::count(d5.body.begin(), d5.body.end(), '['), 1 + 5 + 1 + 5);
    EXPECT_EQ(http_get(sim->port(), "/api/v3/depth?symbol=NOPE").status, 400);
    EXPECT_EQ(http_get(sim->port(), "/api/v3/depth").status, 400);
    const auto info = http_get(sim->port(), "/api/v3/exchangeInfo");
    EXPECT_EQ(info.status, 200);
    EXPECT_TRUE(has(info.body, "\"symbol\":\"NKNUSDT\"")) << info.body.substr(0, 300);
    EXPECT_TRUE(has(info.body, "\"tickSize\":"));
    EXPECT_EQ(http_get(sim->port(), "/nope").status, 404);
}

TEST(SimVenueBinance, UsdmDepthCarriesEventAndTransactionTimes) {
    const std::string capture = "binance_usdm/BINANCE_FUTURES.ws.1.0.txt";
    auto sim = start_sim("binance_usdm", {capture}, "", false, 300);
    ASSERT_TRUE(sim);
    net::io_context io;
    ws_client a(io);
    ASSERT_TRUE(a.open(sim->port(), "/stream?streams=sushiusdt@depth@100ms"));
    ASSERT_TRUE(wait_played(*sim, 300));
    std::vector<std::string> first;
    read_frames(a, first, 20, binance_ack);
    ws_client b(io);
    ASSERT_TRUE(b.open(sim->port(), "/stream"));
    b.send(R"({"method":"SUBSCRIBE","params":["sushiusdt@depth@100ms"],"id":1})");
    EXPECT_EQ(b.read().value_or(""), R"({"result":null,"id":1})");
    const auto depth = http_get(sim->port(), "/fapi/v1/depth?symbol=SUSHIUSDT&limit=1000");
    ASSERT_EQ(depth.status, 200);
    EXPECT_TRUE(has(depth.body, "\"E\":"));
    EXPECT_TRUE(has(depth.body, "\"T\":"));
    sim->play_until(UINT64_MAX);
    a.close();
    std::vector<std::string> frames;
    read_rest(*sim, b, 2, frames, binance_ack);
    client_books books("binance_usdm", capture);
    books.frame(depth.body, true, "http://127.0.0.1/fapi/v1/depth?symbol=SUSHIUSDT&limit=1000");
    for (const auto& f : frames) {
        books.frame(f);
    }
    // The REST snapshot holds at most 1000 levels a side (as on the venue): the top ones match.
    books.expect_equal(replayed(capture, "binance_usdm", "SUSHIUSDT"), "SUSHIUSDT", 200);
}

// ---------------------------------------------------------------------------------------------
// OKX

bool okx_ack(const std::string& m) {
    return m.starts_with("{\"event\"") || m.starts_with("{\"id\"") || m == "pong";
}

TEST(SimVenueOkx, AcksErrorsPingAndMidCaptureSnapshotWithChecksum) {
    const std::string capture = "okx/OKX.ws.1.0.txt";
    auto sim = start_sim("okx", {capture}, "", false, 40);
    ASSERT_TRUE(sim);
    net::io_context io;
    ws_client a(io);
    ASSERT_TRUE(a.open(sim->port(), "/ws/v5/public"));
    a.send("ping");
    EXPECT_EQ(a.read().value_or(""), "pong");
    a.send(R"({"op":"subscribe","argz":[]})");
    EXPECT_TRUE(has(a.read().value_or(""), "\"code\":\"60012\""));
    a.send(R"({"op":"subscribe","args":[{"channel":"nochannel","instId":"UNI-USD-SWAP"}]})");
    EXPECT_TRUE(has(a.read().value_or(""), "\"code\":\"60018\""));
    a.send(R"({"op":"subscribe","args":[{"channel":"books","instId":"NOPE-USD"}]})");
    EXPECT_TRUE(has(a.read().value_or(""), "\"code\":\"60018\""));
    a.send(R"({"op":"subscribe","args":[{"channel":"books","instId":"UNI-USD-SWAP"}]})");
    const auto ack = a.read().value_or("");
    EXPECT_TRUE(ack.starts_with(
        R"({"event":"subscribe","arg":{"channel":"books","instId":"UNI-USD-SWAP"},"connId":")"))
        << ack;
    ASSERT_TRUE(wait_played(*sim, 40));
    std::vector<std::string> first;
    read_frames(a, first, 10, okx_ack);
    ASSERT_EQ(first.size(), 10U);

    ws_client b(io);
    ASSERT_TRUE(b.open(sim->port(), "/ws/v5/public"));
    b.send(R"({"id":"9","op":"subscribe","args":[{"channel":"books","instId":"UNI-USD-SWAP"}]})");
    EXPECT_TRUE(has(b.read().value_or(""), R"("id":"9","event":"subscribe")"));
    sim->play_until(UINT64_MAX);
    a.close();
    std::vector<std::string> frames;
    read_rest(*sim, b, 2, frames, okx_ack);
    ASSERT_FALSE(frames.empty());
    EXPECT_TRUE(has(frames[0], "\"action\":\"snapshot\"")) << frames[0].substr(0, 200);
    client_books books("okx", capture);
    for (const auto& f : frames) {
        books.frame(f);
    }
    books.expect_equal(replayed(capture, "okx", "UNI-USD-SWAP"), "UNI-USD-SWAP");
    EXPECT_GT(books.feed->find_book("UNI-USD-SWAP")->counters.checksum_ok, 1U);

    const auto r = http_get(sim->port(), "/api/v5/market/books?instId=UNI-USD-SWAP&sz=5");
    EXPECT_TRUE(r.body.starts_with(R"({"code":"0","msg":"","data":[{"asks":[[")")) << r.body;
    EXPECT_TRUE(has(http_get(sim->port(), "/api/v5/market/books?instId=NOPE").body, "51001"));
    const auto inst = http_get(sim->port(), "/api/v5/public/instruments?instType=SWAP");
    EXPECT_TRUE(has(inst.body, "\"instId\":\"UNI-USD-SWAP\"")) << inst.body;
    EXPECT_TRUE(has(inst.body, "\"tickSz\":"));
}

// ---------------------------------------------------------------------------------------------
// Bybit spot + linear

bool bybit_ack(const std::string& m) {
    return m.starts_with("{\"success\"") || has(m.substr(0, 40), "\"op\":\"pong\"");
}

// The recording holds the linear connection's lines first, then the spot connection's:
// `at` places the second subscription inside the right one.
void bybit_case(const std::string& path, const std::string& feed_venue, const std::string& symbol,
                std::uint64_t at) {
    const std::string capture = "bybit/BYBIT.jsonl";
    auto sim = start_sim("bybit", {capture}, "", false, at);
    ASSERT_TRUE(sim);
    EXPECT_TRUE(has(sim->ready_line(), "\"ws_linear\":\"ws://127.0.0.1:"));
    net::io_context io;
    ws_client a(io);
    ASSERT_TRUE(a.open(sim->port(), path));
    a.send(R"({"op":"ping","req_id":"p1"})");
    EXPECT_TRUE(has(a.read().value_or(""), "pong"));
    a.send(R"({"op":"subscribe","args":["orderbook.200.NOPEUSDT"],"req_id":"1"})");
    EXPECT_TRUE(has(a.read().value_or(""), "\"success\":false"));
    a.send(R"({"op":"subscribe","args":["nochannel.BTCUSDT"],"req_id":"1"})");
    EXPECT_TRUE(has(a.read().value_or(""), "\"success\":false"));
    const std::string topic = "orderbook.200." + symbol;
    a.send(R"({"op":"subscribe","args":[")" + topic + R"("],"req_id":"2"})");
    EXPECT_TRUE(has(a.read().value_or(""), R"("success":true,"ret_msg":"subscribe")"));
    ASSERT_TRUE(wait_played(*sim, at));
    std::vector<std::string> first;
    read_frames(a, first, 5, bybit_ack);
    ASSERT_EQ(first.size(), 5U);
    ws_client b(io);
    ASSERT_TRUE(b.open(sim->port(), path));
    b.send(R"({"op":"subscribe","args":[")" + topic + R"("],"req_id":"3"})");
    EXPECT_TRUE(has(b.read().value_or(""), "\"success\":true"));
    sim->play_until(UINT64_MAX);
    a.close();
    std::vector<std::string> frames;
    read_rest(*sim, b, 2, frames, bybit_ack);
    ASSERT_FALSE(frames.empty());
    EXPECT_TRUE(has(frames[0], "\"type\":\"snapshot\""));
    client_books books(feed_venue, capture);
    for (const auto& f : frames) {
        books.frame(f);
    }
    books.expect_equal(replayed(capture, feed_venue, symbol), symbol);
    const auto category = feed_venue == "bybit_spot" ? "spot" : "linear";
    const auto r = http_get(sim->port(), std::string("/v5/market/orderbook?category=") + category +
                                             "&symbol=" + symbol + "&limit=3");
    EXPECT_TRUE(has(r.body, "\"retCode\":0")) << r.body;
    const auto i =
        http_get(sim->port(), std::string("/v5/market/instruments-info?category=") + category);
    EXPECT_TRUE(has(i.body, "\"symbol\":\"" + symbol + "\"")) << i.body.substr(0, 300);
}

TEST(SimVenueBybit, SpotMidCaptureSnapshotRebuildsTheReplayBook) {
    bybit_case("/v5/public/spot", "bybit_spot", "BTCUSDT", 1600);
}

TEST(SimVenueBybit, LinearMidCaptureSnapshotRebuildsTheReplayBook) {
    bybit_case("/v5/public/linear", "bybit_linear", "ETHUSDT", 600);
}

// ---------------------------------------------------------------------------------------------
// Coinbase, Kraken, Deribit: one case each. A connection subscribes from the start, playback
// stops at `at` frames, a second connection subscribes there (its snapshot is built from the
// sim's book), and everything it receives rebuilds exactly the replay's book.

struct venue_case {
    std::string venue;
    std::string capture;
    std::string path;
    std::string subscribe;
    std::string ack_part;   // in the subscription's acknowledgement
    std::string bad;        // a malformed or unknown subscription
    std::string error_part; // in its error reply
    std::string decoder;    // Ballast's decoder for what the client receives
    std::string symbol;     // the book compared
    std::string replay_venue;
    std::string replay_symbol;
    std::uint64_t at = 0;
};

void mid_capture_case(const venue_case& v) {
    auto sim = start_sim(v.venue, {v.capture}, "", false, v.at);
    ASSERT_TRUE(sim);
    net::io_context io;
    ws_client a(io);
    ASSERT_TRUE(a.open(sim->port(), v.path));
    std::uint64_t a_messages = 0;
    const auto read_until_part = [&](ws_client& c, const std::string& part, std::uint64_t* n) {
        for (int i = 0; i < 20; ++i) {
            auto m = c.read();
            if (!m) {
                return std::string();
            }
            if (n != nullptr) {
                ++*n;
            }
            if (has(*m, part)) {
                return *m;
            }
        }
        return std::string();
    };
    a.send(v.bad);
    EXPECT_FALSE(read_until_part(a, v.error_part, nullptr).empty()) << v.venue << " error reply";
    a.send(v.subscribe);
    EXPECT_FALSE(read_until_part(a, v.ack_part, &a_messages).empty()) << v.venue << " ack";
    ASSERT_TRUE(wait_played(*sim, v.at));

    ws_client b(io);
    ASSERT_TRUE(b.open(sim->port(), v.path));
    b.send(v.subscribe);
    client_books books(v.decoder, v.capture);
    books.sent(v.subscribe);
    std::uint64_t received = 0;
    const std::string ack = read_until_part(b, v.ack_part, &received);
    EXPECT_FALSE(ack.empty()) << v.venue << " second ack";
    sim->play_until(UINT64_MAX);
    a.close();
    ASSERT_TRUE(wait_capture_done(*sim));
    const auto st = status_of(sim->port(), 2);
    ASSERT_TRUE(st.found);
    EXPECT_GT(st.frames_sent, 1U) << v.venue << ": the snapshot and later frames";
    // Everything the second connection was sent, acks and keep-alives included (the decoders
    // skip them; Coinbase's sequence_num counts them).
    std::vector<std::string> all;
    while (received + all.size() < st.messages_sent) {
        auto m = b.read();
        if (!m) {
            break;
        }
        all.push_back(std::move(*m));
    }
    EXPECT_EQ(received + all.size(), st.messages_sent);
    // Re-read from the start: the messages before the ack were consumed by read_until_part.
    books.frame(ack);
    for (const auto& m : all) {
        books.frame(m);
    }
    books.expect_equal(replayed(v.capture, v.replay_venue, v.replay_symbol), v.symbol);
}

TEST(SimVenueCoinbase, AdvancedTradeSnapshotAndRenumberedSequenceRebuildTheReplayBook) {
    mid_capture_case({"coinbase", "coinbase/COINBASE_ADVANCED.jsonl", "/",
                      R"({"type":"subscribe","product_ids":["BTC-USD"],"channel":"level2"})",
                      "\"channel\":\"subscriptions\"",
                      R"({"type":"subscribe","product_ids":["BTC-USD"],"channel":"nochannel"})",
                      "\"type\":\"error\"", "coinbase", "BTC-USD", "coinbase", "BTC-USD", 300});
}

TEST(SimVenueCoinbase, ExchangeSnapshotRebuildsTheReplayBook) {
    mid_capture_case(
        {"coinbase_exchange", "coinbase_exchange/COINBASE.ws.28.0.txt", "/",
         R"({"type":"subscribe","product_ids":["SKL-USD"],"channels":["level2"],"key":"k","signature":"s","passphrase":"p","timestamp":"1"})",
         "\"type\":\"subscriptions\"",
         R"({"type":"subscribe","product_ids":["NOPE-USD"],"channels":["level2"]})",
         "is not a valid product", "coinbase_exchange", "SKL-USD", "coinbase_exchange", "SKL-USD",
         400});
}

TEST(SimVenueKraken, V1SnapshotAndChecksummedUpdatesRebuildTheReplayBook) {
    mid_capture_case(
        {"kraken", "kraken/KRAKEN.ws.50.0.txt", "/",
         R"({"event":"subscribe","pair":["XBT/CHF"],"subscription":{"name":"book","depth":1000},"reqid":5})",
         "\"status\":\"subscribed\"",
         R"({"event":"subscribe","pair":["NOPE/XYZ"],"subscription":{"name":"book","depth":1000}})",
         "Currency pair not supported", "kraken", "XBT/CHF", "kraken", "XBT/CHF", 300});
}

TEST(SimVenueKraken, V2FramesTranslatedFromTheV1CaptureRebuildTheReplayBook) {
    mid_capture_case(
        {"kraken", "kraken/KRAKEN.ws.50.0.txt", "/v2",
         R"({"method":"subscribe","params":{"channel":"book","symbol":["BTC/CHF"],"depth":1000},"req_id":1})",
         "\"success\":true",
         R"({"method":"subscribe","params":{"channel":"book","symbol":["NOPE/XYZ"],"depth":1000},"req_id":2})",
         "\"success\":false", "kraken_v2", "BTC/CHF", "kraken", "XBT/CHF", 300});
}

TEST(SimVenueDeribit, SnapshotWithChangeIdRebuildsTheReplayBook) {
    mid_capture_case(
        {"deribit", "deribit/DERIBIT.ws.1.0.txt", "/ws/api/v2",
         R"({"jsonrpc":"2.0","id":3,"method":"public/subscribe","params":{"channels":["book.BTC-31DEC21-300000-C.raw"]}})",
         "\"result\":[\"book.BTC-31DEC21-300000-C.raw\"]",
         R"({"jsonrpc":"2.0","id":4,"method":"public/subscribe","params":{"channels":["book.NOPE.raw"]}})",
         "-32602", "deribit", "BTC-31DEC21-300000-C", "deribit", "BTC-31DEC21-300000-C",
         8}); // between the recorded snapshot and change
}

TEST(SimVenueDeribit, HeartbeatAuthAndInstruments) {
    auto sim = start_sim("deribit", {"deribit/DERIBIT.ws.1.0.txt"});
    ASSERT_TRUE(sim);
    net::io_context io;
    ws_client a(io);
    ASSERT_TRUE(a.open(sim->port(), "/ws/api/v2"));
    a.send(
        R"({"jsonrpc":"2.0","id":1,"method":"public/auth","params":{"grant_type":"client_signature"}})");
    EXPECT_TRUE(has(a.read().value_or(""), "\"access_token\""));
    a.send(R"({"jsonrpc":"2.0","id":2,"method":"public/set_heartbeat","params":{"interval":3}})");
    EXPECT_TRUE(has(a.read().value_or(""), "-32602"));
    a.send(R"({"jsonrpc":"2.0","id":3,"method":"public/nope"})");
    EXPECT_TRUE(has(a.read().value_or(""), "-32601"));
    a.send("{oops");
    EXPECT_TRUE(has(a.read().value_or(""), "-32700"));
    const auto all = http_get(sim->port(), "/api/v2/public/get_instruments");
    EXPECT_TRUE(has(all.body, "BTC-24SEP21-8000-P")) << all.body.substr(0, 200);
    const auto eth =
        http_get(sim->port(), "/api/v2/public/get_instruments?currency=ETH&kind=option");
    EXPECT_FALSE(has(eth.body, "\"base_currency\":\"BTC\""));
}

TEST(SimVenueKraken, PingHeartbeatAndAssetPairs) {
    auto sim = start_sim("kraken", {"kraken/KRAKEN.ws.50.0.txt"});
    ASSERT_TRUE(sim);
    EXPECT_TRUE(has(sim->ready_line(), "\"ws_v2\":\"ws://127.0.0.1:"));
    net::io_context io;
    ws_client a(io);
    ASSERT_TRUE(a.open(sim->port(), "/"));
    EXPECT_TRUE(has(a.read().value_or(""), "\"event\":\"systemStatus\""));
    a.send(R"({"event":"ping","reqid":42})");
    EXPECT_EQ(a.read().value_or(""), R"({"event":"pong","reqid":42})");
    a.send(R"({"event":"subscribe","pair":["XBT/CHF"],"subscription":{"name":"book","depth":10}})");
    EXPECT_TRUE(has(a.read().value_or(""), "Subscription depth not supported"));
    const auto pairs = http_get(sim->port(), "/0/public/AssetPairs");
    EXPECT_TRUE(has(pairs.body, "\"wsname\":\"XBT\\/CHF\"")); // the recorded reply, as sent
    ws_client b(io);
    ASSERT_TRUE(b.open(sim->port(), "/v2"));
    EXPECT_TRUE(has(b.read().value_or(""), "\"channel\":\"status\""));
    b.send(R"({"method":"ping","req_id":7})");
    EXPECT_TRUE(has(b.read().value_or(""), R"({"method":"pong","req_id":7)"));
}

TEST(SimVenueCoinbase, RestProductsAndBooks) {
    auto sim = start_sim("coinbase", {"coinbase/COINBASE_ADVANCED.jsonl"});
    ASSERT_TRUE(sim);
    const auto p = http_get(sim->port(), "/api/v3/brokerage/market/products");
    EXPECT_TRUE(has(p.body, "\"product_id\":\"BTC-USD\"")) << p.body.substr(0, 200);
    EXPECT_EQ(http_get(sim->port(), "/api/v3/brokerage/market/products?product_type=FUTURE").body,
              R"({"products":[],"num_products":0})");
    auto ex = start_sim("coinbase_exchange", {"coinbase_exchange/COINBASE.ws.28.0.txt"});
    ASSERT_TRUE(ex);
    EXPECT_TRUE(has(http_get(ex->port(), "/products").body, "\"id\":\"SKL-USD\""));
    EXPECT_EQ(http_get(ex->port(), "/products/NOPE-USD/book?level=2").status, 404);
}

// ---------------------------------------------------------------------------------------------
// Faults: each against the OKX books frames a connection that subscribes first receives.

std::vector<std::string> recorded_okx_books() {
    std::vector<std::string> out;
    feed::recording_reader r(false);
    EXPECT_FALSE(r.open(data_path("okx/OKX.ws.1.0.txt")).has_value());
    while (auto f = r.next()) {
        if (f->kind == feed::frame_kind::received &&
            f->data.starts_with(R"({"arg":{"channel":"books","instId":"UNI-USD-SWAP"})")) {
            out.emplace_back(f->data);
        }
    }
    return out;
}

std::vector<std::string> okx_frames_with(const std::string& faults, bool* closed = nullptr,
                                         std::string* reply = nullptr) {

    auto sim = start_sim("okx", {"okx/OKX.ws.1.0.txt"}, faults);
    if (!sim) {
        return {};
    }
    net::io_context io;
    ws_client a(io);
    EXPECT_TRUE(a.open(sim->port(), "/ws/v5/public"));
    a.send(R"({"op":"subscribe","args":[{"channel":"books","instId":"UNI-USD-SWAP"}]})");
    const std::string ack = a.read().value_or("");
    if (reply != nullptr) {
        *reply = ack;
    }
    std::vector<std::string> frames;
    if (!has(ack, "\"event\":\"subscribe\"")) {
        return frames;
    }
    // The capture is played whether or not the client reads (the socket buffers it); then
    // every message the connection was sent is read (or until it closes).
    EXPECT_TRUE(wait_capture_done(*sim));
    const auto st = status_of(sim->port(), 1);
    while (!st.found || frames.size() + 1 < st.messages_sent) {
        auto m = a.read();
        if (!m) {
            break;
        }
        frames.push_back(std::move(*m));
    }
    if (closed != nullptr) {
        // Everything sent was read: what follows is the close (or nothing, until the timeout).
        *closed = a.closed() || (!a.read(5s) && a.closed());
    }
    return frames;
}

TEST(SimVenueFaults, ParseErrorsNameTheItem) {
    std::vector<exec::sim_fault> f;
    EXPECT_FALSE(
        exec::parse_sim_faults("drop:frame=3,close:after=10:conn=all,stall:frame=2:ms=5", f));
    EXPECT_EQ(f.size(), 3U);
    EXPECT_TRUE(exec::parse_sim_faults("explode:frame=1", f).value_or("").find("explode") !=
                std::string::npos);
    EXPECT_TRUE(exec::parse_sim_faults("drop", f).has_value());
    EXPECT_TRUE(exec::parse_sim_faults("drop:frame=x", f).has_value());
    EXPECT_TRUE(exec::parse_sim_faults("drop:p=2", f).has_value());
    EXPECT_TRUE(exec::parse_sim_faults("drop:bogus=1", f).has_value());
}

TEST(SimVenueFaults, EachFaultChangesTheServedStreamAsSpecified) {
    const auto recorded = recorded_okx_books();
    ASSERT_GT(recorded.size(), 10U);
    {
        const auto plain = okx_frames_with("");
        EXPECT_EQ(plain.size(), recorded.size());
        for (std::size_t i = 0; i < std::min(plain.size(), recorded.size()); ++i) {
            if (plain[i] != recorded[i]) {
                ADD_FAILURE() << "frame " << i << ": " << plain[i].substr(0, 200) << " vs "
                              << recorded[i].substr(0, 200);
                break;
            }
        }
    }

    auto dropped = recorded;
    dropped.erase(dropped.begin() + 4);
    EXPECT_TRUE(okx_frames_with("drop:frame=5") == dropped);

    auto dup = recorded;
    dup.insert(dup.begin() + 4, recorded[4]);
    EXPECT_TRUE(okx_frames_with("dup:frame=5") == dup);

    auto reordered = recorded;
    std::swap(reordered[4], reordered[5]);
    EXPECT_TRUE(okx_frames_with("reorder:frame=5") == reordered);

    const auto corrupted = okx_frames_with("corrupt:frame=5");
    ASSERT_EQ(corrupted.size(), recorded.size());
    EXPECT_NE(corrupted[4], recorded[4]);
    EXPECT_EQ(corrupted[5], recorded[5]);
    {
        client_books books("okx", "okx/OKX.ws.1.0.txt");
        for (const auto& f : corrupted) {
            books.frame(f);
        }
        EXPECT_EQ(books.feed->find_book("UNI-USD-SWAP")->counters.checksum_fail, 1U);
    }

    const auto garbage = okx_frames_with("garbage:frame=5");
    ASSERT_EQ(garbage.size(), recorded.size() + 1);
    EXPECT_FALSE(garbage[4].starts_with("{"));
    EXPECT_EQ(garbage[5], recorded[4]);

    bool closed = false;
    const auto cut = okx_frames_with("close:after=7", &closed);
    EXPECT_TRUE(closed);
    EXPECT_TRUE(cut == std::vector<std::string>(recorded.begin(), recorded.begin() + 7));

    // A stall delays but loses nothing.
    EXPECT_TRUE(okx_frames_with("stall:frame=3:ms=200") == recorded);

    std::string reply;
    EXPECT_TRUE(okx_frames_with("refuse:sub=1", nullptr, &reply).empty());
    EXPECT_TRUE(has(reply, "\"event\":\"error\"")) << reply;

    // Seeded probabilities repeat exactly.
    const auto p1 = okx_frames_with("drop:p=0.2:seed=7");
    EXPECT_LT(p1.size(), recorded.size());
    EXPECT_TRUE(okx_frames_with("drop:p=0.2:seed=7") == p1);
}

TEST(SimVenueOkx, ResubscribingMidCaptureSendsAFreshSnapshot) {
    const std::string capture = "okx/OKX.ws.1.0.txt";
    auto sim = start_sim("okx", {capture}, "", false, 50);
    ASSERT_TRUE(sim);
    net::io_context io;
    ws_client a(io);
    ASSERT_TRUE(a.open(sim->port(), "/ws/v5/public"));
    const std::string sub =
        R"({"op":"subscribe","args":[{"channel":"books","instId":"UNI-USD-SWAP"}]})";
    a.send(sub);
    ASSERT_TRUE(wait_played(*sim, 50));
    // The resync procedure: unsubscribe, subscribe; the frames already queued are skipped.
    a.send(R"({"op":"unsubscribe","args":[{"channel":"books","instId":"UNI-USD-SWAP"}]})");
    a.send(sub);
    std::vector<std::string> after; // from the second subscribe acknowledgement on
    std::uint64_t total = 0;
    int subscribes = 0;
    while (subscribes < 2) {
        auto m = a.read();
        ASSERT_TRUE(m.has_value());
        ++total;
        subscribes += has(*m, "\"event\":\"subscribe\"") ? 1 : 0;
    }
    sim->play_until(UINT64_MAX);
    ASSERT_TRUE(wait_capture_done(*sim));
    const auto st = status_of(sim->port(), 1);
    while (total < st.messages_sent) {
        auto m = a.read();
        if (!m) {
            break;
        }
        ++total;
        after.push_back(std::move(*m));
    }
    EXPECT_EQ(total, st.messages_sent);
    ASSERT_FALSE(after.empty());
    EXPECT_TRUE(has(after[0], "\"action\":\"snapshot\"")) << after[0].substr(0, 100);
    client_books books("okx", capture);
    for (const auto& f : after) {
        books.frame(f);
    }
    books.expect_equal(replayed(capture, "okx", "UNI-USD-SWAP"), "UNI-USD-SWAP");
    EXPECT_GT(st.frames_sent, after.size());
}

TEST(SimVenueBinance, StreamsNamedInTheUrl) {
    auto sim = start_sim("binance", {"binance/BINANCE.ws.1.0.txt"});
    ASSERT_TRUE(sim);
    net::io_context io;
    ws_client raw(io);
    ASSERT_TRUE(raw.open(sim->port(), "/ws/nknusdt@depth@100ms"));
    EXPECT_TRUE(raw.read().value_or("").starts_with(R"({"e":"depthUpdate")"));
    raw.send(R"({"method":"LIST_SUBSCRIPTIONS","id":9})");
    for (int i = 0; i < 500; ++i) {
        const auto m = raw.read().value_or("");
        if (m.starts_with("{\"result\"")) {
            EXPECT_EQ(m, R"({"result":["nknusdt@depth@100ms"],"id":9})");
            break;
        }
        ASSERT_FALSE(m.empty());
    }
    ws_client combined(io);
    ASSERT_TRUE(combined.open(sim->port(), "/stream?streams=nknusdt@depth@100ms"));
    (void)combined;
}

/// Everything one connection that subscribes at the start receives, under `faults`.
std::vector<std::string> all_messages(const std::string& venue, const std::string& capture,
                                      const std::string& path, const std::string& subscribe,
                                      const std::string& faults) {
    std::vector<std::string> out;
    auto sim = start_sim(venue, {capture}, faults);
    if (!sim) {
        return out;
    }
    net::io_context io;
    ws_client a(io);
    EXPECT_TRUE(a.open(sim->port(), path));
    a.send(subscribe);
    EXPECT_TRUE(wait_capture_done(*sim));
    const auto st = status_of(sim->port(), 1);
    while (out.size() < st.messages_sent) {
        auto m = a.read();
        if (!m) {
            break;
        }
        out.push_back(std::move(*m));
    }
    return out;
}

TEST(SimVenueFaults, KrakenCorruptChecksumAndCoinbaseDropAreSeenByTheDecoders) {
    {
        const std::string capture = "kraken/KRAKEN.ws.50.0.txt";
        client_books books("kraken", capture);
        for (
            const auto& m : all_messages(
                "kraken", capture, "/",
                R"({"event":"subscribe","pair":["XBT/CHF"],"subscription":{"name":"book","depth":1000}})",
                "corrupt:frame=4")) {
            books.frame(m);
        }
        const auto* b = books.feed->find_book("XBT/CHF");
        ASSERT_NE(b, nullptr);
        // Frames 2 and 3 (after the snapshot) matched; frame 4 did not: stale until resubscribed.
        EXPECT_EQ(b->counters.checksum_ok, 2U);
        EXPECT_EQ(b->counters.checksum_fail, 1U);
        EXPECT_EQ(b->health, feed::book_health::stale_checksum);
    }
    {
        const std::string capture = "coinbase/COINBASE_ADVANCED.jsonl";
        client_books books("coinbase", capture);
        for (const auto& m :
             all_messages("coinbase", capture, "/",
                          R"({"type":"subscribe","product_ids":["BTC-USD"],"channel":"level2"})",
                          "drop:frame=5")) {
            books.frame(m);
        }
        const auto* b = books.feed->find_book("BTC-USD");
        ASSERT_NE(b, nullptr);
        // The dropped message used a sequence_num: the client sees the gap.
        EXPECT_NE(b->health, feed::book_health::live);
    }
}

// ---------------------------------------------------------------------------------------------
// TLS and status

TEST(SimVenueTls, ServesWssAndHttpsWithItsOwnAuthority) {
    auto sim = start_sim("okx", {"okx/OKX.ws.1.0.txt"}, "", true);
    ASSERT_TRUE(sim);
    EXPECT_TRUE(has(sim->ready_line(), "\"ws\":\"wss://127.0.0.1:"));
    EXPECT_TRUE(has(sim->ready_line(), "\"rest\":\"https://127.0.0.1:"));
    EXPECT_TRUE(has(sim->ready_line(), "\"ca_file\":"));
    net::io_context io;
    net::ssl::context tls(net::ssl::context::tls_client);
    tls.load_verify_file(sim->ca_file());
    tls.set_verify_mode(net::ssl::verify_peer);
    basic_ws_client<beast::ssl_stream<beast::tcp_stream>> a(io, tls);
    ASSERT_TRUE(a.open(sim->port(), "/ws/v5/public"));
    a.send("ping");
    EXPECT_EQ(a.read().value_or(""), "pong");
    a.send(R"({"op":"subscribe","args":[{"channel":"books","instId":"UNI-USD-SWAP"}]})");
    EXPECT_TRUE(has(a.read().value_or(""), "\"event\":\"subscribe\""));
    EXPECT_TRUE(has(a.read().value_or(""), "\"action\":\"snapshot\""));

    // A client that trusts only the system's authorities is refused.
    net::ssl::context untrusted(net::ssl::context::tls_client);
    untrusted.set_verify_mode(net::ssl::verify_peer);
    basic_ws_client<beast::ssl_stream<beast::tcp_stream>> bad(io, untrusted);
    EXPECT_FALSE(bad.open(sim->port(), "/ws/v5/public"));
}

TEST(SimVenueStatus, ReportsConnectionsAndTheCaptureEnd) {
    auto sim = start_sim("okx", {"okx/OKX.ws.1.0.txt"});
    ASSERT_TRUE(sim);
    std::vector<std::string> events;
    std::mutex m;
    sim->set_event_sink([&](const std::string& line) {
        std::lock_guard lock(m);
        events.push_back(line);
    });
    const auto before = http_get(sim->port(), "/ballast/status");
    EXPECT_TRUE(has(before.body, "\"capture_done\":false")) << before.body;
    net::io_context io;
    ws_client a(io);
    ASSERT_TRUE(a.open(sim->port(), "/ws/v5/public"));
    a.send(R"({"op":"subscribe","args":[{"channel":"books","instId":"UNI-USD-SWAP"}]})");
    std::vector<std::string> frames;
    read_rest(*sim, a, 1, frames, okx_ack);
    const auto after = http_get(sim->port(), "/ballast/status");
    EXPECT_TRUE(has(after.body, "\"capture_done\":true"));
    EXPECT_TRUE(has(after.body, "\"subscriptions\":[\"books\"]")) << after.body;
    std::lock_guard lock(m);
    ASSERT_EQ(events.size(), 1U);
    EXPECT_TRUE(events[0].starts_with("{\"event\":\"capture_end\",\"frames\":"));
    // Keep-alives still answered after the end.
    a.send("ping");
    EXPECT_EQ(a.read().value_or(""), "pong");
}

TEST(SimVenueOptions, BadInputNamesTheOption) {
    auto err = [](exec::sim_venue_options o) {
        exec::sim_venue sim(std::move(o));
        return sim.start().value_or("");
    };
    exec::sim_venue_options o;
    o.venue = "nasdaq";
    o.captures = {data_path("okx/OKX.ws.1.0.txt")};
    EXPECT_TRUE(err(o).starts_with("--venue:"));
    o.venue = "okx";
    o.listen = "localhost";
    EXPECT_TRUE(err(o).starts_with("--listen:"));
    o.listen = "127.0.0.1:0";
    o.captures = {"/nonexistent/capture.txt"};
    EXPECT_TRUE(err(o).starts_with("--capture:"));
    o.captures = {data_path("binance/BINANCE.ws.1.0.txt")};
    EXPECT_TRUE(err(o).starts_with("--capture: no okx frames"));
}

} // namespace
