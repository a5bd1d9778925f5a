#include "exec/journal.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ballast::exec {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t test_tag = 0x0123456789abcdefULL;
constexpr std::int64_t test_pid = 4242;

journal_options fixed_options(journal_sync policy = journal_sync::none, std::uint32_t group = 16) {
    journal_options o;
    o.sync = policy;
    o.group = group;
    o.random = [] { return test_tag; };
    o.wall_clock_ns = [] { return std::int64_t{1'700'000'000'000'000'000}; };
    o.pid = test_pid;
    return o;
}

/// A fresh path under the temp directory, removed before and after the test.
class scratch_file {
  public:
    explicit scratch_file(const std::string& name)
        : path_((fs::temp_directory_path() /
                 ("ballast_journal_test_" + std::to_string(::getpid()) + "_" + name))
                    .string()) {
        fs::remove(path_);
    }
    ~scratch_file() { fs::remove(path_); }
    [[nodiscard]] const std::string& path() const { return path_; }

  private:
    std::string path_;
};

std::string slurp(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void spit(const std::string& p, const std::string& s) {
    std::ofstream(p, std::ios::binary | std::ios::trunc) << s;
}

order make_order(std::int64_t lots) {
    return order{.venue = venue_id{2},
                 .instrument = instrument_id{1},
                 .quantity = qty(lots),
                 .limit = price(650000),
                 .limit_price = 65000.0,
                 .created = timestamp_ns{1000}};
}

/// Writes header, session and a lifecycle of two orders; returns the live OMS.
void write_two_orders(const std::string& path, oms& live) {
    journal j;
    ASSERT_FALSE(j.open(path, fixed_options()).has_value());
    order a = make_order(10);
    ASSERT_EQ(live.add(a), oms_error::ok);
    ASSERT_TRUE(j.submitted(a, {"XYZ-PERP", order_type::limit, order_tif::ioc}));
    ASSERT_TRUE(j.sent(a.id, 120, timestamp_ns{1500}));
    ASSERT_TRUE(j.acknowledged(a.id, "v-778", timestamp_ns{2000}));
    ASSERT_EQ(live.acknowledge(a.id), oms_error::ok);
    ASSERT_TRUE(
        j.filled(a.id, "t1", qty(3), price(650010), 195000.123456789, 0.195, timestamp_ns{2000}));
    ASSERT_EQ(live.fill(a.id, qty(3), 195000.123456789, 0.195), oms_error::ok);
    ASSERT_TRUE(j.canceled(a.id, timestamp_ns{2000}));
    ASSERT_EQ(live.cancel(a.id), oms_error::ok);
    order b = make_order(4);
    ASSERT_EQ(live.add(b), oms_error::ok);
    ASSERT_TRUE(j.submitted(b)); // never sent: its fate is unknown after a crash
    EXPECT_EQ(j.records(), 8u);
    EXPECT_EQ(j.last_sequence(), 8u);
    EXPECT_FALSE(j.failed());
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto nl = text.find('\n', pos);
        out.push_back(text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
        pos = nl == std::string::npos ? text.size() : nl + 1;
    }
    return out;
}

TEST(JournalChecksum, Crc32cOfTheStandardCheckString) {
    EXPECT_EQ(journal_crc32c("123456789"), 0xE3069283u); // the CRC-32C check value
    EXPECT_EQ(journal_crc32c(""), 0u);
}

TEST(Journal, RecoveryRebuildsOrdersStatesAndFills) {
    scratch_file f("recovery");
    oms live(8);
    write_two_orders(f.path(), live);
    oms back(8);
    const auto r = recover_journal(f.path(), back);
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.records, 8u);
    EXPECT_EQ(r.sessions, 1u);
    EXPECT_EQ(r.torn_records, 0u);
    EXPECT_EQ(r.tag, test_tag);
    EXPECT_EQ(r.last_sequence, 8u);
    EXPECT_EQ(r.open_orders, 1u);
    ASSERT_EQ(back.orders().size(), 2u);
    const order& a = back.orders()[0];
    EXPECT_EQ(a.state, order_state::canceled);
    EXPECT_EQ(a.filled, qty(3));
    EXPECT_EQ(a.notional_quote, 195000.123456789); // shortest round-trip text: exact
    EXPECT_EQ(a.fees_quote, 0.195);
    EXPECT_EQ(a.quantity, qty(10));
    EXPECT_EQ(a.limit, price(650000));
    EXPECT_EQ(a.venue, venue_id{2});
    EXPECT_EQ(back.orders()[1].state, order_state::new_order);
    ASSERT_EQ(r.orders.size(), 2u);
    EXPECT_EQ(r.orders[0].symbol, "XYZ-PERP");
    EXPECT_EQ(r.orders[0].venue_order_id, "v-778");
    EXPECT_TRUE(r.orders[0].sent);
    EXPECT_FALSE(r.orders[1].sent);
    EXPECT_EQ(r.needs_reconcile, std::vector<client_order_id>{client_order_id{2}});
    EXPECT_EQ(r.never_sent, std::vector<client_order_id>{client_order_id{2}});
    EXPECT_TRUE(r.trade_booked(venue_id{2}, client_order_id{1}, "t1"));
    EXPECT_FALSE(r.trade_booked(venue_id{3}, client_order_id{1}, "t1"));
    EXPECT_FALSE(r.trade_booked(venue_id{2}, client_order_id{2}, "t1"));
    ASSERT_EQ(r.position_lots.size(), 1u);
    EXPECT_EQ(r.position_lots[0], (std::pair{instrument_id{1}, std::int64_t{3}}));
    ASSERT_EQ(r.cash.size(), 1u);
    EXPECT_EQ(r.cash[0].notional_quote, -195000.123456789); // a buy pays the notional
    EXPECT_EQ(r.cash[0].fee_quote, 0.195);
}

