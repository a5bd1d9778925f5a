// ballast schedule: a parent order sliced over time (TWAP, VWAP, POV, Almgren-Chriss), each
// slice with its limit-price collar. JSON on stdout.
#include "router/schedule.hpp"
#include "tools/cli_checks.hpp"
#include "tools/commands.hpp"
#include "tools/exit_policy.hpp"
#include "tools/json_writer.hpp"

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

namespace ballast::cli {

namespace {

/// The most slices one plan may have: the whole plan is held in memory and printed (the
/// scenario's engine.slices stops at 64; a study of finer plans fits well under this).
constexpr std::int64_t max_slices = 100000;
/// Reference prices (quote per base): from sub-micro tokens to far above any traded asset.
constexpr double min_price = 1e-12;
constexpr double max_price = 1e12;
/// The collar (as the scenario's [engine] collar_bps): at most half the price away.
constexpr double max_collar_bps = 5000.0;
/// Forecast volume and profile weights per slice: 100000 slices of this sum to a finite number.
constexpr double max_volume = 1e15;
/// The finest lot a quantity is counted in (int64 steps of 1e-18).
constexpr int finest_lot_exponent = 18;

/// "90s", "30m", "2h", "1d", "500ms", or plain seconds; nanoseconds, or -1 when malformed.
std::int64_t parse_duration(const std::string& text) {
    std::size_t digits = 0;
    while (digits < text.size() &&
           ((text[digits] >= '0' && text[digits] <= '9') || text[digits] == '.')) {
        ++digits;
    }
    if (digits == 0) {
        return -1;
    }
    double v = 0.0;
    try {
        std::size_t used = 0;
        v = std::stod(text.substr(0, digits), &used);
        if (used != digits) {
            return -1;
        }
    } catch (...) {
        return -1;
    }
    const std::string unit = text.substr(digits);
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
    if (!(ns >= 1.0) || ns > 9e18) {
        return -1;
    }
    return static_cast<std::int64_t>(std::llround(ns));
}

int fail(const std::string& field, const std::string& why) {
    std::fprintf(stderr, "schedule: %s: %s\n", field.c_str(), why.c_str());
    return exit_bad_input;
}

} // namespace

int run_schedule(int argc, char** argv) {
    CLI::App app{"Slice a parent order over time (TWAP, VWAP, POV, Almgren-Chriss)",
                 "ballast schedule"};
    std::string algo;
    std::string qty_text;
    std::string horizon_text;
    std::string side_text = "buy";
    std::string lot_text = "0.00000001";
    std::int64_t slices = 10;
    double reference = 0.0;
    double collar_bps = 50.0;
    std::int64_t start_ns = 0;
    std::vector<double> profile;
    std::vector<double> volumes;
    double rate = 0.1;
    router::ac_params ac;
    app.add_option("--algo", algo, "twap | vwap | pov | ac")
        ->required()
        ->check(CLI::IsMember({"twap", "vwap", "pov", "ac"}));
    app.add_option("--qty", qty_text, "parent quantity in base units (a whole number of lots)")
        ->required();
    app.add_option("--horizon", horizon_text,
                   "duration: 500ms, 90s, 30m, 2h, 1d (at most 9e18 ns, about 285 years)")
        ->required();
    app.add_option("--side", side_text, "buy or sell (default buy)");
    app.add_option("--slices", slices, "number of child slices (default 10)")
        ->check(integer_in(1, max_slices));
    app.add_option("--lot", lot_text,
                   "quantity step the slices are rounded to (default 1e-8; at finest 1e-18)");
    app.add_option("--start-ns", start_ns,
                   "start time, ns since the epoch (default 0); start + horizon must stay "
                   "before 2262-04-11 (int64 ns)")
        ->check(integer_in(0, std::numeric_limits<std::int64_t>::max()));
    app.add_option("--price", reference, "reference (arrival) price for the collar")
        ->required()
        ->check(number_in(min_price, max_price));
    app.add_option("--collar-bps", collar_bps, "limit collar around the reference (default 50)")
        ->check(number_in(0.0, max_collar_bps));
    app.add_option("--profile", profile, "vwap: expected volume weight per slice")
        ->delimiter(',')
        ->check(number_in(0.0, max_volume));
    app.add_option("--volume", volumes, "pov: forecast traded volume per slice (base units)")
        ->delimiter(',')
        ->check(number_in(0.0, max_volume));
    app.add_option("--rate", rate, "pov: participation rate (default 0.1)")
        ->check(number_in(1e-6, 1.0));
    app.add_option("--risk-aversion", ac.risk_aversion, "ac: lambda (1/quote)")
        ->check(number_in(0.0, 1e3));
    app.add_option("--volatility", ac.volatility, "ac: sigma (quote per base per sqrt(s))")
        ->check(number_in(0.0, 1e6));
    app.add_option("--eta", ac.temporary, "ac: temporary impact (quote per base per base/s)")
        ->check(number_in(0.0, 1e9));
    app.add_option("--gamma", ac.permanent, "ac: permanent impact (quote per base per base)")
        ->check(number_in(0.0, 1e9));
    app.add_option("--epsilon", ac.spread_cost, "ac: fixed cost per base (half spread + fees)")
        ->check(number_in(0.0, 1e9));
    add_version_flag(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return parse_failed(app, e);
    }
    router::schedule_params p;
    if (side_text != "buy" && side_text != "sell") {
        return fail("--side", "expected buy or sell, got '" + side_text + "'");
    }
    p.order_side = side_text == "buy" ? side::bid : side::ask;
    const auto lot = parse_step(lot_text);
    if (!lot.ok() || lot.value.mantissa <= 0) {
        return fail("--lot", "expected a positive decimal step, got '" + lot_text + "'");
    }
    if (lot.value.exponent > finest_lot_exponent) {
        return fail("--lot", lot_text + " is finer than 1e-18 (quantities are counted in int64 "
                                        "steps of at most 18 decimals)");
    }
    const decimal_step base{1, lot.value.exponent};
    const auto q = parse_steps(qty_text, base);
    if (!q.ok() || q.value <= 0) {
        return fail("--qty",
                    "'" + qty_text + "': " +
                        (q.ok() ? std::string("must be positive")
                                : std::string(to_string(q.error)) + " (lot " + lot_text + ")"));
    }
    p.total = router::base_qty(q.value);
    p.lot_steps = lot.value.mantissa;
    if (q.value % p.lot_steps != 0) {
        return fail("--qty", "'" + qty_text + "' is not a whole number of lots (" + lot_text + ")");
    }
    p.horizon_ns = parse_duration(horizon_text);
    if (p.horizon_ns <= 0) {
        return fail("--horizon", "expected a positive duration such as 90s, 30m or 2h (at most "
                                 "9e18 ns), got '" +
                                     horizon_text + "'");
    }
    if (start_ns > std::numeric_limits<std::int64_t>::max() - p.horizon_ns) {
        return fail("--start-ns", std::to_string(start_ns) + " + --horizon " + horizon_text +
                                      " passes the last int64 nanosecond (2262-04-11); start "
                                      "earlier or shorten the horizon");
    }
    p.slices = static_cast<std::size_t>(slices);
    p.start = timestamp_ns{start_ns};
    p.reference_price = reference;
    p.collar_bps = collar_bps;
    const double step_units = steps_to_double(1, base);
    const std::string counted = std::to_string(slices) + " (--slices)";

    router::schedule_result r;
    router::ac_plan plan;
    std::vector<router::schedule_slice> out;
    if (algo == "vwap") {
        if (profile.size() != p.slices) {
            return fail("--profile", "expected " + counted + " comma-separated weights, got " +
                                         std::to_string(profile.size()));
        }
        double sum = 0.0;
        for (const double w : profile) {
            sum += w;
        }
        if (!(sum > 0.0)) {
            return fail("--profile", "every weight is 0 (at least one must be positive)");
        }
    } else if (algo == "pov") {
        if (volumes.size() != p.slices) {
            return fail("--volume", "expected " + counted + " comma-separated volumes, got " +
                                        std::to_string(volumes.size()));
        }
    } else if (algo == "ac") {
        const double tau = static_cast<double>(p.horizon_ns) * 1e-9 / static_cast<double>(slices);
        if (!(ac.temporary - 0.5 * ac.permanent * tau > 0.0)) {
            return fail("--eta", number_text(ac.temporary) + " must exceed --gamma " +
                                     number_text(ac.permanent) +
                                     " x tau / 2 = " + number_text(0.5 * ac.permanent * tau) +
                                     " (tau = horizon / "
                                     "slices = " +
                                     number_text(tau) + " s): raise --eta or lower --gamma");
        }
    }
    out.resize(p.slices); // only after --slices was checked against its stated maximum
    if (algo == "twap") {
        r = router::twap(p, out);
    } else if (algo == "vwap") {
        r = router::vwap(p, profile, out);
    } else if (algo == "pov") {
        r = router::pov(p, rate, volumes, step_units, out);
    } else {
        r = router::almgren_chriss(p, ac, step_units, out, &plan);
        if (r.ok() && !(std::isfinite(plan.kappa) && std::isfinite(plan.expected_cost) &&
                        std::isfinite(plan.variance))) {
            return fail("--risk-aversion " + number_text(ac.risk_aversion) + ", --volatility " +
                            number_text(ac.volatility) + ", --eta " + number_text(ac.temporary) +
                            ", --gamma " + number_text(ac.permanent) + ", --epsilon " +
                            number_text(ac.spread_cost),
                        "the plan's kappa, cost or variance overflows a double; use smaller "
                        "values");
        }
    }
    if (!r.ok()) {
        // The options were checked above; what is left is the router's own reason.
        return fail("--algo " + algo, std::string(router::to_string(r.error)));
    }
    json_writer w(stdout);
    w.begin_object()
        .field("algo", algo)
        .field("side", side_text)
        .field("qty", format_steps(q.value, base))
        .field("horizon_s", static_cast<double>(p.horizon_ns) * 1e-9)
        .field("collar_bps", collar_bps);
    w.key("slices").begin_array();
    for (const auto& s : r.slices) {
        w.begin_object()
            .field("at_ns", static_cast<long long>(s.at.ns))
            .field("offset_s", static_cast<double>(s.at.ns - p.start.ns) * 1e-9)
            .field("qty", format_steps(s.amount.value(), base))
            .field("limit_price", s.limit_price)
            .end_object();
        if (!w.ok()) {
            return exit_failed; // a full disk or a closed pipe: stop at the first failed write
        }
    }
    w.end_array().field("unfilled", format_steps(r.unfilled.value(), base));
    if (algo == "ac") {
        w.field("kappa", plan.kappa)
            .field("expected_cost", plan.expected_cost)
            .field("variance", plan.variance);
    }
    w.end_object().newline();
    return w.ok() ? exit_done : exit_failed;
}

} // namespace ballast::cli
