#pragma once
/// One latency histogram per engine hop (the TSC clock and the histogram: feed/tsc.hpp).
#include "feed/tsc.hpp"

#include <array>
#include <cstdint>
#include <string_view>

namespace ballast::exec {

// The clock and the histogram live in feed/ (the feed threads stamp with them too).
using feed::calibrate_tsc_per_ns;
using feed::latency_histogram;
using feed::tsc_now;

/// The hops of the order path, in the order a market event travels them.
enum class hop : std::uint8_t { decode, queue, book, risk, route, pre_trade, send, count };
[[nodiscard]] std::string_view to_string(hop h) noexcept;
inline constexpr std::size_t hop_count = static_cast<std::size_t>(hop::count);

/// One histogram per hop plus the TSC rate that converts ticks to nanoseconds.
class hop_latencies {
  public:
    explicit hop_latencies(double tsc_per_ns = 1.0) noexcept : tsc_per_ns_(tsc_per_ns) {}
    void record_ticks(hop h, std::uint64_t start, std::uint64_t end) noexcept {
        const std::uint64_t d = end > start ? end - start : 0;
        hist_[static_cast<std::size_t>(h)].record(
            static_cast<std::uint64_t>(static_cast<double>(d) / tsc_per_ns_));
    }
    [[nodiscard]] latency_histogram& of(hop h) noexcept {
        return hist_[static_cast<std::size_t>(h)];
    }
    [[nodiscard]] const latency_histogram& of(hop h) const noexcept {
        return hist_[static_cast<std::size_t>(h)];
    }
    [[nodiscard]] double tsc_per_ns() const noexcept { return tsc_per_ns_; }

  private:
    double tsc_per_ns_;
    std::array<latency_histogram, hop_count> hist_{};
};

} // namespace ballast::exec
