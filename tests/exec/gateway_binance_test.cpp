// Binance WebSocket API gateway: request encoding and signing against the spot API docs'
// documented example (web-socket-api.md, "SIGNED request example (HMAC)"), executionReport
// decoding against the documented event (user-data-stream.md, "Order Update") and its
// malformed variants, and the wire ids.
#include "exec/gateway_binance.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

namespace ballast::exec {
namespace {

constexpr std::string_view doc_key =
    "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
constexpr std::string_view doc_secret =
    "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

instrument_spec spot(std::string symbol, std::string base, std::string quote, decimal_step tick,
                     decimal_step lot) {
    instrument_spec s;
    s.venue = "binance";
    s.symbol = std::move(symbol);
    s.base = std::move(base);
    s.quote = std::move(quote);
    s.tick = tick;
    s.lot = lot;
    return s;
}

api_credentials hmac_credentials() {
    api_credentials c;
    c.api_key = std::string(doc_key);
    c.secret = secret_text(std::string(doc_secret));
    return c;
}

simdjson::dom::element parse(simdjson::dom::parser& p, std::string_view text) {
    simdjson::dom::element e;
    EXPECT_EQ(p.parse(text.data(), text.size(), true).get(e), simdjson::SUCCESS) << text;
    return e;
}

std::string_view str(simdjson::simdjson_result<simdjson::dom::element> e, std::string_view key) {
    std::string_view out;
    EXPECT_EQ(e[key].get_string().get(out), simdjson::SUCCESS) << key;
    return out;
}
std::string_view str(simdjson::dom::element e, std::string_view key) {
    return str(simdjson::simdjson_result<simdjson::dom::element>(std::move(e)), key);
}

TEST(GatewayWireIds, RoundTripAndForeignIds) {
    const std::uint64_t tag = 0x1234abcdULL;
    const auto w = make_wire_order_id(tag, client_order_id{42});
    EXPECT_EQ(w.view(), "bl1234abcdx2a");
    EXPECT_EQ(parse_wire_order_id(tag, w.view()).value, 42u);
    // Another journal's tag, malformed texts, leading zeros (one number has one text).
    EXPECT_EQ(parse_wire_order_id(tag + 1, w.view()).value, 0u);
    EXPECT_EQ(parse_wire_order_id(tag, "mUvoqJxFIILMdfAW5iGSOW").value, 0u);
    EXPECT_EQ(parse_wire_order_id(tag, "bl1234abcdx").value, 0u);
    EXPECT_EQ(parse_wire_order_id(tag, "bl1234abcdx02a").value, 0u);
    EXPECT_EQ(parse_wire_order_id(tag, "bl1234ABCDx2a").value, 0u);
    EXPECT_EQ(parse_wire_order_id(tag, "").value, 0u);
    // The widest id stays within 32 characters (OKX's clOrdId limit), alphanumeric only.
    const auto wide = make_wire_order_id(~0ULL, client_order_id{~0ULL});
    EXPECT_LE(wide.size, 32);
    for (const char c : wide.view()) {
        EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << wide.view();
    }
    EXPECT_EQ(parse_wire_order_id(~0ULL, wide.view()).value, ~0ULL);
}

TEST(BinanceEncoder, DocumentedHmacExampleSignsTheSame) {
    binance_request_encoder enc;
    ASSERT_FALSE(enc.init(hmac_credentials()).has_value());
    const auto s = spot("BTCUSDT", "BTC", "USDT", {1, 2}, {1, 8});
    order_request r;
    r.spec = &s;
    r.order_side = side::ask;
    r.type = order_type::limit;
    r.tif = order_tif::gtc;
    r.quantity = qty(1'000'000); // 0.01000000
    r.limit = price(5'200'000);  // 52000.00
    std::array<char, 1024> buf{};
    text_writer w{buf.data(), buf.size()};
    // No client id and no response type: exactly the documented parameters.
    ASSERT_TRUE(enc.place(r, 7, 1645423376532, 100, w, ""));
    simdjson::dom::parser p;
    const auto doc = parse(p, std::string(w.view()));
    EXPECT_EQ(str(doc, "method"), "order.place");
    EXPECT_EQ(doc["id"].get_uint64().value(), 7u);
    const simdjson::dom::element params = doc["params"].value();
    EXPECT_EQ(str(params, "signature"),
              "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24");
    EXPECT_EQ(str(params, "price"), "52000.00");
    EXPECT_EQ(str(params, "quantity"), "0.01000000");
    EXPECT_EQ(params["recvWindow"].get_int64().value(), 100);
    EXPECT_EQ(params["timestamp"].get_int64().value(), 1645423376532);
    EXPECT_EQ(str(params, "apiKey"), doc_key);
}

TEST(BinanceEncoder, FullOrderSignsItsSortedParams) {
    binance_request_encoder enc;
    ASSERT_FALSE(enc.init(hmac_credentials()).has_value());
    const auto s = spot("ETHBTC", "ETH", "BTC", {1, 6}, {1, 4});
    order_request r;
    r.spec = &s;
    r.wire_id = make_wire_order_id(0xfeed, client_order_id{9});
    r.order_side = side::bid;
    r.tif = order_tif::ioc;
    r.quantity = qty(12345);
    r.limit = price(51234);
    std::array<char, 1024> buf{};
    text_writer w{buf.data(), buf.size()};
    ASSERT_TRUE(enc.place(r, 1, 1700000000000, 5000, w));
    const std::string expected_payload =
        "apiKey=" + std::string(doc_key) +
        "&newClientOrderId=blfeedx9&newOrderRespType=ACK&price=0.051234&quantity=1.2345"
        "&recvWindow=5000&side=BUY&symbol=ETHBTC&timeInForce=IOC&timestamp=1700000000000"
        "&type=LIMIT";
    simdjson::dom::parser p;
    const auto doc = parse(p, std::string(w.view()));
    EXPECT_EQ(str(doc["params"], "signature"),
              binance_hmac_signature(doc_secret, expected_payload));
    EXPECT_EQ(str(doc["params"], "newClientOrderId"), "blfeedx9");

    // Market orders carry neither price nor timeInForce; post-only is LIMIT_MAKER.
    r.type = order_type::market;
    text_writer m{buf.data(), buf.size()};
    ASSERT_TRUE(enc.place(r, 2, 1700000000000, 5000, m));
    const auto md = parse(p, std::string(m.view()));
    EXPECT_EQ(str(md["params"], "type"), "MARKET");
    EXPECT_NE(md["params"]["price"].error(), simdjson::SUCCESS);
    EXPECT_NE(md["params"]["timeInForce"].error(), simdjson::SUCCESS);
    r.type = order_type::limit;
    r.tif = order_tif::post_only;
    text_writer pm{buf.data(), buf.size()};
    ASSERT_TRUE(enc.place(r, 3, 1700000000000, 5000, pm));
    const auto pd = parse(p, std::string(pm.view()));
    EXPECT_EQ(str(pd["params"], "type"), "LIMIT_MAKER");
    EXPECT_NE(pd["params"]["timeInForce"].error(), simdjson::SUCCESS);
}

TEST(BinanceEncoder, RefusesWhatItCannotWrite) {
    binance_request_encoder enc;
    ASSERT_FALSE(enc.init(hmac_credentials()).has_value());
    auto s = spot("BTCUSDT", "BTC", "USDT", {1, 2}, {1, 8});
    order_request r;
    r.spec = &s;
    r.quantity = qty(0);
    r.limit = price(100);
    std::array<char, 1024> buf{};
    text_writer w{buf.data(), buf.size()};
    EXPECT_FALSE(enc.place(r, 1, 1, 5000, w)); // zero quantity
    r.quantity = qty(1);
    r.limit = price(0);
    EXPECT_FALSE(enc.place(r, 1, 1, 5000, w)); // limit without a price
    r.limit = price(1);
    s.symbol = "BAD\"SYM";
    EXPECT_FALSE(enc.place(r, 1, 1, 5000, w)); // would need escaping
    s.symbol = "BTCUSDT";
    std::array<char, 64> small{};
    text_writer tiny{small.data(), small.size()};
    EXPECT_FALSE(enc.place(r, 1, 1, 5000, tiny)); // does not fit: refused, never cut
    EXPECT_TRUE(tiny.overflow);
    // No key at all, an unreadable Ed25519 key.
    binance_request_encoder none;
    api_credentials c;
    c.api_key = "k";
    EXPECT_TRUE(none.init(c).has_value());
    c.ed25519_pem = secret_text("not a pem");
    const auto err = none.init(c);
    ASSERT_TRUE(err.has_value());
    EXPECT_EQ(err->find("not a pem"), std::string::npos) << "the key's text leaks: " << *err;
}

TEST(BinanceEncoder, Ed25519SignsOnceAtLogonThenRequestsGoUnsigned) {
    ed25519_key key;
    // RFC 8032 test 1 seed as PKCS#8.
    const std::string pem = "-----BEGIN PRIVATE KEY-----\n"
                            "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
                            "-----END PRIVATE KEY-----\n";
    ASSERT_FALSE(key.load_private_pem(pem).has_value());
    api_credentials c;
    c.api_key = "edkey";
    c.ed25519_pem = secret_text(pem);
    binance_request_encoder enc;
    ASSERT_FALSE(enc.init(c).has_value());
    EXPECT_TRUE(enc.ed25519());
    std::array<char, 1024> buf{};
    text_writer w{buf.data(), buf.size()};
    ASSERT_TRUE(enc.session_logon(5, 1649729878532, w));
    simdjson::dom::parser p;
    const auto doc = parse(p, std::string(w.view()));
    EXPECT_EQ(str(doc, "method"), "session.logon");
    const auto sig = base64_decode(str(doc["params"], "signature"));
    ASSERT_TRUE(sig.has_value());
    EXPECT_TRUE(
        ed25519_verify(key.public_pem(), "apiKey=edkey&timestamp=1649729878532",
                       std::span(reinterpret_cast<const std::uint8_t*>(sig->data()), sig->size())));

    enc.set_logged_on(true);
    const auto s = spot("BTCUSDT", "BTC", "USDT", {1, 2}, {1, 8});
    query_request q{client_order_id{3}, make_wire_order_id(1, client_order_id{3}), &s};
    text_writer qw{buf.data(), buf.size()};
    ASSERT_TRUE(enc.status(q, 6, 1649729878600, 5000, qw));
    const auto qd = parse(p, std::string(qw.view()));
    EXPECT_NE(qd["params"]["signature"].error(), simdjson::SUCCESS);
    EXPECT_NE(qd["params"]["apiKey"].error(), simdjson::SUCCESS);
    EXPECT_EQ(str(qd["params"], "origClientOrderId"), "bl1x3");
}

// ---- executionReport decoding ------------------------------------------------------------

/// The documented "Order Update" payload (user-data-stream.md).
constexpr std::string_view doc_event =
    R"({"subscriptionId":0,"event":{"e":"executionReport","E":1499405658658,"s":"ETHBTC",)"
    R"("c":"mUvoqJxFIILMdfAW5iGSOW","S":"BUY","o":"LIMIT","f":"GTC","q":"1.00000000",)"
    R"("p":"0.10264410","P":"0.00000000","F":"0.00000000","g":-1,"C":"","x":"NEW","X":"NEW",)"
    R"("r":"NONE","i":4293153,"l":"0.00000000","z":"0.00000000","L":"0.00000000","n":"0",)"
    R"("N":null,"T":1499405658657,"t":-1,"v":3,"I":8641984,"w":true,"m":false,"M":false,)"
    R"("O":1499405658657,"Z":"0.00000000","Y":"0.00000000","Q":"0.00000000",)"
    R"("W":1499405658657,"V":"NONE"}})";

const instrument_spec& ethbtc() {
    static const instrument_spec s = spot("ETHBTC", "ETH", "BTC", {1, 8}, {1, 8});
    return s;
}
const instrument_spec* lookup(const void*, std::string_view symbol) {
    return symbol == "ETHBTC" ? &ethbtc() : nullptr;
}

std::string replace(std::string s, std::string_view from, std::string_view to) {
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
}

TEST(BinanceDecoder, DocumentedEventIsAForeignAck) {
    const auto d = binance_decode_user_event(doc_event, 0x77, venue_id{3}, lookup, nullptr);
    ASSERT_TRUE(d.execution.has_value()) << d.error;
    const exec_report& r = d.execution->report;
    EXPECT_EQ(r.kind, exec_kind::ack);
    EXPECT_EQ(r.id.value, 0u); // "mUvo..." is not one of ours
    EXPECT_EQ(r.venue.value, 3);
    EXPECT_EQ(r.state, order_state::acknowledged);
    EXPECT_EQ(r.venue_time.ns, 1499405658658LL * 1'000'000);
    EXPECT_EQ(d.execution->wire_id, "mUvoqJxFIILMdfAW5iGSOW");
}

TEST(BinanceDecoder, TradeCancelAndRejectOfOurOrder) {
    const std::uint64_t tag = 0x77;
    const std::string wire(make_wire_order_id(tag, client_order_id{5}).view());
    std::string trade = replace(std::string(doc_event), "mUvoqJxFIILMdfAW5iGSOW", wire);
    trade = replace(trade, R"("x":"NEW","X":"NEW")", R"("x":"TRADE","X":"PARTIALLY_FILLED")");
    trade =
        replace(trade, R"("l":"0.00000000","z":"0.00000000","L":"0.00000000","n":"0","N":null)",
                R"("l":"0.25000000","z":"0.40000000","L":"0.10264410","n":"0.00000100","N":"BTC")");
    trade = replace(trade, R"("t":-1)", R"("t":9981)");
    auto d = binance_decode_user_event(trade, tag, venue_id{3}, lookup, nullptr);
    ASSERT_TRUE(d.execution.has_value()) << d.error;
    const exec_report& f = d.execution->report;
    EXPECT_EQ(f.kind, exec_kind::fill);
    EXPECT_EQ(f.id.value, 5u);
    EXPECT_EQ(f.state, order_state::partially_filled);
    EXPECT_EQ(f.last_qty.value(), 25'000'000);
    EXPECT_EQ(f.cum_qty.value(), 40'000'000);
    EXPECT_EQ(f.last_px.value(), 10'264'410);
    EXPECT_EQ(f.trade_id_view(), "9981");
    EXPECT_DOUBLE_EQ(f.fee_quote, 0.000001); // commission in the quote asset
    EXPECT_NEAR(f.notional_quote, 0.25 * 0.1026441, 1e-12);

    // A fee in the base asset is converted at the trade's price.
    const std::string base_fee = replace(trade, R"("N":"BTC")", R"("N":"ETH")");
    d = binance_decode_user_event(base_fee, tag, venue_id{3}, lookup, nullptr);
    ASSERT_TRUE(d.execution.has_value()) << d.error;
    EXPECT_NEAR(d.execution->report.fee_quote, 0.000001 * 0.1026441, 1e-15);

    // A cancel names the order in C (c is the cancel request's own id).
    std::string cancel = replace(std::string(doc_event), R"("C":"")", R"("C":")" + wire + "\"");
    cancel = replace(cancel, R"("x":"NEW","X":"NEW")", R"("x":"CANCELED","X":"CANCELED")");
    d = binance_decode_user_event(cancel, tag, venue_id{3}, lookup, nullptr);
    ASSERT_TRUE(d.execution.has_value()) << d.error;
    EXPECT_EQ(d.execution->report.kind, exec_kind::canceled);
    EXPECT_EQ(d.execution->report.id.value, 5u);
    EXPECT_EQ(d.execution->report.state, order_state::canceled);

