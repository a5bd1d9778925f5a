#pragma once
// The books part of the CLI's reports: every book's health, counters and best levels; the
// rejects; and a dump of every level.

#include "feed/venue_feed.hpp"
#include "tools/json_writer.hpp"

#include <span>
#include <string>

namespace ballast::cli {

/// "books": [{venue, symbol, health, counters, depth, best levels}] for every book of `feeds`.
void write_books_report(json_writer& w, std::span<const feed::venue_feed* const> feeds);
/// "rejects": [{venue, line, reason}], "rejects_total".
void write_rejects(json_writer& w, const feed::reject_log& rejects);
/// Every level of every book, {"books":[{venue, symbol, bids, asks}]}; false when `path`
/// cannot be written.
bool dump_books(const std::string& path, std::span<const feed::venue_feed* const> feeds);

} // namespace ballast::cli
