#include "risk/config.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace ballast::risk {
namespace {

std::string data_path(const char* rel) {
    return std::string(BALLAST_TEST_DATA_DIR) + "/" + rel;
}

bool has_error(const config_result& r, std::string_view prefix) {
    return std::any_of(r.errors.begin(), r.errors.end(),
                       [&](const std::string& e) { return e.rfind(prefix, 0) == 0; });
}

std::string all_errors(const config_result& r) {
    std::string out;
    for (const auto& e : r.errors) {
        out += e + "\n";
    }
    return out;
}

// A minimal valid document; tests replace pieces of it.
const char* minimal = R"(
name = "t"
valuation_time = 2021-07-22T22:42:03Z
cash = ["USDC"]

[[instruments]]
venue = "x"
symbol = "BTC"
kind = "spot"
underlying = "BTC"
contract_size = 1
tick = "0.01"
lot = "0.0001"

[[instruments]]
venue = "x"
symbol = "USDC"
kind = "spot"
underlying = "USDC"
contract_size = 1
tick = "0.0001"
lot = "0.01"

[[instruments]]
venue = "d"
symbol = "C"
kind = "option"
underlying = "BTC"
contract_size = 1
tick = "0.0005"
lot = "0.1"
right = "call"
strike = 40000
expiry = 2021-09-24T08:00:00Z
settle = "BTC"

[[positions]]
account = "a"
venue = "x"
symbol = "BTC"
qty = 2

[[positions]]
account = "a"
venue = "x"
symbol = "USDC"
qty = 60000

[[positions]]
account = "a"
venue = "d"
symbol = "C"
qty = -1

[marks.underlyings]
BTC = 30000
USDC = 1

[[marks.instruments]]
venue = "d"
symbol = "C"
forward = 30100
vol = 0.8
)";

std::string replace(std::string s, std::string_view from, std::string_view to) {
    const auto pos = s.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    if (pos != std::string::npos) {
        s.replace(pos, from.size(), to);
    }
    return s;
}

TEST(config, example_portfolio_loads_in_toml_and_json_with_the_same_numbers) {
    const auto toml = load_risk_config(data_path("risk/portfolio.toml"));
    ASSERT_TRUE(toml.ok()) << all_errors(toml);
    const auto json = load_risk_config(data_path("risk/portfolio.json"));
    ASSERT_TRUE(json.ok()) << all_errors(json);
    const auto& a = toml.config->book;
    const auto& b = json.config->book;
    EXPECT_EQ(a.position_count(), 9u);
    EXPECT_EQ(a.underlying_count(), 3u);
    EXPECT_EQ(b.position_count(), a.position_count());
    EXPECT_EQ(a.nav_usd(), b.nav_usd());
    for (std::uint32_t u = 0; u < a.underlying_count(); ++u) {
        EXPECT_EQ(a.underlying(underlying_id{u}).totals.delta_base,
                  b.underlying(underlying_id{u}).totals.delta_base);
        EXPECT_EQ(a.underlying(underlying_id{u}).totals.gamma_base,
                  b.underlying(underlying_id{u}).totals.gamma_base);
    }
    EXPECT_EQ(toml.config->targets.size(), 3u);
    EXPECT_EQ(toml.config->trigger.kind, trigger_kind::cost_aware);
    EXPECT_EQ(toml.config->routes.size(), 7u);
    EXPECT_EQ(toml.config->venue_rates.size(), 2u);
}

TEST(config, marks_file_replaces_marks_of_the_same_name) {
    const auto base = load_risk_config(data_path("risk/portfolio.toml"));
    const auto later =
        load_risk_config(data_path("risk/portfolio.toml"), data_path("risk/marks_later.toml"));
    ASSERT_TRUE(later.ok()) << all_errors(later);
    const auto btc = *later.config->book.find_underlying("BTC");
    EXPECT_EQ(later.config->book.underlying(btc).price, 32180.12);
    const auto put = *later.config->book.find_instrument("deribit", "BTC-24SEP21-34000-P");
    EXPECT_EQ(later.config->book.instrument(put).vol, 0.7661);
    EXPECT_EQ(later.config->book.instrument(put).price, 32374.5);
    EXPECT_NE(later.config->book.nav_usd(), base.config->book.nav_usd());
}

