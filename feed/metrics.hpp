#pragma once
/// Prometheus metrics. Each series is a cell that one owner thread publishes into with relaxed
/// atomic stores (the feed thread its books' counters, the engine thread its orders, risk and
/// latency); a scrape on the server's thread reads the cells and renders the text exposition
/// format (0.0.4). The owner never locks, allocates or waits for a scrape: series are registered
/// before the work starts (registration and rendering share a mutex the owners never take).
///
/// Why not prometheus-cpp (Debian's prometheus-cpp-dev): its Histogram::Observe takes a mutex
/// and its counters are updated where the event happens, on the hot path. Here the owner keeps
/// its own plain counters and latency histograms and copies totals into cells at a publish
/// tick, so the hot path is unchanged; the text format is short and rendering it ourselves
/// costs one file.
#include "feed/tsc.hpp"

#include <atomic>
#include <bit>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ballast::feed::metrics {

/// Label name/value pairs of one series, in the order they are rendered.
using labels = std::vector<std::pair<std::string, std::string>>;

/// A counter's or gauge's value: one writer, any number of readers.
class cell {
  public:
    void set(double v) noexcept {
        bits_.store(std::bit_cast<std::uint64_t>(v), std::memory_order_relaxed);
    }
    void set(std::uint64_t v) noexcept { set(static_cast<double>(v)); }
    [[nodiscard]] double get() const noexcept {
        return std::bit_cast<double>(bits_.load(std::memory_order_relaxed));
    }

  private:
    std::atomic<std::uint64_t> bits_{std::bit_cast<std::uint64_t>(0.0)};
};

/// A latency histogram in seconds with fixed bucket bounds: the owner publishes its whole
/// latency_histogram (nanoseconds) at once.
class histogram_cell {
  public:
    /// Bounds in nanoseconds, ascending (+Inf is implied).
    explicit histogram_cell(std::vector<std::uint64_t> bounds_ns);
    /// Cumulative counts at each bound, the count and the sum (the owner's thread). A histogram
    /// kept in other units (TSC ticks) gives their size in nanoseconds.
    void publish(const latency_histogram& h, double ns_per_unit = 1.0) noexcept;
    [[nodiscard]] const std::vector<std::uint64_t>& bounds_ns() const noexcept { return bounds_; }
    [[nodiscard]] std::uint64_t cumulative(std::size_t i) const noexcept {
        return cumulative_[i].load(std::memory_order_relaxed);
    }
    [[nodiscard]] std::uint64_t count() const noexcept {
        return count_.load(std::memory_order_relaxed);
    }
    [[nodiscard]] std::uint64_t sum_ns() const noexcept {
        return sum_ns_.load(std::memory_order_relaxed);
    }

  private:
    std::vector<std::uint64_t> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> cumulative_;
    std::atomic<std::uint64_t> count_{0};
    std::atomic<std::uint64_t> sum_ns_{0};
};

/// Latency bounds from 1 µs to 1 s (1-2-5 steps): the hops of the order path.
[[nodiscard]] std::vector<std::uint64_t> latency_bounds_ns();

enum class kind : std::uint8_t { counter, gauge, histogram };

/// Every family and series of one process.
class registry {
  public:
    /// A series of a counter family (created on first use with its help text). Names follow
    /// Prometheus conventions: `ballast_<area>_<what>_<unit>`, counters end in `_total`.
    /// The reference stays valid for the registry's life. Allocates: call before the work.
    cell& counter(const std::string& name, const std::string& help, labels l = {});
    cell& gauge(const std::string& name, const std::string& help, labels l = {});
    histogram_cell& histogram(const std::string& name, const std::string& help, labels l = {},
                              std::vector<std::uint64_t> bounds_ns = latency_bounds_ns());

    /// The text exposition format: `# HELP`, `# TYPE`, then each series, families in
    /// registration order. Label values are escaped (backslash, quote, newline).
    [[nodiscard]] std::string render() const;

  private:
    struct series {
        labels l;
        cell value;
        std::unique_ptr<histogram_cell> hist;
    };
    struct family {
        std::string name;
        std::string help;
        kind k = kind::counter;
        std::deque<series> members; // stable addresses
    };
    series& find_or_add(const std::string& name, const std::string& help, kind k, labels l);

    mutable std::mutex mutex_; // registration vs rendering; never taken by a publisher
    std::deque<family> families_;
};

/// `HOST:PORT` with HOST an IP address (IPv6 in brackets) and PORT 0..65535 (0: a free one).
/// The error names the text and why.
struct listen_address {
    std::string host;
    std::uint16_t port = 0;
};
[[nodiscard]] std::optional<listen_address> parse_listen(const std::string& text,
                                                         std::string& error);

/// Serves GET /metrics (the registry rendered) over HTTP/1.1 on its own thread; every other
/// path is 404, every other method 405. One request per connection, each bounded in time and
/// size, so a stuck or hostile client never holds the server.
class server {
  public:
    explicit server(const registry& r);
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// Listens and starts the thread; an error line (bad address, port in use) otherwise.
    [[nodiscard]] std::optional<std::string> start(const std::string& address);
    void stop();
    /// The port it listens on (the one chosen for port 0).
    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    /// `http://HOST:PORT/metrics`.
    [[nodiscard]] std::string url() const;
    [[nodiscard]] std::uint64_t scrapes() const noexcept {
        return scrapes_.load(std::memory_order_relaxed);
    }

  private:
    struct impl;
    const registry& registry_;
    std::unique_ptr<impl> impl_;
    std::string host_;
    std::uint16_t port_ = 0;
    std::atomic<std::uint64_t> scrapes_{0};
};

} // namespace ballast::feed::metrics
