#pragma once
/// Pinning a thread to one core (the engine's and the feeds' threads, from the config).
#include <pthread.h>

#include <optional>
#include <string>

namespace ballast::feed {

/// Pins `thread` to core `cpu`; an error line naming the core and the reason when the core is
/// not one this process may run on, or the kernel refuses.
[[nodiscard]] std::optional<std::string> pin_thread(pthread_t thread, int cpu);

/// The cores this process may run on, as "0-1" or "0,2,4" (for error lines and reports).
[[nodiscard]] std::string allowed_cpus();

} // namespace ballast::feed
