// ballast greeks: Black-76 price and Greeks of one European option.
#include "risk/black76.hpp"
#include "tools/cli_checks.hpp"
#include "tools/commands.hpp"
#include "tools/exit_policy.hpp"
#include "tools/json_writer.hpp"

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <string>

namespace ballast::cli {

namespace {

/// Forward and strike (USD per unit): from sub-cent tokens to far above any traded asset; the
/// ratio stays within 1e15, so log(F/K) and the Greeks stay finite.
constexpr double min_price = 1e-6;
constexpr double max_price = 1e9;
/// Volatility as a fraction: 0.1% to 1000% a year.
constexpr double min_vol = 0.001;
constexpr double max_vol = 10.0;
/// Time to expiry in years: about 30 seconds to 30 years.
constexpr double min_years = 1e-6;
constexpr double max_years = 30.0;

int fail(const std::string& message) {
    std::fprintf(stderr, "greeks: %s\n", message.c_str());
    return exit_bad_input;
}

} // namespace

int run_greeks(int argc, char** argv) {
    CLI::App app{"Black-76 price and Greeks of one European option, r = 0 (Deribit's "
                 "convention)",
                 "ballast greeks"};
    std::string model;
    double forward = 0.0;
    double strike = 0.0;
    double vol = 0.0;
    double years = 0.0;
    bool call = false;
    bool put = false;
    bool coin = false;
    app.add_option("--model", model, "pricing model (only black76)")
        ->required()
        ->check(CLI::IsMember({"black76"}));
    app.add_option("--forward", forward, "forward price F (USD per unit)")
        ->required()
        ->check(number_in(min_price, max_price));
    app.add_option("--strike", strike, "strike K (USD per unit)")
        ->required()
        ->check(number_in(min_price, max_price));
    app.add_option("--vol", vol, "implied volatility SIGMA as a fraction (0.65 is 65%)")
        ->required()
        ->check(number_in(min_vol, max_vol));
    app.add_option("--years", years, "time to expiry T in years (365-day)")
        ->required()
        ->check(number_in(min_years, max_years));
    auto* call_flag = app.add_flag("--call", call, "a call");
    auto* put_flag = app.add_flag("--put", put, "a put");
    call_flag->excludes(put_flag);
    app.add_flag("--coin-settled", coin,
                 "print the price in coin (premium / forward) and add premium_adjusted_delta; "
                 "the Greeks stay the USD Black Greeks");
    app.footer("Prints {\"price\",\"delta\",\"gamma\",\"vega\",\"theta\"} per unit of "
               "underlying: vega per vol point, theta per calendar day.");
    add_version_flag(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return parse_failed(app, e);
    }
    if (!call && !put) {
        return fail("--call or --put: missing (see ballast greeks --help)");
    }
    const risk::black76_input in{.forward = forward,
                                 .strike = strike,
                                 .vol = vol,
                                 .years = years,
                                 .rate = 0.0,
                                 .right = call ? option_right::call : option_right::put};
    const auto r = risk::black76(in);
    if (!r.ok()) {
        const auto text = risk::to_string(r.error);
        // Name the CLI option: "vol: ..." -> "--vol: ...", "expiry: ..." -> "--years: ...".
        const auto colon = text.find(':');
        const std::string field(text.substr(0, colon));
        const std::string option = field == "expiry" ? "--years" : "--" + field;
        return fail(option + std::string(text.substr(colon)));
    }
    const auto& g = r.value;
    const auto q = risk::coin_settled(g, forward);
    const double values[] = {
        g.price, g.delta, g.gamma, g.vega, g.theta, q.price_coin, q.premium_adjusted_delta};
    for (const double v : values) {
        if (!std::isfinite(v)) {
            return fail("--forward " + number_text(forward) + ", --strike " + number_text(strike) +
                        ", --vol " + number_text(vol) + ", --years " + number_text(years) +
                        ": the Greeks overflow a double for these inputs");
        }
    }
    json_writer w(stdout);
    w.begin_object();
    if (coin) {
        w.field("price", q.price_coin).field("delta", g.delta).field("gamma", g.gamma);
        w.field("vega", g.vega).field("theta", g.theta);
        w.field("premium_adjusted_delta", q.premium_adjusted_delta);
    } else {
        w.field("price", g.price).field("delta", g.delta).field("gamma", g.gamma);
        w.field("vega", g.vega).field("theta", g.theta);
    }
    w.end_object().newline();
    return w.ok() ? exit_done : exit_failed;
}

} // namespace ballast::cli
