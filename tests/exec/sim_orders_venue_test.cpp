// sim-venue's order entry in-process. Binance spot: signed REST (HMAC, Ed25519), the WebSocket
// API (Ed25519 session.logon, HMAC per request), the user data stream (listenKey and
// userDataStream.subscribe), orders against the capture's NKNUSDT book, each order fault, TLS.
// Bybit and OKX REST: signatures, timestamps, passphrase, orders, duplicates, rate limits.
// The venue's clock is injected; every network wait is bounded.
#include "exec/signing.hpp"
#include "exec/sim_venue.hpp"

#include "../feed/asio_test_util.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <ctime>
#include <map>
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

constexpr std::int64_t t0 = 1633998600000; // the injected venue clock

struct reply {
    int status = 0; ///< 0: the connection closed without a reply
    std::string body;
    std::map<std::string, std::string> headers;
};

/// One HTTP request on its own connection, bounded; plain or TLS (trusting `ca`).
using header_list = std::vector<std::pair<std::string, std::string>>;
reply http_call(std::uint16_t port, http::verb method, const std::string& target,
                const std::string& body, const header_list& headers, const std::string& ca = "") {
    net::io_context io;
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers) {
        req.set(name, value);
    }
    if (!body.empty()) {
        req.set(http::field::content_type, body.front() == '{' || body.front() == '['
                                               ? "application/json"
                                               : "application/x-www-form-urlencoded");
        req.body() = body;
    }
    req.prepare_payload();
    http::response<http::string_body> res;
    beast::flat_buffer buf;
    bool done = false;
    reply out;
    const auto on_read = [&](beast::error_code ec, std::size_t) {
        if (!ec) {
            out.status = static_cast<int>(res.result_int());
            out.body = res.body();
            for (const auto& h : res) {
                out.headers[std::string(h.name_string())] = std::string(h.value());
            }
        }
        done = true;
    };
    const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), port);
    // Connected (and, over TLS, handshaken): write the request, read the reply.
    const auto exchange = [&](auto& stream) {
        http::async_write(stream, req, [&](beast::error_code ec, std::size_t) {
            if (ec) {
                done = true;
                return;
            }
            http::async_read(stream, buf, res, on_read);
        });
    };
    net::ssl::context ctx(net::ssl::context::tls_client);
    beast::tcp_stream plain(io);
    std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
    if (!ca.empty()) {
        ctx.load_verify_file(ca);
        ctx.set_verify_mode(net::ssl::verify_peer);
        tls.emplace(io, ctx);
        SSL_set_tlsext_host_name(tls->native_handle(), "localhost");
    }
    auto& lowest = tls ? beast::get_lowest_layer(*tls) : plain;
    lowest.async_connect(ep, [&](beast::error_code ec) {
        if (ec) {
            done = true;
        } else if (!tls) {
            exchange(plain);
        } else {
            tls->async_handshake(net::ssl::stream_base::client, [&](beast::error_code ec2) {
                if (ec2) {
                    done = true;
                    return;
                }
                exchange(*tls);
            });
        }
    });
    EXPECT_TRUE(test::run_until(
        io, [&] { return done; }, 10s))
        << target;
    return out;
}

/// Binance: the key in X-MBX-APIKEY.
reply http_call(std::uint16_t port, http::verb method, const std::string& target,
                const std::string& body = "", const std::string& api_key = "",
                const std::string& ca = "") {
    header_list h;
    if (!api_key.empty()) {
        h.emplace_back("X-MBX-APIKEY", api_key);
    }
    return http_call(port, method, target, body, h, ca);
}

