#include "feed/http_client.hpp"

#include "feed/ws_connection.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <charconv>
#include <deque>

namespace ballast::feed {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

std::optional<http_url> parse_http_url(std::string_view url, std::string& error) {
    // The authority rules are the WebSocket URL's: parse it as one.
    std::string as_ws;
    if (url.starts_with("https://")) {
        as_ws = "wss://" + std::string(url.substr(8));
    } else if (url.starts_with("http://")) {
        as_ws = "ws://" + std::string(url.substr(7));
    } else {
        error = "url: '" + std::string(url) + "' does not start with http:// or https://";
        return std::nullopt;
    }
    auto ws = parse_ws_url(as_ws, error);
    if (!ws) {
        return std::nullopt;
    }
    return http_url{std::move(ws->host), std::move(ws->port), std::move(ws->target), ws->tls};
}

std::string_view http_response::header(std::string_view name) const noexcept {
    for (const http_header& h : headers) {
        if (beast::iequals(h.name, name)) {
            return h.value;
        }
    }
    return {};
}

namespace {

http::verb verb_of(http_method m) noexcept {
    switch (m) {
    case http_method::get:
        return http::verb::get;
    case http_method::post:
        return http::verb::post;
    case http_method::put:
        return http::verb::put;
    case http_method::del:
        return http::verb::delete_;
    }
    return http::verb::get;
}

std::int64_t header_int(const http::response<http::string_body>& r, std::string_view name) {
    const auto it = r.find(name);
    if (it == r.end()) {
        return -1;
    }
    const auto v = it->value();
    std::int64_t out = -1;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    return ec == std::errc{} && end == v.data() + v.size() ? out : -1;
}

} // namespace

class http_client::impl : public std::enable_shared_from_this<impl> {
  public:
    impl(net::io_context& io, http_client_options options)
        : io_(io), opt_(std::move(options)), resolver_(io), timer_(io) {}

    void get(std::string url, callback done) {
        request(http_method::get, std::move(url), {}, {}, std::move(done));
    }

    void request(http_method method, std::string url, std::vector<http_header> headers,
                 std::string body, callback done) {
        std::string error;
        auto parsed = parse_http_url(url, error);
        if (!parsed) {
            http_response r;
            r.error = std::move(error);
            net::post(io_,
                      [done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
            return;
        }
        queue_.push_back(
            {std::move(*parsed), std::move(done), method, std::move(headers), std::move(body)});
        pump();
    }

    void stop() {
        stopped_ = true;
        queue_.clear();
        timer_.cancel();
        resolver_.cancel();
        close();
    }

    http_client_stats stats_;
    std::chrono::steady_clock::time_point not_before_{};

  private:
    struct pending {
        http_url url;
        callback done;
        http_method method = http_method::get;
        std::vector<http_header> headers;
        std::string body;
    };

    template <class F> void visit(F&& f) {
        if (tls_stream_) {
            f(*tls_stream_);
        } else {
            f(*plain_);
        }
    }
    beast::tcp_stream& tcp() {
        return tls_stream_ ? beast::get_lowest_layer(*tls_stream_) : *plain_;
    }
    bool connected_to(const http_url& u) const {
        return (plain_ || tls_stream_) && u.host == host_ && u.port == port_ && u.tls == tls_;
    }

    void close() {
        beast::error_code ignored;
        if (plain_ || tls_stream_) {
            tcp().socket().close(ignored);
        }
        plain_.reset();
        tls_stream_.reset();
        ++generation_;
    }

    void pump() {
        if (busy_ || queue_.empty() || stopped_) {
            return;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now < not_before_) {
            ++stats_.waits;
            busy_ = true;
            timer_.expires_at(not_before_);
            timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
                self->busy_ = false;
                if (!ec) {
                    self->pump();
                }
            });
            return;
        }
        busy_ = true;
        retried_ = false;
        ++stats_.requests;
        start_request();
    }

