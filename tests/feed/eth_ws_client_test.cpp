// The Ethereum WebSocket client against a scripted node (a Beast WebSocket server on
// loopback): backfill in chunks that shrink when the node refuses a range, live
// notifications held back until the backfill is applied, a jump between heads backfilled on
// the live connection, a dropped connection and a refused subscription retried with backoff,
// each gap reported once and closed exactly. Plus URL parsing and the backoff schedule.
#include "feed/eth_ws_client.hpp"
#include "feed/tls_cert.hpp"

#include "asio_test_util.hpp"
#include "eth_log_builders.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace ballast;
using namespace ballast::feed;
using namespace ballast::test;

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

const std::string pair_address = "0xb4e16d0168e52d35cacd2c6185b44281ec28c9dc";

TEST(WsUrl, ParsesHostPortAndTargetAndNamesWhatIsWrong) {
    std::string error;
    auto u = parse_ws_url("ws://127.0.0.1:8545", error);
    ASSERT_TRUE(u.has_value()) << error;
    EXPECT_EQ(u->host, "127.0.0.1");
    EXPECT_EQ(u->port, "8545");
    EXPECT_EQ(u->target, "/");
    u = parse_ws_url("ws://node.local/v3/key", error);
    ASSERT_TRUE(u.has_value()) << error;
    EXPECT_EQ(u->host, "node.local");
    EXPECT_EQ(u->port, "80");
    EXPECT_EQ(u->target, "/v3/key");
    u = parse_ws_url("ws://[::1]:8546/", error);
    ASSERT_TRUE(u.has_value()) << error;
    EXPECT_EQ(u->host, "::1");
    EXPECT_EQ(u->port, "8546");

    EXPECT_FALSE(u->tls);
    u = parse_ws_url("wss://mainnet.example/ws/v3/key", error);
    ASSERT_TRUE(u.has_value()) << error;
    EXPECT_TRUE(u->tls);
    EXPECT_EQ(u->port, "443");
    EXPECT_EQ(u->target, "/ws/v3/key");

    for (const char* bad : {"http://127.0.0.1:8545", "ws://:8545", "ws://host:0", "ws://host:70000",
                            "ws://host:85x", "ws://[::1", "ws://host:", "wss://"}) {
        EXPECT_FALSE(parse_ws_url(bad, error).has_value()) << bad;
        EXPECT_EQ(error.rfind("url: ", 0), 0U) << bad << ": " << error;
    }
}

TEST(WsBackoff, DoublesToTheCapWithSeededJitterInTheUpperHalf) {
    net::io_context io;
    pool_follower f;
    pool_follower_sink sink(f);
    eth_ws_options o;
    o.url = "ws://127.0.0.1:9";
    o.backoff_initial = std::chrono::milliseconds(100);
    o.backoff_max = std::chrono::milliseconds(1000);
    o.jitter_seed = 42;
    eth_ws_client a(io, sink, o);
    eth_ws_client b(io, sink, o);
    const std::int64_t nominal[] = {100, 200, 400, 800, 1000, 1000, 1000};
    bool jittered = false;
    for (unsigned i = 0; i < std::size(nominal); ++i) {
        const auto d = a.backoff_delay(i).count();
        EXPECT_EQ(d, b.backoff_delay(i).count()) << "same seed, same schedule";
        EXPECT_GE(d, nominal[i] - nominal[i] / 2) << i;
        EXPECT_LE(d, nominal[i]) << i;
        jittered = jittered || d != nominal[i];
    }
    EXPECT_TRUE(jittered);
}

/// Reserves of the scripted pair after block b's Sync (index i of that block).
u256 reserve0(std::uint64_t b, std::uint32_t i = 0) {
    return u256(1000 + b * 10 + i);
}
u256 reserve1(std::uint64_t b, std::uint32_t i = 0) {
    return u256(2000 + b * 10 + i);
}

