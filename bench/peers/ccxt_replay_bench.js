#!/usr/bin/env node
// ccxt's order-book maintenance on the frames `ballast bench replay` times: every book frame of
// the recordings, as text, through JSON.parse and the ccxt pro exchange's handleMessage(client,
// message), from empty state, N times. JSON.parse is inside each sample because Ballast's figure
// starts from the raw frame text too. Each frame is timed alone with process.hrtime.bigint().
//
// ccxt is set up as a user's watchOrderBookForSymbols would leave it, with no network for the
// frames: markets come from `ballast sim-venue` serving the recording's instrument lists over
// REST (ccxt's own loadMarkets, untimed); the WebSocket client is ccxt's, with connect() and
// send() replaced so nothing dials, and the replies ccxt waits for before it builds a book
// (binance's SUBSCRIBE ack, deribit's public/auth) are handed to handleMessage untimed. Binance's
// REST snapshot (X.http.* beside the recording) reaches ccxt through its own fetchOrderBook at the
// recorded moment; that frame is timed from JSON.parse to the end of ccxt's
// fetchOrderBookSnapshot (reset, then the buffered deltas), awaits included.
//
// Prints one JSON line per venue in `ballast bench replay`'s keys, and warns on stderr unless
// ccxt's final best bid/ask (price and size) equal `ballast replay`'s. Venues ccxt cannot do from
// these frames are skipped with one stderr line.
'use strict';

const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const path = require('path');
const { repo, requireNode, fail, summarise, runBallast, jsonLines, ballast } = require('./lib.js');
const { normalise } = require('../../tests/node/ccxt_books.js');

const tool = 'ccxt_replay_bench';
const usage = `usage: node ccxt_replay_bench.js [--reps N] [--warmup N] [FILE...]
  FILE     recordings as \`ballast bench replay\` takes them (cryptofeed v2 text or v3 JSON lines);
           REST snapshots X.http.* beside them are found; default: the bundled tests/data ones
  --reps N   timed repetitions (default 5, as ballast's)
  --warmup N untimed repetitions before them (default 2; node's JIT warms up)`;

const bundled = [
    'binance/BINANCE.ws.1.0.txt', 'binance_usdm/BINANCE_FUTURES.ws.1.0.txt', 'okx/OKX.ws.1.0.txt',
    'bybit/BYBIT.jsonl', 'coinbase/COINBASE_ADVANCED.jsonl', 'coinbase_exchange/COINBASE.ws.28.0.txt',
    'kraken/KRAKEN.ws.50.0.txt', 'deribit/DERIBIT.ws.1.0.txt',
].map((f) => path.join(repo, 'tests', 'data', f));

// ------------------------------------------------------------------------------ recordings

const venueByHost = [
    [/fstream\.binance\.com/, 'binance_usdm'], [/stream\.binance\.com/, 'binance'],
    [/\.okx\.com|\.okex\.com/, 'okx'], [/ws\.kraken\.com/, 'kraken'],
    [/advanced-trade-ws\.coinbase\.com/, 'coinbase'], [/ws-feed\.(pro|exchange)\.coinbase\.com/, 'coinbase_exchange'],
    [/bybit\.com/, 'bybit'], [/deribit\.com/, 'deribit'],
];
const venueOf = (url) => (venueByHost.find(([re]) => re.test(url)) || [])[1];

// Events of a recording: {ts, kind: 'recv'|'response', conn (connection URL; response: request
// URL), text}. cryptofeed v2 text and v3 JSON lines (tests/data/RECORDINGS.md "Line formats").
function readRecording(file) {
    const out = [];
    const text = fs.readFileSync(file, 'utf8');
    if (file.endsWith('.jsonl')) {
        const addr = new Map();
        for (const line of text.split('\n')) {
            if (!line) continue;
            const o = JSON.parse(line);
            if (o.t === 'connect') addr.set(o.conn, o.addr);
            if (o.t === 'recv') out.push({ ts: o.ts, kind: 'recv', conn: addr.get(o.conn) || '', text: o.data });
        }
        return out;
    }
    let conn = '';
    for (const line of text.split('\n')) {
        let m;
        if ((m = /^(\S+) <-> ([\d.]+)$/.exec(line))) conn = m[1];
        else if ((m = /^(\S+) -> ([\d.]+): (.*)$/.exec(line))) out.push({ ts: Number(m[2]), kind: 'response', conn: m[1], text: m[3] });
        else if ((m = /^([\d.]+): (.*)$/.exec(line))) out.push({ ts: Number(m[1]), kind: 'recv', conn, text: m[2] });
    }
    return out;
}

