#include "feed/ws_connection.hpp"

#include "feed/rx_stamped.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <deque>

namespace ballast::feed {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

std::optional<ws_url> parse_ws_url(std::string_view url, std::string& error) {
    ws_url out;
    if (url.starts_with("wss://")) {
        out.tls = true;
        out.port = "443";
        url.remove_prefix(6);
    } else if (url.starts_with("ws://")) {
        url.remove_prefix(5);
    } else {
        error = "url: '" + std::string(url) + "' does not start with ws:// or wss://";
        return std::nullopt;
    }
    const auto slash = url.find('/');
    std::string_view authority = url.substr(0, slash);
    if (slash != std::string_view::npos) {
        out.target = std::string(url.substr(slash));
    }
    std::string_view host = authority;
    if (!authority.empty() && authority.front() == '[') { // [v6]:port
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            error = "url: unterminated [ in the host";
            return std::nullopt;
        }
        host = authority.substr(1, close - 1);
        authority.remove_prefix(close + 1);
        if (!authority.empty() && authority.front() != ':') {
            error = "url: text after the ] of the host";
            return std::nullopt;
        }
    } else {
        const auto colon = authority.rfind(':');
        host = authority.substr(0, colon);
        authority = colon == std::string_view::npos ? std::string_view{} : authority.substr(colon);
    }
    if (host.empty()) {
        error = "url: empty host";
        return std::nullopt;
    }
    out.host = std::string(host);
    if (!authority.empty()) {
        const std::string_view port = authority.substr(1);
        unsigned value = 0;
        const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value == 0 ||
            value > 65535) {
            error = "url: port '" + std::string(port) + "' is not 1..65535";
            return std::nullopt;
        }
        out.port = std::string(port);
    }
    return out;
}

std::shared_ptr<net::ssl::context> make_tls_client_context(const std::string& ca_file,
                                                           std::string& error) {
    auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
    beast::error_code ec;
    if (ca_file.empty()) {
        ctx->set_default_verify_paths(ec);
    } else {
        ctx->load_verify_file(ca_file, ec);
    }
    if (ec) {
        error = "tls_ca_file: cannot load " +
                (ca_file.empty() ? std::string("the system's authorities") : ca_file) + ": " +
                ec.message();
        return nullptr;
    }
    return ctx;
}

std::chrono::milliseconds reconnect_backoff::delay(unsigned attempt) {
    const auto initial = std::max<std::int64_t>(initial_.count(), 1);
    const auto cap = std::max<std::int64_t>(max_.count(), initial);
    std::int64_t d = initial;
    for (unsigned i = 0; i < attempt && d < cap; ++i) {
        d *= 2;
    }
    d = std::min(d, cap);
    std::uniform_int_distribution<std::int64_t> half(0, d / 2);
    return std::chrono::milliseconds(d - d / 2 + half(rng_));
}