/// The chain: one Sync per block from 101 to 130, none in 112, two in 113.
std::vector<log_spec> chain_logs(std::uint64_t from, std::uint64_t to) {
    std::vector<log_spec> out;
    for (std::uint64_t b = std::max<std::uint64_t>(from, 101); b <= to; ++b) {
        if (b == 112) {
            continue;
        }
        const std::uint32_t n = b == 113 ? 2 : 1;
        for (std::uint32_t i = 0; i < n; ++i) {
            out.push_back(v2_sync_log(pair_address, reserve0(b, i), reserve1(b, i), b, i));
        }
    }
    return out;
}

std::string logs_array(std::uint64_t from, std::uint64_t to) {
    std::string a = "[";
    for (const auto& l : chain_logs(from, to)) {
        a += (a.size() == 1 ? "" : ",") + log_object(l);
    }
    return a + "]";
}

/// Ends a peer thread's blocking accept/read/handshake: shutting a socket down (from any thread)
/// makes the call in progress, and every later one, fail at once. A test calls it before
/// joining its server thread, so a client that never comes fails the test instead of hanging it.
inline void unblock_socket(int fd) noexcept {
    if (fd >= 0) {
        ::shutdown(fd, SHUT_RDWR);
    }
}

/// A scripted node: blocking Beast WebSocket server run on its own thread.
class fake_node {
  public:
    struct request {
        std::int64_t id = -1;
        std::string method;
        std::string params; ///< minified JSON
        std::uint64_t from = 0;
        std::uint64_t to = 0;
    };

    fake_node()
        : acceptor_(io_, {net::ip::make_address("127.0.0.1"), 0}),
          acceptor_fd_(acceptor_.native_handle()) {}
    [[nodiscard]] std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

    void accept() {
        ws_.emplace(io_);
        acceptor_.accept(ws_->next_layer());
        conn_fd_ = ws_->next_layer().native_handle();
        ws_->accept();
        ws_->text(true);
    }
    void drop() {
        conn_fd_ = -1;
        beast::error_code ignored;
        ws_->next_layer().close(ignored);
    }
    /// From the test's thread: the server thread's blocking calls fail from now on.
    void unblock() noexcept {
        unblock_socket(acceptor_fd_);
        unblock_socket(conn_fd_.load());
    }
    request read(std::string_view expected_method) {
        beast::flat_buffer b;
        ws_->read(b);
        const std::string text = beast::buffers_to_string(b.data());
        simdjson::dom::element e = parser_.parse(text);
        request r;
        r.id = e["id"].get_int64();
        r.method = std::string(std::string_view(e["method"]));
        r.params = simdjson::to_string(e["params"]);
        if (r.method == "eth_getLogs") {
            r.from = parse_hex_quantity(std::string_view(e["params"].at(0)["fromBlock"])).value();
            r.to = parse_hex_quantity(std::string_view(e["params"].at(0)["toBlock"])).value();
        }
        if (r.method != expected_method) {
            throw std::runtime_error("expected " + std::string(expected_method) + ", got " + text);
        }
        return r;
    }
    void send(const std::string& text) { ws_->write(net::buffer(text)); }
    void respond(const request& r, const std::string& result) {
        send(R"({"jsonrpc":"2.0","id":)" + std::to_string(r.id) + R"(,"result":)" + result + "}");
    }
    void refuse(const request& r, const std::string& message) {
        send(R"({"jsonrpc":"2.0","id":)" + std::to_string(r.id) +
             R"(,"error":{"code":-32005,"message":")" + message + "\"}}");
    }
    /// Subscribes and reports `head`; returns the subscribe-logs request's params.
    std::string handshake(std::uint64_t head) {
        const auto logs = read("eth_subscribe");
        respond(logs, "\"0xaa\"");
        respond(read("eth_subscribe"), "\"0xbb\"");
        respond(read("eth_blockNumber"), "\"" + hex_quantity(head) + "\"");
        return logs.params;
    }
    /// Serves eth_getLogs until `to` is covered; returns the ranges asked.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> serve_logs(std::uint64_t to) {
        std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
        for (;;) {
            const auto r = read("eth_getLogs");
            ranges.emplace_back(r.from, r.to);
            respond(r, logs_array(r.from, r.to));
            if (r.to >= to) {
                return ranges;
            }
        }
    }

  private:
    net::io_context io_;
    tcp::acceptor acceptor_;
    const int acceptor_fd_;
    std::atomic<int> conn_fd_{-1};
    std::optional<websocket::stream<tcp::socket>> ws_;
    simdjson::dom::parser parser_;
};

