#!/usr/bin/env python3
"""Builds the router's example market files from the shared recordings.

Books: the final state of Bybit spot and linear `orderbook.200` and Coinbase Advanced Trade
`level2` after replaying every snapshot and delta in tests/data/bybit/BYBIT.jsonl and
tests/data/coinbase/COINBASE_ADVANCED.jsonl (best 200 levels a side). Pools: the sample
states in tests/data/dex re-centred on the books' mid (see README.md). Run from the repo root:
    python3 tests/data/router/make_markets.py
"""
import json
import math
from decimal import Decimal, getcontext

getcontext().prec = 80
DEPTH = 200


def bybit_books(path):
    books = {}
    for line in open(path):
        rec = json.loads(line)
        if rec.get("t") != "recv":
            continue
        msg = json.loads(rec["data"])
        topic = msg.get("topic", "")
        if not topic.startswith("orderbook.200."):
            continue
        key = (rec["conn"], msg["data"]["s"])
        book = books.setdefault(key, {"b": {}, "a": {}})
        if msg["type"] == "snapshot":
            book["b"].clear()
            book["a"].clear()
        for side in ("b", "a"):
            for px, sz in msg["data"][side]:
                if Decimal(sz) == 0:
                    book[side].pop(px, None)
                else:
                    book[side][px] = sz
    return books


def coinbase_books(path):
    books = {}
    for line in open(path):
        rec = json.loads(line)
        if rec.get("t") != "recv":
            continue
        msg = json.loads(rec["data"])
        if msg.get("channel") != "l2_data":
            continue
        for ev in msg["events"]:
            book = books.setdefault(ev["product_id"], {"b": {}, "a": {}})
            if ev["type"] == "snapshot":
                book["b"].clear()
                book["a"].clear()
            for u in ev["updates"]:
                side = "b" if u["side"] == "bid" else "a"
                if Decimal(u["new_quantity"]) == 0:
                    book[side].pop(u["price_level"], None)
                else:
                    book[side][u["price_level"]] = u["new_quantity"]
    return books


def top(book):
    bids = sorted(book["b"].items(), key=lambda kv: -Decimal(kv[0]))[:DEPTH]
    asks = sorted(book["a"].items(), key=lambda kv: Decimal(kv[0]))[:DEPTH]
    return [[p, s] for p, s in bids], [[p, s] for p, s in asks]


def book_entry(venue, book, taker, maker, lot, tick, min_notional, cap=None):
    bids, asks = top(book)
    e = {"venue": venue, "taker_fee_bps": taker, "maker_fee_bps": maker, "lot": lot,
         "tick": tick, "min_notional": min_notional}
    if cap is not None:
        e["cap"] = cap
    e["bids"] = bids
    e["asks"] = asks
    return e


def mid_of(entries):
    bid = max(Decimal(e["bids"][0][0]) for e in entries)
    ask = min(Decimal(e["asks"][0][0]) for e in entries)
    return (bid + ask) / 2


def v2_pool(sample, base, quote, mid, venue, gas, cap=None):
    # token0 = quote (USDC, 6 decimals), token1 = base (WETH, 18): keep the sample's depth in
    # base and set the quote reserve so reserve0/reserve1 is the mid.
    p = json.load(open(sample))
    r1 = int(p["reserve1"])
    r0 = int(Decimal(r1) / Decimal(10) ** 18 * mid * Decimal(10) ** 6)
    out = {"type": "uniswap_v2", "address": p["address"], "token0": quote, "token1": base,
           "decimals0": p["decimals0"], "decimals1": p["decimals1"], "fee": p["fee"],
           "reserve0": str(r0), "reserve1": str(r1), "block": p["block"],
           "venue": venue, "gas_quote": gas}
    if cap is not None:
        out["cap"] = cap
    return out


