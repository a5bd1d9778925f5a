// Random marks, vols and fills on the example book: after every step the incrementally
// maintained totals equal a full revaluation of a copy, bit for bit, and a mark leaves the
// other underlyings untouched. Both of those run the portfolio's own revaluation
// (revalue_underlying); the totals are also checked against an independent reference built
// here: every position valued on its own by value_position (one Black-76 per position, no
// per-contract unit scaling, no incremental state) and summed per underlying.
#include "risk/config.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

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
        if (HasFailure()) {
            return;
        }
    }
}

} // namespace
} // namespace ballast::risk