TEST(Journal, EveryRecordIsOneChecksummedSequencedLine) {
    scratch_file f("format");
    oms live(8);
    write_two_orders(f.path(), live);
    const auto lines = lines_of(slurp(f.path()));
    ASSERT_EQ(lines.size(), 8u);
    EXPECT_EQ(lines[0].rfind("1 journal 1 0123456789abcdef *", 0), 0u) << lines[0];
    EXPECT_EQ(lines[1].rfind("2 session 4242 1700000000000000000 *", 0), 0u) << lines[1];
    for (std::size_t i = 0; i < lines.size(); ++i) {
        EXPECT_EQ(lines[i].rfind(std::to_string(i + 1) + " ", 0), 0u) << lines[i];
        const auto star = lines[i].rfind(" *");
        ASSERT_NE(star, std::string::npos);
        char hex[9];
        std::snprintf(hex, sizeof hex, "%08x", journal_crc32c(lines[i].substr(0, star)));
        EXPECT_EQ(lines[i].substr(star + 2), hex);
    }
}

TEST(Journal, AppendsAcrossReopenWithoutErasing) {
    scratch_file f("reopen");
    oms live(8);
    write_two_orders(f.path(), live);
    const std::string first = slurp(f.path());
    {
        journal j;
        auto opt = fixed_options();
        opt.random = []() -> std::uint64_t {
            ADD_FAILURE() << "the tag is drawn only when the journal is created";
            return 0;
        };
        ASSERT_FALSE(j.open(f.path(), opt).has_value());
        EXPECT_EQ(j.tag(), test_tag);
        EXPECT_EQ(j.last_sequence(), 9u); // 8 records, then this session's start
        EXPECT_EQ(j.last_order_id(), 2u);
        order stale = make_order(1);
        stale.id = client_order_id{2};
        EXPECT_FALSE(j.submitted(stale)) << "an id already in the journal is never reused";
        EXPECT_FALSE(j.failed());
        order c = make_order(5);
        ASSERT_EQ(live.add(c), oms_error::ok);
        EXPECT_TRUE(j.submitted(c));
        EXPECT_TRUE(j.rejected(c.id, -2010, "insufficient balance", timestamp_ns{3000}));
        ASSERT_EQ(live.reject(c.id), oms_error::ok);
        EXPECT_EQ(j.last_sequence(), 11u);
    }
    const std::string both = slurp(f.path());
    ASSERT_GT(both.size(), first.size());
    EXPECT_EQ(both.substr(0, first.size()), first);
    oms back(8);
    const auto r = recover_journal(f.path(), back);
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.sessions, 2u);
    EXPECT_EQ(r.last_sequence, 11u);
    ASSERT_EQ(back.orders().size(), 3u);
    EXPECT_EQ(back.orders()[2].state, order_state::rejected);
}

TEST(Journal, SecondOpenerInTheSameProcessIsRefused) {
    scratch_file f("lock");
    journal a;
    ASSERT_FALSE(a.open(f.path(), fixed_options()).has_value());
    journal b;
    const auto err = b.open(f.path(), fixed_options());
    ASSERT_TRUE(err.has_value());
    EXPECT_NE(err->find(f.path()), std::string::npos) << *err;
    EXPECT_NE(err->find("in use"), std::string::npos) << *err;
    EXPECT_NE(err->find("pid 4242"), std::string::npos) << *err;
    EXPECT_FALSE(b.is_open());
    a.close();
    EXPECT_FALSE(b.open(f.path(), fixed_options()).has_value());
}

/// Runs `child` in a forked process and returns its exit status (waits at most a few seconds:
/// the child only opens a file and takes a non-blocking lock).
int in_child(const std::function<int()>& child) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::_exit(child());
    }
    int status = 0;
    for (int i = 0; i < 500; ++i) {
        const pid_t w = ::waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
        }
        ::usleep(10'000); // polls the child's exit, bounded at 5 s
    }
    ::kill(pid, SIGKILL);
    (void)::waitpid(pid, &status, 0);
    return 101;
}

