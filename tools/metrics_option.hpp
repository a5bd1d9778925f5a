#pragma once
// `--metrics HOST:PORT` (and `--metrics-linger S`) for the commands that serve Prometheus
// metrics while they run: run, record, follow and sim-venue.
#include "feed/metrics.hpp"

#include <CLI/CLI.hpp>

#include <atomic>
#include <memory>
#include <string>

namespace ballast::cli {

class metrics_option {
  public:
    /// Adds --metrics (checked as HOST:PORT when parsed) and, with `linger`, --metrics-linger.
    void add_to(CLI::App& app, bool linger);
    [[nodiscard]] bool enabled() const noexcept { return !address_.empty(); }
    /// The series the command registers before its work starts.
    [[nodiscard]] feed::metrics::registry& registry() noexcept { return registry_; }
    /// Starts the server and prints "metrics: URL" on stderr; false (after one line naming
    /// `command` and the reason) when it cannot listen. True when --metrics was not given.
    [[nodiscard]] bool start(const char* command);
    /// After the work: keeps serving the final values for --metrics-linger seconds, or until
    /// `stop` (a signal count) moves. Returns at once without --metrics.
    void linger(const std::atomic<int>* stop) const;
    void stop();

  private:
    std::string address_;
    double linger_s_ = 0.0;
    feed::metrics::registry registry_;
    std::unique_ptr<feed::metrics::server> server_;
};

} // namespace ballast::cli
