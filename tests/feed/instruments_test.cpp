// Instrument lists from the venues' own replies: each loader on its venue's documented example
// (tests/data/<venue>/*_docs_example.json), the reply files beside the recordings, the entry
// point's venue/URL/shape dispatch, and malformed replies (error text names source, venue, field,
// value and reason; the registry is left untouched).
#include "feed/instruments.hpp"
#include "feed_test_util.hpp"

#include <gtest/gtest.h>

#include <fstream>

using namespace ballast;
using namespace ballast::feed;
using namespace ballast::test;

namespace {

const instrument_spec& spec(const instrument_registry& r, std::string_view venue,
                            std::string_view symbol) {
    const auto* s = r.find(venue, symbol);
    EXPECT_NE(s, nullptr) << venue << " " << symbol;
    static const instrument_spec none{};
    return s != nullptr ? *s : none;
}

instrument_registry from_file(std::string_view rel) {
    instrument_registry r;
    const auto err = load_instrument_file(data_path(rel), r);
    EXPECT_FALSE(err) << *err;
    return r;
}

constexpr decimal_step step(std::int64_t m, int e) {
    return {m, e};
}

TEST(InstrumentReplies, BinanceSpotDocsExample) {
    const auto r = from_file("binance/exchangeInfo_docs_example.json");
    const auto& s = spec(r, "binance", "ETHBTC");
    EXPECT_EQ(s.kind, instrument_kind::spot);
    EXPECT_EQ(s.base, "ETH");
    EXPECT_EQ(s.quote, "BTC");
    EXPECT_EQ(s.settle, "BTC");
    EXPECT_EQ(s.tick, step(1, 6));
    EXPECT_EQ(s.lot, step(1, 3));
    EXPECT_DOUBLE_EQ(s.min_notional, 10.0);
}

TEST(InstrumentReplies, BinanceUsdmDocsExample) {
    const auto r = from_file("binance_usdm/exchangeInfo_docs_example.json");
    const auto& s = spec(r, "binance_usdm", "BLZUSDT");
    EXPECT_EQ(s.kind, instrument_kind::linear_perp);
    EXPECT_EQ(s.base, "BLZ");
    EXPECT_EQ(s.settle, "USDT");
    EXPECT_EQ(s.tick, step(1, 4));
    EXPECT_EQ(s.lot, step(1, 0));
    EXPECT_DOUBLE_EQ(s.min_notional, 5.0);
    EXPECT_EQ(s.expiry.ns, 0);
}

TEST(InstrumentReplies, BinanceUsdmDatedContractIsAFutureWithItsDeliveryDate) {
    instrument_registry r;
    const auto err = load_instrument_reply(
        "binance_usdm", "https://fapi.binance.com/fapi/v1/exchangeInfo",
        R"({"symbols":[{"symbol":"BTCUSDT_250926","status":"TRADING","contractType":)"
        R"("CURRENT_QUARTER","deliveryDate":1758873600000,"baseAsset":"BTC","quoteAsset":"USDT",)"
        R"("marginAsset":"USDT","filters":[{"filterType":"PRICE_FILTER","tickSize":"0.1"},)"
        R"({"filterType":"LOT_SIZE","stepSize":"0.001"}]},{"symbol":"OLDUSDT","status":"SETTLING",)"
        R"("contractType":"","deliveryDate":0,"baseAsset":"OLD","quoteAsset":"USDT","marginAsset":)"
        R"("USDT","filters":[{"filterType":"PRICE_FILTER","tickSize":"0.1"},{"filterType":)"
        R"("LOT_SIZE","stepSize":"1"}]}]})",
        r);
    ASSERT_FALSE(err) << *err;
    const auto& s = spec(r, "binance_usdm", "BTCUSDT_250926");
    EXPECT_EQ(s.kind, instrument_kind::linear_future);
    EXPECT_EQ(s.expiry.ns, 1758873600000LL * 1'000'000);
    EXPECT_EQ(r.find("binance_usdm", "OLDUSDT"), nullptr); // settled: no book to follow
}

TEST(InstrumentReplies, OkxDocsExample) {
    const auto r = from_file("okx/instruments_docs_example.json");
    const auto& s = spec(r, "okx", "BTC-USDT-SWAP");
    EXPECT_EQ(s.kind, instrument_kind::linear_perp);
    EXPECT_EQ(s.base, "BTC");
    EXPECT_EQ(s.quote, "USDT");
    EXPECT_EQ(s.settle, "USDT");
    EXPECT_EQ(s.tick, step(1, 1));
    EXPECT_EQ(s.lot, step(1, 2));
    EXPECT_DOUBLE_EQ(s.contract_size, 0.01);
}

TEST(InstrumentReplies, OkxEveryInstrumentType) {
    instrument_registry r;
    const auto err = load_instrument_reply(
        "okx", "https://www.okx.com/api/v5/public/instruments?instType=SWAP",
        R"({"code":"0","msg":"","data":[)"
        R"({"instType":"SPOT","instId":"ETH-USDC","baseCcy":"ETH","quoteCcy":"USDC",)"
        R"("tickSz":"0.01","lotSz":"0.000001","state":"live"},)"
        R"({"instType":"SWAP","instId":"BTC-USD-SWAP","uly":"BTC-USD","instFamily":"BTC-USD",)"
        R"("settleCcy":"BTC","ctVal":"100","ctValCcy":"USD","ctType":"inverse","tickSz":"0.1",)"
        R"("lotSz":"1","expTime":""},)"
        R"({"instType":"FUTURES","instId":"BTC-USDT-250926","instFamily":"BTC-USDT",)"
        R"("settleCcy":"USDT","ctVal":"0.01","ctValCcy":"BTC","ctType":"linear","tickSz":"0.1",)"
        R"("lotSz":"1","expTime":"1758873600000"},)"
        R"({"instType":"OPTION","instId":"BTC-USD-250926-60000-C","uly":"BTC-USD","settleCcy":)"
        R"("BTC","ctVal":"0.01","ctValCcy":"BTC","ctType":"","optType":"C","stk":"60000",)"
        R"("tickSz":"0.0005","lotSz":"1","expTime":"1758873600000"},)"
        R"({"instType":"MARGIN","instId":"ETH-USDC","baseCcy":"ETH","quoteCcy":"USDC",)"
        R"("tickSz":"0.01","lotSz":"0.000001"}]})",
        r);
    ASSERT_FALSE(err) << *err;
    EXPECT_EQ(r.size(), 4u);
    EXPECT_EQ(spec(r, "okx", "ETH-USDC").lot, step(1, 6));
    const auto& inv = spec(r, "okx", "BTC-USD-SWAP");
    EXPECT_EQ(inv.kind, instrument_kind::inverse_perp);
    EXPECT_DOUBLE_EQ(inv.contract_size, 100.0); // the USD face
    EXPECT_EQ(inv.settle, "BTC");
    const auto& fut = spec(r, "okx", "BTC-USDT-250926");
    EXPECT_EQ(fut.kind, instrument_kind::linear_future);
    EXPECT_EQ(fut.expiry.ns, 1758873600000LL * 1'000'000);
    const auto& opt = spec(r, "okx", "BTC-USD-250926-60000-C");
    EXPECT_EQ(opt.kind, instrument_kind::option);
    EXPECT_EQ(opt.right, option_right::call);
    EXPECT_DOUBLE_EQ(opt.strike, 60000.0);
    EXPECT_EQ(opt.tick, step(5, 4));
}

TEST(InstrumentReplies, BybitDocsExamples) {
    const auto linear = from_file("bybit/instruments_info_linear_docs_example.json");
    const auto& l = spec(linear, "bybit_linear", "BTCUSDT");
    EXPECT_EQ(l.kind, instrument_kind::linear_perp);
    EXPECT_EQ(l.tick, step(1, 1));
    EXPECT_EQ(l.lot, step(1, 3));
    EXPECT_DOUBLE_EQ(l.min_notional, 5.0);
    EXPECT_EQ(l.settle, "USDT");
    const auto spot = from_file("bybit/instruments_info_spot_docs_example.json");
    const auto& s = spec(spot, "bybit_spot", "BTCUSDT");
    EXPECT_EQ(s.kind, instrument_kind::spot);
    EXPECT_EQ(s.tick, step(1, 1));
    EXPECT_EQ(s.lot, step(1, 6));
    EXPECT_DOUBLE_EQ(s.min_notional, 5.0);
    // Options load without error and add nothing: no Ballast decoder follows them.
    EXPECT_EQ(from_file("bybit/instruments_info_option_docs_example.json").size(), 0u);
}

TEST(InstrumentReplies, BybitInverseGoesToItsOwnVenue) {
    instrument_registry r;
    const auto err = load_instrument_reply(
        "", "https://api.bybit.com/v5/market/instruments-info?category=inverse",
        R"({"retCode":0,"retMsg":"OK","result":{"category":"inverse","list":[{"symbol":)"
        R"("BTCUSD","contractType":"InversePerpetual","status":"Trading","baseCoin":"BTC",)"
        R"("quoteCoin":"USD","settleCoin":"BTC","priceFilter":{"tickSize":"0.50"},)"
        R"("lotSizeFilter":{"qtyStep":"1"}}]}})",
        r);
    ASSERT_FALSE(err) << *err;
    const auto& s = spec(r, "bybit_inverse", "BTCUSD");
    EXPECT_EQ(s.kind, instrument_kind::inverse_perp);
    EXPECT_EQ(s.tick, step(5, 1));
    EXPECT_EQ(s.settle, "BTC");
}

TEST(InstrumentReplies, CoinbaseDocsExamples) {
    const auto adv = from_file("coinbase/products_docs_example.json");
    const auto& a = spec(adv, "coinbase", "BTC-USD");
    EXPECT_EQ(a.tick, step(1, 8)); // price_increment
    EXPECT_EQ(a.lot, step(1, 8));
    EXPECT_EQ(a.base, "BTC");
    EXPECT_EQ(a.quote, "USD");
    const auto ex = from_file("coinbase_exchange/products_docs_example.json");
    const auto& e = spec(ex, "coinbase_exchange", "BTC-USD");
    EXPECT_EQ(e.tick, step(1, 2));
    EXPECT_EQ(e.lot, step(1, 8));
    EXPECT_DOUBLE_EQ(e.min_notional, 10.0);
}

TEST(InstrumentReplies, KrakenAndDeribitThroughTheEntryPoint) {
    instrument_registry r;
    auto err = load_instrument_reply(
        "kraken", "https://api.kraken.com/0/public/AssetPairs",
        R"({"error":[],"result":{"XETHZUSD":{"altname":"ETHUSD","wsname":"ETH/USD",)"
        R"("pair_decimals":2,"lot_decimals":8,"costmin":"0.5"},"XETHZUSD.d":{"altname":"x"}}})",
        r);
    ASSERT_FALSE(err) << *err;
    EXPECT_EQ(spec(r, "kraken", "ETH/USD").tick, step(1, 2));
    EXPECT_EQ(spec(r, "kraken_v2", "ETH/USD").lot, step(1, 8));
    EXPECT_DOUBLE_EQ(spec(r, "kraken", "ETH/USD").min_notional, 0.5);
    err = load_instrument_reply(
        "deribit", "https://www.deribit.com/api/v2/public/get_instruments?currency=ETH",
        R"({"jsonrpc":"2.0","result":[{"tick_size":5e-05,"min_trade_amount":1,"kind":"future",)"
        R"("settlement_period":"perpetual","instrument_name":"ETH-PERPETUAL",)"
        R"("expiration_timestamp":32503708800000,"contract_size":1.0,"base_currency":"ETH",)"
        R"("quote_currency":"USD"}]})",
        r);
    ASSERT_FALSE(err) << *err;
    EXPECT_EQ(spec(r, "deribit", "ETH-PERPETUAL").tick, step(5, 5));
    EXPECT_EQ(spec(r, "deribit", "ETH-PERPETUAL").kind, instrument_kind::inverse_perp);
}

// The replies beside the recordings that have no recorded instrument list, constructed in the
// venues' formats from their published filters (tests/data/README.md).
TEST(InstrumentReplies, FilesBesideTheRecordings) {
    const auto b = from_file("binance/BINANCE.instruments.json");
    EXPECT_EQ(spec(b, "binance", "NKNUSDT").tick, step(1, 5));
    EXPECT_EQ(spec(b, "binance", "NKNUSDT").lot, step(1, 1));
    EXPECT_DOUBLE_EQ(spec(b, "binance", "NKNUSDT").min_notional, 10.0);
    const auto u = from_file("binance_usdm/BINANCE_FUTURES.instruments.json");
    EXPECT_EQ(spec(u, "binance_usdm", "SUSHIUSDT").tick, step(1, 3));
    EXPECT_EQ(spec(u, "binance_usdm", "SUSHIUSDT").kind, instrument_kind::linear_perp);
    const auto o = from_file("okx/OKX.instruments.json");
    const auto& uni = spec(o, "okx", "UNI-USD-SWAP");
    EXPECT_EQ(uni.kind, instrument_kind::inverse_perp);
    EXPECT_DOUBLE_EQ(uni.contract_size, 10.0);
    EXPECT_EQ(uni.tick, step(1, 3));
    EXPECT_EQ(uni.base, "UNI");
    EXPECT_EQ(uni.quote, "USD");
    const auto c = from_file("coinbase_exchange/COINBASE.instruments.json");
    EXPECT_EQ(spec(c, "coinbase_exchange", "NU-GBP").lot, step(1, 6));
    EXPECT_EQ(spec(c, "coinbase_exchange", "SKL-USD").tick, step(1, 5));
    // The recorded lists keep loading: every reply of the file.
    const auto k = from_file("kraken/KRAKEN.0.txt");
    EXPECT_EQ(spec(k, "kraken", "XBT/CHF").tick, step(1, 1));
    const auto d = from_file("deribit/DERIBIT.0.txt");
    EXPECT_EQ(spec(d, "deribit", "BTC-PERPETUAL").kind, instrument_kind::inverse_perp);
    EXPECT_EQ(spec(d, "deribit", "ETH-PERPETUAL").kind, instrument_kind::inverse_perp);
    // The recorded subsets keep loading.
    const auto by = from_file("bybit/BYBIT_instruments_subset.json");
    EXPECT_EQ(spec(by, "bybit_spot", "ETHUSDT").lot, step(1, 5));
    const auto cb = from_file("coinbase/COINBASE_instruments_subset.json");
    EXPECT_EQ(spec(cb, "coinbase", "BTC-USD").tick, step(1, 2));
}

TEST(InstrumentReplies, RecordedReplyLinesAndBodyShapeDetection) {
    const std::string path = ::testing::TempDir() + "/okx_reply_lines.txt";
    {
        std::ifstream in(data_path("okx/instruments_docs_example.json"));
        std::string body((std::istreambuf_iterator<char>(in)), {});
        std::erase(body, '\n');
        std::ofstream(path) << "https://www.okx.com/api/v5/public/instruments?instType=SWAP -> "
                               "1652459224.1: "
                            << body << "\n";
    }
    instrument_registry r;
    ASSERT_FALSE(load_instrument_file(path, r));
    EXPECT_EQ(spec(r, "okx", "BTC-USDT-SWAP").lot, step(1, 2));
    // No venue, no URL: the body's shape tells the venue.
    instrument_registry shape;
    ASSERT_FALSE(load_instrument_reply("", "", R"({"code":"0","data":[]})", shape));
    EXPECT_FALSE(load_instrument_reply(
        "", "",
        R"([{"id":"A-B","base_currency":"A","quote_currency":"B","quote_increment":"0.1",)"
        R"("base_increment":"1"}])",
        shape));
    EXPECT_EQ(spec(shape, "coinbase_exchange", "A-B").tick, step(1, 1));
}

struct bad_reply {
    std::string_view name;
    std::string_view venue;
    std::string_view url;
    std::string body;
    std::string_view error; ///< part of the error line
};

TEST(InstrumentReplies, MalformedRepliesNameFieldValueAndReasonAndAddNothing) {
    const std::string binance_ok =
        R"({"symbol":"AB","status":"TRADING","baseAsset":"A","quoteAsset":"B","filters":[)"
        R"({"filterType":"PRICE_FILTER","tickSize":"0.01"},{"filterType":"LOT_SIZE","stepSize":"1"}]})";
    const std::string binance_url = "https://api.binance.com/api/v3/exchangeInfo";
    const std::string okx_url = "https://www.okx.com/api/v5/public/instruments?instType=SWAP";
    const std::string bybit_url = "https://api.bybit.com/v5/market/instruments-info?category=spot";
    const std::string cb_url = "https://api.coinbase.com/api/v3/brokerage/market/products";
    const std::string cbe_url = "https://api.exchange.coinbase.com/products";
    const std::string kraken_url = "https://api.kraken.com/0/public/AssetPairs";
    const std::string deribit_url = "https://www.deribit.com/api/v2/public/get_instruments";
    const std::string okx_swap =
        R"("instType":"SWAP","instId":"X-USD-SWAP","uly":"X-USD","settleCcy":"X",)"
        R"("ctType":"inverse","tickSz":"0.1","lotSz":"1")";
    const bad_reply cases[] = {
        {"binance not JSON", "binance", binance_url, "{\"symbols\":[", "binance: body"},
        {"binance missing tickSize", "binance", binance_url,
         R"({"symbols":[{"symbol":"AB","status":"TRADING","baseAsset":"A","quoteAsset":"B",)"
         R"("filters":[{"filterType":"PRICE_FILTER"},{"filterType":"LOT_SIZE","stepSize":"1"}]}]})",
         "binance AB: PRICE_FILTER.tickSize: missing"},
        {"binance tickSize a number", "binance", binance_url,
         R"({"symbols":[{"symbol":"AB","status":"TRADING","baseAsset":"A","quoteAsset":"B",)"
         R"("filters":[{"filterType":"PRICE_FILTER","tickSize":0.01}]}]})",
         "binance AB: PRICE_FILTER.tickSize \"0.01\": expected a decimal string"},
        {"binance bad stepSize", "binance", binance_url,
         R"({"symbols":[{"symbol":"AB","status":"TRADING","baseAsset":"A","quoteAsset":"B",)"
         R"("filters":[{"filterType":"LOT_SIZE","stepSize":"1..0"}]}]})",
         "binance AB: LOT_SIZE.stepSize \"1..0\": expected a positive decimal string"},
        {"binance zero tick", "binance", binance_url,
         R"({"symbols":[{"symbol":"AB","status":"TRADING","baseAsset":"A","quoteAsset":"B",)"
         R"("filters":[{"filterType":"PRICE_FILTER","tickSize":"0.000"}]}]})",
         "PRICE_FILTER.tickSize \"0.000\": expected a positive decimal string"},
        {"binance no LOT_SIZE", "binance", binance_url,
         R"({"symbols":[{"symbol":"AB","status":"TRADING","baseAsset":"A","quoteAsset":"B",)"
         R"("filters":[{"filterType":"PRICE_FILTER","tickSize":"0.1"}]}]})",
         "binance AB: filters.LOT_SIZE: missing"},
        {"binance symbols not an array", "binance", binance_url, R"({"symbols":{}})",
         "binance: symbols \"{}\": expected an array"},
        {"binance symbol missing", "binance", binance_url, R"({"symbols":[{"status":"TRADING"}]})",
         "binance: symbol: missing"},
        {"usdm missing contractType", "binance_usdm", "", "{\"symbols\":[" + binance_ok + "]}",
         "binance_usdm AB: contractType: missing"},
        {"okx error code", "okx", okx_url, R"({"code":"51001","msg":"no such","data":[]})",
         "okx: code \"51001\": the venue reported an error: no such"},
        {"okx data not an array", "okx", okx_url, R"({"code":"0","data":"x"})",
         "okx: data \"\"x\"\": expected an array"},
        {"okx missing ctVal", "okx", okx_url, "{\"code\":\"0\",\"data\":[{" + okx_swap + "}]}",
         "okx X-USD-SWAP: ctVal: missing"},
        {"okx bad ctVal", "okx", okx_url,
         "{\"code\":\"0\",\"data\":[{" + okx_swap + ",\"ctVal\":\"-10\"}]}",
         "okx X-USD-SWAP: ctVal \"-10\": expected a positive decimal string"},
        {"okx bad ctType", "okx", okx_url,
         R"({"code":"0","data":[{"instType":"SWAP","instId":"X-USD-SWAP","uly":"X-USD",)"
         R"("settleCcy":"X","ctType":"sideways","ctVal":"1","tickSz":"0.1","lotSz":"1"}]})",
         "okx X-USD-SWAP: ctType \"sideways\": expected linear or inverse"},
        {"okx tickSz a number", "okx", okx_url,
         R"({"code":"0","data":[{"instType":"SPOT","instId":"A-B","tickSz":0.1}]})",
         "okx A-B: tickSz \"0.1\": expected a string"},
        {"bybit error", "bybit_spot", bybit_url,
         R"({"retCode":10001,"retMsg":"params error","result":{}})",
         "bybit: retCode \"10001\": the venue reported an error: params error"},
        {"bybit missing priceFilter", "bybit_spot", bybit_url,
         R"({"retCode":0,"result":{"category":"spot","list":[{"symbol":"AB","baseCoin":"A",)"
         R"("quoteCoin":"B","lotSizeFilter":{"basePrecision":"0.1"}}]}})",
         "bybit_spot AB: priceFilter: missing"},
        {"bybit bad basePrecision", "bybit_spot", bybit_url,
         R"({"retCode":0,"result":{"category":"spot","list":[{"symbol":"AB","baseCoin":"A",)"
         R"("quoteCoin":"B","priceFilter":{"tickSize":"0.1"},"lotSizeFilter":{"basePrecision":)"
         R"("abc"}}]}})",
         "bybit_spot AB: lotSizeFilter.basePrecision \"abc\": expected a positive decimal"},
        {"bybit unknown category", "bybit_spot", bybit_url,
         R"({"retCode":0,"result":{"category":"margin","list":[]}})",
         "bybit: result.category \"margin\": expected spot, linear, inverse or option"},
        {"coinbase products missing", "coinbase", cb_url, R"({"num_products":0})",
         "coinbase: products: missing"},
        {"coinbase bad base_increment", "coinbase", cb_url,
         R"({"products":[{"product_id":"A-B","price_increment":"0.01","base_increment":"x"}]})",
         "coinbase A-B: base_increment \"x\": expected a positive decimal string"},
        {"coinbase exchange not an array", "coinbase_exchange", cbe_url, R"({"id":"A-B"})",
         "coinbase_exchange: products"},
        {"coinbase exchange quote_increment missing", "coinbase_exchange", cbe_url,
         R"([{"id":"A-B","base_currency":"A","quote_currency":"B","base_increment":"1"}])",
         "coinbase_exchange A-B: quote_increment: missing"},
        {"kraken error", "kraken", kraken_url, R"({"error":["EGeneral:Invalid"],"result":{}})",
         "kraken: error \"[\"EGeneral:Invalid\"]\": the venue reported an error"},
        {"kraken decimals out of range", "kraken", kraken_url,
         R"({"error":[],"result":{"AB":{"wsname":"A/B","pair_decimals":40,"lot_decimals":8}}})",
         "kraken A/B: pair_decimals \"40\": expected 0 to 18 decimals"},
        {"kraken decimals a string", "kraken", kraken_url,
         R"({"error":[],"result":{"AB":{"wsname":"A/B","pair_decimals":"2","lot_decimals":8}}})",
         "kraken A/B: pair_decimals \"\"2\"\": expected an integer"},
        {"deribit tick_size a string", "deribit", deribit_url,
         R"({"result":[{"instrument_name":"X","kind":"future","tick_size":"0.5"}]})",
         "deribit X: tick_size \"\"0.5\"\": expected a positive decimal number"},
        {"venue and url disagree", "okx", binance_url, "{}", "okx: url"},
        {"unknown venue", "nasdaq", "", "{}", "nasdaq: venue \"nasdaq\": no instrument list"},
        {"unknown shape", "", "", R"({"hello":1})", "not an instrument list of a known venue"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(std::string(c.name));
        instrument_registry r;
        ASSERT_FALSE(
            load_instrument_reply("binance", binance_url, "{\"symbols\":[" + binance_ok + "]}", r));
        const auto err = load_instrument_reply(c.venue, c.url, c.body, r);
        ASSERT_TRUE(err.has_value());
        EXPECT_NE(err->find(c.error), std::string::npos) << *err;
        EXPECT_EQ(r.size(), 1u); // the good reply's spec only: a failed reply adds nothing
    }
}

TEST(InstrumentReplies, FileErrorsNameTheFile) {
    instrument_registry r;
    const std::string missing = ::testing::TempDir() + "/no_such_instruments.json";
    EXPECT_EQ(*load_instrument_file(missing, r), missing + ": No such file or directory");
    const std::string dir = ::testing::TempDir();
    EXPECT_EQ(*load_instrument_file(dir, r), dir + ": is a directory");
    EXPECT_EQ(*load_instrument_file("/dev/null", r), "/dev/null: empty file");
    const std::string empty_toml = ::testing::TempDir() + "/empty_instruments.toml";
    std::ofstream(empty_toml).flush();
    EXPECT_EQ(*load_instrument_file(empty_toml, r), empty_toml + ": empty file");
    const std::string bad = ::testing::TempDir() + "/bad_reply.json";
    std::ofstream(bad) << R"({"code":"0","data":[{"instType":"SPOT","instId":"A-B"}]})";
    const auto err = load_instrument_file(bad, r);
    ASSERT_TRUE(err.has_value());
    EXPECT_EQ(*err, bad + ": okx A-B: tickSz: missing");
    const std::string lines = ::testing::TempDir() + "/bad_lines.txt";
    std::ofstream(lines) << "https://example.com/x -> 1.0: {}\n";
    EXPECT_NE(load_instrument_file(lines, r)->find(lines + ":1: instruments: url"),
              std::string::npos);
    EXPECT_EQ(r.size(), 0u);
}

} // namespace
