#pragma once
/// Crash points for recovery tests: `BALLAST_CRASH_AT=<point>:<n>` in the environment makes the
/// process kill itself with SIGKILL the n-th time it passes that point (1-based), exactly as a
/// `kill -9` from outside would, at an instant a test can name. Without the variable every check
/// is one load and one compare. Points:
///   before_send    an order is in the journal, its bytes not yet handed to the gateway
///   after_send     the venue acknowledged an order; the acknowledgement is not yet recorded
///                  (the bytes certainly left: a gateway sends from its own I/O thread)
///   between_fills  a fill was booked and journalled; the order still works
///   mid_write      inside a journal write: half the record is in the file
#include <cstdint>
#include <string_view>

namespace ballast::exec {

enum class crash_point : std::uint8_t { before_send, after_send, between_fills, mid_write };

/// Reads BALLAST_CRASH_AT once; an unknown point name is ignored with a line on stderr.
void arm_crash_point_from_environment() noexcept;

namespace crash_detail {
extern crash_point armed_point;
extern std::int64_t armed_countdown; ///< 0: disarmed
[[noreturn]] void die() noexcept;
} // namespace crash_detail

/// Counts a pass through `p`; true on the armed pass (the caller then dies, after whatever
/// partial work the point stands for: the journal writes half a record first).
[[nodiscard]] inline bool crash_hit(crash_point p) noexcept {
    return crash_detail::armed_countdown > 0 && p == crash_detail::armed_point &&
           --crash_detail::armed_countdown == 0;
}
/// Kills the process on the armed pass through `p`.
inline void crash_check(crash_point p) noexcept {
    if (crash_hit(p)) {
        crash_detail::die();
    }
}

} // namespace ballast::exec
