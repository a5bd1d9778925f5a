// node --test ccxt_okx_ws_test.js: ccxt pro trades with `ballast sim-venue --venue okx
// --accounts` over OKX's private WebSocket (/ws/v5/private): login signed by ccxt, watchOrders
// on the orders channel, createOrderWs (ccxt sends batch-orders) and cancelOrderWs. The IOC is
// closed with the sim's own filled amount and fee; a resting order is canceled; a reused
// clientOrderId is InvalidOrder (51016); a wrong secret (60007) and a wrong passphrase (60024)
// are refused at login, which ccxt raises as AuthenticationError.
// The OKX capture's only full book is a coin-margined swap the sim does not trade: the case
// replays the same recorded frames with the instrument renamed UNI-USDT (spot, from an
// instrument file), as tests/exec/gateway_okx_sim_test.cpp does.
// The binary is $BALLAST or ../../build/tools/ballast. Without it, or without ccxt in
// node_modules, the case is skipped and says why, unless BALLAST_REQUIRE_NODE=1 (then it fails).
// Every wait is bounded.
'use strict';

const {test} = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const {
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
} = require('./sim_venue_process.js');

const data = path.join(__dirname, '..', 'data');

const key = 'okxWsKey1';
const secret = 'okx-ws-secret-1';
const passphrase = 'okx-ws-pass';
const symbol = 'UNI/USDT';

function makeExchange(ready, theSecret, thePassphrase) {
    const ex = new ccxt.pro.okx({
        apiKey : key,
        secret : theSecret,
        password : thePassphrase,
        options : {fetchMarkets : {types : [ 'spot' ]}},
        timeout : timeoutMs,
    });
    const rest = new URL(ready.rest).origin;
    pointAtSim(ex, ex.urls.api, rest, rest.replace(/^http/, 'ws'));
    ex.has.fetchCurrencies = false;
    ex.httpAgent = new http.Agent(); // ccxt refuses plain ws:// without one
    return ex;
}

const skipReason = ccxtSkipReason();