TEST(config, minimal_document_builds_and_values_the_book) {
    const auto r = parse_risk_config(minimal, config_format::toml);
    ASSERT_TRUE(r.ok()) << all_errors(r);
    const auto& book = r.config->book;
    EXPECT_EQ(book.valuation_time().ns, 1626993723LL * 1'000'000'000);
    EXPECT_TRUE(book.underlying(*book.find_underlying("USDC")).cash);
    const auto opt = *book.find_instrument("d", "C");
    EXPECT_TRUE(book.instrument(opt).terms.coin_settled);
    EXPECT_LT(book.position(position_id{2}).risk.value_usd, 0.0);
}

TEST(config, reports_every_error_at_once_naming_each_field) {
    std::string doc = minimal;
    doc = replace(doc, "qty = 2", "qty = \"two\"");
    doc = replace(doc, "vol = 0.8", "vol = -0.8");
    doc = replace(doc, "strike = 40000", "strike = 0");
    doc = replace(doc, "USDC = 1\n", "USDC = 0\n");
    doc = replace(doc, "symbol = \"USDC\"\nqty", "symbol = \"USDT\"\nqty");
    doc = replace(doc, "kind = \"spot\"", "kind = \"spot\"\ncolour = \"blue\"");
    const auto r = parse_risk_config(doc, config_format::toml);
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(has_error(r, "positions[0].qty: must be a number")) << all_errors(r);
    EXPECT_TRUE(has_error(r, "marks.instruments[0].vol: -0.8 is outside [0.0001, 10]"))
        << all_errors(r);
    EXPECT_TRUE(has_error(r, "instruments[2].strike: 0 is outside [1e-12, 1e+12]"))
        << all_errors(r);
    EXPECT_TRUE(has_error(r, "marks.underlyings.USDC: 0 is outside [1e-12, 1e+12]"))
        << all_errors(r);
    EXPECT_TRUE(has_error(r, "positions[1].symbol: unknown instrument x USDT")) << all_errors(r);
    EXPECT_TRUE(has_error(r, "instruments[0].colour: unknown field")) << all_errors(r);
    EXPECT_GE(r.errors.size(), 6u);
}

TEST(config, expired_option_is_an_error_on_its_expiry) {
    const auto doc =
        replace(minimal, "expiry = 2021-09-24T08:00:00Z", "expiry = 2021-07-22T08:00:00Z");
    const auto r = parse_risk_config(doc, config_format::toml);
    EXPECT_TRUE(has_error(r, "instruments[2].expiry: already expired")) << all_errors(r);
}

TEST(config, missing_marks_name_the_instrument_and_field) {
    auto doc = replace(minimal, "BTC = 30000\n", "");
    doc = replace(doc, "vol = 0.8\n", "");
    const auto r = parse_risk_config(doc, config_format::toml);
    EXPECT_TRUE(has_error(r, "marks.underlyings.BTC: missing")) << all_errors(r);
    EXPECT_TRUE(has_error(r, "marks.instruments[0].vol: missing")) << all_errors(r);
}

TEST(config, derivative_positions_need_an_entry_price) {
    std::string doc = minimal;
    doc += R"(
[[instruments]]
venue = "d"
symbol = "PERP"
kind = "inverse_perp"
underlying = "BTC"
contract_size = 10
tick = "0.5"
lot = "1"

[[positions]]
account = "a"
venue = "d"
symbol = "PERP"
qty = -100
)";
    const auto r = parse_risk_config(doc, config_format::toml);
    EXPECT_TRUE(has_error(r, "positions[3].entry_price: missing")) << all_errors(r);
    EXPECT_TRUE(has_error(r, "marks.instruments (d PERP).price: missing")) << all_errors(r);
}

