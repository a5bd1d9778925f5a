#!/usr/bin/env node
// A real Ethereum node for Ballast's live DEX test: starts ganache (an in-process EVM with a
// WebSocket JSON-RPC server on 127.0.0.1), deploys Uniswap's published v2 and v3 contracts
// from their npm packages' compiled artifacts (v2 factory and pair, v2 Router02 for its
// getAmountOut/getAmountIn, v3 factory with pools in all four fee tiers, position manager,
// swap router, QuoterV2), then drives a script of mints, swaps across ticks, burns and a
// block holding several transactions, one step per request.
//
// Protocol (one JSON object per line): on start it prints
//   {"ready":true,"url":"ws://127.0.0.1:PORT","block":N,"pools":[<pool state file>...]}
// (fresh pools, in Ballast's pool state format). Each "next" line on stdin runs one step and
// prints {"step","block","pools":[on-chain state],"quotes":[node quotes]}; after the last
// step it prints {"done":true}. "quit" stops the node.
'use strict';
const readline = require('readline');
const ganache = require('ganache');
const { ethers } = require('ethers');

const v2core = (n) => require(`@uniswap/v2-core/build/${n}.json`);
const v2periphery = (n) => require(`@uniswap/v2-periphery/build/${n}.json`);
const v3core = (n) => require(`@uniswap/v3-core/artifacts/contracts/${n}.sol/${n}.json`);
const v3periphery = (p) => require(`@uniswap/v3-periphery/artifacts/contracts/${p}.json`);

const MIN_TICK = -887272;
const MAX_TICK = 887272;
const MIN_SQRT_RATIO = 4295128739n;
const MAX_SQRT_RATIO = 1461446703485210103287273642538509154628838364741n;
const DEADLINE = (1n << 63n).toString();
const GAS = '0x7a1200'; // 8,000,000: explicit, so a stopped miner needs no estimate
const E18 = 10n ** 18n;

function sqrtBig(v) {
  if (v < 2n) return v;
  let x = BigInt(Math.floor(Math.sqrt(Number(v))));
  for (;;) {
    const y = (x + v / x) >> 1n;
    if (y >= x && x * x <= v && (x + 1n) * (x + 1n) > v) return x;
    x = y;
  }
}
// sqrt(amount1 / amount0) in Q64.96, as the v3 tests' encodePriceSqrt.
const encodeSqrtPrice = (amount1, amount0) => sqrtBig((amount1 << 192n) / amount0);
const str = (v) => BigInt(v.toString()).toString();

