#pragma once
// Drives one venue decoder with fuzzer input: each line of the input is a frame (an empty line
// is a new connection), and after every frame the books' invariants must hold. A violation
// traps, which libFuzzer reports with the input.

#include "feed/instruments.hpp"
#include "feed/venue_feed.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace ballast::fuzz {

/// Traps unless every book is sorted, holds positive sizes, and a live book is neither
/// crossed nor deeper than its venue-defined depth.
inline void check_books(const feed::venue_feed& f) {
    for (const auto& b : f.books()) {
        for (side s : {side::bid, side::ask}) {
            const std::size_t n = b->book.depth(s);
            for (std::size_t i = 0; i < n; ++i) {
                const level& l = b->book.at(s, i);
                if (l.sz.value() <= 0 || l.px.value() <= 0) {
                    __builtin_trap();
                }
                if (i + 1 < n) {
                    const price next = b->book.at(s, i + 1).px;
                    if (s == side::bid ? !(l.px > next) : !(l.px < next)) {
                        __builtin_trap();
                    }
                }
            }
            if (b->health == feed::book_health::live && b->depth_limit != 0 && n > b->depth_limit) {
                __builtin_trap();
            }
        }
        if (b->health == feed::book_health::live && b->book.crossed()) {
            __builtin_trap();
        }
    }
}

/// Feeds `data` line by line into a decoder made once by `make(registry, log)`.
template <class Make>
int run_lines(const std::uint8_t* data, std::size_t size, std::string_view instruments_toml,
              std::string_view url, Make make) {
    static instrument_registry registry = [&] {
        instrument_registry r;
        if (feed::load_instrument_toml(instruments_toml, "fuzz", r)) {
            __builtin_trap();
        }
        return r;
    }();
    static feed::reject_log log(16);
    // A fresh decoder per input keeps runs reproducible.
    std::unique_ptr<feed::venue_feed> decoder = make(registry, log);
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    std::string frame;
    std::uint64_t line = 0;
    for (std::size_t pos = 0; pos <= input.size();) {
        auto end = input.find('\n', pos);
        if (end == std::string_view::npos) {
            end = input.size();
        }
        const std::string_view text = input.substr(pos, end - pos);
        frame.assign(text);
        frame.append(64, '\0'); // the padding the recording reader guarantees
        feed::feed_frame f{std::string_view(frame.data(), text.size()),
                           timestamp_ns{static_cast<std::int64_t>(++line)},
                           line,
                           url,
                           0,
                           false};
        if (text.empty()) {
            decoder->on_connect(f);
        } else {
            decoder->on_frame(f);
        }
        check_books(*decoder);
        pos = end + 1;
    }
    return 0;
}

} // namespace ballast::fuzz
