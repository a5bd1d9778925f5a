#pragma once
/// The venue boundary of the feed layer: one `venue_feed` per venue decodes that venue's
/// frames, follows its sequencing/resync/checksum procedure and keeps exact local books.

#include "book/instrument.hpp"
#include "book/l2_book.hpp"

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ballast::feed {

/// A book's health. Only `live` books may be routed to.
enum class book_health : std::uint8_t {
    syncing, ///< waiting for a snapshot (start, or after a resync request)
    live,
    stale_gap,      ///< a sequence gap: waiting for a new snapshot
    stale_checksum, ///< the venue's checksum disagreed with the local book
    stale_crossed,  ///< best bid >= best ask after a complete message
    stale_silence,  ///< no message for longer than the allowed silence
};
[[nodiscard]] std::string_view to_string(book_health h) noexcept;

struct book_counters {
    std::uint64_t messages = 0;      ///< book messages addressed to this book
    std::uint64_t applied = 0;       ///< messages applied to the book
    std::uint64_t stale_dropped = 0; ///< messages ignored while syncing/stale or already applied
    std::uint64_t gaps = 0;
    std::uint64_t resyncs = 0; ///< snapshots requested after the first
    std::uint64_t checksum_ok = 0;
    std::uint64_t checksum_fail = 0;
    std::uint64_t rejected = 0; ///< malformed messages for this book
    std::uint64_t crossed = 0;
    std::uint64_t rescales = 0; ///< derived scale widened (the book re-expressed in finer units)
    /// Levels not held because their side was full and they were worse than every held level
    /// (the book's capacity, feed_options::book_capacity, binds): the book is truncated.
    std::uint64_t dropped_full = 0;
};

/// One local book with its sequencing state.
struct venue_book {
    venue_book(const instrument_spec& s, std::size_t capacity, bool keep_text)
        : spec(&s), book(capacity, keep_text) {}
    /// A book whose venue gave no spec: the feed owns one derived from the levels' text.
    venue_book(std::unique_ptr<instrument_spec> s, std::size_t capacity, bool keep_text)
        : spec(s.get()), derived_spec(std::move(s)), book(capacity, keep_text) {}
    const instrument_spec* spec;
    /// Set when the registry had no spec: tick 10^-d and lot 10^-e from the decimals seen so far,
    /// widened (book rescaled, listener replayed) when a finer level arrives.
    std::unique_ptr<instrument_spec> derived_spec;
    l2_book book;
    book_health health = book_health::syncing;
    book_counters counters;
    std::int64_t last_seq = -1; ///< the venue's last applied sequence (update id, change id, u)
    std::int64_t snapshot_seq = -1;
    std::size_t depth_limit = 0; ///< venue-defined depth (0: unbounded)
    timestamp_ns last_message{};
    [[nodiscard]] bool tradable() const noexcept { return health == book_health::live; }
    [[nodiscard]] const std::string& symbol() const noexcept { return spec->symbol; }
    /// True when the book runs on a derived scale rather than the venue's filters.
    [[nodiscard]] bool derived() const noexcept { return derived_spec != nullptr; }
};

/// The kind a derived spec gets: from the venue name (binance_usdm, bybit_linear: linear
/// perpetuals) or a suffix the venue documents for its perpetuals (OKX "-SWAP", Deribit
/// "-PERPETUAL"); spot otherwise.
[[nodiscard]] instrument_kind derived_kind(std::string_view venue,
                                           std::string_view symbol) noexcept;

/// Receives every change a venue_feed makes to its books, so a consumer on another thread
/// (the engine) can mirror them exactly. Optional; all calls come from the feed's thread.
class book_listener {
  public:
    virtual ~book_listener() = default;
    virtual void on_clear(const venue_book& b) noexcept = 0;
    virtual void on_level(const venue_book& b, side s, price px, qty sz) noexcept = 0;
    /// A message has been applied completely (the book is consistent) or the health changed.
    virtual void on_update(const venue_book& b, timestamp_ns ts) noexcept = 0;
};

/// A bad message, kept for the report.
struct feed_reject {
    std::string venue;
    std::uint64_t line = 0;
    std::string reason;
};

/// Bounded reject log shared by the feeds of a session.
class reject_log {
  public:
    explicit reject_log(std::size_t max_kept = 10000) : max_kept_(max_kept) {}
    void add(std::string_view venue, std::uint64_t line, std::string reason);
    [[nodiscard]] const std::vector<feed_reject>& entries() const noexcept { return entries_; }
    [[nodiscard]] std::uint64_t total() const noexcept { return total_; }

  private:
    std::size_t max_kept_;
    std::vector<feed_reject> entries_;
    std::uint64_t total_ = 0;
};

/// A frame handed to a venue: text with readable padding, its capture/receive time, origin.
struct feed_frame {
    std::string_view data;
    timestamp_ns ts;
    std::uint64_t line = 0;
    std::string_view url;
    std::uint32_t conn = 0;   ///< connection index; a new index means a new connection
    bool is_response = false; ///< REST response body rather than a stream frame
};

struct feed_options {
    std::size_t book_capacity = 0; ///< levels per side; 0: the venue's default
    std::size_t max_levels_per_message = 65536;
    std::int64_t max_silence_ns = 0;  ///< 0: silence is not checked
    std::vector<std::string> symbols; ///< empty: every symbol the venue sends
    bool keep_text = false; ///< every book keeps the venue's level text (sim-venue's snapshots)
};

/// Base of every venue decoder. Not thread-safe: one feed thread owns it.
class venue_feed {
  public:
    venue_feed(std::string venue, const instrument_registry& instruments, reject_log& rejects,
               feed_options options, std::size_t default_capacity = 8192);
    virtual ~venue_feed() = default;
    venue_feed(const venue_feed&) = delete;
    venue_feed& operator=(const venue_feed&) = delete;

    [[nodiscard]] const std::string& venue() const noexcept { return venue_; }
    /// Levels per side each of this feed's books holds (a mirror must hold as many).
    [[nodiscard]] std::size_t book_capacity() const noexcept { return options_.book_capacity; }

    /// A frame from the venue (stream message or REST body).
    virtual void on_frame(const feed_frame& f) noexcept = 0;
    /// A frame we sent (subscription); some venues fix the book depth there.
    virtual void on_sent(const feed_frame& /*f*/) noexcept {}
    /// A new connection: every book waits for the new subscription's snapshot.
    virtual void on_connect(const feed_frame& /*f*/) noexcept { restart_books(); }
    /// The connection was lost: every book is out of routing (stale_gap) until the next
    /// connection's snapshot brings it back.
    virtual void on_disconnect(const feed_frame& f) noexcept;

    /// Marks books stale whose last message is older than the allowed silence.
    void check_silence(timestamp_ns now) noexcept;

    [[nodiscard]] const std::vector<std::unique_ptr<venue_book>>& books() const noexcept {
        return books_;
    }
    [[nodiscard]] venue_book* find_book(std::string_view symbol) noexcept;
    void set_listener(book_listener* l) noexcept { listener_ = l; }
    /// Malformed frames that could not be attributed to a book.
    [[nodiscard]] std::uint64_t unattributed_rejects() const noexcept { return unattributed_; }
    [[nodiscard]] std::uint64_t frames() const noexcept { return frames_; }

    /// Sizes the frame parsers for frames up to `bytes` now (setup), so no later frame of at
    /// most that size makes them grow; false when the memory is refused. A larger frame still
    /// grows them once.
    bool reserve_frame(std::size_t bytes);

  protected:
    /// The book for a symbol, created on first use; nullptr (and a reject) for an unknown
    /// symbol or one outside the subscribed set.
    venue_book* book_for(std::string_view symbol, const feed_frame& f, bool keep_text = false);
    /// Counts and reports a malformed message (book may be null).
    void reject(venue_book* b, const feed_frame& f, std::string_view reason) noexcept;
    void reject(venue_book* b, const feed_frame& f, std::string_view what,
                std::string_view detail) noexcept;
    /// Reports an event (stale transition) in the reject log without counting a malformed message.
    void report(const venue_book* b, const feed_frame& f, std::string_view what,
                std::string_view detail) noexcept;
    /// Widens a derived book's scale to `price_decimals`/`qty_decimals`: the book is rescaled and
    /// a listener gets on_clear and every level again in the new units. False (after a reject)
    /// if a level would overflow; the book and its scale are then unchanged.
    [[nodiscard]] bool widen_scale(venue_book& b, int price_decimals, int qty_decimals,
                                   const feed_frame& f) noexcept;
    /// Every book back to syncing (a live one counts a resync; a stale one counted it already)
    /// with its sequence forgotten.
    void restart_books() noexcept;
    /// Starts a new snapshot: clears the book; the next apply_staged loads it in bulk.
    void begin_snapshot(venue_book& b) noexcept;
    /// Messages are decoded into a staging area first, then validated as a whole, then
    /// applied: a malformed level never leaves a book half-updated.
    struct staged_level {
        side s;
        std::string_view px_text;
        std::string_view sz_text;
        price px;
        qty sz;
    };
    void clear_staged() noexcept {
        staged_.clear();
        number_text_.clear();
    }
    void stage(side s, std::string_view px_text, std::string_view sz_text) noexcept {
        if (staged_.size() < staged_.capacity()) { // capacity fixed at construction
            staged_.push_back({s, px_text, sz_text, price{}, qty{}});
        } else {
            staged_overflow_ = true;
        }
    }
    /// Stages a `[["price","size",...], ...]` array for side `s`; false on any JSON error.
    [[nodiscard]] bool stage_levels(simdjson::ondemand::value levels, side s) noexcept;
    /// The same for a frame parsed by parse_dom: false unless `levels` is such an array.
    [[nodiscard]] bool stage_levels(simdjson::dom::element levels, side s) noexcept;
    /// Parses `f.data` in place (its padding is guaranteed by the reader) with the validating DOM
    /// parser: one pass checks the whole grammar and builds the tape the decoder then reads, so a
    /// malformed frame is rejected before any field is used. Strings stay valid until the next
    /// parse_dom. The parser allocates only to grow for a larger frame.
    [[nodiscard]] simdjson::error_code parse_dom(const feed_frame& f,
                                                 simdjson::dom::element& root) noexcept {
        return dom_parser_
            .parse(reinterpret_cast<const std::uint8_t*>(f.data.data()), f.data.size(), false)
            .get(root);
    }
    /// Converts every staged level with the book's instrument; false (after a reject naming
    /// the field) if any is invalid.
    [[nodiscard]] bool convert_staged(venue_book& b, const feed_frame& f) noexcept;
    /// Applies the converted levels in order.
    void apply_staged(venue_book& b) noexcept;
    /// A message was applied completely: crossed check, counters, listener.
    void finish_message(venue_book& b, const feed_frame& f) noexcept;
    /// Marks a book stale for `why`; the venue's next snapshot brings it back.
    void mark_stale(venue_book& b, book_health why, const feed_frame& f,
                    std::string_view reason) noexcept;
    /// The book was synchronised from a snapshot.
    void mark_live(venue_book& b, const feed_frame& f) noexcept;
    [[nodiscard]] bool wants(std::string_view symbol) const noexcept;

    std::string venue_;
    const instrument_registry& instruments_;
    reject_log& rejects_;
    feed_options options_;
    std::vector<std::unique_ptr<venue_book>> books_;
    book_listener* listener_ = nullptr;
    simdjson::ondemand::parser parser_;
    simdjson::dom::parser dom_parser_;
    std::uint64_t unattributed_ = 0;
    std::uint64_t frames_ = 0;
    std::string scratch_; // reason text; reused
    std::vector<staged_level> staged_;
    std::string number_text_; // a DOM message's numeric level fields as text; reserved once
    std::vector<std::uint32_t> side_index_;
    bool staged_overflow_ = false;
    bool snapshot_pending_ = false; // set by begin_snapshot: the next apply_staged fills the book
};

/// Reads an optional string field. Absent: true with `out` empty. Any other failure (wrong
/// type, broken document): false, and the caller must stop reading the document, since
/// On-Demand leaves it in an unusable state.
[[nodiscard]] inline bool optional_string(simdjson::ondemand::object& o, std::string_view key,
                                          std::string_view& out) noexcept {
    simdjson::ondemand::value v;
    const auto e = o.find_field_unordered(key).get(v);
    out = {};
    if (e == simdjson::NO_SUCH_FIELD) {
        return true;
    }
    return !e && !v.get_string().get(out);
}

/// optional_string for a frame parsed by venue_feed::parse_dom: absent gives true with `out`
/// empty; false only when the field is not a string.
[[nodiscard]] inline bool optional_string(simdjson::dom::object o, std::string_view key,
                                          std::string_view& out) noexcept {
    simdjson::dom::element v;
    out = {};
    return o.at_key(key).get(v) != simdjson::SUCCESS || !v.get_string().get(out);
}

/// A full grammar check of a frame (simdjson's validating DOM stage). On-Demand is lazy and,
/// on malformed input (mismatched brackets, a value where a comma belongs, ...), can walk past
/// the document before it reports an error, so every frame is validated first. One parser per
/// thread; it allocates only to grow for a larger frame.
[[nodiscard]] inline simdjson::error_code validate_frame(std::string_view text) noexcept {
    thread_local simdjson::dom::parser validator;
    return validator.parse(reinterpret_cast<const std::uint8_t*>(text.data()), text.size(), false)
        .error();
}

/// Parses `f.data` in place (its padding is guaranteed by the reader) after validating it.
[[nodiscard]] inline simdjson::error_code parse_frame(simdjson::ondemand::parser& parser,
                                                      const feed_frame& f,
                                                      simdjson::ondemand::document& doc) noexcept {
    if (auto e = validate_frame(f.data)) {
        return e;
    }
    return parser.iterate(f.data.data(), f.data.size(), f.data.size() + 64).get(doc);
}

} // namespace ballast::feed
