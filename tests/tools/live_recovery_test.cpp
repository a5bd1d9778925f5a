// Recovery, proven: `ballast run --live` trades against a loopback Binance (sim-venue, in this
// test process, so it keeps running) over the real protocols: market data over WebSocket, signed
// orders over the WebSocket API, fills from the user data stream. The engine is killed with
// SIGKILL at a named instant (BALLAST_CRASH_AT), then restarted. After each restart the journal's
// orders, fills, position and cash equal what the venue holds, no client order id was ever sent
// twice as a new order, and the rebalance completes.
#include "exec/engine.hpp"
#include "exec/gateway.hpp"
#include "exec/journal.hpp"
#include "exec/oms.hpp"
#include "exec/report.hpp"
#include "exec/scenario.hpp"
#include "exec/signing.hpp"
#include "exec/sim_venue.hpp"
#include "feed/http_client.hpp"

#include "../feed/asio_test_util.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>

namespace {

namespace fs = std::filesystem;
using namespace ballast;

const std::string data = std::string(BALLAST_TEST_DATA_DIR) + "/";
constexpr const char* api_key = "recoveryKey1";
constexpr const char* api_secret = "recoverySecret-never-printed-8c1f";

/// A loopback Binance with one account, serving the recorded book (held after the capture ends).
struct venue {
    std::unique_ptr<exec::sim_venue> sim;
    double usdt_start = 0.0;
    /// `faults`: sim-venue's order faults (--faults), e.g. "order_close:order=1".
    explicit venue(int usdt = 2000, const std::string& faults = "") : usdt_start(usdt) {
        exec::sim_venue_options o;
        o.venue = "binance";
        o.captures.push_back(data + "binance/BINANCE.ws.1.0.txt");
        o.speed = 0.25; // the book keeps moving (Binance books sync on diffs after a snapshot)
        if (auto err = exec::parse_sim_faults(faults, o.faults)) {
            ADD_FAILURE() << *err;
        }
        exec::sim_account_config a;
        a.api_key = api_key;
        a.secret = exec::secret_text(api_secret);
        a.balances = {{"USDT", *exec::sim_decimal::parse(std::to_string(usdt))},
                      {"NKN", *exec::sim_decimal::parse("0")}};
        o.accounts = {a};
        sim = std::make_unique<exec::sim_venue>(o);
        if (auto err = sim->start()) {
            ADD_FAILURE() << *err;
        }
    }
};

/// The scenario, portfolio and key file of one test in its own directory.
struct setup {
    fs::path dir;
    std::string scenario;
    std::string journal;
    /// `gateway_extra`: more lines of the gateway's table, e.g. `user_stream = "listen_key"`
    /// (fills from a REST listen key's stream, as test networks have, instead of the WebSocket
    /// API's userDataStream.subscribe.signature) or `orders = "rest"`.
    setup(const std::string& name, const venue& v, double duration_s, int slices = 2,
          const std::string& gateway_extra = "", const std::string& live_extra = "") {
        dir = fs::temp_directory_path() /
              ("ballast_live_recovery_" + name + "_" + std::to_string(::getpid()));
        fs::remove_all(dir);
        fs::create_directories(dir);
        journal = (dir / "orders.journal").string();
        const std::string keys = (dir / "keys.toml").string();
        std::ofstream(keys) << "api_key = \"" << api_key << "\"\nsecret = \"" << api_secret
                            << "\"\n";
        ::chmod(keys.c_str(), 0600);
        std::ofstream(dir / "portfolio.toml") << R"(name = "recovery"
valuation_time = 2021-10-12T00:28:30Z
cash = ["USD"]

[[instruments]]
venue = "binance"
symbol = "NKNUSDT"
kind = "spot"
contract_size = 1
underlying = "NKN"
tick = "0.00001"
lot = "0.1"

[[instruments]]
venue = "cash"
symbol = "USD"
kind = "spot"
contract_size = 1
underlying = "USD"
tick = "0.0001"
lot = "0.00000001"

[[positions]]
account = "main"
venue = "cash"
symbol = "USD"
qty = )" << v.usdt_start << R"(

[marks.underlyings]
NKN = 0.353
USD = 1.0

[[targets]]
underlying = "NKN"
weight = 0.5
band = 0.05
annual_vol = 1.0

[[targets]]
underlying = "USD"
weight = 0.5
band = 0.05
annual_vol = 0.01

[rebalance]
trigger = "threshold"
horizon_days = 1
synthetic = false

[[routes]]
venue = "binance"
symbol = "NKNUSDT"
fee_bps = 10
half_spread_bps = 1

[limits]
kill_switch = "active"

[[limits.instruments]]
venue = "binance"
symbol = "NKNUSDT"
max_order_qty = 100000
max_order_notional_usd = 50000
max_position = 200000
price_collar = 0.05

[[limits.underlyings]]
underlying = "NKN"
max_abs_delta = 200000
max_abs_gamma_usd_1pct = 1

[[limits.venues]]
venue = "binance"
orders_per_second = 50
burst = 100
)";
        scenario = (dir / "scenario.toml").string();
        std::ofstream(scenario) << "name = \"recovery-" << name << "\"\n"
                                << "portfolio = \"portfolio.toml\"\n"
                                << "journal = \"" << journal << "\"\n"
                                << "quote_aliases = [\"USD\", \"USDT\"]\n"
                                << R"(
[engine]
warmup_s = 0.5
rebalance_interval_s = 0.5
slices = )" << slices << R"(
slice_interval_s = 0.3
collar_bps = 300
max_book_age_s = 86400

[[venues]]
name = "binance"
taker_fee_bps = 10

[live]
)"
                                << "duration_s = " << duration_s << "\n"
                                << "journal_sync = \"every\"\n"
                                << live_extra
                                << "[[live.feeds]]\nvenue = \"binance\"\nsymbols = [\"NKNUSDT\"]\n"
                                << "ws = \"" << v.sim->url("ws") << "\"\n"
                                << "rest = \"" << v.sim->rest_url() << "\"\n"
                                << "[[live.gateways]]\nvenue = \"binance\"\n"
                                << "protocol = \"binance\"\n"
                                << "ws = \"" << v.sim->url("ws_api") << "\"\n"
                                << "ws_private = \"ws://127.0.0.1:" << v.sim->port() << "\"\n"
                                << "rest = \"" << v.sim->rest_url() << "\"\n"
                                << "keys = \"" << keys << "\"\n"
                                << gateway_extra;
    }
};

