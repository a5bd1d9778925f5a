#!/usr/bin/env node
// Writes the sample pool state files in tests/data/dex/: a synthetic USDC/WETH 0.05% v3 pool
// (mainnet addresses, made-up positions around ETH = 3000 USDC) and a USDC/WETH v2 pair.
// Ticks and prices come from the v3 SDK's TickMath. Run once; the output is checked in.
'use strict';
const fs = require('fs');
const JSBI = require('jsbi');
const { TickMath, nearestUsableTick } = require('@uniswap/v3-sdk');
const out = process.argv[2] || '../data/dex';
const spacing = 10;
// raw price token1 (WETH wei) per token0 (USDC 1e-6): (1 / 3000) * 1e12
const sqrtX96 = BigInt(Math.floor(Math.sqrt(1e12 / 3000) * 2 ** 48)) << 48n;
const tick = TickMath.getTickAtSqrtRatio(JSBI.BigInt(sqrtX96.toString()));
const positions = [
  [nearestUsableTick(TickMath.MIN_TICK, spacing), nearestUsableTick(TickMath.MAX_TICK, spacing), 10n ** 15n],
];
for (let i = 1; i <= 12; ++i) {
  const lo = Math.floor((tick - i * 60) / spacing) * spacing;
  const hi = Math.floor((tick + i * 50) / spacing) * spacing;
  positions.push([lo, hi, BigInt(i) * 7n * 10n ** 16n]);
}
const net = new Map();
let active = 0n;
for (const [lo, hi, L] of positions) {
  net.set(lo, (net.get(lo) || 0n) + L);
  net.set(hi, (net.get(hi) || 0n) - L);
  if (lo <= tick && tick < hi) active += L;
}
const ticks = [...net.entries()].sort((a, b) => a[0] - b[0])
  .map(([index, n]) => ({ index, liquidity_net: n.toString() }));
const v3 = {
  type: 'uniswap_v3', address: '0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640',
  token0: '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48', token1: '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2',
  decimals0: 6, decimals1: 18, fee: 500, tick_spacing: spacing, sqrt_price_x96: sqrtX96.toString(),
  liquidity: active.toString(), tick, ticks, block: 19000000,
};
const v2 = {
  type: 'uniswap_v2', address: '0xb4e16d0168e52d35cacd2c6185b44281ec28c9dc',
  token0: '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48', token1: '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2',
  decimals0: 6, decimals1: 18, fee: 3000, reserve0: (30000000n * 10n ** 6n).toString(),
  reserve1: (10000n * 10n ** 18n).toString(), block: 19000000,
};
fs.writeFileSync(`${out}/usdc_weth_500_v3.json`, JSON.stringify(v3, null, 1) + '\n');
fs.writeFileSync(`${out}/usdc_weth_v2.json`, JSON.stringify(v2, null, 1) + '\n');
