#include "feed/venue_feed.hpp"

#include "feed/json_levels.hpp"

#include <algorithm>
#include <cstdio>
#include <tuple>

namespace ballast::feed {

std::string_view to_string(book_health h) noexcept {
    switch (h) {
    case book_health::syncing:
        return "syncing";
    case book_health::live:
        return "live";
    case book_health::stale_gap:
        return "stale_gap";
    case book_health::stale_checksum:
        return "stale_checksum";
    case book_health::stale_crossed:
        return "stale_crossed";
    case book_health::stale_silence:
        return "stale_silence";
    }
    return "unknown";
}

void reject_log::add(std::string_view venue, std::uint64_t line, std::string reason) {
    ++total_;
    if (entries_.size() < max_kept_) {
        entries_.push_back({std::string(venue), line, std::move(reason)});
    }
}

venue_feed::venue_feed(std::string venue, const instrument_registry& instruments,
                       reject_log& rejects, feed_options options, std::size_t default_capacity)
    : venue_(std::move(venue)), instruments_(instruments), rejects_(rejects),
      options_(std::move(options)) {
    if (options_.book_capacity == 0) {
        options_.book_capacity = default_capacity;
    }
    staged_.reserve(options_.max_levels_per_message);
    side_index_.reserve(options_.max_levels_per_message);
    number_text_.reserve(max_number_text);
}

bool venue_feed::wants(std::string_view symbol) const noexcept {
    return options_.symbols.empty() || std::find(options_.symbols.begin(), options_.symbols.end(),
                                                 symbol) != options_.symbols.end();
}

venue_book* venue_feed::find_book(std::string_view symbol) noexcept {
    for (auto& b : books_) {
        if (b->symbol() == symbol) {
            return b.get();
        }
    }
    return nullptr;
}

venue_book* venue_feed::book_for(std::string_view symbol, const feed_frame& f, bool keep_text) {
    if (auto* b = find_book(symbol)) {
        return b;
    }
    if (!wants(symbol)) {
        return nullptr; // filtered out: not an error
    }
    const bool text = keep_text || options_.keep_text;
    if (const instrument_spec* spec = instruments_.find(venue_, symbol)) {
        books_.push_back(std::make_unique<venue_book>(*spec, options_.book_capacity, text));
        return books_.back().get();
    }
    if (symbol.empty() || symbol.size() > 64) {
        reject(nullptr, f, "unknown symbol", symbol);
        return nullptr;
    }
    // No venue spec: the scale starts at whole units and widens to the decimals the venue writes.
    auto spec = std::make_unique<instrument_spec>();
    spec->venue = venue_;
    spec->symbol = std::string(symbol);
    spec->kind = derived_kind(venue_, symbol);
    spec->tick = {1, 0};
    spec->lot = {1, 0};
    books_.push_back(std::make_unique<venue_book>(std::move(spec), options_.book_capacity, text));
    return books_.back().get();
}

instrument_kind derived_kind(std::string_view venue, std::string_view symbol) noexcept {
    if (venue == "binance_usdm" || venue == "bybit_linear") {
        return instrument_kind::linear_perp;
    }
    constexpr std::string_view okx_swap = "-SWAP";
    if (venue == "okx" && symbol.ends_with(okx_swap)) {
        // OKX names coin-margined swaps <coin>-USD-SWAP and the others <coin>-<stable>-SWAP.
        const auto first = symbol.find('-');
        const auto quote = symbol.substr(first + 1, symbol.size() - okx_swap.size() - first - 1);
        return quote == "USD" ? instrument_kind::inverse_perp : instrument_kind::linear_perp;
    }
    if (venue == "deribit" && symbol.ends_with("-PERPETUAL")) {
        // Deribit's coin-settled perpetuals are <coin>-PERPETUAL; USDC ones carry "_USDC".
        return symbol.find('_') == std::string_view::npos ? instrument_kind::inverse_perp
                                                          : instrument_kind::linear_perp;
    }
    return instrument_kind::spot;
}

bool venue_feed::widen_scale(venue_book& b, int price_decimals, int qty_decimals,
                             const feed_frame& f) noexcept {
    instrument_spec& spec = *b.derived_spec;
    std::int64_t pf = 1;
    std::int64_t qf = 1;
    for (int i = spec.tick.exponent; i < price_decimals; ++i) {
        pf *= 10;
    }
    for (int i = spec.lot.exponent; i < qty_decimals; ++i) {
        qf *= 10;
    }
    if (!b.book.rescale(pf, qf)) {
        reject(&b, f, "derived scale widening overflows a level");
        return false;
    }
    spec.tick.exponent = price_decimals;
    spec.lot.exponent = qty_decimals;
    if (!b.book.empty(side::bid) || !b.book.empty(side::ask)) {
        ++b.counters.rescales; // an empty book just takes its first scale
    }
    if (listener_ != nullptr) {
        // The mirror holds levels in the old units: it starts again from the rescaled book.
        listener_->on_clear(b);
        for (side s : {side::bid, side::ask}) {
            b.book.for_each(s, [&](const level& l) { listener_->on_level(b, s, l.px, l.sz); });
        }
    }
    return true;
}

void venue_feed::reject(venue_book* b, const feed_frame& f, std::string_view reason) noexcept {
    reject(b, f, reason, {});
}

void venue_feed::reject(venue_book* b, const feed_frame& f, std::string_view what,
                        std::string_view detail) noexcept {
    if (b != nullptr) {
        ++b->counters.rejected;
    } else {
        ++unattributed_;
    }
    report(b, f, what, detail);
}

void venue_feed::report(const venue_book* b, const feed_frame& f, std::string_view what,
                        std::string_view detail) noexcept {
    // Reports are rare; building the text here keeps the happy path free of formatting.
    try {
        scratch_.clear();
        if (b != nullptr) {
            scratch_.append(b->symbol()).append(": ");
        }
        scratch_.append(what);
        if (!detail.empty()) {
            scratch_.append(" (").append(detail.substr(0, 120)).append(")");
        }
        rejects_.add(venue_, f.line, scratch_);
    } catch (...) { // out of memory while reporting: the count above still stands
    }
}

void venue_feed::restart_books() noexcept {
    for (auto& b : books_) {
        if (b->health == book_health::live) {
            ++b->counters.resyncs; // a stale book counted its resync when it went stale
        }
        b->health = book_health::syncing;
        b->last_seq = -1;
    }
}

void venue_feed::on_disconnect(const feed_frame& f) noexcept {
    for (auto& b : books_) {
        if (b->health == book_health::live || b->health == book_health::syncing) {
            mark_stale(*b, book_health::stale_gap, f, "connection lost");
        }
    }
}

void venue_feed::begin_snapshot(venue_book& b) noexcept {
    b.book.clear();
    snapshot_pending_ = true;
    if (listener_ != nullptr) {
        listener_->on_clear(b);
    }
}

bool venue_feed::stage_levels(simdjson::ondemand::value levels, side s) noexcept {
    simdjson::ondemand::array array;
    if (levels.get_array().get(array)) {
        return false;
    }
    return !for_each_level(array, [&](std::string_view px, std::string_view sz, std::string_view) {
        stage(s, px, sz);
        return true;
    });
}

bool venue_feed::stage_levels(simdjson::dom::element levels, side s) noexcept {
    simdjson::dom::array array;
    if (levels.get_array().get(array)) {
        return false;
    }
    return !for_each_level(array, number_text_,
                           [&](std::string_view px, std::string_view sz, std::string_view) {
                               stage(s, px, sz);
                               return true;
                           });
}

bool venue_feed::convert_staged(venue_book& b, const feed_frame& f) noexcept {
    if (staged_overflow_) {
        staged_overflow_ = false;
        reject(&b, f, "too many levels in one message");
        return false;
    }
    if (b.derived()) {
        int pd = b.spec->tick.exponent;
        int qd = b.spec->lot.exponent;
        for (const auto& l : staged_) {
            pd = std::max(pd, decimals_of(l.px_text));
            qd = std::max(qd, decimals_of(l.sz_text));
        }
        constexpr int max_decimals = 18; // 10^-18 steps still hold the venues' values in int64
        if (pd > max_decimals || qd > max_decimals) {
            reject(&b, f,
                   pd > max_decimals ? "price with more than 18 decimals (derived scale)"
                                     : "size with more than 18 decimals (derived scale)");
            return false;
        }
        if ((pd > b.spec->tick.exponent || qd > b.spec->lot.exponent) &&
            !widen_scale(b, pd, qd, f)) {
            return false;
        }
    }
    // `ask price "abc": not a decimal number`: the field, the value as sent, the cause. Formatted
    // on the stack (rejects are rare, but this stays allocation-free); long values are cut.
    const auto bad_level = [&](std::string_view field, std::string_view value,
                               std::string_view why) {
        char text[192];
        const int cut = static_cast<int>(std::min<std::size_t>(value.size(), 64));
        const int n =
            std::snprintf(text, sizeof text, "%.*s \"%.*s%s\": %.*s",
                          static_cast<int>(field.size()), field.data(), cut, value.data(),
                          value.size() > 64 ? "..." : "", static_cast<int>(why.size()), why.data());
        reject(&b, f,
               std::string_view(text, std::min<std::size_t>(n > 0 ? n : 0, sizeof text - 1)));
    };
    for (auto& l : staged_) {
        const auto px = b.spec->parse_price(l.px_text);
        if (!px.ok() || px.value.value() <= 0) {
            bad_level(l.s == side::bid ? "bid price" : "ask price", l.px_text,
                      px.ok() ? std::string_view("not positive") : to_string(px.error));
            return false;
        }
        const auto sz = b.spec->parse_qty(l.sz_text);
        if (!sz.ok()) {
            bad_level(l.s == side::bid ? "bid size" : "ask size", l.sz_text, to_string(sz.error));
            return false;
        }
        if (b.book.keeps_text() &&
            (l.px_text.size() > level_text::max_len || l.sz_text.size() > level_text::max_len)) {
            reject(&b, f, "level text too long", l.px_text);
            return false;
        }
        l.px = px.value;
        l.sz = sz.value;
    }
    return true;
}

void venue_feed::apply_staged(venue_book& b) noexcept {
    if (snapshot_pending_) {
        snapshot_pending_ = false;
        // Snapshots arrive best first: fill each side in one pass instead of n inserts.
        for (side s : {side::bid, side::ask}) {
            side_index_.clear();
            for (std::uint32_t i = 0; i < staged_.size(); ++i) {
                if (staged_[i].s == s && staged_[i].sz.value() != 0) {
                    side_index_.push_back(i);
                }
            }
            const bool bulk = b.book.assign_best_first(s, side_index_.size(), [&](std::size_t i) {
                const auto& l = staged_[side_index_[i]];
                return std::tuple{l.px, l.sz, l.px_text, l.sz_text};
            });
            if (!bulk) {
                for (const auto i : side_index_) {
                    const auto& l = staged_[i];
                    if (b.book.set_level(l.s, l.px, l.sz, l.px_text, l.sz_text) ==
                        level_change::dropped_full) {
                        ++b.counters.dropped_full;
                    }
                }
            } else if (side_index_.size() > b.book.depth(s)) {
                b.counters.dropped_full += side_index_.size() - b.book.depth(s);
            }
            if (listener_ != nullptr) {
                b.book.for_each(s, [&](const level& l) { listener_->on_level(b, s, l.px, l.sz); });
            }
        }
        return;
    }
    for (const auto& l : staged_) {
        const auto change = b.book.set_level(l.s, l.px, l.sz, l.px_text, l.sz_text);
        if (change == level_change::dropped_full) {
            ++b.counters.dropped_full;
        }
        if (listener_ != nullptr && change != level_change::delete_unknown &&
            change != level_change::dropped_full) {
            listener_->on_level(b, l.s, l.px, l.sz);
        }
    }
}

void venue_feed::finish_message(venue_book& b, const feed_frame& f) noexcept {
    ++b.counters.applied;
    b.last_message = f.ts;
    if (b.depth_limit != 0) {
        // Levels cut at the venue's depth are deletions for a mirror too.
        if (listener_ != nullptr) {
            for (side s : {side::bid, side::ask}) {
                for (std::size_t i = b.depth_limit; i < b.book.depth(s); ++i) {
                    listener_->on_level(b, s, b.book.at(s, i).px, qty{});
                }
            }
        }
        b.book.truncate(b.depth_limit);
    }
    if (b.book.crossed()) {
        ++b.counters.crossed;
        mark_stale(b, book_health::stale_crossed, f, "crossed book");
        return;
    }
    if (listener_ != nullptr) {
        listener_->on_update(b, f.ts);
    }
}

void venue_feed::mark_stale(venue_book& b, book_health why, const feed_frame& f,
                            std::string_view reason) noexcept {
    if (why == book_health::stale_gap) {
        ++b.counters.gaps;
    }
    ++b.counters.resyncs;
    b.health = why;
    report(&b, f, reason, {});
    if (listener_ != nullptr) {
        listener_->on_update(b, f.ts);
    }
}

void venue_feed::mark_live(venue_book& b, const feed_frame& f) noexcept {
    b.health = book_health::live;
    b.last_message = f.ts;
}

void venue_feed::check_silence(timestamp_ns now) noexcept {
    if (options_.max_silence_ns <= 0) {
        return;
    }
    for (auto& b : books_) {
        if (b->health == book_health::live &&
            now.ns - b->last_message.ns > options_.max_silence_ns) {
            ++b->counters.resyncs;
            b->health = book_health::stale_silence;
            if (listener_ != nullptr) {
                listener_->on_update(*b, now);
            }
        }
    }
}

bool venue_feed::reserve_frame(std::size_t bytes) {
    if (parser_.allocate(bytes) != simdjson::SUCCESS ||
        dom_parser_.allocate(bytes) != simdjson::SUCCESS) {
        return false;
    }
    // The DOM parser sizes its document (tape and strings) on its first parse of that size:
    // parse that much whitespace (an EMPTY document, not an error that matters) to size it now.
    const std::string blank(bytes + simdjson::SIMDJSON_PADDING, ' ');
    (void)dom_parser_.parse(reinterpret_cast<const std::uint8_t*>(blank.data()), bytes, false);
    return true;
}

} // namespace ballast::feed