TEST(config, weights_must_sum_to_one_hundred_percent) {
    std::string doc = minimal;
    doc += R"(
[[targets]]
underlying = "BTC"
weight = 0.5
band = 0.05

[[targets]]
underlying = "USDC"
weight = 0.4
band = 0.05
)";
    const auto r = parse_risk_config(doc, config_format::toml);
    EXPECT_TRUE(has_error(r, "targets: weights sum to 90% (must be 100%)")) << all_errors(r);
    const auto fixed =
        parse_risk_config(replace(doc, "weight = 0.4", "weight = 0.5"), config_format::toml);
    EXPECT_TRUE(fixed.ok()) << all_errors(fixed);
}

TEST(config, target_errors) {
    std::string doc = minimal;
    doc += R"(
[[targets]]
underlying = "XRP"
weight = 1.0
band = 0.05

[[targets]]
underlying = "BTC"
weight = 0.5
delta = 2
band = 0.05

[[targets]]
underlying = "USDC"
band = 0.05
)";
    const auto r = parse_risk_config(doc, config_format::toml);
    EXPECT_TRUE(has_error(r, "targets[0].underlying: unknown underlying XRP")) << all_errors(r);
    EXPECT_TRUE(has_error(r, "targets[1]: give weight or delta, not both")) << all_errors(r);
    EXPECT_TRUE(has_error(r, "targets[2].weight: missing")) << all_errors(r);
}

TEST(config, rebalance_and_limits_fields_are_required_when_present) {
    std::string doc = minimal;
    doc += R"(
[rebalance]
trigger = "time"
synthetic = true

[limits]
kill_switch = "paused"
instruments = []
underlyings = []

[[limits.venues]]
venue = "nowhere"
orders_per_second = 0
burst = 1.5
)";
    const auto r = parse_risk_config(doc, config_format::toml);
    EXPECT_TRUE(has_error(r, "rebalance.horizon_days: missing")) << all_errors(r);
    EXPECT_TRUE(has_error(r, "rebalance.interval_s: missing")) << all_errors(r);
    EXPECT_TRUE(has_error(r, "rebalance.last_rebalance: missing")) << all_errors(r);
    EXPECT_TRUE(has_error(r, "limits.kill_switch: must be one of")) << all_errors(r);
    EXPECT_TRUE(has_error(r, "limits.venues[0].orders_per_second: 0 is outside [1e-06, 1e+06]"))
        << all_errors(r);
    EXPECT_TRUE(has_error(r, "limits.venues[0].burst: must be a whole number")) << all_errors(r);
}

TEST(config, syntax_errors_name_the_document_and_line) {
    const auto r = parse_risk_config("name = \"x\"\nvaluation_time = \n", config_format::toml);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_TRUE(has_error(r, "portfolio:2: ")) << all_errors(r);
    const auto j = parse_risk_config("{\"name\": ", config_format::json);
    EXPECT_TRUE(has_error(j, "portfolio: invalid JSON")) << all_errors(j);
    const auto arr = parse_risk_config("[1, 2]", config_format::json);
    EXPECT_TRUE(has_error(arr, "portfolio: the document must be a JSON object")) << all_errors(arr);
    const auto missing = load_risk_config("/nonexistent/portfolio.toml");
    ASSERT_EQ(missing.errors.size(), 1u);
    EXPECT_EQ(missing.errors[0], "/nonexistent/portfolio.toml: No such file or directory");
}