// REST files beside a v2 recording: PREFIX.ws.N.M.txt -> PREFIX.http.*.txt (as `replay` finds them).
function companions(file) {
    const m = /^(.*)\.ws\.[^/]*\.txt$/.exec(path.basename(file));
    if (!m) return [];
    const dir = path.dirname(file);
    return fs.readdirSync(dir).filter((f) => f.startsWith(`${m[1]}.http.`) && f.endsWith('.txt')).map((f) => path.join(dir, f));
}

// ------------------------------------------------------------------------------ venues

const okxKind = (id) => (/-SWAP$/.test(id) ? 'swap' : /-\d{6}-[\d.]+-[CP]$/.test(id) ? 'option' : /-\d{6}$/.test(id) ? 'future' : 'spot');

// Per Ballast venue: the ccxt exchange (options as tests/node/ccxt_books.js makes them) and which
// frames are book frames: book(message, connUrl) -> [{venue, id, kind}] or null.
const venues = {
    binance: {
        make: (ccxt) => new ccxt.pro.binance({ options: { fetchMarkets: { types: ['spot'] }, fetchMargins: false } }),
        book: (m) => { const d = m.data || m; return d.e === 'depthUpdate' ? [{ venue: 'binance', id: d.s, kind: 'spot' }] : null; },
    },
    binance_usdm: {
        make: (ccxt) => new ccxt.pro.binanceusdm({ options: { fetchMarkets: { types: ['linear'] } } }),
        book: (m) => { const d = m.data || m; return d.e === 'depthUpdate' ? [{ venue: 'binance_usdm', id: d.s, kind: 'swap' }] : null; },
    },
    okx: {
        make: (ccxt, kinds) => new ccxt.pro.okx({ options: { fetchMarkets: { types: kinds } } }),
        book: (m) => (m.arg && m.arg.channel === 'books' && Array.isArray(m.data) ? [{ venue: 'okx', id: m.arg.instId, kind: okxKind(m.arg.instId) }] : null),
    },
    bybit: {
        make: (ccxt, kinds) => new ccxt.pro.bybit({ options: { fetchMarkets: { types: kinds } } }),
        book: (m, conn) => {
            if (typeof m.topic !== 'string' || !m.topic.startsWith('orderbook.')) return null;
            const kind = conn.includes('/spot') ? 'spot' : 'linear';
            return [{ venue: `bybit_${kind}`, id: m.data.s, kind, depth: Number(m.topic.split('.')[1]) }];
        },
    },
    coinbase: {
        make: (ccxt) => new ccxt.pro.coinbase(),
        book: (m) => (m.channel === 'l2_data' ? (m.events || []).map((e) => ({ venue: 'coinbase', id: e.product_id, kind: 'spot' })) : null),
    },
    coinbase_exchange: {
        // level2 needs signed subscribes; dummy credentials (nothing checks them here)
        make: (ccxt) => new ccxt.pro.coinbaseexchange({ apiKey: 'ballast', secret: 'YmFsbGFzdA==', password: 'ballast' }),
        book: (m) => (m.type === 'snapshot' || m.type === 'l2update' ? [{ venue: 'coinbase_exchange', id: m.product_id, kind: 'spot' }] : null),
    },
    deribit: {
        // book.X.raw needs public/auth first; dummy credentials, the reply is handed over untimed
        make: (ccxt) => new ccxt.pro.deribit({ apiKey: 'ballast', secret: 'ballast' }),
        params: { interval: 'raw' },
        book: (m) => {
            const ch = m.params && m.params.channel;
            return m.method === 'subscription' && typeof ch === 'string' && ch.startsWith('book.')
                ? [{ venue: 'deribit', id: m.params.data.instrument_name, kind: 'option' }] : null;
        },
    },
};
// Why ccxt cannot maintain a venue's book from the recorded frames.
const unsupported = {
    kraken: 'ccxt 4.5.84 pro kraken watchOrderBook speaks Kraken WS v2 only (its handleMessage reads message.channel); ' +
        'the recording is WS v1 (array frames), which it ignores',
};