/// A WebSocket client whose reads are bounded.
class ws_client {
  public:
    ws_client() : ws_(io_) {}
    bool open(std::uint16_t port, const std::string& target) {
        bool done = false;
        beast::error_code result;
        beast::get_lowest_layer(ws_).async_connect(
            tcp::endpoint(net::ip::make_address("127.0.0.1"), port), [&](beast::error_code ec) {
                if (ec) {
                    result = ec;
                    done = true;
                    return;
                }
                ws_.async_handshake("127.0.0.1", target, [&](beast::error_code ec2) {
                    result = ec2;
                    done = true;
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
    /// The next message; nullopt on close or after the timeout (a later read continues it).
    std::optional<std::string> read(std::chrono::milliseconds timeout = 5000ms) {
        if (!pending_) {
            pending_ = true;
            read_done_ = false;
            ws_.async_read(buf_, [this](beast::error_code ec, std::size_t) {
                ec_ = ec;
                read_done_ = true;
            });
        }
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!read_done_ && std::chrono::steady_clock::now() < deadline) {
            io_.restart();
            io_.run_for(5ms);
        }
        if (!read_done_) {
            return std::nullopt;
        }
        pending_ = false;
        if (ec_) {
            closed_ = true;
            return std::nullopt;
        }
        std::string s = beast::buffers_to_string(buf_.data());
        buf_.consume(buf_.size());
        return s;
    }
    /// The next message containing `part` (others skipped), bounded.
    std::optional<std::string> read_with(std::string_view part,
                                         std::chrono::milliseconds timeout = 5000ms) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            auto m = read(std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now()));
            if (!m) {
                return std::nullopt;
            }
            if (m->find(part) != std::string::npos) {
                return m;
            }
        }
        return std::nullopt;
    }
    [[nodiscard]] bool closed() const { return closed_; }

  private:
    net::io_context io_;
    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buf_;
    bool pending_ = false;
    bool read_done_ = false;
    bool closed_ = false;
    beast::error_code ec_;
};

bool has(const std::string& s, std::string_view part) {
    return s.find(part) != std::string::npos;
}

/// A field of a JSON object as text (strings unquoted).
std::string field(const std::string& json, const char* key) {
    simdjson::dom::parser p;
    simdjson::dom::element e;
    if (p.parse(json).get(e)) {
        return {};
    }
    simdjson::dom::element v;
    if (e[key].get(v)) {
        return {};
    }
    std::string_view s;
    if (!v.get(s)) {
        return std::string(s);
    }
    return simdjson::minify(v);
}

struct binance_sim {
    explicit binance_sim(const std::string& faults = "", bool tls = false,
                         std::uint64_t play_limit = UINT64_MAX) {
        exec::sim_venue_options o;
        o.venue = "binance";
        o.captures.push_back(std::string(BALLAST_TEST_DATA_DIR) + "/binance/BINANCE.ws.1.0.txt");
        o.max_speed = true;
        o.tls = tls;
        o.play_limit = play_limit;
        if (auto err = exec::parse_sim_faults(faults, o.faults)) {
            ADD_FAILURE() << *err;
        }
        exec::sim_account_config hmac;
        hmac.api_key = "hmacKey1";
        hmac.secret = exec::secret_text("hmacSecret1");
        hmac.balances = {{"USDT", *exec::sim_decimal::parse("1000")},
                         {"NKN", *exec::sim_decimal::parse("1000")}};
        exec::sim_account_config ed;
        ed.api_key = "edKey1";
        EXPECT_FALSE(ed_key.load_private_pem(exec::new_ed25519_private_pem()));
        ed.ed25519_public_pem = ed_key.public_pem();
        ed.balances = hmac.balances;
        o.accounts = {hmac, ed};
        o.clock_ms = [this] { return now.load(); };
        sim = std::make_unique<exec::sim_venue>(o);
        if (auto err = sim->start()) {
            ADD_FAILURE() << *err;
        }
        port = sim->port();
        ca = sim->ca_file();
        if (play_limit == UINT64_MAX) {
            const auto deadline = std::chrono::steady_clock::now() + 30s;
            while (!sim->capture_done() && std::chrono::steady_clock::now() < deadline) {
                std::this_thread::yield(); // bounded by the deadline
            }
            EXPECT_TRUE(sim->capture_done());
        }
    }
    /// A signed request's parameters (HMAC key).
    std::string signed_params(std::string params, std::int64_t ts = 0,
                              const std::string& secret = "hmacSecret1") const {
        params += (params.empty() ? "" : "&") + std::string("timestamp=") +
                  std::to_string(ts != 0 ? ts : now.load());
        return params + "&signature=" + exec::binance_hmac_signature(secret, params);
    }
    reply post_order(const std::string& params) const {
        return http_call(port, http::verb::post, "/api/v3/order", signed_params(params), "hmacKey1",
                         ca);
    }
    reply get(const std::string& path, const std::string& params) const {
        return http_call(port, http::verb::get, path + "?" + signed_params(params), "", "hmacKey1",
                         ca);
    }
    reply cancel(const std::string& params) const {
        return http_call(port, http::verb::delete_, "/api/v3/order?" + signed_params(params), "",
                         "hmacKey1", ca);
    }
    /// Best level of a side of the sim's NKNUSDT book {price, qty}.
    std::pair<std::string, std::string> best(const char* side_key) const {
        const auto r =
            http_call(port, http::verb::get, "/api/v3/depth?symbol=NKNUSDT&limit=5", "", "", ca);
        simdjson::dom::parser p;
        simdjson::dom::element e;
        EXPECT_FALSE(p.parse(r.body).get(e)) << r.body;
        auto level = e[side_key].at(0);
        return {std::string(level.at(0).get_string().value()),
                std::string(level.at(1).get_string().value())};
    }

    exec::ed25519_key ed_key;
    std::atomic<std::int64_t> now{t0};
    std::unique_ptr<exec::sim_venue> sim;
    std::uint16_t port = 0;
    std::string ca;
};

std::string dec(const std::string& s) {
    return exec::sim_decimal::parse(s)->str();
}

} // namespace

