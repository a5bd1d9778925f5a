#pragma once
/// The order journal: append-only, one engine per file (an exclusive lock), every record one
/// text line with a sequence number and a CRC-32C, in the file before the order leaves for its
/// venue. Records are copied into a shared mapping of space reserved ahead (fallocate), so a
/// record costs no system call: it is in the kernel's page cache when the copy ends, and a
/// killed process loses none. The reserved space reads as NUL bytes until close() cuts it;
/// open() and recover_journal() ignore it. recover_journal() reads the journal back into an
/// OMS, positions and cash.
#include "exec/gateway.hpp"
#include "exec/oms.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

namespace ballast::exec {

/// When the journal asks the kernel to put its records on the disk (fdatasync). Every policy
/// puts each record in the page cache before the call returns: a crash of the process loses
/// nothing; the policy decides what a crash of the machine may lose.
enum class journal_sync : std::uint8_t {
    every,   ///< after each record
    grouped, ///< once `group` records wait (the journal's own thread; see background_sync),
             ///< and when the caller calls sync()
    none,    ///< never (the kernel writes back when it likes); sync() does nothing
};

struct journal_options {
    journal_sync sync = journal_sync::grouped;
    std::uint32_t group = 16; ///< records per fdatasync under `grouped`
    /// `grouped`: the journal's own thread makes the fdatasync calls (it looks every
    /// millisecond and syncs once `group` records wait), so the writer never waits for the
    /// disk; a failed sync fails the writer's next record. False: the writer syncs every
    /// `group`th record itself.
    bool background_sync = true;
    /// File space reserved and mapped at a time; a full disk shows when it is reserved.
    std::size_t reserve_bytes = std::size_t{1} << 20;
    /// The new journal's tag (header record); called once, only when the file is created.
    std::function<std::uint64_t()> random;
    /// Wall time of the session-start record, ns since the epoch.
    std::function<std::int64_t()> wall_clock_ns;
    /// Written in the session-start record (tests inject it; 0: getpid()).
    std::int64_t pid = 0;
};

/// The wire type and time in force of a submitted order, and the venue's symbol.
struct submit_detail {
    std::string_view symbol;
    order_type type = order_type::limit;
    order_tif tif = order_tif::ioc;
};

/// Record formats: `<seq> <kind> <fields...> *<crc32c, 8 hex>` then a newline. The CRC covers
/// every byte before " *". Text fields are escaped (%XX for '%', space and any byte outside
/// the printable ASCII range; a lone % is the empty text) and bounded in length. Doubles are
/// written in the shortest text that reads back to the same value.
///   journal <version> <tag, 16 hex>                        first record of a file
///   session <pid> <wall ns>                                 every open
///   parent <index> <underlying> <b|a> <quantity text>
///   submit <id> <parent> <venue> <instrument> <b|p><source> <symbol> <b|a> <limit|market>
///          <gtc|ioc|fok|post_only> <ioc|mlimit> <qty lots> <limit ticks> <limit px> <ns>
///   sent <id> <bytes> <ns>
///   ack <id> <venue order id> <ns>
///   fill <id> <trade id> <qty lots> <px ticks> <notional quote> <fee quote> <ns>
///   cancel_req <id> <ns>
///   canceled <id> <ns>
///   rejected <id> <venue code> <reason> <ns>
///   unknown <id> <reason> <ns>
///   status <id> <order state> <cum qty lots> <ns>
///   not_found <id> <ns>
///   recon_start <venue> <ns>
///   recon_end <venue> <ns>
class journal {
  public:
    static constexpr int format_version = 1;

    journal() = default;
    ~journal();
    journal(const journal&) = delete;
    journal& operator=(const journal&) = delete;

    /// Creates the file (header record) or validates it and appends; takes the journal's
    /// lock; writes a session-start record. An error line naming the path on failure (a
    /// second opener: "journal <path> is in use by another engine (pid N)").
    [[nodiscard]] std::optional<std::string> open(const std::string& path,
                                                  journal_options options = {});
    [[nodiscard]] bool is_open() const noexcept { return fd_ >= 0; }
    /// The last open() failed because another engine holds the journal (a busy resource, not
    /// a bad file).
    [[nodiscard]] bool busy() const noexcept { return busy_; }
    /// Syncs what `grouped` left unsynced, releases the lock and closes.
    void close() noexcept;