TEST(Journal, SecondOpenerInAnotherProcessIsRefused) {
    scratch_file f("lock_fork");
    journal a;
    ASSERT_FALSE(a.open(f.path(), fixed_options()).has_value());
    const int refused = in_child([&] {
        journal b;
        const auto err = b.open(f.path(), fixed_options());
        if (!err) {
            return 1;
        }
        return err->find(f.path()) != std::string::npos &&
                       err->find("pid 4242") != std::string::npos
                   ? 0
                   : 2;
    });
    EXPECT_EQ(refused, 0);
    a.close();
    // A holder that dies without closing leaves no lock behind.
    const int crashed = in_child([&] {
        journal b;
        auto opt = fixed_options();
        opt.pid = 777;
        if (b.open(f.path(), opt)) {
            return 1;
        }
        ::_exit(0); // no destructor: the kernel releases the lock
    });
    EXPECT_EQ(crashed, 0);
    EXPECT_FALSE(a.open(f.path(), fixed_options()).has_value());
}

TEST(Journal, TornLastRecordAtEveryByteOffsetIsIgnoredAndTheNextSessionAppends) {
    scratch_file f("torn");
    oms live(8);
    write_two_orders(f.path(), live);
    const std::string full = slurp(f.path());
    const std::size_t last = full.rfind('\n', full.size() - 2) + 1; // start of the final record
    for (std::size_t cut = last; cut < full.size(); ++cut) {
        SCOPED_TRACE("cut at byte " + std::to_string(cut));
        spit(f.path(), full.substr(0, cut));
        const std::size_t torn = cut > last ? 1 : 0;
        {
            oms back(8);
            const auto r = recover_journal(f.path(), back);
            ASSERT_TRUE(r.ok()) << r.error;
            EXPECT_EQ(r.records, 7u);
            EXPECT_EQ(r.torn_records, torn);
            EXPECT_EQ(back.orders().size(), 1u);
        }
        {
            journal j;
            ASSERT_FALSE(j.open(f.path(), fixed_options()).has_value());
            EXPECT_EQ(j.torn_on_open(), torn);
            EXPECT_EQ(j.last_sequence(), 8u); // the torn record's number is used again
            EXPECT_TRUE(j.cancel_requested(client_order_id{1}, timestamp_ns{9}));
            EXPECT_TRUE(j.sent(client_order_id{1}, 1, timestamp_ns{9}));
        }
        oms back(8);
        const auto r = recover_journal(f.path(), back);
        ASSERT_TRUE(r.ok()) << r.error;
        EXPECT_EQ(r.torn_records, torn);
        EXPECT_EQ(r.sessions, 2u);
        EXPECT_EQ(r.last_sequence, 10u);
        // And a third session reads the whole file again.
        journal again;
        EXPECT_FALSE(again.open(f.path(), fixed_options()).has_value());
    }
    // A complete final line whose checksum is wrong is torn too.
    std::string bad = full;
    bad[last + 2] ^= 0x01;
    spit(f.path(), bad);
    oms back(8);
    const auto r = recover_journal(f.path(), back);
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.torn_records, 1u);
}

TEST(Journal, ATornHeaderStartsTheJournalAfresh) {
    scratch_file f("torn_header");
    spit(f.path(), "1 journ");
    journal j;
    ASSERT_FALSE(j.open(f.path(), fixed_options()).has_value());
    EXPECT_EQ(j.tag(), test_tag);
    j.close();
    oms back(8);
    const auto r = recover_journal(f.path(), back);
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.torn_records, 1u);
    EXPECT_EQ(r.last_sequence, 2u);
}

TEST(Journal, AFileThatIsNotAJournalIsRefusedAndKept) {
    scratch_file f("not_a_journal");
    const std::string text = "S 1 2 1 b 10 650000 65000 1000\nA 1 2000\n";
    spit(f.path(), text);
    journal j;
    const auto err = j.open(f.path(), fixed_options());
    ASSERT_TRUE(err.has_value());
    EXPECT_EQ(*err, "journal: " + f.path() + ":1: not a journal (no checksum)");
    EXPECT_EQ(slurp(f.path()), text);
    oms back(8);
    EXPECT_EQ(recover_journal(f.path(), back).error, f.path() + ":1: not a journal (no checksum)");
}

