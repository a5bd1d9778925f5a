// `--metrics HOST:PORT` and `--metrics-linger S` (metrics_option.hpp).
#include "tools/metrics_option.hpp"

#include "tools/cli_checks.hpp"

#include <chrono>
#include <cstdio>
#include <thread>

namespace ballast::cli {

void metrics_option::add_to(CLI::App& app, bool linger) {
    app.add_option("--metrics", address_,
                   "serve Prometheus metrics at http://HOST:PORT/metrics while it runs "
                   "(HOST an IP address, e.g. 127.0.0.1:9464; port 0: a free one, printed on "
                   "stderr)")
        ->check(CLI::Validator(
            [](std::string& text) -> std::string {
                std::string error;
                return feed::metrics::parse_listen(text, error) ? std::string() : error;
            },
            "HOST:PORT"));
    if (linger) {
        app.add_option("--metrics-linger", linger_s_,
                       "--metrics: keep serving the final values this many seconds after the "
                       "work ends, so a scrape sees them (SIGINT/SIGTERM ends it sooner)")
            ->check(number_in(0, 86400));
    }
}

bool metrics_option::start(const char* command) {
    if (!enabled()) {
        return true;
    }
    server_ = std::make_unique<feed::metrics::server>(registry_);
    if (auto err = server_->start(address_)) {
        std::fprintf(stderr, "%s: --metrics: %s\n", command, err->c_str());
        server_.reset();
        return false;
    }
    std::fprintf(stderr, "metrics: %s\n", server_->url().c_str());
    std::fflush(stderr);
    return true;
}

void metrics_option::linger(const std::atomic<int>* stop) const {
    if (!server_ || linger_s_ <= 0.0) {
        return;
    }
    const auto until = std::chrono::steady_clock::now() +
                       std::chrono::microseconds(static_cast<std::int64_t>(linger_s_ * 1e6));
    while (std::chrono::steady_clock::now() < until && (stop == nullptr || stop->load() == 0)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

void metrics_option::stop() {
    if (server_) {
        server_->stop();
        server_.reset();
    }
}

} // namespace ballast::cli