struct exit_status {
    bool signaled = false;
    int code = -1; ///< exit code, or the signal
    std::string out;
};

/// Runs `ballast run --live` to its end (bounded: killed after `limit`).
exit_status run_live(const setup& s, const std::string& crash_at, std::chrono::seconds limit) {
    const std::string out_path = (s.dir / "out.txt").string();
    const pid_t pid = ::fork();
    if (pid == 0) {
        if (!crash_at.empty()) {
            ::setenv("BALLAST_CRASH_AT", crash_at.c_str(), 1);
        }
        const int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        ::execl(BALLAST_CLI_PATH, BALLAST_CLI_PATH, "run", "--live", "--quiet", "--config",
                s.scenario.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    exit_status r;
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (::waitpid(pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            ADD_FAILURE() << "ballast run --live did not end within " << limit.count() << " s";
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20)); // polling a child: bounded
    }
    r.signaled = WIFSIGNALED(status);
    r.code = r.signaled ? WTERMSIG(status) : WEXITSTATUS(status);
    std::ifstream in(out_path);
    r.out.assign(std::istreambuf_iterator<char>(in), {});
    return r;
}

/// What the venue holds for the account, from /ballast/account.
struct venue_view {
    double usdt = 0.0;
    double nkn = 0.0;
    double nkn_fees = 0.0; ///< Binance charges a buy's commission in the asset bought
    std::map<std::string, std::pair<double, double>> trades; ///< client:trade -> qty, notional
    std::map<std::string, std::uint64_t> new_orders;         ///< client id -> new requests
};

double number(simdjson::dom::element e) {
    std::string_view s;
    if (!e.get(s)) {
        return std::stod(std::string(s));
    }
    double d = 0.0;
    EXPECT_EQ(e.get(d), simdjson::SUCCESS) << "a venue number that is neither text nor a number";
    return d;
}

venue_view read_venue(venue& v) {
    venue_view out;
    const std::string text = v.sim->account_json(api_key);
    simdjson::dom::parser p;
    simdjson::dom::element root;
    EXPECT_FALSE(p.parse(text).get(root)) << text;
    simdjson::dom::object bal;
    if (!root["balances"].get(bal)) {
        for (auto [asset, b] : bal) {
            const double total = number(b["free"]) + number(b["locked"]);
            if (asset == "USDT") {
                out.usdt = total;
            } else if (asset == "NKN") {
                out.nkn = total;
            }
        }
    }
    simdjson::dom::array trades;
    if (!root["trades"].get(trades)) {
        for (auto t : trades) {
            std::string_view client;
            std::string_view id;
            std::string_view fee_asset;
            EXPECT_EQ(t["client_id"].get(client), simdjson::SUCCESS);
            EXPECT_EQ(t["fee_asset"].get(fee_asset), simdjson::SUCCESS);
            std::string trade_id;
            if (!t["trade_id"].get(id)) {
                trade_id = std::string(id);
            } else {
                std::int64_t n = 0;
                EXPECT_EQ(t["trade_id"].get(n), simdjson::SUCCESS);
                trade_id = std::to_string(n);
            }
            const double q = number(t["qty"]);
            const double px = number(t["price"]);
            if (fee_asset == "NKN") {
                out.nkn_fees += number(t["fee"]);
            }
            out.trades[std::string(client) + ":" + trade_id] = {q, q * px};
        }
    }
    simdjson::dom::object news;
    if (!root["new_order_requests"].get(news)) {
        for (auto [client, n] : news) {
            std::uint64_t k = 0;
            EXPECT_EQ(n.get(k), simdjson::SUCCESS);
            out.new_orders[std::string(client)] = k;
        }
    }
    return out;
}

/// The journal's view: fills by client id and trade id, net lots, cash.
struct journal_view {
    std::map<std::string, std::pair<double, double>> trades;
    double nkn = 0.0;
    double notional = 0.0;
    std::size_t orders = 0;
    std::size_t open = 0;
};

journal_view read_journal(const setup& s) {
    journal_view out;
    exec::oms o;
    const auto r = exec::recover_journal(s.journal, o);
    EXPECT_TRUE(r.ok()) << r.error;
    out.orders = o.orders().size();
    out.open = o.open_orders();
    // Fill records: "<seq> fill <id> <trade> <lots> <px ticks> <notional> <fee> <ns> *crc".
    std::ifstream in(s.journal);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string seq;
        std::string kind;
        ls >> seq >> kind;
        if (kind != "fill") {
            continue;
        }
        std::uint64_t id = 0;
        std::string trade;
        std::int64_t lots = 0;
        std::int64_t ticks = 0;
        double notional = 0.0;
        ls >> id >> trade >> lots >> ticks >> notional;
        const std::string client =
            exec::make_wire_order_id(r.tag, client_order_id{id}).view().data();
        const double q = static_cast<double>(lots) * 0.1;
        EXPECT_EQ(out.trades.count(client + ":" + trade), 0u) << "booked twice: " << line;
        out.trades[client + ":" + trade] = {q, notional};
        out.nkn += q;
        out.notional += notional;
    }
    return out;
}

