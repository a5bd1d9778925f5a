#!/usr/bin/env node
// The official Uniswap SDK's quote on a pool state file, against `ballast bench quote` on the same
// file and arguments: v3 `Pool.getOutputAmount` (@uniswap/v3-sdk, ticks as a
// TickListDataProvider) or v2 `Pair.getOutputAmount` (@uniswap/v2-sdk), exact input.
// Each quote is timed alone with process.hrtime.bigint() (v3: around the `await`, as an SDK user
// pays it); the input CurrencyAmount is built once, as ballast parses its amount once. Runs the
// ballast command itself (set BALLAST for another binary) and fails unless both give the same
// amount_out. One JSON line on stdout; the figures of both sides and their ratio.
'use strict';

const fs = require('fs');
const { requireNode, fail, summarise, runBallast, jsonLines, nodeDir } = require('./lib.js');

const tool = 'uniswap_sdk_quote_bench';
const usage = `usage: node uniswap_sdk_quote_bench.js --pool FILE --exact-in N (--zero-for-one|--one-for-zero)
       [--reps N] [--warmup N] [--ballast-reps N]
  --pool FILE       pool state file (book/README.md; uniswap_v3 or uniswap_v2)
  --exact-in N      input in raw token units (exact output is not measured here)
  --reps N          SDK quotes timed (default 3000); --warmup N untimed before (default 500)
  --ballast-reps N  reps for \`ballast bench quote\` (default 100000, its own default)`;

function parseArgs(argv) {
    const a = { reps: 3000, warmup: 500, ballastReps: 100000 };
    const need = (i) => {
        if (i + 1 >= argv.length) fail(tool, `${argv[i]} needs a value\n${usage}`);
        return argv[i + 1];
    };
    const count = (k, v, min) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < min) fail(tool, `${k}: expected an integer >= ${min}, got '${v}'`);
        return n;
    };
    for (let i = 0; i < argv.length; i++) {
        const k = argv[i];
        switch (k) {
            case '--pool': a.pool = need(i); i++; break;
            case '--exact-in': a.amount = need(i); i++; break;
            case '--exact-out': fail(tool, '--exact-out: only exact input is measured (SDK getOutputAmount)'); break;
            case '--zero-for-one': a.zfo = true; break;
            case '--one-for-zero': a.zfo = false; break;
            case '--reps': a.reps = count(k, need(i), 1); i++; break;
            case '--warmup': a.warmup = count(k, need(i), 0); i++; break;
            case '--ballast-reps': a.ballastReps = count(k, need(i), 1); i++; break;
            case '-h': case '--help': process.stdout.write(usage + '\n'); process.exit(0); break;
            default: fail(tool, `unknown argument ${k}\n${usage}`);
        }
    }
    if (!a.pool) fail(tool, `--pool is required\n${usage}`);
    if (!a.amount || !/^[1-9][0-9]*$/.test(a.amount)) fail(tool, '--exact-in: expected a positive integer in raw token units');
    if (a.zfo === undefined) fail(tool, 'give one of --zero-for-one or --one-for-zero');
    return a;
}

function version(pkg) {
    return JSON.parse(fs.readFileSync(`${nodeDir}/node_modules/${pkg}/package.json`, 'utf8')).version;
}

// The SDK pool (v3) or pair (v2) of a pool state file, and its `quote(amount) -> Promise<string>`.
function sdkQuoter(state, zfo, amountText) {
    const core = requireNode('@uniswap/sdk-core');
    const JSBI = requireNode('jsbi');
    const t0 = new core.Token(1, state.token0, state.decimals0);
    const t1 = new core.Token(1, state.token1, state.decimals1);
    const amount = core.CurrencyAmount.fromRawAmount(zfo ? t0 : t1, amountText);
    if (state.type === 'uniswap_v3') {
        const v3 = requireNode('@uniswap/v3-sdk');
        // The state file carries liquidity_net only; the SDK's swap reads nothing else, and
        // gross = |net| passes its checks.
        const ticks = state.ticks.map((t) => {
            const net = JSBI.BigInt(t.liquidity_net);
            const gross = JSBI.BigInt(t.liquidity_gross || t.liquidity_net.replace(/^-/, ''));
            return { index: t.index, liquidityNet: net, liquidityGross: gross };
        });
        const provider = new v3.TickListDataProvider(ticks, state.tick_spacing);
        const pool = new v3.Pool(t0, t1, state.fee, state.sqrt_price_x96, state.liquidity, state.tick, provider);
        return {
            peer: `@uniswap/v3-sdk ${version('@uniswap/v3-sdk')} Pool.getOutputAmount`,
            quote: async () => (await pool.getOutputAmount(amount))[0].quotient,
        };
    }
    if (state.type === 'uniswap_v2') {
        const v2 = requireNode('@uniswap/v2-sdk');
        if (state.fee !== undefined && state.fee !== 3000) fail(tool, `the v2 SDK has a fixed 0.3% fee; the pool's is ${state.fee}`);
        const pair = new v2.Pair(core.CurrencyAmount.fromRawAmount(t0, state.reserve0),
            core.CurrencyAmount.fromRawAmount(t1, state.reserve1));
        return {
            peer: `@uniswap/v2-sdk ${version('@uniswap/v2-sdk')} Pair.getOutputAmount`,
            quote: async () => pair.getOutputAmount(amount)[0].quotient,
        };
    }
    return fail(tool, `--pool: type '${state.type}' is neither uniswap_v3 nor uniswap_v2`);
}

async function main() {
    const a = parseArgs(process.argv.slice(2));
    let state;
    try {
        state = JSON.parse(fs.readFileSync(a.pool, 'utf8'));
    } catch (e) {
        fail(tool, `--pool ${a.pool}: ${e.message}`);
    }
    const side = a.zfo ? '--zero-for-one' : '--one-for-zero';
    const ours = jsonLines(runBallast(tool, ['bench', 'quote', '--pool', a.pool, '--exact-in', a.amount, side,
        '--reps', String(a.ballastReps)]))[0];

    const { peer, quote } = sdkQuoter(state, a.zfo, a.amount);
    let out;
    for (let i = 0; i < a.warmup; i++) out = await quote();
    const ns = new Float64Array(a.reps);
    for (let i = 0; i < a.reps; i++) {
        const t0 = process.hrtime.bigint();
        out = await quote();
        ns[i] = Number(process.hrtime.bigint() - t0);
    }
    const amountOut = out.toString();
    if (amountOut !== ours.amount_out) {
        fail(tool, `amount_out differs: SDK ${amountOut}, ballast ${ours.amount_out}`);
    }
    const s = summarise(ns);
    process.stdout.write(JSON.stringify({
        pool: a.pool,
        kind: state.type,
        exact_in: a.amount,
        zero_for_one: a.zfo,
        ticks_crossed: ours.ticks_crossed,
        amount_out: amountOut,
        peer,
        reps: a.reps,
        median_ns_per_quote: s.median,
        p99_ns_per_quote: s.p99,
        min_ns_per_quote: s.min,
        ballast_median_ns_per_quote: ours.median_ns_per_quote,
        ballast_p99_ns_per_quote: ours.p99_ns_per_quote,
        ratio_median: ours.median_ns_per_quote > 0 ? s.median / ours.median_ns_per_quote : null,
    }) + '\n');
}

main().catch((e) => fail(tool, e && e.message ? e.message : e));
