// `ballast sim-venue` as a child process for the node tests: start it, wait (bounded) for its
// ready line and the end of its capture, read its JSON endpoints.
'use strict';

const {spawn} = require('child_process');
const fs = require('fs');
const http = require('http');
const path = require('path');

const ballast =
    process.env.BALLAST || path.join(__dirname, '..', '..', 'build', 'tools', 'ballast');
const timeoutMs = Number(process.env.CCXT_TIMEOUT_MS || 30000);
// BALLAST_REQUIRE_NODE=1: a missing binary or ccxt fails the tests instead of skipping them.
const requireNode = process.env.BALLAST_REQUIRE_NODE === '1';

let ccxt = null;
try {
    ccxt = require('ccxt');
} catch (e) {
    ccxt = null;
}

// Why the ccxt tests cannot run here (false: they can).
function ccxtSkipReason() {
    if (!fs.existsSync(ballast))
        return `no ballast binary at ${ballast} (set BALLAST)`;
    if (ccxt === null)
        return 'no ccxt in tests/node/node_modules (npm ci in tests/node)';
    return false;
}

// Starts `ballast sim-venue ARGS`; `ready` resolves with the ready line once the capture was
// played (capture_end), or rejects after `timeoutMs` or when the process exits.
function startSimVenue(args, timeoutMs) {
    const child = spawn(ballast, [ 'sim-venue', ...args ], {stdio : [ 'ignore', 'pipe', 'pipe' ]});
    let out = '';
    let err = '';
    const ready = new Promise((resolve, reject) => {
        const timer = setTimeout(
            () => reject(new Error(`sim-venue: not ready in ${timeoutMs} ms: ${err}`)), timeoutMs);
        let line = null;
        child.stdout.on('data', (c) => {
            out += c;
            const lines = out.split('\n');
            if (line === null && lines.length > 1)
                line = JSON.parse(lines[0]);
            if (line !== null && lines.slice(1).some((l) => l.includes('"capture_end"'))) {
                clearTimeout(timer);
                resolve(line);
            }
        });
        child.stderr.on('data', (c) => { err += c; });
        child.on('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`sim-venue exited ${code}: ${err.trim()}`));
        });
    });
    return {child, ready};
}

// GET url -> parsed JSON body.
function getJson(url) {
    return new Promise((resolve, reject) => {
        http.get(url, (res) => {
                let b = '';
                res.on('data', (c) => { b += c; });
                res.on('end', () => {
                    try {
                        resolve(JSON.parse(b));
                    } catch (e) {
                        reject(new Error(`${url}: not JSON: ${b}`));
                    }
                });
            }).on('error', reject);
    });
}

// Every URL a ccxt exchange has keeps its own path and gets the sim's origin (http or ws).
function pointAtSim(ex, node, httpOrigin, wsOrigin) {
    for (const k of Object.keys(node)) {
        const val = node[k];
        if (typeof val === 'string') {
            const u = val.replace('{hostname}', ex.hostname || '');
            const m = /^(https?|wss?):\/\/[^/]+(.*)$/.exec(u);
            if (m)
                node[k] = (m[1].startsWith('ws') ? wsOrigin : httpOrigin) + m[2];
        } else if (val && typeof val === 'object') {
            pointAtSim(ex, val, httpOrigin, wsOrigin);
        }
    }
}

// Resolves with `p`, or rejects after the limit (a watch that never delivers fails the test).
function within(p, what) {
    let timer = null;
    const limit = new Promise((_, reject) => {
        timer =
            setTimeout(() => reject(new Error(`${what}: nothing in ${timeoutMs} ms`)), timeoutMs);
    });
    return Promise.race([ p, limit ]).finally(() => clearTimeout(timer));
}

// Watches until `done(list)` holds; the watch's results accumulate.
async function watchUntil(watch, done, what) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const list = await within(watch(), what);
        if (done(list))
            return list;
        if (Date.now() > deadline)
            throw new Error(`${what}: not there in ${timeoutMs} ms: ${JSON.stringify(list)}`);
    }
}

// Polls `cond` (async) every 20 ms until it holds or the limit passes.
async function waitFor(cond, what) {
    const deadline = Date.now() + timeoutMs;
    while (!(await cond())) {
        if (Date.now() > deadline)
            throw new Error(`${what}: not there in ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20)); // a poll interval, bounded by the deadline
    }
}

module.exports = {
    ballast,
    ccxt,
    ccxtSkipReason,
    requireNode,
    startSimVenue,
    getJson,
    timeoutMs,
    pointAtSim,
    within,
    watchUntil,
    waitFor
};