TEST(SimOrdersBinance, RestOrderRestsIsQueriedListedAndCanceled) {
    binance_sim b;
    const auto [bid, bid_qty] = b.best("bids");
    auto r = b.post_order("symbol=NKNUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=100&price=" +
                          bid + "&newClientOrderId=rest1");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(field(r.body, "status"), "NEW");
    EXPECT_EQ(field(r.body, "clientOrderId"), "rest1");
    EXPECT_EQ(field(r.body, "transactTime"), std::to_string(t0));
    EXPECT_EQ(field(r.body, "fills"), "[]");
    EXPECT_FALSE(r.headers["X-MBX-USED-WEIGHT-1M"].empty());
    EXPECT_EQ(r.headers["X-MBX-ORDER-COUNT-10S"], "1");
    const std::string id = field(r.body, "orderId");
    r = b.get("/api/v3/order", "symbol=NKNUSDT&origClientOrderId=rest1");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(field(r.body, "orderId"), id);
    EXPECT_EQ(field(r.body, "status"), "NEW");
    r = b.get("/api/v3/openOrders", "symbol=NKNUSDT");
    EXPECT_TRUE(has(r.body, "\"clientOrderId\":\"rest1\"")) << r.body;
    r = b.get("/api/v3/account", "");
    EXPECT_TRUE(has(r.body, "{\"asset\":\"USDT\",\"free\":\"" +
                                (*exec::sim_decimal::parse("1000") -
                                 *exec::sim_decimal::parse(bid) * *exec::sim_decimal::parse("100"))
                                    .str(8)))
        << r.body;
    r = b.cancel("symbol=NKNUSDT&orderId=" + id);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(field(r.body, "status"), "CANCELED");
    EXPECT_EQ(field(r.body, "origClientOrderId"), "rest1");
    r = b.get("/api/v3/order", "symbol=NKNUSDT&orderId=" + id);
    EXPECT_EQ(field(r.body, "status"), "CANCELED");
    r = b.cancel("symbol=NKNUSDT&orderId=" + id);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body, R"({"code":-2011,"msg":"Unknown order sent."})");
    r = b.get("/api/v3/order", "symbol=NKNUSDT&orderId=987654");
    EXPECT_EQ(r.body, R"({"code":-2013,"msg":"Order does not exist."})");
    EXPECT_EQ(b.sim->new_order_requests("hmacKey1", "rest1"), 1u);
}

TEST(SimOrdersBinance, AuthenticationAndTimingAreTheVenues) {
    binance_sim b;
    const std::string q =
        "symbol=NKNUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=100&price=0.3";
    auto r = http_call(b.port, http::verb::post, "/api/v3/order", b.signed_params(q), "unknownKey");
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.body, R"({"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."})");
    r = http_call(b.port, http::verb::post, "/api/v3/order", b.signed_params(q), "bad key!");
    EXPECT_EQ(r.body, R"({"code":-2014,"msg":"API-key format invalid."})");
    r = http_call(b.port, http::verb::post, "/api/v3/order", b.signed_params(q, 0, "wrong"),
                  "hmacKey1");
    EXPECT_EQ(r.body, R"({"code":-1022,"msg":"Signature for this request is not valid."})");
    r = http_call(b.port, http::verb::post, "/api/v3/order", b.signed_params(q, t0 - 5001),
                  "hmacKey1");
    EXPECT_EQ(r.body,
              R"({"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."})");
    r = http_call(b.port, http::verb::post, "/api/v3/order",
                  b.signed_params(q + "&recvWindow=10000", t0 - 5001), "hmacKey1");
    EXPECT_EQ(r.status, 200) << r.body; // inside its own recvWindow
    r = http_call(b.port, http::verb::post, "/api/v3/order", b.signed_params(q, t0 + 1000),
                  "hmacKey1");
    EXPECT_EQ(field(r.body, "code"), "-1021");
    r = http_call(b.port, http::verb::post, "/api/v3/order",
                  b.signed_params(q + "&recvWindow=60001"), "hmacKey1");
    EXPECT_EQ(field(r.body, "code"), "-1131");
    r = http_call(b.port, http::verb::post, "/api/v3/order", q + "&timestamp=1", "hmacKey1");
    EXPECT_EQ(field(r.body, "code"), "-1102");
    // The signature covers query string + body.
    const std::string signed_body = b.signed_params("symbol=NKNUSDT&side=BUY&type=LIMIT");
    const std::string query = "timeInForce=GTC&quantity=100&price=0.3";
    const std::string payload =
        query + "symbol=NKNUSDT&side=BUY&type=LIMIT&timestamp=" + std::to_string(t0);
    r = http_call(b.port, http::verb::post, "/api/v3/order?" + query,
                  "symbol=NKNUSDT&side=BUY&type=LIMIT&timestamp=" + std::to_string(t0) +
                      "&signature=" + exec::binance_hmac_signature("hmacSecret1", payload),
                  "hmacKey1");
    EXPECT_EQ(r.status, 200) << r.body;
    (void)signed_body;
    // Ed25519 over REST: base64 signature, URL-encoded.
    const std::string ed_params = q + "&timestamp=" + std::to_string(t0);
    std::string sig = exec::binance_ed25519_signature(b.ed_key, ed_params);
    std::string encoded;
    for (char ch : sig) {
        encoded += ch == '+' ? "%2B" : ch == '/' ? "%2F" : ch == '=' ? "%3D" : std::string(1, ch);
    }
    r = http_call(b.port, http::verb::post, "/api/v3/order", ed_params + "&signature=" + encoded,
                  "edKey1");
    EXPECT_EQ(r.status, 200) << r.body;
    sig[5] = sig[5] == 'A' ? 'B' : 'A';
    r = http_call(b.port, http::verb::post, "/api/v3/order", ed_params + "&signature=" + sig,
                  "edKey1");
    EXPECT_EQ(field(r.body, "code"), "-1022");
}

