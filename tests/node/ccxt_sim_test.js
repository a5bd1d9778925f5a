// node --test ccxt_sim_test.js: for every venue, ccxt (ccxt_books.js) fed by `ballast sim-venue
// --max-speed` from tests/data/<venue>/ must end with the books `ballast replay` builds from the
// same files (compare_books.js). The binary is $BALLAST or ../../build/tools/ballast; without it
// every case is skipped and says why. Every wait is bounded.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert');
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const here = __dirname;
const data = path.join(here, '..', 'data');
const ballast = process.env.BALLAST || path.join(here, '..', '..', 'build', 'tools', 'ballast');
const timeoutMs = Number(process.env.CCXT_TIMEOUT_MS || 60000);

// depth: the capture's subscribed book depth where ccxt subscribes one; noDepthCap: ccxt's own
// caps would cut levels the venue still has (README-ccxt.md).
const venues = [
    { sim: 'binance', ccxt: 'binance', noDepthCap: true },
    { sim: 'binance_usdm', ccxt: 'binanceusdm', noDepthCap: true },
    { sim: 'okx', ccxt: 'okx' },
    { sim: 'bybit', ccxt: 'bybit', depth: 200 },
    { sim: 'coinbase', ccxt: 'coinbase' },
    { sim: 'coinbase_exchange', ccxt: 'coinbaseexchange' },
    { sim: 'kraken', ccxt: 'kraken', depth: 1000, noDepthCap: true },
    { sim: 'deribit', ccxt: 'deribit' },
    { sim: 'okx', ccxt: 'okx', tls: true },
];

function captures(venue) {
    const dir = path.join(data, venue);
    return fs.readdirSync(dir)
        .filter((f) => /\.(txt|jsonl)$/.test(f))
        .map((f) => path.join(dir, f));
}

function run(cmd, args, ms) {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: ms, maxBuffer: 1 << 28 });
    if (r.error) throw new Error(`${path.basename(cmd)} ${args[0]}: ${r.error.message}`);
    return r;
}

// Starts sim-venue and resolves with its ready line (first stdout line), bounded.
function startSim(v, files) {
    const args = ['sim-venue', '--venue', v.sim, '--max-speed'];
    for (const f of files) args.push('--capture', f);
    if (v.tls) args.push('--tls');
    const child = spawn(ballast, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const ready = new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`sim-venue: no ready line in ${timeoutMs} ms: ${err}`)), timeoutMs);
        child.stdout.on('data', (c) => {
            out += c;
            const nl = out.indexOf('\n');
            if (nl >= 0) {
                clearTimeout(timer);
                try { resolve(JSON.parse(out.slice(0, nl))); } catch (e) { reject(new Error(`sim-venue ready line: ${e.message}`)); }
            }
        });
        child.stderr.on('data', (c) => { err += c; });
        child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`sim-venue exited ${code}: ${err.trim()}`)); });
    });
    return { child, ready };
}

for (const v of venues) {
    const name = `${v.sim}${v.tls ? ' (tls)' : ''}: ccxt ${v.ccxt} books == ballast replay`;
    const skip = fs.existsSync(ballast) ? false : `no ballast binary at ${ballast} (set BALLAST)`;
    test(name, { skip, timeout: 3 * timeoutMs }, async () => {
        const files = captures(v.sim);
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ccxt-sim-'));
        try {
            const replayFile = path.join(tmp, 'replay.json');
            const rep = run(ballast, ['replay', ...files, '--dump-books', replayFile, '--quiet'], timeoutMs);
            assert.strictEqual(rep.status, 0, `ballast replay: ${rep.stderr}`);
            const books = JSON.parse(fs.readFileSync(replayFile, 'utf8')).books;
            assert.ok(books.length > 0, 'the replay built no book');
            const symbols = books.map((b) => (v.sim === 'bybit' ? `${b.venue.replace('bybit_', '')}:${b.symbol}` : b.symbol));

            const sim = startSim(v, files);
            let ccxtOut;
            try {
                const ready = await sim.ready;
                const args = [path.join(here, 'ccxt_books.js'), '--exchange', v.ccxt, '--ready', JSON.stringify(ready),
                    '--status', `${ready.rest}/ballast/status`, '--timeout-ms', String(timeoutMs)];
                for (const s of symbols) args.push('--symbol', s);
                if (v.depth) args.push('--depth', String(v.depth));
                if (v.noDepthCap) args.push('--no-depth-cap');
                ccxtOut = await new Promise((resolve) => {
                    const c = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
                    let o = '';
                    let e = '';
                    c.stdout.on('data', (d) => { o += d; });
                    c.stderr.on('data', (d) => { e += d; });
                    c.on('exit', (code) => resolve({ code, o, e }));
                });
            } finally {
                sim.child.kill();
            }
            assert.strictEqual(ccxtOut.code, 0, `ccxt_books: ${ccxtOut.e.trim()}`);
            const ccxtFile = path.join(tmp, 'ccxt.json');
            fs.writeFileSync(ccxtFile, ccxtOut.o);
            const cmp = run(process.execPath, [path.join(here, 'compare_books.js'), ccxtFile, replayFile], timeoutMs);
            assert.strictEqual(cmp.status, 0, `books differ:\n${cmp.stdout}${cmp.stderr}`);
            assert.match(cmp.stdout, new RegExp(`^equal ${books.length} books`));
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });
}
