#pragma once
/// REST over the feed layer's transport stack (Boost.Beast HTTP/1.1 over Asio, TLS as the
/// WebSocket client does it): one keep-alive connection per client, requests served in order,
/// a deadline per request, and the venues' rate-limit answers honoured before the next request
/// (HTTP 429/418/503 with Retry-After, Binance's used-weight header, Bybit's remaining-requests
/// header).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace ballast::feed {

/// http://host[:port][/target] or https:// (TLS).
struct http_url {
    std::string host;
    std::string port = "80"; ///< 443 for https:// unless given
    std::string target = "/";
    bool tls = false;
};
/// Parses an http:// or https:// URL; nullopt with `error` naming the part at fault.
[[nodiscard]] std::optional<http_url> parse_http_url(std::string_view url, std::string& error);

enum class http_method : std::uint8_t { get, post, put, del };

/// One header line of a request or a response.
struct http_header {
    std::string name;
    std::string value;
};

struct http_response {
    int status = 0;    ///< 0 when no response arrived (see `error`)
    std::string body;  ///< followed by no padding: copy before parsing in place
    std::string error; ///< transport failure ("connect: ...", "timeout", ...) or empty
    std::vector<http_header> headers; ///< as received
    [[nodiscard]] bool ok() const noexcept {
        return error.empty() && status >= 200 && status < 300;
    }
    /// The first header of that name (case-insensitive); empty when absent.
    [[nodiscard]] std::string_view header(std::string_view name) const noexcept;
};

struct http_client_options {
    std::chrono::milliseconds timeout{10'000}; ///< per request: connect, send, receive
    std::size_t max_body_bytes = 64u << 20;
    std::string tls_ca_file; ///< https: authorities to trust instead of the system's
    std::string user_agent = "ballast";
    /// Binance: stop sending while the used request weight of the current minute is at or
    /// above this (the venue's limit is in exchangeInfo's rateLimits; 0 disables the check).
    std::uint32_t weight_budget_per_minute = 0;
};

struct http_client_stats {
    std::uint64_t requests = 0;
    std::uint64_t responses = 0;
    std::uint64_t failures = 0;     ///< transport failures and timeouts
    std::uint64_t connects = 0;     ///< keep-alive means far fewer connects than requests
    std::uint64_t rate_limited = 0; ///< 429/418 answers
    std::uint64_t waits = 0;        ///< requests held back by a rate-limit rule
};

/// One host's REST client. Not thread-safe: used on its io_context's thread.
class http_client {
  public:
    using callback = std::function<void(http_response)>;

    http_client(boost::asio::io_context& io, http_client_options options);
    ~http_client();
    http_client(const http_client&) = delete;
    http_client& operator=(const http_client&) = delete;

    /// GET `url` (absolute); `done` is called once on the io_context's thread.
    void get(std::string url, callback done);
    /// Any method with extra headers and a body (sent with Content-Length; give Content-Type
    /// in `headers`). A GET or PUT that fails on a kept-alive connection is retried once on a
    /// new one, as get() does; a POST or DELETE never is (its outcome is unknown: the caller
    /// asks the venue rather than send it twice).
    void request(http_method method, std::string url, std::vector<http_header> headers,
                 std::string body, callback done);
    /// Cancels every request (their callbacks are not called) and closes the connection.
    void stop();
    [[nodiscard]] const http_client_stats& stats() const noexcept;
    /// When the next request may go out (rate limits); steady-clock time.
    [[nodiscard]] std::chrono::steady_clock::time_point not_before() const noexcept;

  private:
    class impl;
    std::shared_ptr<impl> impl_;
};

} // namespace ballast::feed
