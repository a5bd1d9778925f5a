// `ballast latency`: a short run against loopback venues prints the per-hop table and the
// tick-to-order distribution; --json carries the report's latency_ns keys; bad arguments exit 2
// with one line naming the option. No timing is asserted (machines differ), only order.
#include "cli_runner.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

namespace {

using ballast::test::run_ballast;

// Every run is bounded: a run that never ends is stopped and fails.
constexpr int limit_s = 90;

TEST(latency_cli, json_has_tick_to_order_and_every_leg_in_order) {
    const auto r = run_ballast("latency --seconds 2 --rate 2000 --every 20 --json", false, limit_s);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << r.out;
    std::uint64_t frames = 0;
    ASSERT_EQ(doc["frames"].get(frames), simdjson::SUCCESS);
    EXPECT_GT(frames, 0u);
    std::string_view clock;
    ASSERT_EQ(doc["machine"]["clocksource"].get(clock), simdjson::SUCCESS);
    EXPECT_FALSE(clock.empty());
    std::string_view cpu;
    ASSERT_EQ(doc["machine"]["cpu"].get(cpu), simdjson::SUCCESS);
    for (const char* key :
         {"tick_to_order", "socket_to_decoded", "decoded_to_engine", "engine_to_decision",
          "decision_to_split", "split_to_pre_trade", "pre_trade_to_wire", "queue", "book"}) {
        simdjson::dom::element h;
        ASSERT_EQ(doc["latency_ns"][key].get(h), simdjson::SUCCESS) << key;
        std::uint64_t count = 0;
        std::uint64_t p50 = 0;
        std::uint64_t p99 = 0;
        std::uint64_t p999 = 0;
        std::uint64_t max = 0;
        ASSERT_EQ(h["count"].get(count), simdjson::SUCCESS) << key;
        ASSERT_EQ(h["p50"].get(p50), simdjson::SUCCESS) << key;
        ASSERT_EQ(h["p99"].get(p99), simdjson::SUCCESS) << key;
        ASSERT_EQ(h["p999"].get(p999), simdjson::SUCCESS) << key;
        ASSERT_EQ(h["max"].get(max), simdjson::SUCCESS) << key;
        EXPECT_GT(count, 0u) << key;
        EXPECT_LE(p50, p99) << key;
        EXPECT_LE(p99, p999) << key;
        EXPECT_LE(p999, max) << key;
    }
    // Every order that reached the socket has its whole tick-to-order measured.
    std::uint64_t total = 0;
    std::uint64_t wire = 0;
    ASSERT_EQ(doc["latency_ns"]["tick_to_order"]["count"].get(total), simdjson::SUCCESS);
    ASSERT_EQ(doc["latency_ns"]["pre_trade_to_wire"]["count"].get(wire), simdjson::SUCCESS);
    EXPECT_EQ(total, wire);
    // Where a frame's time starts: the kernel's receive stamp when frames carried one.
    std::uint64_t stamped = 0;
    std::string_view read;
    ASSERT_EQ(doc["kernel_stamped_frames"].get(stamped), simdjson::SUCCESS);
    ASSERT_EQ(doc["frame_read"].get(read), simdjson::SUCCESS);
    EXPECT_EQ(read, stamped > 0 ? "kernel_receive_stamp" : "websocket_read_return");
}

TEST(latency_cli, text_names_the_machine_and_the_hops) {
    // The gateway's I/O thread spins on core 0: orders still leave and are measured.
    const auto r = run_ballast("latency --seconds 1 --rate 1000 --every 10 --venues bybit_spot "
                               "--gateway-idle spin --gateway-cpu 0",
                               false, limit_s);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    for (const char* part :
         {"machine:", "clock source:", "isolated:", "latency per hop", "tick-to-order",
          "socket_to_decoded", "pre_trade_to_wire", "tick_to_order", "p99.9",
          "gateway I/O thread (from core 0, idle spin)"}) {
        EXPECT_NE(r.out.find(part), std::string::npos) << part << "\n" << r.out;
    }
}

TEST(latency_cli, bad_arguments_exit_2_naming_the_option) {
    const struct {
        const char* args;
        const char* names;
    } cases[] = {
        {"latency --rate 0", "--rate"},
        {"latency --rate abc", "--rate"},
        {"latency --seconds -1", "--seconds"},
        {"latency --venues nowhere", "--venues"},
        {"latency --venues bybit_spot,", "--venues"},
        {"latency --idle sleepy", "--idle"},
        {"latency --gateway-idle yield", "--gateway-idle"},
        {"latency --every 0", "--every"},
        {"latency --bogus", "--bogus"},
    };
    for (const auto& c : cases) {
        const auto r = run_ballast(c.args, true, 30);
        EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.out;
        EXPECT_NE(r.out.find(c.names), std::string::npos) << c.args << "\n" << r.out;
        EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << c.args << ": one line\n" << r.out;
    }
}

} // namespace