def sqrt_ratio_at_tick(tick):
    # TickMath.getSqrtRatioAtTick, bit for bit (Uniswap v3-core).
    abs_tick = abs(tick)
    ratio = 0xfffcb933bd6fad37aa2d162d1a594001 if abs_tick & 0x1 else 0x100000000000000000000000000000000
    consts = [0xfff97272373d413259a46990580e213a, 0xfff2e50f5f656932ef12357cf3c7fdcc,
              0xffe5caca7e10e4e61c3624eaa0941cd0, 0xffcb9843d60f6159c9db58835c926644,
              0xff973b41fa98c081472e6896dfb254c0, 0xff2ea16466c96a3843ec78b326b52861,
              0xfe5dee046a99a2a811c461f1969c3053, 0xfcbe86c7900a88aedcffc83b479aa3a4,
              0xf987a7253ac413176f2b074cf7815e54, 0xf3392b0822b70005940c7a398e4b70f3,
              0xe7159475a2c29b7443b29c7fa6e889d9, 0xd097f3bdfd2022b8845ad8f792aa5825,
              0xa9f746462d870fdf8a65dc1f90e061e5, 0x70d869a156d2a1b890bb3df62baf32f7,
              0x31be135f97d08fd981231505542fcfa6, 0x9aa508b5b7a84e1c677de54f3e99bc9,
              0x5d6af8dedb81196699c329225ee604, 0x2216e584f5fa1ea926041bedfe98,
              0x48a170391f7dc42444e8fa2]
    for i, c in enumerate(consts):
        if abs_tick & (1 << (i + 1)):
            ratio = (ratio * c) >> 128
    if tick > 0:
        ratio = ((1 << 256) - 1) // ratio
    return (ratio >> 32) + (0 if ratio % (1 << 32) == 0 else 1)


def v3_pool(sample, base, quote, mid, venue, gas, cap=None):
    # Shift every tick by a multiple of the spacing so the price lands on the mid; the
    # liquidity profile (active liquidity, liquidity_net) is the sample's.
    p = json.load(open(sample))
    spacing = p["tick_spacing"]
    # raw price token1/token0 = base raw per quote raw = 10^(18-6) / mid
    raw = Decimal(10) ** (p["decimals1"] - p["decimals0"]) / mid
    target = int(math.floor(math.log(float(raw)) / math.log(1.0001)))
    shift = (target - p["tick"]) // spacing * spacing
    tick = p["tick"] + shift
    lo = sqrt_ratio_at_tick(tick)
    hi = sqrt_ratio_at_tick(tick + 1)
    want = int((raw.sqrt() * (Decimal(2) ** 96)).to_integral_value())
    sqrt_price = min(max(want, lo), hi - 1)
    ticks = []
    for t in p["ticks"]:
        idx = t["index"]
        if idx not in (-887270, 887270):
            idx += shift
        ticks.append({"index": idx, "liquidity_net": t["liquidity_net"]})
    out = {"type": "uniswap_v3", "address": p["address"], "token0": quote, "token1": base,
           "decimals0": p["decimals0"], "decimals1": p["decimals1"], "fee": p["fee"],
           "tick_spacing": spacing, "sqrt_price_x96": str(sqrt_price),
           "liquidity": p["liquidity"], "tick": tick, "ticks": ticks, "block": p["block"],
           "venue": venue, "gas_quote": gas}
    if cap is not None:
        out["cap"] = cap
    return out


def main():
    by = bybit_books("tests/data/bybit/BYBIT.jsonl")
    cb = coinbase_books("tests/data/coinbase/COINBASE_ADVANCED.jsonl")
    spot, linear = "BYBIT.ws.3", "BYBIT.ws.2"
    btc = [
        book_entry("bybit", by[(spot, "BTCUSDT")], 10, 10, "0.000001", "0.01", "5"),
        book_entry("bybit_perp", by[(linear, "BTCUSDT")], 5.5, 2, "0.001", "0.1", "5"),
        book_entry("coinbase", cb["BTC-USD"], 60, 40, "0.00000001", "0.01", "1"),
    ]
    market = {"instrument": "BTC-USD", "base": "BTC", "quote": "USD", "books": btc, "pools": []}
    json.dump(market, open("tests/data/router/btc_usd.json", "w"), indent=1)

    eth = [
        book_entry("bybit", by[(spot, "ETHUSDT")], 10, 10, "0.00001", "0.01", "5"),
        book_entry("bybit_perp", by[(linear, "ETHUSDT")], 5.5, 2, "0.01", "0.01", "5"),
        book_entry("coinbase", cb["ETH-USD"], 60, 40, "0.00000001", "0.01", "1"),
    ]
    mid = mid_of(eth)
    pools = [
        v3_pool("tests/data/dex/usdc_weth_500_v3.json", "WETH", "USDC", mid, "uniswap_v3_005",
                "4.5"),
        v2_pool("tests/data/dex/usdc_weth_v2.json", "WETH", "USDC", mid, "uniswap_v2", "3.0"),
    ]
    market = {"instrument": "WETH-USDC", "base": "WETH", "quote": "USDC", "books": eth,
              "pools": pools}
    json.dump(market, open("tests/data/router/eth_usdc.json", "w"), indent=1)


if __name__ == "__main__":
    main()
