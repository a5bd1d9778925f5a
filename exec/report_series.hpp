#pragma once
/// The run report's time series (the HTML report's charts): sampled on the engine thread into
/// storage sized before the run, bounded whatever the run's length, and what the report keeps
/// of them (`run_series`).
#include "feed/tsc.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ballast::exec {

/// Market time between two samples of the weights, deltas and book health.
inline constexpr std::int64_t series_period_ns = 100'000'000;
/// Rows a sampled series keeps at most (weights, deltas, book health).
inline constexpr std::size_t series_capacity = 256;
/// Points a parent's executed trajectory keeps at most.
inline constexpr std::size_t trajectory_capacity = 64;
/// Points a venue's cumulative fills keep at most.
inline constexpr std::size_t venue_fills_capacity = 128;

/// Which offers a bounded series keeps: every `stride()`-th, starting with the first. When the
/// series is full, rows 0, 2, 4, ... are kept as rows 0, 1, 2, ... and the stride doubles, so
/// the kept rows stay evenly spaced in offers and their number never exceeds the capacity.
class decimation {
  public:
    explicit decimation(std::size_t capacity = 2) noexcept
        : capacity_(capacity < 2 ? 2 : capacity & ~std::size_t{1}) {}

    /// What to do with the next offer.
    struct step {
        bool keep = false;  ///< write the offer at `row`
        bool halve = false; ///< first keep the even rows only (halve_rows)
        std::size_t row = 0;
    };
    [[nodiscard]] step next() noexcept {
        const std::uint64_t k = offered_++;
        step s;
        if (k % stride_ != 0) {
            return s;
        }
        if (size_ == capacity_) {
            s.halve = true;
            size_ = capacity_ / 2;
            stride_ *= 2;
            if (k % stride_ != 0) {
                return s; // cannot happen (k is a multiple of the full series' span), kept safe
            }
        }
        s.keep = true;
        s.row = size_++;
        return s;
    }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
    [[nodiscard]] std::uint64_t stride() const noexcept { return stride_; }
    [[nodiscard]] std::uint64_t offered() const noexcept { return offered_; }

  private:
    std::size_t capacity_;
    std::size_t size_ = 0;
    std::uint64_t stride_ = 1;
    std::uint64_t offered_ = 0;
};

/// Keeps rows 0, 2, 4, ... of `rows` rows of `width` values as rows 0, 1, 2, ... (in place).
template <class T> void halve_rows(T* data, std::size_t rows, std::size_t width) noexcept {
    for (std::size_t r = 1; 2 * r < rows; ++r) {
        for (std::size_t c = 0; c < width; ++c) {
            data[r * width + c] = data[2 * r * width + c];
        }
    }
}

/// A point of a series: market time (ns since the epoch) and a value.
struct timed_value {
    std::int64_t t = 0;
    double v = 0.0;
};

/// A bounded series of points in fixed inline storage (never allocates), decimated as
/// `decimation` says; the newest offer is kept aside so the series always ends at it.
template <class Point, std::size_t Capacity> class decimated_series {
  public:
    void offer(const Point& p) noexcept {
        const decimation::step s = rule_.next();
        if (s.halve) {
            halve_rows(points_.data(), Capacity, 1);
        }
        if (s.keep) {
            points_[s.row] = p;
        }
        last_ = p;
        last_kept_ = s.keep;
    }
    [[nodiscard]] std::size_t size() const noexcept { return rule_.size(); }
    [[nodiscard]] const Point& operator[](std::size_t i) const noexcept { return points_[i]; }
    [[nodiscard]] std::uint64_t offered() const noexcept { return rule_.offered(); }
    /// The kept points, then the newest offer when decimation dropped it.
    [[nodiscard]] std::vector<Point> points() const {
        std::vector<Point> out(points_.begin(),
                               points_.begin() + static_cast<std::ptrdiff_t>(size()));
        if (rule_.offered() > 0 && !last_kept_) {
            out.push_back(last_);
        }
        return out;
    }

  private:
    decimation rule_{Capacity};
    std::array<Point, Capacity> points_{};
    Point last_{};
    bool last_kept_ = false;
};

