// ballast quote: what one swap through a Uniswap pool would move, from a pool state file,
// exactly as the pool contract computes it. JSON on stdout; a contract revert is
// {"error": "<reason>"} with exit 1; bad arguments or files stop with one line and exit 2.
#include "book/pool_state.hpp"
#include "book/pool_view.hpp"
#include "tools/commands.hpp"
#include "tools/exit_policy.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

namespace ballast::cli {

namespace {

void print_error(std::string_view reason) {
    std::printf("{\"error\":\"%.*s\"}\n", static_cast<int>(reason.size()), reason.data());
}

int quote_v3(const pool_state& pool, const v3_swap_request& req) {
    const auto r = pool.v3.quote(req);
    if (!r.ok()) {
        print_error(to_string(r.error));
        return 1;
    }
    const auto gas = default_gas(pool_kind::uniswap_v3).gas_units(r.ticks_crossed);
    std::printf("{\"amount_in\":\"%s\",\"amount_out\":\"%s\",\"sqrt_price_x96_after\":\"%s\","
                "\"tick_after\":%d,\"liquidity_after\":\"%s\",\"ticks_crossed\":%u,"
                "\"gas_estimate\":%llu,\"partial\":%s}\n",
                to_decimal(r.amount_in).c_str(), to_decimal(r.amount_out).c_str(),
                to_decimal(r.sqrt_price_x96_after).c_str(), r.tick_after,
                to_decimal(r.liquidity_after).c_str(), r.ticks_crossed,
                static_cast<unsigned long long>(gas), r.partial ? "true" : "false");
    return 0;
}

int quote_v2(const pool_state& pool, const v2_swap_request& req) {
    const auto r = pool.v2.quote(req);
    if (!r.ok()) {
        print_error(to_string(r.error));
        return 1;
    }
    const auto gas = default_gas(pool_kind::uniswap_v2).gas_units(0);
    std::printf("{\"amount_in\":\"%s\",\"amount_out\":\"%s\",\"reserve0_after\":\"%s\","
                "\"reserve1_after\":\"%s\",\"ticks_crossed\":0,\"gas_estimate\":%llu,"
                "\"partial\":false}\n",
                to_decimal(r.amount_in).c_str(), to_decimal(r.amount_out).c_str(),
                to_decimal(r.reserve0_after).c_str(), to_decimal(r.reserve1_after).c_str(),
                static_cast<unsigned long long>(gas));
    return 0;
}

int usage_error(const std::string& line) {
    std::fprintf(stderr, "quote: %s\n", line.c_str());
    return 2;
}

} // namespace

int run_quote(int argc, char** argv) {
    CLI::App app{"Quote one swap through a Uniswap v2/v3 pool state file (raw token units)",
                 "quote"};
    std::string pool_path;
    std::string exact_in;
    std::string exact_out;
    std::string limit_text;
    bool zero_for_one = false;
    bool one_for_zero = false;
    app.add_option("--pool", pool_path, "pool state file (see book/README.md)")->required();
    auto* in_opt = app.add_option("--exact-in", exact_in, "exact input amount (raw units)");
    auto* out_opt = app.add_option("--exact-out", exact_out, "exact output amount (raw units)");
    in_opt->excludes(out_opt);
    auto* zfo = app.add_flag("--zero-for-one", zero_for_one, "token0 in, token1 out");
    auto* ofz = app.add_flag("--one-for-zero", one_for_zero, "token1 in, token0 out");
    zfo->excludes(ofz);
    app.add_option("--sqrt-price-limit", limit_text, "sqrtPriceLimitX96 (v3 only; default none)");
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
    if (!amount) {
        return usage_error(
            std::string(exact_in.empty() ? "--exact-out" : "--exact-in") +
            ": expected a non-negative integer in raw token units below 2^256, got '" +
            amount_text + "'");
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
            print_error(to_string(pool_error::price_limit));
            return 1;
        }
    }
    return quote_v3(pool, {zero_for_one, !exact_in.empty(), *amount, limit});
}

} // namespace ballast::cli
