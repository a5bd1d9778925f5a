#pragma once
// The books part of the CLI's reports: every book's health, counters and best levels; the
// rejects; and a dump of every level.

#include "feed/venue_feed.hpp"
#include "tools/json_writer.hpp"

#include <cstdio>
#include <optional>
#include <span>
#include <string>

namespace ballast::cli {

/// "books": [{venue, symbol, health, counters, depth, best levels}] for every book of `feeds`.
void write_books_report(json_writer& w, std::span<const feed::venue_feed* const> feeds);
/// "rejects": [{venue, line, reason}], "rejects_total".
void write_rejects(json_writer& w, const feed::reject_log& rejects);
/// --dump-books FILE: every level of every book, {"books":[{venue, symbol, bids, asks}]}. The
/// file is opened before the work, so a path that cannot be written fails at once.
class books_dump {
  public:
    books_dump() = default;
    ~books_dump();
    books_dump(const books_dump&) = delete;
    books_dump& operator=(const books_dump&) = delete;

    /// Opens `path` for writing; "<path>: <reason>" when it cannot be.
    [[nodiscard]] std::optional<std::string> open(const std::string& path);
    [[nodiscard]] bool wanted() const noexcept { return out_ != nullptr; }
    /// Writes the books and closes the file; "<path>: <reason>" when the dump is incomplete.
    [[nodiscard]] std::optional<std::string> write(std::span<const feed::venue_feed* const> feeds);

  private:
    std::FILE* out_ = nullptr;
    std::string path_;
};

} // namespace ballast::cli