/// The invariant after every restart: what Ballast journalled is what the venue holds.
/// `shared_account`: someone else trades on the account too; only Ballast's own trades
/// (client ids "bl...") are compared, balances are not.
void expect_books_agree(venue& v, const setup& s, bool shared_account = false) {
    venue_view vv = read_venue(v);
    const journal_view jv = read_journal(s);
    EXPECT_EQ(jv.open, 0u) << "orders left working after the run";
    if (shared_account) {
        std::erase_if(vv.trades, [](const auto& t) { return t.first.rfind("bl", 0) != 0; });
    }
    ASSERT_EQ(jv.trades.size(), vv.trades.size());
    for (const auto& [key, t] : vv.trades) {
        const auto it = jv.trades.find(key);
        ASSERT_NE(it, jv.trades.end()) << "venue trade not in the journal: " << key;
        EXPECT_NEAR(it->second.first, t.first, 1e-9) << key;
        EXPECT_NEAR(it->second.second, t.second, 1e-6) << key;
    }
    if (!shared_account) {
        EXPECT_NEAR(jv.nkn, vv.nkn + vv.nkn_fees, 1e-6);
        EXPECT_NEAR(v.usdt_start - jv.notional, vv.usdt, 1e-6);
    }
    for (const auto& [client, n] : vv.new_orders) {
        EXPECT_LE(n, 1u) << "client order id " << client << " sent twice as a new order";
    }
}

