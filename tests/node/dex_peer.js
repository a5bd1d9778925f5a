#!/usr/bin/env node
// A real Ethereum node for the DEX gateway's live test (tests/exec/dex_gateway_test.cpp):
// ganache on 127.0.0.1 with Uniswap's published v3 contracts from their npm artifacts (factory,
// position manager, SwapRouter), two 18-decimal test ERC-20s, one 0.3% pool at 2500 token1 per
// token0 with a full-range and two narrow positions, and a trader account (the address in
// DEX_PEER_TRADER) funded with ETH and both tokens. The trader never approved the router: the
// gateway has to.
//
// Protocol (one JSON object per line): on start it prints
//   {"ready":true,"url":"ws://127.0.0.1:PORT","chain_id":1337,"router","pool","token0","token1"}
// then answers one line per command on stdin:
//   state           -> {"pool":{fee,tick_spacing,sqrt_price_x96,liquidity,tick,ticks:[...]}}
//   receipt 0xHASH  -> {"status","block","gas_used","swaps":[{amount0,amount1}]} decoded by ethers
//   miner_stop | miner_start | mine -> {"ok":true,"block":N}
//   nonce           -> {"nonce":N} (the trader's mined transaction count)
//   quit
'use strict';
const readline = require('readline');
const ganache = require('ganache');
const { ethers } = require('ethers');

const v2core = (n) => require(`@uniswap/v2-core/build/${n}.json`);
const v3core = (n) => require(`@uniswap/v3-core/artifacts/contracts/${n}.sol/${n}.json`);
const v3periphery = (p) => require(`@uniswap/v3-periphery/artifacts/contracts/${p}.json`);

const MIN_TICK = -887272;
const MAX_TICK = 887272;
const DEADLINE = (1n << 63n).toString();
const GAS = '0x7a1200';
const E18 = 10n ** 18n;

const str = (v) => BigInt(v.toString()).toString();
const reply = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');

