// Hostile network input to the live venue client: an oversized frame, invalid UTF-8, a
// truncated TLS stream, a server that accepts and never answers, another venue's frames.
// Each is a clear, counted error and a book out of routing; never a crash or a hang.
#include "feed/tls_cert.hpp"
#include "feed/venue_ws_client.hpp"
#include "feed/venues.hpp"
#include "tests/feed/asio_test_util.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>
#include <unistd.h>

namespace ballast::feed {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

constexpr std::string_view symbol = "TST-USD";

/// An OKX `books` snapshot of the test instrument (its checksum: CRC32 of "100.5:3:101.5:2").
std::string okx_snapshot() {
    return R"({"arg":{"channel":"books","instId":"TST-USD"},"action":"snapshot","data":[{"asks":[["101.5","2","0","1"]],"bids":[["100.5","3","0","1"]],"ts":"1","checksum":-1016998308}]})";
}

/// A one-connection WebSocket server on its own thread: after the handshake (unless
/// `raw_tcp`) it reads the client's first request, then runs `script` on the stream; then it
/// waits for the client to go away, so the thread always ends once the client is stopped.
class scripted_server {
  public:
    using plain = websocket::stream<tcp::socket>;
    using tls = websocket::stream<beast::ssl_stream<tcp::socket>>;

    scripted_server(bool use_tls, bool raw_tcp, std::function<void(plain&)> plain_script,
                    std::function<void(tls&)> tls_script = {})
        : acceptor_(io_, {net::ip::make_address("127.0.0.1"), 0}),
          tls_ctx_(net::ssl::context::tls_server) {
        if (use_tls) {
            const auto cert = make_self_signed_certificate({"localhost"}, {"127.0.0.1"});
            tls_ctx_.use_certificate_chain(net::buffer(cert.cert_pem));
            tls_ctx_.use_private_key(net::buffer(cert.key_pem), net::ssl::context::pem);
            ca_path_ = (std::filesystem::temp_directory_path() /
                        ("ballast_hostile_" + std::to_string(::getpid()) + ".pem"))
                           .string();
            std::ofstream(ca_path_) << cert.cert_pem;
        }
        thread_ = std::thread([this, use_tls, raw_tcp, plain_script, tls_script] {
            beast::error_code ec;
            beast::flat_buffer b;
            if (raw_tcp) {
                tcp::socket s(io_);
                acceptor_.accept(s, ec);
                char c[512];
                while (!ec) { // read the upgrade request, never answer, until the client gives up
                    s.read_some(net::buffer(c), ec);
                }
                return;
            }
            if (use_tls) {
                tls ws(io_, tls_ctx_);
                acceptor_.accept(beast::get_lowest_layer(ws), ec);
                ws.next_layer().handshake(net::ssl::stream_base::server, ec);
                ws.accept(ec);
                ws.read(b, ec);
                tls_script(ws);
                b.clear();
                ws.read(b, ec);
                return;
            }
            plain ws(io_);
            acceptor_.accept(ws.next_layer(), ec);
            ws.accept(ec);
            ws.read(b, ec);
            plain_script(ws);
            while (!ec) { // keep answering nothing until the client closes
                b.clear();
                ws.read(b, ec);
            }
        });
    }
    ~scripted_server() {
        thread_.join();
        if (!ca_path_.empty()) {
            std::filesystem::remove(ca_path_);
        }
    }
    [[nodiscard]] std::string url(bool use_tls) const {
        return std::string(use_tls ? "wss://localhost:" : "ws://127.0.0.1:") +
               std::to_string(acceptor_.local_endpoint().port()) + "/ws/v5/public";
    }
    [[nodiscard]] const std::string& ca_file() const { return ca_path_; }

  private:
    net::io_context io_;
    tcp::acceptor acceptor_;
    net::ssl::context tls_ctx_;
    std::string ca_path_;
    std::thread thread_;
};

void write_text(scripted_server::plain& ws, std::string_view text) {
    beast::error_code ec;
    ws.text(true);
    ws.write(net::buffer(text.data(), text.size()), ec);
}

/// The OKX client of the test instrument, against `url`, with short timeouts and one
/// connection attempt within the test.
struct okx_client {
    explicit okx_client(const std::string& url, const std::string& ca_file = {}) {
        instrument_spec s;
        s.venue = "okx";
        s.symbol = std::string(symbol);
        s.tick = {1, 1};
        s.lot = {1, 0};
        instruments.add(s);
        feed_options fo;
        fo.symbols = {std::string(symbol)};
        feed = make_venue_feed("okx", instruments, rejects, fo);
        venue_client_options o;
        o.symbols = fo.symbols;
        o.ws_url = url;
        o.rest_url = "http://127.0.0.1:1";
        o.tls_ca_file = ca_file;
        o.load_instruments = false;
        o.connect_timeout = 500ms;
        o.max_message_bytes = 4096;
        o.backoff_initial = 30s;
        client = std::make_unique<venue_ws_client>(io, *feed, instruments, o);
    }
    /// Runs until the first connection is lost (bounded); then stops the client.
    bool run_until_lost() {
        const bool lost = test::run_until(
            io, [&] { return client->stats().connection_losses > 0; }, 10s);
        client->stop();
        return lost;
    }
    [[nodiscard]] const venue_book* book() { return feed->find_book(symbol); }

