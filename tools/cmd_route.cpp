// ballast route: the least-cost split of one parent order over a market file's books and
// pools, with the baselines it is measured against. JSON on stdout.
#include "router/market_file.hpp"
#include "router/split.hpp"
#include "tools/cli_checks.hpp"
#include "tools/commands.hpp"
#include "tools/exit_policy.hpp"
#include "tools/json_writer.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

namespace ballast::cli {

namespace {

/// --limit (quote per base): from sub-micro tokens to far above any traded asset.
constexpr double min_limit = 1e-12;
constexpr double max_limit = 1e12;

/// Averages of nothing are null: with nothing filled there is no price and no cost per base.
void write_summary(json_writer& w, const router::split_result& r) {
    const bool filled = r.filled.value() > 0;
    w.key("avg_price");
    filled ? w.value(r.avg_price) : w.null();
    w.field("total_cost", r.total_cost_quote);
    w.key("cost_vs_mid_bps");
    filled ? w.value(r.cost_vs_mid_bps) : w.null();
}

} // namespace

int run_route(int argc, char** argv) {
    CLI::App app{"Least-cost split of a parent order across CEX books and AMM pools",
                 "ballast route"};
    std::string market_path;
    std::string side_text;
    std::string qty_text;
    double limit = 0.0;
    app.add_option("--market", market_path,
                   "market file (books, pools, fees; see router/README.md)")
        ->required();
    app.add_option("--side", side_text, "buy or sell")->required();
    app.add_option("--qty", qty_text,
                   "parent quantity in base units (decimal, a whole number of the market's base "
                   "step, > 0)")
        ->required();
    auto* limit_opt = app.add_option("--limit", limit, "worst acceptable price (quote per base)")
                          ->check(number_in(min_limit, max_limit));
    add_version_flag(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return parse_failed(app, e);
    }
    router::parent_order order;
    if (side_text != "buy" && side_text != "sell") {
        std::fprintf(stderr, "route: --side: expected buy or sell, got '%s'\n", side_text.c_str());
        return exit_bad_input;
    }
    order.order_side = side_text == "buy" ? side::bid : side::ask;
    auto loaded = router::load_market(market_path);
    if (!loaded.ok()) {
        std::fprintf(stderr, "route: %s\n", loaded.error.c_str());
        return exit_bad_input;
    }
    const auto& m = loaded.market;
    const auto q = parse_steps(qty_text, m.base_step);
    if (!q.ok() || q.value <= 0) {
        std::fprintf(stderr, "route: --qty: %s '%s' (base step %s)\n",
                     q.ok() ? "must be positive" : std::string(to_string(q.error)).c_str(),
                     qty_text.c_str(), format_steps(1, m.base_step).c_str());
        return exit_bad_input;
    }
    order.amount = router::base_qty(q.value);
    if (limit_opt->count() > 0) {
        order.has_limit = true;
        order.limit_price = limit;
    }

    const router::router_limits sizes;
    router::smart_router router(sizes);
    const auto snap = m.snapshot();
    const auto& best = router.route(snap, order, router::route_method::optimal);
    if (best.status == router::route_status::too_many_sources) {
        std::fprintf(stderr,
                     "route: --market %s: %zu books and %zu pools; the router takes at most %zu "
                     "books, %zu pools and %zu levels per book\n",
                     market_path.c_str(), snap.books.size(), snap.pools.size(), sizes.max_books,
                     sizes.max_pools, sizes.max_levels_per_book);
        return exit_bad_input;
    }
    if (best.status == router::route_status::bad_market ||
        best.status == router::route_status::bad_order) {
        std::fprintf(stderr, "route: %s\n", std::string(router::to_string(best.status)).c_str());
        return exit_bad_input;
    }
    if (best.filled.value() == 0) {
        std::fprintf(stderr, "route: warning: nothing can be filled (%s)%s\n",
                     std::string(router::to_string(best.status)).c_str(),
                     order.has_limit ? "; is --limit on the wrong side of the books?" : "");
    }
    // Exactly the fields: allocations, filled, unfilled, avg_price, total_cost,
    // cost_vs_mid_bps, baselines.
    json_writer w(stdout);
    w.begin_object().key("allocations").begin_array();
    for (const auto& a : best.allocations) {
        w.begin_object()
            .field("venue", m.venue_name(a.venue))
            .field("qty", format_steps(a.amount.value(), m.base_step))
            .field("avg_price", a.avg_price(best.base_step_units))
            .field("fees", a.fees_quote)
            .field("gas", a.gas_quote)
            .field("cost", a.cost_quote)
            .end_object();
    }
    w.end_array()
        .field("filled", format_steps(best.filled.value(), m.base_step))
        .field("unfilled", format_steps(best.unfilled.value(), m.base_step));
    write_summary(w, best);
    w.key("baselines").begin_object();
    constexpr router::route_method baselines[] = {router::route_method::best_single_venue,
                                                  router::route_method::equal_split,
                                                  router::route_method::increments_5pct};
    for (const auto method : baselines) {
        const auto& r = router.route(snap, order, method);
        w.key(router::to_string(method)).begin_object();
        write_summary(w, r);
        w.end_object();
    }
    w.end_object().end_object().newline();
    return w.ok() ? exit_done : exit_failed;
}

} // namespace ballast::cli