TEST(config, json_reports_the_same_field_errors) {
    const auto r = parse_risk_config(
        R"({"name": "j", "valuation_time": "2021-07-22T22:42:03", "cash": [],
            "instruments": [], "positions": [{"account": "a"}], "marks": {"underlyings": {}}})",
        config_format::json);
    EXPECT_TRUE(has_error(r, "valuation_time: must be a UTC time")) << all_errors(r);
    EXPECT_TRUE(has_error(r, "instruments: must list at least one instrument")) << all_errors(r);
    EXPECT_TRUE(has_error(r, "positions[0].venue: missing")) << all_errors(r);
    EXPECT_TRUE(has_error(r, "positions[0].qty: missing")) << all_errors(r);
}

TEST(config, utc_timestamps) {
    EXPECT_EQ(parse_utc_timestamp("1970-01-01T00:00:00Z")->ns, 0);
    EXPECT_EQ(parse_utc_timestamp("2021-09-24T08:00:00Z")->ns, 1632470400000LL * 1'000'000);
    EXPECT_EQ(parse_utc_timestamp("2021-09-24T10:00:00.5+02:00")->ns,
              1632470400000LL * 1'000'000 + 500'000'000);
    EXPECT_FALSE(parse_utc_timestamp("2021-09-24T08:00:00"));
    EXPECT_FALSE(parse_utc_timestamp("2021-13-24T08:00:00Z"));
    EXPECT_FALSE(parse_utc_timestamp("yesterday"));
}

} // namespace
} // namespace ballast::risk

namespace ballast::risk {
namespace {

TEST(config, an_invalid_mark_is_reported_once) {
    const auto doc = replace(minimal, "vol = 0.8", "vol = -0.8");
    const auto r = parse_risk_config(doc, config_format::toml);
    ASSERT_EQ(r.errors.size(), 1u) << all_errors(r);
    EXPECT_EQ(r.errors[0], "marks.instruments[0].vol: -0.8 is outside [0.0001, 10]");
}

} // namespace
} // namespace ballast::risk