TEST(SimOrdersBinance, OrdersMeetTheBookAsOfNow) {
    binance_sim b;
    const auto [ask, ask_qty] = b.best("asks");
    const auto [bid, bid_qty] = b.best("bids");
    // IOC at the best ask for more than it holds: that level fills, the rest expires.
    const std::string more =
        (*exec::sim_decimal::parse(ask_qty) + *exec::sim_decimal::parse("100")).str();
    auto r = b.post_order("symbol=NKNUSDT&side=BUY&type=LIMIT&timeInForce=IOC&quantity=" + more +
                          "&price=" + ask + "&newClientOrderId=ioc1");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(field(r.body, "status"), "EXPIRED");
    EXPECT_EQ(dec(field(r.body, "executedQty")), dec(ask_qty));
    EXPECT_TRUE(has(r.body, "\"fills\":[{\"price\":\"" + exec::sim_decimal::parse(ask)->str(8)))
        << r.body;
    // The level's liquidity is gone for later orders until the capture changes it.
    r = b.post_order("symbol=NKNUSDT&side=BUY&type=LIMIT&timeInForce=FOK&quantity=100&price=" +
                     ask + "&newClientOrderId=fok1");
    EXPECT_EQ(field(r.body, "status"), "EXPIRED") << r.body;
    EXPECT_EQ(dec(field(r.body, "executedQty")), "0");
    // Post-only that would take.
    r = b.post_order("symbol=NKNUSDT&side=SELL&type=LIMIT_MAKER&quantity=100&price=" + bid);
    EXPECT_EQ(r.body, R"({"code":-2010,"msg":"Order would immediately match and take."})");
    // Market sell into the bid.
    r = b.post_order("symbol=NKNUSDT&side=SELL&type=MARKET&quantity=50&newClientOrderId=mkt1");
    EXPECT_EQ(field(r.body, "status"), "FILLED") << r.body;
    // Balance, filters, duplicates.
    r = b.post_order("symbol=NKNUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=100000&price=" +
                     bid);
    EXPECT_EQ(r.body,
              R"({"code":-2010,"msg":"Account has insufficient balance for requested action."})");
    r = b.post_order("symbol=NKNUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=100.05&price=" +
                     bid);
    EXPECT_EQ(r.body, R"({"code":-1013,"msg":"Filter failure: LOT_SIZE"})");
    r = b.post_order(
        "symbol=NKNUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=100&price=0.300001");
    EXPECT_EQ(r.body, R"({"code":-1013,"msg":"Filter failure: PRICE_FILTER"})");
    r = b.post_order("symbol=NKNUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.3");
    EXPECT_EQ(r.body, R"({"code":-1013,"msg":"Filter failure: NOTIONAL"})");
    r = b.post_order("symbol=NOSUCH&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.3");
    EXPECT_EQ(r.body, R"({"code":-1121,"msg":"Invalid symbol."})");
    ASSERT_EQ(
        b.post_order("symbol=NKNUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=100&price=0.3"
                     "&newClientOrderId=dup1")
            .status,
        200);
    r = b.post_order("symbol=NKNUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=100&price=0.3"
                     "&newClientOrderId=dup1");
    EXPECT_EQ(r.body, R"({"code":-2010,"msg":"Duplicate order sent."})");
    EXPECT_EQ(b.sim->new_order_requests("hmacKey1", "dup1"), 2u);
    r = b.get("/api/v3/myTrades", "symbol=NKNUSDT");
    EXPECT_TRUE(has(r.body, "\"isMaker\":false")) << r.body;
    const std::string account = b.sim->account_json("hmacKey1");
    EXPECT_TRUE(has(account, "\"client_id\":\"ioc1\"")) << account;
    EXPECT_FALSE(has(account, "hmacSecret1"));
    const auto view = http_call(b.port, http::verb::get, "/ballast/account?api_key=hmacKey1");
    EXPECT_EQ(view.body, account);
}

