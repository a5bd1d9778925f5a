#pragma once
/// The `ballast run` report: human-readable text and JSON of a run_result.
#include "exec/engine.hpp"

#include <string>

namespace ballast::exec {

[[nodiscard]] std::string format_report(const run_result& r, long peak_rss_kb);
[[nodiscard]] std::string report_json(const run_result& r, long peak_rss_kb);
/// The per-hop latency table and, when any order was frame-triggered, the tick-to-order legs
/// (text, one line per hop, p50 / p99 / p99.9 / max).
[[nodiscard]] std::string latency_report(const run_result& r);
/// The report's `latency_ns` object: every hop, every tick-to-order leg and `tick_to_order`,
/// each {"count","p50","p99","p999","max"} in integer nanoseconds.
[[nodiscard]] std::string latency_json(const run_result& r);
/// Peak resident set size of this process in KiB (getrusage).
[[nodiscard]] long peak_rss_kb() noexcept;

} // namespace ballast::exec
