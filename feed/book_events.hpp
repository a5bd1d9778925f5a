#pragma once
/// The hand-off from a feed thread to the engine: every change a venue_feed makes to its books,
/// as fixed-size events in an SPSC ring. The replay engine and the live feed threads use the
/// same event and the same listener.

#include "feed/spsc_ring.hpp"
#include "feed/tsc.hpp"
#include "feed/venue_feed.hpp"

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ballast::feed {

/// One normalised book change, stamped with market time (the frame's time, plus the feed's
/// offset in a replay), the TSC when the feed thread pushed it, and the TSC when the frame that
/// carried it was read (0: not measured; the start of the tick-to-order clock).
struct book_event {
    enum class kind : std::uint8_t { clear, level, update, end };
    std::int64_t ts = 0;
    std::uint64_t tsc = 0;
    std::uint64_t frame_tsc = 0;
    std::int64_t px = 0;
    std::int64_t sz = 0;
    std::uint16_t slot = 0;
    kind k = kind::level;
    std::uint8_t side_or_health = 0;
};

using book_ring = spsc_ring<book_event>;

/// What the producer does when the ring is full.
enum class full_ring_policy : std::uint8_t {
    /// Spin (yielding) until the consumer frees a slot: lossless back-pressure. A replay uses
    /// it: the recording waits for the engine.
    wait,
    /// Spin at most `max_full_spins` times, then drop the event. A live feed thread uses it: the
    /// venue does not wait for us, and an io thread blocked on a stuck consumer would miss its
    /// keep-alives and lose the connection. A drop marks the book lost and raises the overflow
    /// flag; the book's later changes are dropped too until, at one of its updates, the ring has
    /// room for the whole book: the listener then pushes clear + every level + update, so the
    /// consumer's mirror is exact again from that update on.
    drop,
};

struct ring_listener_options {
    full_ring_policy on_full = full_ring_policy::wait;
    std::uint32_t max_full_spins = 1024; ///< drop policy: yields before an event is dropped
};

/// Producer-side counters, written by the feed thread, readable from any thread.
struct ring_listener_stats {
    std::uint64_t events = 0;     ///< events pushed
    std::uint64_t full_spins = 0; ///< yields while the ring was full (producer back-offs)
    std::uint64_t dropped = 0;    ///< events dropped (drop policy)
    std::uint64_t resent = 0;     ///< whole books pushed again after a drop
};

/// Forwards every change of a decoder's books into a ring (feed thread). Books map to the
/// consumer's slots by symbol; a book outside the table is not forwarded.
class ring_listener final : public book_listener {
  public:
    ring_listener(book_ring& ring, std::vector<std::pair<std::string, std::uint16_t>> symbol_slots,
                  ring_listener_options options = {});

    /// Market time stamped into the next events (the frame being decoded).
    std::int64_t frame_ts = 0;
    /// TSC when the frame being decoded was read from its source (0: not measured). The first
    /// update the frame produces records `push - frame_tsc` into frame_latency() and clears it.
    std::uint64_t frame_tsc = 0;

    void on_clear(const venue_book& b) noexcept override;
    void on_level(const venue_book& b, side s, price px, qty sz) noexcept override;
    void on_update(const venue_book& b, timestamp_ns ts) noexcept override;
    /// The end-of-stream marker (ts = INT64_MAX). False when the drop policy gave up on it.
    bool push_end() noexcept;

    [[nodiscard]] ring_listener_stats stats() const noexcept;
    /// Consumer: true once after the producer dropped an event (its mirrored books may be
    /// behind until their next resend; see full_ring_policy::drop).
    [[nodiscard]] bool take_overflow() noexcept {
        return overflow_.exchange(false, std::memory_order_acq_rel);
    }
    /// Frame read -> event in the ring, TSC ticks. Feed thread only (read it after the feed
    /// stops).
    [[nodiscard]] const latency_histogram& frame_latency() const noexcept { return frame_lat_; }

  private:
    struct known_book {
        const venue_book* book;
        int slot;
        bool lost;
    };
    known_book* find(const venue_book& b) noexcept;
    bool push(known_book& k, book_event::kind kind, std::uint8_t x, std::int64_t px,
              std::int64_t sz) noexcept;
    bool emplace(const book_event& e) noexcept;
    void resend(known_book& k) noexcept;
    static void bump(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) noexcept {
        c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); // one writer
    }

    book_ring& ring_;
    std::vector<std::pair<std::string, std::uint16_t>> symbol_slots_;
    std::vector<known_book> books_; // once per book: a handful per venue
    ring_listener_options options_;
    latency_histogram frame_lat_;
    std::atomic<std::uint64_t> events_{0};
    std::atomic<std::uint64_t> full_spins_{0};
    std::atomic<std::uint64_t> dropped_{0};
    std::atomic<std::uint64_t> resent_{0};
    std::atomic<bool> overflow_{false};
};

} // namespace ballast::feed
