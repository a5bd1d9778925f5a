// Prometheus metrics: cells, the registry's text exposition, and the HTTP server that serves it.
#include "feed/metrics.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <pthread.h>
#include <thread>

namespace ballast::feed::metrics {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

// ---- cells -------------------------------------------------------------------------------

histogram_cell::histogram_cell(std::vector<std::uint64_t> bounds_ns)
    : bounds_(std::move(bounds_ns)),
      cumulative_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size())) {
    std::sort(bounds_.begin(), bounds_.end());
}

void histogram_cell::publish(const latency_histogram& h, double ns_per_unit) noexcept {
    // Buckets of the source hold values up to upper_of(i) (in its units); each counts under
    // the first bound at or above that value in nanoseconds.
    std::size_t b = 0;
    std::uint64_t running = 0;
    for (std::size_t i = 0; i < latency_histogram::bucket_count; ++i) {
        const std::uint64_t n = h.bucket(i);
        if (n == 0) {
            continue;
        }
        const double upper_ns = static_cast<double>(latency_histogram::upper_of(i)) * ns_per_unit;
        while (b < bounds_.size() && static_cast<double>(bounds_[b]) < upper_ns) {
            cumulative_[b].store(running, std::memory_order_relaxed);
            ++b;
        }
        running += n;
    }
    for (; b < bounds_.size(); ++b) {
        cumulative_[b].store(running, std::memory_order_relaxed);
    }
    sum_ns_.store(static_cast<std::uint64_t>(static_cast<double>(h.sum()) * ns_per_unit),
                  std::memory_order_relaxed);
    count_.store(h.count(), std::memory_order_relaxed);
}

std::vector<std::uint64_t> latency_bounds_ns() {
    std::vector<std::uint64_t> out;
    for (std::uint64_t decade = 1000; decade <= 100'000'000; decade *= 10) {
        out.push_back(decade);
        out.push_back(2 * decade);
        out.push_back(5 * decade);
    }
    out.push_back(1'000'000'000);
    return out;
}

// ---- registry ----------------------------------------------------------------------------

registry::series& registry::find_or_add(const std::string& name, const std::string& help, kind k,
                                        labels l) {
    std::lock_guard lock(mutex_);
    family* f = nullptr;
    for (auto& x : families_) {
        if (x.name == name) {
            f = &x;
        }
    }
    if (f == nullptr) {
        f = &families_.emplace_back();
        f->name = name;
        f->help = help;
        f->k = k;
    }
    for (auto& s : f->members) {
        if (s.l == l) {
            return s;
        }
    }
    auto& s = f->members.emplace_back();
    s.l = std::move(l);
    return s;
}

cell& registry::counter(const std::string& name, const std::string& help, labels l) {
    return find_or_add(name, help, kind::counter, std::move(l)).value;
}

cell& registry::gauge(const std::string& name, const std::string& help, labels l) {
    return find_or_add(name, help, kind::gauge, std::move(l)).value;
}

histogram_cell& registry::histogram(const std::string& name, const std::string& help, labels l,
                                    std::vector<std::uint64_t> bounds_ns) {
    series& s = find_or_add(name, help, kind::histogram, std::move(l));
    std::lock_guard lock(mutex_);
    if (!s.hist) {
        s.hist = std::make_unique<histogram_cell>(std::move(bounds_ns));
    }
    return *s.hist;
}

namespace {

void append_escaped(std::string& out, std::string_view v, bool help) {
    for (const char c : v) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '"' && !help) {
            out += "\\\"";
        } else {
            out += c;
        }
    }
}

void append_labels(std::string& out, const labels& l, std::string_view extra_name = {},
                   std::string_view extra_value = {}) {
    if (l.empty() && extra_name.empty()) {
        return;
    }
    out += '{';
    bool first = true;
    for (const auto& [k, v] : l) {
        out += first ? "" : ",";
        first = false;
        out += k;
        out += "=\"";
        append_escaped(out, v, false);
        out += '"';
    }
    if (!extra_name.empty()) {
        out += first ? "" : ",";
        out += extra_name;
        out += "=\"";
        out += extra_value;
        out += '"';
    }
    out += '}';
}

void append_number(std::string& out, double v) {
    if (std::isnan(v)) {
        out += "NaN";
    } else if (std::isinf(v)) {
        out += v > 0 ? "+Inf" : "-Inf";
    } else {
        char buf[32];
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        out.append(buf, r.ptr);
    }
}

void append_seconds(std::string& out, std::uint64_t ns) {
    append_number(out, static_cast<double>(ns) / 1e9);
}

} // namespace

std::string registry::render() const {
    std::lock_guard lock(mutex_);
    std::string out;
    out.reserve(4096);
    for (const auto& f : families_) {
        out += "# HELP ";
        out += f.name;
        out += ' ';
        append_escaped(out, f.help, true);
        out += "\n# TYPE ";
        out += f.name;
        out += f.k == kind::counter ? " counter\n"
               : f.k == kind::gauge ? " gauge\n"
                                    : " histogram\n";
        for (const auto& s : f.members) {
            if (f.k != kind::histogram) {
                out += f.name;
                append_labels(out, s.l);
                out += ' ';
                append_number(out, s.value.get());
                out += '\n';
                continue;
            }
            const histogram_cell& h = *s.hist;
            // Read while the owner may publish: keep the buckets non-decreasing and +Inf the
            // largest, as the format requires.
            std::uint64_t last = 0;
            for (std::size_t i = 0; i < h.bounds_ns().size(); ++i) {
                last = std::max(last, h.cumulative(i));
                out += f.name;
                out += "_bucket";
                std::string le;
                append_seconds(le, h.bounds_ns()[i]);
                append_labels(out, s.l, "le", le);
                out += ' ';
                out += std::to_string(last);
                out += '\n';
            }
            const std::uint64_t count = std::max(last, h.count());
            out += f.name;
            out += "_bucket";
            append_labels(out, s.l, "le", "+Inf");
            out += ' ' + std::to_string(count) + '\n';
            out += f.name;
            out += "_sum";
            append_labels(out, s.l);
            out += ' ';
            append_seconds(out, h.sum_ns());
            out += '\n';
            out += f.name;
            out += "_count";
            append_labels(out, s.l);
            out += ' ' + std::to_string(count) + '\n';
        }
    }
    return out;
}

