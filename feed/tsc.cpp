#include "feed/tsc.hpp"

#include <chrono>

namespace ballast::feed {

double calibrate_tsc_per_ns() {
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    const std::uint64_t c0 = tsc_now();
    auto t1 = t0;
    while (t1 - t0 < std::chrono::milliseconds(20)) {
        t1 = clock::now();
    }
    const std::uint64_t c1 = tsc_now();
    const double ns =
        static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    const double r = static_cast<double>(c1 - c0) / ns;
    return r > 0.0 ? r : 1.0;
}

std::uint64_t latency_histogram::quantile(double q) const noexcept {
    if (count_ == 0) {
        return 0;
    }
    if (q >= 1.0) {
        return max_;
    }
    auto rank = static_cast<std::uint64_t>(q * static_cast<double>(count_));
    if (rank < 1) {
        rank = 1;
    }
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
        seen += buckets_[i];
        if (seen >= rank) {
            const std::uint64_t u = upper_of(i);
            return u < max_ ? u : max_;
        }
    }
    return max_;
}

} // namespace ballast::feed