    /// The journal's tag (its header), used in the orders' wire ids.
    [[nodiscard]] std::uint64_t tag() const noexcept { return tag_; }
    /// The sequence number of the last record in the file.
    [[nodiscard]] std::uint64_t last_sequence() const noexcept { return seq_; }
    /// The highest order id submitted in this journal (earlier sessions included): a new
    /// order's id must be above it, so no wire id is ever used twice.
    [[nodiscard]] std::uint64_t last_order_id() const noexcept { return last_order_id_; }
    /// Records this object wrote (header and session start included).
    [[nodiscard]] std::uint64_t records() const noexcept { return records_; }
    /// Torn records the open found at the end of the file (terminated, then ignored).
    [[nodiscard]] std::uint64_t torn_on_open() const noexcept { return torn_on_open_; }
    /// A write or sync failed: every later call returns false. error() says why.
    [[nodiscard]] bool failed() const noexcept { return failed_; }
    [[nodiscard]] const std::string& error() const noexcept { return error_; }
    /// The descriptor (tests replace it to provoke failures to reserve space).
    [[nodiscard]] int fd() const noexcept { return fd_; }

    /// Each returns false when the record is not safely in the file (the engine then does
    /// not send). submitted() also refuses an id not above last_order_id().
    [[nodiscard]] bool parent_created(std::uint32_t index, std::string_view underlying, side s,
                                      std::string_view quantity_text) noexcept;
    [[nodiscard]] bool submitted(const order& o, const submit_detail& d) noexcept;
    /// The simulated engine's orders: limit, immediate-or-cancel, no venue symbol.
    [[nodiscard]] bool submitted(const order& o) noexcept { return submitted(o, {}); }
    [[nodiscard]] bool sent(client_order_id id, std::size_t bytes, timestamp_ns t) noexcept;
    [[nodiscard]] bool acknowledged(client_order_id id, std::string_view venue_order_id,
                                    timestamp_ns t) noexcept;
    [[nodiscard]] bool acknowledged(client_order_id id, timestamp_ns t) noexcept {
        return acknowledged(id, {}, t);
    }
    [[nodiscard]] bool filled(client_order_id id, std::string_view trade_id, qty q, price px,
                              double notional_quote, double fee_quote, timestamp_ns t) noexcept;
    /// A fill without a venue trade id or price in ticks (simulated pools and books).
    [[nodiscard]] bool filled(client_order_id id, qty q, double notional_quote, double fee_quote,
                              timestamp_ns t) noexcept {
        return filled(id, {}, q, price(0), notional_quote, fee_quote, t);
    }
    [[nodiscard]] bool cancel_requested(client_order_id id, timestamp_ns t) noexcept;
    [[nodiscard]] bool canceled(client_order_id id, timestamp_ns t) noexcept;
    [[nodiscard]] bool rejected(client_order_id id, std::int64_t venue_code,
                                std::string_view reason, timestamp_ns t) noexcept;
    [[nodiscard]] bool rejected(client_order_id id, timestamp_ns t) noexcept {
        return rejected(id, 0, {}, t);
    }
    [[nodiscard]] bool unknown_outcome(client_order_id id, std::string_view reason,
                                       timestamp_ns t) noexcept;
    [[nodiscard]] bool query_answer(client_order_id id, order_state state, qty cum_qty,
                                    timestamp_ns t) noexcept;
    [[nodiscard]] bool not_found(client_order_id id, timestamp_ns t) noexcept;
    [[nodiscard]] bool reconcile_start(venue_id v, timestamp_ns t) noexcept;
    [[nodiscard]] bool reconcile_end(venue_id v, timestamp_ns t) noexcept;

    /// fdatasync now if records are unsynced (`every` and `grouped`; nothing under `none`).
    [[nodiscard]] bool sync() noexcept;

    /// For a caller's idle moments, never between a frame and its order: makes the pages the
    /// next records go to writable ahead of time (MADV_POPULATE_WRITE), so copying a record
    /// takes no page fault: the rest of the current page (each sync makes written pages
    /// read-only again, the kernel's way to see the next change) and the pages after it. A
    /// system call only when the records moved on or a sync happened since the last warm().
    void warm() noexcept;

  private:
    class line;
    bool append(line& l) noexcept;
    bool number_and_time(std::string_view kind, std::uint64_t n, timestamp_ns t) noexcept;
    bool write_all(const char* p, std::size_t n) noexcept;
    /// Maps reserved space from the end of the last record for at least `n` more bytes.
    bool reserve(std::size_t n) noexcept;
    void unmap() noexcept;
    bool fail(const char* what, int err) noexcept;
    void sync_loop() noexcept;
    void stop_syncer() noexcept;

