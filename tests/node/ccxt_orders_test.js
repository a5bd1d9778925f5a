// node --test ccxt_orders_test.js: ccxt trades with `ballast sim-venue --accounts` (the venue's
// private REST API, signed by ccxt itself): per venue, createOrder (limit IOC at the best ask,
// market), cancelOrder on a resting limit order and fetchOrder succeed with the test keys, and a
// wrong secret is refused with the venue's error, which ccxt raises as AuthenticationError.
// The binary is $BALLAST or ../../build/tools/ballast. Without it, or without ccxt in
// node_modules, every case is skipped and says why, unless BALLAST_REQUIRE_NODE=1 (then they
// fail). Every wait is bounded.
'use strict';

const {test} = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const {ccxt, ccxtSkipReason, requireNode, startSimVenue, timeoutMs, pointAtSim} =
    require('./sim_venue_process');

const data = path.join(__dirname, '..', 'data');

// symbol: ccxt's unified symbol of a spot instrument whose book the capture holds; fetchParams:
// what ccxt's fetchOrder needs (bybit warns that it sees only recent orders). The OKX capture
// holds no spot or linear book (only an inverse swap, which the sim does not trade): there,
// an authenticated call and the wrong secret only (trades: false).
const venues = [
    {
        sim : 'binance',
        ccxt : 'binance',
        symbol : 'NKN/USDT',
        base : 'NKN',
        quote : 'USDT',
        qty : 100,
        options : {fetchMarkets : {types : [ 'spot' ]}, fetchMargins : false},
        trades : true,
        fetchParams : {}
    },
    {
        sim : 'bybit',
        ccxt : 'bybit',
        symbol : 'BTC/USDT',
        base : 'BTC',
        quote : 'USDT',
        qty : 0.01,
        options : {fetchMarkets : {types : [ 'spot' ]}},
        trades : true,
        fetchParams : {acknowledged : true}
    },
    {
        sim : 'okx',
        ccxt : 'okx',
        symbol : 'UNI/USD:UNI',
        base : 'UNI',
        quote : 'USD',
        qty : 1,
        options : {fetchMarkets : {types : [ 'swap' ]}},
        trades : false,
        fetchParams : {}
    },
];

const secretOf = (v) => `${v.sim}-secret-1`;

function accountsToml(v) {
    return [
        '[[account]]',
        `api_key = "${v.sim}Key1"`,
        `secret = "${secretOf(v)}"`,
        `passphrase = "${v.sim}-pass"`,
        `balances = { ${v.quote} = "1000000", ${v.base} = "1000000" }`,
        '',
    ].join('\n');
}

function captures(venue) {
    const dir = path.join(data, venue);
    return fs.readdirSync(dir)
        .filter((f) => /\.(txt|jsonl)$/.test(f) && !/\.http\./.test(f))
        .map((f) => path.join(dir, f));
}

// Starts sim-venue on every capture of the venue; resolves with its ready line once played.
function startSim(v, accountsFile) {
    const args = [ '--venue', v.sim, '--max-speed', '--accounts', accountsFile ];
    for (const f of captures(v.sim))
        args.push('--capture', f);
    return startSimVenue(args, timeoutMs);
}

function makeExchange(v, ready, secret) {
    const ex = new ccxt[v.ccxt]({
        apiKey : `${v.sim}Key1`,
        secret,
        password : `${v.sim}-pass`,
        options : v.options,
        timeout : timeoutMs,
    });
    const origin = new URL(ready.rest).origin;
    pointAtSim(ex, ex.urls.api, origin, origin.replace(/^http/, 'ws'));
    ex.has.fetchCurrencies = false;
    ex.httpAgent = new http.Agent();
    return ex;
}

const skipReason = ccxtSkipReason();

for (const v of venues) {
    const skip = requireNode ? false : skipReason;
    test(
        `${v.sim}: ccxt createOrder, cancelOrder, fetchOrder against sim-venue; a wrong secret is AuthenticationError`,
        {skip, timeout : 3 * timeoutMs}, async () => {
            assert.ok(!skipReason, `BALLAST_REQUIRE_NODE=1: ${skipReason}`);
            const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ccxt-orders-'));
            const accounts = path.join(tmp, 'accounts.toml');
            fs.writeFileSync(accounts, accountsToml(v), {mode : 0o600});
            const sim = startSim(v, accounts);
            try {
                const ready = await sim.ready;
                const ex = makeExchange(v, ready, secretOf(v));
                await ex.loadMarkets();
                if (!v.trades) {
                    const balance = await ex.fetchBalance();
                    assert.strictEqual(balance.total[v.base], 1000000);
                    const bad = makeExchange(v, ready, 'not-the-secret');
                    await assert.rejects(bad.fetchBalance(),
                                         (e) => e instanceof ccxt.AuthenticationError);
                    return;
                }
                const book = await ex.fetchOrderBook(v.symbol, 5);
                assert.ok(book.asks.length > 0 && book.bids.length > 0, 'the sim has a book');
                const ask = book.asks[0][0];
                const bid = book.bids[0][0];

                // limit IOC at the best ask: fills (part or all) as taker
                const ioc = await ex.createOrder(v.symbol, 'limit', 'buy', v.qty, ask,
                                                 {timeInForce : 'IOC'});
                assert.ok(ioc.id, 'createOrder returned an id');
                const iocSeen = await ex.fetchOrder(ioc.id, v.symbol, v.fetchParams);
                assert.ok(iocSeen.filled > 0, `IOC filled ${iocSeen.filled}`);
                assert.ok([ 'closed', 'canceled', 'expired' ].includes(iocSeen.status),
                          `IOC status ${iocSeen.status}`);

                // market sell
                const mkt = await ex.createOrder(v.symbol, 'market', 'sell', v.qty);
                const mktSeen = await ex.fetchOrder(mkt.id, v.symbol, v.fetchParams);
                assert.strictEqual(mktSeen.status, 'closed');
                assert.strictEqual(mktSeen.filled, v.qty);

                // a resting limit order below the bid, then canceled
                const price = Number(ex.priceToPrecision(v.symbol, bid * 0.9));
                const rest = await ex.createOrder(v.symbol, 'limit', 'buy', v.qty, price);
                let seen = await ex.fetchOrder(rest.id, v.symbol, v.fetchParams);
                assert.strictEqual(seen.status, 'open');
                await ex.cancelOrder(rest.id, v.symbol);
                seen = await ex.fetchOrder(rest.id, v.symbol, v.fetchParams);
                assert.strictEqual(seen.status, 'canceled');

                // the account the sim keeps agrees
                const acct = await new Promise((resolve, reject) => {
                    http.get(`${ready.rest}/ballast/account?api_key=${v.sim}Key1`, (res) => {
                            let b = '';
                            res.on('data', (c) => { b += c; });
                            res.on('end', () => resolve(JSON.parse(b)));
                        }).on('error', reject);
                });
                assert.ok(acct.trades.length >= 2, 'the sim recorded the fills');
                assert.ok(Object.values(acct.new_order_requests).every((n) => n === 1),
                          'no client id sent twice');

                // a wrong secret
                const bad = makeExchange(v, ready, 'not-the-secret');
                bad.markets = ex.markets;
                bad.marketsById = ex.marketsById;
                bad.symbols = ex.symbols;
                await assert.rejects(bad.createOrder(v.symbol, 'limit', 'buy', v.qty, price),
                                     (e) => e instanceof ccxt.AuthenticationError);
            } finally {
                sim.child.kill();
                fs.rmSync(tmp, {recursive : true, force : true});
            }
        });
}
