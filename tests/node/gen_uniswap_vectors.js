#!/usr/bin/env node
// Generates reference vectors for Ballast's Uniswap v2/v3 pool models from the official
// Uniswap SDKs (@uniswap/v3-sdk, @uniswap/v2-sdk, @uniswap/sdk-core). The output is checked
// in at tests/data/dex/uniswap_vectors.json so the C++ tests do not need node at run time;
// run `npm ci && node gen_uniswap_vectors.js ../data/dex/uniswap_vectors.json` to refresh it.
//
// v3 swaps: the SDK's v3Swap gives amountCalculated, the final price, tick and liquidity but
// not how much of amountSpecified was used (a price limit can stop a swap early), so this
// script also runs the contract's loop over the SDK's own SwapMath/TickMath/TickList/
// LiquidityMath primitives and asserts that every value both produce agrees.
'use strict';
const fs = require('fs');
const JSBI = require('jsbi');
const v3 = require('@uniswap/v3-sdk');
const v2 = require('@uniswap/v2-sdk');
const core = require('@uniswap/sdk-core');

const { TickMath, SqrtPriceMath, SwapMath, LiquidityMath, TickListDataProvider, v3Swap } = v3;
const B = (x) => JSBI.BigInt(x.toString());
const S = (j) => j.toString();

// Deterministic xorshift128+ so the vectors are reproducible.
let s0 = 0x9e3779b97f4a7c15n, s1 = 0xbf58476d1ce4e5b9n;
const M64 = (1n << 64n) - 1n;
function next64() {
  let x = s0; const y = s1; s0 = y;
  x ^= (x << 23n) & M64; x ^= x >> 17n; x ^= y ^ (y >> 26n); s1 = x & M64;
  return (s0 + s1) & M64;
}
const rnd = () => Number(next64() >> 11n) / 2 ** 53;
const randInt = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1)); // inclusive
function randBig(bits) { // uniform in [0, 2^bits)
  let v = 0n; for (let i = 0; i < bits; i += 64) v = (v << 64n) | next64();
  return v & ((1n << BigInt(bits)) - 1n);
}
const MIN_TICK = TickMath.MIN_TICK, MAX_TICK = TickMath.MAX_TICK;
const MIN_SQRT = BigInt(S(TickMath.MIN_SQRT_RATIO)), MAX_SQRT = BigInt(S(TickMath.MAX_SQRT_RATIO));
const ratio = (t) => BigInt(S(TickMath.getSqrtRatioAtTick(t)));

// ---------------------------------------------------------------- TickMath / SqrtPriceMath
function tickMathVectors() {
  const ticks = [MIN_TICK, MIN_TICK + 1, -1, 0, 1, MAX_TICK - 1, MAX_TICK];
  for (let i = 0; i < 300; ++i) ticks.push(randInt(MIN_TICK, MAX_TICK));
  for (let i = 0; i < 100; ++i) ticks.push(randInt(-2000, 2000));
  const at_tick = ticks.map((t) => ({ tick: t, sqrt_price_x96: S(TickMath.getSqrtRatioAtTick(t)) }));
  const prices = [MIN_SQRT, MIN_SQRT + 1n, MAX_SQRT - 1n, 1n << 96n, (1n << 96n) - 1n];
  for (let i = 0; i < 300; ++i) {
    const t = randInt(MIN_TICK, MAX_TICK - 1);
    const lo = ratio(t), hi = ratio(t + 1);
    prices.push(lo, hi - 1n, lo + (randBig(160) % (hi - lo)));
  }
  for (let i = 0; i < 100; ++i) prices.push(MIN_SQRT + (randBig(160) % (MAX_SQRT - MIN_SQRT)));
  const at_price = prices.map((p) => ({ sqrt_price_x96: S(p), tick: TickMath.getTickAtSqrtRatio(B(p)) }));
  return { at_tick, at_price };
}

