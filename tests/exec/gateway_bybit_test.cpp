// Bybit v5 gateway: trade requests against the trade guideline's documented `order.create`
// (docs/v5/websocket/trade/guideline.mdx), the WebSocket auth signature, and the private
// stream's documented `execution` and `order` pushes (docs/v5/websocket/private/) with their
// malformed variants.
#include "exec/gateway_bybit.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

namespace ballast::exec {
namespace {

instrument_spec linear(std::string symbol, decimal_step tick, decimal_step lot) {
    instrument_spec s;
    s.venue = "bybit";
    s.symbol = std::move(symbol);
    s.kind = instrument_kind::linear_perp;
    s.base = "BTC";
    s.quote = "USDT";
    s.settle = "USDT";
    s.tick = tick;
    s.lot = lot;
    return s;
}

std::string replace(std::string s, std::string_view from, std::string_view to) {
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
}

TEST(BybitEncoder, OrderCreateHasTheDocumentedShape) {
    // The guideline's example: ETHUSDT linear, Buy Limit 0.2 @ 2800 PostOnly.
    instrument_spec s = linear("ETHUSDT", {1, 2}, {1, 2});
    order_request r;
    r.spec = &s;
    r.wire_id = make_wire_order_id(5, client_order_id{1});
    r.order_side = side::bid;
    r.tif = order_tif::post_only;
    r.quantity = qty(20);
    r.limit = price(280000);
    std::array<char, 1024> buf{};
    text_writer w{buf.data(), buf.size()};
    ASSERT_TRUE(bybit_request_encoder::create(r, 5, 1711001595207, 8000, w));
    EXPECT_EQ(
        w.view(),
        R"({"reqId":"5","header":{"X-BAPI-TIMESTAMP":"1711001595207","X-BAPI-RECV-WINDOW":"8000"},)"
        R"("op":"order.create","args":[{"category":"linear","symbol":"ETHUSDT","side":"Buy",)"
        R"("orderType":"Limit","qty":"0.2","price":"2800","timeInForce":"PostOnly",)"
        R"("orderLinkId":"bl5x1"}]})");
    simdjson::dom::parser p;
    simdjson::dom::element e;
    ASSERT_EQ(p.parse(std::string(w.view())).get(e), simdjson::SUCCESS);

    // A spot market order says its quantity is in the base.
    s.kind = instrument_kind::spot;
    r.type = order_type::market;
    text_writer m{buf.data(), buf.size()};
    ASSERT_TRUE(bybit_request_encoder::create(r, 6, 1, 5000, m));
    EXPECT_NE(m.view().find(R"("category":"spot")"), std::string_view::npos);
    EXPECT_NE(m.view().find(R"("marketUnit":"baseCoin")"), std::string_view::npos);
    EXPECT_EQ(m.view().find("price"), std::string_view::npos);

    cancel_request c{r.id, r.wire_id, &s};
    text_writer cw{buf.data(), buf.size()};
    ASSERT_TRUE(bybit_request_encoder::cancel(c, 7, 1, 5000, cw));
    EXPECT_NE(cw.view().find(R"("op":"order.cancel")"), std::string_view::npos);
    amend_request a{r.id, r.wire_id, &s, qty(0), price(279900)};
    text_writer aw{buf.data(), buf.size()};
    ASSERT_TRUE(bybit_request_encoder::amend(a, 8, 1, 5000, aw));
    EXPECT_NE(aw.view().find(R"("price":"2799")"), std::string_view::npos);
    EXPECT_EQ(aw.view().find(R"("qty")"), std::string_view::npos); // 0 keeps the quantity
    // Nothing to amend, no wire id, no spec: refused.
    a.limit = price(0);
    EXPECT_FALSE(bybit_request_encoder::amend(a, 9, 1, 5000, aw));
    c.wire_id = {};
    EXPECT_FALSE(bybit_request_encoder::cancel(c, 9, 1, 5000, cw));
    r.spec = nullptr;
    EXPECT_FALSE(bybit_request_encoder::create(r, 9, 1, 5000, cw));
}

TEST(BybitEncoder, AuthSignsGetRealtimeAndExpiry) {
    const std::string a = bybit_request_encoder::auth("key1", "secret1", 1662350400000, 3);
    EXPECT_EQ(a, R"({"reqId":"3","op":"auth","args":["key1",1662350400000,")" +
                     bybit_ws_signature("secret1", "1662350400000") + "\"]}");
    EXPECT_EQ(a.find("secret1"), std::string::npos);
}

/// docs/v5/websocket/private/execution.mdx, the response example (orderLinkId ours).
constexpr std::string_view doc_execution =
    R"({"topic":"execution","id":"386825804_BTCUSDT_140612148849382","creationTime":1746270400355,)"
    R"("data":[{"category":"linear","symbol":"BTCUSDT","closedSize":"0.5","execFee":"26.3725275",)"
    R"("execId":"0ab1bdf7-4219-438b-b30a-32ec863018f7","execPrice":"95900.1","execQty":"0.5",)"
    R"("execType":"Trade","execValue":"47950.05","feeRate":"0.00055","tradeIv":"","markIv":"",)"
    R"("blockTradeId":"","markPrice":"95901.48","indexPrice":"","underlyingPrice":"",)"
    R"("leavesQty":"0","orderId":"9aac161b-8ed6-450d-9cab-c5cc67c21784","orderLinkId":"",)"
    R"("orderPrice":"94942.5","orderQty":"0.5","orderType":"Market","stopOrderType":"UNKNOWN",)"
    R"("side":"Sell","execTime":"1746270400353","isLeverage":"0","isMaker":false,)"
    R"("seq":140612148849382,"marketUnit":"","execPnl":"0.05","createType":"CreateByUser",)"
    R"("extraFees":[{"feeCoin":"USDT","feeType":"GST","subFeeType":"IND_GST",)"
    R"("feeRate":"0.0000675","fee":"0.006403779"}],"feeCurrency":"USDT"}]})";

const instrument_spec& btcusdt() {
    static const instrument_spec s = linear("BTCUSDT", {1, 1}, {1, 3});
    return s;
}
const instrument_spec* lookup(const void*, std::string_view sym) {
    return sym == "BTCUSDT" ? &btcusdt() : nullptr;
}

TEST(BybitDecoder, DocumentedExecutionIsAFill) {
    // As documented the order has no link id: a fill that is not ours.
    auto d = bybit_decode_private(doc_execution, 5, venue_id{2}, lookup, nullptr);
    ASSERT_TRUE(d.error.empty()) << d.error;
    ASSERT_EQ(d.items.size(), 1u);
    EXPECT_EQ(d.items[0].report.id.value, 0u);
    const std::string ours =
        replace(std::string(doc_execution), R"("orderLinkId":"")", R"("orderLinkId":"bl5x2a")");
    d = bybit_decode_private(ours, 5, venue_id{2}, lookup, nullptr);
    ASSERT_EQ(d.items.size(), 1u) << d.error;
    const exec_report& r = d.items[0].report;
    EXPECT_EQ(r.kind, exec_kind::fill);
    EXPECT_EQ(r.id.value, 0x2au);
    EXPECT_EQ(r.last_qty.value(), 500);
    EXPECT_EQ(r.last_px.value(), 959001);
    EXPECT_EQ(r.state, order_state::filled); // leavesQty "0"
    EXPECT_DOUBLE_EQ(r.fee_quote, 26.3725275);
    EXPECT_EQ(r.trade_id_view(), "0ab1bdf7-4219-438b-b30a-32ec863018f7");
    EXPECT_EQ(r.venue_time.ns, 1746270400353LL * 1'000'000);

    // leavesQty is a quantity: trailing zeros still mean filled; a garbled one is an error
    // naming the field and value.
    d = bybit_decode_private(replace(ours, R"("leavesQty":"0")", R"("leavesQty":"0.000")"), 5,
                             venue_id{2}, lookup, nullptr);
    ASSERT_EQ(d.items.size(), 1u) << d.error;
    EXPECT_EQ(d.items[0].report.state, order_state::filled);
    d = bybit_decode_private(replace(ours, R"("leavesQty":"0")", R"("leavesQty":"0.25")"), 5,
                             venue_id{2}, lookup, nullptr);
    ASSERT_EQ(d.items.size(), 1u) << d.error;
    EXPECT_EQ(d.items[0].report.state, order_state::partially_filled);
    d = bybit_decode_private(replace(ours, R"("leavesQty":"0")", R"("leavesQty":"x1")"), 5,
                             venue_id{2}, lookup, nullptr);
    EXPECT_TRUE(d.items.empty());
    EXPECT_NE(d.error.find("leavesQty"), std::string::npos) << d.error;
    EXPECT_NE(d.error.find("x1"), std::string::npos) << d.error;

    // Funding and other non-trade executions are not fills.
    d = bybit_decode_private(replace(ours, R"("execType":"Trade")", R"("execType":"Funding")"), 5,
                             venue_id{2}, lookup, nullptr);
    EXPECT_TRUE(d.items.empty());
    EXPECT_TRUE(d.error.empty());

    // One account's stream carries every category: the same symbol on spot, or a symbol this
    // gateway does not trade, is another gateway's (or client's): skipped and counted, never
    // decoded with this gateway's instrument.
    ASSERT_NE(ours.find(R"("category":"linear")"), std::string::npos);
    d = bybit_decode_private(replace(ours, R"("category":"linear")", R"("category":"spot")"), 5,
                             venue_id{2}, lookup, nullptr);
    EXPECT_TRUE(d.items.empty());
    EXPECT_TRUE(d.error.empty()) << d.error;
    EXPECT_EQ(d.other_instruments, 1u);
    d = bybit_decode_private(replace(ours, R"("symbol":"BTCUSDT")", R"("symbol":"ETHUSDT")"), 5,
                             venue_id{2}, lookup, nullptr);
    EXPECT_TRUE(d.items.empty());
    EXPECT_TRUE(d.error.empty()) << d.error;
    EXPECT_EQ(d.other_instruments, 1u);
}

TEST(BybitDecoder, OrderPushesAckCancelAndReject) {
    const std::string base =
        R"({"id":"x","topic":"order","creationTime":1672364262474,"data":[{"symbol":"BTCUSDT",)"
        R"("orderId":"5cf9","side":"Sell","orderType":"Limit","price":"72.5","qty":"1",)"
        R"("timeInForce":"GTC","orderStatus":"New","orderLinkId":"bl5x3","cumExecQty":"0",)"
        R"("updatedTime":"1672364262457","rejectReason":"EC_NoError","category":"linear"}]})";
    auto d = bybit_decode_private(base, 5, venue_id{2}, lookup, nullptr);
    ASSERT_EQ(d.items.size(), 1u) << d.error;
    EXPECT_EQ(d.items[0].report.kind, exec_kind::ack);
    EXPECT_EQ(d.items[0].report.id.value, 3u);
    d = bybit_decode_private(replace(replace(base, "\"New\"", "\"PartiallyFilledCanceled\""),
                                     R"("cumExecQty":"0")", R"("cumExecQty":"0.25")"),
                             5, venue_id{2}, lookup, nullptr);
    ASSERT_EQ(d.items.size(), 1u) << d.error;
    EXPECT_EQ(d.items[0].report.kind, exec_kind::canceled);
    EXPECT_EQ(d.items[0].report.cum_qty.value(), 250);
    d = bybit_decode_private(replace(replace(base, "\"New\"", "\"Rejected\""), "EC_NoError",
                                     "EC_PostOnlyWillTakeLiquidity"),
                             5, venue_id{2}, lookup, nullptr);
    ASSERT_EQ(d.items.size(), 1u) << d.error;
    EXPECT_EQ(d.items[0].report.kind, exec_kind::rejected);
    EXPECT_EQ(d.items[0].report.reason_view(), "EC_PostOnlyWillTakeLiquidity");
}

TEST(BybitDecoder, MalformedPushesNameFieldValueAndReason) {
    const std::string ours =
        replace(std::string(doc_execution), R"("orderLinkId":"")", R"("orderLinkId":"bl5x2a")");
    const struct {
        std::string text;
        std::string expect;
    } cases[] = {
        {replace(ours, R"("execQty":"0.5")", R"("execQty":"0.0005")"), "'execQty' value '0.0005'"},
        {replace(ours, R"("execPrice":"95900.1")", R"("execPrice":"x")"), "'execPrice' value 'x'"},
        {replace(ours, R"("execFee":"26.3725275")", R"("execFee":"")"), "'execFee' value ''"},
        {replace(ours, R"("execId":"0ab1bdf7-4219-438b-b30a-32ec863018f7")", R"("execId":"")"),
         "execId"},
        {replace(ours, R"("data":[)", R"("data":{"a":[)"), "not JSON"},
        {replace(ours, R"("data":[)", R"("nodata":[)"), "'data'"},
        {R"({"topic":"order","data":[{"symbol":"BTCUSDT","orderStatus":"Weird"}]})",
         "'orderStatus' value 'Weird'"},
    };
    for (const auto& c : cases) {
        const auto d = bybit_decode_private(c.text, 5, venue_id{2}, lookup, nullptr);
        EXPECT_TRUE(d.items.empty()) << c.text;
        EXPECT_NE(d.error.find(c.expect), std::string::npos) << d.error << " / " << c.expect;
        EXPECT_NE(d.error.find("bybit"), std::string::npos) << d.error;
    }
}

} // namespace
} // namespace ballast::exec