/// Records what the client reports, then passes it on to the follower.
struct recording_sink final : eth_stream_sink {
    explicit recording_sink(pool_follower& f) : follower(f), inner(f) {}
    void on_message(const eth_message& m) override { inner.on_message(m); }
    void on_gap(std::string_view reason) override {
        inner.on_gap(reason);
        events.push_back("gap stale=" + stale());
    }
    void on_caught_up(std::uint64_t block) override {
        inner.on_caught_up(block);
        events.push_back("caught up " + std::to_string(block) + " stale=" + stale());
    }
    [[nodiscard]] std::string stale() const {
        return follower.size() == 0 ? "-" : std::to_string(follower.stale(0));
    }
    pool_follower& follower;
    pool_follower_sink inner;
    std::vector<std::string> events;
};

TEST(EthWsClient, BackfillsInOrderAcrossRefusalsHeadJumpsAndReconnects) {
    fake_node node;
    std::string server_error;
    std::string subscribe_params;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> first_ranges;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> jump_ranges;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> reconnect_ranges;
    std::atomic<bool> server_done{false};
    std::thread server([&] {
        try {
            node.accept();
            subscribe_params = node.handshake(110);
            // The first range is refused as too large: the client asks for fewer blocks.
            const auto big = node.read("eth_getLogs");
            first_ranges.emplace_back(big.from, big.to);
            node.refuse(big, "query returned more than 10000 results");
            const auto r = node.read("eth_getLogs");
            first_ranges.emplace_back(r.from, r.to);
            // Block 111 goes out live before the backfill answer: it must wait.
            node.send(notification(
                log_object(v2_sync_log(pair_address, reserve0(111), reserve1(111), 111, 0))));
            node.send(head_notification(111));
            node.respond(r, logs_array(r.from, r.to));
            for (const auto& range : node.serve_logs(110)) {
                first_ranges.push_back(range);
            }
            // Heads 113 and 114 never arrive; 115's log arrives with its head.
            node.send(head_notification(112));
            node.send(head_notification(115));
            node.send(notification(
                log_object(v2_sync_log(pair_address, reserve0(115), reserve1(115), 115, 0))));
            node.respond(node.read("eth_blockNumber"), "\"0x73\"");
            jump_ranges = node.serve_logs(115);
            // The node goes away; the next connection's subscription is refused once.
            node.drop();
            node.accept();
            node.refuse(node.read("eth_subscribe"), "too many subscriptions");
            node.drop();
            node.accept();
            node.handshake(117);
            reconnect_ranges = node.serve_logs(117);
            node.send(head_notification(118));
        } catch (const std::exception& e) {
            server_error = e.what();
        }
        server_done = true;
    });

    pool_follower follower;
    pool_state start;
    start.kind = pool_kind::uniswap_v2;
    start.meta.address = pair_address;
    start.meta.block = 100;
    ASSERT_EQ(start.v2.reset(3000, reserve0(100), reserve1(100)), pool_error::ok);
    follower.add_pool(start);
    recording_sink sink(follower);

    net::io_context io;
    eth_ws_options o;
    o.url = "ws://127.0.0.1:" + std::to_string(node.port());
    o.addresses = {pair_address};
    o.from_block = 101;
    o.backfill_chunk_blocks = 8;
    o.backoff_initial = std::chrono::milliseconds(5);
    o.backoff_max = std::chrono::milliseconds(20);
    eth_ws_client client(io, sink, o);
    ASSERT_TRUE(client.start());
    run_until(
        io, [&] { return server_done && client.last_head() >= 118; }, std::chrono::seconds(30));
    client.stop();
    node.unblock(); // a server still waiting for the client fails now: the join is bounded
    server.join();
    ASSERT_EQ(server_error, "");
    ASSERT_EQ(client.last_head(), 118U);

    // The filter names the pool and the five Uniswap events.
    EXPECT_NE(subscribe_params.find(pair_address), std::string::npos);
    EXPECT_NE(subscribe_params.find(std::string(uniswap_topics::v3_swap)), std::string::npos);
    EXPECT_NE(subscribe_params.find(std::string(uniswap_topics::v2_sync)), std::string::npos);
    using ranges = std::vector<std::pair<std::uint64_t, std::uint64_t>>;
    EXPECT_EQ(first_ranges,
              (ranges{{101, 108}, {101, 102}, {103, 104}, {105, 106}, {107, 108}, {109, 110}}));
    EXPECT_EQ(jump_ranges, (ranges{{112, 113}, {114, 115}}));
    EXPECT_EQ(reconnect_ranges, (ranges{{115, 116}, {117, 117}}));
    // One gap per lost connection, however many attempts it takes; stale until caught up.
    EXPECT_EQ(sink.events,
              (std::vector<std::string>{"caught up 110 stale=0", "caught up 115 stale=0",
                                        "gap stale=1", "caught up 117 stale=0"}));

    EXPECT_FALSE(follower.stale(0));
    EXPECT_EQ(follower.pool(0).v2.reserve0(), reserve0(117));
    EXPECT_EQ(follower.pool(0).v2.reserve1(), reserve1(117));
    const auto& fs = follower.stats();
    EXPECT_EQ(fs.applied, 17U);   // 101..117 without 112, two in 113
    EXPECT_EQ(fs.duplicates, 2U); // 115 held during the jump backfill, 115 again on reconnect
    EXPECT_EQ(fs.out_of_order, 0U);
    EXPECT_EQ(fs.gaps, 2U); // the head jump and the lost connection
    const auto& cs = client.stats();
    EXPECT_EQ(cs.connects, 3U);
    EXPECT_EQ(cs.connection_losses, 2U);
    EXPECT_EQ(cs.head_gaps, 1U);
    EXPECT_EQ(cs.rpc_errors, 2U);
    EXPECT_EQ(cs.backfill_requests, 10U);
    EXPECT_GE(cs.held_frames, 3U);
    EXPECT_EQ(cs.malformed, 0U);
    EXPECT_EQ(client.state(), eth_ws_state::stopped);
}