async function main() {
  const trader = process.env.DEX_PEER_TRADER;
  if (!trader || !/^0x[0-9a-fA-F]{40}$/.test(trader)) throw new Error('DEX_PEER_TRADER must be an address');
  const server = ganache.server({
    logging: { quiet: true },
    wallet: { deterministic: true, totalAccounts: 2 },
    chain: { chainId: 1337, allowUnlimitedContractSize: true },
    // strict: eth_sendRawTransaction answers at once and the transaction is mined right after,
    // as a real node answers before inclusion. In ganache's default (eager) mode the answer
    // waits for the block, and a transaction sent while the previous one is being mined can
    // wait for ever (ganache issues 2509, 3794: its pool races with its miner).
    miner: { blockGasLimit: 60000000, instamine: 'strict' },
  });
  await new Promise((resolve, reject) => server.listen(0, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
  const port = server.address().port;
  const provider = new ethers.providers.Web3Provider(server.provider);
  const [from] = await provider.send('eth_accounts', []);

  // Strict instamine stores a mined transaction before its receipt, and a receipt asked for in
  // between throws inside ganache ("reading 'toJSON'" of the missing receipt). Asked again a
  // moment later it is there; any other error, or this one for too long, is real.
  async function receiptOf(hash) {
    for (let i = 0; ; ++i) {
      try {
        return await provider.send('eth_getTransactionReceipt', [hash]);
      } catch (e) {
        if (i >= 500 || !String(e.message || e).includes('toJSON')) throw e;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    }
  }
  async function sendTx(to, data, what, value) {
    const tx = { from, to, data, gas: GAS };
    if (value) tx.value = value;
    const hash = await provider.send('eth_sendTransaction', [tx]);
    for (let i = 0; i < 2000; ++i) { // strict instamine: mined just after the answer
      const r = await receiptOf(hash);
      if (r) {
        if (r.status !== '0x1') throw new Error(`${what}: reverted`);
        return r;
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    throw new Error(`${what}: not mined`);
  }
  async function deploy(artifact, args, what) {
    const bytecode = artifact.bytecode.startsWith('0x') ? artifact.bytecode : '0x' + artifact.bytecode;
    const f = new ethers.ContractFactory(artifact.abi, bytecode);
    const r = await sendTx(undefined, f.getDeployTransaction(...args).data, `deploy ${what}`);
    return new ethers.Contract(r.contractAddress, artifact.abi, provider);
  }
  const call = (c, fn, args) => sendTx(c.address, c.interface.encodeFunctionData(fn, args), fn);

  let tA = await deploy(v2core('ERC20'), [(10n ** 30n).toString()], 'token A');
  let tB = await deploy(v2core('ERC20'), [(10n ** 30n).toString()], 'token B');
  if (BigInt(tA.address) > BigInt(tB.address)) [tA, tB] = [tB, tA];
  const [token0, token1] = [tA, tB];
  const factory = await deploy(v3core('UniswapV3Factory'), [], 'v3 factory');
  const npm = await deploy(v3periphery('NonfungiblePositionManager.sol/NonfungiblePositionManager'),
    [factory.address, token0.address, ethers.constants.AddressZero], 'position manager');
  const router = await deploy(v3periphery('SwapRouter.sol/SwapRouter'), [factory.address, token0.address], 'swap router');
  for (const t of [token0, token1]) await call(t, 'approve', [npm.address, ethers.constants.MaxUint256]);

  const fee = 3000;
  const spacing = 60;
  await call(factory, 'createPool', [token0.address, token1.address, fee]);
  const poolAddress = await factory.getPool(token0.address, token1.address, fee);
  const pool = new ethers.Contract(poolAddress, v3core('UniswapV3Pool').abi, provider);
  await call(pool, 'initialize', [(50n << 96n).toString()]); // sqrt(2500) in Q64.96
  const tick0 = (await pool.slot0()).tick;
  const aligned = (t) => Math.floor(t / spacing) * spacing;
  const ranges = [
    [aligned(MIN_TICK) + spacing, aligned(MAX_TICK), 100n * E18, 250000n * E18],
    [aligned(tick0) - 10 * spacing, aligned(tick0) + 10 * spacing, 50n * E18, 125000n * E18],
    [aligned(tick0) - 2 * spacing, aligned(tick0) + 3 * spacing, 20n * E18, 50000n * E18],
  ];
  const tickSet = new Set();
  for (const [lower, upper, a0, a1] of ranges) {
    await call(npm, 'mint', [{
      token0: token0.address, token1: token1.address, fee, tickLower: lower, tickUpper: upper,
      amount0Desired: a0.toString(), amount1Desired: a1.toString(), amount0Min: 0, amount1Min: 0,
      recipient: from, deadline: DEADLINE }]);
    tickSet.add(lower);
    tickSet.add(upper);
  }

  // The trader: gas money and both tokens, no approvals.
  await sendTx(trader, '0x', 'fund ETH', '0x' + (100n * E18).toString(16));
  await call(token0, 'transfer', [trader, (1000n * E18).toString()]);
  await call(token1, 'transfer', [trader, (5000000n * E18).toString()]);

  // Ganache mines both a pending transaction and its same-nonce replacement in the first block
  // mined after the first miner_stop (ganache issue 3794; later rounds replace as nodes do).
  // One such round here, from an account of its own, so the test's rounds see a sane pool.
  {
    const warm = new ethers.Wallet('0x' + '22'.repeat(32), provider);
    await sendTx(warm.address, '0x', 'fund warm-up', '0x' + E18.toString(16));
    const base = BigInt((await provider.send('eth_getBlockByNumber', ['latest', false])).baseFeePerGas);
    await provider.send('miner_stop', []);
    const tx = { type: 2, chainId: 1337, nonce: 0, to: from, value: 1, gasLimit: 21000, maxFeePerGas: (base * 2n).toString(),
      maxPriorityFeePerGas: '1000000' };
    await provider.send('eth_sendRawTransaction', [await warm.signTransaction(tx)]);
    await provider.send('eth_sendRawTransaction', [await warm.signTransaction({ ...tx, value: 0,
      maxFeePerGas: (base * 3n).toString(), maxPriorityFeePerGas: '2000000' })]);
    await provider.send('evm_mine', []);
    await provider.send('miner_start', []);
  }

  async function state() {
    const s = await pool.slot0();
    const ticks = [];
    for (const t of [...tickSet].sort((a, b) => a - b)) {
      const info = await pool.ticks(t);
      if (!info.liquidityGross.isZero()) {
        ticks.push({ index: t, liquidity_net: str(info.liquidityNet), liquidity_gross: str(info.liquidityGross) });
      }
    }
    return { fee, tick_spacing: spacing, sqrt_price_x96: str(s.sqrtPriceX96), liquidity: str(await pool.liquidity()),
      tick: s.tick, ticks };
  }
  const blockNumber = async () => Number(await provider.send('eth_blockNumber', []));

  reply({ ready: true, url: `ws://127.0.0.1:${port}`, chain_id: 1337, router: router.address.toLowerCase(),
    pool: poolAddress.toLowerCase(), token0: token0.address.toLowerCase(), token1: token1.address.toLowerCase() });

  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    const [cmd, arg] = line.trim().split(/\s+/);
    try {
      if (cmd === 'quit') break;
      if (cmd === 'state') reply({ pool: await state() });
      else if (cmd === 'receipt') {
        const r = await receiptOf(arg);
        if (!r) { reply({ receipt: null }); continue; }
        const swaps = [];
        for (const l of r.logs) {
          if (l.address.toLowerCase() !== poolAddress.toLowerCase()) continue;
          try {
            const e = pool.interface.parseLog(l);
            if (e.name === 'Swap') swaps.push({ amount0: str(e.args.amount0), amount1: str(e.args.amount1) });
          } catch (e) { /* not a pool event */ }
        }
        reply({ status: Number(r.status), block: Number(r.blockNumber), gas_used: str(BigInt(r.gasUsed)), swaps });
      } else if (cmd === 'miner_stop' || cmd === 'miner_start') {
        await provider.send(cmd, []);
        reply({ ok: true, block: await blockNumber() });
      } else if (cmd === 'mine') {
        await provider.send('evm_mine', []);
        reply({ ok: true, block: await blockNumber() });
      } else if (cmd === 'nonce') {
        reply({ nonce: Number(await provider.send('eth_getTransactionCount', [trader, 'latest'])) });
      } else reply({ error: `unknown command '${cmd}'` });
    } catch (e) {
      reply({ error: String(e.message || e) });
    }
  }
  await server.close();
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`dex_peer: ${e.stack || e}\n`);
  reply({ error: String(e.message || e) });
  process.exit(1);
});