test(
    'okx: ccxt pro createOrderWs, cancelOrderWs and watchOrders against sim-venue; a wrong secret or passphrase is AuthenticationError',
    {skip : requireNode ? false : skipReason, timeout : 4 * timeoutMs}, async () => {
        assert.ok(!skipReason, `BALLAST_REQUIRE_NODE=1: ${skipReason}`);
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ccxt-okx-ws-'));
        const accounts = path.join(tmp, 'accounts.toml');
        fs.writeFileSync(accounts,
                         [
                             '[[account]]', `api_key = "${key}"`, `secret = "${secret}"`,
                             `passphrase = "${passphrase}"`,
                             'balances = { USDT = "1000000", UNI = "1000000" }', ''
                         ].join('\n'),
                         {mode : 0o600});
        const capture = path.join(tmp, 'okx-spot.txt');
        fs.writeFileSync(capture, fs.readFileSync(path.join(data, 'okx', 'OKX.ws.1.0.txt'), 'utf8')
                                      .split('UNI-USD-SWAP')
                                      .join('UNI-USDT'));
        const instruments = path.join(tmp, 'okx-spot.toml');
        fs.writeFileSync(instruments, [
            '[[instrument]]', 'venue = "okx"', 'symbol = "UNI-USDT"', 'kind = "spot"',
            'base = "UNI"', 'quote = "USDT"', 'tick = "0.001"', 'lot = "1"', ''
        ].join('\n'));
        const sim = startSimVenue(
            [
                '--venue', 'okx', '--max-speed', '--accounts', accounts, '--capture', capture,
                '--instruments', instruments
            ],
            timeoutMs);
        const opened = [];
        try {
            const ready = await sim.ready;
            assert.ok(ready.ws_private, `ready line: ${JSON.stringify(ready)}`);
            const ex = makeExchange(ready, secret, passphrase);
            opened.push(ex);
            await ex.loadMarkets();
            const book = await ex.fetchOrderBook(symbol, 5);
            const ask = book.asks[0][0];
            const bid = book.bids[0][0];

            // Logged in and subscribed before trading (the sim's status lists the topic).
            const orders = watchUntil(() => ex.watchOrders(symbol),
                                      (l) => l.some((o) => o.status === 'closed'), 'watchOrders');
            await waitFor(async () => {
                const st = await getJson(`${ready.rest}/ballast/status`);
                return st.connections.some((c) => c.path === '/ws/v5/private' &&
                                                  c.subscriptions.includes('orders'));
            }, 'the orders subscription');

            const ioc = await within(
                ex.createOrderWs(symbol, 'limit', 'buy', 3, ask, {timeInForce : 'IOC'}),
                'createOrderWs');
            assert.ok(ioc.id, `createOrderWs returned an id: ${JSON.stringify(ioc)}`);
            await orders;
            const closed = Array.from(ex.orders).find((o) => o.id === ioc.id);
            assert.ok(closed && closed.status === 'closed',
                      `the IOC closed: ${JSON.stringify(closed)}`);

            // The orders channel's fill and fee, as ccxt reads them, are the sim's own.
            const acct = await getJson(`${ready.rest}/ballast/account?api_key=${key}`);
            const venue = acct.trades.filter((t) => String(t.order_id) === ioc.id);
            assert.ok(venue.length > 0, 'the sim filled the IOC');
            const sum = (f) => venue.reduce((a, t) => a + Number(f(t)), 0);
            assert.strictEqual(closed.filled, sum((t) => t.qty));
            assert.strictEqual(closed.fee.currency, venue[0].fee_asset);
            assert.ok(Math.abs(closed.fee.cost - sum((t) => t.fee)) < 1e-12,
                      `fee ${JSON.stringify(closed.fee)} vs the sim's ${sum((t) => t.fee)}`);

            // A resting order, canceled over the WebSocket.
            const price = Number(ex.priceToPrecision(symbol, bid * 0.9));
            const rest = await within(
                ex.createOrderWs(symbol, 'limit', 'buy', 2, price, {clientOrderId : 'ccxtRest1'}),
                'createOrderWs (resting)');
            // Watching before the cancel: its push may come in the read that brings the reply.
            const canceled =
                watchUntil(() => ex.watchOrders(symbol),
                           (l) => l.some((o) => o.id === rest.id && o.status === 'canceled'),
                           'watchOrders (canceled)');
            await within(ex.cancelOrderWs(rest.id, symbol), 'cancelOrderWs');
            await canceled;

            // The same clientOrderId while the first such order is open: 51016.
            await within(
                ex.createOrderWs(symbol, 'limit', 'buy', 2, price, {clientOrderId : 'ccxtDup1'}),
                'createOrderWs (first of two)');
            await assert.rejects(within(ex.createOrderWs(symbol, 'limit', 'buy', 2, price,
                                                         {clientOrderId : 'ccxtDup1'}),
                                        'createOrderWs (duplicate)'),
                                 (e) =>
                                     e instanceof ccxt.InvalidOrder && e.message.includes('51016'));

            // A wrong secret (60007) or passphrase (60024): refused at login.
            for (const [s, p, code] of [[ 'not-the-secret', passphrase, '60007' ],
                                        [ secret, 'not-the-pass', '60024' ]]) {
                const bad = makeExchange(ready, s, p);
                opened.push(bad);
                bad.markets = ex.markets;
                bad.marketsById = ex.marketsById;
                bad.symbols = ex.symbols;
                await assert.rejects(within(bad.watchOrders(symbol), `wrong credentials ${code}`),
                                     (e) => e instanceof ccxt.AuthenticationError &&
                                            e.message.includes(code));
            }
        } finally {
            for (const e of opened)
                await e.close();
            sim.child.kill();
            fs.rmSync(tmp, {recursive : true, force : true});
        }
    });
