// The HTML report's escaping: report data and the inlined library can never end or change the
// <script> elements they sit in; the JSON read back from the page is the report's.
#include "exec/report_html.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cctype>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace {

using namespace ballast::exec;

/// Occurrences of `needle` in `hay`, ASCII case-insensitive.
std::size_t count_nocase(std::string_view hay, std::string_view needle) {
    std::size_t n = 0;
    for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
        bool eq = true;
        for (std::size_t k = 0; k < needle.size() && eq; ++k) {
            eq = std::tolower(static_cast<unsigned char>(hay[i + k])) ==
                 std::tolower(static_cast<unsigned char>(needle[k]));
        }
        n += eq ? 1 : 0;
    }
    return n;
}

/// A minimal report with what the charts read; `name` is the scenario's name.
std::string report_named(std::string_view name) {
    return R"({"scenario":")" + std::string(name) +
           R"(","market_start":"2026-01-01T00:00:00.000Z","underlyings":[],"trades":[],)"
           R"("parents":[],"orders":{},"series":{"t":[],"underlyings":[],"books":[],)"
           R"("parents":[],"venues":[],"latency":[],"health_states":[]}})";
}

TEST(report_html, json_for_script_escapes_what_could_end_the_script_and_stays_the_same_json) {
    const std::string hostile =
        "</script><script>alert(1)</script><!-- & \xe2\x80\xa8\xe2\x80\xa9 >";
    const std::string json = report_named("a\\\"" + hostile);
    const std::string safe = json_for_script(json);
    EXPECT_EQ(safe.find('<'), std::string::npos);
    EXPECT_EQ(safe.find('>'), std::string::npos);
    EXPECT_EQ(safe.find('&'), std::string::npos);
    EXPECT_EQ(safe.find("\xe2\x80\xa8"), std::string::npos);
    EXPECT_EQ(safe.find("\xe2\x80\xa9"), std::string::npos);
    EXPECT_NE(safe.find("\\u003c/script\\u003e"), std::string::npos);
    // Read back, it is the same document.
    simdjson::dom::parser a;
    simdjson::dom::parser b;
    std::string_view original;
    std::string_view escaped;
    ASSERT_EQ(a.parse(json)["scenario"].get(original), simdjson::SUCCESS);
    ASSERT_EQ(b.parse(safe)["scenario"].get(escaped), simdjson::SUCCESS);
    EXPECT_EQ(original, escaped);
    EXPECT_EQ(original, "a\"" + hostile);
}

TEST(report_html, script_for_html_neutralises_script_end_and_comment_open_in_any_case) {
    EXPECT_EQ(script_for_html("var s='</script>';"), "var s='<\\/script>';");
    EXPECT_EQ(script_for_html("x='</SCRIPT >'"), "x='<\\/SCRIPT >'");
    EXPECT_EQ(script_for_html("x='</ScRiPt'"), "x='<\\/ScRiPt'");
    EXPECT_EQ(script_for_html("s='<!--'"), "s='<\\!--'");
    EXPECT_EQ(script_for_html("a</scrip b</ a<b"), "a</scrip b</ a<b"); // nothing else changes
    EXPECT_EQ(script_for_html("</script"), "<\\/script");               // at the very end
    EXPECT_EQ(script_for_html(""), "");
}

TEST(report_html, the_page_has_exactly_its_own_script_elements_whatever_the_data_says) {
    const std::string hostile = "x</script><script>document.title='owned'</script><!--";
    const std::string json = report_named(hostile);
    ASSERT_EQ(check_report_json(json), "");
    const std::string page = render_report_html(json, "window.Chart=function(){};/*</script>*/");
    // Three elements: the data, the library, the page's code; nothing in them closes one early.
    EXPECT_EQ(count_nocase(page, "<script"), 3u);
    EXPECT_EQ(count_nocase(page, "</script"), 3u);
    EXPECT_EQ(count_nocase(page, "<!--"), 0u);
    // The data element holds the report, readable as JSON and equal to it.
    const std::string open = "<script type=\"application/json\" id=\"report-data\">";
    const auto from = page.find(open);
    ASSERT_NE(from, std::string::npos);
    const auto start = from + open.size();
    const auto end = page.find("</script>", start);
    ASSERT_NE(end, std::string::npos);
    simdjson::dom::parser parser;
    std::string_view name;
    ASSERT_EQ(parser.parse(page.substr(start, end - start))["scenario"].get(name),
              simdjson::SUCCESS);
    EXPECT_EQ(name, hostile);
    // Offline: no URL the browser would fetch, and a policy that forbids any.
    EXPECT_EQ(page.find("src=\"http"), std::string::npos);
    EXPECT_EQ(page.find("href=\"http"), std::string::npos);
    EXPECT_NE(page.find("default-src 'none'"), std::string::npos);
}

TEST(report_html, check_report_json_names_what_is_wrong) {
    EXPECT_EQ(check_report_json(report_named("ok")), "");
    EXPECT_NE(check_report_json("{\"scenario\":").find("not valid JSON"), std::string::npos);
    EXPECT_NE(check_report_json("").find("not valid JSON"), std::string::npos);
    EXPECT_EQ(check_report_json("[1,2]"), "not a JSON object");
    std::string no_series = report_named("x");
    no_series.replace(no_series.find("\"series\""), 8, "\"serie_\"");
    EXPECT_NE(check_report_json(no_series).find("no \"series\""), std::string::npos);
    std::string bad_type = report_named("x");
    bad_type.replace(bad_type.find("\"trades\":[]"), 11, "\"trades\":{}");
    EXPECT_EQ(check_report_json(bad_type), "\"trades\" has the wrong type");
    std::string no_books = report_named("x");
    no_books.replace(no_books.find("\"books\""), 7, "\"bookz\"");
    EXPECT_EQ(check_report_json(no_books), "no \"series.books\"");
}

TEST(report_html, files_are_read_and_written_with_errors_naming_them) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("ballast_report_html_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "page.html").string();
    ASSERT_EQ(write_text_file(path, "abc"), "");
    std::string text;
    ASSERT_EQ(read_text_file(path, text), "");
    EXPECT_EQ(text, "abc");
    const std::string missing = (dir / "missing" / "x.html").string();
    EXPECT_EQ(write_text_file(missing, "abc"), missing + ": No such file or directory");
    EXPECT_EQ(read_text_file(missing, text), missing + ": No such file or directory");
    // A full device: the error shows at the latest when the file is closed.
    if (std::filesystem::exists("/dev/full")) {
        EXPECT_EQ(write_text_file("/dev/full", std::string(1 << 16, 'x')),
                  "/dev/full: No space left on device");
    }
    std::string lib;
    const std::string err = load_chart_js(missing, lib);
    EXPECT_NE(err.find(missing), std::string::npos) << err;
    EXPECT_NE(err.find("libjs-chart.js"), std::string::npos) << err;
    EXPECT_NE(load_chart_js(path, lib).find("does not look like Chart.js"), std::string::npos);
    std::filesystem::remove_all(dir);
}

} // namespace
