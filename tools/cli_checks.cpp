#include "tools/cli_checks.hpp"

#include "exec/scenario.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace ballast::cli {

namespace {

/// A decimal number: digits with an optional sign, point and exponent; nothing else (strtod
/// would take "0x10", "inf", "nan" and leading spaces).
std::optional<double> decimal(std::string_view t) {
    if (t.empty()) {
        return std::nullopt;
    }
    for (const char c : t) {
        if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) {
            return std::nullopt;
        }
    }
    double v = 0.0;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || end != t.data() + t.size() || !std::isfinite(v)) {
        return std::nullopt;
    }
    return v;
}

std::string range_text(double lo, double hi) {
    return "[" + number_text(lo) + ", " + number_text(hi) + "]";
}

std::string check_number(std::string_view t, double lo, double hi) {
    const auto v = decimal(t);
    if (!v) {
        return "'" + std::string(t) + "' is not a decimal number (expected one in " +
               range_text(lo, hi) + ")";
    }
    if (*v < lo || *v > hi) {
        return std::string(t) + " is outside " + range_text(lo, hi);
    }
    return {};
}

} // namespace

std::string number_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.15g", v);
    return buf;
}

CLI::Validator number_in(double lo, double hi) {
    return CLI::Validator([lo, hi](std::string& t) { return check_number(t, lo, hi); },
                          "in " + range_text(lo, hi));
}

CLI::Validator integer_in(std::int64_t lo, std::int64_t hi) {
    const std::string range = "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
    return CLI::Validator(
        [lo, hi, range](std::string& t) -> std::string {
            std::int64_t v = 0;
            const char* first = t.data() + (t.starts_with('+') ? 1 : 0);
            const auto [end, ec] = std::from_chars(first, t.data() + t.size(), v);
            if (t.empty() || ec == std::errc::invalid_argument || end != t.data() + t.size()) {
                return "'" + t + "' is not a whole number (expected one in " + range + ")";
            }
            if (ec == std::errc::result_out_of_range || v < lo || v > hi) {
                return t + " is outside " + range;
            }
            return {};
        },
        "whole number in " + range);
}

CLI::Validator numbers_in(double lo, double hi) {
    return CLI::Validator(
        [lo, hi](std::string& t) -> std::string {
            std::size_t at = 0;
            for (std::size_t k = 0;; ++k) {
                const std::size_t comma = std::min(t.find(',', at), t.size());
                if (auto err = check_number(std::string_view(t).substr(at, comma - at), lo, hi);
                    !err.empty()) {
                    return "item " + std::to_string(k) + ": " + err;
                }
                if (comma == t.size()) {
                    return {};
                }
                at = comma + 1;
            }
        },
        "comma-separated, each in " + range_text(lo, hi));
}

CLI::Validator non_empty() {
    return CLI::Validator(
        [](std::string& t) -> std::string { return t.empty() ? "empty value" : std::string(); },
        "not empty");
}

std::optional<std::string> add_inputs(std::string_view option,
                                      const std::vector<std::string>& files,
                                      std::vector<std::pair<std::string, std::string>>& inputs) {
    for (const auto& f : files) {
        for (const auto& [o, seen] : inputs) {
            if (o == option && exec::same_file(f, seen)) {
                return std::string(option) + ": " + f + " given twice";
            }
        }
        inputs.emplace_back(option, f);
    }
    return std::nullopt;
}

std::optional<std::string>
output_is_an_input(std::string_view output_option, const std::string& output,
                   const std::vector<std::pair<std::string, std::string>>& inputs) {
    if (output.empty()) {
        return std::nullopt;
    }
    for (const auto& [option, path] : inputs) {
        if (!path.empty() && exec::same_file(output, path)) {
            return std::string(output_option) + ": " + output + " is also " + option +
                   " (writing it would destroy that input)";
        }
    }
    return std::nullopt;
}

} // namespace ballast::cli