    net::io_context io;
    instrument_registry instruments;
    reject_log rejects;
    std::unique_ptr<venue_feed> feed;
    std::unique_ptr<venue_ws_client> client;
};

TEST(HostileNetwork, AnOversizedFrameClosesTheConnectionAndTheBookGoesStale) {
    scripted_server server(false, false, [](auto& ws) {
        write_text(ws, okx_snapshot());
        write_text(ws, "{\"pad\":\"" + std::string(8192, 'x') + "\"}");
    });
    okx_client c(server.url(false));
    ASSERT_TRUE(c.client->start()) << c.client->last_error();
    ASSERT_TRUE(c.run_until_lost());
    EXPECT_NE(c.client->last_error().find("exceeded the locally configured limit"),
              std::string::npos)
        << c.client->last_error();
    ASSERT_NE(c.book(), nullptr);
    EXPECT_EQ(c.book()->health, book_health::stale_gap);
    EXPECT_EQ(c.book()->counters.applied, 1u); // the snapshot, never the oversized frame
    EXPECT_EQ(c.client->stats().connection_losses, 1u);
}

TEST(HostileNetwork, InvalidUtf8ClosesTheConnection) {
    scripted_server server(false, false, [](auto& ws) {
        write_text(ws, okx_snapshot());
        write_text(ws, "{\"arg\":\"\xff\xfe\xfd\"}");
    });
    okx_client c(server.url(false));
    ASSERT_TRUE(c.client->start());
    ASSERT_TRUE(c.run_until_lost());
    EXPECT_NE(c.client->last_error().find("read"), std::string::npos) << c.client->last_error();
    ASSERT_NE(c.book(), nullptr);
    EXPECT_NE(c.book()->health, book_health::live);
    EXPECT_EQ(c.feed->unattributed_rejects(), 0u); // the frame never reached the decoder
}

TEST(HostileNetwork, ATruncatedTlsStreamIsAConnectionLoss) {
    scripted_server server(true, false, {}, [](scripted_server::tls& ws) {
        beast::error_code ec;
        ws.text(true);
        const std::string snap = okx_snapshot();
        ws.write(net::buffer(snap), ec);
        // Half a record, then the TCP connection ends without TLS close_notify.
        beast::get_lowest_layer(ws).write_some(net::buffer("\x17\x03\x03\x00\x40", 5), ec);
        beast::get_lowest_layer(ws).close(ec);
    });
    okx_client c(server.url(true), server.ca_file());
    ASSERT_TRUE(c.client->start()) << c.client->last_error();
    ASSERT_TRUE(c.run_until_lost());
    EXPECT_NE(c.client->last_error().find("read"), std::string::npos) << c.client->last_error();
    ASSERT_NE(c.book(), nullptr);
    EXPECT_EQ(c.book()->counters.applied, 1u);
    EXPECT_EQ(c.book()->health, book_health::stale_gap);
}

TEST(HostileNetwork, AServerThatAcceptsAndNeverAnswersTimesOut) {
    scripted_server server(false, true, {});
    okx_client c(server.url(false));
    ASSERT_TRUE(c.client->start());
    ASSERT_TRUE(c.run_until_lost());
    EXPECT_NE(c.client->last_error().find("handshake"), std::string::npos)
        << c.client->last_error();
    EXPECT_EQ(c.client->stats().connects, 0u);
    EXPECT_EQ(c.book(), nullptr);
}

TEST(HostileNetwork, AnotherVenuesFramesAreCountedAndChangeNothing) {
    scripted_server server(false, false, [](auto& ws) {
        // Kraken v1 and Binance frames on an OKX connection, then a real OKX snapshot.
        write_text(
            ws,
            R"([4528,{"as":[["0.1","1","1.0"]],"bs":[["0.09","1","1.0"]]},"book-10","TST/USD"])");
        write_text(
            ws,
            R"({"stream":"tstusd@depth@100ms","data":{"e":"depthUpdate","s":"TSTUSD","U":1,"u":2,"b":[],"a":[]}})");
        write_text(ws, okx_snapshot());
        write_text(
            ws,
            R"({"arg":{"channel":"books","instId":"TST-USD"},"action":"update","data":[{"asks":[],"bids":[["not a price","1","0","1"]],"ts":"2","checksum":0}]})");
        beast::error_code ec;
        ws.close(websocket::close_code::going_away, ec);
    });
    okx_client c(server.url(false));
    ASSERT_TRUE(c.client->start());
    ASSERT_TRUE(c.run_until_lost());
    EXPECT_GE(c.rejects.total(), 2u);
    ASSERT_NE(c.book(), nullptr);
    EXPECT_EQ(c.book()->counters.applied, 1u);  // the real snapshot, applied intact
    EXPECT_EQ(c.book()->counters.rejected, 1u); // the malformed update, never half-applied
    EXPECT_EQ(c.book()->book.best_bid().px.value(), 1005);
    EXPECT_NE(c.book()->health, book_health::live);
}

} // namespace
} // namespace ballast::feed