function randomPrice() {
  const kind = randInt(0, 3);
  if (kind === 0) return ratio(randInt(-1000, 1000)) + randBig(40);
  if (kind === 1) return MIN_SQRT + randBig(randInt(1, 40));
  if (kind === 2) return MAX_SQRT - 1n - randBig(randInt(1, 150));
  return ratio(randInt(MIN_TICK + 1, MAX_TICK - 1)) + randBig(20);
}
const randLiquidity = () => [1n, randBig(64) + 1n, randBig(100) + 1n, randBig(128) | 1n][randInt(0, 3)];
const randAmount = () => [1n, randBig(16), randBig(64), randBig(128), randBig(200), randBig(255)][randInt(0, 5)] + 1n;
const FEES = [100, 500, 3000, 10000, 0, 123456];

function attempt(f) {
  try { return f(); } catch (e) { return { error: String(e.message || e) }; }
}

function swapStepVectors() {
  const out = [];
  for (let i = 0; i < 600; ++i) {
    const cur = randomPrice();
    let tgt = randomPrice();
    if (rnd() < 0.3) tgt = cur + (rnd() < 0.5 ? -1n : 1n) * randBig(randInt(1, 90));
    if (tgt < MIN_SQRT || tgt >= MAX_SQRT) tgt = cur;
    const liq = randLiquidity();
    const amount = randAmount();
    const exactIn = rnd() < 0.5;
    const fee = FEES[randInt(0, FEES.length - 1)];
    const remaining = exactIn ? amount : -amount;
    const r = attempt(() => SwapMath.computeSwapStep(B(cur), B(tgt), B(liq), B(remaining), fee));
    const v = { sqrt_current: S(cur), sqrt_target: S(tgt), liquidity: S(liq), amount: S(amount),
                exact_input: exactIn, fee };
    if (r.error) v.error = r.error;
    else Object.assign(v, { sqrt_next: S(r[0]), amount_in: S(r[1]), amount_out: S(r[2]), fee_amount: S(r[3]) });
    out.push(v);
  }
  return out;
}

function sqrtPriceMathVectors() {
  const out = [];
  for (let i = 0; i < 400; ++i) {
    const p = randomPrice();
    const liq = randLiquidity();
    const amount = randAmount() >> BigInt(randInt(0, 200));
    const zfo = rnd() < 0.5;
    const v = { sqrt_price: S(p), liquidity: S(liq), amount: S(amount), zero_for_one: zfo };
    const a = attempt(() => SqrtPriceMath.getNextSqrtPriceFromInput(B(p), B(liq), B(amount), zfo));
    v.next_from_input = a.error ? 'error' : S(a);
    const b = attempt(() => SqrtPriceMath.getNextSqrtPriceFromOutput(B(p), B(liq), B(amount), zfo));
    v.next_from_output = b.error ? 'error' : S(b);
    const q = randomPrice();
    v.other_price = S(q);
    for (const up of [false, true]) {
      v['amount0_delta_' + (up ? 'up' : 'down')] = S(SqrtPriceMath.getAmount0Delta(B(p), B(q), B(liq), up));
      v['amount1_delta_' + (up ? 'up' : 'down')] = S(SqrtPriceMath.getAmount1Delta(B(p), B(q), B(liq), up));
    }
    out.push(v);
  }
  return out;
}

// ---------------------------------------------------------------- v3 pools and swaps
function buildPool(fee, spacing, positions, tick, sqrt) {
  const map = new Map();
  let active = 0n;
  for (const [lo, hi, L] of positions) {
    for (const [t, d] of [[lo, L], [hi, -L]]) {
      const e = map.get(t) || { net: 0n, gross: 0n };
      e.net += d; e.gross += L; map.set(t, e);
    }
    if (lo <= tick && tick < hi) active += L;
  }
  const ticks = [...map.entries()].sort((a, b) => a[0] - b[0])
    .map(([index, e]) => ({ index, liquidity_net: S(e.net), liquidity_gross: S(e.gross) }));
  return { fee, tick_spacing: spacing, sqrt_price_x96: S(sqrt), liquidity: S(active), tick, ticks };
}

