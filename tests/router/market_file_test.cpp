#include "router/consolidated.hpp"
#include "router/market_file.hpp"
#include "router/split.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

using namespace ballast;
using namespace ballast::router;

namespace {

const std::string data_dir = std::string(BALLAST_TEST_DATA_DIR) + "/router/";

std::string good_book(const std::string& extra = "") {
    return R"({"venue":"a","taker_fee_bps":10,"maker_fee_bps":"2","lot":"0.001","tick":"0.01",)"
           R"("min_notional":"5",)" +
           extra + R"("bids":[["99.99","1.5"],["99.98","2"]],"asks":[["100.01","1"]]})";
}

std::string market(const std::string& books) {
    return R"({"instrument":"X-Y","base":"X","quote":"Y","books":[)" + books + "]}";
}

std::string error_of(const std::string& json) {
    return parse_market(json).error;
}

} // namespace

TEST(MarketFile, ParsesBooksCostsAndBaseStep) {
    const auto r = parse_market(market(good_book() + "," +
                                       R"({"venue":"b","taker_fee_bps":"5.5","maker_fee_bps":0,)"
                                       R"("lot":"0.00001","tick":"0.1","cap":"0.5","stale":true,)"
                                       R"("bids":[["99.9","0.5"]],"asks":[["100.1","0.25"]]})"));
    ASSERT_TRUE(r.ok()) << r.error;
    const auto& m = r.market;
    EXPECT_EQ(m.base_step, (decimal_step{1, 5}));
    ASSERT_EQ(m.book_sources.size(), 2u);
    EXPECT_DOUBLE_EQ(m.book_sources[0].cost.taker_fee_bps, 10.0);
    EXPECT_DOUBLE_EQ(m.book_sources[0].cost.maker_fee_bps, 2.0);
    EXPECT_DOUBLE_EQ(m.book_sources[0].cost.min_notional_quote, 5.0);
    EXPECT_EQ(m.book_sources[0].book->best_bid().px.value(), 9999);
    EXPECT_EQ(m.book_sources[0].book->best_bid().sz.value(), 1500);
    EXPECT_EQ(m.book_sources[1].cost.cap_steps, 50000);
    EXPECT_FALSE(m.book_sources[1].cost.healthy);
    EXPECT_EQ(m.venue_name(m.book_sources[1].cost.venue), "b");
}

TEST(MarketFile, BadFilesNameTheField) {
    EXPECT_EQ(error_of(market(good_book(R"("colour":"red",)"))), "books[0].colour: unknown field");
    EXPECT_EQ(error_of(R"({"instrument":"X","base":"X","quote":"Y","extra":1,"books":[]})"),
              "extra: unknown field");
    EXPECT_EQ(error_of(market(R"({"venue":"a","maker_fee_bps":1,"lot":"1","tick":"1",)"
                              R"("bids":[],"asks":[]})")),
              "books[0].taker_fee_bps: missing");
    EXPECT_EQ(error_of(market(R"({"venue":"a","taker_fee_bps":1,"lot":"1","tick":"1",)"
                              R"("bids":[],"asks":[]})")),
              "books[0].maker_fee_bps: missing");
    EXPECT_EQ(error_of(market(R"({"venue":"a","taker_fee_bps":-1,"maker_fee_bps":1,"lot":"1",)"
                              R"("tick":"1","bids":[],"asks":[]})")),
              "books[0].taker_fee_bps: -1 is outside [0, 1000]");
    EXPECT_EQ(error_of(market(R"({"venue":"a","taker_fee_bps":1,"maker_fee_bps":1,"lot":"1",)"
                              R"("tick":"0.01","bids":[["1.00","-2"]],"asks":[]})")),
              "books[0].bids[0][1]: negative quantity \"-2\"");
    EXPECT_EQ(error_of(market(R"({"venue":"a","taker_fee_bps":1,"maker_fee_bps":1,"lot":"1",)"
                              R"("tick":"0.01","bids":[["1.01","2"]],"asks":[["1.00","1"]]})")),
              "books[0].bids: crossed book (best bid 1.01 >= best ask 1)");
    EXPECT_EQ(error_of(market(R"({"venue":"a","taker_fee_bps":1,"maker_fee_bps":1,"lot":"1",)"
                              R"("tick":"0.01","bids":[["1.001","2"]],"asks":[]})")),
              "books[0].bids[0][0]: more decimals than the instrument's step \"1.001\" (tick "
              "0.01)");
    EXPECT_EQ(error_of(market(R"({"venue":"a","taker_fee_bps":1,"maker_fee_bps":1,"lot":"1",)"
                              R"("tick":"0.01","bids":[["1.00"]],"asks":[]})")),
              "books[0].bids[0]: expected [\"price\", \"qty\"]");
    EXPECT_EQ(error_of(R"({"instrument":"X","base":"X","books":[]})"), "quote: missing");
    EXPECT_EQ(error_of(R"({"instrument":"X","base":"X","quote":"Y"})"),
              "books: no books and no pools");
    EXPECT_EQ(error_of("{").rfind("json: ", 0), 0u) << "malformed JSON is one 'json:' line";
}

