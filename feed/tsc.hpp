#pragma once
/// The TSC clock and a preallocated log-linear latency histogram: every stage of the pipeline
/// (feed threads, rings, engine hops) stamps and measures with these.
#include <array>
#include <cstdint>
#include <x86intrin.h>

namespace ballast::feed {

/// The time stamp counter: cheap, monotonic on invariant-TSC CPUs, never used as market time.
[[nodiscard]] inline std::uint64_t tsc_now() noexcept {
    return __rdtsc();
}

/// TSC ticks per nanosecond, measured once against steady_clock (about 20 ms).
[[nodiscard]] double calibrate_tsc_per_ns();

/// Log-linear histogram of nanoseconds: 16 linear sub-buckets per power of two, up to 2^40 ns
/// (about 18 minutes). Relative bucket error <= 1/16. Fixed storage: recording never allocates.
class latency_histogram {
  public:
    static constexpr int sub_bits = 4;
    static constexpr int sub_count = 1 << sub_bits;
    static constexpr int max_exponent = 40;
    static constexpr std::size_t bucket_count = (max_exponent - sub_bits + 1) * sub_count;

    void record(std::uint64_t ns) noexcept {
        ++buckets_[index_of(ns)];
        ++count_;
        sum_ += ns;
        if (ns > max_) {
            max_ = ns;
        }
    }
    void merge(const latency_histogram& o) noexcept {
        for (std::size_t i = 0; i < bucket_count; ++i) {
            buckets_[i] += o.buckets_[i];
        }
        count_ += o.count_;
        sum_ += o.sum_;
        if (o.max_ > max_) {
            max_ = o.max_;
        }
    }
    [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
    [[nodiscard]] std::uint64_t max() const noexcept { return max_; }
    /// Every recorded value added (wraps after 584 years of nanoseconds).
    [[nodiscard]] std::uint64_t sum() const noexcept { return sum_; }
    [[nodiscard]] std::uint64_t bucket(std::size_t i) const noexcept { return buckets_[i]; }
    /// The upper bound of the bucket holding quantile q (0 < q <= 1); the max for q = 1.
    [[nodiscard]] std::uint64_t quantile(double q) const noexcept;

    [[nodiscard]] static std::size_t index_of(std::uint64_t ns) noexcept {
        if (ns < sub_count) {
            return static_cast<std::size_t>(ns);
        }
        const int msb = 63 - __builtin_clzll(ns);
        if (msb >= max_exponent) {
            return bucket_count - 1;
        }
        const int shift = msb - sub_bits;
        const auto sub = static_cast<std::size_t>((ns >> shift) & (sub_count - 1));
        return static_cast<std::size_t>(shift + 1) * sub_count + sub;
    }
    /// Largest value that falls into bucket i.
    [[nodiscard]] static std::uint64_t upper_of(std::size_t i) noexcept {
        if (i < sub_count) {
            return i;
        }
        const std::size_t shift = i / sub_count - 1;
        const std::uint64_t sub = i % sub_count + sub_count;
        return ((sub + 1) << shift) - 1;
    }

  private:
    std::array<std::uint64_t, bucket_count> buckets_{};
    std::uint64_t count_ = 0;
    std::uint64_t sum_ = 0;
    std::uint64_t max_ = 0;
};

} // namespace ballast::feed
