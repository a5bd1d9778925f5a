#include "risk/config.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

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
    EXPECT_TRUE(has_error(r, "marks.instruments[0].vol: must be > 0")) << all_errors(r);
    EXPECT_TRUE(has_error(r, "instruments[2].strike: must be > 0")) << all_errors(r);
    EXPECT_TRUE(has_error(r, "marks.underlyings.USDC: must be > 0")) << all_errors(r);
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
    EXPECT_TRUE(has_error(r, "limits.venues[0].orders_per_second: must be > 0")) << all_errors(r);
    EXPECT_TRUE(has_error(r, "limits.venues[0].burst: must be a whole number")) << all_errors(r);
}

TEST(config, syntax_errors_name_the_document_and_line) {
    const auto r = parse_risk_config("name = \"x\"\nvaluation_time = \n", config_format::toml);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_TRUE(has_error(r, "portfolio: invalid TOML at line 2")) << all_errors(r);
    const auto j = parse_risk_config("{\"name\": ", config_format::json);
    EXPECT_TRUE(has_error(j, "portfolio: invalid JSON")) << all_errors(j);
    const auto arr = parse_risk_config("[1, 2]", config_format::json);
    EXPECT_TRUE(has_error(arr, "portfolio: the document must be a JSON object")) << all_errors(arr);
    const auto missing = load_risk_config("/nonexistent/portfolio.toml");
    EXPECT_TRUE(has_error(missing, "portfolio: cannot read")) << all_errors(missing);
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
    EXPECT_EQ(r.errors[0], "marks.instruments[0].vol: must be > 0");
}

} // namespace
} // namespace ballast::risk
