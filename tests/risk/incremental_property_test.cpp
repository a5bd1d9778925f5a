// Random marks, vols and fills on the example book: after every step the incrementally
// maintained totals equal a full revaluation of a copy, bit for bit, and a mark leaves the
// other underlyings untouched.
#include "risk/config.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

namespace ballast::risk {
namespace {

bool same_bits(const position_risk& a, const position_risk& b) {
    return std::memcmp(&a, &b, sizeof(position_risk)) == 0;
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
    }
}

} // namespace
} // namespace ballast::risk
