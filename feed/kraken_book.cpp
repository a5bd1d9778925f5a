#include "feed/kraken_book.hpp"

#include <zlib.h>

#include <algorithm>
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

std::uint32_t kraken_crc_digits(std::uint32_t crc, std::string_view text) noexcept {
    char digits[64];
    std::size_t n = 0;
    for (const char c : text) {
        if (c == '.' || (c == '0' && n == 0)) {
            continue;
        }
        if (n == sizeof(digits)) {
            break; // longer than any level text the book accepts
        }
        digits[n++] = c;
    }
    return static_cast<std::uint32_t>(
        crc32(crc, reinterpret_cast<const Bytef*>(digits), static_cast<uInt>(n)));
}

kraken_book_feed::kraken_book_feed(std::string venue, const instrument_registry& instruments,
                                   reject_log& rejects, feed_options options,
                                   kraken_checksum_text text)
    : venue_feed(std::move(venue), instruments, rejects, with_capacity(std::move(options))),
      text_(text) {
    // Every staged level of a side, plus as many book levels again and the ten.
    candidates_.reserve(2 * options_.max_levels_per_message + checksum_levels);
}

std::uint32_t kraken_book_feed::level_checksum(std::uint32_t crc, const venue_book& b,
                                               const candidate& c) const noexcept {
    if (text_ == kraken_checksum_text::received) {
        crc = kraken_crc_digits(crc, c.px_text);
        return kraken_crc_digits(crc, c.sz_text);
    }
    // Unstripped, with exactly the precision's decimals: 0.1 BTC at precision 8 is 0.10000000.
    decimal_buffer buf;
    std::size_t n = format_steps(c.px.value(), b.spec->tick, false, buf);
    crc = kraken_crc_digits(crc, std::string_view(buf.data(), n));
    n = format_steps(c.sz.value(), b.spec->lot, false, buf);
    return kraken_crc_digits(crc, std::string_view(buf.data(), n));
}

std::uint32_t kraken_book_feed::side_checksum(std::uint32_t crc, const venue_book& b, bool replace,
                                              side s) noexcept {
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
        crc = level_checksum(crc, b, c);
        ++emitted;
    }
    return crc;
}

std::uint32_t kraken_book_feed::staged_checksum(const venue_book& b, bool replace) noexcept {
    auto crc = static_cast<std::uint32_t>(crc32(0, nullptr, 0));
    crc = side_checksum(crc, b, replace, side::ask);
    return side_checksum(crc, b, replace, side::bid);
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
