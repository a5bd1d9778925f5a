#!/usr/bin/env node
// A third-party client's view of `ballast sim-venue`: ccxt (ccxt.pro watchOrderBook) with its
// REST and WebSocket URLs pointed at the sim. Loads markets from the sim, watches the given
// venue symbols until the sim says it served its whole capture and the books went quiet, then
// prints {"books":[{"venue","symbol","bids":[[price,size],...],"asks":[...]}]} with every level,
// prices and sizes as normalised decimal strings. Exit 0; on any error one line on stderr, exit 1.
// What ccxt sends and needs per venue: README-ccxt.md beside this file.
'use strict';

const { spawnSync } = require('child_process');
const fs = require('fs');
const http = require('http');
const https = require('https');

const usage = `usage: node ccxt_books.js --exchange ID (--ready JSON | --ws URL --rest URL) --symbol ID...
  --exchange   binance | binanceusdm | okx | bybit | coinbase | coinbaseexchange | kraken | deribit
               (ballast names binance_usdm, coinbase_exchange also accepted)
  --ready      sim-venue's ready line (JSON: ws, rest, ca_file)
  --ws URL     the sim's WebSocket URL, --rest URL its REST URL: only their origins are used,
               ccxt keeps its production paths (binance /ws/0, okx /ws/v5/public, kraken /v2...)
  --ca FILE    extra trusted CA (PEM) for https/wss
  --symbol ID  venue instrument id, repeatable (bybit: spot:ID or linear:ID)
  --depth N    watchOrderBook limit (bybit topic depth, kraken v2 depth)
  --deribit-interval raw|100ms  deribit book channel interval (default raw)
  --no-depth-cap  keep every level: ccxt otherwise trims binance books to its snapshot limit
               (options.watchOrderBookLimit, 1000) and kraken books to the snapshot's ask count after
               every update, losing levels the venue still has; binance spot then asks limit=5000
  --status URL sim-venue status (wait for capture_done), --timeout-ms N (default 60000),
  --quiet-ms N (default 500)`;

function fail(msg) {
    process.stderr.write(`ccxt_books: ${String(msg).split('\n')[0]}\n`);
    process.exit(1);
}

function parseArgs(argv) {
    const a = { symbols: [], timeoutMs: 60000, quietMs: 500, deribitInterval: 'raw' };
    const need = (i) => {
        if (i + 1 >= argv.length) fail(`${argv[i]} needs a value\n${usage}`);
        return argv[i + 1];
    };
    for (let i = 0; i < argv.length; i++) {
        const k = argv[i];
        switch (k) {
            case '--exchange': a.exchange = need(i); i++; break;
            case '--ready': a.ready = need(i); i++; break;
            case '--ws': a.ws = need(i); i++; break;
            case '--rest': a.rest = need(i); i++; break;
            case '--ca': a.ca = need(i); i++; break;
            case '--symbol': a.symbols.push(need(i)); i++; break;
            case '--depth': a.depth = Number(need(i)); i++; break;
            case '--deribit-interval': a.deribitInterval = need(i); i++; break;
            case '--no-depth-cap': a.noDepthCap = true; break;
            case '--status': a.status = need(i); i++; break;
            case '--timeout-ms': a.timeoutMs = Number(need(i)); i++; break;
            case '--quiet-ms': a.quietMs = Number(need(i)); i++; break;
            case '-h': case '--help': process.stdout.write(usage + '\n'); process.exit(0); break;
            default: fail(`unknown argument ${k}\n${usage}`);
        }
    }
    if (a.ready !== undefined) {
        let r;
        try { r = JSON.parse(a.ready); } catch (e) { fail(`--ready: not JSON: ${e.message}`); }
        a.ws = a.ws || r.ws;
        a.rest = a.rest || r.rest;
        a.ca = a.ca || r.ca_file;
    }
    const aliases = { binance_usdm: 'binanceusdm', coinbase_exchange: 'coinbaseexchange' };
    a.exchange = aliases[a.exchange] || a.exchange;
    if (!a.exchange) fail(`--exchange is required\n${usage}`);
    if (!a.ws || !a.rest) fail('--ws and --rest (or --ready) are required');
    if (a.symbols.length === 0) fail('at least one --symbol is required');
    for (const n of ['timeoutMs', 'quietMs']) {
        if (!Number.isFinite(a[n]) || a[n] <= 0) fail(`--${n === 'timeoutMs' ? 'timeout-ms' : 'quiet-ms'} must be a positive number`);
    }
    if (a.depth !== undefined && !(Number.isInteger(a.depth) && a.depth > 0)) fail('--depth must be a positive integer');
    return a;
}