/// One kill point: a run killed there, then a clean run that completes the rebalance.
std::string kill_and_recover(const std::string& name, const std::string& crash_at, int usdt = 2000,
                             int slices = 2, const std::string& gateway_extra = "") {
    if (::access(BALLAST_CLI_PATH, X_OK) != 0) {
        ADD_FAILURE() << "no ballast binary at " << BALLAST_CLI_PATH;
        return {};
    }
    venue v(usdt);
    setup s(name, v, 4.0, slices, gateway_extra);
    const exit_status crashed = run_live(s, crash_at, std::chrono::seconds(30));
    if (!crashed.signaled) {
        ADD_FAILURE() << "the crash point was never reached:\n" << crashed.out;
        return {};
    }
    EXPECT_EQ(crashed.code, SIGKILL);
    const exit_status again = run_live(s, "", std::chrono::seconds(60));
    EXPECT_FALSE(again.signaled) << again.out;
    EXPECT_EQ(again.code, 0) << again.out;
    EXPECT_NE(again.out.find("live: "), std::string::npos) << again.out;
    // The rebalance completed: every target in its band.
    const std::string weights = again.out.substr(0, again.out.find("\ntrades"));
    EXPECT_EQ(weights.find(" NO "), std::string::npos) << again.out;
    expect_books_agree(v, s);
    // Nothing a run writes holds the secret.
    for (const auto& f : fs::directory_iterator(s.dir)) {
        if (f.path().filename() == "keys.toml") {
            continue;
        }
        std::ifstream in(f.path());
        const std::string text((std::istreambuf_iterator<char>(in)), {});
        EXPECT_EQ(text.find(api_secret), std::string::npos) << f.path();
    }
    if (!::testing::Test::HasFailure()) {
        fs::remove_all(s.dir); // kept for a look when something failed
    }
    return again.out;
}

TEST(LiveRecovery, CleanRunTradesAndAgreesWithTheVenue) {
    if (::access(BALLAST_CLI_PATH, X_OK) != 0) {
        GTEST_SKIP() << "no ballast binary";
    }
    venue v;
    // The engine thread pinned to the first core this process may use, polling with yields.
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    ASSERT_EQ(sched_getaffinity(0, sizeof allowed, &allowed), 0);
    int core = 0;
    while (!CPU_ISSET(core, &allowed)) {
        ++core;
    }
    setup s("clean", v, 4.0, 2, "",
            "engine_cpu = " + std::to_string(core) + "\nidle = \"yield\"\n");
    const exit_status r = run_live(s, "", std::chrono::seconds(60));
    ASSERT_FALSE(r.signaled) << r.out;
    EXPECT_EQ(r.code, 0) << r.out;
    const journal_view jv = read_journal(s);
    EXPECT_GT(jv.trades.size(), 0u) << r.out;
    expect_books_agree(v, s);
    if (!::testing::Test::HasFailure()) {
        fs::remove_all(s.dir); // kept for a look when something failed
    }
}