    std::string reject = replace(std::string(doc_event), "mUvoqJxFIILMdfAW5iGSOW", wire);
    reject = replace(reject, R"("x":"NEW","X":"NEW","r":"NONE")",
                     R"("x":"REJECTED","X":"REJECTED","r":"INSUFFICIENT_BALANCES")");
    d = binance_decode_user_event(reject, tag, venue_id{3}, lookup, nullptr);
    ASSERT_TRUE(d.execution.has_value()) << d.error;
    EXPECT_EQ(d.execution->report.kind, exec_kind::rejected);
    EXPECT_EQ(d.execution->report.reason_view(), "INSUFFICIENT_BALANCES");

    // The raw form (no subscription wrapper) decodes the same.
    const std::string raw = trade.substr(trade.find("\"event\":") + 8,
                                         trade.size() - 1 - (trade.find("\"event\":") + 8));
    d = binance_decode_user_event(raw, tag, venue_id{3}, lookup, nullptr);
    ASSERT_TRUE(d.execution.has_value()) << d.error;
    EXPECT_EQ(d.execution->report.kind, exec_kind::fill);
}

TEST(BinanceDecoder, MalformedEventsNameFieldValueAndReason) {
    std::string trade = replace(std::string(doc_event), R"("x":"NEW")", R"("x":"TRADE")");
    trade = replace(trade, R"("t":-1)", R"("t":12)");
    const struct {
        std::string text;
        std::string expect;
    } cases[] = {
        {replace(trade, R"("l":"0.00000000")", R"("l":"abc")"), "'l' value 'abc'"},
        {replace(trade, R"("L":"0.00000000")", R"("L":"0.000000001")"), "'L' value '0.000000001'"},
        {replace(trade, R"("t":12)", R"("t":-1)"), "trade id"},
        {replace(trade, R"("z":"0.00000000",)", ""), "'z' is missing"},
        {replace(trade, R"("x":"TRADE")", R"("x":"BOGUS")"), "'x' value 'BOGUS'"},
        {replace(trade, R"("n":"0")", R"("n":"zero")"), "'n' value 'zero'"},
        {replace(trade, R"("s":"ETHBTC")", R"("s":"OTHER")"), "symbol 'OTHER'"},
        {trade.substr(0, trade.size() / 2), "not JSON"},
    };
    for (const auto& c : cases) {
        const auto d = binance_decode_user_event(c.text, 1, venue_id{3}, lookup, nullptr);
        EXPECT_FALSE(d.execution.has_value()) << c.text;
        EXPECT_NE(d.error.find(c.expect), std::string::npos) << d.error << " / " << c.expect;
        EXPECT_NE(d.error.find("binance"), std::string::npos) << d.error;
    }
    // Another event type is no error and no execution.
    const auto other = binance_decode_user_event(
        R"({"subscriptionId":0,"event":{"e":"balanceUpdate","E":1,"a":"BTC","d":"1","T":1}})", 1,
        venue_id{3}, lookup, nullptr);
    EXPECT_FALSE(other.execution.has_value());
    EXPECT_TRUE(other.error.empty());
}

} // namespace
} // namespace ballast::exec