// Node reads NODE_EXTRA_CA_CERTS once at start; it is the one setting both ccxt's REST (node
// https) and its WebSocket client (npm ws) honour, so re-run this script with it set.
function reexecWithCa(a) {
    if (a.ca === undefined || process.env.NODE_EXTRA_CA_CERTS === a.ca) return;
    if (!fs.existsSync(a.ca)) fail(`--ca: no such file ${a.ca}`);
    const r = spawnSync(process.execPath, process.argv.slice(1), {
        stdio: 'inherit',
        env: Object.assign({}, process.env, { NODE_EXTRA_CA_CERTS: a.ca }),
    });
    if (r.error) fail(`cannot re-run with the CA: ${r.error.message}`);
    process.exit(r.status === null ? 1 : r.status);
}

const originOf = (u, what) => {
    try {
        return new URL(u).origin.replace(/^http/, u.startsWith('ws') ? 'ws' : 'http');
    } catch (e) {
        return fail(`${what}: not a URL: ${u}`);
    }
};

// Every URL ccxt has for the venue keeps ccxt's own production path and gets the sim's origin:
// the sim serves one port for REST and WebSocket, and ccxt builds its paths itself (binance
// appends /<stream index>, okx /public, binanceusdm rewrites /ws to /public/ws).
function pointAtSim(ex, node, restOrigin, wsOrigin) {
    for (const k of Object.keys(node)) {
        const v = node[k];
        if (typeof v === 'string') {
            const u = v.replace('{hostname}', ex.hostname || '');
            const m = /^(https?|wss?):\/\/[^/]+(.*)$/.exec(u);
            if (m) node[k] = (m[1].startsWith('ws') ? wsOrigin : restOrigin) + m[2];
        } else if (v && typeof v === 'object') {
            pointAtSim(ex, v, restOrigin, wsOrigin);
        }
    }
}

// One ccxt exchange per venue (options per ccxt 4.5.84's describe()).
function makeExchange(ccxt, a, kinds) {
    let ex;
    switch (a.exchange) {
        case 'binance':
            ex = new ccxt.pro.binance({ options: { fetchMarkets: { types: ['spot'] }, fetchMargins: false } });
            break;
        case 'binanceusdm':
            ex = new ccxt.pro.binanceusdm({ options: { fetchMarkets: { types: ['linear'] } } });
            break;
        case 'okx':
            ex = new ccxt.pro.okx({ options: { fetchMarkets: { types: kinds } } });
            break;
        case 'bybit':
            ex = new ccxt.pro.bybit({ options: { fetchMarkets: { types: kinds } } });
            break;
        case 'coinbase':
            ex = new ccxt.pro.coinbase();
            break;
        case 'coinbaseexchange':
            // ccxt signs every level2 subscribe (the venue requires authentication there); the
            // credentials are dummies, the sim does not check signatures.
            ex = new ccxt.pro.coinbaseexchange({ apiKey: 'ballast', secret: 'YmFsbGFzdA==', password: 'ballast' });
            break;
        case 'kraken':
            ex = new ccxt.pro.kraken();
            break;
        case 'deribit':
            // book.X.raw needs public/auth first; dummy credentials (the sim does not check them)
            ex = new ccxt.pro.deribit({ apiKey: 'ballast', secret: 'ballast' });
            break;
        default:
            fail(`unsupported --exchange ${a.exchange}`);
    }
    pointAtSim(ex, ex.urls.api, originOf(a.rest, '--rest'), originOf(a.ws, '--ws'));
    ex.has.fetchCurrencies = false;
    if (a.noDepthCap) {
        // and ask binance spot for its largest snapshot (5000; USDⓈ-M's largest, 1000, is ccxt's default)
        if (a.exchange === 'binance') ex.options.watchOrderBookLimit = 5000;
        const orderBook = ex.orderBook.bind(ex);
        ex.orderBook = (snapshot = {}) => orderBook(snapshot, undefined);
    }
    ex.timeout = a.timeoutMs;
    // ccxt refuses plain ws:// in node unless it has an http agent (its loadHttpProxyAgent())
    if (ex.httpAgent === undefined) ex.httpAgent = new http.Agent();
    return ex;
}

