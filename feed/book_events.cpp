#include "feed/book_events.hpp"

#include <limits>
#include <thread>

namespace ballast::feed {

ring_listener::ring_listener(book_ring& ring,
                             std::vector<std::pair<std::string, std::uint16_t>> symbol_slots,
                             ring_listener_options options)
    : ring_(ring), symbol_slots_(std::move(symbol_slots)), options_(options) {}

ring_listener::known_book* ring_listener::find(const venue_book& b) noexcept {
    for (auto& k : books_) {
        if (k.book == &b) {
            return &k;
        }
    }
    int slot = -1;
    for (const auto& [sym, s] : symbol_slots_) {
        if (sym == b.symbol()) {
            slot = s;
        }
    }
    books_.push_back({&b, slot, false}); // first sight of a book: setup, not the hot path
    return &books_.back();
}

bool ring_listener::emplace(const book_event& e) noexcept {
    std::uint32_t spins = 0;
    while (!ring_.try_push(e)) {
        if (options_.on_full == full_ring_policy::drop && spins >= options_.max_full_spins) {
            bump(dropped_);
            overflow_.store(true, std::memory_order_release);
            return false;
        }
        ++spins;
        bump(full_spins_); // back-pressure: the consumer is behind
        std::this_thread::yield();
    }
    bump(events_);
    return true;
}

bool ring_listener::push(known_book& k, book_event::kind kind, std::uint8_t x, std::int64_t px,
                         std::int64_t sz) noexcept {
    if (k.slot < 0) {
        return true; // a book the consumer does not follow
    }
    if (k.lost) {
        bump(dropped_); // the consumer gets the whole book again at a later update
        return false;
    }
    book_event e;
    e.ts = frame_ts;
    e.k = kind;
    e.slot = static_cast<std::uint16_t>(k.slot);
    e.side_or_health = x;
    e.px = px;
    e.sz = sz;
    e.frame_tsc = frame_tsc;
    e.tsc = tsc_now();
    if (!emplace(e)) {
        k.lost = true;
        return false;
    }
    return true;
}

void ring_listener::resend(known_book& k) noexcept {
    const venue_book& b = *k.book;
    const std::size_t need = b.book.depth(side::bid) + b.book.depth(side::ask) + 2;
    if (ring_.capacity() - ring_.size() < need) {
        bump(dropped_);
        return; // still no room: the next update tries again
    }
    // Only this thread pushes, so the room measured above stays free.
    k.lost = false;
    push(k, book_event::kind::clear, 0, 0, 0);
    for (side s : {side::bid, side::ask}) {
        b.book.for_each(s, [&](const level& l) {
            push(k, book_event::kind::level, static_cast<std::uint8_t>(s), l.px.value(),
                 l.sz.value());
        });
    }
    push(k, book_event::kind::update, static_cast<std::uint8_t>(b.health), 0, 0);
    bump(resent_);
}

void ring_listener::on_clear(const venue_book& b) noexcept {
    (void)push(*find(b), book_event::kind::clear, 0, 0, 0);
}

void ring_listener::on_level(const venue_book& b, side s, price px, qty sz) noexcept {
    (void)push(*find(b), book_event::kind::level, static_cast<std::uint8_t>(s), px.value(),
               sz.value());
}

void ring_listener::on_update(const venue_book& b, timestamp_ns /*ts*/) noexcept {
    known_book& k = *find(b);
    if (k.lost) {
        resend(k);
    } else if (!push(k, book_event::kind::update, static_cast<std::uint8_t>(b.health), 0, 0)) {
        return;
    }
    if (frame_tsc != 0 && k.slot >= 0 && !k.lost) {
        const std::uint64_t now = tsc_now();
        frame_lat_.record(now > frame_tsc ? now - frame_tsc : 0);
        frame_tsc = 0;
    }
}

bool ring_listener::push_end() noexcept {
    book_event e;
    e.ts = std::numeric_limits<std::int64_t>::max();
    e.k = book_event::kind::end;
    e.tsc = tsc_now();
    return emplace(e);
}

ring_listener_stats ring_listener::stats() const noexcept {
    ring_listener_stats s;
    s.events = events_.load(std::memory_order_relaxed);
    s.full_spins = full_spins_.load(std::memory_order_relaxed);
    s.dropped = dropped_.load(std::memory_order_relaxed);
    s.resent = resent_.load(std::memory_order_relaxed);
    return s;
}

} // namespace ballast::feed
