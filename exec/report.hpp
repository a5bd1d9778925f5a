#pragma once
/// The `ballast run` report: human-readable text and JSON of a run_result.
#include "exec/engine.hpp"

#include <string>

namespace ballast::exec {

[[nodiscard]] std::string format_report(const run_result& r, long peak_rss_kb);
[[nodiscard]] std::string report_json(const run_result& r, long peak_rss_kb);
/// Peak resident set size of this process in KiB (getrusage).
[[nodiscard]] long peak_rss_kb() noexcept;

} // namespace ballast::exec