    void start_request() {
        const http_url& u = queue_.front().url;
        reused_ = connected_to(u);
        if (reused_) {
            return send();
        }
        close();
        host_ = u.host;
        port_ = u.port;
        tls_ = u.tls;
        if (u.tls) {
            if (!tls_context_) {
                std::string error;
                tls_context_ = make_tls_client_context(opt_.tls_ca_file, error);
                if (!tls_context_) {
                    return finish_error(error);
                }
            }
            tls_stream_.emplace(io_, *tls_context_);
        } else {
            plain_.emplace(io_);
        }
        const std::uint64_t gen = generation_;
        tcp().expires_after(opt_.timeout);
        resolver_.async_resolve(
            host_, port_,
            [self = shared_from_this(), gen](beast::error_code ec,
                                             tcp::resolver::results_type results) {
                if (gen != self->generation_) {
                    return;
                }
                if (ec) {
                    return self->fail("resolve " + self->host_ + ": " + ec.message());
                }
                self->tcp().async_connect(results,
                                          [self, gen](beast::error_code ec2, const tcp::endpoint&) {
                                              if (gen != self->generation_) {
                                                  return;
                                              }
                                              if (ec2) {
                                                  return self->fail("connect: " + ec2.message());
                                              }
                                              ++self->stats_.connects;
                                              self->tls_handshake(gen);
                                          });
            });
    }

    void tls_handshake(std::uint64_t gen) {
        if (!tls_stream_) {
            return send();
        }
        if (SSL_set_tlsext_host_name(tls_stream_->native_handle(), host_.c_str()) != 1) {
            return fail("tls: cannot set the server name");
        }
        tls_stream_->set_verify_mode(net::ssl::verify_peer);
        tls_stream_->set_verify_callback(net::ssl::host_name_verification(host_));
        tls_stream_->async_handshake(net::ssl::stream_base::client,
                                     [self = shared_from_this(), gen](beast::error_code ec) {
                                         if (gen != self->generation_) {
                                             return;
                                         }
                                         if (ec) {
                                             return self->fail("tls handshake: " + ec.message());
                                         }
                                         self->send();
                                     });
    }

    void send() {
        const pending& p = queue_.front();
        const http_url& u = p.url;
        req_ = {};
        req_.method(verb_of(p.method));
        req_.target(u.target);
        req_.version(11);
        const bool v6 = host_.find(':') != std::string::npos;
        const bool default_port = port_ == (tls_ ? "443" : "80");
        req_.set(http::field::host,
                 (v6 ? "[" + host_ + "]" : host_) + (default_port ? std::string() : ":" + port_));
        req_.set(http::field::user_agent, opt_.user_agent);
        req_.set(http::field::accept, "application/json");
        for (const http_header& h : p.headers) {
            req_.set(h.name, h.value);
        }
        req_.keep_alive(true);
        if (p.method != http_method::get || !p.body.empty()) {
            req_.body() = p.body;
            req_.prepare_payload();
        }
        parser_.emplace();
        parser_->body_limit(opt_.max_body_bytes);
        tcp().expires_after(opt_.timeout);
        const std::uint64_t gen = generation_;
        visit([&](auto& stream) {
            http::async_write(stream, req_,
                              [self = shared_from_this(), gen](beast::error_code ec, std::size_t) {
                                  if (gen != self->generation_) {
                                      return;
                                  }
                                  if (ec) {
                                      return self->fail_or_retry("write: " + ec.message());
                                  }
                                  self->receive(gen);
                              });
        });
    }

    void receive(std::uint64_t gen) {
        visit([&](auto& stream) {
            http::async_read(stream, buffer_, *parser_,
                             [self = shared_from_this(), gen](beast::error_code ec, std::size_t) {
                                 if (gen != self->generation_) {
                                     return;
                                 }
                                 if (ec) {
                                     return self->fail_or_retry("read: " + ec.message());
                                 }
                                 self->on_response();
                             });
        });
    }

    void on_response() {
        auto res = parser_->release();
        parser_.reset();
        ++stats_.responses;
        tcp().expires_never();
        apply_rate_limits(res);
        const bool keep = res.keep_alive();
        http_response out;
        out.status = static_cast<int>(res.result_int());
        out.body = std::move(res.body());
        out.headers.reserve(static_cast<std::size_t>(std::distance(res.begin(), res.end())));
        for (const auto& field : res) {
            out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
        }
        if (!keep) {
            close();
        }
        finish(std::move(out));
    }