TEST(Journal, CorruptionInTheMiddleFailsWithPathAndLine) {
    scratch_file f("corrupt");
    oms live(8);
    write_two_orders(f.path(), live);
    const std::string full = slurp(f.path());
    const auto lines = lines_of(full);
    // Line 5 (the fill): one character changed.
    std::size_t at = 0;
    for (int i = 0; i < 4; ++i) {
        at = full.find('\n', at) + 1;
    }
    std::string bad = full;
    bad[at + lines[4].find("fill") + 1] = 'u';
    spit(f.path(), bad);
    oms back(8);
    const auto r = recover_journal(f.path(), back);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error, f.path() + ":5: checksum mismatch");
    journal j;
    const auto err = j.open(f.path(), fixed_options());
    ASSERT_TRUE(err.has_value());
    EXPECT_NE(err->find(f.path() + ":5: checksum mismatch"), std::string::npos) << *err;
    EXPECT_EQ(slurp(f.path()), bad) << "a refused open changes nothing";

    // A bad record followed by a session start that does not continue the sequence.
    std::string gap = full.substr(0, at) + "5 fill 1 tor";
    spit(f.path(), gap);
    {
        journal k;
        ASSERT_FALSE(k.open(f.path(), fixed_options()).has_value());
    }
    std::string text = slurp(f.path());
    const auto s = text.rfind("5 session");
    ASSERT_NE(s, std::string::npos) << text;
    const std::string body = "6 session 4242 1700000000000000000";
    char crc[16];
    std::snprintf(crc, sizeof crc, " *%08x\n", journal_crc32c(body));
    spit(f.path(), text.substr(0, s) + body + crc);
    oms back2(8);
    const auto r2 = recover_journal(f.path(), back2);
    ASSERT_FALSE(r2.ok());
    EXPECT_EQ(r2.error, f.path() + ":5: no checksum"); // the torn line, as the open marked it

    // A bad record followed by an ordinary record.
    spit(f.path(), full.substr(0, at) + "garbage\n" + full.substr(at));
    oms back3(8);
    const auto r3 = recover_journal(f.path(), back3);
    ASSERT_FALSE(r3.ok());
    EXPECT_EQ(r3.error, f.path() + ":5: no checksum");
}

TEST(Journal, AFlippedBitAnywhereIsCaught) {
    scratch_file f("bitflip");
    oms live(8);
    write_two_orders(f.path(), live);
    const std::string full = slurp(f.path());
    const std::size_t last = full.rfind('\n', full.size() - 2) + 1;
    std::size_t failed = 0;
    std::size_t torn = 0;
    const int fd = ::open(f.path().c_str(), O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    for (std::size_t i = 0; i < full.size(); ++i) {
        for (int b = 0; b < 8; ++b) {
            const char flipped = static_cast<char>(full[i] ^ (1 << b));
            ASSERT_EQ(::pwrite(fd, &flipped, 1, static_cast<off_t>(i)), 1);
            oms back(8);
            const auto r = recover_journal(f.path(), back);
            ASSERT_EQ(::pwrite(fd, &full[i], 1, static_cast<off_t>(i)), 1);
            // Never accepted silently: refused, or (in the final record) set aside as torn.
            ASSERT_TRUE(!r.ok() || r.torn_records == 1) << "byte " << i << " bit " << b;
            if (r.ok()) {
                // The final record, or the newline that separates it from the one before.
                ASSERT_GE(i + 1, last) << "byte " << i << " bit " << b;
                ++torn;
            } else {
                ++failed;
            }
        }
    }
    ::close(fd);
    EXPECT_EQ(failed + torn, full.size() * 8);
    EXPECT_GE(failed, (last - 1) * 8);
}

TEST(JournalEscape, HostileTextRoundTrips) {
    const std::vector<std::string> hostile = {
        "",
        "%",
        "%%25",
        "a b",
        " *deadbeef",
        "line\nbreak\r\n",
        std::string("nul\0inside", 10),
        "\x7f\x80\xff\x01",
        "caf\xc3\xa9",
        "*",
        "~torn",
    };
    for (const auto& h : hostile) {
        char buf[3 * 64 + 1];
        const std::size_t n = journal_escape(h, 64, buf);
        const std::string_view e(buf, n);
        EXPECT_EQ(e.find_first_of(" \n\r\t"), std::string_view::npos) << e;
        for (char c : e) {
            EXPECT_TRUE(c > 0x20 && c < 0x7f) << e;
        }
        const auto back = journal_unescape(e);
        ASSERT_TRUE(back.has_value()) << e;
        EXPECT_EQ(*back, h);
    }
    char buf[3 * 4 + 1];
    EXPECT_EQ(journal_escape("abcdefgh", 4, buf), 4u); // bounded
    EXPECT_FALSE(journal_unescape("%4").has_value());
    EXPECT_FALSE(journal_unescape("%zz").has_value());
    EXPECT_FALSE(journal_unescape("a b").has_value());
    EXPECT_FALSE(journal_unescape("").has_value());
}

TEST(JournalEscape, HostileTextInRecordsKeepsOneLinePerRecord) {
    scratch_file f("hostile");
    const std::string nasty = "x y\nz *0000 %41\r\t\x01\xff";
    {
        journal j;
        ASSERT_FALSE(j.open(f.path(), fixed_options()).has_value());
        ASSERT_TRUE(j.parent_created(0, nasty, side::ask, "1.5 " + nasty));
        order o = make_order(2);
        o.id = client_order_id{1};
        ASSERT_TRUE(j.submitted(o, {nasty, order_type::market, order_tif::gtc}));
        ASSERT_TRUE(j.acknowledged(o.id, nasty, timestamp_ns{1}));
        ASSERT_TRUE(j.rejected(client_order_id{1}, 7, nasty + std::string(500, 'r'),
                               timestamp_ns{1})); // illegal after an ack: counted, see below
    }
    EXPECT_EQ(lines_of(slurp(f.path())).size(), 6u);
    oms back(8);
    const auto r = recover_journal(f.path(), back);
    // The reject after an ack is refused by the OMS, and recovery says where.
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error, f.path() + ":6: rejected: order 1: illegal_transition");
    std::string text = slurp(f.path());
    spit(f.path(), text.substr(0, text.rfind("6 rejected")));
    oms again(8);
    const auto r2 = recover_journal(f.path(), again);
    ASSERT_TRUE(r2.ok()) << r2.error;
    ASSERT_EQ(r2.parents.size(), 1u);
    EXPECT_EQ(r2.parents[0].underlying, nasty);
    EXPECT_EQ(r2.parents[0].quantity_text, "1.5 " + nasty);
    EXPECT_EQ(r2.parents[0].parent_side, side::ask);
    ASSERT_EQ(r2.orders.size(), 1u);
    EXPECT_EQ(r2.orders[0].symbol, nasty);
    EXPECT_EQ(r2.orders[0].venue_order_id, nasty);
    EXPECT_EQ(r2.orders[0].type, order_type::market);
    EXPECT_EQ(r2.orders[0].tif, order_tif::gtc);
}