TEST(MarketFile, PoolsUseTheDexStateAndTheirTokensMustBeBaseAndQuote) {
    const auto r = load_market(data_dir + "eth_usdc.json");
    ASSERT_TRUE(r.ok()) << r.error;
    const auto& m = r.market;
    ASSERT_EQ(m.pool_sources.size(), 2u);
    ASSERT_EQ(m.book_sources.size(), 3u);
    EXPECT_EQ(m.base_step, (decimal_step{1, 8}));
    // Both pools were re-centred on the books' mid: spot within 0.1% of it.
    const double bid = m.book_sources[0].book->best_bid().px.value() * 0.01;
    for (const auto& p : m.pool_sources) {
        EXPECT_NEAR(p.curve->spot_price() / bid, 1.0, 0.005);
        EXPECT_NE(p.exact, nullptr);
        EXPECT_GT(p.cost.gas_quote, 0.0);
    }
    const std::string pool =
        R"({"type":"uniswap_v2","address":"0x0000000000000000000000000000000000000001","token0":"USDC","token1":"DOGE","decimals0":6,)"
        R"("decimals1":18,"fee":3000,"reserve0":"1000000","reserve1":"1000000000000000000",)"
        R"("block":1,"venue":"u","gas_quote":"1"})";
    const auto bad = parse_market(
        R"({"instrument":"WETH-USDC","base":"WETH","quote":"USDC","pools":[)" + pool + "]}");
    EXPECT_EQ(bad.error, "pools[0].token0/token1: pool trades USDC/DOGE, not WETH/USDC");
    const auto no_gas = parse_market(
        R"({"instrument":"X","base":"DOGE","quote":"USDC","pools":[{"type":"uniswap_v2",)"
        R"("venue":"u","token0":"USDC","token1":"DOGE"}]})");
    EXPECT_EQ(no_gas.error, "pools[0].gas_quote: missing");
}

TEST(MarketFile, ExactPoolQuotesAgreeWithTheCurve) {
    const auto r = load_market(data_dir + "eth_usdc.json");
    ASSERT_TRUE(r.ok()) << r.error;
    for (const auto& p : r.market.pool_sources) {
        for (const std::int64_t steps : {100000000LL, 2500000000LL}) { // 1 and 25 WETH
            const double base = steps * 1e-8;
            const auto b = p.exact->quote_buy(steps, r.market.base_step);
            ASSERT_TRUE(b.ok());
            EXPECT_NEAR(b.quote / p.curve->quote_in_for_base_out(base), 1.0, 1e-6);
            const auto s = p.exact->quote_sell(steps, r.market.base_step);
            ASSERT_TRUE(s.ok());
            EXPECT_NEAR(s.quote / p.curve->quote_out_for_base_in(base), 1.0, 1e-6);
        }
    }
}

TEST(MarketFile, RealMarketsRouteBetterThanEveryBaseline) {
    for (const char* file : {"btc_usd.json", "eth_usdc.json"}) {
        const auto r = load_market(data_dir + file);
        ASSERT_TRUE(r.ok()) << r.error;
        const auto snap = r.market.snapshot();
        smart_router router;
        for (const side s : {side::bid, side::ask}) {
            for (const double base : {0.5, 5.0, 50.0}) {
                parent_order o;
                o.order_side = s;
                o.amount = base_qty(static_cast<std::int64_t>(base * 1e8));
                const auto& best = router.route(snap, o);
                const double best_cost =
                    s == side::bid ? best.total_cost_quote : -best.total_cost_quote;
                for (const auto m : {route_method::best_single_venue, route_method::equal_split,
                                     route_method::increments_5pct}) {
                    const auto& b = router.route(snap, o, m);
                    ASSERT_GE(best.filled.value(), b.filled.value()) << file << to_string(m);
                    if (best.filled == b.filled) {
                        const double c = s == side::bid ? b.total_cost_quote : -b.total_cost_quote;
                        EXPECT_LE(best_cost, c + 1e-9 * std::fabs(c))
                            << file << " " << to_string(m);
                    }
                }
            }
        }
    }
}