// ------------------------------------------------------------------------------ sim-venue (REST only)

// Starts `ballast sim-venue` for its REST instrument lists; resolves with {child, rest}.
function startSim(venue, files) {
    const args = ['sim-venue', '--venue', venue];
    for (const f of files) args.push('--capture', f);
    const child = spawn(ballast, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    return new Promise((resolve, reject) => {
        let out = '';
        let err = '';
        const timer = setTimeout(() => reject(new Error(`sim-venue ${venue}: no ready line in 20 s: ${err.trim()}`)), 20000);
        child.stdout.on('data', (c) => {
            out += c;
            const nl = out.indexOf('\n');
            if (nl < 0) return;
            clearTimeout(timer);
            try { resolve({ child, rest: JSON.parse(out.slice(0, nl)).rest }); } catch (e) { reject(new Error(`sim-venue ready line: ${e.message}`)); }
        });
        child.stderr.on('data', (c) => { err += c; });
        child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`sim-venue ${venue} exited ${code}: ${err.trim()}`)); });
    });
}

// REST URLs get the sim's origin (ccxt keeps its paths); WebSocket URLs stay the venue's, so
// ccxt's URL-based choices (binance spot '/stream', bybit '/spot') see what they see in production.
function restAtSim(ex, node, origin) {
    for (const k of Object.keys(node)) {
        const v = node[k];
        if (typeof v === 'string') {
            const m = /^https?:\/\/[^/]+(.*)$/.exec(v.replace('{hostname}', ex.hostname || ''));
            if (m) node[k] = origin + m[1];
        } else if (v && typeof v === 'object') {
            restAtSim(ex, v, origin);
        }
    }
}

// ------------------------------------------------------------------------------ one venue

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

// One ccxt exchange as watchOrderBookForSymbols leaves it: {ex, clientFor(kind), snapshot}.
async function setUp(ccxt, spec, simRest, books) {
    const kinds = [...new Set(books.map((b) => b.kind))];
    const ex = spec.make(ccxt, kinds);
    restAtSim(ex, ex.urls.api, simRest);
    ex.has.fetchCurrencies = false;
    ex.httpAgent = ex.httpAgent || new http.Agent();
    const errors = [];
    const sent = [];
    // ccxt's own client object, never connected: connect() resolves at once, send() records.
    const makeClient = ex.client.bind(ex);
    ex.client = (url) => {
        const existed = ex.clients !== undefined && ex.clients[url] !== undefined;
        const c = makeClient(url);
        if (!existed) {
            c.connect = () => { c.connected.resolve(url); return c.connected; };
            c.send = (message) => { sent.push({ client: c, message }); return Promise.resolve(); };
            c.isOpen = () => true;
            const reject = c.reject.bind(c);
            c.reject = (e, hash) => { errors.push(e); return reject(e, hash); };
        }
        return c;
    };
    // The REST snapshot: ccxt's fetchOrderBook gets the recorded body when the replay reaches it.
    const snapshot = { requested: 0, deliver: null, done: [] };
    const fetchRest = ex.fetch.bind(ex);
    ex.fetch = (url, ...rest) => {
        if (!/\/depth\?/.test(url)) return fetchRest(url, ...rest);
        snapshot.requested++;
        return new Promise((resolve) => { snapshot.deliver = resolve; });
    };
    const runSnapshot = ex.fetchOrderBookSnapshot;
    if (runSnapshot) {
        ex.fetchOrderBookSnapshot = function (...args) {
            const p = runSnapshot.apply(this, args);
            snapshot.done.push(p);
            return p;
        };
    }
    await ex.loadMarkets();

    // watchOrderBookForSymbols per kind (bybit's spot and linear are two connections)
    const symbolOf = new Map();
    for (const b of books) {
        const type = b.kind === 'linear' ? 'contract' : b.kind;
        const market = ex.safeMarket(b.id, undefined, undefined, type);
        if (!ex.markets || !ex.markets[market.symbol]) throw new Error(`${b.venue}: ccxt has no market for ${b.id}`);
        symbolOf.set(`${b.venue} ${b.id}`, market.symbol);
    }
    for (const kind of kinds) {
        const group = books.filter((b) => b.kind === kind);
        const symbols = group.map((b) => symbolOf.get(`${b.venue} ${b.id}`));
        ex.watchOrderBookForSymbols(symbols, group[0].depth, spec.params || {}).catch((e) => errors.push(e));
    }
    // Answer what ccxt waits for, untimed: binance's SUBSCRIBE ack (then it asks for the REST
    // snapshot), deribit's public/auth (then it subscribes).
    const wantSnapshots = ex.id.startsWith('binance') ? books.length : 0;
    const deadline = Date.now() + 10000;
    for (let seen = 0, quiet = 0; quiet < 20 || snapshot.requested < wantSnapshots;) {
        if (Date.now() > deadline) throw new Error(`${ex.id}: ccxt did not subscribe in 10 s`);
        await tick(1);
        if (seen === sent.length) { quiet++; continue; }
        quiet = 0;
        for (; seen < sent.length; seen++) {
            const { client, message } = sent[seen];
            const m = typeof message === 'string' ? JSON.parse(message) : message;
            if (m.method === 'SUBSCRIBE') ex.handleMessage(client, { result: null, id: m.id });
            if (m.method === 'public/auth') {
                ex.handleMessage(client, { jsonrpc: '2.0', id: m.id, result: { access_token: 'x', token_type: 'bearer', expires_in: 31536000 } });
            }
        }
    }
    if (errors.length) throw errors[0];
    const clients = Object.values(ex.clients);
    const clientFor = (kind) => (ex.id === 'bybit' ? clients.find((c) => c.url.includes(kind === 'spot' ? '/spot' : '/linear')) : clients[0]);
    return { ex, clientFor, snapshot, errors, symbolOf };
}

