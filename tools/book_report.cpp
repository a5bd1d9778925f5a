// The books part of the CLI's reports (replay, record), shared by the commands that build
// books from venue frames.
#include "tools/book_report.hpp"

#include <cerrno>
#include <cstring>
#include <utility>

#include <cstdio>

namespace ballast::cli {

namespace {

void write_level_price(json_writer& w, const instrument_spec& spec, price p) {
    w.value(spec.format_price(p));
}

} // namespace

void write_books_report(json_writer& w, std::span<const feed::venue_feed* const> feeds) {
    w.key("books").begin_array();
    for (const feed::venue_feed* f : feeds) {
        for (const auto& b : f->books()) {
            const auto& spec = *b->spec;
            const auto& c = b->counters;
            w.begin_object();
            w.field("venue", f->venue());
            w.field("symbol", b->symbol());
            w.field("health", feed::to_string(b->health));
            w.field("messages", c.messages);
            w.field("applied", c.applied);
            w.field("stale_dropped", c.stale_dropped);
            w.field("gaps", c.gaps);
            w.field("resyncs", c.resyncs);
            w.field("checksum_ok", c.checksum_ok);
            w.field("checksum_fail", c.checksum_fail);
            w.field("rejected", c.rejected);
            w.field("dropped_full", c.dropped_full); // levels beyond the book's capacity
            // Books that ran without the venue's filters, on the scale their levels gave.
            w.field("filters", b->derived() ? "derived" : "venue");
            if (b->derived()) {
                w.field("derived_tick", format_steps(1, spec.tick));
                w.field("derived_lot", format_steps(1, spec.lot));
                w.field("rescales", c.rescales);
            }
            w.field("bids", b->book.depth(side::bid));
            w.field("asks", b->book.depth(side::ask));
            for (const auto& [s, key] : {std::pair{side::bid, std::string_view("best_bid")},
                                         std::pair{side::ask, std::string_view("best_ask")}}) {
                const std::string qty_key = std::string(key) + "_qty";
                if (b->book.empty(s)) {
                    w.key(key).null().key(qty_key).null();
                } else {
                    const level best = b->book.best(s);
                    w.key(key);
                    write_level_price(w, spec, best.px);
                    w.field(qty_key, spec.format_qty(best.sz));
                }
            }
            w.end_object();
        }
    }
    w.end_array();
}

void write_rejects(json_writer& w, const feed::reject_log& rejects) {
    w.key("rejects").begin_array();
    for (const auto& r : rejects.entries()) {
        w.begin_object().field("venue", r.venue).field("line", r.line).field("reason", r.reason);
        w.end_object();
    }
    w.end_array();
    w.field("rejects_total", rejects.total());
}

books_dump::~books_dump() {
    if (out_ != nullptr) {
        std::fclose(out_);
    }
}

std::optional<std::string> books_dump::open(const std::string& path) {
    path_ = path;
    out_ = std::fopen(path.c_str(), "wb");
    if (out_ == nullptr) {
        return path + ": " + std::strerror(errno);
    }
    return std::nullopt;
}

std::optional<std::string> books_dump::write(std::span<const feed::venue_feed* const> feeds) {
    std::FILE* out = std::exchange(out_, nullptr);
    json_writer w(out);
    w.begin_object().key("books").begin_array();
    for (const feed::venue_feed* f : feeds) {
        for (const auto& b : f->books()) {
            w.begin_object().field("venue", f->venue()).field("symbol", b->symbol());
            for (side sd : {side::bid, side::ask}) {
                w.key(sd == side::bid ? "bids" : "asks").begin_array();
                b->book.for_each(sd, [&](const level& l) {
                    w.begin_array()
                        .value(b->spec->format_price(l.px))
                        .value(b->spec->format_qty(l.sz))
                        .end_array();
                });
                w.end_array();
            }
            w.end_object();
        }
    }
    w.end_array().end_object();
    w.newline();
    errno = 0;
    const bool written = w.ok() && std::fflush(out) == 0 && std::ferror(out) == 0;
    const int err = w.error() != 0 ? w.error() : errno;
    const bool closed = std::fclose(out) == 0;
    if (!written || !closed) {
        return path_ + ": " + std::strerror(err != 0 ? err : (errno != 0 ? errno : EIO));
    }
    return std::nullopt;
}

} // namespace ballast::cli
