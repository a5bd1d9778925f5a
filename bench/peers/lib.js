// Shared by the peer benchmarks: modules from tests/node/node_modules, the ballast binary,
// the same nearest-rank quantiles as `ballast bench` (tools/cmd_bench.cpp), one-line JSON.
'use strict';

const { spawnSync } = require('child_process');
const { createRequire } = require('module');
const path = require('path');

const repo = path.join(__dirname, '..', '..');
const nodeDir = path.join(repo, 'tests', 'node');
// The npm packages (ccxt, @uniswap/*, jsbi) are installed in tests/node (package.json there).
const requireNode = createRequire(path.join(nodeDir, 'package.json'));
const ballast = process.env.BALLAST || path.join(repo, 'build', 'tools', 'ballast');

function fail(tool, msg) {
    process.stderr.write(`${tool}: ${String(msg).split('\n')[0]}\n`);
    process.exit(1);
}

// The q-quantile by nearest rank, as `ballast bench` takes it: v[min(n-1, floor(q*n))] of the
// sorted samples. `sorted` holds numbers (ns), ascending.
function quantile(sorted, q) {
    if (sorted.length === 0) return 0;
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

// {median, p99, min, mean} of ns samples (a Float64Array or an array of numbers).
function summarise(samples) {
    const s = Float64Array.from(samples).sort();
    let sum = 0;
    for (const x of s) sum += x;
    return {
        median: quantile(s, 0.5),
        p99: quantile(s, 0.99),
        min: s.length ? s[0] : 0,
        mean: s.length ? sum / s.length : 0,
    };
}

// Runs `ballast ARGS`; its stdout, or a one-line failure naming the command.
function runBallast(tool, args, timeoutMs = 120000) {
    const r = spawnSync(ballast, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1 << 28 });
    if (r.error) fail(tool, `${ballast} ${args[0]}: ${r.error.message} (set BALLAST to the binary)`);
    if (r.status !== 0) fail(tool, `ballast ${args.join(' ')}: exit ${r.status}: ${r.stderr.trim()}`);
    return r.stdout;
}

// Parses ballast's JSON lines.
function jsonLines(text) {
    return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
}

module.exports = { repo, nodeDir, requireNode, ballast, fail, quantile, summarise, runBallast, jsonLines };