TEST(Consolidated, FeeAdjustedLadderWithVenuesAndPools) {
    const auto r = load_market(data_dir + "eth_usdc.json");
    ASSERT_TRUE(r.ok()) << r.error;
    consolidated_book c(4096, 10, 5.0);
    c.rebuild(r.market.snapshot());
    ASSERT_GT(c.depth(side::ask), 600u);
    ASSERT_GT(c.depth(side::bid), 600u);
    for (std::size_t i = 1; i < c.depth(side::ask); ++i) {
        ASSERT_LE(c.at(side::ask, i - 1).all_in_price, c.at(side::ask, i).all_in_price);
    }
    for (std::size_t i = 1; i < c.depth(side::bid); ++i) {
        ASSERT_GE(c.at(side::bid, i - 1).all_in_price, c.at(side::bid, i).all_in_price);
    }
    std::size_t pool_levels = 0;
    for (std::size_t i = 0; i < c.depth(side::ask); ++i) {
        const auto& l = c.at(side::ask, i);
        if (l.kind == source_kind::pool) {
            ++pool_levels;
            EXPECT_GT(l.all_in_price, l.price);
        } else {
            const double fee = r.market.book_sources[l.index].cost.taker_fee_rate();
            EXPECT_NEAR(l.all_in_price, l.price * (1 + fee), 1e-9);
        }
    }
    EXPECT_EQ(pool_levels, 20u);
    const auto best = c.best_ask();
    ASSERT_TRUE(best.has_value());
    EXPECT_EQ(best->all_in_price, c.at(side::ask, 0).all_in_price);
    EXPECT_FALSE(r.market.venue_name(best->venue).empty());
    EXPECT_EQ(c.dropped(), 0u);
}

namespace {

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string swap_once(std::string s, const std::string& from, const std::string& to) {
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return at == std::string::npos ? s : s.replace(at, from.size(), to);
}

} // namespace

TEST(MarketFile, NumbersHaveStatedRanges) {
    const auto book_with = [](const std::string& field, const std::string& value) {
        return error_of(market(R"({"venue":"a",")" + field + R"(":)" + value +
                               R"(,"taker_fee_bps":1,"maker_fee_bps":1,"lot":"1","tick":"1",)"
                               R"("bids":[],"asks":[]})"));
    };
    // (the first of a duplicated key would be refused first: give each once)
    EXPECT_EQ(error_of(market(R"({"venue":"a","taker_fee_bps":20000,"maker_fee_bps":1,"lot":"1",)"
                              R"("tick":"1","bids":[],"asks":[]})")),
              "books[0].taker_fee_bps: 20000 is outside [0, 1000]");
    EXPECT_EQ(error_of(market(R"({"venue":"a","taker_fee_bps":1e308,"maker_fee_bps":1,"lot":"1",)"
                              R"("tick":"1","bids":[],"asks":[]})")),
              "books[0].taker_fee_bps: 1e+308 is outside [0, 1000]");
    EXPECT_EQ(error_of(market(R"({"venue":"a","taker_fee_bps":1,"maker_fee_bps":"0x10","lot":"1",)"
                              R"("tick":"1","bids":[],"asks":[]})")),
              "books[0].maker_fee_bps: \"0x10\": not a decimal number");
    EXPECT_EQ(error_of(market(R"({"venue":"a","taker_fee_bps":"inf","maker_fee_bps":1,"lot":"1",)"
                              R"("tick":"1","bids":[],"asks":[]})")),
              "books[0].taker_fee_bps: \"inf\": not a decimal number");
    EXPECT_EQ(book_with("min_notional", "\"1e308\""),
              "books[0].min_notional: 1e+308 is outside [0, 1e+12]");
    EXPECT_EQ(book_with("min_notional", "-1"), "books[0].min_notional: -1 is outside [0, 1e+12]");
    const auto r = load_market(data_dir + "eth_usdc.json");
    ASSERT_TRUE(r.ok()) << r.error;
    const auto text = read_all(data_dir + "eth_usdc.json");
    EXPECT_EQ(
        parse_market(swap_once(text, R"("gas_quote": "3.0")", R"("gas_quote": "1e308")")).error,
        "pools[1].gas_quote: 1e+308 is outside [0, 1e+06]");
}