namespace ballast::risk {
namespace {

// minimal plus a linear perp with a position, a mark, a route and a rebalance section, so every
// numeric field of the portfolio appears once.
std::string full_doc() {
    return std::string(minimal) + R"(
[[instruments]]
venue = "b"
symbol = "P"
kind = "linear_perp"
underlying = "BTC"
contract_size = 1
tick = "0.1"
lot = "0.001"

[[positions]]
account = "a"
venue = "b"
symbol = "P"
qty = 1
entry_price = 29000

[[marks.instruments]]
venue = "b"
symbol = "P"
price = 30010

[rebalance]
trigger = "threshold"
horizon_days = 1
synthetic = false

[[routes]]
venue = "b"
symbol = "P"
fee_bps = 5
half_spread_bps = 1
funding_rate_8h = 0.0001
)";
}

std::string one_error(const std::string& doc) {
    const auto r = parse_risk_config(doc, config_format::toml);
    if (r.errors.size() != 1) {
        return "expected one error, got:\n" + all_errors(r);
    }
    return r.errors[0];
}

TEST(config_ranges, full_document_is_valid) {
    const auto r = parse_risk_config(full_doc(), config_format::toml);
    ASSERT_TRUE(r.ok()) << all_errors(r);
    EXPECT_EQ(r.config->routes.size(), 1u);
}

TEST(config_ranges, every_portfolio_number_has_a_stated_range) {
    struct case_t {
        const char* from;
        const char* to;
        const char* error;
    };
    const case_t cases[] = {
        {"qty = 2\n", "qty = 1e308\n", "positions[0].qty: 1e+308 is outside [-1e+12, 1e+12]"},
        {"qty = 2\n", "qty = -2e12\n", "positions[0].qty: -2e+12 is outside [-1e+12, 1e+12]"},
        {"qty = 2\n", "qty = inf\n", "positions[0].qty: inf is not a finite number"},
        {"BTC = 30000", "BTC = 1e308", "marks.underlyings.BTC: 1e+308 is outside [1e-12, 1e+12]"},
        {"contract_size = 1\ntick = \"0.01\"", "contract_size = 1e308\ntick = \"0.01\"",
         "instruments[0].contract_size: 1e+308 is outside [1e-12, 1e+09]"},
        {"strike = 40000", "strike = 1e308",
         "instruments[2].strike: 1e+308 is outside [1e-12, 1e+12]"},
        {"entry_price = 29000", "entry_price = 1e308",
         "positions[3].entry_price: 1e+308 is outside [1e-12, 1e+12]"},
        {"entry_price = 29000", "entry_price = -1",
         "positions[3].entry_price: -1 is outside [1e-12, 1e+12]"},
        {"fee_bps = 5", "fee_bps = -7.5", "routes[0].fee_bps: -7.5 is outside [0, 1000]"},
        {"fee_bps = 5", "fee_bps = 1e308", "routes[0].fee_bps: 1e+308 is outside [0, 1000]"},
        {"half_spread_bps = 1", "half_spread_bps = 5000",
         "routes[0].half_spread_bps: 5000 is outside [0, 1000]"},
        {"funding_rate_8h = 0.0001", "funding_rate_8h = 1e308",
         "routes[0].funding_rate_8h: 1e+308 is outside [-1, 1]"},
        {"vol = 0.8", "vol = 1e308", "marks.instruments[0].vol: 1e+308 is outside [0.0001, 10]"},
        {"forward = 30100", "forward = 1e308",
         "marks.instruments[0].forward: 1e+308 is outside [1e-12, 1e+12]"},
        {"price = 30010", "price = 0", "marks.instruments[1].price: 0 is outside [1e-12, 1e+12]"},
        {"horizon_days = 1", "horizon_days = 1e308",
         "rebalance.horizon_days: 1e+308 is outside [1e-06, 3650]"},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(one_error(replace(full_doc(), c.from, c.to)), c.error) << c.to;
    }
}

TEST(config_ranges, extremes_inside_the_ranges_keep_every_value_finite) {
    auto doc = replace(full_doc(), "BTC = 30000", "BTC = 1e12");
    doc = replace(doc, "qty = 2\n", "qty = 1e12\n");
    doc = replace(doc, "contract_size = 1\ntick = \"0.1\"", "contract_size = 1e9\ntick = \"0.1\"");
    doc = replace(doc, "qty = 1\nentry_price = 29000", "qty = -1e12\nentry_price = 1e-12");
    doc = replace(doc, "price = 30010", "price = 1e12");
    doc = replace(doc, "forward = 30100", "forward = 1e-12");
    doc = replace(doc, "vol = 0.8", "vol = 10");
    const auto r = parse_risk_config(doc, config_format::toml);
    ASSERT_TRUE(r.ok()) << all_errors(r);
    const auto& book = r.config->book;
    EXPECT_TRUE(std::isfinite(book.nav_usd()));
    for (std::uint32_t i = 0; i < book.position_count(); ++i) {
        EXPECT_TRUE(std::isfinite(book.position(position_id{i}).risk.value_usd)) << i;
        EXPECT_TRUE(std::isfinite(book.position(position_id{i}).risk.delta_usd)) << i;
    }
}

TEST(config_ranges, valuation_time_must_fit_int64_nanoseconds) {
    const auto with_time = [](const char* t) {
        return one_error(replace(minimal, "valuation_time = 2021-07-22T22:42:03Z",
                                 std::string("valuation_time = ") + t));
    };
    const std::string why = " is outside the 64-bit nanosecond time range (1677-09-21T00:12:43Z "
                            "to 2262-04-11T23:47:16Z)";
    EXPECT_EQ(with_time("9999-12-31T23:59:59Z"), "valuation_time: 9999-12-31T23:59:59Z" + why);
    EXPECT_EQ(with_time("0001-01-01T00:00:00Z"), "valuation_time: 0001-01-01T00:00:00Z" + why);
    EXPECT_EQ(with_time("2300-01-01T00:00:00Z"), "valuation_time: 2300-01-01T00:00:00Z" + why);
    EXPECT_EQ(with_time("2262-04-11T23:47:17Z"), "valuation_time: 2262-04-11T23:47:17Z" + why);
    EXPECT_EQ(with_time("1677-09-21T00:12:43Z"), "valuation_time: 1677-09-21T00:12:43Z" + why);
    EXPECT_EQ(with_time("\"9999-12-31T23:59:59Z\""), "valuation_time: 9999-12-31T23:59:59Z" + why);
    // The last representable second is a valid (if distant) time: the option has expired.
    EXPECT_EQ(with_time("2262-04-11T23:47:16Z"),
              "instruments[2].expiry: already expired at valuation_time");
    EXPECT_TRUE(utc_timestamp_out_of_range("9999-12-31T23:59:59Z"));
    EXPECT_TRUE(utc_timestamp_out_of_range("1677-09-21T00:12:43Z"));
    EXPECT_FALSE(utc_timestamp_out_of_range("1677-09-21T00:12:44Z"));
    EXPECT_FALSE(utc_timestamp_out_of_range("garbage"));
    EXPECT_EQ(parse_utc_timestamp("2262-04-11T23:47:16Z")->ns, 9223372036000000000LL);
    EXPECT_FALSE(parse_utc_timestamp("2262-04-11T23:47:17Z"));
    // An expiry beyond the range is named as such, not as something else.
    EXPECT_EQ(one_error(replace(minimal, "expiry = 2021-09-24T08:00:00Z",
                                "expiry = 2300-01-01T00:00:00Z")),
              "instruments[2].expiry: 2300-01-01T00:00:00Z" + why);
}

TEST(config_follow_on, one_bad_field_is_one_error) {
    EXPECT_EQ(one_error(replace(minimal, "BTC = 30000", "BTC = nan")),
              "marks.underlyings.BTC: nan is not a finite number");
    // The option refused: its position and its marks are not reported again.
    EXPECT_EQ(one_error(replace(minimal, "contract_size = 1\ntick = \"0.0005\"",
                                "contract_size = 0\ntick = \"0.0005\"")),
              "instruments[2].contract_size: 0 is outside [1e-12, 1e+09]");
    // Every instrument of BTC refused: its mark is not "unknown".
    auto no_btc = replace(minimal, "contract_size = 1\ntick = \"0.0005\"",
                          "contract_size = -1\ntick = \"0.0005\"");
    no_btc =
        replace(no_btc, "contract_size = 1\ntick = \"0.01\"", "contract_size = 0\ntick = \"0.01\"");
    const auto r = parse_risk_config(no_btc, config_format::toml);
    EXPECT_EQ(r.errors.size(), 2u) << all_errors(r);
    EXPECT_TRUE(has_error(r, "instruments[0].contract_size")) << all_errors(r);
    EXPECT_TRUE(has_error(r, "instruments[2].contract_size")) << all_errors(r);
    const std::string targets = R"(
[[targets]]
underlying = "BTC"
weight = nan
band = 0.05

[[targets]]
underlying = "USDC"
weight = 0.5
band = 0.05
)";
    EXPECT_EQ(one_error(std::string(minimal) + targets),
              "targets[0].weight: nan is not a finite number");
}

