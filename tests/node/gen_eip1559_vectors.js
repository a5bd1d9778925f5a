#!/usr/bin/env node
// Reference vectors for Ballast's Ethereum transaction encoding (exec/eth_tx.hpp), from ethers
// v5 as the independent implementation: Keccak-256 of inputs around the 136-byte rate, the
// address of each private key, and EIP-1559 transactions (RLP of the unsigned payload, the
// signed raw bytes, the hash) over field values that exercise every RLP length form.
//   node gen_eip1559_vectors.js ../data/dex/eip1559_vectors.json
'use strict';
const fs = require('fs');
const { ethers } = require('ethers');

const hexOf = (n, fill) => '0x' + Buffer.alloc(n, fill).toString('hex');
const keccak = [];
for (const n of [0, 1, 3, 55, 56, 135, 136, 137, 200, 271, 272, 273, 1000]) {
  const bytes = Buffer.alloc(n);
  for (let i = 0; i < n; ++i) bytes[i] = (i * 131 + 7) & 0xff;
  keccak.push({ input: '0x' + bytes.toString('hex'), hash: ethers.utils.keccak256(bytes) });
}

const keys = [
  '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318',
  '0x0000000000000000000000000000000000000000000000000000000000000001',
  '0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140', // n - 1
  '0x' + '11'.repeat(32),
];
const addresses = [
  '0x3535353535353535353535353535353535353535',
  '0x0000000000000000000000000000000000000000',
  '0xe592427a0aece92de3edee1f18e0157c05861564',
];
const datas = ['0x', '0x00', '0x7f', '0x80', hexOf(55, 0xab), hexOf(56, 0xcd), hexOf(260, 0x5a), hexOf(300, 0x01)];
const big = (s) => ethers.BigNumber.from(s);
const txs = [];
let i = 0;
for (const key of keys) {
  const wallet = new ethers.Wallet(key);
  for (const data of datas) {
    const tx = {
      type: 2,
      chainId: [1, 1337, 5, 11155111][i % 4],
      nonce: [0, 1, 127, 128, 255, 256, 65535, 1234567][i % 8],
      maxPriorityFeePerGas: big(['0', '1', '1500000000', '100000000000'][i % 4]),
      maxFeePerGas: big(['1', '127', '30000000000', '18446744073709551615'][(i + 1) % 4]),
      gasLimit: big(['21000', '250000', '8000000'][i % 3]),
      to: addresses[i % addresses.length],
      value: big(['0', '1', '1000000000000000000', '115792089237316195423570985008687907853269984665640564039457584007913129639935'][i % 4]),
      data,
      accessList: [],
    };
    ++i;
    const unsigned = ethers.utils.serializeTransaction(tx);
    const digest = ethers.utils.keccak256(unsigned);
    const sig = wallet._signingKey().signDigest(digest);
    const raw = ethers.utils.serializeTransaction(tx, sig);
    txs.push({
      key,
      address: wallet.address.toLowerCase(),
      chain_id: tx.chainId,
      nonce: tx.nonce,
      max_priority_fee_per_gas: tx.maxPriorityFeePerGas.toString(),
      max_fee_per_gas: tx.maxFeePerGas.toString(),
      gas_limit: tx.gasLimit.toString(),
      to: tx.to,
      value: tx.value.toString(),
      data,
      unsigned,
      raw,
      hash: ethers.utils.keccak256(raw),
      y_parity: sig.recoveryParam,
    });
  }
}

// SwapRouter calls through ethers' ABI coder from the published artifact.
const router = new ethers.utils.Interface(
  require('@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json').abi);
const erc20 = new ethers.utils.Interface(['function approve(address,uint256)', 'function allowance(address,address)']);
const params = {
  tokenIn: '0x5fbdb2315678afecb367f032d93f642f64180aa3', tokenOut: '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512',
  fee: 3000, recipient: addresses[0], deadline: 1700000123, amount: '123456789012345678901', limit: '987654321',
  sqrtPriceLimitX96: '0',
};
const abi = {
  params,
  exact_input_single: router.encodeFunctionData('exactInputSingle', [{
    tokenIn: params.tokenIn, tokenOut: params.tokenOut, fee: params.fee, recipient: params.recipient,
    deadline: params.deadline, amountIn: params.amount, amountOutMinimum: params.limit, sqrtPriceLimitX96: 0 }]),
  exact_output_single: router.encodeFunctionData('exactOutputSingle', [{
    tokenIn: params.tokenIn, tokenOut: params.tokenOut, fee: params.fee, recipient: params.recipient,
    deadline: params.deadline, amountOut: params.amount, amountInMaximum: params.limit, sqrtPriceLimitX96: 0 }]),
  approve: erc20.encodeFunctionData('approve', [params.tokenOut, ethers.constants.MaxUint256]),
  allowance: erc20.encodeFunctionData('allowance', [addresses[0], params.tokenOut]),
  revert_error: new ethers.utils.Interface(['function Error(string)']).encodeFunctionData('Error', ['Too little received']),
};

const out = { generator: 'tests/node/gen_eip1559_vectors.js (ethers ' + ethers.version + ')', keccak, txs, abi };
fs.writeFileSync(process.argv[2] || '/dev/stdout', JSON.stringify(out, null, 1) + '\n');