TEST(SimOrdersBinance, RestingOrderFillsWhenALaterUpdateCrossesIt) {
    // The book at the capture's end, then a sim paused early: a resting order at the final
    // best price on the side the market moved to must fill, as maker at its limit, on the way.
    std::pair<std::string, std::string> final_bid;
    std::pair<std::string, std::string> final_ask;
    {
        binance_sim end;
        final_bid = end.best("bids");
        final_ask = end.best("asks");
    }
    binance_sim b("", false, 60);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (b.sim->frames_played() < 60 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
    }
    const auto bid = b.best("bids");
    const auto ask = b.best("asks");
    const auto px = [](const std::string& s) { return *exec::sim_decimal::parse(s); };
    std::string order;
    std::string limit;
    if (px(bid.first) < px(final_bid.first)) {
        limit = final_bid.first;
        order = "side=SELL&price=" + limit;
    } else {
        ASSERT_GT(px(ask.first), px(final_ask.first)) << "the capture's NKNUSDT book never moves";
        limit = final_ask.first;
        order = "side=BUY&price=" + limit;
    }
    auto r = b.post_order("symbol=NKNUSDT&type=LIMIT&timeInForce=GTC&quantity=50&" + order +
                          "&newClientOrderId=resting1");
    ASSERT_EQ(field(r.body, "status"), "NEW") << r.body;
    b.sim->play_until(UINT64_MAX);
    const auto until = std::chrono::steady_clock::now() + 20s;
    while (!b.sim->capture_done() && std::chrono::steady_clock::now() < until) {
        std::this_thread::yield();
    }
    r = b.get("/api/v3/myTrades", "symbol=NKNUSDT");
    ASSERT_TRUE(has(r.body, "\"isMaker\":true")) << r.body;
    EXPECT_TRUE(has(r.body, "\"price\":\"" + px(limit).str(8) + "\"")) << r.body;
}

TEST(SimOrdersBinance, UserDataStreamCarriesExecutionReports) {
    binance_sim b;
    auto r = http_call(b.port, http::verb::post, "/api/v3/userDataStream", "", "hmacKey1");
    ASSERT_EQ(r.status, 200) << r.body;
    const std::string key = field(r.body, "listenKey");
    ASSERT_EQ(key.size(), 60u);
    ws_client ws;
    ASSERT_TRUE(ws.open(b.port, "/ws/" + key));
    const auto [ask, ask_qty] = b.best("asks");
    r = b.post_order("symbol=NKNUSDT&side=BUY&type=LIMIT&timeInForce=IOC&quantity=40&price=" + ask +
                     "&newClientOrderId=uds1");
    ASSERT_EQ(field(r.body, "status"), "FILLED") << r.body;
    const auto created = ws.read_with("\"x\":\"NEW\"");
    ASSERT_TRUE(created);
    EXPECT_TRUE(has(*created, "\"e\":\"executionReport\",\"E\":" + std::to_string(t0)));
    EXPECT_TRUE(has(*created, "\"c\":\"uds1\""));
    const auto trade = ws.read_with("\"x\":\"TRADE\"");
    ASSERT_TRUE(trade);
    EXPECT_TRUE(has(*trade, "\"X\":\"FILLED\""));
    EXPECT_TRUE(has(*trade, "\"l\":\"40.00000000\""));
    EXPECT_TRUE(has(*trade, "\"N\":\"NKN\""));
    EXPECT_TRUE(ws.read_with("outboundAccountPosition"));
    r = http_call(b.port, http::verb::put, "/api/v3/userDataStream?listenKey=" + key, "",
                  "hmacKey1");
    EXPECT_EQ(r.body, "{}");
    r = http_call(b.port, http::verb::delete_, "/api/v3/userDataStream?listenKey=nosuch", "",
                  "hmacKey1");
    EXPECT_EQ(field(r.body, "code"), "-1125");
}

