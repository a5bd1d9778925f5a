#include "feed/kraken_book.hpp"

#include <libdeflate.h>

#include <algorithm>
#include <cstring>
#include <limits>

namespace ballast::feed {

namespace {
// Kraken's deepest subscription is 1000 levels; the book is cut back to the subscribed depth
// after each message, so the rest is room for one message's insertions.
constexpr std::size_t kraken_book_capacity = 4096;
// A book capacity of 0 asks for the venue's default.
feed_options with_capacity(feed_options o) {
    if (o.book_capacity == 0) {
        o.book_capacity = kraken_book_capacity;
    }
    return o;
}
constexpr std::uint32_t book_order = std::numeric_limits<std::uint32_t>::max();
} // namespace

namespace {
// `text` with every '.' removed and leading zeros stripped, at `out` (at most 64 chars: longer
// than any level text the book accepts); the count written.
std::size_t crc_digits(std::string_view text, char* out) noexcept {
    constexpr std::size_t max = kraken_book_feed::max_level_digits;
    // Leading zeros count as leading while only dots separate them: "0.0012" gives "12". One
    // pass over the bytes (string_view's find calls memchr per byte for a set of characters).
    const char* p = text.data();
    const char* const end = p + text.size();
    while (p != end && (*p == '0' || *p == '.')) {
        ++p;
    }
    std::size_t n = 0;
    for (; p != end && n < max; ++p) {
        out[n] = *p;
        n += *p != '.' ? 1 : 0;
    }
    return n;
}
} // namespace

std::uint32_t kraken_crc_digits(std::uint32_t crc, std::string_view text) noexcept {
    char digits[kraken_book_feed::max_level_digits];
    const std::size_t n = crc_digits(text, digits);
    return libdeflate_crc32(crc, digits, n);
}

kraken_book_feed::kraken_book_feed(std::string venue, const instrument_registry& instruments,
                                   reject_log& rejects, feed_options options,
                                   kraken_checksum_text text)
    : venue_feed(std::move(venue), instruments, rejects, with_capacity(std::move(options))),
      text_(text) {
    // Every staged level of a side, plus as many book levels again and the ten.
    candidates_.reserve(2 * options_.max_levels_per_message + checksum_levels);
}

void kraken_book_feed::level_digits(const venue_book& b, const candidate& c) noexcept {
    if (text_ == kraken_checksum_text::received) {
        digits_size_ += crc_digits(c.px_text, digits_.data() + digits_size_);
        digits_size_ += crc_digits(c.sz_text, digits_.data() + digits_size_);
        return;
    }
    // Unstripped, with exactly the precision's decimals: 0.1 BTC at precision 8 is 0.10000000.
    decimal_buffer buf;
    std::size_t n = format_steps(c.px.value(), b.spec->tick, false, buf);
    digits_size_ += crc_digits(std::string_view(buf.data(), n), digits_.data() + digits_size_);
    n = format_steps(c.sz.value(), b.spec->lot, false, buf);
    digits_size_ += crc_digits(std::string_view(buf.data(), n), digits_.data() + digits_size_);
}

void kraken_book_feed::side_digits(const venue_book& b, bool replace, side s) noexcept {
    // Candidates for the top levels after the message: every staged level of this side, and
    // enough of the book's best levels that the staged deletions cannot exhaust them.
    candidates_.clear();
    std::size_t staged_on_side = 0;
    for (std::uint32_t i = 0; i < staged_.size(); ++i) {
        const auto& l = staged_[i];
        if (l.s == s) {
            candidates_.push_back({l.px, l.sz, l.px_text, l.sz_text, i});
            ++staged_on_side;
        }
    }
    if (!replace) {
        const std::size_t n = std::min(b.book.depth(s), checksum_levels + staged_on_side);
        for (std::size_t i = 0; i < n; ++i) {
            const auto& l = b.book.at(s, i);
            if (b.book.keeps_text()) {
                const auto& t = b.book.text_at(s, i);
                candidates_.push_back({l.px, l.sz, t.price_text(), t.size_text(), book_order});
            } else {
                candidates_.push_back({l.px, l.sz, {}, {}, book_order});
            }
        }
    }
    // Best price first; for one price the last staged level wins over earlier ones and the book.
    std::sort(candidates_.begin(), candidates_.end(), [s](const candidate& x, const candidate& y) {
        if (x.px != y.px) {
            return s == side::bid ? x.px > y.px : x.px < y.px;
        }
        return x.order == book_order ? false : (y.order == book_order || x.order > y.order);
    });
    std::size_t limit = checksum_levels;
    if (b.depth_limit != 0) {
        limit = std::min(limit, b.depth_limit);
    }
    std::size_t emitted = 0;
    for (std::size_t i = 0; i < candidates_.size() && emitted < limit; ++i) {
        const auto& c = candidates_[i];
        if (i > 0 && candidates_[i - 1].px == c.px) {
            continue; // superseded
        }
        if (c.sz.value() == 0) {
            continue; // deleted (or a delete of an unknown level)
        }
        level_digits(b, c);
        ++emitted;
    }
}

std::uint32_t kraken_book_feed::staged_checksum(const venue_book& b, bool replace) noexcept {
    // The digits of every level, asks then bids, in one buffer: one CRC call per message.
    digits_size_ = 0;
    side_digits(b, replace, side::ask);
    side_digits(b, replace, side::bid);
    return libdeflate_crc32(0, digits_.data(), digits_size_);
}

bool kraken_book_feed::verify_checksum(venue_book& b, bool replace, std::uint32_t expected,
                                       const feed_frame& f) noexcept {
    if (staged_checksum(b, replace) == expected) {
        ++b.counters.checksum_ok;
        return true;
    }
    ++b.counters.checksum_fail;
    mark_stale(b, book_health::stale_checksum, f, "checksum mismatch: resubscribe");
    return false;
}

void kraken_book_feed::apply_verified(venue_book& b, bool replace, const feed_frame& f) noexcept {
    if (replace) {
        begin_snapshot(b);
    }
    apply_staged(b);
    if (replace) {
        mark_live(b, f);
    }
    finish_message(b, f); // cuts to depth_limit, then the crossed check
}

} // namespace ballast::feed