// The contract's swap loop on the SDK's primitives, tracking amountSpecifiedRemaining.
async function contractLoop(pool, provider, zfo, specified, limit) {
  let st = { rem: specified, calc: 0n, sqrt: BigInt(pool.sqrt_price_x96), tick: pool.tick,
             liq: BigInt(pool.liquidity), crossed: 0, steps: 0, fees: 0n };
  const exactIn = specified >= 0n;
  while (st.rem !== 0n && st.sqrt !== limit) {
    const start = st.sqrt;
    let [next, init] = await provider.nextInitializedTickWithinOneWord(st.tick, zfo, pool.tick_spacing);
    next = Math.max(MIN_TICK, Math.min(MAX_TICK, next));
    const sqrtNext = ratio(next);
    const target = (zfo ? sqrtNext < limit : sqrtNext > limit) ? limit : sqrtNext;
    const [p, ain, aout, f] = SwapMath.computeSwapStep(B(st.sqrt), B(target), B(st.liq), B(st.rem), pool.fee)
      .map((x) => BigInt(S(x)));
    st.steps++;
    st.sqrt = p; st.fees += f;
    if (exactIn) { st.rem -= ain + f; st.calc -= aout; } else { st.rem += aout; st.calc += ain + f; }
    if (st.sqrt === sqrtNext) {
      if (init) {
        let net = BigInt(S((await provider.getTick(next)).liquidityNet));
        if (zfo) net = -net;
        st.liq = BigInt(S(LiquidityMath.addDelta(B(st.liq), B(net))));
        st.crossed++;
      }
      st.tick = zfo ? next - 1 : next;
    } else if (st.sqrt !== start) {
      st.tick = TickMath.getTickAtSqrtRatio(B(st.sqrt));
    }
  }
  return st;
}

async function quote(pool, zfo, exactIn, amount, limitIn) {
  const v = { zero_for_one: zfo, exact_input: exactIn, amount: S(amount),
              sqrt_price_limit_x96: S(limitIn || 0n) };
  if (amount === 0n) { v.error = 'AS'; return v; } // the pool reverts before any math
  const cur = BigInt(pool.sqrt_price_x96);
  const limit = limitIn || (zfo ? MIN_SQRT + 1n : MAX_SQRT - 1n);
  if (zfo ? !(limit < cur && limit > MIN_SQRT) : !(limit > cur && limit < MAX_SQRT)) {
    v.error = 'SPL';
    // The SDK must refuse it as well.
    const sdk = await v3Swap(JSBI.BigInt(pool.fee), B(cur), pool.tick, B(pool.liquidity), pool.tick_spacing,
      new TickListDataProvider(pool.ticks.map(toSdkTick), pool.tick_spacing), zfo,
      B(exactIn ? amount : -amount), B(limit)).then(() => null, (e) => e);
    if (!sdk) throw new Error('SDK accepted a limit the pool rejects');
    return v;
  }
  const provider = new TickListDataProvider(pool.ticks.map(toSdkTick), pool.tick_spacing);
  const specified = exactIn ? amount : -amount;
  let st;
  try {
    st = await contractLoop(pool, provider, zfo, specified, limit);
  } catch (e) {
    v.error = 'revert: ' + String(e.message || e);
    return v;
  }
  const sdk = await v3Swap(JSBI.BigInt(pool.fee), B(cur), pool.tick, B(pool.liquidity), pool.tick_spacing,
    provider, zfo, B(specified), B(limit));
  const same = BigInt(S(sdk.amountCalculated)) === st.calc && BigInt(S(sdk.sqrtRatioX96)) === st.sqrt &&
    BigInt(S(sdk.liquidity)) === st.liq && sdk.tickCurrent === st.tick;
  if (!same) throw new Error('contract loop and SDK v3Swap disagree');
  const used = specified - st.rem;
  const calc = st.calc < 0n ? -st.calc : st.calc;
  const usedAbs = used < 0n ? -used : used;
  Object.assign(v, {
    amount_in: S(exactIn ? usedAbs : calc), amount_out: S(exactIn ? calc : usedAbs),
    fee_amount: S(st.fees), sqrt_price_x96_after: S(st.sqrt), tick_after: st.tick,
    liquidity_after: S(st.liq), ticks_crossed: st.crossed, steps: st.steps, partial: st.rem !== 0n,
  });
  if (exactIn && used > (1n << 255n) - 1n) throw new Error('unreachable');
  return v;
}
function toSdkTick(t) {
  return { index: t.index, liquidityNet: JSBI.BigInt(t.liquidity_net), liquidityGross: JSBI.BigInt(t.liquidity_gross) };
}
const usable = (t, sp) => v3.nearestUsableTick(t, sp);