async function benchVenue(ccxt, venue, files, reps, warmup) {
    const spec = venues[venue];
    // The book frames, in recorded order (the REST snapshot by its timestamp).
    const events = files.flatMap((f) => readRecording(f)).map((e, i) => Object.assign(e, { i }));
    events.sort((a, b) => a.ts - b.ts || a.i - b.i);
    const frames = [];
    const books = new Map();
    for (const e of events) {
        if (e.kind === 'response') {
            if (/\/depth\?/.test(e.conn)) frames.push({ text: e.text, snapshot: true, venue });
            continue;
        }
        let m;
        try { m = JSON.parse(e.text); } catch (err) { continue; }
        const hit = m && typeof m === 'object' ? spec.book(m, e.conn) : null;
        if (!hit || hit.length === 0) continue;
        for (const b of hit) books.set(`${b.venue} ${b.id}`, b);
        frames.push({ text: e.text, venue: hit[0].venue, kind: hit[0].kind });
    }
    if (frames.length === 0) return [];
    const list = [...books.values()];

    const sim = await startSim(venue, files);
    const samples = new Map();
    const bytes = new Map();
    let last;
    try {
        // untimed warm-up repetitions first: node's JIT has compiled ccxt's handlers by the
        // time a long-running client sees most of its frames
        for (let rep = -warmup; rep < reps; rep++) {
            const s = await setUp(ccxt, spec, sim.rest, list);
            const { ex, clientFor, snapshot } = s;
            for (const f of frames) {
                if (!samples.has(f.venue)) { samples.set(f.venue, []); bytes.set(f.venue, 0); }
                let t0;
                if (f.snapshot) {
                    if (!snapshot.deliver) throw new Error(`${venue}: ccxt did not ask for the REST snapshot`);
                    t0 = process.hrtime.bigint();
                    snapshot.deliver(JSON.parse(f.text));
                    await Promise.all(snapshot.done);
                } else {
                    const client = clientFor(f.kind);
                    t0 = process.hrtime.bigint();
                    ex.handleMessage(client, JSON.parse(f.text));
                }
                const ns = Number(process.hrtime.bigint() - t0);
                if (rep < 0) continue;
                samples.get(f.venue).push(ns);
                if (rep === 0) bytes.set(f.venue, bytes.get(f.venue) + Buffer.byteLength(f.text));
            }
            if (s.errors.length) {
                process.stderr.write(`${tool}: warning: ${venue}: ccxt reported ${s.errors.length} error(s), first: ${s.errors[0].message}\n`);
            }
            last = s;
        }
    } finally {
        sim.child.kill();
    }

    // Sanity: ccxt's top of book == ballast replay's, for every book.
    const summary = JSON.parse(runBallast(tool, ['replay', ...files, '--quiet']));
    const bookCount = new Map();
    for (const b of list) {
        bookCount.set(b.venue, (bookCount.get(b.venue) || 0) + 1);
        const ours = summary.books.find((x) => x.venue === b.venue && x.symbol === b.id);
        const ob = last.ex.orderbooks[last.symbolOf.get(`${b.venue} ${b.id}`)];
        const top = (side) => (ob && ob[side].length ? ob[side][0].slice(0, 2).map((x) => normalise(String(x))).join(' x ') : 'none');
        const want = (p, q) => (p === undefined ? 'none' : `${normalise(p)} x ${normalise(q)}`);
        const got = `${top('bids')} / ${top('asks')}`;
        const exp = ours ? `${want(ours.best_bid, ours.best_bid_qty)} / ${want(ours.best_ask, ours.best_ask_qty)}` : 'no book';
        if (got !== exp) process.stderr.write(`${tool}: warning: ${b.venue} ${b.id}: ccxt's best bid/ask ${got}, ballast replay's ${exp}\n`);
    }

    return [...samples.keys()].map((v) => {
        const ns = samples.get(v);
        const s = summarise(ns);
        return {
            venue: v,
            frames: ns.length / reps,
            bytes: bytes.get(v),
            reps,
            median_ns_per_frame: s.median,
            p99_ns_per_frame: s.p99,
            min_ns_per_frame: s.min,
            frames_per_s: s.mean > 0 ? 1e9 / s.mean : 0,
            books: bookCount.get(v),
            warmup_reps: warmup,
            peer: `ccxt ${ccxt.version} pro ${last.ex.id}`,
        };
    });
}