TEST(config_duplicates, repeated_entries_are_refused_naming_both) {
    EXPECT_EQ(one_error(replace(minimal, "cash = [\"USDC\"]", "cash = [\"USDC\", \"USDC\"]")),
              "cash[1]: duplicate USDC");
    EXPECT_EQ(one_error(std::string(minimal) +
                        "[[marks.instruments]]\nvenue = \"d\"\nsymbol = \"C\"\nforward = 1\nvol = "
                        "0.5\n"),
              "marks.instruments[1]: duplicate mark for d C (also marks.instruments[0])");
    EXPECT_EQ(one_error(full_doc() + "[[routes]]\nvenue = \"b\"\nsymbol = \"P\"\nfee_bps = 1\n"
                                     "half_spread_bps = 1\nfunding_rate_8h = 0\n"),
              "routes[1]: duplicate route for b P (also routes[0])");
    const std::string limits = R"(
[limits]
kill_switch = "active"

[[limits.instruments]]
venue = "b"
symbol = "P"
max_order_qty = 10
max_order_notional_usd = 1e6
max_position = 100
price_collar = 0.05

[[limits.instruments]]
venue = "b"
symbol = "P"
max_order_qty = 1
max_order_notional_usd = 1e6
max_position = 100
price_collar = 0.05

[[limits.underlyings]]
underlying = "BTC"
max_abs_delta = 10
max_abs_gamma_usd_1pct = 1000

[[limits.underlyings]]
underlying = "BTC"
max_abs_delta = 10
max_abs_gamma_usd_1pct = 1000

[[limits.venues]]
venue = "b"
orders_per_second = 10
burst = 5

[[limits.venues]]
venue = "b"
orders_per_second = 1
burst = 1
)";
    const auto r = parse_risk_config(full_doc() + limits, config_format::toml);
    ASSERT_EQ(r.errors.size(), 3u) << all_errors(r);
    EXPECT_EQ(r.errors[0],
              "limits.instruments[1]: duplicate limits for b P (also limits.instruments[0])");
    EXPECT_EQ(r.errors[1],
              "limits.underlyings[1]: duplicate limits for BTC (also limits.underlyings[0])");
    EXPECT_EQ(r.errors[2],
              "limits.venues[1]: duplicate limits for venue b (also limits.venues[0])");
    // A duplicate JSON key is refused by the reader, naming its path.
    const auto j = parse_risk_config(R"({"name": "a", "name": "b"})", config_format::json);
    ASSERT_EQ(j.errors.size(), 1u);
    EXPECT_EQ(j.errors[0], "portfolio: name: duplicate key");
    const auto nested = parse_risk_config(
        R"({"name": "a", "marks": {"underlyings": {"BTC": 1, "BTC": 2}}})", config_format::json);
    ASSERT_EQ(nested.errors.size(), 1u);
    EXPECT_EQ(nested.errors[0], "portfolio: marks.underlyings.BTC: duplicate key");
}

