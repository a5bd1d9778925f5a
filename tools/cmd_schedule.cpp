// ballast schedule: a parent order sliced over time (TWAP, VWAP, POV, Almgren-Chriss), each
// slice with its limit-price collar. JSON on stdout.
#include "router/schedule.hpp"
#include "tools/commands.hpp"
#include "tools/exit_policy.hpp"

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace ballast::cli {

namespace {

/// "90s", "30m", "2h", "1d", "500ms", or plain seconds; nanoseconds, or -1 when malformed.
std::int64_t parse_duration(const std::string& text) {
    std::size_t used = 0;
    double v = 0.0;
    try {
        v = std::stod(text, &used);
    } catch (...) {
        return -1;
    }
    const std::string unit = text.substr(used);
    double scale = 0.0;
    if (unit.empty() || unit == "s") {
        scale = 1e9;
    } else if (unit == "ms") {
        scale = 1e6;
    } else if (unit == "m" || unit == "min") {
        scale = 60e9;
    } else if (unit == "h") {
        scale = 3600e9;
    } else if (unit == "d") {
        scale = 86400e9;
    } else {
        return -1;
    }
    const double ns = v * scale;
    if (!(ns > 0.0) || ns > 9e18) {
        return -1;
    }
    return static_cast<std::int64_t>(std::llround(ns));
}

int fail(const char* field, const std::string& why) {
    std::fprintf(stderr, "schedule: %s: %s\n", field, why.c_str());
    return 2;
}

} // namespace

int run_schedule(int argc, char** argv) {
    CLI::App app{"Slice a parent order over time (TWAP, VWAP, POV, Almgren-Chriss)", "schedule"};
    std::string algo;
    std::string qty_text;
    std::string horizon_text;
    std::string side_text = "buy";
    std::string lot_text = "0.00000001";
    std::size_t slices = 10;
    double reference = 0.0;
    double collar_bps = 50.0;
    std::int64_t start_ns = 0;
    std::vector<double> profile;
    std::vector<double> volumes;
    double rate = 0.1;
    router::ac_params ac;
    app.add_option("--algo", algo, "twap | vwap | pov | ac")->required();
    app.add_option("--qty", qty_text, "parent quantity in base units")->required();
    app.add_option("--horizon", horizon_text, "duration: 90s, 30m, 2h, 1d")->required();
    app.add_option("--side", side_text, "buy or sell (default buy)");
    app.add_option("--slices", slices, "number of child slices (default 10)");
    app.add_option("--lot", lot_text, "quantity step the slices are rounded to (default 1e-8)");
    app.add_option("--start-ns", start_ns, "start time, ns since the epoch (default 0)");
    app.add_option("--price", reference, "reference (arrival) price for the collar")->required();
    app.add_option("--collar-bps", collar_bps, "limit collar around the reference (default 50)");
    app.add_option("--profile", profile, "vwap: expected volume weight per slice")->delimiter(',');
    app.add_option("--volume", volumes, "pov: forecast traded volume per slice (base units)")
        ->delimiter(',');
    app.add_option("--rate", rate, "pov: participation rate in (0, 1] (default 0.1)");
    app.add_option("--risk-aversion", ac.risk_aversion, "ac: lambda (1/quote)");
    app.add_option("--volatility", ac.volatility, "ac: sigma (quote per base per sqrt(s))");
    app.add_option("--eta", ac.temporary, "ac: temporary impact (quote per base per base/s)");
    app.add_option("--gamma", ac.permanent, "ac: permanent impact (quote per base per base)");
    app.add_option("--epsilon", ac.spread_cost, "ac: fixed cost per base (half spread + fees)");
    add_version_flag(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return parse_failed(app, e);
    }
    router::schedule_params p;
    if (side_text == "buy" || side_text == "sell") {
        p.order_side = side_text == "buy" ? side::bid : side::ask;
    } else {
        return fail("--side", "expected buy or sell, got '" + side_text + "'");
    }
    const auto lot = parse_step(lot_text);
    if (!lot.ok() || lot.value.mantissa <= 0) {
        return fail("--lot", "expected a positive decimal step, got '" + lot_text + "'");
    }
    const decimal_step base{1, lot.value.exponent};
    const auto q = parse_steps(qty_text, base);
    if (!q.ok() || q.value <= 0) {
        return fail("--qty",
                    (q.ok() ? std::string("must be positive") : std::string(to_string(q.error))) +
                        " '" + qty_text + "'");
    }
    p.total = router::base_qty(q.value);
    p.lot_steps = lot.value.mantissa;
    if (q.value % p.lot_steps != 0) {
        return fail("--qty", "not a whole number of lots (" + lot_text + ")");
    }
    p.horizon_ns = parse_duration(horizon_text);
    if (p.horizon_ns <= 0) {
        return fail("--horizon", "expected a positive duration such as 90s, 30m or 2h, got '" +
                                     horizon_text + "'");
    }
    p.slices = slices;
    p.start = timestamp_ns{start_ns};
    p.reference_price = reference;
    p.collar_bps = collar_bps;
    const double step_units = steps_to_double(1, base);

    std::vector<router::schedule_slice> out(std::max<std::size_t>(slices, 1));
    router::schedule_result r;
    router::ac_plan plan;
    if (algo == "twap") {
        r = router::twap(p, out);
    } else if (algo == "vwap") {
        if (profile.size() != slices) {
            return fail("--profile", "expected " + std::to_string(slices) +
                                         " comma-separated weights (one per slice)");
        }
        r = router::vwap(p, profile, out);
    } else if (algo == "pov") {
        if (volumes.size() != slices) {
            return fail("--volume", "expected " + std::to_string(slices) +
                                        " comma-separated volumes (one per slice)");
        }
        r = router::pov(p, rate, volumes, step_units, out);
    } else if (algo == "ac") {
        r = router::almgren_chriss(p, ac, step_units, out, &plan);
    } else {
        return fail("--algo", "expected twap, vwap, pov or ac, got '" + algo + "'");
    }
    if (!r.ok()) {
        return fail("--algo", std::string(algo) + ": " + std::string(router::to_string(r.error)));
    }
    std::printf("{\"algo\":\"%s\",\"side\":\"%s\",\"qty\":\"%s\",\"horizon_s\":%.9g,"
                "\"collar_bps\":%.10g,\"slices\":[",
                algo.c_str(), side_text.c_str(), format_steps(q.value, base).c_str(),
                static_cast<double>(p.horizon_ns) * 1e-9, collar_bps);
    for (std::size_t i = 0; i < r.slices.size(); ++i) {
        const auto& s = r.slices[i];
        std::printf("%s{\"at_ns\":%lld,\"offset_s\":%.9g,\"qty\":\"%s\",\"limit_price\":%.10g}",
                    i == 0 ? "" : ",", static_cast<long long>(s.at.ns),
                    static_cast<double>(s.at.ns - p.start.ns) * 1e-9,
                    format_steps(s.amount.value(), base).c_str(), s.limit_price);
    }
    std::printf("],\"unfilled\":\"%s\"", format_steps(r.unfilled.value(), base).c_str());
    if (algo == "ac") {
        std::printf(",\"kappa\":%.10g,\"expected_cost\":%.10g,\"variance\":%.10g", plan.kappa,
                    plan.expected_cost, plan.variance);
    }
    std::printf("}\n");
    return 0;
}

} // namespace ballast::cli
