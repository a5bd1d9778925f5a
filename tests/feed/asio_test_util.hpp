#pragma once
// Drives an io_context from a test thread until a condition holds.

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>

namespace ballast::test {

/// Runs `io` in 5 ms slices until `done` or the timeout; true when done.
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::seconds timeout = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        io.restart();
        io.run_for(std::chrono::milliseconds(5));
    }
    return true;
}

} // namespace ballast::test