    /// The venue says when we may ask again: Retry-After (seconds) on 429/418/503, Binance's
    /// X-MBX-USED-WEIGHT-1M against the budget (wait for the next minute), Bybit's
    /// X-Bapi-Limit-Status reaching 0 (wait for X-Bapi-Limit-Reset-Timestamp).
    void apply_rate_limits(const http::response<http::string_body>& res) {
        const auto now = std::chrono::steady_clock::now();
        const int status = static_cast<int>(res.result_int());
        if (status == 429 || status == 418) {
            ++stats_.rate_limited;
        }
        if (status == 429 || status == 418 || status == 503) {
            std::int64_t secs = header_int(res, "Retry-After");
            if (secs < 0) {
                secs = status == 503 ? 1 : 5;
            }
            not_before_ = std::max(not_before_, now + std::chrono::seconds(secs));
        }
        const std::int64_t used = header_int(res, "X-MBX-USED-WEIGHT-1M");
        if (opt_.weight_budget_per_minute > 0 && used >= opt_.weight_budget_per_minute) {
            const auto wall = std::chrono::system_clock::now().time_since_epoch();
            const auto into_minute = wall % std::chrono::minutes(1);
            not_before_ = std::max(
                not_before_, now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                       std::chrono::minutes(1) - into_minute));
        }
        const std::int64_t remaining = header_int(res, "X-Bapi-Limit-Status");
        const std::int64_t reset_ms = header_int(res, "X-Bapi-Limit-Reset-Timestamp");
        if (remaining == 0 && reset_ms > 0) {
            const auto wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count();
            if (reset_ms > wall_ms) {
                not_before_ =
                    std::max(not_before_, now + std::chrono::milliseconds(reset_ms - wall_ms));
            }
        }
    }

    /// A kept-alive connection the server closed meanwhile fails on first use: retry once on
    /// a new connection before reporting.
    void fail_or_retry(std::string reason) {
        const http_method m = queue_.front().method;
        const bool idempotent = m == http_method::get || m == http_method::put;
        if (!retried_ && reused_ && idempotent) {
            retried_ = true;
            close();
            return start_request();
        }
        fail(std::move(reason));
    }

    void fail(std::string reason) {
        ++stats_.failures;
        close();
        finish_error(reason);
    }

    void finish_error(const std::string& reason) {
        http_response out;
        out.error = reason;
        finish(std::move(out));
    }

    void finish(http_response out) {
        auto done = std::move(queue_.front().done);
        queue_.pop_front();
        busy_ = false;
        done(std::move(out));
        if (!stopped_) {
            pump();
        }
    }

    net::io_context& io_;
    http_client_options opt_;
    tcp::resolver resolver_;
    net::steady_timer timer_;
    std::shared_ptr<net::ssl::context> tls_context_;
    std::optional<beast::tcp_stream> plain_;
    std::optional<beast::ssl_stream<beast::tcp_stream>> tls_stream_;
    std::string host_;
    std::string port_;
    bool tls_ = false;
    beast::flat_buffer buffer_;
    http::request<http::string_body> req_;
    std::optional<http::response_parser<http::string_body>> parser_;
    std::deque<pending> queue_;
    std::uint64_t generation_ = 0;
    bool busy_ = false;
    bool retried_ = false;
    bool reused_ = false;
    bool stopped_ = false;
};

http_client::http_client(net::io_context& io, http_client_options options)
    : impl_(std::make_shared<impl>(io, std::move(options))) {}

http_client::~http_client() {
    impl_->stop();
}

void http_client::get(std::string url, callback done) {
    impl_->get(std::move(url), std::move(done));
}

void http_client::request(http_method method, std::string url, std::vector<http_header> headers,
                          std::string body, callback done) {
    impl_->request(method, std::move(url), std::move(headers), std::move(body), std::move(done));
}

void http_client::stop() {
    impl_->stop();
}

const http_client_stats& http_client::stats() const noexcept {
    return impl_->stats_;
}

std::chrono::steady_clock::time_point http_client::not_before() const noexcept {
    return impl_->not_before_;
}

} // namespace ballast::feed