function randomPositions(spacing, center, count, width, full) {
  const pos = [];
  if (full) pos.push([usable(MIN_TICK, spacing), usable(MAX_TICK, spacing), randBig(randInt(40, 100)) + 1n]);
  for (let i = 0; i < count; ++i) {
    const w = randInt(1, width);
    const lo = Math.floor((center + randInt(-width * spacing, width * spacing)) / spacing) * spacing;
    const hi = lo + w * spacing;
    if (lo < usable(MIN_TICK, spacing) || hi > usable(MAX_TICK, spacing)) continue;
    pos.push([lo, hi, randBig(randInt(30, 90)) + 1n]);
  }
  return pos;
}

async function v3Scenarios() {
  const scenarios = [];
  const add = async (name, pool, swaps) => {
    const out = [];
    for (const [zfo, exactIn, amount, limit] of swaps) out.push(await quote(pool, zfo, exactIn, amount, limit));
    scenarios.push({ name, pool, swaps: out });
  };
  const tiers = [[100, 1], [500, 10], [3000, 60], [10000, 200]];
  for (const [fee, spacing] of tiers) {
    for (let variant = 0; variant < 6; ++variant) {
      // 0: around tick 0 with many overlapping ranges; 1: sparse ranges with gaps (no
      // liquidity between); 2: full range + concentrated; 3: near MIN_TICK; 4: near MAX_TICK;
      // 5: only a few ticks, exact output exhausting them.
      let center = randInt(-5000, 5000);
      if (variant === 3) center = MIN_TICK + spacing * randInt(300, 2000);
      if (variant === 4) center = MAX_TICK - spacing * randInt(300, 2000);
      const count = [40, 6, 20, 15, 15, 2][variant];
      const width = [30, 4, 50, 600, 600, 3][variant];
      let positions = randomPositions(spacing, center, count, width, variant === 2 || variant >= 3);
      if (variant === 5) positions = positions.filter((p) => p[0] !== usable(MIN_TICK, spacing));
      const tick = center + randInt(-spacing * 3, spacing * 3);
      const lo = ratio(tick), hi = ratio(tick + 1);
      const sqrt = variant === 0 && fee === 3000 ? lo : lo + randBig(160) % (hi - lo);
      const pool = buildPool(fee, spacing, positions, tick, sqrt);
      const swaps = [];
      const amounts = [1n, 2n, 10n, 1000n, 10n ** 6n, 10n ** 12n, 10n ** 18n, 10n ** 21n, 10n ** 24n,
                       1n << 96n, 1n << 128n, 1n << 160n, (1n << 255n) - 1n];
      for (const a of amounts) for (const zfo of [true, false]) swaps.push([zfo, true, a, 0n], [zfo, false, a, 0n]);
      for (let k = 0; k < 16; ++k) {
        const zfo = rnd() < 0.5;
        const dt = randInt(1, 400) * spacing / 4;
        const lt = Math.max(MIN_TICK + 1, Math.min(MAX_TICK - 1, Math.round(zfo ? tick - dt : tick + dt)));
        let limit = ratio(lt) + (rnd() < 0.5 ? 0n : randBig(30));
        swaps.push([zfo, rnd() < 0.5, randBig(randInt(1, 90)) + 1n, limit]);
      }
      // Limits on the wrong side, at the price, at the extremes; zero amounts.
      swaps.push([true, true, 1000n, sqrt], [false, true, 1000n, sqrt], [true, true, 1000n, sqrt + 1n],
                 [false, false, 1000n, sqrt - 1n], [true, true, 1000n, MIN_SQRT],
                 [false, true, 1000n, MAX_SQRT], [true, true, 0n, 0n], [false, false, 0n, 0n]);
      await add(`fee${fee}_variant${variant}`, pool, swaps);
    }
  }
  // A pool with no liquidity around the price: swaps walk word by word to the limit and move nothing.
  // (The SDK's tick list cannot be empty, so one range sits far above.)
  const empty = buildPool(500, 10, [[200000, 200010, 10n ** 20n]], 100, ratio(100) + 12345n);
  await add('empty_pool', empty, [[true, true, 10n ** 18n, 0n], [false, false, 10n ** 18n, ratio(5000)]]);
  return scenarios;
}