    int fd_ = -1;
    std::thread syncer_;                     ///< background_sync under `grouped`
    std::atomic<bool> syncer_stop_{false};   ///< set by the writer, read by the syncer
    std::atomic<std::uint64_t> appended_{0}; ///< records appended (the writer's records_)
    std::atomic<int> sync_errno_{0};         ///< the syncer's failed fdatasync
    std::atomic<std::uint64_t> syncs_{0};    ///< fdatasync calls made (either thread)
    std::uint64_t warmed_syncs_ = 0;         ///< syncs_ at the last warm()
    std::size_t warmed_to_ = 0;              ///< file offset warm() made writable up to
    char* map_ = nullptr;                    ///< the mapped window of the file
    std::size_t map_off_ = 0;                ///< its offset in the file (page aligned)
    std::size_t map_len_ = 0;                ///< its length
    std::size_t end_ = 0;                    ///< the file offset after the last record
    std::size_t reserve_ = 0;                ///< journal_options::reserve_bytes
    std::size_t page_ = 4096;                ///< the kernel's page size (mappings and warm())
    bool busy_ = false;
    std::string path_;
    journal_sync policy_ = journal_sync::grouped;
    std::uint32_t group_ = 16;
    std::uint32_t unsynced_ = 0;
    std::uint64_t seq_ = 0;
    std::uint64_t tag_ = 0;
    std::uint64_t last_order_id_ = 0;
    std::uint64_t records_ = 0;
    std::uint64_t torn_on_open_ = 0;
    bool failed_ = false;
    std::string error_;
    char buf_[1024]{};
};

/// Escapes `text` (at most `max_bytes` of it) into `out` as the journal writes a text field;
/// returns the bytes written (out needs 3 * max_bytes + 1).
std::size_t journal_escape(std::string_view text, std::size_t max_bytes, char* out) noexcept;
/// The text an escaped field stands for; nullopt when it is not a valid escape.
[[nodiscard]] std::optional<std::string> journal_unescape(std::string_view field);
/// CRC-32C (Castagnoli) of `bytes`, the journal's record checksum.
[[nodiscard]] std::uint32_t journal_crc32c(std::string_view bytes) noexcept;

/// What recovery knows about an order beyond the OMS's view.
struct recovered_order {
    client_order_id id{};
    std::string symbol;
    std::string venue_order_id;
    order_type type = order_type::limit;
    order_tif tif = order_tif::ioc;
    bool sent = false; ///< a `sent` record: the bytes were handed to the gateway
    bool cancel_requested = false;
    bool outcome_unknown = false; ///< an `unknown` record not yet settled by a query answer
    bool not_found = false;       ///< the venue said it never saw the order
};

struct recovered_parent {
    std::uint32_t index = 0;
    std::string underlying;
    side parent_side = side::bid;
    std::string quantity_text;
};

/// Cash moved by fills on one venue in one instrument's quote currency: sells add notional,
/// buys subtract it; fees are what was paid.
struct recovered_cash {
    venue_id venue{};
    instrument_id instrument{};
    double notional_quote = 0.0;
    double fee_quote = 0.0;
};

/// What recovery rebuilt.
struct recovery_result {
    std::size_t records = 0; ///< good records read (header and sessions included)
    std::size_t sessions = 0;
    std::size_t torn_records = 0; ///< bad records accepted as torn (see recover_journal)
    std::uint64_t last_sequence = 0;
    std::uint64_t tag = 0;
    std::size_t open_orders = 0;         ///< orders the journal leaves working (unknown fate)
    std::vector<recovered_order> orders; ///< index i is the OMS's order id i + 1
    std::vector<recovered_parent> parents;
    /// Net position change per instrument in its lots (bids add), ordered by instrument.
    std::vector<std::pair<instrument_id, std::int64_t>> position_lots;
    std::vector<recovered_cash> cash; ///< ordered by venue, then instrument
    /// Fills already booked: (venue, order id, the venue's trade id). A fill reported again
    /// (reconciliation, a replayed stream) is booked once. The order is part of the key as
    /// some venues number trades per symbol, not per venue.
    std::set<std::tuple<std::uint16_t, std::uint64_t, std::string>> booked_trades;
    std::vector<client_order_id> needs_reconcile; ///< not in a final state
    std::vector<client_order_id> never_sent;      ///< not final and no `sent` record
    std::vector<venue_id> reconcile_unfinished;   ///< a recon_start without its recon_end
    std::string error; ///< "journal.log:12: ..." when the journal cannot be read
    [[nodiscard]] bool ok() const noexcept { return error.empty(); }
    [[nodiscard]] bool trade_booked(venue_id v, client_order_id id,
                                    std::string_view trade_id) const {
        return booked_trades.count({v.value, id.value, std::string(trade_id)}) != 0;
    }
};

/// Replays a journal into `out` (which must be empty): orders, states, fills, and the rest of
/// recovery_result. A bad record (no newline, bad checksum, unreadable) is accepted as torn
/// only as the file's last line, or when the next line is a session start whose sequence
/// continues from the last good record; anywhere else it is corruption: the error names
/// `path:line` and the reason.
[[nodiscard]] recovery_result recover_journal(const std::string& path, oms& out);

} // namespace ballast::exec