TEST(SimOrdersBinance, WebSocketApiLogonPlaceStatusAndUserEvents) {
    binance_sim b;
    ws_client ws;
    ASSERT_TRUE(ws.open(b.port, "/ws-api/v3"));
    const std::string ts = std::to_string(t0);
    const std::string logon_payload = "apiKey=edKey1&timestamp=" + ts;
    ws.send(R"({"id":"l1","method":"session.logon","params":{"apiKey":"edKey1","timestamp":)" + ts +
            R"(,"signature":")" + exec::binance_ed25519_signature(b.ed_key, logon_payload) +
            "\"}}");
    auto m = ws.read();
    ASSERT_TRUE(m);
    EXPECT_EQ(field(*m, "status"), "200") << *m;
    ws.send(R"({"id":2,"method":"userDataStream.subscribe"})");
    m = ws.read();
    ASSERT_TRUE(m);
    EXPECT_TRUE(has(*m, "\"subscriptionId\":")) << *m;
    const auto [bid, bid_qty] = b.best("bids");
    ws.send(
        R"({"id":3,"method":"order.place","params":{"symbol":"NKNUSDT","side":"BUY","type":"LIMIT","timeInForce":"GTC","quantity":"100","price":")" +
        bid + R"(","newClientOrderId":"wsapi1","timestamp":)" + ts + "}}");
    m = ws.read_with("\"id\":3");
    ASSERT_TRUE(m);
    EXPECT_TRUE(has(*m, "\"status\":200,\"result\":{\"symbol\":\"NKNUSDT\"")) << *m;
    m = ws.read_with("executionReport");
    ASSERT_TRUE(m);
    EXPECT_TRUE(has(*m, "{\"subscriptionId\":")) << *m;
    EXPECT_TRUE(has(*m, "\"c\":\"wsapi1\""));
    ws.send(
        R"({"id":4,"method":"order.status","params":{"symbol":"NKNUSDT","origClientOrderId":"wsapi1","timestamp":)" +
        ts + "}}");
    m = ws.read_with("\"id\":4");
    ASSERT_TRUE(m);
    EXPECT_TRUE(has(*m, "\"status\":\"NEW\"")) << *m;
    // HMAC per request, no logon: params sorted, signed.
    ws_client h;
    ASSERT_TRUE(h.open(b.port, "/ws-api/v3"));
    const std::string payload =
        "apiKey=hmacKey1&origClientOrderId=none&symbol=NKNUSDT&timestamp=" + ts;
    h.send(
        R"({"id":5,"method":"order.status","params":{"symbol":"NKNUSDT","origClientOrderId":"none","apiKey":"hmacKey1","timestamp":)" +
        ts + R"(,"signature":")" + exec::binance_hmac_signature("hmacSecret1", payload) + "\"}}");
    m = h.read();
    ASSERT_TRUE(m);
    EXPECT_TRUE(has(*m, "\"code\":-2013")) << *m; // authenticated; the order does not exist
    h.send(
        R"({"id":6,"method":"order.status","params":{"symbol":"NKNUSDT","origClientOrderId":"none","apiKey":"hmacKey1","timestamp":)" +
        ts + R"(,"signature":"00"}})");
    m = h.read();
    ASSERT_TRUE(m);
    EXPECT_TRUE(has(*m, "\"code\":-1022")) << *m;
}

TEST(SimOrdersBinance, RateLimitFaultAnswers429WithRetryAfter) {
    binance_sim b("rate_limit:order=1");
    auto r =
        b.post_order("symbol=NKNUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=100&price=0.3"
                     "&newClientOrderId=rl1");
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(field(r.body, "code"), "-1003");
    EXPECT_EQ(r.headers["Retry-After"], "1");
    EXPECT_FALSE(has(b.sim->account_json("hmacKey1"), "rl1")); // not processed
    r = b.post_order("symbol=NKNUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=100&price=0.3"
                     "&newClientOrderId=rl1");
    EXPECT_EQ(r.status, 200) << r.body;
}

TEST(SimOrdersBinance, AckDropAndCloseFaultsStillProcessTheOrder) {
    binance_sim b("ack_drop:order=1,order_close:order=2");
    auto r =
        b.post_order("symbol=NKNUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=100&price=0.3"
                     "&newClientOrderId=lost1");
    EXPECT_EQ(r.status, 0); // no reply
    EXPECT_TRUE(has(b.sim->account_json("hmacKey1"), "\"client_id\":\"lost1\""));
    // Over the WebSocket API: the connection closes as the order arrives; it is processed.
    ws_client ws;
    ASSERT_TRUE(ws.open(b.port, "/ws-api/v3"));
    const std::string ts = std::to_string(t0);
    const std::string payload =
        "apiKey=hmacKey1&newClientOrderId=lost2&price=0.3&quantity=100&side=BUY&symbol=NKNUSDT&"
        "timeInForce=GTC&timestamp=" +
        ts + "&type=LIMIT";
    ws.send(
        R"({"id":1,"method":"order.place","params":{"symbol":"NKNUSDT","side":"BUY","type":"LIMIT","timeInForce":"GTC","quantity":"100","price":"0.3","newClientOrderId":"lost2","apiKey":"hmacKey1","timestamp":)" +
        ts + R"(,"signature":")" + exec::binance_hmac_signature("hmacSecret1", payload) + "\"}}");
    EXPECT_FALSE(ws.read());
    EXPECT_TRUE(ws.closed());
    EXPECT_TRUE(has(b.sim->account_json("hmacKey1"), "\"client_id\":\"lost2\""));
}

