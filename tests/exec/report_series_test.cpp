// The report's bounded time series: decimation keeps at most the capacity, evenly spaced, the
// newest offer always reported; latency buckets equal a direct count of the raw samples.
#include "exec/report_series.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdint>
#include <random>
#include <vector>

namespace {

using namespace ballast::exec;

TEST(decimation, keeps_every_offer_until_full_then_halves_and_doubles_the_stride) {
    decimation d(8);
    std::vector<std::uint64_t> kept; // offer index of each row, maintained like a series would
    for (std::uint64_t k = 0; k < 1000; ++k) {
        const decimation::step s = d.next();
        if (s.halve) {
            halve_rows(kept.data(), kept.size(), 1);
            kept.resize(kept.size() / 2);
        }
        if (s.keep) {
            ASSERT_EQ(s.row, kept.size());
            kept.push_back(k);
        }
        ASSERT_LE(kept.size(), 8u);
        ASSERT_EQ(kept.size(), d.size());
        // Evenly spaced by the stride, from the first offer.
        for (std::size_t i = 0; i < kept.size(); ++i) {
            ASSERT_EQ(kept[i], i * d.stride()) << "offer " << k;
        }
    }
    EXPECT_EQ(d.offered(), 1000u);
    EXPECT_EQ(d.stride(), 128u); // 1000 offers over at most 8 rows
    EXPECT_GE(d.size(), 4u);     // never below half full once it has been full
}

TEST(decimation, odd_or_tiny_capacities_are_made_even_and_at_least_two) {
    EXPECT_EQ(decimation(7).capacity(), 6u);
    EXPECT_EQ(decimation(1).capacity(), 2u);
    EXPECT_EQ(decimation(0).capacity(), 2u);
}

TEST(decimated_series, stays_bounded_and_always_ends_at_the_newest_offer) {
    decimated_series<timed_value, 16> s;
    EXPECT_TRUE(s.points().empty());
    for (int i = 0; i < 16; ++i) {
        s.offer({i, static_cast<double>(i)});
    }
    ASSERT_EQ(s.points().size(), 16u); // exactly full: nothing dropped yet
    for (int i = 16; i < 1001; ++i) {
        s.offer({i, static_cast<double>(i)});
        const auto pts = s.points();
        ASSERT_LE(pts.size(), 17u);  // the capacity, plus the newest offer
        ASSERT_EQ(pts.back().t, i);  // always ends at the newest
        ASSERT_EQ(pts.front().t, 0); // and starts at the first
        for (std::size_t k = 1; k < pts.size(); ++k) {
            ASSERT_LT(pts[k - 1].t, pts[k].t); // in order
        }
    }
    EXPECT_EQ(s.offered(), 1001u);
    EXPECT_EQ(sizeof(s), sizeof(decimated_series<timed_value, 16>)); // inline, fixed size
}

TEST(sample_table, rows_stay_aligned_with_their_times_through_decimation) {
    sample_table t;
    t.reset(3, 10);
    for (std::int64_t i = 0; i < 777; ++i) {
        double* row = t.offer(i * 100);
        ASSERT_NE(row, nullptr);
        row[0] = static_cast<double>(i);
        row[1] = static_cast<double>(-i);
        row[2] = static_cast<double>(2 * i);
        ASSERT_LE(t.rows(), 11u);
        ASSERT_LE(t.size(), 10u);
    }
    ASSERT_GE(t.rows(), 5u);
    for (std::size_t r = 0; r < t.rows(); ++r) {
        const double i = static_cast<double>(t.time(r) / 100);
        EXPECT_EQ(t.value(r, 0), i);
        EXPECT_EQ(t.value(r, 1), -i);
        EXPECT_EQ(t.value(r, 2), 2 * i);
    }
    EXPECT_EQ(t.time(t.rows() - 1), 776 * 100); // the newest offer is reported
    EXPECT_EQ(t.offered(), 777u);
}

/// The reference: raw samples counted straight into (2^(k-1) - 1, 2^k - 1].
std::vector<std::uint64_t> reference_counts(const std::vector<std::uint64_t>& values) {
    std::vector<std::uint64_t> c(41, 0);
    for (const std::uint64_t v : values) {
        int k = 1;
        while (v > (std::uint64_t{1} << k) - 1 && k < 40) {
            ++k;
        }
        ++c[static_cast<std::size_t>(k)];
    }
    return c;
}

TEST(power_of_two_buckets, equal_a_direct_count_of_the_samples) {
    std::mt19937_64 rng(7);
    std::lognormal_distribution<double> dist(8.0, 2.5); // ~3 us median, long tail
    for (const std::size_t n : {1u, 2u, 17u, 1000u, 100000u}) {
        ballast::feed::latency_histogram h;
        std::vector<std::uint64_t> values;
        for (std::size_t i = 0; i < n; ++i) {
            const auto v = static_cast<std::uint64_t>(dist(rng));
            values.push_back(v);
            h.record(v);
        }
        const auto b = power_of_two_buckets("hop", h);
        ASSERT_EQ(b.le_ns.size(), b.count.size());
        ASSERT_FALSE(b.count.empty());
        EXPECT_NE(b.count.front(), 0u);
        EXPECT_NE(b.count.back(), 0u);
        const auto ref = reference_counts(values);
        std::uint64_t total = 0;
        for (std::size_t i = 0; i < b.le_ns.size(); ++i) {
            int k = 0;
            while ((std::uint64_t{1} << k) - 1 != b.le_ns[i]) {
                ++k;
            }
            EXPECT_EQ(b.count[i], ref[static_cast<std::size_t>(k)])
                << "n " << n << " le " << b.le_ns[i];
            total += b.count[i];
        }
        EXPECT_EQ(total, n);
    }
    EXPECT_TRUE(power_of_two_buckets("empty", ballast::feed::latency_histogram{}).count.empty());
}

TEST(series_json, is_valid_json_with_times_from_the_market_start) {
    run_series s;
    s.t = {1'000'000'000, 1'500'000'000};
    s.underlyings.push_back({"B\"T\\C</script>", {0.5, 0.25}, {1.0, 2.0}, {0.0, 0.5}});
    s.books.push_back({"venue:SYM", {0, 1}});
    s.parents.push_back({{{1'000'000'000, 0.0}, {1'200'000'000, 1.5}}, {{1'000'000'000, 0.0}}});
    s.venues.push_back({"bybit_spot", {{1'000'000'000, 0.0}, {1'250'000'000, 1234.5}}});
    s.latency.push_back({"send", {1023, 2047}, {3, 4}});
    const std::string text = series_json(s, 1'000'000'000);
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(text).get(doc), simdjson::SUCCESS) << text;
    double t1 = 0;
    ASSERT_EQ(doc["t"].at(1).get(t1), simdjson::SUCCESS);
    EXPECT_DOUBLE_EQ(t1, 0.5);
    std::string_view name;
    ASSERT_EQ(doc["underlyings"].at(0)["name"].get(name), simdjson::SUCCESS);
    EXPECT_EQ(name, "B\"T\\C</script>");
    std::string_view state;
    ASSERT_EQ(doc["health_states"].at(1).get(state), simdjson::SUCCESS);
    EXPECT_EQ(state, "live");
    double sched = 0;
    ASSERT_EQ(doc["parents"].at(0)["schedule"].at(1).at(1).get(sched), simdjson::SUCCESS);
    EXPECT_DOUBLE_EQ(sched, 1.5);
    double venue_t = 0;
    double notional = 0;
    ASSERT_EQ(doc["venues"].at(0)["notional"].at(1).at(0).get(venue_t), simdjson::SUCCESS);
    ASSERT_EQ(doc["venues"].at(0)["notional"].at(1).at(1).get(notional), simdjson::SUCCESS);
    EXPECT_DOUBLE_EQ(venue_t, 0.25);
    EXPECT_DOUBLE_EQ(notional, 1234.5);
    std::uint64_t count = 0;
    ASSERT_EQ(doc["latency"].at(0)["count"].at(1).get(count), simdjson::SUCCESS);
    EXPECT_EQ(count, 4u);
}

} // namespace
