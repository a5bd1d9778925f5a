// DEX quote, event and order paths: exact Uniswap v3 swaps crossing 0/1/10 initialized ticks, the
// v2 library quote, and JSON-RPC log decode + apply to a followed pool. Baselines in the same
// binary: the same v3 swaps in Boost.Multiprecision (the tests' oracle, a literal port of the
// contracts), the double-precision v3 in-range formula (what a naive router uses; not exact) and
// nlohmann::json decoding of the same log notifications.
#include "book/uniswap_v2.hpp"
#include "book/uniswap_v3.hpp"
#include "exec/eth_tx.hpp"
#include "feed/pool_follower.hpp"
#include "tests/book/uniswap_v3_oracle.hpp"

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

using namespace ballast;
using namespace ballast::feed;
namespace v3 = ballast::uniswap_v3;

namespace {

constexpr std::int32_t spacing = 60;

// A 0.3% pool at tick 30 with nested ranges [-60(i+1), 60(i+1)), so every multiple of 60 below
// the price is an initialized tick.
uniswap_v3_pool nested_pool() {
    std::vector<v3_tick> ticks;
    const int128 l = static_cast<int128>(1'000'000'000'000'000'000ULL);
    for (int i = 20; i >= 0; --i) {
        ticks.push_back({-spacing * (i + 1), l, static_cast<uint128>(l)});
    }
    ticks.push_back({0, l, static_cast<uint128>(l)}); // also a range [0, 60*22)
    for (int i = 0; i <= 21; ++i) {
        ticks.push_back({spacing * (i + 1), -l, static_cast<uint128>(l)});
    }
    uniswap_v3_pool p;
    const u256 price = v3::sqrt_ratio_at_tick(30).value;
    // Active at tick 30: the 21 nested ranges plus [0, ...).
    const auto err = p.reset(3000, spacing, price, static_cast<uint128>(22 * l), 30, ticks);
    if (err != pool_error::ok) {
        std::fprintf(stderr, "bench pool: %s\n", std::string(to_string(err)).c_str());
    }
    return p;
}

// The exact token0 input that moves the price to `limit_tick` (crossing the ticks between).
u256 amount_to(const uniswap_v3_pool& p, std::int32_t limit_tick) {
    const auto r = p.quote({true, true, i256_max, v3::sqrt_ratio_at_tick(limit_tick).value});
    return r.amount_in;
}

// The exact-input swap that crosses `state.range(0)` initialized ticks, quoted by `quote`.
template <class Quote> void v3_exact_in_ticks(benchmark::State& state, Quote quote) {
    const auto pool = nested_pool();
    const auto n = static_cast<std::int32_t>(state.range(0));
    // Stop 30 ticks past the n-th crossing (n = 0: inside the current range).
    const u256 amount = amount_to(pool, n == 0 ? 15 : -spacing * (n - 1) - 30);
    const v3_swap_request req{true, true, amount, 0};
    const auto check = quote(pool, req);
    if (!check.ok() || check.ticks_crossed != static_cast<std::uint32_t>(n)) {
        state.SkipWithError("bench pool does not cross the intended number of ticks");
        return;
    }
    for (auto _ : state) {
        auto r = quote(pool, req);
        benchmark::DoNotOptimize(r);
    }
    state.counters["ticks_crossed"] = check.ticks_crossed;
    state.counters["steps"] = check.steps;
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// The pool's quote: fixed-limb words, cached tick prices, a cursor over the initialized ticks.
void BM_V3_ExactIn_Ticks(benchmark::State& state) {
    v3_exact_in_ticks(
        state, [](const uniswap_v3_pool& p, const v3_swap_request& r) { return p.quote(r); });
}
BENCHMARK(BM_V3_ExactIn_Ticks)->Arg(0)->Arg(1)->Arg(10);

// Baseline: the same swaps in Boost.Multiprecision (512-bit products and divisions, TickMath
// per step, a binary search per step).
void BM_V3_ExactIn_Ticks_Multiprecision(benchmark::State& state) {
    v3_exact_in_ticks(state, [](const uniswap_v3_pool& p, const v3_swap_request& r) {
        return oracle::quote(p, r);
    });
}
BENCHMARK(BM_V3_ExactIn_Ticks_Multiprecision)->Arg(0)->Arg(1)->Arg(10);

// Baseline: the textbook in-range formula in doubles (no fee rounding, no ticks): fast but
// off by many wei, which is why the router does not use it for execution.
void BM_V3_ExactIn_DoubleFormula(benchmark::State& state) {
    const auto pool = nested_pool();
    const double liquidity = static_cast<double>(pool.liquidity());
    const double sqrt_p = to_double(pool.sqrt_price_x96()) / 79228162514264337593543950336.0;
    const u256 amount = amount_to(pool, 15);
    double dx = to_double(amount);
    const auto exact = pool.quote({true, true, amount, 0});
    for (auto _ : state) {
        benchmark::DoNotOptimize(dx);
        const double in_less_fee = dx * (1.0 - 0.003);
        const double next = liquidity * sqrt_p / (liquidity + in_less_fee * sqrt_p);
        const double out = liquidity * (sqrt_p - next);
        benchmark::DoNotOptimize(out);
    }
    const double in_less_fee = dx * (1.0 - 0.003);
    const double next = liquidity * sqrt_p / (liquidity + in_less_fee * sqrt_p);
    state.counters["abs_error_wei"] =
        std::fabs(liquidity * (sqrt_p - next) - to_double(exact.amount_out));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_V3_ExactIn_DoubleFormula);

// A mint and its burn on a pool of `state.range(0)` initialized ticks (nested ranges around
// the price): each refreshes the pool's per-range crossing amounts, the cost that keeps a
// crossing free of divisions in the quotes.
void BM_V3_MintBurn(benchmark::State& state) {
    const auto n = static_cast<std::int32_t>(state.range(0)) / 2;
    std::vector<v3_tick> ticks;
    const int128 l = static_cast<int128>(1'000'000'000'000'000'000ULL);
    for (std::int32_t i = n; i >= 1; --i) {
        ticks.push_back({-spacing * i, l, static_cast<uint128>(l)});
    }
    for (std::int32_t i = 1; i <= n; ++i) {
        ticks.push_back({spacing * i, -l, static_cast<uint128>(l)});
    }
    uniswap_v3_pool pool;
    const auto err = pool.reset(3000, spacing, v3::sqrt_ratio_at_tick(30).value,
                                static_cast<uint128>(n * l), 30, ticks);
    if (err != pool_error::ok) {
        state.SkipWithError("bench pool refused");
        return;
    }
    for (auto _ : state) {
        benchmark::DoNotOptimize(pool.apply_position_delta(-spacing, spacing, l));
        benchmark::DoNotOptimize(pool.apply_position_delta(-spacing, spacing, -l));
    }
    state.counters["ticks"] = static_cast<double>(pool.ticks().size());
    state.SetItemsProcessed(static_cast<std::int64_t>(2 * state.iterations()));
}
BENCHMARK(BM_V3_MintBurn)->Arg(50)->Arg(1000);

void BM_V2_Quote(benchmark::State& state) {
    uniswap_v2_pool pair;
    (void)pair.reset(3000, u256("30000000000000"), u256("10000000000000000000000"));
    u256 amount("1000000000000000000"); // 1 WETH in
    for (auto _ : state) {
        benchmark::DoNotOptimize(amount);
        auto r = pair.amount_out(amount, false);
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_V2_Quote);

// Log notifications as geth writes them: v3 Swap events on one pool, consecutive log indexes.
std::string hex_word(const u256& v) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s(64, '0');
    u256 x = v;
    for (int i = 63; i >= 0; --i) {
        s[static_cast<std::size_t>(i)] = digits[static_cast<unsigned>(x & 0xf)];
        x >>= 4;
    }
    return s;
}

const char* pool_address = "0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640";

std::vector<std::string> swap_notifications(std::size_t n, std::uint64_t first_block) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n; ++i) {
        const std::int32_t tick = 196000 + static_cast<std::int32_t>(i % 200);
        const u256 price = v3::sqrt_ratio_at_tick(tick).value + 12345;
        const std::string data = hex_word(2'000'000'000) +
                                 hex_word(~u256(500'000'000'000'000'000ULL) + 1) + hex_word(price) +
                                 hex_word(u256("5461000000000000000")) +
                                 hex_word(static_cast<unsigned>(tick));
        char block[32];
        std::snprintf(block, sizeof block, "0x%llx",
                      static_cast<unsigned long long>(first_block + i / 4));
        char index[16];
        std::snprintf(index, sizeof index, "0x%zx", i % 4);
        out.push_back(
            std::string(
                R"({"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0x4a8a4c0517381924f9838102c5a4dcb7","result":{"address":")") +
            pool_address +
            R"(","topics":["0xc42079f94a6350d7e6235f29174924f928cc2ac818eb64fed8004e115fbcca67","0x000000000000000000000000e592427a0aece92de3edee1f18e0157c05861564","0x000000000000000000000000e592427a0aece92de3edee1f18e0157c05861564"],"data":"0x)" +
            data + R"(","blockNumber":")" + block +
            R"(","transactionHash":"0x8a4c5d2bbf3e1e7d6e0f4c7b1b5f1d0a3c2b1a09f8e7d6c5b4a3928171615141","transactionIndex":"0x2a","blockHash":"0x5f5b1b3c6a0e2d8b7e4f1c9a3d6b8e2f4a7c9d1e3b5f7a9c1e3d5b7f9a1c3e5d","logIndex":")" +
            index + R"(","removed":false}}})");
    }
    return out;
}