TEST(SimOrdersBinance, DuplicateAndDelayedExecutionReports) {
    binance_sim b("report_dup:order=1,fill_delay:order=2:ms=300");
    auto r = http_call(b.port, http::verb::post, "/api/v3/userDataStream", "", "hmacKey1");
    ws_client ws;
    ASSERT_TRUE(ws.open(b.port, "/ws/" + field(r.body, "listenKey")));
    r = b.post_order("symbol=NKNUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=100&price=0.3"
                     "&newClientOrderId=twice");
    ASSERT_EQ(r.status, 200);
    const auto first = ws.read_with("executionReport");
    ASSERT_TRUE(first);
    const auto second = ws.read_with("executionReport");
    ASSERT_TRUE(second);
    EXPECT_EQ(*first, *second);
    const auto [ask, ask_qty] = b.best("asks");
    const auto sent = std::chrono::steady_clock::now();
    r = b.post_order("symbol=NKNUSDT&side=BUY&type=LIMIT&timeInForce=IOC&quantity=40&price=" + ask +
                     "&newClientOrderId=late");
    ASSERT_EQ(field(r.body, "status"), "FILLED") << r.body;
    EXPECT_TRUE(ws.read_with("\"c\":\"late\""));       // NEW at once
    const auto fill = ws.read_with("\"x\":\"TRADE\""); // TRADE 300 ms later
    ASSERT_TRUE(fill);
    EXPECT_GE(std::chrono::steady_clock::now() - sent, 300ms);
}

TEST(SimOrdersBinance, SignedOrderOverTls) {
    binance_sim b("", true);
    ASSERT_FALSE(b.ca.empty());
    const auto [bid, bid_qty] = b.best("bids");
    const auto r = b.post_order(
        "symbol=NKNUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=100&price=" + bid);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(field(r.body, "status"), "NEW");
}

namespace {

/// A sim of another venue with one HMAC account (key "k1", secret "s1", passphrase "p1").
std::unique_ptr<exec::sim_venue> start_private(const std::string& venue, const std::string& capture,
                                               std::atomic<std::int64_t>& now,
                                               const std::string& faults = "") {
    exec::sim_venue_options o;
    o.venue = venue;
    o.captures.push_back(std::string(BALLAST_TEST_DATA_DIR) + "/" + capture);
    o.max_speed = true;
    if (auto err = exec::parse_sim_faults(faults, o.faults)) {
        ADD_FAILURE() << *err;
    }
    exec::sim_account_config a;
    a.api_key = "k1";
    a.secret = exec::secret_text("s1");
    a.passphrase = exec::secret_text("p1");
    a.balances = {{"USDT", *exec::sim_decimal::parse("1000000")},
                  {"BTC", *exec::sim_decimal::parse("10")},
                  {"UNI", *exec::sim_decimal::parse("1000")}};
    o.accounts = {a};
    o.clock_ms = [&now] { return now.load(); };
    auto sim = std::make_unique<exec::sim_venue>(o);
    if (auto err = sim->start()) {
        ADD_FAILURE() << *err;
        return sim;
    }
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!sim->capture_done() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield(); // bounded by the deadline
    }
    EXPECT_TRUE(sim->capture_done());
    return sim;
}

reply bybit_call(const exec::sim_venue& sim, http::verb method, const std::string& path,
                 const std::string& payload, std::int64_t ts, const std::string& secret = "s1",
                 const std::string& key = "k1") {
    const std::string t = std::to_string(ts);
    const header_list h = {
        {"X-BAPI-API-KEY", key},
        {"X-BAPI-TIMESTAMP", t},
        {"X-BAPI-RECV-WINDOW", "5000"},
        {"X-BAPI-SIGN", exec::bybit_rest_signature(secret, t, key, "5000", payload)}};
    const bool get = method == http::verb::get;
    return http_call(sim.port(), method, get ? path + "?" + payload : path, get ? "" : payload, h);
}

std::string iso_ms(std::int64_t ms) {
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64]; // room for any int the compiler cannot bound
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms % 1000));
    return buf;
}

reply okx_call(const exec::sim_venue& sim, http::verb method, const std::string& target,
               const std::string& body, std::int64_t ts, const std::string& secret = "s1",
               const std::string& passphrase = "p1") {
    const std::string t = iso_ms(ts);
    const std::string m = method == http::verb::get ? "GET" : "POST";
    const header_list h = {{"OK-ACCESS-KEY", "k1"},
                           {"OK-ACCESS-TIMESTAMP", t},
                           {"OK-ACCESS-PASSPHRASE", passphrase},
                           {"OK-ACCESS-SIGN", exec::okx_signature(secret, t, m, target, body)}};
    return http_call(sim.port(), method, target, body, h);
}

} // namespace

