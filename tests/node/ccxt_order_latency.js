// node ccxt_order_latency.js [--orders N]: ccxt's createOrder round trips against
// `ballast sim-venue --venue binance --accounts` (REST POST /api/v3/order, signed by ccxt, one
// kept-alive connection), limit IOC buys that cross the capture's NKNUSDT book. Prints one JSON
// line {"venue","orders","p50_us","p99_us"}, the figure bench/gateway_bench.cpp's
// BM_Binance_RoundTripLoopback (the gateway's WebSocket API, send -> ack) is compared with.
// The binary is $BALLAST or ../../build/tools/ballast. Every wait is bounded.
'use strict';

const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const ccxt = require('ccxt');

const here = __dirname;
const ballast = process.env.BALLAST || path.join(here, '..', '..', 'build', 'tools', 'ballast');
const timeoutMs = 30000;
const ordersArg = process.argv.indexOf('--orders');
const orders = ordersArg > 0 ? Number(process.argv[ordersArg + 1]) : 45;

function fail(msg) {
    process.stderr.write(`ccxt_order_latency: ${msg}\n`);
    process.exit(1);
}

function startSim(accountsFile) {
    const capture = path.join(here, '..', 'data', 'binance', 'BINANCE.ws.1.0.txt');
    const child = spawn(ballast, ['sim-venue', '--venue', 'binance', '--max-speed', '--accounts',
        accountsFile, '--capture', capture], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const ready = new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not ready in ${timeoutMs} ms: ${err}`)), timeoutMs);
        let line = null;
        child.stdout.on('data', (c) => {
            out += c;
            const lines = out.split('\n');
            if (line === null && lines.length > 1) line = JSON.parse(lines[0]);
            if (line !== null && lines.slice(1).some((l) => l.includes('"capture_end"'))) {
                clearTimeout(timer);
                resolve(line);
            }
        });
        child.stderr.on('data', (c) => { err += c; });
        child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`exited ${code}: ${err.trim()}`)); });
    });
    return { child, ready };
}

// Every URL ccxt has keeps its path and gets the sim's origin.
function pointAtSim(ex, node, origin) {
    for (const k of Object.keys(node)) {
        const val = node[k];
        if (typeof val === 'string') {
            const m = /^(https?):\/\/[^/]+(.*)$/.exec(val.replace('{hostname}', ex.hostname || ''));
            if (m) node[k] = origin + m[2];
        } else if (val && typeof val === 'object') {
            pointAtSim(ex, val, origin);
        }
    }
}

function quantile(sorted, q) {
    return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

async function main() {
    if (!fs.existsSync(ballast)) fail(`no ballast binary at ${ballast} (set BALLAST)`);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ccxt-latency-'));
    const accounts = path.join(tmp, 'accounts.toml');
    fs.writeFileSync(accounts, '[[account]]\napi_key = "latKey"\nsecret = "latSecret"\n' +
        'balances = { USDT = "100000000", NKN = "100000000" }\n', { mode: 0o600 });
    const sim = startSim(accounts);
    try {
        const ready = await sim.ready;
        const ex = new ccxt.binance({ apiKey: 'latKey', secret: 'latSecret', timeout: timeoutMs,
            options: { fetchMarkets: { types: ['spot'] }, fetchMargins: false } });
        pointAtSim(ex, ex.urls.api, new URL(ready.rest).origin);
        ex.has.fetchCurrencies = false;
        ex.httpAgent = new http.Agent({ keepAlive: true });
        await ex.loadMarkets();
        const book = await ex.fetchOrderBook('NKN/USDT', 5);
        const limit = Number(ex.priceToPrecision('NKN/USDT', book.asks[0][0] * 1.01));
        await ex.createOrder('NKN/USDT', 'limit', 'buy', 100, limit, { timeInForce: 'IOC' }); // warm-up
        const us = [];
        for (let i = 0; i < orders; ++i) {
            const t0 = process.hrtime.bigint();
            await ex.createOrder('NKN/USDT', 'limit', 'buy', 100, limit, { timeInForce: 'IOC' });
            us.push(Number(process.hrtime.bigint() - t0) / 1000);
        }
        us.sort((a, b) => a - b);
        process.stdout.write(JSON.stringify({ venue: 'binance', orders, p50_us: Math.round(quantile(us, 0.5)),
            p99_us: Math.round(quantile(us, 0.99)) }) + '\n');
    } finally {
        sim.child.kill();
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

main().catch((e) => fail(e.message));