/// Rows of `width` doubles at market times, decimated as `decimation` says; sized once by
/// `reset` (allocates), then `offer` never allocates. The newest offer is kept aside.
class sample_table {
  public:
    void reset(std::size_t width, std::size_t capacity);
    /// The row the sample at `t` goes to, to be filled with `width()` values; the newest offer
    /// is written to the side row when decimation drops it (never nullptr).
    [[nodiscard]] double* offer(std::int64_t t) noexcept;
    [[nodiscard]] std::size_t width() const noexcept { return width_; }
    [[nodiscard]] std::size_t size() const noexcept { return rule_.size(); }
    [[nodiscard]] std::uint64_t offered() const noexcept { return rule_.offered(); }
    [[nodiscard]] std::uint64_t stride() const noexcept { return rule_.stride(); }
    /// Rows to report: the kept ones, then the newest offer when it was dropped.
    [[nodiscard]] std::size_t rows() const noexcept { return size() + (last_kept_ ? 0 : 1); }
    [[nodiscard]] std::int64_t time(std::size_t row) const noexcept {
        return row < size() ? times_[row] : last_t_;
    }
    [[nodiscard]] double value(std::size_t row, std::size_t column) const noexcept {
        return row < size() ? values_[row * width_ + column] : last_[column];
    }

  private:
    decimation rule_;
    std::size_t width_ = 0;
    std::vector<std::int64_t> times_;
    std::vector<double> values_;
    std::vector<double> last_;
    std::int64_t last_t_ = 0;
    bool last_kept_ = true;
};

/// The engine thread's sampling state (engine_series.cpp): sized before the run, then written
/// without allocating. Columns of `table`: per underlying weight, spot delta, derivative delta;
/// then per book its worst health in the period.
struct series_sampler {
    static constexpr std::size_t columns_per_underlying = 3;
    sample_table table;
    std::size_t underlyings = 0;
    std::vector<std::uint8_t> worst_health; ///< by book: the worst since the last sample
    /// By parent index; capacity reserved for every parent the engine can hold.
    std::vector<decimated_series<timed_value, trajectory_capacity>> executed;
    /// By venue (the scenario's [[venues]] order): cumulative filled notional at each fill.
    std::vector<decimated_series<timed_value, venue_fills_capacity>> venue_fills;
    std::vector<double> venue_notional;
    std::int64_t next_at = 0; ///< market time of the next sample (0: at the first update)
};

// --- what the report keeps (run_result::series) --------------------------------------------

/// One underlying over market time: its weight, and its delta split into spot holdings
/// (spot and pool instruments) and derivatives (perps, futures, options: the synthetic leg).
struct underlying_series {
    std::string name;
    std::vector<double> weight;
    std::vector<double> spot_delta_base;
    std::vector<double> derivative_delta_base;
};

/// One mirrored book over market time: the worst health it had in each sample's period.
struct book_series {
    std::string name;                 ///< venue:symbol
    std::vector<std::uint8_t> health; ///< feed::book_health values
};

/// One parent order: its schedule and what it executed, cumulative base units over time.
struct parent_path {
    std::vector<timed_value> schedule; ///< slice times, cumulative scheduled quantity
    std::vector<timed_value> executed; ///< fill times, cumulative filled quantity
};

/// One venue's fills: cumulative notional (quote) over time, from 0 at the market's start.
struct venue_path {
    std::string name;
    std::vector<timed_value> notional;
};

/// Power-of-two latency buckets of one hop: `count[i]` samples in (le_ns[i-1], le_ns[i]].
struct latency_buckets {
    std::string hop;
    std::vector<std::uint64_t> le_ns;
    std::vector<std::uint64_t> count;
};

struct run_series {
    std::int64_t period_ns = series_period_ns;
    std::size_t capacity = series_capacity;
    std::uint64_t offered = 0; ///< samples taken; every stride-th is kept
    std::uint64_t stride = 1;
    std::vector<std::int64_t> t; ///< market time of each sample (ns since the epoch)
    std::vector<underlying_series> underlyings;
    std::vector<book_series> books;
    std::vector<parent_path> parents; ///< by run_result::parents index
    std::vector<venue_path> venues;   ///< venues that filled anything
    std::vector<latency_buckets> latency;
};

/// The histogram's counts in power-of-two buckets (upper bounds 2^k - 1 ns, k = 1 .. 40), from
/// the first to the last non-empty one; empty for an empty histogram. Exact: every such bound
/// is a bucket boundary of the log-linear histogram, whose cumulative count at it is read
/// through quantile() by rank.
[[nodiscard]] latency_buckets power_of_two_buckets(std::string_view hop,
                                                   const feed::latency_histogram& h);

/// The report's `series` object (JSON): times in seconds since `market_start_ns`.
[[nodiscard]] std::string series_json(const run_series& s, std::int64_t market_start_ns);

} // namespace ballast::exec
