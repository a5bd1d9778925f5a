// ballast greeks: Black-76 price and Greeks of one European option.
#include "risk/black76.hpp"
#include "risk/report.hpp"
#include "tools/commands.hpp"
#include "tools/exit_policy.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace ballast::cli {

namespace {

constexpr const char* greeks_usage =
    "usage: ballast greeks --model black76 --forward F --strike K --vol SIGMA --years T\n"
    "                      (--call | --put) [--coin-settled]\n"
    "  Black-76 on the forward, r = 0 (Deribit's convention). SIGMA is a fraction (0.65).\n"
    "  Prints {\"price\",\"delta\",\"gamma\",\"vega\",\"theta\"} per unit of underlying: vega per\n"
    "  vol point, theta per calendar day. --coin-settled prints the price in coin (premium /\n"
    "  forward) and adds premium_adjusted_delta; the Greeks stay the USD Black Greeks.\n";

int fail(const std::string& message) {
    std::fprintf(stderr, "greeks: %s\n", message.c_str());
    return 2;
}

std::optional<double> parse_number(std::string_view text) {
    if (text.empty()) {
        return std::nullopt;
    }
    const std::string s(text);
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || !std::isfinite(v)) {
        return std::nullopt;
    }
    return v;
}

} // namespace

int run_greeks(int argc, char** argv) {
    std::optional<std::string> model;
    std::optional<double> forward, strike, vol, years;
    std::optional<option_right> right;
    bool coin = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            std::fputs(greeks_usage, stdout);
            return 0;
        }
        if (arg == "--version") {
            std::printf("%s\n", std::string(version_line()).c_str());
            return 0;
        }
        if (arg == "--call" || arg == "--put") {
            const auto r = arg == "--call" ? option_right::call : option_right::put;
            if (right && *right != r) {
                return fail("--call and --put are exclusive");
            }
            right = r;
            continue;
        }
        if (arg == "--coin-settled") {
            coin = true;
            continue;
        }
        std::optional<double>* target = nullptr;
        if (arg == "--forward") {
            target = &forward;
        } else if (arg == "--strike") {
            target = &strike;
        } else if (arg == "--vol") {
            target = &vol;
        } else if (arg == "--years") {
            target = &years;
        } else if (arg != "--model") {
            return fail("unknown option " + std::string(arg) + " (see ballast greeks --help)");
        }
        if (i + 1 >= argc) {
            return fail(std::string(arg) + ": missing value");
        }
        const std::string_view value = argv[++i];
        if (target == nullptr) {
            model = std::string(value);
            continue;
        }
        *target = parse_number(value);
        if (!*target) {
            return fail(std::string(arg) + ": not a number: '" + std::string(value) + "'");
        }
    }
    if (!model) {
        return fail("--model: missing (only black76 is supported)");
    }
    if (*model != "black76") {
        return fail("--model: unknown model '" + *model + "' (only black76 is supported)");
    }
    for (const auto& [name, v] : {std::pair{"--forward", &forward}, std::pair{"--strike", &strike},
                                  std::pair{"--vol", &vol}, std::pair{"--years", &years}}) {
        if (!*v) {
            return fail(std::string(name) + ": missing");
        }
    }
    if (!right) {
        return fail("--call or --put: missing");
    }
    const risk::black76_input in{.forward = *forward,
                                 .strike = *strike,
                                 .vol = *vol,
                                 .years = *years,
                                 .rate = 0.0,
                                 .right = *right};
    const auto r = risk::black76(in);
    if (!r.ok()) {
        const auto text = risk::to_string(r.error);
        // Name the CLI option: "vol: ..." -> "--vol: ...", "expiry: ..." -> "--years: ...".
        const auto colon = text.find(':');
        const std::string field(text.substr(0, colon));
        const std::string option = field == "expiry" ? "--years" : "--" + field;
        return fail(option + std::string(text.substr(colon)));
    }
    std::printf("%s\n", risk::greeks_json(r.value, coin, *forward).c_str());
    return 0;
}

} // namespace ballast::cli
