// ballast quote: what one swap through a Uniswap pool would move, from a pool state file,
// exactly as the pool contract computes it. JSON on stdout; a contract revert is
// {"error": "<revert code>", "reason": "<what it means>"} with exit 1; bad arguments or files
// stop with one line and exit 2.
#include "book/pool_state.hpp"
#include "book/pool_view.hpp"
#include "tools/commands.hpp"
#include "tools/exit_policy.hpp"
#include "tools/json_writer.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

namespace ballast::cli {

namespace {

/// A contract revert: the code as the contract spells it and what it means, on stdout (the
/// quote's answer) and on stderr (one line).
int print_revert(pool_error e) {
    std::fprintf(stderr, "quote: the pool reverts: %s (%s)\n", std::string(to_string(e)).c_str(),
                 std::string(explain(e)).c_str());
    json_writer w(stdout);
    w.begin_object().field("error", to_string(e)).field("reason", explain(e)).end_object();
    w.newline();
    return exit_failed;
}

int quote_v3(const pool_state& pool, const v3_swap_request& req) {
    const auto r = pool.v3.quote(req);
    if (!r.ok()) {
        return print_revert(r.error);
    }
    const auto gas = default_gas(pool_kind::uniswap_v3).gas_units(r.ticks_crossed);
    json_writer w(stdout);
    w.begin_object()
        .field("amount_in", to_decimal(r.amount_in))
        .field("amount_out", to_decimal(r.amount_out))
        .field("sqrt_price_x96_after", to_decimal(r.sqrt_price_x96_after))
        .field("tick_after", r.tick_after)
        .field("liquidity_after", to_decimal(r.liquidity_after))
        .field("ticks_crossed", r.ticks_crossed)
        .field("gas_estimate", static_cast<unsigned long long>(gas))
        .field("partial", r.partial)
        .end_object()
        .newline();
    return w.ok() ? exit_done : exit_failed;
}

int quote_v2(const pool_state& pool, const v2_swap_request& req) {
    const auto r = pool.v2.quote(req);
    if (!r.ok()) {
        return print_revert(r.error);
    }
    const auto gas = default_gas(pool_kind::uniswap_v2).gas_units(0);
    json_writer w(stdout);
    w.begin_object()
        .field("amount_in", to_decimal(r.amount_in))
        .field("amount_out", to_decimal(r.amount_out))
        .field("reserve0_after", to_decimal(r.reserve0_after))
        .field("reserve1_after", to_decimal(r.reserve1_after))
        .field("ticks_crossed", 0)
        .field("gas_estimate", static_cast<unsigned long long>(gas))
        .field("partial", false)
        .end_object()
        .newline();
    return w.ok() ? exit_done : exit_failed;
}

int usage_error(const std::string& line) {
    std::fprintf(stderr, "quote: %s\n", line.c_str());
    return 2;
}

} // namespace

int run_quote(int argc, char** argv) {
    CLI::App app{"Quote one swap through a Uniswap v2/v3 pool state file (raw token units)",
                 "ballast quote"};
    std::string pool_path;
    std::string exact_in;
    std::string exact_out;
    std::string limit_text;
    bool zero_for_one = false;
    bool one_for_zero = false;
    app.add_option("--pool", pool_path, "pool state file (see book/README.md)")->required();
    auto* in_opt = app.add_option("--exact-in", exact_in,
                                  "exact input amount (raw units, an integer in [1, 2^256))");
    auto* out_opt = app.add_option("--exact-out", exact_out,
                                   "exact output amount (raw units, an integer in [1, 2^256))");
    in_opt->excludes(out_opt);
    auto* zfo = app.add_flag("--zero-for-one", zero_for_one, "token0 in, token1 out");
    auto* ofz = app.add_flag("--one-for-zero", one_for_zero, "token1 in, token0 out");
    zfo->excludes(ofz);
    app.add_option("--sqrt-price-limit", limit_text,
                   "sqrtPriceLimitX96 (v3 only; an integer strictly between MIN_SQRT_RATIO "
                   "4295128739 and MAX_SQRT_RATIO "
                   "1461446703485210103287273052203988822378723970342; default none)");
    add_version_flag(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return parse_failed(app, e);
    }
    if (exact_in.empty() == exact_out.empty()) {
        return usage_error("give one of --exact-in N or --exact-out N");
    }
    if (!zero_for_one && !one_for_zero) {
        return usage_error("give one of --zero-for-one or --one-for-zero");
    }
    const std::string& amount_text = exact_in.empty() ? exact_out : exact_in;
    const auto amount = parse_u256(amount_text);
    const std::string amount_option = exact_in.empty() ? "--exact-out" : "--exact-in";
    if (!amount) {
        return usage_error(amount_option +
                           ": expected a positive integer in raw token units below 2^256, got '" +
                           amount_text + "'");
    }
    if (*amount == 0) {
        // The v3 contract reverts 'AS' and v2 'INSUFFICIENT_*_AMOUNT': a zero swap is no quote.
        return usage_error(amount_option + ": must be > 0 (raw token units), got 0");
    }
    const auto loaded = load_pool_state(pool_path);
    if (!loaded.ok()) {
        return usage_error("--pool " + loaded.error);
    }
    const pool_state& pool = loaded.state;
    if (pool.kind == pool_kind::uniswap_v2) {
        if (!limit_text.empty()) {
            return usage_error("--sqrt-price-limit: only uniswap_v3 pools take a price limit");
        }
        return quote_v2(pool, {zero_for_one, !exact_in.empty(), *amount});
    }
    u256 limit = 0;
    if (!limit_text.empty()) {
        const auto parsed = parse_u256(limit_text);
        if (!parsed) {
            return usage_error("--sqrt-price-limit: expected a Q64.96 integer, got '" + limit_text +
                               "'");
        }
        limit = *parsed;
        if (limit == 0) {
            // The pool itself rejects a zero limit ('SPL'); 0 is not "no limit" on the CLI.
            return usage_error("--sqrt-price-limit: 0 is not a price (omit the option for no "
                               "limit)");
        }
    }
    return quote_v3(pool, {zero_for_one, !exact_in.empty(), *amount, limit});
}

} // namespace ballast::cli
