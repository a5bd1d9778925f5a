// node --test ccxt_bybit_ws_test.js: ccxt pro trades with `ballast sim-venue --venue bybit
// --accounts` over Bybit's WebSocket order entry: createOrderWs on /v5/trade (auth signed by
// ccxt), watchOrders and watchMyTrades on /v5/private. The IOC's trades ccxt parses from the
// execution topic are the sim's own trades (ids, prices, amounts, fees); the order topic brings
// the order to closed; a resting order is canceled over the WebSocket; a wrong secret is
// refused at /v5/trade's auth (10004), which ccxt raises as AuthenticationError.
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
    getJson,
    pointAtSim,
    requireNode,
    startSimVenue,
    timeoutMs,
    waitFor,
    watchUntil,
    within
} = require('./sim_venue_process.js');

const data = path.join(__dirname, '..', 'data');

const key = 'bybitWsKey1';
const secret = 'bybit-ws-secret-1';
const symbol = 'BTC/USDT';

function makeExchange(ready, theSecret) {
    const ex = new ccxt.pro.bybit({
        apiKey : key,
        secret : theSecret,
        options : {fetchMarkets : {types : [ 'spot' ]}},
        timeout : timeoutMs,
    });
    const rest = new URL(ready.rest).origin;
    pointAtSim(ex, ex.urls.api, rest, rest.replace(/^http/, 'ws'));
    ex.has.fetchCurrencies = false;
    ex.httpAgent = new http.Agent();
    return ex;
}

const skipReason = ccxtSkipReason();

test(
    'bybit: ccxt pro createOrderWs, cancelOrderWs, watchOrders and watchMyTrades against sim-venue; a wrong secret is AuthenticationError',
    {skip : requireNode ? false : skipReason, timeout : 4 * timeoutMs}, async () => {
        assert.ok(!skipReason, `BALLAST_REQUIRE_NODE=1: ${skipReason}`);
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ccxt-bybit-ws-'));
        const accounts = path.join(tmp, 'accounts.toml');
        fs.writeFileSync(accounts,
                         [
                             '[[account]]', `api_key = "${key}"`, `secret = "${secret}"`,
                             'balances = { USDT = "1000000", BTC = "10" }', ''
                         ].join('\n'),
                         {mode : 0o600});
        const sim = startSimVenue(
            [
                '--venue', 'bybit', '--max-speed', '--accounts', accounts, '--capture',
                path.join(data, 'bybit', 'BYBIT.jsonl')
            ],
            timeoutMs);
        let ex = null;
        let bad = null;
        try {
            const ready = await sim.ready;
            assert.ok(ready.ws_trade && ready.ws_private, `ready line: ${JSON.stringify(ready)}`);
            ex = makeExchange(ready, secret);
            await ex.loadMarkets();
            const book = await ex.fetchOrderBook(symbol, 5);
            const ask = book.asks[0][0];
            const bid = book.bids[0][0];

            // Subscribed before trading (the sim's status lists the private topics), so the
            // IOC's pushes reach both watches.
            const trades =
                watchUntil(() => ex.watchMyTrades(symbol), (l) => l.length > 0, 'watchMyTrades');
            const orders = watchUntil(() => ex.watchOrders(symbol),
                                      (l) => l.some((o) => o.status === 'closed'), 'watchOrders');
            await waitFor(async () => {
                const st = await getJson(`${ready.rest}/ballast/status`);
                return st.connections.some((c) => c.path === '/v5/private' &&
                                                  c.subscriptions.includes('execution') &&
                                                  c.subscriptions.includes('order'));
            }, 'the private subscriptions');

            const ioc = await within(
                ex.createOrderWs(symbol, 'limit', 'buy', 0.01, ask, {timeInForce : 'IOC'}),
                'createOrderWs');
            assert.ok(ioc.id, `createOrderWs returned an id: ${JSON.stringify(ioc)}`);
            await trades;
            await orders;
            // The execution pushes come before the order's last push on the connection: once
            // the order is closed, ccxt's caches hold every trade of it.
            const mine = Array.from(ex.myTrades).filter((t) => t.order === ioc.id);
            const closed = Array.from(ex.orders).find((o) => o.id === ioc.id);
            assert.ok(closed && closed.status === 'closed',
                      `the IOC closed: ${JSON.stringify(closed)}`);
            assert.strictEqual(closed.filled, 0.01);

            // The execution topic's trades, as ccxt parses them, are the sim's own.
            const acct = await getJson(`${ready.rest}/ballast/account?api_key=${key}`);
            const venue = acct.trades.filter((t) => String(t.order_id) === ioc.id);
            assert.ok(venue.length > 0, 'the sim filled the IOC');
            const byId = (l) => [...l].sort((x, y) => (x.id < y.id ? -1 : 1));
            assert.deepStrictEqual(
                byId(mine).map(
                    (t) => [t.id, t.price, t.amount, t.fee.cost, t.fee.currency, t.takerOrMaker]),
                byId(venue.map((t) => ({...t, id : String(t.trade_id)})))
                    .map((t) => [t.id, Number(t.price), Number(t.qty), Number(t.fee), t.fee_asset,
                                 t.maker ? 'maker' : 'taker']));

            // A resting order, canceled over the WebSocket.
            const price = Number(ex.priceToPrecision(symbol, bid * 0.9));
            const rest = await within(ex.createOrderWs(symbol, 'limit', 'buy', 0.01, price),
                                      'createOrderWs (resting)');
            await within(ex.cancelOrderWs(rest.id, symbol), 'cancelOrderWs');
            await watchUntil(() => ex.watchOrders(symbol),
                             (l) => l.some((o) => o.id === rest.id && o.status === 'canceled'),
                             'watchOrders (canceled)');

            // A wrong secret: /v5/trade's auth answers 10004.
            bad = makeExchange(ready, 'not-the-secret');
            bad.markets = ex.markets;
            bad.marketsById = ex.marketsById;
            bad.symbols = ex.symbols;
            await assert.rejects(
                within(bad.createOrderWs(symbol, 'limit', 'buy', 0.01, price), 'wrong secret'),
                (e) => e instanceof ccxt.AuthenticationError);
        } finally {
            if (ex)
                await ex.close();
            if (bad)
                await bad.close();
            sim.child.kill();
            fs.rmSync(tmp, {recursive : true, force : true});
        }
    });
