// sim-venue's order engine on a hand-made book: exact decimals, the --accounts file, IOC partial
// fills level by level, FOK, post-only, resting orders filled by a later book update, hidden
// liquidity, balances, duplicate client ids, filters, cancel and amend.
#include "exec/sim_accounts.hpp"
#include "exec/sim_orders.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace ballast;
using namespace ballast::exec;

namespace {

sim_decimal d(const char* s) {
    return *sim_decimal::parse(s);
}

struct engine_fixture : ::testing::Test {
    engine_fixture() : book(64, true) {
        spec.venue = "binance";
        spec.symbol = "NKNUSDT";
        spec.base = "NKN";
        spec.quote = "USDT";
        spec.tick = {1, 4}; // 0.0001
        spec.lot = {1, 0};  // 1
        spec.min_notional = 1.0;
        // asks 0.3520 x 100, 0.3521 x 50, 0.3525 x 1000; bids 0.3510 x 200, 0.3500 x 300
        ask("0.3520", "100");
        ask("0.3521", "50");
        ask("0.3525", "1000");
        bid("0.3510", "200");
        bid("0.3500", "300");
        sim_account_config a;
        a.api_key = "k1";
        a.secret = secret_text("s1");
        a.balances = {{"USDT", d("100")}, {"NKN", d("500")}};
        sim_venue_rules rules;
        rules.taker_bps = d("10");
        rules.maker_bps = d("2");
        engine.emplace(
            std::vector<sim_account_config>{a}, rules,
            [this](std::string_view, std::string_view) -> const l2_book* { return &book; });
    }
    void level(side s, const char* px, const char* sz) {
        const auto p = spec.parse_price(px);
        const auto q = spec.parse_qty(sz);
        book.set_level(s, p.value, q.value, px, sz);
    }
    void ask(const char* px, const char* sz) { level(side::ask, px, sz); }
    void bid(const char* px, const char* sz) { level(side::bid, px, sz); }
    sim_new_order order(sim_side s, sim_tif tif, const char* px, const char* qty,
                        std::string cid = "") {
        sim_new_order n;
        n.feed = "binance";
        n.spec = &spec;
        n.side = s;
        n.type = sim_order_type::limit;
        n.tif = tif;
        n.price = d(px);
        n.qty = d(qty);
        n.client_id = std::move(cid);
        return n;
    }
    sim_account& acct() { return *engine->account("k1"); }
    sim_decimal free(const char* asset) { return acct().balances[asset].free; }
    sim_decimal locked(const char* asset) { return acct().balances[asset].locked; }

    instrument_spec spec;
    l2_book book;
    std::optional<sim_orders> engine;
};

} // namespace

TEST(SimDecimal, ParsesFormatsAndComputesExactly) {
    EXPECT_EQ(d("0.35130000").str(), "0.3513");
    EXPECT_EQ(d("0.3513").str(8), "0.35130000");
    EXPECT_EQ(d("-1.50").str(), "-1.5");
    EXPECT_EQ((d("0.1") + d("0.2")).str(), "0.3");
    EXPECT_EQ((d("0.3520") * d("100")).str(), "35.2");
    EXPECT_EQ((d("35.2") * d("0.001")).str(), "0.0352");
    EXPECT_EQ(d("10").div(d("3"), 4).str(), "3.3333");
    EXPECT_TRUE(d("0.3525").multiple_of(d("0.0005")));
    EXPECT_FALSE(d("0.35251").multiple_of(d("0.0001")));
    EXPECT_LT(d("0.35"), d("0.3501"));
    EXPECT_FALSE(sim_decimal::parse("1e5"));
    EXPECT_FALSE(sim_decimal::parse("1.2.3"));
    EXPECT_FALSE(sim_decimal::parse(""));
    EXPECT_FALSE(sim_decimal::parse("abc"));
}