/// Submits orders 1, 2, ... until the journal refuses one (at most `limit`); its id, or 0.
std::uint64_t submit_until_refused(journal& j, std::uint64_t limit) {
    for (std::uint64_t i = 1; i <= limit; ++i) {
        order o = make_order(static_cast<std::int64_t>(i));
        o.id = client_order_id{i};
        if (!j.submitted(o)) {
            return i;
        }
    }
    return 0;
}

TEST(Journal, AFailureToReserveSpaceLatches) {
    // Records go into space reserved ahead (one page here); the next reservation fails on a
    // descriptor that is a full device, and every later call refuses.
    scratch_file f("full");
    journal j;
    auto opt = fixed_options(journal_sync::none);
    opt.reserve_bytes = 1;
    ASSERT_FALSE(j.open(f.path(), opt).has_value());
    const int full = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
    ASSERT_GE(full, 0);
    ASSERT_EQ(::dup2(full, j.fd()), j.fd());
    ::close(full);
    const std::uint64_t refused = submit_until_refused(j, 200);
    ASSERT_GT(refused, 0u) << "a page holds a few dozen records, not 200";
    EXPECT_TRUE(j.failed());
    EXPECT_NE(j.error().find(f.path()), std::string::npos) << j.error();
    EXPECT_NE(j.error().find("reserving space"), std::string::npos) << j.error();
    EXPECT_FALSE(j.acknowledged(client_order_id{1}, timestamp_ns{1}));
    EXPECT_FALSE(j.sync());
    EXPECT_EQ(j.records(), 2 + refused - 1);
    j.close();
    // What was written before the failure is whole; the refused record is not there.
    oms back(256);
    const auto r = recover_journal(f.path(), back);
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.orders.size(), refused - 1);
    EXPECT_EQ(r.torn_records, 0u);

    journal k;
    auto small = fixed_options();
    small.reserve_bytes = 1;
    ASSERT_FALSE(k.open(f.path() + ".2", small).has_value());
    ::close(k.fd()); // a descriptor closed under the journal
    EXPECT_GT(submit_until_refused(k, 200), 0u);
    EXPECT_TRUE(k.failed());
    EXPECT_NE(k.error().find(std::strerror(EBADF)), std::string::npos) << k.error();
    fs::remove(f.path() + ".2");

    journal dev;
    const auto err = dev.open("/dev/full", fixed_options());
    ASSERT_TRUE(err.has_value());
    EXPECT_NE(err->find("/dev/full"), std::string::npos) << *err;
}