TEST(EthWsClient, UnreachableNodeRetriesAndReportsTheReason) {
    // A port nobody listens on: connection refused, retried with backoff, one gap reported.
    std::uint16_t port = 0;
    {
        net::io_context tmp;
        tcp::acceptor a(tmp, {net::ip::make_address("127.0.0.1"), 0});
        port = a.local_endpoint().port();
    }
    pool_follower follower;
    recording_sink sink(follower);
    net::io_context io;
    eth_ws_options o;
    o.url = "ws://127.0.0.1:" + std::to_string(port);
    o.backoff_initial = std::chrono::milliseconds(2);
    o.backoff_max = std::chrono::milliseconds(4);
    eth_ws_client client(io, sink, o);
    ASSERT_TRUE(client.start());
    run_until(io, [&] { return client.stats().connection_losses >= 3; });
    EXPECT_GE(client.stats().connection_losses, 3U);
    EXPECT_EQ(client.stats().connects, 0U);
    EXPECT_NE(client.last_error().find("connect"), std::string::npos) << client.last_error();
    EXPECT_EQ(sink.events.size(), 1U);
    client.stop();

    eth_ws_options bad = o;
    bad.url = "wss://node.example/ws";
    bad.tls_ca_file = "/nonexistent/ca.pem";
    eth_ws_client tls(io, sink, bad);
    EXPECT_FALSE(tls.start());
    EXPECT_EQ(tls.last_error().rfind("tls_ca_file: cannot load /nonexistent/ca.pem", 0), 0U)
        << tls.last_error();
}