const std::string listen_key = "user_stream = \"listen_key\"\n";

TEST(LiveRecovery, KilledBeforeTheSend) {
    const std::string out = kill_and_recover("before_send", "before_send:1", 2000, 2, listen_key);
    // The journalled order never left: the venue says it has none; it is never resent.
    EXPECT_NE(out.find("1 orders recovered from the journal"), std::string::npos) << out;
    EXPECT_NE(out.find("1 orders never reached their venue"), std::string::npos) << out;
}

TEST(LiveRecovery, KilledAfterTheSendBeforeItsAck) {
    const std::string out = kill_and_recover("after_send", "after_send:1", 2000, 2, listen_key);
    // It filled while the engine was down: its fills come from reconciliation.
    EXPECT_EQ(out.find(" 0 fills reconciled at start"), std::string::npos) << out;
}

TEST(LiveRecovery, KilledAfterTheSendBeforeItsAckWithOrdersOverRest) {
    // The same kill with orders, cancels and queries over /api/v3/order.
    const std::string out = kill_and_recover("after_send_rest", "after_send:1", 2000, 2,
                                             listen_key + "orders = \"rest\"\n");
    EXPECT_EQ(out.find(" 0 fills reconciled at start"), std::string::npos) << out;
}

TEST(LiveRecovery, KilledBetweenPartialFills) {
    // One order larger than the best levels: it fills level by level.
    const std::string out = kill_and_recover("between_fills", "between_fills:1", 20000, 1);
    // The first fill was journalled before the kill, the rest reconciled: each booked once.
    EXPECT_EQ(out.find(" 0 fills reconciled at start"), std::string::npos) << out;
}

TEST(LiveRecovery, KilledMidJournalWrite) {
    kill_and_recover("mid_write", "mid_write:6");
}

// ---- the venue misbehaves during a run (no kill): each fault is counted, the rebalance
// completes, and the journal equals the venue: no fill lost, none booked twice, no order sent
// twice -------------------------------------------------------------------------------------

/// A clean run against a venue with `faults`; its output.
std::string run_against_fault(const std::string& name, venue& v, int slices = 2) {
    setup s(name, v, 4.0, slices);
    const exit_status r = run_live(s, "", std::chrono::seconds(60));
    EXPECT_FALSE(r.signaled) << r.out;
    EXPECT_EQ(r.code, 0) << r.out;
    const std::string weights = r.out.substr(0, r.out.find("\ntrades"));
    EXPECT_EQ(weights.find(" NO "), std::string::npos) << r.out;
    expect_books_agree(v, s);
    if (!::testing::Test::HasFailure()) {
        fs::remove_all(s.dir);
    }
    return r.out;
}

TEST(LiveVenueFaults, DisconnectRightAfterAnOrderIsAskedAboutNeverResent) {
    venue v(2000, "order_close:order=1");
    const std::string out = run_against_fault("fault_close", v);
    // The order's outcome was unknown when the connection went: asked, not resent.
    EXPECT_EQ(out.find(" 0 outcomes asked of the venue"), std::string::npos) << out;
}

TEST(LiveVenueFaults, AnOrderNeverAcknowledgedIsSettledFromTheVenue) {
    venue v(2000, "ack_drop:order=1");
    run_against_fault("fault_ack_drop", v);
}

TEST(LiveVenueFaults, DuplicatedExecutionReportsAreBookedOnce) {
    // One order larger than the best levels: several fills, each reported twice.
    venue v(20000, "report_dup:order=1");
    run_against_fault("fault_dup", v, 1);
}