namespace {

// Reads go through rx_stamped (recvmsg with the kernel's receive stamps); connect, timeouts and
// close through Beast's tcp_stream beneath it.
using stamped_tcp = rx_stamped<beast::tcp_stream>;
using plain_ws = websocket::stream<stamped_tcp>;
using tls_ws = websocket::stream<beast::ssl_stream<stamped_tcp>>;

/// The connection over stream type `Ws` (plain_ws or tls_ws).
template <class Ws> class ws_connection_impl final : public ws_connection {
  public:
    ws_connection_impl(net::io_context& io, ws_url url, std::shared_ptr<net::ssl::context> tls,
                       ws_connection_options options, ws_connection_handler& handler)
        : resolver_(io), url_(std::move(url)), tls_(std::move(tls)), opt_(options),
          handler_(&handler), ws_(make_stream(io, tls_.get())) {}

    void start() override {
        resolver_.async_resolve(
            url_.host, url_.port,
            [self = shared_from_this_impl()](beast::error_code ec,
                                             tcp::resolver::results_type results) {
                if (ec) {
                    return self->fail("resolve " + self->url_.host + ": " + ec.message());
                }
                self->on_resolved(results);
            });
    }

    void send(std::string text) override {
        if (handler_ == nullptr) {
            return;
        }
        out_.push_back(std::move(text));
        if (!writing_ && open_) {
            write();
        }
    }

    void close() noexcept override {
        handler_ = nullptr;
        open_ = false;
        beast::error_code ignored;
        resolver_.cancel();
        beast::get_lowest_layer(ws_).socket().close(ignored);
    }

    const ws_connection_stats& stats() const noexcept override { return stats_; }
    std::size_t pending_sends() const noexcept override { return out_.size(); }
    std::int64_t rx_lag_ns() const noexcept override { return rx_lag_ns_; }

  private:
    static Ws make_stream(net::io_context& io, net::ssl::context* tls) {
        if constexpr (std::is_same_v<Ws, tls_ws>) {
            return Ws(io, *tls);
        } else {
            (void)tls;
            return Ws(io);
        }
    }

    stamped_tcp& stamped() noexcept {
        if constexpr (std::is_same_v<Ws, tls_ws>) {
            return ws_.next_layer().next_layer();
        } else {
            return ws_.next_layer();
        }
    }

    std::shared_ptr<ws_connection_impl> shared_from_this_impl() {
        return std::static_pointer_cast<ws_connection_impl>(shared_from_this());
    }

    void on_resolved(const tcp::resolver::results_type& results) {
        if (handler_ == nullptr) {
            return;
        }
        auto& tcp_layer = beast::get_lowest_layer(ws_);
        tcp_layer.expires_after(opt_.connect_timeout);
        tcp_layer.async_connect(
            results, [self = shared_from_this_impl()](beast::error_code ec, const tcp::endpoint&) {
                if (ec) {
                    return self->fail("connect: " + ec.message());
                }
                self->after_connect();
            });
    }

    void after_connect() {
        (void)stamped().enable(); // without stamps the read's return is the receive time
        if constexpr (std::is_same_v<Ws, tls_ws>) {
            auto& tls = ws_.next_layer();
            if (SSL_set_tlsext_host_name(tls.native_handle(), url_.host.c_str()) != 1) {
                return fail("tls: cannot set the server name");
            }
            tls.set_verify_mode(net::ssl::verify_peer);
            tls.set_verify_callback(net::ssl::host_name_verification(url_.host));
            tls.async_handshake(net::ssl::stream_base::client,
                                [self = shared_from_this_impl()](beast::error_code ec) {
                                    if (ec) {
                                        return self->fail("tls handshake: " + ec.message());
                                    }
                                    self->handshake();
                                });
        } else {
            handshake();
        }
    }

    void handshake() {
        if (handler_ == nullptr) {
            return;
        }
        beast::get_lowest_layer(ws_).expires_never();
        websocket::stream_base::timeout t{};
        t.handshake_timeout = opt_.connect_timeout;
        t.idle_timeout = opt_.idle_timeout;
        t.keep_alive_pings = true;
        ws_.set_option(t);
        ws_.read_message_max(opt_.max_message_bytes);
        ws_.text(true);
        // The Host header: an IPv6 literal goes in brackets.
        const bool v6 = url_.host.find(':') != std::string::npos;
        ws_.async_handshake((v6 ? "[" + url_.host + "]" : url_.host) + ":" + url_.port, url_.target,
                            [self = shared_from_this_impl()](beast::error_code ec) {
                                if (ec) {
                                    return self->fail("handshake: " + ec.message());
                                }
                                self->on_open();
                            });
    }

    void on_open() {
        if (handler_ == nullptr) {
            return;
        }
        open_ = true;
        handler_->on_ws_open();
        if (!out_.empty() && !writing_ && open_) {
            write();
        }
        read();
    }

    void read() {
        ws_.async_read(buffer_,
                       [self = shared_from_this_impl()](beast::error_code ec, std::size_t n) {
                           if (ec) {
                               return self->fail("read: " + ec.message());
                           }
                           self->on_read(n);
                       });
    }

    void on_read(std::size_t n) {
        if (handler_ == nullptr) {
            return;
        }
        ++stats_.frames;
        stats_.bytes += n;
        rx_lag_ns_ = stamped().rx_lag_ns();
        // Room after the message for the decoder's padding: prepare() keeps the readable bytes
        // (moving them if it must grow), so the text is parsed where it landed.
        // The padding is zeroed: simdjson reads it, and its result must never depend on bytes
        // left over from an earlier frame (64 bytes, a few ns).
        const auto pad = buffer_.prepare(ws_frame_padding);
        std::memset(pad.data(), 0, pad.size());
        const auto data = buffer_.cdata();
        handler_->on_ws_frame({static_cast<const char*>(data.data()), data.size()});
        buffer_.consume(buffer_.size());
        if (handler_ != nullptr) {
            read();
        }
    }

    void write() {
        writing_ = true;
        ws_.async_write(net::buffer(out_.front()),
                        [self = shared_from_this_impl()](beast::error_code ec, std::size_t) {
                            self->writing_ = false;
                            if (ec) {
                                return self->fail("write: " + ec.message());
                            }
                            ++self->stats_.sent;
                            self->out_.pop_front();
                            if (!self->out_.empty() && self->open_) {
                                self->write();
                            }
                        });
    }

    void fail(std::string reason) {
        ws_connection_handler* h = handler_;
        if (h == nullptr) {
            return;
        }
        close();
        h->on_ws_closed(reason);
    }

    tcp::resolver resolver_;
    ws_url url_;
    std::shared_ptr<net::ssl::context> tls_;
    ws_connection_options opt_;
    ws_connection_handler* handler_;
    Ws ws_;
    beast::flat_buffer buffer_;
    std::deque<std::string> out_;
    bool writing_ = false;
    bool open_ = false;
    std::int64_t rx_lag_ns_ = -1;
    ws_connection_stats stats_;
};

} // namespace

std::shared_ptr<ws_connection> ws_connection::create(net::io_context& io, const ws_url& url,
                                                     std::shared_ptr<net::ssl::context> tls,
                                                     ws_connection_options options,
                                                     ws_connection_handler& handler) {
    if (url.tls) {
        return std::make_shared<ws_connection_impl<tls_ws>>(io, url, std::move(tls), options,
                                                            handler);
    }
    return std::make_shared<ws_connection_impl<plain_ws>>(io, url, nullptr, options, handler);
}

} // namespace ballast::feed
