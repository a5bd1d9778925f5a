#include "feed/thread_pin.hpp"

#include <sched.h>

#include <cstring>

namespace ballast::feed {

std::string allowed_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) {
        return "unknown";
    }
    std::string out;
    for (int c = 0; c < CPU_SETSIZE; ++c) {
        if (!CPU_ISSET(c, &set)) {
            continue;
        }
        int last = c;
        while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, &set)) {
            ++last;
        }
        out += (out.empty() ? "" : ",") + std::to_string(c) +
               (last > c ? "-" + std::to_string(last) : std::string());
        c = last;
    }
    return out;
}

std::optional<std::string> pin_thread(pthread_t thread, int cpu) {
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (cpu < 0 || cpu >= CPU_SETSIZE || sched_getaffinity(0, sizeof allowed, &allowed) != 0 ||
        !CPU_ISSET(cpu, &allowed)) {
        return "core " + std::to_string(cpu) + " is not one this process may run on (" +
               allowed_cpus() + ")";
    }
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (const int err = pthread_setaffinity_np(thread, sizeof one, &one); err != 0) {
        return "core " + std::to_string(cpu) + ": " + std::strerror(err);
    }
    return std::nullopt;
}

} // namespace ballast::feed