TEST(SimAccounts, ParsesAccountsAndNamesTheBadField) {
    const auto ok = parse_sim_accounts(R"(
[[account]]
api_key = "k1"
secret = "s1"
balances = { USDT = "100000", BTC = "2.5" }
taker_fee_bps = 7.5
[[account]]
api_key = "k2"
ed25519_public_key = """-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAeHGUwZ8c1mK1d/5hyDAfDkB6cHvT+Gnb9cyHHyFd0Ws=
-----END PUBLIC KEY-----"""
)",
                                       "a.toml");
    ASSERT_TRUE(ok.error.empty()) << ok.error;
    ASSERT_EQ(ok.accounts.size(), 2u);
    ASSERT_EQ(ok.accounts[0].balances.size(), 2u);
    for (const auto& [asset, amount] : ok.accounts[0].balances) {
        EXPECT_EQ(amount.str(), asset == "BTC" ? "2.5" : "100000");
    }
    EXPECT_EQ(ok.accounts[0].taker_fee_bps->str(), "7.5");
    EXPECT_EQ(ok.accounts[0].secret.value(), "s1");

    const auto bad_balance = parse_sim_accounts(
        "[[account]]\napi_key=\"k\"\nsecret=\"topsecret\"\nbalances={USDT=\"-1\"}\n", "a.toml");
    EXPECT_EQ(bad_balance.error,
              "--accounts a.toml: account 1: balances.USDT must be a non-negative decimal string "
              "(\"100000\")");
    EXPECT_EQ(bad_balance.error.find("topsecret"), std::string::npos);
    const auto two_keys = parse_sim_accounts(
        "[[account]]\napi_key=\"k\"\nsecret=\"x\"\n[[account]]\napi_key=\"j\"\n", "b.toml");
    EXPECT_EQ(two_keys.error, "--accounts b.toml: account 2: needs exactly one of secret (HMAC) "
                              "or ed25519_public_key (PEM)");
    const auto unknown =
        parse_sim_accounts("[[account]]\napi_key=\"k\"\nsecret=\"x\"\nsecrte=\"y\"\n", "c.toml");
    EXPECT_NE(unknown.error.find("account 1: unknown field 'secrte'"), std::string::npos);
    const auto repeated = parse_sim_accounts(
        "[[account]]\napi_key=\"k\"\nsecret=\"x\"\n[[account]]\napi_key=\"k\"\nsecret=\"y\"\n",
        "d.toml");
    EXPECT_NE(repeated.error.find("account 2: api_key repeats account 1's"), std::string::npos);
    EXPECT_NE(parse_sim_accounts("[[account]\n", "e.toml").error.find("--accounts e.toml:1: "),
              std::string::npos);
    EXPECT_EQ(load_sim_accounts("/nonexistent/accounts.toml").error,
              "--accounts /nonexistent/accounts.toml: No such file or directory");
    EXPECT_EQ(load_sim_accounts("/").error, "--accounts /: is a directory");
    EXPECT_EQ(load_sim_accounts("/dev/null").error, "--accounts /dev/null: empty file");
}

TEST_F(engine_fixture, IocTakesLevelByLevelThenCancelsTheRest) {
    const auto r =
        engine->place(acct(), order(sim_side::buy, sim_tif::ioc, "0.3521", "200", "c1"), 1000, 1);
    ASSERT_EQ(r.reject, sim_reject::none);
    EXPECT_EQ(r.order->filled.str(), "150");
    EXPECT_EQ(r.order->filled_quote.str(), "52.805"); // 100 * 0.3520 + 50 * 0.3521
    EXPECT_EQ(r.order->status, sim_order_status::expired);
    ASSERT_EQ(acct().trades.size(), 2u);
    EXPECT_EQ(acct().trades[0].price.str(), "0.352");
    EXPECT_EQ(acct().trades[1].qty.str(), "50");
    EXPECT_EQ(acct().trades[0].fee.str(), "0.1"); // 10 bps of 100 NKN received
    EXPECT_EQ(free("USDT").str(), "47.195");
    EXPECT_EQ(locked("USDT").str(), "0");
    EXPECT_EQ(free("NKN").str(), "649.85"); // 500 + 150 - 0.15 fee
    const auto events = engine->take_events();
    ASSERT_EQ(events.size(), 4u); // accepted, trade, trade, expired
    EXPECT_EQ(events[0].kind, sim_event_kind::accepted);
    EXPECT_EQ(events[3].kind, sim_event_kind::expired);
    EXPECT_EQ(acct().new_requests["c1"], 1u);
}

