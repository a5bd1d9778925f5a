// Random marks, vols and fills on the example book: after every step the incrementally
// maintained totals equal a full revaluation of a copy, bit for bit, and a mark leaves the
// other underlyings untouched. Both of those run the portfolio's own revaluation
// (revalue_underlying); the totals are also checked against an independent reference built
// here: every position valued on its own by value_position (one Black-76 per position, no
// per-contract unit scaling, no incremental state) and summed per underlying. A second test
// drives many marks into a book with many positions per instrument, where a mark adds only
// its instrument's total back into the underlying's sum tree.
#include "risk/config.hpp"
#include "risk/detail/sum_tree.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace ballast::risk {
namespace {

bool same_bits(const position_risk& a, const position_risk& b) {
    return std::memcmp(&a, &b, sizeof(position_risk)) == 0;
}

/// Totals per underlying from scratch: each position valued alone at its instrument's marks.
std::vector<position_risk> reference_totals(const portfolio& book) {
    std::vector<position_risk> totals(book.underlying_count());
    for (std::uint32_t p = 0; p < book.position_count(); ++p) {
        const auto& pos = book.position(position_id{p});
        const auto& inst = book.instrument(pos.instrument);
        auto r = value_position(inst.terms, pos.contracts, pos.entry_price,
                                instrument_mark{inst.price, inst.vol}, book.valuation_time());
        EXPECT_TRUE(r.ok()) << "position " << p;
        r.value.value_usd += pos.realized_usd;
        totals[inst.underlying.value] += r.value;
    }
    return totals;
}

/// Scaling a unit contract and valuing a position directly round differently: 1e-9 relative.
void expect_close(const position_risk& got, const position_risk& want, int step) {
    const auto near = [&](double a, double b, const char* field) {
        EXPECT_NEAR(a, b, 1e-9 * std::max(1.0, std::fabs(b))) << field << " at step " << step;
    };
    near(got.value_usd, want.value_usd, "value_usd");
    near(got.notional_usd, want.notional_usd, "notional_usd");
    near(got.delta_base, want.delta_base, "delta_base");
    near(got.delta_usd, want.delta_usd, "delta_usd");
    near(got.gamma_base, want.gamma_base, "gamma_base");
    near(got.gamma_usd_1pct, want.gamma_usd_1pct, "gamma_usd_1pct");
    near(got.vega_usd, want.vega_usd, "vega_usd");
    near(got.theta_usd, want.theta_usd, "theta_usd");
}

/// The incrementally kept totals and NAV equal a full revaluation of a copy bit for bit (the
/// same sum trees, rebuilt), and, to rounding, every position valued alone and summed.
void expect_totals_from_scratch(const portfolio& book, int step) {
    portfolio copy = book;
    ASSERT_EQ(copy.full_revalue(), risk_error::ok);
    for (std::uint32_t u = 0; u < book.underlying_count(); ++u) {
        ASSERT_TRUE(same_bits(copy.underlying(underlying_id{u}).totals,
                              book.underlying(underlying_id{u}).totals))
            << "step " << step;
    }
    ASSERT_EQ(copy.nav_usd(), book.nav_usd()) << "step " << step;
    const auto reference = reference_totals(book);
    double reference_nav = 0.0;
    for (std::uint32_t u = 0; u < book.underlying_count(); ++u) {
        expect_close(book.underlying(underlying_id{u}).totals, reference[u], step);
        reference_nav += reference[u].value_usd;
    }
    EXPECT_NEAR(book.nav_usd(), reference_nav, 1e-9 * std::fabs(reference_nav));
}

TEST(incremental_property, random_marks_and_fills_equal_full_revaluation) {
    auto loaded = load_risk_config(std::string(BALLAST_TEST_DATA_DIR) + "/risk/portfolio.toml");
    ASSERT_TRUE(loaded.ok());
    auto& book = loaded.config->book;
    std::mt19937_64 rng(20211231);
    std::uniform_real_distribution<double> move(0.98, 1.02);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (int step = 0; step < 500; ++step) {
        std::vector<position_risk> before(book.underlying_count());
        for (std::uint32_t u = 0; u < book.underlying_count(); ++u) {
            before[u] = book.underlying(underlying_id{u}).totals;
        }
        const double pick = unit(rng);
        underlying_id touched{};
        if (pick < 0.4) {
            touched = underlying_id{static_cast<std::uint32_t>(rng() % book.underlying_count())};
            ASSERT_EQ(book.on_underlying_mark(touched, book.underlying(touched).price * move(rng)),
                      risk_error::ok);
        } else if (pick < 0.6) {
            const instrument_id i{static_cast<std::uint32_t>(rng() % book.instrument_count())};
            touched = book.instrument(i).underlying;
            ASSERT_EQ(book.on_instrument_mark(i, book.instrument(i).price * move(rng)),
                      risk_error::ok);
        } else if (pick < 0.75) {
            const instrument_id i{static_cast<std::uint32_t>(rng() % book.instrument_count())};
            touched = book.instrument(i).underlying;
            if (book.instrument(i).terms.kind == instrument_kind::option) {
                ASSERT_EQ(book.on_vol_mark(i, book.instrument(i).vol * move(rng)), risk_error::ok);
            }
        } else {
            const position_id p{static_cast<std::uint32_t>(rng() % book.position_count())};
            const auto& inst = book.instrument(book.position(p).instrument);
            touched = inst.underlying;
            const double px = inst.terms.kind == instrument_kind::option ? inst.unit.value_usd
                                                                         : inst.price * move(rng);
            const double qty =
                (unit(rng) - 0.5) * 2.0 * (std::fabs(book.position(p).contracts) + 1);
            ASSERT_EQ(book.on_fill(p, qty, px), risk_error::ok);
        }
        for (std::uint32_t u = 0; u < book.underlying_count(); ++u) {
            if (u != touched.value) {
                ASSERT_TRUE(same_bits(book.underlying(underlying_id{u}).totals, before[u]))
                    << "step " << step << " touched an unrelated underlying";
            }
        }
        expect_totals_from_scratch(book, step);
        if (HasFailure()) {
            return;
        }
    }
}

/// Two underlyings, each with spot, linear and inverse perps and three options; 12 accounts
/// hold every instrument, so each instrument totals 12 positions.
portfolio dense_book() {
    constexpr timestamp_ns t0{1'700'000'000'000'000'000};
    constexpr std::int64_t day = 86'400'000'000'000;
    portfolio book;
    std::vector<instrument_id> all;
    for (int u = 0; u < 2; ++u) {
        const std::string name = u == 0 ? "BTC" : "ETH";
        const auto uid = book.add_underlying(name);
        const double s = u == 0 ? 60000.0 : 3000.0;
        instrument_spec spec;
        spec.venue = "v";
        spec.base = name;
        spec.symbol = name + "-SPOT";
        all.push_back(book.add_instrument(spec, uid));
        spec.kind = instrument_kind::linear_perp;
        spec.symbol = name + "-LPERP";
        spec.contract_size = 0.001;
        all.push_back(book.add_instrument(spec, uid));
        spec.kind = instrument_kind::inverse_perp;
        spec.symbol = name + "-IPERP";
        spec.contract_size = 10;
        all.push_back(book.add_instrument(spec, uid));
        spec.kind = instrument_kind::option;
        spec.contract_size = 1;
        for (int k = 0; k < 3; ++k) {
            spec.symbol = name + "-O" + std::to_string(k);
            spec.right = k == 1 ? option_right::put : option_right::call;
            spec.strike = s * (0.9 + 0.1 * k);
            spec.expiry = timestamp_ns{t0.ns + (30 + 60 * k) * day};
            all.push_back(book.add_instrument(spec, uid));
        }
        // No positions yet: options without vols do not make the book stale.
        EXPECT_EQ(book.on_underlying_mark(uid, s), risk_error::ok);
    }
    for (const auto i : all) {
        if (book.instrument(i).terms.kind == instrument_kind::option) {
            book.on_vol_mark(i, 0.6);
        }
    }
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> qty(-50.0, 50.0);
    std::uniform_real_distribution<double> entry(0.9, 1.1);
    for (int a = 0; a < 12; ++a) {
        const auto acct = book.add_account("acct" + std::to_string(a));
        for (const auto i : all) {
            book.add_position(acct, i, qty(rng), book.instrument(i).price * entry(rng));
        }
    }
    EXPECT_EQ(book.set_valuation_time(t0), risk_error::ok);
    return book;
}

TEST(incremental_property, many_marks_keep_tree_sums_equal_to_a_from_scratch_sum) {
    auto book = dense_book();
    std::mt19937_64 rng(20240612);
    std::uniform_real_distribution<double> move(0.995, 1.005);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (int step = 1; step <= 20000; ++step) {
        const instrument_id i{static_cast<std::uint32_t>(rng() % book.instrument_count())};
        const auto& inst = book.instrument(i);
        const double pick = unit(rng);
        if (pick < 0.6) {
            ASSERT_EQ(book.on_instrument_mark(i, inst.price * move(rng)), risk_error::ok);
        } else if (pick < 0.75) {
            const underlying_id u{static_cast<std::uint32_t>(rng() % book.underlying_count())};
            ASSERT_EQ(book.on_underlying_mark(u, book.underlying(u).price * move(rng)),
                      risk_error::ok);
        } else if (pick < 0.9) {
            if (inst.terms.kind == instrument_kind::option) {
                ASSERT_EQ(book.on_vol_mark(i, std::clamp(inst.vol * move(rng), 0.2, 2.0)),
                          risk_error::ok);
            }
        } else {
            const position_id p{static_cast<std::uint32_t>(rng() % book.position_count())};
            const auto& held = book.instrument(book.position(p).instrument);
            const double px = held.terms.kind == instrument_kind::option ? held.unit.value_usd
                                                                         : held.price * move(rng);
            ASSERT_EQ(book.on_fill(p, (unit(rng) - 0.5) * 20.0, px), risk_error::ok);
        }
        if (step % 500 != 0) {
            continue;
        }
        expect_totals_from_scratch(book, step);
        // A position read after marks it did not see is derived at the current marks.
        for (std::uint32_t p = 0; p < book.position_count(); ++p) {
            const auto& pos = book.position(position_id{p});
            const auto& of = book.instrument(pos.instrument);
            auto want = scale_unit(of.terms, of.unit, pos.contracts, pos.entry_price, of.price);
            ASSERT_TRUE(want.ok());
            want.value.value_usd += pos.realized_usd;
            ASSERT_TRUE(same_bits(pos.risk, want.value)) << "position " << p << " step " << step;
            ASSERT_EQ(pos.last_error, risk_error::ok);
        }
        if (HasFailure()) {
            return;
        }
    }
}

// The tree itself: a leaf set one at a time (the running sum carried up in registers) holds the
// same bits at every node on the way to the root as a tree re-added from scratch, for values
// of mixed sign and magnitude where the order of addition shows.
TEST(incremental_property, sum_tree_set_equals_rebuild_bit_for_bit) {
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> mantissa(-1.0, 1.0);
    std::uniform_int_distribution<int> exponent(-30, 30);
    for (const std::size_t leaves : {1U, 2U, 3U, 13U, 37U, 64U}) {
        detail::sum_tree<double> incremental;
        detail::sum_tree<double> scratch;
        incremental.resize(leaves);
        scratch.resize(leaves);
        std::vector<double> values(leaves, 0.0);
        for (int step = 0; step < 5000; ++step) {
            const std::size_t leaf = rng() % leaves;
            values[leaf] = std::ldexp(mantissa(rng), exponent(rng));
            incremental.set(leaf, values[leaf]);
            for (std::size_t i = 0; i < leaves; ++i) {
                scratch.assign(i, values[i]);
            }
            scratch.rebuild();
            const double a = incremental.total();
            const double b = scratch.total();
            ASSERT_EQ(std::memcmp(&a, &b, sizeof a), 0) << leaves << " leaves, step " << step;
        }
    }
}

} // namespace
} // namespace ballast::risk
