// ballast route: the least-cost split of one parent order over a market file's books and
// pools, with the baselines it is measured against. JSON on stdout.
#include "router/market_file.hpp"
#include "router/split.hpp"
#include "tools/commands.hpp"
#include "tools/exit_policy.hpp"

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace ballast::cli {

namespace {

void print_number(double v) {
    if (!std::isfinite(v)) {
        std::printf("null");
    } else {
        std::printf("%.10g", v);
    }
}

void print_string(std::string_view s) {
    std::putchar('"');
    for (const char c : s) {
        if (c == '"' || c == '\\') {
            std::putchar('\\');
        }
        std::putchar(c);
    }
    std::putchar('"');
}

void print_summary(const router::split_result& r) {
    std::printf("\"avg_price\":");
    print_number(r.avg_price);
    std::printf(",\"total_cost\":");
    print_number(r.total_cost_quote);
    std::printf(",\"cost_vs_mid_bps\":");
    print_number(r.cost_vs_mid_bps);
}

} // namespace

int run_route(int argc, char** argv) {
    CLI::App app{"Least-cost split of a parent order across CEX books and AMM pools", "route"};
    std::string market_path;
    std::string side_text;
    std::string qty_text;
    std::string limit_text;
    app.add_option("--market", market_path,
                   "market file (books, pools, fees; see router/README.md)")
        ->required();
    app.add_option("--side", side_text, "buy or sell")->required();
    app.add_option("--qty", qty_text, "parent quantity in base units (decimal)")->required();
    app.add_option("--limit", limit_text, "worst acceptable price (quote per base)");
    add_version_flag(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return parse_failed(app, e);
    }
    router::parent_order order;
    if (side_text == "buy") {
        order.order_side = side::bid;
    } else if (side_text == "sell") {
        order.order_side = side::ask;
    } else {
        std::fprintf(stderr, "route: --side: expected buy or sell, got '%s'\n", side_text.c_str());
        return 2;
    }
    auto loaded = router::load_market(market_path);
    if (!loaded.ok()) {
        std::fprintf(stderr, "route: %s\n", loaded.error.c_str());
        return 2;
    }
    const auto& m = loaded.market;
    const auto q = parse_steps(qty_text, m.base_step);
    if (!q.ok() || q.value <= 0) {
        std::fprintf(stderr, "route: --qty: %s '%s' (base step %s)\n",
                     q.ok() ? "must be positive" : std::string(to_string(q.error)).c_str(),
                     qty_text.c_str(), format_steps(1, m.base_step).c_str());
        return 2;
    }
    order.amount = router::base_qty(q.value);
    if (!limit_text.empty()) {
        char* end = nullptr;
        const double limit = std::strtod(limit_text.c_str(), &end);
        if (end != limit_text.c_str() + limit_text.size() || !(limit > 0.0) ||
            !std::isfinite(limit)) {
            std::fprintf(stderr, "route: --limit: expected a positive price, got '%s'\n",
                         limit_text.c_str());
            return 2;
        }
        order.has_limit = true;
        order.limit_price = limit;
    }

    router::smart_router router;
    const auto snap = m.snapshot();
    const auto& best = router.route(snap, order, router::route_method::optimal);
    if (best.status == router::route_status::bad_market ||
        best.status == router::route_status::too_many_sources ||
        best.status == router::route_status::bad_order) {
        std::fprintf(stderr, "route: %s\n", std::string(router::to_string(best.status)).c_str());
        return 2;
    }
    // Exactly the fields: allocations, filled, unfilled, avg_price, total_cost,
    // cost_vs_mid_bps, baselines.
    std::printf("{\"allocations\":[");
    bool first = true;
    for (const auto& a : best.allocations) {
        std::printf("%s{\"venue\":", first ? "" : ",");
        first = false;
        print_string(m.venue_name(a.venue));
        std::printf(",\"qty\":\"%s\",\"avg_price\":",
                    format_steps(a.amount.value(), m.base_step).c_str());
        print_number(a.avg_price(best.base_step_units));
        std::printf(",\"fees\":");
        print_number(a.fees_quote);
        std::printf(",\"gas\":");
        print_number(a.gas_quote);
        std::printf(",\"cost\":");
        print_number(a.cost_quote);
        std::printf("}");
    }
    std::printf("],\"filled\":\"%s\",\"unfilled\":\"%s\",",
                format_steps(best.filled.value(), m.base_step).c_str(),
                format_steps(best.unfilled.value(), m.base_step).c_str());
    print_summary(best);
    std::printf(",\"baselines\":{");
    constexpr router::route_method baselines[] = {router::route_method::best_single_venue,
                                                  router::route_method::equal_split,
                                                  router::route_method::increments_5pct};
    first = true;
    for (const auto method : baselines) {
        const auto& r = router.route(snap, order, method);
        std::printf("%s\"%s\":{", first ? "" : ",", std::string(router::to_string(method)).c_str());
        first = false;
        print_summary(r);
        std::printf("}");
    }
    std::printf("}}\n");
    return 0;
}

} // namespace ballast::cli