TEST(EthWsClient, FollowsOverTlsAndRefusesAnUntrustedCertificate) {
    const auto cert = make_self_signed_certificate({"localhost"});
    ASSERT_FALSE(cert.cert_pem.empty());
    const auto ca_path = std::filesystem::temp_directory_path() /
                         ("ballast_ws_tls_" + std::to_string(::getpid()) + ".pem");
    std::ofstream(ca_path) << cert.cert_pem;

    net::io_context server_io;
    net::ssl::context server_tls(net::ssl::context::tls_server);
    server_tls.use_certificate_chain(net::buffer(cert.cert_pem));
    server_tls.use_private_key(net::buffer(cert.key_pem), net::ssl::context::pem);
    tcp::acceptor acceptor(server_io, {net::ip::make_address("127.0.0.1"), 0});
    const auto port = acceptor.local_endpoint().port();
    const int acceptor_fd = acceptor.native_handle();
    std::atomic<int> conn_fd{-1};
    std::string server_error;
    std::atomic<bool> server_done{false};
    std::thread server([&] {
        try {
            // The first client trusts only the system's authorities: its handshake fails.
            {
                websocket::stream<beast::ssl_stream<tcp::socket>> ws(server_io, server_tls);
                acceptor.accept(beast::get_lowest_layer(ws));
                conn_fd = beast::get_lowest_layer(ws).native_handle();
                beast::error_code ec;
                ws.next_layer().handshake(net::ssl::stream_base::server, ec);
            }
            // Then serve the first connection whose TLS handshake succeeds.
            std::optional<websocket::stream<beast::ssl_stream<tcp::socket>>> trusted;
            for (;;) {
                trusted.emplace(server_io, server_tls);
                acceptor.accept(beast::get_lowest_layer(*trusted));
                conn_fd = beast::get_lowest_layer(*trusted).native_handle();
                beast::error_code ec;
                trusted->next_layer().handshake(net::ssl::stream_base::server, ec);
                if (!ec) {
                    break;
                }
            }
            auto& ws = *trusted;
            ws.accept();
            ws.text(true);
            beast::flat_buffer b;
            simdjson::dom::parser parser;
            for (int i = 0; i < 3; ++i) { // eth_subscribe x2, eth_blockNumber
                b.clear();
                ws.read(b);
                simdjson::dom::element e = parser.parse(beast::buffers_to_string(b.data()));
                const std::string method{std::string_view(e["method"])};
                const std::string result = method == "eth_blockNumber" ? "\"0x5\"" : "\"0x1\"";
                ws.write(net::buffer(R"({"jsonrpc":"2.0","id":)" +
                                     std::to_string(std::int64_t(e["id"])) + R"(,"result":)" +
                                     result + "}"));
            }
            ws.write(net::buffer(head_notification(6)));
            // Wait for the client to close the connection.
            beast::error_code ec;
            b.clear();
            ws.read(b, ec);
        } catch (const std::exception& e) {
            server_error = e.what();
        }
        conn_fd = -1; // closed with its stream
        server_done = true;
    });

    pool_follower follower;
    recording_sink sink(follower);
    net::io_context io;
    eth_ws_options o;
    o.url = "wss://localhost:" + std::to_string(port);
    o.backoff_initial = std::chrono::seconds(30); // one attempt within the test
    auto untrusting = std::make_unique<eth_ws_client>(io, sink, o);
    ASSERT_TRUE(untrusting->start()) << untrusting->last_error();
    EXPECT_TRUE(run_until(io, [&] { return untrusting->stats().connection_losses > 0; }));
    EXPECT_NE(untrusting->last_error().find("tls handshake"), std::string::npos)
        << untrusting->last_error();
    EXPECT_EQ(untrusting->stats().connects, 0U);
    untrusting->stop();

    o.tls_ca_file = ca_path.string();
    eth_ws_client client(io, sink, o);
    ASSERT_TRUE(client.start()) << client.last_error();
    EXPECT_TRUE(run_until(io, [&] { return client.last_head() >= 6; })) << client.last_error();
    EXPECT_EQ(client.state(), eth_ws_state::live);
    EXPECT_EQ(client.caught_up_block(), 5U);
    EXPECT_EQ(client.stats().connects, 1U);
    client.stop();
    // A server still blocked (the client never came, or never closed) fails now.
    unblock_socket(acceptor_fd);
    unblock_socket(conn_fd.load());
    server.join();
    EXPECT_EQ(server_error, "");
    std::filesystem::remove(ca_path);
}

} // namespace