TEST(SimOrdersBybit, SignedOrdersAgainstTheSpotBookAndTheVenuesErrors) {
    std::atomic<std::int64_t> now{t0};
    auto sim = start_private("bybit", "bybit/BYBIT.jsonl", now, "rate_limit:order=1");
    const auto book = http_call(sim->port(), http::verb::get,
                                "/v5/market/orderbook?category=spot&symbol=BTCUSDT&limit=1");
    simdjson::dom::parser p;
    simdjson::dom::element e;
    ASSERT_FALSE(p.parse(book.body).get(e)) << book.body;
    const std::string ask(e["result"]["a"].at(0).at(0).get_string().value());
    const std::string order =
        R"({"category":"spot","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"0.001","price":")" +
        ask + R"(","timeInForce":"IOC","orderLinkId":"b1"})";
    auto r = bybit_call(*sim, http::verb::post, "/v5/order/create", order, t0);
    EXPECT_EQ(field(r.body, "retCode"), "10006") << r.body; // the rate_limit fault
    r = bybit_call(*sim, http::verb::post, "/v5/order/create", order, t0);
    ASSERT_EQ(field(r.body, "retCode"), "0") << r.body;
    r = bybit_call(*sim, http::verb::get, "/v5/order/realtime", "category=spot&orderLinkId=b1", t0);
    EXPECT_TRUE(has(r.body, "\"orderStatus\":\"Filled\"")) << r.body;
    EXPECT_TRUE(has(r.body, "\"cumExecQty\":\"0.001\"")) << r.body;
    r = bybit_call(*sim, http::verb::post, "/v5/order/create", order, t0);
    EXPECT_EQ(field(r.body, "retCode"), "110072"); // orderLinkId is never reused
    r = bybit_call(*sim, http::verb::get, "/v5/execution/list", "category=spot&symbol=BTCUSDT", t0);
    EXPECT_TRUE(has(r.body, "\"execQty\":\"0.001\"")) << r.body;
    r = bybit_call(*sim, http::verb::post, "/v5/order/cancel",
                   R"({"category":"spot","symbol":"BTCUSDT","orderId":"999"})", t0);
    EXPECT_EQ(field(r.body, "retCode"), "170213");
    r = bybit_call(*sim, http::verb::post, "/v5/order/create", order, t0, "wrong");
    EXPECT_EQ(field(r.body, "retCode"), "10004");
    r = bybit_call(*sim, http::verb::post, "/v5/order/create", order, t0, "s1", "nokey");
    EXPECT_EQ(field(r.body, "retCode"), "10003");
    r = bybit_call(*sim, http::verb::post, "/v5/order/create", order, t0 - 5001);
    EXPECT_EQ(field(r.body, "retCode"), "10002");
    r = bybit_call(*sim, http::verb::post, "/v5/order/create", order, t0 + 1000);
    EXPECT_EQ(field(r.body, "retCode"), "10002");
    r = bybit_call(*sim, http::verb::get, "/v5/account/wallet-balance", "accountType=UNIFIED", t0);
    EXPECT_TRUE(has(r.body, "\"coin\":\"BTC\"")) << r.body;
    EXPECT_EQ(sim->new_order_requests("k1", "b1"), 2u); // the rate-limited one never arrived
}

TEST(SimOrdersOkx, SignatureTimestampPassphraseAndOrderReplies) {
    std::atomic<std::int64_t> now{t0};
    auto sim = start_private("okx", "okx/OKX.ws.1.0.txt", now);
    auto r = okx_call(*sim, http::verb::get, "/api/v5/account/balance", "", t0);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(has(r.body, "\"ccy\":\"UNI\"")) << r.body;
    r = okx_call(*sim, http::verb::get, "/api/v5/account/balance", "", t0, "wrong");
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(field(r.body, "code"), "50113");
    r = okx_call(*sim, http::verb::get, "/api/v5/account/balance", "", t0, "s1", "wrong");
    EXPECT_EQ(field(r.body, "code"), "50105");
    r = okx_call(*sim, http::verb::get, "/api/v5/account/balance", "", t0 - 30001);
    EXPECT_EQ(field(r.body, "code"), "50102");
    // The capture's only book is an inverse swap, which the sim does not trade.
    r = okx_call(
        *sim, http::verb::post, "/api/v5/trade/order",
        R"({"instId":"UNI-USD-SWAP","tdMode":"cross","side":"buy","ordType":"limit","px":"10","sz":"1","clOrdId":"o1"})",
        t0);
    EXPECT_EQ(field(r.body, "code"), "1") << r.body;
    EXPECT_TRUE(has(r.body, "\"sCode\":\"51001\"")) << r.body;
    r = okx_call(*sim, http::verb::get, "/api/v5/trade/order?instId=UNI-USD-SWAP&ordId=5", "", t0);
    EXPECT_EQ(field(r.body, "code"), "51603");
    EXPECT_EQ(sim->new_order_requests("k1", "o1"), 1u);
}