TEST_F(engine_fixture, TakenLiquidityIsHiddenUntilTheCaptureChangesTheLevel) {
    ASSERT_EQ(
        engine->place(acct(), order(sim_side::buy, sim_tif::ioc, "0.3520", "60"), 1, 1).reject,
        sim_reject::none);
    auto r = engine->place(acct(), order(sim_side::buy, sim_tif::ioc, "0.3520", "60"), 2, 2);
    EXPECT_EQ(r.order->filled.str(), "40"); // 100 - 60 left at the level
    r = engine->place(acct(), order(sim_side::buy, sim_tif::ioc, "0.3520", "10"), 3, 3);
    EXPECT_EQ(r.order->filled.str(), "0");
    ask("0.3520", "30"); // the capture updates the level: its quantity is back
    r = engine->place(acct(), order(sim_side::buy, sim_tif::ioc, "0.3520", "10"), 4, 4);
    EXPECT_EQ(r.order->filled.str(), "10");
}

TEST_F(engine_fixture, FokFillsInFullOrNotAtAll) {
    auto r = engine->place(acct(), order(sim_side::buy, sim_tif::fok, "0.3521", "151"), 1, 1);
    ASSERT_EQ(r.reject, sim_reject::none);
    EXPECT_EQ(r.order->status, sim_order_status::expired);
    EXPECT_EQ(r.order->filled.str(), "0");
    EXPECT_TRUE(acct().trades.empty());
    EXPECT_EQ(free("USDT").str(), "100");
    r = engine->place(acct(), order(sim_side::buy, sim_tif::fok, "0.3521", "150"), 2, 2);
    EXPECT_EQ(r.order->status, sim_order_status::filled);
}

TEST_F(engine_fixture, PostOnlyThatWouldTakeIsRefusedOrCanceledByTheVenuesRule) {
    auto r = engine->place(acct(), order(sim_side::buy, sim_tif::post_only, "0.3520", "10"), 1, 1);
    ASSERT_EQ(r.reject, sim_reject::none); // default rule: accepted, then canceled
    EXPECT_EQ(r.order->status, sim_order_status::canceled);
    EXPECT_EQ(r.order->reason, sim_reject::would_take);
    EXPECT_EQ(locked("USDT").str(), "0");
    r = engine->place(acct(), order(sim_side::buy, sim_tif::post_only, "0.3515", "10"), 2, 2);
    EXPECT_EQ(r.order->status, sim_order_status::open);
    EXPECT_EQ(locked("USDT").str(), "3.515");

    sim_venue_rules strict;
    strict.post_only_rejects = true;
    sim_account_config a;
    a.api_key = "k2";
    a.balances = {{"USDT", d("100")}};
    sim_orders binance({a}, strict, [this](auto, auto) -> const l2_book* { return &book; });
    r = binance.place(*binance.account("k2"),
                      order(sim_side::buy, sim_tif::post_only, "0.3520", "10"), 1, 1);
    EXPECT_EQ(r.reject, sim_reject::would_take);
    EXPECT_TRUE(binance.account("k2")->orders.empty());
}

TEST_F(engine_fixture, RestingOrderFillsAtItsLimitWhenALaterUpdateCrossesIt) {
    auto r =
        engine->place(acct(), order(sim_side::buy, sim_tif::gtc, "0.3515", "100", "rest"), 1, 1);
    ASSERT_EQ(r.order->status, sim_order_status::open);
    EXPECT_EQ(locked("USDT").str(), "35.15");
    (void)engine->take_events();
    engine->on_book_update("binance", "NKNUSDT", 5); // nothing crosses yet
    EXPECT_TRUE(engine->take_events().empty());
    ask("0.3512", "60"); // the capture: an ask at 0.3512 now crosses the resting bid
    engine->on_book_update("binance", "NKNUSDT", 6);
    const auto events = engine->take_events();
    ASSERT_EQ(events.size(), 1u);
    ASSERT_TRUE(events[0].trade);
    EXPECT_TRUE(events[0].trade->maker);
    EXPECT_EQ(events[0].trade->price.str(), "0.3515"); // at its limit
    EXPECT_EQ(events[0].trade->qty.str(), "60");
    EXPECT_EQ(events[0].trade->fee.str(), "0.012"); // maker 2 bps of 60 NKN
    EXPECT_EQ(events[0].order.status, sim_order_status::partially_filled);
    EXPECT_EQ(locked("USDT").str(), "14.06");        // 40 * 0.3515 still locked
    engine->on_book_update("binance", "NKNUSDT", 7); // the same level is not taken twice
    EXPECT_TRUE(engine->take_events().empty());
}

