#!/usr/bin/env node
// Compare ccxt_books.js output with `ballast replay --dump-books` (or any {"books":[{venue?,symbol,
// bids,asks}]}): for every book in the first file, the book of the same venue (when both name
// one) and symbol in the second must have the same levels, prices and sizes compared as
// decimals. Prints "equal N books" and exits 0, or one line per difference and exits 1.
'use strict';

const fs = require('fs');
const { normalise } = require('./ccxt_books.js');

function load(path) {
    let doc;
    try {
        doc = JSON.parse(fs.readFileSync(path, 'utf8'));
    } catch (e) {
        process.stderr.write(`compare_books: ${path}: ${e.message}\n`);
        process.exit(2);
    }
    if (!doc || !Array.isArray(doc.books)) {
        process.stderr.write(`compare_books: ${path}: no "books" array\n`);
        process.exit(2);
    }
    return doc.books;
}

function sideMap(levels) {
    const m = new Map();
    for (const [p, q] of levels) m.set(normalise(String(p)), normalise(String(q)));
    return m;
}

function main() {
    const [aPath, bPath, ...rest] = process.argv.slice(2);
    if (!aPath || !bPath || rest.length) {
        process.stderr.write('usage: node compare_books.js CCXT.json REPLAY.json\n');
        process.exit(2);
    }
    const a = load(aPath);
    const b = load(bPath);
    const diffs = [];
    for (const ab of a) {
        const match = b.filter((x) => x.symbol === ab.symbol && (!ab.venue || !x.venue || x.venue === ab.venue));
        const tag = `${ab.venue ? ab.venue + ' ' : ''}${ab.symbol}`;
        if (match.length !== 1) {
            diffs.push(`${tag}: ${match.length} books of that name in ${bPath}`);
            continue;
        }
        for (const side of ['bids', 'asks']) {
            const x = sideMap(ab[side]);
            const y = sideMap(match[0][side]);
            let n = 0;
            const more = () => (++n <= 10);
            for (const [p, q] of x) {
                if (!y.has(p)) { if (more()) diffs.push(`${tag} ${side} ${p}: ${q} in ${aPath}, absent in ${bPath}`); }
                else if (y.get(p) !== q) { if (more()) diffs.push(`${tag} ${side} ${p}: ${q} in ${aPath}, ${y.get(p)} in ${bPath}`); }
            }
            for (const [p, q] of y) {
                if (!x.has(p) && more()) diffs.push(`${tag} ${side} ${p}: absent in ${aPath}, ${q} in ${bPath}`);
            }
            if (n > 10) diffs.push(`${tag} ${side}: ${n} differences in all (${x.size} vs ${y.size} levels)`);
        }
    }
    if (diffs.length) {
        process.stdout.write(diffs.join('\n') + '\n');
        process.exit(1);
    }
    process.stdout.write(`equal ${a.length} books\n`);
}

main();