// ---------------------------------------------------------------- v2 pairs
function v2Vectors() {
  const tA = new core.Token(1, '0x0000000000000000000000000000000000000001', 18);
  const tB = new core.Token(1, '0x0000000000000000000000000000000000000002', 6);
  const out = [];
  const reserves = [1n, 1000n, 10n ** 18n, 10n ** 24n, (1n << 112n) - 1n];
  for (let i = 0; i < 300; ++i) {
    const r0 = rnd() < 0.3 ? reserves[randInt(0, 4)] : randBig(randInt(1, 112)) + 1n;
    const r1 = rnd() < 0.3 ? reserves[randInt(0, 4)] : randBig(randInt(1, 112)) + 1n;
    const pair = new v2.Pair(core.CurrencyAmount.fromRawAmount(tA, S(r0)), core.CurrencyAmount.fromRawAmount(tB, S(r1)));
    const zfo = rnd() < 0.5;
    const [tin, tout] = zfo ? [tA, tB] : [tB, tA];
    const amount = [1n, randBig(randInt(1, 120)) + 1n, (zfo ? r1 : r0) - 1n, zfo ? r1 : r0][randInt(0, 3)];
    const v = { reserve0: S(r0), reserve1: S(r1), zero_for_one: zfo, amount: S(amount) };
    const o = attempt(() => pair.getOutputAmount(core.CurrencyAmount.fromRawAmount(tin, S(amount)))[0].quotient);
    v.amount_out = o.error ? 'error' : S(o);
    const n = attempt(() => pair.getInputAmount(core.CurrencyAmount.fromRawAmount(tout, S(amount)))[0].quotient);
    v.amount_in = n.error ? 'error' : S(n);
    out.push(v);
  }
  return out;
}

(async () => {
  const file = process.argv[2] || '../data/dex/uniswap_vectors.json';
  const doc = {
    generator: 'tests/node/gen_uniswap_vectors.js',
    sdk: Object.fromEntries(['v3-sdk', 'v2-sdk', 'sdk-core'].map((n) => [n, JSON.parse(
      fs.readFileSync(`${__dirname}/node_modules/@uniswap/${n}/package.json`, 'utf8')).version])),
    tick_math: tickMathVectors(),
    sqrt_price_math: sqrtPriceMathVectors(),
    swap_step: swapStepVectors(),
    v3_pools: await v3Scenarios(),
    v2_pairs: v2Vectors(),
  };
  fs.writeFileSync(file, JSON.stringify(doc) + '\n');
  const swaps = doc.v3_pools.reduce((n, p) => n + p.swaps.length, 0);
  console.error(`wrote ${file}: ${doc.v3_pools.length} v3 pools, ${swaps} v3 swaps`);
})().catch((e) => { console.error(e); process.exit(1); });
