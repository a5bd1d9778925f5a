#include "exec/report_series.hpp"

#include "feed/recording.hpp"
#include "feed/venue_feed.hpp"

#include <charconv>
#include <cmath>

namespace ballast::exec {

void sample_table::reset(std::size_t width, std::size_t capacity) {
    rule_ = decimation(capacity);
    width_ = width;
    times_.assign(rule_.capacity(), 0);
    values_.assign(rule_.capacity() * width, 0.0);
    last_.assign(width, 0.0);
    last_t_ = 0;
    last_kept_ = true;
}

double* sample_table::offer(std::int64_t t) noexcept {
    const decimation::step s = rule_.next();
    if (s.halve) {
        halve_rows(times_.data(), rule_.capacity(), 1);
        halve_rows(values_.data(), rule_.capacity(), width_);
    }
    last_kept_ = s.keep;
    if (!s.keep) {
        last_t_ = t;
        return last_.data();
    }
    times_[s.row] = t;
    return values_.data() + s.row * width_;
}

latency_buckets power_of_two_buckets(std::string_view hop, const feed::latency_histogram& h) {
    latency_buckets out;
    out.hop = hop;
    const std::uint64_t n = h.count();
    if (n == 0) {
        return out;
    }
    // The value of the k-th smallest sample's bucket (its upper bound, capped at the max):
    // quantile() takes rank floor(q * n); (k + 0.5) / n gives rank k exactly, n gives the max.
    const auto at_rank = [&](std::uint64_t k) {
        return k >= n ? h.max()
                      : h.quantile((static_cast<double>(k) + 0.5) / static_cast<double>(n));
    };
    // Samples at or below `bound`, a bucket boundary: the largest k whose value is <= bound.
    const auto cumulative = [&](std::uint64_t bound) {
        std::uint64_t lo = 0; // at_rank(lo) <= bound holds (rank 0: nothing)
        std::uint64_t hi = n + 1;
        while (hi - lo > 1) {
            const std::uint64_t mid = lo + (hi - lo) / 2;
            (at_rank(mid) <= bound ? lo : hi) = mid;
        }
        return lo;
    };
    std::uint64_t below = 0;
    for (int k = 1; k <= feed::latency_histogram::max_exponent && below < n; ++k) {
        const std::uint64_t bound = (std::uint64_t{1} << k) - 1;
        const std::uint64_t c = k == feed::latency_histogram::max_exponent ? n : cumulative(bound);
        if (c > below || !out.count.empty()) {
            out.le_ns.push_back(bound);
            out.count.push_back(c - below);
        }
        below = c;
    }
    return out;
}

namespace {

/// Appends JSON values to a string: numbers through std::to_chars, strings escaped.
class json_out {
  public:
    std::string text;

    /// `digits` significant digits (general format); null when not finite.
    void number(double v, int digits = 8) {
        if (!std::isfinite(v)) {
            text += "null";
            return;
        }
        char buf[64];
        const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, digits);
        text.append(buf, r.ptr);
    }
    /// Seconds from `origin_ns` to `t_ns`, to the millisecond.
    void seconds(std::int64_t t_ns, std::int64_t origin_ns) {
        char buf[64];
        const auto r =
            std::to_chars(buf, buf + sizeof buf, static_cast<double>(t_ns - origin_ns) / 1e9,
                          std::chars_format::fixed, 3);
        text.append(buf, r.ptr);
    }
    void integer(std::uint64_t v) {
        char buf[32];
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        text.append(buf, r.ptr);
    }
    /// `"name":` after the opening brace (`first`) or a comma.
    void key(std::string_view name, bool first = false) {
        text += first ? "{" : ",";
        feed::append_json_string(text, name);
        text += ':';
    }
    template <class Seq, class Put> void array(const Seq& seq, Put put) {
        text += '[';
        bool first = true;
        for (const auto& x : seq) {
            text += first ? "" : ",";
            first = false;
            put(x);
        }
        text += ']';
    }
};

} // namespace

std::string series_json(const run_series& s, std::int64_t market_start_ns) {
    json_out o;
    const auto num = [&](double v) { o.number(v); };
    const auto u64 = [&](std::uint64_t v) { o.integer(v); };
    const auto secs = [&](std::int64_t t) { o.seconds(t, market_start_ns); };
    o.key("period_ms", true);
    u64(static_cast<std::uint64_t>(s.period_ns / 1000000));
    o.key("capacity");
    u64(s.capacity);
    o.key("offered");
    u64(s.offered);
    o.key("stride");
    u64(s.stride);
    o.key("t");
    o.array(s.t, secs);
    o.key("underlyings");
    o.array(s.underlyings, [&](const underlying_series& u) {
        o.key("name", true);
        feed::append_json_string(o.text, u.name);
        o.key("weight");
        o.array(u.weight, num);
        o.key("spot_delta");
        o.array(u.spot_delta_base, num);
        o.key("derivative_delta");
        o.array(u.derivative_delta_base, num);
        o.text += '}';
    });
    o.key("health_states");
    std::vector<std::string_view> states;
    for (int h = 0; h <= static_cast<int>(feed::book_health::stale_silence); ++h) {
        states.push_back(feed::to_string(static_cast<feed::book_health>(h)));
    }
    o.array(states, [&](std::string_view name) { feed::append_json_string(o.text, name); });
    o.key("books");
    o.array(s.books, [&](const book_series& b) {
        o.key("name", true);
        feed::append_json_string(o.text, b.name);
        o.key("health");
        o.array(b.health, u64);
        o.text += '}';
    });
    const auto point = [&](const timed_value& p) {
        o.text += '[';
        secs(p.t);
        o.text += ',';
        num(p.v);
        o.text += ']';
    };
    o.key("parents");
    o.array(s.parents, [&](const parent_path& p) {
        o.key("schedule", true);
        o.array(p.schedule, point);
        o.key("executed");
        o.array(p.executed, point);
        o.text += '}';
    });
    o.key("venues");
    o.array(s.venues, [&](const venue_path& v) {
        o.key("name", true);
        feed::append_json_string(o.text, v.name);
        o.key("notional");
        o.array(v.notional, point);
        o.text += '}';
    });
    o.key("latency");
    o.array(s.latency, [&](const latency_buckets& l) {
        o.key("hop", true);
        feed::append_json_string(o.text, l.hop);
        o.key("le_ns");
        o.array(l.le_ns, u64);
        o.key("count");
        o.array(l.count, u64);
        o.text += '}';
    });
    o.text += '}';
    return std::move(o.text);
}

} // namespace ballast::exec