function reply(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

async function main() {
  const server = ganache.server({
    logging: { quiet: true },
    wallet: { deterministic: true, totalAccounts: 2 },
    chain: { chainId: 1337, allowUnlimitedContractSize: true },
    miner: { blockGasLimit: 60000000 },
  });
  await new Promise((resolve, reject) => server.listen(0, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
  const port = server.address().port;
  const provider = new ethers.providers.Web3Provider(server.provider);
  const [from] = await provider.send('eth_accounts', []);
  let minerStopped = false;

  async function receipt(hash, what) {
    const r = await provider.send('eth_getTransactionReceipt', [hash]);
    if (!r) throw new Error(`${what}: no receipt`);
    if (r.status !== '0x1') throw new Error(`${what}: reverted`);
    return r;
  }
  async function sendTx(to, data, what) {
    const hash = await provider.send('eth_sendTransaction', [{ from, to, data, gas: GAS }]);
    return minerStopped ? hash : receipt(hash, what);
  }
  async function deploy(artifact, args, what) {
    const bytecode = artifact.bytecode.startsWith('0x') ? artifact.bytecode : '0x' + artifact.bytecode;
    const f = new ethers.ContractFactory(artifact.abi, bytecode);
    const r = await sendTx(undefined, f.getDeployTransaction(...args).data, `deploy ${what}`);
    return new ethers.Contract(r.contractAddress, artifact.abi, provider);
  }
  const call = (c, fn, args, what) => sendTx(c.address, c.interface.encodeFunctionData(fn, args), what || fn);

  // Tokens: two 18-decimal test ERC20s, sorted by address as the factories sort them.
  let tA = await deploy(v2core('ERC20'), [(10n ** 30n).toString()], 'token A');
  let tB = await deploy(v2core('ERC20'), [(10n ** 30n).toString()], 'token B');
  if (BigInt(tA.address) > BigInt(tB.address)) [tA, tB] = [tB, tA];
  const token0 = tA;
  const token1 = tB;

  const v2factory = await deploy(v2core('UniswapV2Factory'), [from], 'v2 factory');
  await call(v2factory, 'createPair', [token0.address, token1.address]);
  const pairAddress = await v2factory.getPair(token0.address, token1.address);
  const pair = new ethers.Contract(pairAddress, v2core('UniswapV2Pair').abi, provider);
  const router02 = await deploy(v2periphery('UniswapV2Router02'), [v2factory.address, token0.address], 'v2 router');

  const v3factory = await deploy(v3core('UniswapV3Factory'), [], 'v3 factory');
  await call(v3factory, 'enableFeeAmount', [100, 1]);
  const weth = token0.address; // no ETH paths are used; any token address will do
  const npm = await deploy(
    v3periphery('NonfungiblePositionManager.sol/NonfungiblePositionManager'),
    [v3factory.address, weth, ethers.constants.AddressZero], 'position manager');
  const swapRouter = await deploy(v3periphery('SwapRouter.sol/SwapRouter'), [v3factory.address, weth], 'swap router');
  const quoter = await deploy(v3periphery('lens/QuoterV2.sol/QuoterV2'), [v3factory.address, weth], 'QuoterV2');
  for (const t of [token0, token1]) {
    for (const spender of [npm.address, swapRouter.address]) {
      await call(t, 'approve', [spender, ethers.constants.MaxUint256]);
    }
  }

  // v3 pools: every fee tier, each at its own price (raw token1 per token0).
  const poolAbi = v3core('UniswapV3Pool').abi;
  const v3specs = [
    { fee: 100, spacing: 1, price: [1n, 1n] },
    { fee: 500, spacing: 10, price: [3n, 2n] },
    { fee: 3000, spacing: 60, price: [1n, 40n] },
    { fee: 10000, spacing: 200, price: [2500n, 1n] },
  ];
  const v3pools = [];
  for (const s of v3specs) {
    await call(v3factory, 'createPool', [token0.address, token1.address, s.fee]);
    const address = await v3factory.getPool(token0.address, token1.address, s.fee);
    const pool = new ethers.Contract(address, poolAbi, provider);
    await call(pool, 'initialize', [encodeSqrtPrice(s.price[0], s.price[1]).toString()]);
    v3pools.push({ ...s, address: address.toLowerCase(), contract: pool, tokens: 0 });
  }

  async function v3state(p) {
    const slot0 = await p.contract.slot0();
    const liquidity = await p.contract.liquidity();
    return { address: p.address, sqrt_price_x96: str(slot0.sqrtPriceX96), tick: slot0.tick, liquidity: str(liquidity) };
  }
  async function v2state() {
    const r = await pair.getReserves();
    return { address: pairAddress.toLowerCase(), reserve0: str(r[0]), reserve1: str(r[1]) };
  }
  async function states() {
    const out = [await v2state()];
    for (const p of v3pools) out.push(await v3state(p));
    return out;
  }

  const block = Number(await provider.send('eth_blockNumber', []));
  const meta = (address) => ({
    address, token0: token0.address.toLowerCase(), token1: token1.address.toLowerCase(), decimals0: 18, decimals1: 18,
  });
  const startPools = [{ type: 'uniswap_v2', ...meta(pairAddress.toLowerCase()), fee: 3000, reserve0: '0', reserve1: '0', block }];
  for (const p of v3pools) {
    const s = await v3state(p);
    startPools.push({
      type: 'uniswap_v3', ...meta(p.address), fee: p.fee, tick_spacing: p.spacing,
      sqrt_price_x96: s.sqrt_price_x96, liquidity: s.liquidity, tick: s.tick, ticks: [], block,
    });
  }

  // --- the script ------------------------------------------------------------------------
  let nextTokenId = 1n;
  const positions = [];
  const aligned = (tick, spacing) => Math.floor(tick / spacing) * spacing;
  async function mint(p, lower, upper, amount0, amount1) {
    await call(npm, 'mint', [{
      token0: token0.address, token1: token1.address, fee: p.fee, tickLower: lower, tickUpper: upper,
      amount0Desired: amount0.toString(), amount1Desired: amount1.toString(), amount0Min: 0, amount1Min: 0,
      recipient: from, deadline: DEADLINE,
    }], `mint ${p.fee} [${lower},${upper}]`);
    positions.push({ pool: p, id: nextTokenId++ });
  }
  async function burn(position, fraction) {
    const info = await npm.positions(position.id.toString());
    const liquidity = (BigInt(info.liquidity.toString()) * fraction[0]) / fraction[1];
    await call(npm, 'decreaseLiquidity', [{
      tokenId: position.id.toString(), liquidity: liquidity.toString(), amount0Min: 0, amount1Min: 0, deadline: DEADLINE,
    }], `burn ${position.pool.fee}`);
  }
  async function swapIn(p, zeroForOne, amount, limit) {
    await call(swapRouter, 'exactInputSingle', [{
      tokenIn: zeroForOne ? token0.address : token1.address, tokenOut: zeroForOne ? token1.address : token0.address,
      fee: p.fee, recipient: from, deadline: DEADLINE, amountIn: amount.toString(), amountOutMinimum: 0,
      sqrtPriceLimitX96: (limit || 0n).toString(),
    }], `exactInput ${p.fee}`);
  }
  async function swapOut(p, zeroForOne, amount) {
    await call(swapRouter, 'exactOutputSingle', [{
      tokenIn: zeroForOne ? token0.address : token1.address, tokenOut: zeroForOne ? token1.address : token0.address,
      fee: p.fee, recipient: from, deadline: DEADLINE, amountOut: amount.toString(),
      amountInMaximum: ethers.constants.MaxUint256, sqrtPriceLimitX96: 0,
    }], `exactOutput ${p.fee}`);
  }
  async function v2add(amount0, amount1) {
    await call(token0, 'transfer', [pairAddress, amount0.toString()]);
    await call(token1, 'transfer', [pairAddress, amount1.toString()]);
    await call(pair, 'mint', [from]);
  }
  async function v2swap(zeroForOne, amountIn) {
    const r = await pair.getReserves();
    const [rin, rout] = zeroForOne ? [r[0], r[1]] : [r[1], r[0]];
    const out = await router02.getAmountOut(amountIn.toString(), rin, rout);
    await call(zeroForOne ? token0 : token1, 'transfer', [pairAddress, amountIn.toString()]);
    await call(pair, 'swap', zeroForOne ? [0, out, from, '0x'] : [out, 0, from, '0x'], 'v2 swap');
  }
  const tick0 = (p) => p.contract.slot0().then((s) => s.tick);

  const [p100, p500, p3000, p10000] = v3pools;
  const steps = [];
  const step = (name, fn) => steps.push({ name, fn });
  step('v2 first liquidity', () => v2add(1000n * E18, 2500n * E18));
  for (const p of v3pools) {
    if (p !== p100) {
      step(`${p.fee}: full-range position`, () => mint(p, aligned(MIN_TICK, p.spacing) + p.spacing,
        aligned(MAX_TICK, p.spacing), 50n * E18, 50n * E18));
    }
    step(`${p.fee}: narrow position around the price`, async () => {
      const t = await tick0(p);
      await mint(p, aligned(t, p.spacing) - 3 * p.spacing, aligned(t, p.spacing) + 4 * p.spacing, 20n * E18, 20n * E18);
    });
    step(`${p.fee}: position above the price (token0 only)`, async () => {
      const t = await tick0(p);
      await mint(p, aligned(t, p.spacing) + 6 * p.spacing, aligned(t, p.spacing) + 12 * p.spacing, 10n * E18, 0n);
    });
    step(`${p.fee}: position below the price (token1 only)`, async () => {
      const t = await tick0(p);
      await mint(p, aligned(t, p.spacing) - 15 * p.spacing, aligned(t, p.spacing) - 5 * p.spacing, 0n, 10n * E18);
    });
  }
  step('3000: exact-input swap down across ticks', () => swapIn(p3000, true, 30n * E18));
  step('3000: exact-output swap back up', () => swapOut(p3000, false, 25n * E18));
  step('500: exact-input up through the range above', () => swapIn(p500, false, 60n * E18));
  step('10000: exact-input stopped by a price limit', async () => {
    const s = await p10000.contract.slot0();
    await swapIn(p10000, true, 10n ** 24n, (BigInt(s.sqrtPriceX96.toString()) * 99n) / 100n);
  });
  step('100: swap out of every range into empty ticks', () =>
    swapIn(p100, true, 10n ** 24n, encodeSqrtPrice(1n, 4n)));
  step('100: swap back into the ranges', () => swapIn(p100, false, 5n * E18));
  step('v2 swap token0 in', () => v2swap(true, 37n * E18));
  step('v2 swap token1 in', () => v2swap(false, 1234567890123456789n));
  step('500: burn half of a position', () => burn(positions.find((x) => x.pool === p500), [1n, 2n]));
  step('3000: burn the narrow position', () => burn(positions.filter((x) => x.pool === p3000)[1], [1n, 1n]));
  step('one block: swaps in three pools, a mint and a v2 swap', async () => {
    await provider.send('miner_stop', []);
    minerStopped = true;
    const hashes = [];
    const t = await tick0(p3000);
    hashes.push(await call(swapRouter, 'exactInputSingle', [{
      tokenIn: token1.address, tokenOut: token0.address, fee: 3000, recipient: from, deadline: DEADLINE,
      amountIn: (2n * E18).toString(), amountOutMinimum: 0, sqrtPriceLimitX96: 0 }]));
    hashes.push(await call(npm, 'mint', [{
      token0: token0.address, token1: token1.address, fee: 3000, tickLower: aligned(t, 60) - 120,
      tickUpper: aligned(t, 60) + 180, amount0Desired: (5n * E18).toString(), amount1Desired: (5n * E18).toString(),
      amount0Min: 0, amount1Min: 0, recipient: from, deadline: DEADLINE }]));
    positions.push({ pool: p3000, id: nextTokenId++ });
    hashes.push(await call(swapRouter, 'exactInputSingle', [{
      tokenIn: token0.address, tokenOut: token1.address, fee: 3000, recipient: from, deadline: DEADLINE,
      amountIn: (9n * E18).toString(), amountOutMinimum: 0, sqrtPriceLimitX96: 0 }]));
    hashes.push(await call(swapRouter, 'exactInputSingle', [{
      tokenIn: token0.address, tokenOut: token1.address, fee: 500, recipient: from, deadline: DEADLINE,
      amountIn: (3n * E18).toString(), amountOutMinimum: 0, sqrtPriceLimitX96: 0 }]));
    const r = await pair.getReserves();
    const out = await router02.getAmountOut((5n * E18).toString(), r[0], r[1]);
    hashes.push(await call(token0, 'transfer', [pairAddress, (5n * E18).toString()]));
    hashes.push(await call(pair, 'swap', [0, out, from, '0x']));
    await provider.send('evm_mine', []);
    await provider.send('miner_start', []);
    minerStopped = false;
    for (const h of hashes) await receipt(h, 'batched transaction');
  });
  step('10000: exact-output swap up into the range above', () => swapOut(p10000, false, 2n * E18));
  step('three blocks with no pool activity', async () => {
    for (let i = 0; i < 3; ++i) await provider.send('evm_mine', []);
  });

  // --- quotes from the contracts ----------------------------------------------------------
  // Each quote is bounded by a price limit 30% away from the pool's price (about 2600 ticks):
  // without one, a swap through empty ticks walks the bitmap to MIN_TICK/MAX_TICK, which
  // the JavaScript EVM takes seconds for. Amounts that hit the limit come back partial.
  const quoteAmounts = [10n ** 15n, 10n ** 20n];
  // Quotes for the pools whose state the step changed (all of them the first time): the
  // others quote as before, and each QuoterV2 call costs tens of milliseconds here.
  const quoted = new Map();
  async function quotes(pools) {
    const changed = new Set();
    for (const st of pools) {
      const key = JSON.stringify(st);
      if (quoted.get(st.address) !== key) changed.add(st.address);
      quoted.set(st.address, key);
    }
    const out = [];
    for (const p of v3pools.filter((x) => changed.has(x.address))) {
      const sqrtNow = BigInt((await p.contract.slot0()).sqrtPriceX96.toString());
      for (const zeroForOne of [true, false]) {
        const [tokenIn, tokenOut] = zeroForOne ? [token0.address, token1.address] : [token1.address, token0.address];
        let limit = zeroForOne ? (sqrtNow * 83666n) / 100000n : (sqrtNow * 114017n) / 100000n;
        limit = limit <= MIN_SQRT_RATIO ? MIN_SQRT_RATIO + 1n : limit >= MAX_SQRT_RATIO ? MAX_SQRT_RATIO - 1n : limit;
        for (const exactIn of [true, false]) {
          for (const amount of quoteAmounts) {
            const q = {
              pool: p.address, zero_for_one: zeroForOne, exact_input: exactIn, amount: amount.toString(),
              sqrt_price_limit_x96: limit.toString(),
            };
            try {
              const r = exactIn
                ? await quoter.callStatic.quoteExactInputSingle({ tokenIn, tokenOut, amountIn: amount.toString(), fee: p.fee, sqrtPriceLimitX96: limit.toString() })
                : await quoter.callStatic.quoteExactOutputSingle({ tokenIn, tokenOut, amount: amount.toString(), fee: p.fee, sqrtPriceLimitX96: limit.toString() });
              // The quoter reports the side that was not specified (with a limit the
              // specified side may be partly used).
              if (exactIn) q.amount_out = str(r.amountOut);
              else q.amount_in = str(r.amountIn);
              q.sqrt_price_x96_after = str(r.sqrtPriceX96After);
              q.ticks_crossed = Number(r.initializedTicksCrossed);
            } catch (e) {
              q.error = (e.reason || e.message || String(e)).slice(0, 120);
            }
            out.push(q);
          }
        }
      }
    }
    const r = await pair.getReserves();
    if (!r[0].isZero() && changed.has(pairAddress.toLowerCase())) {
      for (const zeroForOne of [true, false]) {
        const [rin, rout] = zeroForOne ? [r[0], r[1]] : [r[1], r[0]];
        for (const amount of quoteAmounts) {
          out.push({ pool: pairAddress.toLowerCase(), zero_for_one: zeroForOne, exact_input: true, amount: amount.toString(),
            amount_in: amount.toString(), amount_out: str(await router02.getAmountOut(amount.toString(), rin, rout)) });
          const q = { pool: pairAddress.toLowerCase(), zero_for_one: zeroForOne, exact_input: false, amount: amount.toString() };
          try {
            q.amount_in = str(await router02.getAmountIn(amount.toString(), rin, rout));
            q.amount_out = amount.toString();
          } catch (e) {
            q.error = (e.reason || e.message || String(e)).slice(0, 120);
          }
          out.push(q);
        }
      }
    }
    return out;
  }

  reply({ ready: true, url: `ws://127.0.0.1:${port}`, block, pools: startPools });
  let next = 0;
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    const cmd = line.trim();
    if (cmd === 'quit') break;
    if (cmd !== 'next') {
      reply({ error: `unknown command '${cmd}'` });
      continue;
    }
    if (next >= steps.length) {
      reply({ done: true });
      continue;
    }
    const s = steps[next++];
    try {
      const t0 = Date.now();
      await s.fn();
      const t1 = Date.now();
      const pools = await states();
      const r = { step: s.name, block: Number(await provider.send('eth_blockNumber', [])), pools, quotes: await quotes(pools) };
      if (process.env.EVM_PEER_TIMING) process.stderr.write(`${s.name}: step ${t1 - t0} ms, state+quotes ${Date.now() - t1} ms\n`);
      reply(r);
    } catch (e) {
      reply({ step: s.name, error: String(e.message || e), stack: String(e.stack).slice(0, 600) });
    }
  }
  await server.close();
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`evm_peer: ${e.stack || e}\n`);
  reply({ error: String(e.message || e) });
  process.exit(1);
});