pool_state bench_pool_state() {
    pool_state s;
    s.kind = pool_kind::uniswap_v3;
    s.meta.address = pool_address;
    s.meta.block = 19'000'000;
    s.v3 = nested_pool();
    (void)s.v3.apply_swap_event(v3::sqrt_ratio_at_tick(196000).value, 1, 196000);
    return s;
}

void BM_EthLog_DecodeApply(benchmark::State& state) {
    const auto messages = swap_notifications(4096, 19'000'001);
    const pool_state start = bench_pool_state();
    pool_follower follower;
    follower.add_pool(start);
    eth_rpc_decoder decoder;
    std::size_t i = 0;
    std::size_t bytes = 0;
    for (auto _ : state) {
        if (i == messages.size()) {
            follower.bootstrap(0, start); // replay the same blocks again (1 in 4096)
            i = 0;
        }
        const auto m = decoder.decode(messages[i]);
        const bool ok = follower.on_message(m);
        benchmark::DoNotOptimize(ok);
        bytes += messages[i].size();
        ++i;
    }
    if (follower.stats().applied == 0 || follower.stale(0)) {
        state.SkipWithError("logs were not applied");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_EthLog_DecodeApply);

// Baseline: nlohmann::json DOM + std::stoull on the hex fields + the same pool update.
void BM_EthLog_DecodeApply_Nlohmann(benchmark::State& state) {
    const auto messages = swap_notifications(4096, 19'000'001);
    pool_state pool = bench_pool_state();
    std::size_t i = 0;
    std::size_t bytes = 0;
    for (auto _ : state) {
        const auto& text = messages[i];
        i = (i + 1) % messages.size();
        const auto j = nlohmann::json::parse(text);
        const auto& log = j["params"]["result"];
        const std::string data = log["data"].get<std::string>();
        const auto block = std::stoull(log["blockNumber"].get<std::string>(), nullptr, 16);
        const auto index = std::stoull(log["logIndex"].get<std::string>(), nullptr, 16);
        const u256 price("0x" + data.substr(2 + 128, 64));
        const u256 liquidity("0x" + data.substr(2 + 192, 64));
        const auto tick =
            static_cast<std::int32_t>(std::stoul(data.substr(2 + 256 + 56, 8), nullptr, 16));
        const auto err = pool.v3.apply_swap_event(price, to_u128(liquidity), tick);
        benchmark::DoNotOptimize(err);
        benchmark::DoNotOptimize(block + index);
        bytes += text.size();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_EthLog_DecodeApply_Nlohmann);

// ---- The DEX order path: a SwapRouter swap as a signed EIP-1559 transaction ----------------
// What dex_gateway::send() does per order after pricing: calldata, RLP of the unsigned
// payload, Keccak-256, recoverable secp256k1 signature (RFC 6979), signed RLP, transaction
// hash. tests/node/bench_eip1559_sign.js times ethers v5's Wallet.signTransaction on the same
// fields for comparison (a different process and language: reported side by side).

exec::eip1559_tx bench_swap_tx() {
    exec::swap_single_params p;
    p.token_in[19] = 0x11;
    p.token_out[19] = 0x22;
    p.recipient[19] = 0x33;
    p.fee = 3000;
    p.deadline = 1'700'000'123;
    p.amount = u256(1'500'000'000'000'000'000ULL);
    p.amount_limit = u256(3'000'000'000'000'000'000ULL) * 1000;
    exec::eip1559_tx tx;
    tx.chain_id = 1;
    tx.nonce = 1234;
    tx.max_priority_fee_per_gas = 1'500'000'000;
    tx.max_fee_per_gas = 60'000'000'000;
    tx.gas_limit = 400'000;
    tx.to[19] = 0x44;
    exec::encode_exact_input_single(p, tx);
    return tx;
}

void BM_EthTx_Keccak256_SwapPayload(benchmark::State& state) {
    const auto tx = bench_swap_tx();
    exec::eth_tx_bytes unsigned_bytes;
    (void)exec::encode_unsigned(tx, unsigned_bytes);
    for (auto _ : state) {
        benchmark::DoNotOptimize(exec::keccak256(unsigned_bytes.view()));
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * unsigned_bytes.size));
}
BENCHMARK(BM_EthTx_Keccak256_SwapPayload);

void BM_EthTx_RlpUnsigned_Swap(benchmark::State& state) {
    const auto tx = bench_swap_tx();
    exec::eth_tx_bytes out;
    for (auto _ : state) {
        benchmark::DoNotOptimize(exec::encode_unsigned(tx, out));
        benchmark::DoNotOptimize(out);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_EthTx_RlpUnsigned_Swap);

void BM_EthTx_BuildRlpSign_Swap(benchmark::State& state) {
    exec::eth_signer signer;
    if (signer.load_hex("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")) {
        state.SkipWithError("key");
        return;
    }
    auto tx = bench_swap_tx();
    exec::swap_single_params p;
    p.fee = 3000;
    p.amount = u256(1'500'000'000'000'000'000ULL);
    exec::signed_tx out;
    for (auto _ : state) {
        ++tx.nonce; // a new transaction each time (RFC 6979 nonces differ)
        exec::encode_exact_input_single(p, tx);
        benchmark::DoNotOptimize(signer.sign(tx, out));
        benchmark::DoNotOptimize(out);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_EthTx_BuildRlpSign_Swap);

} // namespace

BENCHMARK_MAIN();