TEST(MarketFile, DuplicateVenuesPoolsAndKeysAreRefused) {
    EXPECT_EQ(error_of(market(good_book() + "," + good_book())),
              "books[1].venue: duplicate venue \"a\" (also books[0].venue)");
    EXPECT_EQ(error_of(market(R"({"venue":"a","venue":"b","taker_fee_bps":1,"maker_fee_bps":1,)"
                              R"("lot":"1","tick":"1","bids":[],"asks":[]})")),
              "json: books[0].venue: duplicate key");
    EXPECT_EQ(error_of(R"({"instrument":"X","instrument":"Y","base":"X","quote":"Y","books":[]})"),
              "json: instrument: duplicate key");
    const auto text = read_all(data_dir + "eth_usdc.json");
    // A pool named like a book.
    EXPECT_EQ(
        parse_market(swap_once(text, R"("venue": "uniswap_v2")", R"("venue": "bybit")")).error,
        "pools[1].venue: duplicate venue \"bybit\" (also books[0].venue)");
    // The same pool twice, under another venue name.
    const auto v2_start = text.rfind('{', text.rfind(R"("type": "uniswap_v2")"));
    const auto v2_end = text.find('}', v2_start) + 1;
    const std::string v2 = text.substr(v2_start, v2_end - v2_start);
    const auto twice = swap_once(
        text, v2, v2 + "," + swap_once(v2, R"("venue": "uniswap_v2")", R"("venue": "v2b")"));
    EXPECT_EQ(parse_market(twice).error,
              "pools[2].address: duplicate pool 0xb4e16d0168e52d35cacd2c6185b44281ec28c9dc (also "
              "pools[1])");
}

TEST(MarketFile, APoolWhosePriceContradictsTheBooksIsRefused) {
    const auto text = read_all(data_dir + "eth_usdc.json");
    // Decimals swapped: the pool reads WETH at ~1.9e-21 USDC.
    const auto decimals = swap_once(text, R"("decimals0": 6,
   "decimals1": 18,
   "fee": 3000,
   "reserve0")",
                                    R"("decimals0": 18,
   "decimals1": 6,
   "fee": 3000,
   "reserve0")");
    const auto d = parse_market(decimals).error;
    EXPECT_EQ(d.rfind("pools[1]: spot price ", 0), 0u) << d;
    EXPECT_NE(d.find(" contradicts the books' mid 19"), std::string::npos) << d;
    EXPECT_NE(d.find("(more than a factor 2 apart: check token0/token1, decimals0/decimals1 and "
                     "the reserves)"),
              std::string::npos)
        << d;
    // A reserve off by a factor 10 (and 3): refused at 10, kept at 1.5.
    const auto ten = parse_market(swap_once(text, R"("reserve0": "19213300000000")",
                                            R"("reserve0": "192133000000000")"))
                         .error;
    EXPECT_EQ(ten.rfind("pools[1]: spot price 1921", 0), 0u) << ten;
    EXPECT_NE(parse_market(swap_once(text, R"("reserve0": "19213300000000")",
                                     R"("reserve0": "57639900000000")"))
                  .error.find("contradicts"),
              std::string::npos);
    EXPECT_TRUE(parse_market(swap_once(text, R"("reserve0": "19213300000000")",
                                       R"("reserve0": "28819950000000")"))
                    .ok());
}

TEST(MarketFile, UnreadableFilesNameThePathAndTheCause) {
    EXPECT_EQ(load_market("/nonexistent/m.json").error,
              "/nonexistent/m.json: No such file or directory");
    EXPECT_EQ(load_market(data_dir).error, data_dir + ": is a directory");
    EXPECT_EQ(load_market("/dev/null").error, "/dev/null: empty file");
}
