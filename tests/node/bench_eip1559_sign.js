#!/usr/bin/env node
// ethers v5's Wallet.signTransaction on the swap transaction bench/dex_bench.cpp signs
// (BM_EthTx_BuildRlpSign_Swap): calldata from the SwapRouter ABI, RLP, Keccak-256, secp256k1.
// Prints ns per signed transaction (median of 5 runs of N).   node bench_eip1559_sign.js [N]
'use strict';
const { ethers } = require('ethers');

const n = Number(process.argv[2] || 2000);
const wallet = new ethers.Wallet('0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318');
const router = new ethers.utils.Interface(
  require('@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json').abi);
const addr = (b) => '0x' + '00'.repeat(19) + b;
const base = {
  type: 2, chainId: 1, maxPriorityFeePerGas: 1500000000, maxFeePerGas: 60000000000, gasLimit: 400000,
  to: addr('44'), value: 0, accessList: [],
};
async function run(start) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; ++i) {
    const data = router.encodeFunctionData('exactInputSingle', [{
      tokenIn: addr('11'), tokenOut: addr('22'), fee: 3000, recipient: addr('33'), deadline: 1700000123,
      amountIn: '1500000000000000000', amountOutMinimum: '3000000000000000000000', sqrtPriceLimitX96: 0 }]);
    await wallet.signTransaction({ ...base, nonce: start + i, data });
  }
  return Number(process.hrtime.bigint() - t0) / n;
}
(async () => {
  await run(0); // warm-up (JIT)
  const times = [];
  for (let r = 0; r < 5; ++r) times.push(await run(1000 + r * n));
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ what: 'ethers ' + ethers.version + ' Wallet.signTransaction (swap)', ns_per_tx: Math.round(times[2]), n }));
})();