// bybit ids are the same for spot and linear: "linear:BTCUSDT" / "spot:BTCUSDT".
function splitKind(exchange, raw) {
    const m = /^(?:bybit_)?(spot|linear):(.+)$/.exec(raw);
    if (exchange === 'bybit') return m ? { kind: m[1], id: m[2] } : { kind: 'spot', id: raw };
    return { kind: undefined, id: raw };
}

function okxKind(id) {
    if (/-SWAP$/.test(id)) return 'swap';
    if (/-\d{6}-[\d.]+-[CP]$/.test(id)) return 'option';
    if (/-\d{6}$/.test(id)) return 'future';
    return 'spot';
}

function ballastVenue(exchange, kind) {
    const names = { binanceusdm: 'binance_usdm', coinbaseexchange: 'coinbase_exchange' };
    if (exchange === 'bybit') return `bybit_${kind}`;
    return names[exchange] || exchange;
}

function findMarket(ex, exchange, id, kind) {
    const ms = Object.values(ex.markets);
    const hit = ms.filter((m) => {
        if (kind === 'spot' && !m.spot) return false;
        if (kind === 'linear' && !(m.contract && m.linear)) return false;
        return m.id === id || (m.info && (m.info.wsname === id || m.info.altname === id)) || m.symbol === id;
    });
    if (hit.length === 0) throw new Error(`${exchange}: the sim's markets have no instrument ${id}`);
    return hit[0];
}

// ccxt keeps prices and sizes as doubles; the shortest round-trip text of a double parsed from a
// decimal string of at most 15 significant digits is that decimal, so this recovers the venue's value.
function decimal(x) {
    if (typeof x === 'string') return normalise(x);
    if (!Number.isFinite(x)) throw new Error(`not a finite number: ${x}`);
    return normalise(String(x));
}

function normalise(s) {
    s = s.trim();
    let neg = false;
    if (s[0] === '-' || s[0] === '+') { neg = s[0] === '-'; s = s.slice(1); }
    let exp = 0;
    const e = s.search(/[eE]/);
    if (e >= 0) { exp = Number(s.slice(e + 1)); s = s.slice(0, e); }
    let [ip, fp = ''] = s.split('.');
    let digits = ip + fp;
    let point = ip.length + exp;
    if (!/^\d+$/.test(digits)) throw new Error(`not a decimal: ${s}`);
    if (point < 0) { digits = '0'.repeat(-point) + digits; point = 0; }
    if (point > digits.length) { digits = digits + '0'.repeat(point - digits.length); }
    ip = digits.slice(0, point).replace(/^0+/, '') || '0';
    fp = digits.slice(point).replace(/0+$/, '');
    const out = fp ? `${ip}.${fp}` : ip;
    return neg && out !== '0' ? '-' + out : out;
}

function getJson(url, timeoutMs) {
    return new Promise((resolve, reject) => {
        const mod = url.startsWith('https:') ? https : http;
        const req = mod.get(url, { timeout: timeoutMs }, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (c) => { body += c; });
            res.on('end', () => {
                if (res.statusCode !== 200) return reject(new Error(`${url}: HTTP ${res.statusCode}`));
                try { resolve(JSON.parse(body)); } catch (e) { reject(new Error(`${url}: not JSON`)); }
            });
        });
        req.on('timeout', () => req.destroy(new Error(`${url}: no reply in ${timeoutMs} ms`)));
        req.on('error', reject);
    });
}

