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

/// Test hook for the counting-allocator test: when set, the live engine thread calls it with
/// true as it takes an event from a feed's ring and with false once that event, and any order
/// it triggered, has been handed to its gateway. Never set in production (one predictable
/// branch per event).
inline void (*engine_hot_window)(bool open) noexcept = nullptr;

/// The hops of the order path, in the order a market event travels them.
enum class hop : std::uint8_t { decode, queue, book, risk, route, pre_trade, send, count };
[[nodiscard]] std::string_view to_string(hop h) noexcept;
inline constexpr std::size_t hop_count = static_cast<std::size_t>(hop::count);

/// The legs of tick-to-order: from the read of the frame that caused a decision to the hand-off
/// of the order's bytes to the socket (a signed gateway's I/O thread write; a simulated
/// gateway's send call).
enum class t2o_hop : std::uint8_t {
    socket_to_decoded,  ///< frame read -> its book update pushed into the ring (feed thread)
    decoded_to_engine,  ///< time in the ring: pushed -> popped by the engine thread
    engine_to_decision, ///< popped -> mirror updated, trigger fired, the order's size decided
    decision_to_split,  ///< decided -> the router's split over the market's books
    split_to_pre_trade, ///< split -> every child through the pre-trade checks
    pre_trade_to_wire,  ///< checked -> journal, gateway ring, I/O thread's socket write
    total,              ///< frame read -> socket write
    count
};
[[nodiscard]] std::string_view to_string(t2o_hop h) noexcept;
inline constexpr std::size_t t2o_hop_count = static_cast<std::size_t>(t2o_hop::count);

/// The TSC stamps of one frame-triggered order on its way out (engine thread; fixed size).
struct t2o_stamps {
    std::uint64_t order = 0;   ///< client order id (0: unused slot)
    std::uint64_t frame = 0;   ///< frame read by the feed thread
    std::uint64_t decoded = 0; ///< the update pushed into the ring
    std::uint64_t engine = 0;  ///< popped by the engine thread
    std::uint64_t decided = 0;
    std::uint64_t split = 0;
    std::uint64_t checked = 0;
};

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

    /// Records every tick-to-order leg of one order whose bytes reached the socket at `wire`.
    /// Stamps out of order (a frame not measured: 0) record nothing for the legs they bound.
    void record_tick_to_order(const t2o_stamps& s, std::uint64_t wire) noexcept {
        const std::array<std::uint64_t, t2o_hop_count> at{s.frame, s.decoded, s.engine, s.decided,
                                                          s.split, s.checked, wire};
        for (std::size_t i = 0; i + 1 < at.size(); ++i) {
            if (at[i] != 0 && at[i + 1] >= at[i]) {
                record_t2o(static_cast<t2o_hop>(i), at[i + 1] - at[i]);
            }
        }
        if (s.frame != 0 && wire >= s.frame) {
            record_t2o(t2o_hop::total, wire - s.frame);
        }
    }
    [[nodiscard]] const latency_histogram& of(t2o_hop h) const noexcept {
        return t2o_[static_cast<std::size_t>(h)];
    }

  private:
    void record_t2o(t2o_hop h, std::uint64_t ticks) noexcept {
        t2o_[static_cast<std::size_t>(h)].record(
            static_cast<std::uint64_t>(static_cast<double>(ticks) / tsc_per_ns_));
    }
    double tsc_per_ns_;
    std::array<latency_histogram, hop_count> hist_{};
    std::array<latency_histogram, t2o_hop_count> t2o_{};
};

} // namespace ballast::exec