// ---- address -----------------------------------------------------------------------------

std::optional<listen_address> parse_listen(const std::string& text, std::string& error) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon + 1 == text.size()) {
        error = "'" + text + "' is not HOST:PORT";
        return std::nullopt;
    }
    const std::string port_text = text.substr(colon + 1);
    unsigned port = 0;
    const auto [ptr, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || port > 65535) {
        error = "'" + port_text + "' is not a port (0 to 65535; 0: a free one)";
        return std::nullopt;
    }
    std::string host = text.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    boost::system::error_code bad;
    (void)net::ip::make_address(host, bad);
    if (bad) {
        error = "'" + host + "' is not an IP address";
        return std::nullopt;
    }
    return listen_address{host, static_cast<std::uint16_t>(port)};
}

// ---- server ------------------------------------------------------------------------------

namespace {

constexpr auto request_time_limit = std::chrono::seconds(5);
constexpr std::uint32_t request_size_limit = 16 * 1024;

/// One request, one answer, then the connection closes.
class session : public std::enable_shared_from_this<session> {
  public:
    session(tcp::socket s, const registry& r, std::atomic<std::uint64_t>& scrapes)
        : stream_(std::move(s)), registry_(r), scrapes_(scrapes) {}

    void start() {
        parser_.header_limit(request_size_limit);
        parser_.body_limit(request_size_limit);
        stream_.expires_after(request_time_limit);
        http::async_read(
            stream_, buffer_, parser_,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

  private:
    void on_read(beast::error_code ec) {
        if (ec) {
            return; // closed, timed out or not HTTP: nothing to answer
        }
        const auto& req = parser_.get();
        res_.version(req.version());
        res_.keep_alive(false);
        res_.set(http::field::server, "ballast");
        const std::string_view target(req.target().data(), req.target().size());
        const std::string_view path = target.substr(0, target.find('?'));
        if (req.method() != http::verb::get && req.method() != http::verb::head) {
            res_.result(http::status::method_not_allowed);
            res_.set(http::field::allow, "GET, HEAD");
            res_.set(http::field::content_type, "text/plain");
            res_.body() = "method not allowed\n";
        } else if (path == "/metrics") {
            res_.result(http::status::ok);
            res_.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
            res_.body() = registry_.render();
            scrapes_.fetch_add(1, std::memory_order_relaxed);
        } else {
            res_.result(http::status::not_found);
            res_.set(http::field::content_type, "text/plain");
            res_.body() = "not found: the metrics are at /metrics\n";
        }
        res_.prepare_payload();
        if (req.method() == http::verb::head) {
            res_.body().clear();
        }
        http::async_write(stream_, res_,
                          [self = shared_from_this()](beast::error_code, std::size_t) {
                              beast::error_code ignored;
                              self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                          });
    }

    beast::tcp_stream stream_;
    const registry& registry_;
    std::atomic<std::uint64_t>& scrapes_;
    beast::flat_buffer buffer_;
    http::request_parser<http::string_body> parser_;
    http::response<http::string_body> res_;
};

} // namespace

struct server::impl {
    net::io_context io{1};
    tcp::acceptor acceptor{io};
    std::thread thread;

    void accept(const registry& r, std::atomic<std::uint64_t>& scrapes) {
        acceptor.async_accept([this, &r, &scrapes](beast::error_code ec, tcp::socket s) {
            if (ec == net::error::operation_aborted || !acceptor.is_open()) {
                return;
            }
            if (!ec) {
                std::make_shared<session>(std::move(s), r, scrapes)->start();
            }
            accept(r, scrapes);
        });
    }
};

server::server(const registry& r) : registry_(r) {}

server::~server() {
    stop();
}

std::optional<std::string> server::start(const std::string& address) {
    std::string error;
    const auto where = parse_listen(address, error);
    if (!where) {
        return error;
    }
    impl_ = std::make_unique<impl>();
    beast::error_code ec;
    const tcp::endpoint ep(net::ip::make_address(where->host), where->port);
    impl_->acceptor.open(ep.protocol(), ec);
    if (!ec) {
        impl_->acceptor.set_option(net::socket_base::reuse_address(true), ec);
        impl_->acceptor.bind(ep, ec);
    }
    if (!ec) {
        impl_->acceptor.listen(net::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        impl_.reset();
        return "cannot listen on " + address + ": " + ec.message();
    }
    host_ = where->host;
    port_ = impl_->acceptor.local_endpoint().port();
    impl_->accept(registry_, scrapes_);
    impl_->thread = std::thread([this] {
        pthread_setname_np(pthread_self(), "metrics");
        impl_->io.run();
    });
    return std::nullopt;
}

void server::stop() {
    if (!impl_) {
        return;
    }
    net::post(impl_->io, [this] {
        beast::error_code ignored;
        impl_->acceptor.close(ignored);
        impl_->io.stop();
    });
    if (impl_->thread.joinable()) {
        impl_->thread.join();
    }
    impl_.reset();
}

std::string server::url() const {
    const bool v6 = host_.find(':') != std::string::npos;
    return "http://" + (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_) + "/metrics";
}

} // namespace ballast::feed::metrics
