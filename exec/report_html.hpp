#pragma once
/// The HTML report: one self-contained page (Chart.js and the JSON report inlined, no network
/// fetch) with the charts of a `ballast run` report. Written by `ballast run --report-html` and
/// `ballast report REPORT.json --html FILE`.
#include <string>
#include <string_view>

namespace ballast::exec {

/// Where Debian's libjs-chart.js installs Chart.js (its UMD build, read at run time).
inline constexpr std::string_view default_chart_js_path =
    "/usr/share/javascript/chart.js/chart.min.js";

/// JSON text made safe inside an HTML <script> element: '<', '>', '&', U+2028 and U+2029 become
/// \u escapes. Valid JSON stays valid and means the same: those can only occur in its strings.
[[nodiscard]] std::string json_for_script(std::string_view json);

/// A script made safe inside an HTML <script> element: "</script" (any case) and "<!--", the
/// only sequences that end or change the element's text, become "<\/script" and "<\!--" (the
/// same characters in a JavaScript string, regular expression or comment).
[[nodiscard]] std::string script_for_html(std::string_view js);

/// Checks that `json` is a `ballast run` JSON report with what the charts read: empty when it
/// is, else the reason (not JSON, or the first missing or mistyped field).
[[nodiscard]] std::string check_report_json(std::string_view json);

/// The page: the charts drawn by `chart_js` from the report `json` (a report that passed
/// check_report_json; the page shows a script error in its title otherwise).
[[nodiscard]] std::string render_report_html(std::string_view json, std::string_view chart_js);

/// Reads Chart.js from `path`; the error names the path and the package that installs it.
[[nodiscard]] std::string load_chart_js(const std::string& path, std::string& out);

/// Reads a whole file into `out`; the error says which file and why (empty: read).
[[nodiscard]] std::string read_text_file(const std::string& path, std::string& out);
/// Writes `text` to `path` and checks every write and the close; the error names the file.
[[nodiscard]] std::string write_text_file(const std::string& path, std::string_view text);

} // namespace ballast::exec