async function main() {
    const argv = process.argv.slice(2);
    let reps = 5;
    let warmup = 2;
    const files = [];
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === '--reps') {
            reps = Number(argv[++i]);
            if (!Number.isInteger(reps) || reps < 1 || reps > 10000) fail(tool, '--reps: expected an integer in [1, 10000]');
        } else if (argv[i] === '--warmup') {
            warmup = Number(argv[++i]);
            if (!Number.isInteger(warmup) || warmup < 0 || warmup > 1000) fail(tool, '--warmup: expected an integer in [0, 1000]');
        } else if (argv[i] === '-h' || argv[i] === '--help') {
            process.stdout.write(usage + '\n');
            process.exit(0);
        } else if (argv[i].startsWith('-')) {
            fail(tool, `unknown argument ${argv[i]}\n${usage}`);
        } else {
            files.push(argv[i]);
        }
    }
    const ccxt = requireNode('ccxt');
    // Group the recordings by venue (the first URL in each names it).
    const byVenue = new Map();
    for (const f of files.length ? files : bundled) {
        if (!fs.existsSync(f)) fail(tool, `no such file ${f}`);
        const head = fs.readFileSync(f, 'utf8').slice(0, 4096);
        const venue = venueOf(head);
        if (!venue) { process.stderr.write(`${tool}: skipped ${f}: not a WebSocket recording of a venue this script knows (REST snapshots are found beside their recording)\n`); continue; }
        if (!byVenue.has(venue)) byVenue.set(venue, []);
        byVenue.get(venue).push(f, ...companions(f));
    }
    for (const [venue, vfiles] of byVenue) {
        if (unsupported[venue]) { process.stderr.write(`${tool}: skipped ${venue}: ${unsupported[venue]}\n`); continue; }
        const lines = await benchVenue(ccxt, venue, [...new Set(vfiles)], reps, warmup);
        if (lines.length === 0) process.stderr.write(`${tool}: skipped ${venue}: no book frame in ${vfiles[0]}\n`);
        for (const l of lines) process.stdout.write(JSON.stringify(l) + '\n');
    }
}

main().then(() => process.exit(0), (e) => fail(tool, e && e.message ? `${e.constructor.name}: ${e.message}` : e));