TEST(config_files, a_directory_or_an_empty_file_is_an_error_naming_it) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("ballast_risk_cfg_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    const auto empty = (dir / "empty.toml").string();
    std::ofstream(empty).flush();
    const auto portfolio = data_path("risk/portfolio.toml");
    const auto marks_dir = load_risk_config(portfolio, dir.string());
    ASSERT_EQ(marks_dir.errors.size(), 1u) << all_errors(marks_dir);
    EXPECT_EQ(marks_dir.errors[0], dir.string() + ": is a directory");
    const auto marks_empty = load_risk_config(portfolio, empty);
    ASSERT_EQ(marks_empty.errors.size(), 1u);
    EXPECT_EQ(marks_empty.errors[0], empty + ": empty file");
    const auto marks_null = load_risk_config(portfolio, "/dev/null");
    ASSERT_EQ(marks_null.errors.size(), 1u);
    EXPECT_EQ(marks_null.errors[0], "/dev/null: empty file");
    const auto portfolio_dir = load_risk_config(dir.string());
    ASSERT_EQ(portfolio_dir.errors.size(), 1u);
    EXPECT_EQ(portfolio_dir.errors[0], dir.string() + ": is a directory");
    // A syntax error in a file names the file and the line.
    const auto bad = (dir / "bad.toml").string();
    std::ofstream(bad) << "name = \"x\"\nvaluation_time = \n";
    const auto b = load_risk_config(bad);
    ASSERT_EQ(b.errors.size(), 1u);
    EXPECT_EQ(b.errors[0].rfind(bad + ":2: ", 0), 0u) << b.errors[0];
    std::filesystem::remove_all(dir);
}

} // namespace
} // namespace ballast::risk
