#include "exec/crash_point.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

namespace ballast::exec {

namespace crash_detail {
crash_point armed_point = crash_point::before_send;
std::int64_t armed_countdown = 0;

void die() noexcept {
    ::kill(::getpid(), SIGKILL);
    ::_exit(137); // not reached
}
} // namespace crash_detail

void arm_crash_point_from_environment() noexcept {
    const char* v = std::getenv("BALLAST_CRASH_AT");
    if (v == nullptr || *v == '\0') {
        return;
    }
    const std::string_view s(v);
    const auto colon = s.find(':');
    const std::string_view name = s.substr(0, colon);
    const long n = colon == std::string_view::npos ? 1 : std::atol(v + colon + 1);
    struct named {
        std::string_view name;
        crash_point p;
    };
    static constexpr named points[] = {{"before_send", crash_point::before_send},
                                       {"after_send", crash_point::after_send},
                                       {"between_fills", crash_point::between_fills},
                                       {"mid_write", crash_point::mid_write}};
    for (const auto& p : points) {
        if (p.name == name && n > 0) {
            crash_detail::armed_point = p.p;
            crash_detail::armed_countdown = n;
            return;
        }
    }
    std::fprintf(stderr, "BALLAST_CRASH_AT: %s: unknown point or count (ignored)\n", v);
}

} // namespace ballast::exec
