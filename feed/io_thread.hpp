#pragma once
/// An io_context on its own named thread, pinned to a core on request, with a periodic tick on
/// that thread (where the owner publishes its counters for other threads). The live feeds run
/// their clients on one each.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>

namespace ballast::feed {

class io_thread {
  public:
    io_thread() = default;
    ~io_thread() { stop({}); }
    io_thread(const io_thread&) = delete;
    io_thread& operator=(const io_thread&) = delete;

    [[nodiscard]] boost::asio::io_context& io() noexcept { return io_; }

    /// Starts the thread, named `name` (the kernel keeps 15 characters) and pinned to `cpu`
    /// (-1: not pinned); `tick` runs on it first and then every `interval`, and once more after
    /// the io_context stops. An error line (a core that cannot be used: the thread is stopped).
    [[nodiscard]] std::optional<std::string> start(std::string name, int cpu,
                                                   std::chrono::milliseconds interval,
                                                   std::function<void()> tick);
    /// Runs `last` on the thread, stops the io_context without waiting for pending completions
    /// and joins. Idempotent; bounded when no handler on the thread blocks.
    void stop(std::function<void()> last);
    [[nodiscard]] bool running() const noexcept { return thread_.joinable(); }

  private:
    void schedule_tick();

    boost::asio::io_context io_{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
        io_.get_executor()};
    boost::asio::steady_timer timer_{io_};
    std::chrono::milliseconds interval_{50};
    std::function<void()> tick_;
    std::thread thread_;
};

} // namespace ballast::feed
