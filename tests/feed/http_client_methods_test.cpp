// The REST client's methods beyond GET (POST/PUT/DELETE with headers and a body), as the
// signed gateways use them, against a loopback server that echoes what it received.
#include "feed/http_client.hpp"
#include "tests/feed/asio_test_util.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace ballast::feed {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

/// Answers each request with "METHOD TARGET|X-API-KEY|Content-Type|BODY" and a header of its
/// own; closes the connection after `close_after` requests when set (no answer to that one).
class echo_server {
  public:
    explicit echo_server(net::io_context& io, int close_after = 0)
        : acceptor_(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)),
          close_after_(close_after) {
        accept();
    }
    [[nodiscard]] std::string base() const {
        return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
    }
    int requests = 0;

  private:
    struct session {
        explicit session(tcp::socket s) : stream(std::move(s)) {}
        beast::tcp_stream stream;
        beast::flat_buffer buffer;
        http::request<http::string_body> req;
        http::response<http::string_body> res;
    };
    void accept() {
        acceptor_.async_accept([this](beast::error_code ec, tcp::socket s) {
            if (ec) {
                return;
            }
            auto sess = std::make_shared<session>(std::move(s));
            sessions_.push_back(sess);
            read(sess);
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
                ++requests;
                if (close_after_ != 0 && requests == close_after_) {
                    s->stream.close();
                    return;
                }
                s->res = {http::status::ok, 11};
                s->res.body() =
                    std::string(s->req.method_string()) + " " + std::string(s->req.target()) + "|" +
                    std::string(s->req["X-API-KEY"]) + "|" +
                    std::string(s->req[http::field::content_type]) + "|" + s->req.body();
                s->res.set("X-MBX-ORDER-COUNT-10S", "3");
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
    int close_after_;
    std::vector<std::shared_ptr<session>> sessions_;
};

TEST(HttpClientMethods, PostPutDeleteCarryHeadersAndBodyAndReturnResponseHeaders) {
    net::io_context io;
    echo_server server(io);
    http_client client(io, {});
    std::vector<http_response> out;
    const std::vector<http_header> h = {{"X-API-KEY", "k1"},
                                        {"Content-Type", "application/x-www-form-urlencoded"}};
    client.request(http_method::post, server.base() + "/api/v3/order", h, "a=1&b=2",
                   [&](http_response r) { out.push_back(std::move(r)); });
    client.request(http_method::put, server.base() + "/x", h, "",
                   [&](http_response r) { out.push_back(std::move(r)); });
    client.request(http_method::del, server.base() + "/api/v3/order?a=1", h, "",
                   [&](http_response r) { out.push_back(std::move(r)); });
    client.get(server.base() + "/g", [&](http_response r) { out.push_back(std::move(r)); });
    ASSERT_TRUE(test::run_until(
        io, [&] { return out.size() == 4; }, 10s));
    EXPECT_EQ(out[0].body, "POST /api/v3/order|k1|application/x-www-form-urlencoded|a=1&b=2");
    EXPECT_EQ(out[1].body, "PUT /x|k1|application/x-www-form-urlencoded|");
    EXPECT_EQ(out[2].body, "DELETE /api/v3/order?a=1|k1|application/x-www-form-urlencoded|");
    EXPECT_EQ(out[3].body, "GET /g|||"); // get() is unchanged: no extra headers, no body
    EXPECT_EQ(out[0].header("x-mbx-order-count-10s"), "3");
    EXPECT_EQ(out[0].header("Absent"), "");
    EXPECT_EQ(client.stats().connects, 1u);
}

TEST(HttpClientMethods, APostIsNeverRetriedButAGetIs) {
    // The second request on the connection is dropped without an answer.
    net::io_context io;
    echo_server server(io, 2);
    http_client client(io, {});
    std::vector<http_response> out;
    client.get(server.base() + "/first", [&](http_response r) { out.push_back(std::move(r)); });
    client.request(http_method::post, server.base() + "/order", {}, "x=1",
                   [&](http_response r) { out.push_back(std::move(r)); });
    ASSERT_TRUE(test::run_until(
        io, [&] { return out.size() == 2; }, 10s));
    EXPECT_TRUE(out[0].ok());
    EXPECT_FALSE(out[1].ok()); // its outcome is unknown: reported, not sent a second time
    EXPECT_FALSE(out[1].error.empty());
    EXPECT_EQ(server.requests, 2);

    // A GET dropped the same way is retried once on a new connection.
    net::io_context io2;
    echo_server server2(io2, 2);
    http_client client2(io2, {});
    std::vector<http_response> out2;
    client2.get(server2.base() + "/a", [&](http_response r) { out2.push_back(std::move(r)); });
    client2.get(server2.base() + "/b", [&](http_response r) { out2.push_back(std::move(r)); });
    ASSERT_TRUE(test::run_until(
        io2, [&] { return out2.size() == 2; }, 10s));
    EXPECT_TRUE(out2[1].ok()) << out2[1].error;
    EXPECT_EQ(out2[1].body, "GET /b|||");
    EXPECT_EQ(server2.requests, 3);
}

} // namespace
} // namespace ballast::feed
