#pragma once
// Shared by the per-venue instrument-list loaders (feed/instruments_*.cpp): a field reader over
// one simdjson DOM object that records the first error as "<source>: <venue> <symbol>: <field>
// "<value>": <reason>", and the loaders' signatures. Loaders append to a vector; the public entry
// points add the specs to the registry only when the whole reply loaded.

#include "book/instrument.hpp"

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ballast::feed::detail {

using spec_list = std::vector<instrument_spec>;

/// Compact JSON text of an element for an error line (at most 60 characters).
[[nodiscard]] std::string value_text(simdjson::dom::element e);

/// Where a reply came from, for error lines: a file path, or the URL it was fetched from.
struct reply_origin {
    std::string_view source;
};

/// The first error of a load; empty while every field read so far was good.
class load_status {
  public:
    [[nodiscard]] bool failed() const noexcept { return !error_.empty(); }
    [[nodiscard]] std::optional<std::string> result() const {
        return failed() ? std::optional<std::string>(error_) : std::nullopt;
    }
    /// Records "<source>: <venue>[ <symbol>]: <field>[ "<value>"]: <reason>" unless an error is
    /// already recorded.
    void fail(const reply_origin& o, std::string_view venue, std::string_view symbol,
              std::string_view field, std::string_view value, std::string_view reason);

  private:
    std::string error_;
};

/// Reads the fields of one entry of an instrument list.
class item_reader {
  public:
    item_reader(const reply_origin& o, std::string_view venue, simdjson::dom::object obj,
                load_status& status)
        : origin_(o), venue_(venue), obj_(obj), status_(status) {}

    /// Names the entry in later errors (its symbol, once read).
    void name(std::string_view symbol) { symbol_ = std::string(symbol); }
    [[nodiscard]] bool failed() const noexcept { return status_.failed(); }
    void fail(std::string_view field, std::string_view value, std::string_view reason) {
        status_.fail(origin_, venue_, symbol_, field, value, reason);
    }

    /// A required string field ("" after an error).
    std::string_view str(std::string_view field);
    /// An optional string field: "" when absent; an error when present but not a string.
    std::string_view opt_str(std::string_view field);
    /// A required object field.
    std::optional<simdjson::dom::object> object(std::string_view field);
    /// A required array field.
    std::optional<simdjson::dom::array> array(std::string_view field);
    /// A required integer (a JSON number) field.
    std::int64_t integer(std::string_view field);

    /// A positive decimal step from a field's text ("0.00100000" -> {1, 3}); `field` names it.
    decimal_step step(std::string_view field, std::string_view text);
    /// A non-negative (or, with `positive`, strictly positive) decimal text as a double.
    double decimal(std::string_view field, std::string_view text, bool positive);
    /// Milliseconds since the epoch as text ("1632470400000") to a timestamp; "" or "0": none.
    timestamp_ns millis(std::string_view field, std::string_view text);
    /// Milliseconds as a number to a timestamp.
    timestamp_ns millis(std::string_view field, std::int64_t ms);

  private:
    const reply_origin& origin_;
    std::string_view venue_;
    simdjson::dom::object obj_;
    load_status& status_;
    std::string symbol_;
};

/// Reads each entry of a venue's list: an object whose `id_field` is the symbol. `read(r, s)`
/// fills the spec (venue and symbol already set) and returns false to skip the entry; the spec
/// is kept unless an error was recorded, which ends the walk.
template <class Read>
void for_each_entry(const reply_origin& o, std::string_view venue, std::string_view list_name,
                    simdjson::dom::array list, std::string_view id_field, spec_list& out,
                    load_status& st, Read&& read) {
    for (simdjson::dom::element e : list) {
        simdjson::dom::object obj;
        if (e.get_object().get(obj)) {
            st.fail(o, venue, {}, std::string(list_name) + "[]", value_text(e),
                    "expected an object");
            return;
        }
        item_reader r(o, venue, obj, st);
        instrument_spec s;
        s.venue = std::string(venue);
        s.symbol = std::string(r.str(id_field));
        r.name(s.symbol);
        const bool keep = !r.failed() && read(r, s);
        if (r.failed()) {
            return;
        }
        if (keep) {
            out.push_back(std::move(s));
        }
    }
}

/// Splits "BASE-QUOTE" (OKX uly/instFamily, Coinbase product ids) at the first '-'.
void split_pair(std::string_view pair, std::string& base, std::string& quote);

// One loader per venue reply. `root` is the parsed body; `venue` the Ballast venue name.
void load_binance(const reply_origin& o, std::string_view venue, simdjson::dom::element root,
                  spec_list& out, load_status& st);
void load_okx(const reply_origin& o, simdjson::dom::element root, spec_list& out, load_status& st);
/// Bybit v5 instruments-info reply ({"retCode","result":{"category","list"}}).
void load_bybit(const reply_origin& o, simdjson::dom::element root, spec_list& out,
                load_status& st);
/// The `list` of one Bybit category (also the recorded subset's "items").
void load_bybit_list(const reply_origin& o, std::string_view category, simdjson::dom::array list,
                     spec_list& out, load_status& st);
/// Coinbase Advanced Trade products ({"products":[...]}).
void load_coinbase_advanced(const reply_origin& o, simdjson::dom::element root, spec_list& out,
                            load_status& st);
/// The products of one Advanced Trade reply (also the recorded subset's "items").
void load_coinbase_products(const reply_origin& o, simdjson::dom::array products, spec_list& out,
                            load_status& st);
/// Coinbase Exchange GET /products (a JSON array).
void load_coinbase_exchange(const reply_origin& o, simdjson::dom::element root, spec_list& out,
                            load_status& st);
/// Kraken AssetPairs; pairs are listed for `kraken` and, under the same wsname, `kraken_v2`.
void load_kraken(const reply_origin& o, simdjson::dom::element root, spec_list& out,
                 load_status& st);
/// Deribit public/get_instruments (tick_size and min_trade_amount are JSON numbers: their raw
/// text is the step, so the body is read with On-Demand).
void load_deribit(const reply_origin& o, std::string_view body, spec_list& out, load_status& st);

} // namespace ballast::feed::detail