TEST_F(engine_fixture, InsufficientBalanceFiltersAndDuplicateClientIds) {
    EXPECT_EQ(engine->place(acct(), order(sim_side::buy, sim_tif::gtc, "0.3", "400"), 1, 1).reject,
              sim_reject::insufficient_balance); // 120 USDT > 100
    EXPECT_EQ(engine->place(acct(), order(sim_side::sell, sim_tif::gtc, "0.4", "501"), 1, 2).reject,
              sim_reject::insufficient_balance);
    EXPECT_EQ(
        engine->place(acct(), order(sim_side::buy, sim_tif::gtc, "0.35001", "10"), 1, 3).reject,
        sim_reject::bad_price);
    EXPECT_EQ(engine->place(acct(), order(sim_side::buy, sim_tif::gtc, "0.35", "1.5"), 1, 4).reject,
              sim_reject::bad_quantity);
    EXPECT_EQ(engine->place(acct(), order(sim_side::buy, sim_tif::gtc, "0.35", "2"), 1, 5).reject,
              sim_reject::min_notional);
    ASSERT_EQ(
        engine->place(acct(), order(sim_side::buy, sim_tif::gtc, "0.35", "10", "dup"), 1, 6).reject,
        sim_reject::none);
    EXPECT_EQ(
        engine->place(acct(), order(sim_side::buy, sim_tif::gtc, "0.35", "10", "dup"), 1, 7).reject,
        sim_reject::duplicate_client_id);
    EXPECT_EQ(acct().new_requests["dup"], 2u);
    // Once closed, the id may be used again (Binance, OKX); Bybit keeps it unique.
    ASSERT_EQ(engine->cancel(acct(), "NKNUSDT", 0, "dup", 2, 8).reject, sim_reject::none);
    EXPECT_EQ(
        engine->place(acct(), order(sim_side::buy, sim_tif::gtc, "0.35", "10", "dup"), 1, 9).reject,
        sim_reject::none);
}

TEST_F(engine_fixture, CancelReleasesFundsAndAmendMovesThem) {
    auto r = engine->place(acct(), order(sim_side::sell, sim_tif::gtc, "0.3600", "100", "s"), 1, 1);
    const std::uint64_t id = r.order->id;
    EXPECT_EQ(locked("NKN").str(), "100");
    r = engine->amend(acct(), "NKNUSDT", id, "", d("150"), std::nullopt, 2, 2);
    ASSERT_EQ(r.reject, sim_reject::none);
    EXPECT_EQ(locked("NKN").str(), "150");
    r = engine->amend(acct(), "NKNUSDT", id, "", std::nullopt, d("0.3510"), 3, 3);
    ASSERT_EQ(r.reject, sim_reject::none); // moved through the bid: takes 150 of its 200
    EXPECT_EQ(r.order->status, sim_order_status::filled);
    EXPECT_EQ(free("USDT").str(), "152.59735"); // 100 + 52.65 - 0.05265 fee
    EXPECT_EQ(engine->cancel(acct(), "NKNUSDT", id, "", 4, 4).reject, sim_reject::order_closed);
    EXPECT_EQ(engine->cancel(acct(), "NKNUSDT", 999, "", 4, 5).reject, sim_reject::unknown_order);
    r = engine->place(acct(), order(sim_side::buy, sim_tif::gtc, "0.3400", "100"), 5, 6);
    EXPECT_EQ(locked("USDT").str(), "34");
    ASSERT_EQ(engine->cancel(acct(), "NKNUSDT", r.order->id, "", 6, 7).reject, sim_reject::none);
    EXPECT_EQ(locked("USDT").str(), "0");
    EXPECT_EQ(free("USDT").str(), "152.59735");
    const std::string json = engine->account_json(acct());
    EXPECT_NE(json.find("\"USDT\":{\"free\":\"152.59735\",\"locked\":\"0\"}"), std::string::npos)
        << json;
    EXPECT_EQ(json.find("s1"), std::string::npos); // never the secret
}

TEST_F(engine_fixture, MarketOrdersWalkTheBookAndNeedFunds) {
    sim_new_order m = order(sim_side::buy, sim_tif::ioc, "0", "120");
    m.type = sim_order_type::market;
    auto r = engine->place(acct(), m, 1, 1);
    ASSERT_EQ(r.reject, sim_reject::none);
    EXPECT_EQ(r.order->status, sim_order_status::filled);
    EXPECT_EQ(r.order->filled_quote.str(), "42.242"); // 100 * 0.352 + 20 * 0.3521
    m.qty = d("1000");
    EXPECT_EQ(engine->place(acct(), m, 2, 2).reject, sim_reject::insufficient_balance);
}