// The sim's status says it served everything: capture_done, and nothing still queued for any
// connection (sim-venue's /ballast/status: connections[].queued; frames_sent/frames_total if given).
function simDone(st) {
    if (st === null || typeof st !== 'object' || st.capture_done !== true) return false;
    const sent = st.frames_sent;
    const total = st.frames_total;
    if (typeof sent === 'number' && typeof total === 'number' && sent < total) return false;
    if (Array.isArray(st.connections) && st.connections.some((c) => c && typeof c.queued === 'number' && c.queued > 0)) return false;
    return true;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
    const a = parseArgs(process.argv.slice(2));
    reexecWithCa(a);
    const ccxt = require('ccxt');
    const deadline = Date.now() + a.timeoutMs;
    const left = () => deadline - Date.now();
    const bounded = (p, what) => Promise.race([
        p,
        new Promise((_, rej) => setTimeout(() => rej(new Error(`${what}: no result in ${a.timeoutMs} ms`)), Math.max(1, left())).unref()),
    ]);

    const wanted = a.symbols.map((s) => splitKind(a.exchange, s));
    let kinds;
    if (a.exchange === 'okx') kinds = [...new Set(wanted.map((w) => okxKind(w.id)))];
    if (a.exchange === 'bybit') kinds = [...new Set(wanted.map((w) => w.kind))];
    const ex = makeExchange(ccxt, a, kinds);

    try {
        await bounded(ex.loadMarkets(), `${a.exchange} loadMarkets`);
        for (const w of wanted) {
            w.market = findMarket(ex, a.exchange, w.id, w.kind);
            w.kind = w.kind || w.market.type;
        }

        // one watch per connection group (bybit spot and linear are two endpoints)
        const groups = new Map();
        for (const w of wanted) {
            const key = a.exchange === 'bybit' ? w.kind : 'all';
            if (!groups.has(key)) groups.set(key, []);
            groups.get(key).push(w.market.symbol);
        }
        const params = a.exchange === 'deribit' ? { interval: a.deribitInterval } : {};
        // A watch future resolves once per call: updates that land while no call waits (several
        // frames in one read) resolve nothing, so quiet and presence are read from every message
        // ccxt handles and from its books, and the watch loops only surface ccxt's errors.
        let lastUpdate = Date.now();
        const handle = ex.handleMessage.bind(ex);
        ex.handleMessage = (client, message) => {
            lastUpdate = Date.now();
            return handle(client, message);
        };
        let failure;
        let stop = false;
        const loops = [...groups.values()].map(async (symbols) => {
            while (!stop) {
                await ex.watchOrderBookForSymbols(symbols, a.depth, params);
            }
        });
        loops.forEach((p) => p.catch((e) => { failure = failure || e; }));
        // binance creates the book at subscribe time and fills it from the REST snapshot (nonce set)
        const has = (w) => {
            const ob = ex.orderbooks[w.market.symbol];
            return ob !== undefined && (ob.nonce !== undefined || ob.bids.length + ob.asks.length > 0);
        };

        // wait: the sim served its whole capture, and no update for quiet-ms
        let done = a.status === undefined;
        for (;;) {
            if (failure) throw failure;
            if (left() <= 0) {
                const missing = wanted.filter((w) => !has(w)).map((w) => w.id);
                throw new Error(`timed out after ${a.timeoutMs} ms (${done ? 'sim done' : 'sim not done'}` +
                    `${missing.length ? ', no book for ' + missing.join(',') : ''})`);
            }
            if (!done) {
                try {
                    done = simDone(await getJson(a.status, Math.max(1, Math.min(left(), 5000))));
                } catch (e) {
                    if (left() <= 0) throw e;
                }
            }
            const allSeen = wanted.every(has);
            if (done && allSeen && Date.now() - lastUpdate >= a.quietMs) break;
            await sleep(Math.min(50, Math.max(1, left())));
        }
        stop = true;
        if (failure) throw failure;

        const books = wanted.map((w) => {
            const ob = ex.orderbooks[w.market.symbol];
            if (ob === undefined) throw new Error(`${a.exchange}: no book for ${w.id}`);
            const side = (levels) => Array.from(levels).map((l) => [decimal(l[0]), decimal(l[1])]);
            return { venue: ballastVenue(a.exchange, w.kind), symbol: w.id, bids: side(ob.bids), asks: side(ob.asks) };
        });
        // exit only once the pipe took everything (a large book outgrows the pipe buffer)
        await new Promise((resolve, reject) => {
            process.stdout.write(JSON.stringify({ books }) + '\n', (e) => (e ? reject(e) : resolve()));
        });
    } finally {
        await Promise.race([ex.close().catch(() => {}), sleep(1000)]);
    }
}

if (require.main === module) {
    main().then(() => process.exit(0), (e) => fail(e && e.message ? `${e.constructor.name}: ${e.message}` : e));
}

module.exports = { normalise, decimal };
