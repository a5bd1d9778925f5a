// OKX v5 private WebSocket: the ops as "Place order" / "Cancel order" / "Amend order" (WS)
// document them, the login signature over timestamp + GET + /users/self/verify, and the
// `orders` channel's pushes (ack, fill with fillFee, cancel, amend) with malformed variants.
#include "exec/gateway_okx.hpp"
#include "exec/signing.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

namespace ballast::exec {
namespace {

instrument_spec btc_usdt() {
    instrument_spec s;
    s.venue = "okx";
    s.symbol = "BTC-USDT";
    s.base = "BTC";
    s.quote = "USDT";
    s.tick = {1, 1};
    s.lot = {1, 8};
    return s;
}

const instrument_spec& spec() {
    static const instrument_spec s = btc_usdt();
    return s;
}
const instrument_spec* lookup(const void*, std::string_view inst) {
    return inst == "BTC-USDT" ? &spec() : nullptr;
}

std::string replace(std::string s, std::string_view from, std::string_view to) {
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
}

TEST(OkxEncoder, OpsHaveTheDocumentedShape) {
    order_request r;
    r.spec = &spec();
    r.wire_id = make_wire_order_id(9, client_order_id{3});
    r.order_side = side::bid;
    r.tif = order_tif::ioc;
    r.quantity = qty(100'000);  // 0.001
    r.limit = price(9'500'015); // 950001.5
    std::array<char, 1024> buf{};
    text_writer w{buf.data(), buf.size()};
    ASSERT_TRUE(okx_request_encoder::order(r, 1512, w));
    EXPECT_EQ(w.view(), R"({"id":"1512","op":"order","args":[{"instId":"BTC-USDT","tdMode":"cash",)"
                        R"("clOrdId":"bl9x3","side":"buy","ordType":"ioc","sz":"0.001",)"
                        R"("px":"950001.5"}]})");
    r.tif = order_tif::post_only;
    text_writer p{buf.data(), buf.size()};
    ASSERT_TRUE(okx_request_encoder::order(r, 1, p));
    EXPECT_NE(p.view().find(R"("ordType":"post_only")"), std::string_view::npos);
    r.type = order_type::market;
    text_writer m{buf.data(), buf.size()};
    ASSERT_TRUE(okx_request_encoder::order(r, 1, m));
    EXPECT_NE(m.view().find(R"("tgtCcy":"base_ccy")"), std::string_view::npos);
    EXPECT_EQ(m.view().find(R"("px")"), std::string_view::npos);

    const cancel_request c{r.id, r.wire_id, &spec()};
    text_writer cw{buf.data(), buf.size()};
    ASSERT_TRUE(okx_request_encoder::cancel(c, 2, cw));
    EXPECT_EQ(cw.view(), R"({"id":"2","op":"cancel-order","args":[{"instId":"BTC-USDT",)"
                         R"("clOrdId":"bl9x3"}]})");
    const amend_request a{r.id, r.wire_id, &spec(), qty(200'000), price(0)};
    text_writer aw{buf.data(), buf.size()};
    ASSERT_TRUE(okx_request_encoder::amend(a, 3, aw));
    EXPECT_NE(aw.view().find(R"("newSz":"0.002")"), std::string_view::npos);
    EXPECT_EQ(aw.view().find("newPx"), std::string_view::npos);
    simdjson::dom::parser parser;
    simdjson::dom::element e;
    EXPECT_EQ(parser.parse(std::string(aw.view())).get(e), simdjson::SUCCESS);
    r.wire_id = {};
    EXPECT_FALSE(okx_request_encoder::order(r, 4, aw)); // no client id: reports could not name it
}

TEST(OkxEncoder, LoginSignsTheVerifyPath) {
    const std::string login = okx_request_encoder::login("k", "pass", "s3cr3t", "1538054050");
    simdjson::dom::parser parser;
    simdjson::dom::element e;
    ASSERT_EQ(parser.parse(login).get(e), simdjson::SUCCESS) << login;
    std::string_view sign;
    ASSERT_EQ(e["args"].at(0)["sign"].get_string().get(sign), simdjson::SUCCESS);
    EXPECT_EQ(sign, okx_signature("s3cr3t", "1538054050", "GET", "/users/self/verify", ""));
    EXPECT_EQ(login.find("s3cr3t"), std::string::npos);
}

/// An `orders` push as the WS "Order channel" documents it, reduced to the fields read.
const std::string push =
    R"({"arg":{"channel":"orders","instType":"SPOT","uid":"614488474791936"},"data":[{)"
    R"("instType":"SPOT","instId":"BTC-USDT","ordId":"312269865356374016","clOrdId":"bl9x3",)"
    R"("px":"31527.1","sz":"0.001","ordType":"limit","side":"buy","fillPx":"31527.1",)"
    R"("tradeId":"242589207","fillSz":"0.0005","fillTime":"1654084334977","fillFee":"-0.00000005",)"
    R"("fillFeeCcy":"BTC","state":"partially_filled","accFillSz":"0.0005","fee":"-0.00000005",)"
    R"("feeCcy":"BTC","amendResult":"","uTime":"1654084334978","cTime":"1654084334977"}]})";

TEST(OkxDecoder, FillAckCancelAndAmend) {
    auto d = okx_decode_orders(push, 9, venue_id{4}, lookup, nullptr);
    ASSERT_EQ(d.items.size(), 1u) << d.error;
    const exec_report& f = d.items[0].report;
    EXPECT_EQ(f.kind, exec_kind::fill);
    EXPECT_EQ(f.id.value, 3u);
    EXPECT_EQ(f.last_qty.value(), 50'000);
    EXPECT_EQ(f.cum_qty.value(), 50'000);
    EXPECT_EQ(f.last_px.value(), 315'271);
    EXPECT_EQ(f.state, order_state::partially_filled);
    EXPECT_EQ(f.trade_id_view(), "242589207");
    EXPECT_NEAR(f.fee_quote, 0.00000005 * 31527.1, 1e-12); // charged in the base: positive cost
    EXPECT_EQ(f.venue_time.ns, 1654084334978LL * 1'000'000);

    const std::string live =
        replace(replace(replace(push, R"("tradeId":"242589207")", R"("tradeId":"")"),
                        R"("state":"partially_filled","accFillSz":"0.0005")",
                        R"("state":"live","accFillSz":"0")"),
                R"("fillSz":"0.0005")", R"("fillSz":"0")");
    d = okx_decode_orders(live, 9, venue_id{4}, lookup, nullptr);
    ASSERT_EQ(d.items.size(), 1u) << d.error;
    EXPECT_EQ(d.items[0].report.kind, exec_kind::ack);
    d = okx_decode_orders(replace(live, R"("state":"live")", R"("state":"canceled")"), 9,
                          venue_id{4}, lookup, nullptr);
    ASSERT_EQ(d.items.size(), 1u) << d.error;
    EXPECT_EQ(d.items[0].report.kind, exec_kind::canceled);
    d = okx_decode_orders(replace(live, R"("amendResult":"")", R"("amendResult":"0")"), 9,
                          venue_id{4}, lookup, nullptr);
    ASSERT_EQ(d.items.size(), 1u) << d.error;
    EXPECT_EQ(d.items[0].report.kind, exec_kind::amended);
    // Another journal's order: id 0.
    d = okx_decode_orders(push, 10, venue_id{4}, lookup, nullptr);
    ASSERT_EQ(d.items.size(), 1u);
    EXPECT_EQ(d.items[0].report.id.value, 0u);
    // Subscription events and op replies are not pushes.
    d = okx_decode_orders(R"({"event":"subscribe","arg":{"channel":"orders","instType":"ANY"}})", 9,
                          venue_id{4}, lookup, nullptr);
    EXPECT_TRUE(d.items.empty());
    EXPECT_TRUE(d.error.empty());
}

TEST(OkxDecoder, MalformedPushesNameFieldValueAndReason) {
    const struct {
        std::string text;
        std::string expect;
    } cases[] = {
        {replace(push, R"("fillSz":"0.0005")", R"("fillSz":"0.000000001")"),
         "'fillSz' value '0.000000001'"},
        {replace(push, R"("fillPx":"31527.1")", R"("fillPx":"31527.15")"),
         "'fillPx' value '31527.15'"},
        {replace(push, R"("fillFee":"-0.00000005")", R"("fillFee":"fee")"), "'fee' value 'fee'"},
        {replace(push, R"("state":"partially_filled")", R"("state":"odd")"), "'state' value 'odd'"},
        {replace(push, R"("accFillSz":"0.0005")", R"("accFillSz":"")"), "'accFillSz' value ''"},
        {replace(push, R"("instId":"BTC-USDT")", R"("instId":"ETH-USDT")"), "instId 'ETH-USDT'"},
        {replace(push, R"("data":[)", R"("nodata":[)"), "'data'"},
        {push.substr(0, 40), "not JSON"},
    };
    for (const auto& c : cases) {
        const auto d = okx_decode_orders(c.text, 9, venue_id{4}, lookup, nullptr);
        EXPECT_TRUE(d.items.empty()) << c.text;
        EXPECT_NE(d.error.find(c.expect), std::string::npos) << d.error << " / " << c.expect;
        EXPECT_NE(d.error.find("okx"), std::string::npos);
    }
}

TEST(OkxDecoder, OpRepliesCarryTheOrdersCode) {
    auto r = okx_decode_op_reply(
        R"({"id":"1512","op":"order","data":[{"clOrdId":"","ordId":"12345689","tag":"",)"
        R"("ts":"1695190491421","sCode":"0","sMsg":""}],"code":"0","msg":"","inTime":"1",)"
        R"("outTime":"2"})");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->request_id, 1512u);
    EXPECT_EQ(r->code, 0);
    r = okx_decode_op_reply(
        R"({"id":"1513","op":"order","data":[{"clOrdId":"","ordId":"","tag":"","ts":"1",)"
        R"("sCode":"51008","sMsg":"Order failed. Insufficient balance."}],"code":"1",)"
        R"("msg":"","inTime":"1","outTime":"2"})");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->code, 51008);
    EXPECT_EQ(r->msg, "Order failed. Insufficient balance.");
    r = okx_decode_op_reply(R"({"id":"1514","op":"order","data":[],"code":"50011",)"
                            R"("msg":"Rate limit reached. Please refer to API documentation."})");
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(okx_rate_limited(r->code));
    EXPECT_TRUE(okx_outcome_unknown(50004));
    EXPECT_FALSE(okx_decode_op_reply("not json").has_value());
}

TEST(OkxRest, TransactionDetailsRowIsAFillAndTimestampsAreIsoMilliseconds) {
    // "Get transaction details" (GET /api/v5/trade/fills): fee and feeCcy, no fillFee.
    const std::string row =
        R"({"instType":"SPOT","instId":"BTC-USDT","tradeId":"123","ordId":"312269865356374016",)"
        R"("clOrdId":"bl9x3","billId":"1","tag":"","fillPx":"31527.1","fillSz":"0.002",)"
        R"("side":"sell","posSide":"net","execType":"T","feeCcy":"USDT","fee":"-0.0630542",)"
        R"("ts":"1654084334977","fillTime":"1654084334977"})";
    simdjson::dom::parser p;
    simdjson::dom::element e;
    ASSERT_EQ(p.parse(row).get(e), simdjson::SUCCESS);
    exec_report r;
    std::string error;
    ASSERT_TRUE(okx_decode_fill(e, spec(), r, error)) << error;
    EXPECT_EQ(r.kind, exec_kind::fill);
    EXPECT_EQ(r.last_qty.value(), 200'000);
    EXPECT_EQ(r.last_px.value(), 315'271);
    EXPECT_EQ(r.trade_id_view(), "123");
    EXPECT_NEAR(r.fee_quote, 0.0630542, 1e-12); // charged in the quote
    EXPECT_NEAR(r.notional_quote, 0.002 * 31527.1, 1e-9);
    simdjson::dom::element bad;
    ASSERT_EQ(p.parse(replace(row, R"("tradeId":"123")", R"("tradeId":"")")).get(bad),
              simdjson::SUCCESS);
    EXPECT_FALSE(okx_decode_fill(bad, spec(), r, error));
    EXPECT_NE(error.find("'tradeId'"), std::string::npos) << error;
    ASSERT_EQ(p.parse(replace(row, R"("fillSz":"0.002")", R"("fillSz":"0")")).get(bad),
              simdjson::SUCCESS);
    EXPECT_FALSE(okx_decode_fill(bad, spec(), r, error));
    EXPECT_NE(error.find("'fillSz' value '0'"), std::string::npos) << error;

    // "REST Authentication": the timestamp of the docs' example.
    EXPECT_EQ(okx_rest_timestamp(1607418537715), "2020-12-08T09:08:57.715Z");
    EXPECT_EQ(okx_rest_timestamp(1607418537005), "2020-12-08T09:08:57.005Z");

    EXPECT_EQ(okx_order_state("live"), order_state::acknowledged);
    EXPECT_EQ(okx_order_state("mmp_canceled"), order_state::canceled);
    EXPECT_EQ(okx_order_state("filled"), order_state::filled);
    EXPECT_FALSE(okx_order_state("Filled").has_value());
    EXPECT_EQ(okx_inst_type(spec()), "SPOT");
    instrument_spec swap = btc_usdt();
    swap.kind = instrument_kind::linear_perp;
    EXPECT_EQ(okx_inst_type(swap), "SWAP");
}

} // namespace
} // namespace ballast::exec