TEST(Journal, AFailedBackgroundSyncFailsTheWritersNextRecord) {
    // Under `grouped` the journal's own thread syncs once `group` records wait; when that
    // fdatasync fails (here: the descriptor is a device that cannot sync), the next record the
    // writer asks for is refused with the reason, and so is every later one.
    scratch_file f("bgsync");
    journal j;
    ASSERT_FALSE(j.open(f.path(), fixed_options(journal_sync::grouped, 2)).has_value());
    const int full = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
    ASSERT_GE(full, 0);
    ASSERT_EQ(::dup2(full, j.fd()), j.fd());
    ::close(full);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    std::uint64_t id = 0;
    bool refused = false;
    while (!refused && std::chrono::steady_clock::now() < until) {
        order o = make_order(1);
        o.id = client_order_id{++id};
        refused = !j.submitted(o);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_TRUE(refused) << "the failed sync never reached the writer";
    EXPECT_TRUE(j.failed());
    EXPECT_NE(j.error().find("fdatasync"), std::string::npos) << j.error();
    EXPECT_NE(j.error().find(std::strerror(EINVAL)), std::string::npos) << j.error();
    EXPECT_FALSE(j.canceled(client_order_id{1}, timestamp_ns{1}));
}

TEST(Journal, AKilledWritersReservedSpaceHoldsNoRecordAndTheNextOpenCutsIt) {
    // A journal whose process died before close: its file ends in reserved NUL bytes. Recovery
    // reads every record before them; the next open appends right after the last record.
    scratch_file f("reserved");
    oms live(8);
    write_two_orders(f.path(), live);
    const std::string closed = slurp(f.path());
    ASSERT_FALSE(closed.empty());
    EXPECT_EQ(closed.find('\0'), std::string::npos) << "close cuts the reserved space";
    spit(f.path(), closed + std::string(8192, '\0'));
    oms back(8);
    const auto r = recover_journal(f.path(), back);
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.records, lines_of(closed).size());
    EXPECT_EQ(r.torn_records, 0u);
    {
        journal j;
        ASSERT_FALSE(j.open(f.path(), fixed_options()).has_value());
        EXPECT_EQ(j.torn_on_open(), 0u);
    }
    const std::string after = slurp(f.path());
    EXPECT_EQ(after.substr(0, closed.size()), closed);
    EXPECT_EQ(after.find('\0'), std::string::npos);
    EXPECT_EQ(lines_of(after).size(), lines_of(closed).size() + 1); // the new session's start

    // Half a record, then the reserved space: a torn record, as with a write cut short.
    spit(f.path(), after + "99 sent 1 2" + std::string(100, '\0'));
    {
        journal j;
        ASSERT_FALSE(j.open(f.path(), fixed_options()).has_value());
        EXPECT_EQ(j.torn_on_open(), 1u);
    }
    oms again(8);
    const auto r2 = recover_journal(f.path(), again);
    ASSERT_TRUE(r2.ok()) << r2.error;
    EXPECT_EQ(r2.torn_records, 1u);
    EXPECT_EQ(slurp(f.path()).find('\0'), std::string::npos);
}

TEST(Journal, WarmingThePagesAheadChangesNoByte) {
    // warm() only makes the pages ahead writable: the file is the same with or without it,
    // across reserved-space boundaries (one page at a time here) and syncs.
    std::vector<std::string> contents;
    for (const bool warming : {false, true}) {
        scratch_file f(warming ? "warm" : "cold");
        {
            journal j;
            j.warm(); // not open: nothing to do
            auto opt = fixed_options(journal_sync::grouped, 3);
            opt.reserve_bytes = 1;
            ASSERT_FALSE(j.open(f.path(), opt).has_value());
            for (std::uint64_t i = 1; i <= 120; ++i) {
                order o = make_order(static_cast<std::int64_t>(i));
                o.id = client_order_id{i};
                ASSERT_TRUE(j.submitted(o));
                if (warming) {
                    j.warm();
                }
                ASSERT_TRUE(j.sent(o.id, 100 + i, timestamp_ns{static_cast<std::int64_t>(i)}));
                if (i % 7 == 0) {
                    ASSERT_TRUE(j.sync());
                }
            }
        }
        contents.push_back(slurp(f.path()));
    }
    EXPECT_GT(contents[0].size(), std::size_t{4096} * 2) << "crosses several reservations";
    EXPECT_EQ(contents[0], contents[1]);
}

TEST(Journal, SyncPoliciesWriteTheSameBytes) {
    std::vector<std::string> contents;
    for (const auto& opt :
         {fixed_options(journal_sync::every), fixed_options(journal_sync::grouped, 3),
          fixed_options(journal_sync::none)}) {
        scratch_file f("policy");
        {
            journal j;
            ASSERT_FALSE(j.open(f.path(), opt).has_value());
            for (std::uint64_t i = 1; i <= 10; ++i) {
                order o = make_order(static_cast<std::int64_t>(i));
                o.id = client_order_id{i};
                ASSERT_TRUE(j.submitted(o));
                ASSERT_TRUE(j.sent(o.id, 100 + i, timestamp_ns{static_cast<std::int64_t>(i)}));
                if (i % 4 == 0) {
                    ASSERT_TRUE(j.sync());
                }
            }
        }
        contents.push_back(slurp(f.path()));
    }
    ASSERT_EQ(contents.size(), 3u);
    EXPECT_FALSE(contents[0].empty());
    EXPECT_EQ(contents[0], contents[1]);
    EXPECT_EQ(contents[0], contents[2]);
}

