// The counting-allocator test for the portfolio (issue 12): once built and valued, marks
// (underlying, instrument, vol), fills, full revaluation, stress and reads never allocate,
// including the reads that derive a position's risk and the error paths (an expired option).
#include "risk/portfolio.hpp"
#include "tests/alloc/counting_new.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace ballast::risk {
namespace {

constexpr timestamp_ns t0{1'700'000'000'000'000'000};
constexpr std::int64_t ns_per_day = 86'400'000'000'000;

struct book_fixture {
    portfolio book;
    std::vector<underlying_id> underlyings;
    std::vector<instrument_id> instruments;
};

// Three underlyings, each with spot, linear and inverse perps and four options; 300 positions
// spread over ten accounts.
book_fixture make_book() {
    book_fixture f;
    for (int u = 0; u < 3; ++u) {
        const std::string name = "U" + std::to_string(u);
        const auto uid = f.book.add_underlying(name);
        f.underlyings.push_back(uid);
        const double s = 1000.0 * (u + 1);
        instrument_spec spec;
        spec.venue = "v";
        spec.base = name;
        spec.symbol = name + "-SPOT";
        std::vector<instrument_id> mine{f.book.add_instrument(spec, uid)};
        spec.kind = instrument_kind::linear_perp;
        spec.symbol = name + "-LPERP";
        spec.contract_size = 0.01;
        mine.push_back(f.book.add_instrument(spec, uid));
        spec.kind = instrument_kind::inverse_perp;
        spec.symbol = name + "-IPERP";
        spec.contract_size = 10;
        mine.push_back(f.book.add_instrument(spec, uid));
        spec.kind = instrument_kind::option;
        spec.contract_size = 1;
        for (int k = 0; k < 4; ++k) {
            spec.symbol = name + "-O" + std::to_string(k);
            spec.right = k % 2 ? option_right::call : option_right::put;
            spec.strike = s * (0.9 + 0.05 * k);
            spec.expiry = timestamp_ns{t0.ns + (10 + 20 * k) * ns_per_day};
            mine.push_back(f.book.add_instrument(spec, uid));
        }
        (void)f.book.on_underlying_mark(uid, s);
        for (const auto i : mine) {
            if (f.book.instrument(i).terms.kind == instrument_kind::option) {
                (void)f.book.on_vol_mark(i, 0.5);
            }
            f.instruments.push_back(i);
        }
    }
    std::vector<account_id> accounts;
    for (int a = 0; a < 10; ++a) {
        accounts.push_back(f.book.add_account("acct" + std::to_string(a)));
    }
    for (std::size_t p = 0; p < 300; ++p) {
        const auto i = f.instruments[p % f.instruments.size()];
        const auto acct = accounts[p / f.instruments.size() % accounts.size()];
        if (!f.book.find_position(acct, i)) {
            (void)f.book.add_position(acct, i, static_cast<double>(p % 9) - 4.0 + 0.25,
                                      f.book.instrument(i).price);
        }
    }
    EXPECT_EQ(f.book.set_valuation_time(t0), risk_error::ok);
    return f;
}

/// Marks, fills and reads at random; returns a checksum so nothing is optimised away.
double exercise(book_fixture& f, std::mt19937_64& rng, int steps) {
    std::uniform_real_distribution<double> move(0.99, 1.01);
    double sum = 0.0;
    for (int step = 0; step < steps; ++step) {
        const auto i = f.instruments[rng() % f.instruments.size()];
        const auto& inst = f.book.instrument(i);
        switch (rng() % 5) {
        case 0: {
            const auto u = f.underlyings[rng() % f.underlyings.size()];
            (void)f.book.on_underlying_mark(u, f.book.underlying(u).price * move(rng));
            break;
        }
        case 1:
        case 2:
            (void)f.book.on_instrument_mark(i, inst.price * move(rng));
            break;
        case 3:
            if (inst.terms.kind == instrument_kind::option) {
                (void)f.book.on_vol_mark(i, inst.vol * move(rng));
            }
            break;
        default: {
            const position_id p{static_cast<std::uint32_t>(rng() % f.book.position_count())};
            const auto& held = f.book.instrument(f.book.position(p).instrument);
            const double px =
                held.terms.kind == instrument_kind::option ? held.unit.value_usd : held.price;
            (void)f.book.on_fill(p, static_cast<double>(rng() % 7) - 3.0, px);
            break;
        }
        }
        const position_id p{static_cast<std::uint32_t>(rng() % f.book.position_count())};
        sum +=
            f.book.position(p).risk.delta_usd + f.book.nav_usd() + f.book.weight(f.underlyings[0]);
    }
    return sum;
}

TEST(risk_alloc, warm_portfolio_marks_fills_and_reads_do_not_allocate) {
    auto f = make_book();
    std::mt19937_64 rng(12);
    double sink = exercise(f, rng, 2000); // warm-up: nothing left to size

    alloc_test::watch watch;
    sink += exercise(f, rng, 20000);
    ASSERT_EQ(f.book.full_revalue(), risk_error::ok);
    sink += f.book.stress(-0.2, 5.0).pnl_usd;
    sink += f.book.stress_one(f.underlyings[1], 0.1, -5.0).pnl_usd;
    for (std::uint32_t p = 0; p < f.book.position_count(); ++p) {
        sink += f.book.position(position_id{p}).risk.value_usd;
    }
    // An error path: options expire, positions keep their last valuation and report it.
    EXPECT_EQ(f.book.set_valuation_time(timestamp_ns{t0.ns + 400 * ns_per_day}),
              risk_error::expired);
    sink += exercise(f, rng, 500);
    EXPECT_EQ(watch.allocations(), 0U);
    EXPECT_NE(sink, 0.0);
}

} // namespace
} // namespace ballast::risk