TEST(LiveVenueFaults, FillsAfterTheirOrdersFinalStateAreBooked) {
    // The fills come late: the order's acknowledgement and query answers run ahead of them.
    venue v(20000, "fill_delay:order=1:ms=400");
    run_against_fault("fault_delay", v, 1);
}

TEST(LiveVenueFaults, FillsOfAnotherClientOnTheAccountAreCountedNeverBooked) {
    if (::access(BALLAST_CLI_PATH, X_OK) != 0) {
        GTEST_SKIP() << "no ballast binary";
    }
    venue v;
    setup s("fault_foreign", v, 4.0);
    // Another client of the same account buys while the engine runs (its fills reach the
    // engine's user stream with a client order id that is not Ballast's).
    std::thread other([&] {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (read_venue(v).new_orders.empty() && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20)); // polling: bounded
        }
        boost::asio::io_context io;
        feed::http_client client(io, {});
        const std::string query =
            "newClientOrderId=otherClient1&quantity=400&side=BUY&symbol=NKNUSDT&timestamp=" +
            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count()) +
            "&type=MARKET";
        const auto sig = exec::hex_encode(exec::hmac_sha256(api_secret, query));
        bool done = false;
        client.request(feed::http_method::post,
                       v.sim->rest_url() + "/api/v3/order?" + query + "&signature=" + sig,
                       {{"X-MBX-APIKEY", api_key}}, "", [&](feed::http_response r) {
                           EXPECT_TRUE(r.ok()) << r.status << " " << r.body << r.error;
                           done = true;
                       });
        EXPECT_TRUE(test::run_until(
            io, [&] { return done; }, std::chrono::seconds(10)));
    });
    const exit_status r = run_live(s, "", std::chrono::seconds(60));
    other.join();
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("execution reports: "), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("execution reports: 0 for unknown orders"), std::string::npos) << r.out;
    expect_books_agree(v, s, true);
    if (!::testing::Test::HasFailure()) {
        fs::remove_all(s.dir);
    }
}

TEST(LiveVenueFaults, AWallClockThatJumpsIsCountedAndMovesNoTimer) {
    // The engine in this process, its wall clock stepped an hour forward after a second, then
    // two hours back after two: timers and book ages keep the monotonic clock.
    venue v;
    setup s("clock_jump", v, 4.0);
    const auto sc = exec::load_scenario(s.scenario);
    ASSERT_TRUE(sc.value) << sc.error;
    exec::engine_options o;
    o.live = true;
    const auto start = std::chrono::steady_clock::now();
    o.wall_clock = [start] {
        const auto since = std::chrono::steady_clock::now() - start;
        const std::int64_t hour = 3'600'000'000'000;
        const std::int64_t step = since > std::chrono::seconds(2)   ? -hour
                                  : since > std::chrono::seconds(1) ? hour
                                                                    : 0;
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count() +
               step;
    };
    auto e = exec::engine::create(*sc.value, o);
    ASSERT_TRUE(e.value) << e.error;
    const exec::run_result r = e.value->run();
    ASSERT_TRUE(r.error.empty()) << r.error;
    EXPECT_EQ(r.clock_steps, 2u);
    EXPECT_GE(r.clock_step_max_ns, 7'000'000'000'000); // the two-hour step back
    // The run lasted its 4 s of engine time, not an hour less or more.
    EXPECT_NEAR(static_cast<double>(r.market_end.ns - r.market_start.ns) / 1e9, 4.0, 1.0);
    for (const auto& u : r.underlyings) {
        EXPECT_TRUE(u.inside_band_after()) << u.name;
    }
    expect_books_agree(v, s);
    const std::string text = exec::format_report(r, 0);
    EXPECT_NE(text.find("clock: the wall clock stepped 2 times"), std::string::npos) << text;
    if (!::testing::Test::HasFailure()) {
        fs::remove_all(s.dir);
    }
}

} // namespace