/// Many order lifecycles, several sessions, every kind of record; the recovered OMS, positions,
/// cash and trade ids equal what the writer's own OMS holds.
TEST(Journal, RecoveryEqualsTheOmsThatWroteItRandomised) {
    scratch_file f("random");
    std::mt19937_64 rng(20261207);
    auto pick = [&](std::uint64_t n) { return rng() % n; };
    oms live(1 << 14);
    std::map<std::uint32_t, std::int64_t> lots;
    std::map<std::pair<std::uint16_t, std::uint32_t>, std::pair<double, double>> cash;
    std::set<std::tuple<std::uint16_t, std::uint64_t, std::string>> trades;
    std::vector<bool> sent;
    std::vector<std::string> symbols;
    std::vector<client_order_id> working;
    std::size_t parents = 0;
    std::uint64_t trade_no = 0;
    std::size_t sessions = 1;
    std::int64_t now = 1'000'000;

    journal j;
    ASSERT_FALSE(j.open(f.path(), fixed_options()).has_value());
    for (int step = 0; step < 6000; ++step) {
        now += static_cast<std::int64_t>(pick(1000));
        const timestamp_ns t{now};
        if (pick(400) == 0) {
            j.close();
            ASSERT_FALSE(j.open(f.path(), fixed_options()).has_value());
            ++sessions;
        }
        if (pick(50) == 0) {
            ASSERT_TRUE(j.parent_created(static_cast<std::uint32_t>(parents),
                                         "U" + std::to_string(pick(5)),
                                         pick(2) ? side::bid : side::ask, "1.25"));
            ++parents;
        }
        if (working.empty() || pick(4) == 0) {
            order o;
            o.venue = venue_id{static_cast<std::uint16_t>(pick(4))};
            o.instrument = instrument_id{static_cast<std::uint32_t>(pick(6))};
            o.kind = pick(2) ? router::source_kind::book : router::source_kind::pool;
            o.source = static_cast<std::uint16_t>(pick(9));
            o.order_side = pick(2) ? side::bid : side::ask;
            o.tif = pick(2) ? time_in_force::ioc : time_in_force::marketable_limit;
            o.quantity = qty(static_cast<std::int64_t>(1 + pick(20)));
            o.limit = price(static_cast<std::int64_t>(pick(1'000'000)));
            o.limit_price = std::uniform_real_distribution<double>(0.001, 1e5)(rng);
            o.created = t;
            o.parent = static_cast<std::uint32_t>(pick(parents + 1));
            ASSERT_EQ(live.add(o), oms_error::ok);
            symbols.push_back("S Y\n" + std::to_string(pick(100)));
            ASSERT_TRUE(j.submitted(o, {symbols.back(), order_type::limit, order_tif::gtc}));
            sent.push_back(false);
            working.push_back(o.id);
            continue;
        }
        const std::size_t w = pick(working.size());
        const client_order_id id = working[w];
        order& o = *live.find(id);
        const std::uint64_t action = pick(10);
        if (o.state == order_state::new_order) {
            if (action < 3 && !sent[id.value - 1]) {
                ASSERT_TRUE(j.sent(id, 64 + pick(200), t));
                sent[id.value - 1] = true;
            } else if (action < 6) {
                ASSERT_TRUE(j.acknowledged(id, "v" + std::to_string(id.value), t));
                ASSERT_EQ(live.acknowledge(id), oms_error::ok);
            } else if (action < 7) {
                ASSERT_TRUE(j.rejected(id, -1013, "filter failure: LOT SIZE", t));
                ASSERT_EQ(live.reject(id), oms_error::ok);
            } else if (action < 8) {
                ASSERT_TRUE(j.unknown_outcome(id, "timeout", t));
            } else if (action < 9) {
                ASSERT_TRUE(j.not_found(id, t));
                ASSERT_EQ(live.reject(id), oms_error::ok);
            } else {
                ASSERT_TRUE(j.query_answer(id, order_state::acknowledged, qty(0), t));
                ASSERT_EQ(live.acknowledge(id), oms_error::ok);
            }
        } else {
            if (action < 6) {
                const std::int64_t left = (o.quantity - o.filled).value();
                const qty q(static_cast<std::int64_t>(1 + pick(static_cast<std::uint64_t>(left))));
                const double notional = std::uniform_real_distribution<double>(1.0, 1e6)(rng);
                const double fee = notional * 1e-4;
                const std::string tid = pick(5) ? "T" + std::to_string(++trade_no) : "";
                ASSERT_TRUE(j.filled(id, tid, q, price(static_cast<std::int64_t>(pick(1000))),
                                     notional, fee, t));
                ASSERT_EQ(live.fill(id, q, notional, fee), oms_error::ok);
                const bool bid = o.order_side == side::bid;
                lots[o.instrument.value] += bid ? q.value() : -q.value();
                auto& c = cash[{o.venue.value, o.instrument.value}];
                c.first += bid ? -notional : notional;
                c.second += fee;
                if (!tid.empty()) {
                    trades.insert({o.venue.value, o.id.value, tid});
                }
            } else if (action < 7) {
                ASSERT_TRUE(j.cancel_requested(id, t));
            } else if (action < 9) {
                ASSERT_TRUE(j.canceled(id, t));
                ASSERT_EQ(live.cancel(id), oms_error::ok);
            } else {
                ASSERT_TRUE(j.query_answer(id, order_state::canceled, o.filled, t));
                ASSERT_EQ(live.cancel(id), oms_error::ok);
            }
        }
        if (is_final(o.state)) {
            working.erase(working.begin() + static_cast<std::ptrdiff_t>(w));
        }
        if (pick(100) == 0) {
            ASSERT_TRUE(j.reconcile_start(venue_id{1}, t));
            ASSERT_TRUE(j.reconcile_end(venue_id{1}, t));
        }
    }
    ASSERT_TRUE(j.reconcile_start(venue_id{3}, timestamp_ns{now}));
    const std::uint64_t last = j.last_sequence();
    j.close();

    oms back(1 << 14);
    const auto r = recover_journal(f.path(), back);
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.last_sequence, last);
    EXPECT_EQ(r.records, last);
    EXPECT_EQ(r.sessions, sessions);
    EXPECT_GT(sessions, 5u);
    EXPECT_EQ(r.parents.size(), parents);
    ASSERT_EQ(back.orders().size(), live.orders().size());
    ASSERT_GT(live.orders().size(), 1000u);
    for (std::size_t i = 0; i < live.orders().size(); ++i) {
        const order& a = live.orders()[i];
        const order& b = back.orders()[i];
        SCOPED_TRACE("order " + std::to_string(a.id.value));
        EXPECT_EQ(a.id, b.id);
        EXPECT_EQ(a.venue, b.venue);
        EXPECT_EQ(a.instrument, b.instrument);
        EXPECT_EQ(a.kind, b.kind);
        EXPECT_EQ(a.source, b.source);
        EXPECT_EQ(a.order_side, b.order_side);
        EXPECT_EQ(a.tif, b.tif);
        EXPECT_EQ(a.quantity, b.quantity);
        EXPECT_EQ(a.limit, b.limit);
        EXPECT_EQ(a.limit_price, b.limit_price);
        EXPECT_EQ(a.created, b.created);
        EXPECT_EQ(a.parent, b.parent);
        EXPECT_EQ(a.state, b.state);
        EXPECT_EQ(a.filled, b.filled);
        EXPECT_EQ(a.notional_quote, b.notional_quote);
        EXPECT_EQ(a.fees_quote, b.fees_quote);
        EXPECT_EQ(a.fills, b.fills);
        EXPECT_EQ(r.orders[i].symbol, symbols[i]);
        EXPECT_EQ(r.orders[i].sent, sent[i]);
    }
    std::vector<std::pair<instrument_id, std::int64_t>> want_lots;
    for (const auto& [inst, l] : lots) {
        want_lots.emplace_back(instrument_id{inst}, l);
    }
    EXPECT_EQ(r.position_lots, want_lots);
    ASSERT_EQ(r.cash.size(), cash.size());
    std::size_t k = 0;
    for (const auto& [key, c] : cash) {
        EXPECT_EQ(r.cash[k].venue.value, key.first);
        EXPECT_EQ(r.cash[k].instrument.value, key.second);
        EXPECT_EQ(r.cash[k].notional_quote, c.first);
        EXPECT_EQ(r.cash[k].fee_quote, c.second);
        ++k;
    }
    EXPECT_EQ(r.booked_trades, trades);
    std::vector<client_order_id> open_ids;
    std::vector<client_order_id> unsent;
    for (const order& o : live.orders()) {
        if (!is_final(o.state)) {
            open_ids.push_back(o.id);
            if (!sent[o.id.value - 1]) {
                unsent.push_back(o.id);
            }
        }
    }
    EXPECT_EQ(r.needs_reconcile, open_ids);
    EXPECT_EQ(r.never_sent, unsent);
    EXPECT_EQ(r.open_orders, live.open_orders());
    EXPECT_EQ(r.reconcile_unfinished, std::vector<venue_id>{venue_id{3}});
}

TEST(Journal, ADuplicateTradeIdIsCorruption) {
    scratch_file f("dup_trade");
    {
        journal j;
        ASSERT_FALSE(j.open(f.path(), fixed_options()).has_value());
        order o = make_order(10);
        o.id = client_order_id{1};
        ASSERT_TRUE(j.submitted(o));
        ASSERT_TRUE(j.acknowledged(o.id, timestamp_ns{1}));
        ASSERT_TRUE(j.filled(o.id, "T9", qty(1), price(1), 1.0, 0.0, timestamp_ns{1}));
        ASSERT_TRUE(j.filled(o.id, "T9", qty(1), price(1), 1.0, 0.0, timestamp_ns{1}));
    }
    oms back(8);
    const auto r = recover_journal(f.path(), back);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error, f.path() + ":6: fill: trade id T9 booked twice for order 1 on venue 2");
}

} // namespace
} // namespace ballast::exec
