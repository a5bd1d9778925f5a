// Every example command in README.md and the folders' READMEs runs as shown (the rule is in
// tools/README.md, *README examples*): one test per example, named after its README, its
// place there and its subcommand.
#include "cli_runner.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <unistd.h>

namespace {

namespace fs = std::filesystem;

constexpr std::string_view binary = "build/tools/ballast";
constexpr int example_limit_s = 120; // every example ends on its own well within this

/// The READMEs whose examples run, and how many ballast examples each held when this test was
/// written: a parser that stops finding them fails instead of passing on nothing.
struct readme_file {
    std::string_view path;
    std::size_t min_examples;
};
constexpr std::array<readme_file, 7> readmes{{{"README.md", 13},
                                              {"book/README.md", 0},
                                              {"exec/README.md", 0},
                                              {"feed/README.md", 0},
                                              {"risk/README.md", 2},
                                              {"router/README.md", 0},
                                              {"tools/README.md", 0}}};
constexpr std::size_t min_scripts = 2; // README.md: tools/run, tools/test

/// One command line of an ```sh or ```console block.
struct example {
    std::string name;                  ///< gtest name: <folder>_<nn>_<subcommand>
    std::string readme;                ///< README path from the repo root
    int line = 0;                      ///< 1-based line of the command in the README
    int block = 0;                     ///< fenced block index in the README (chains share files)
    std::string command;               ///< as written, comment removed
    int status = 0;                    ///< `# exit N`, else 0
    std::vector<std::string> expected; ///< console block: the lines shown after it
};

/// What gtest (and the ctest name) shows for an example: where it is.
void PrintTo(const example& ex, std::ostream* os) {
    *os << ex.readme << ":" << ex.line;
}

struct readme_scan {
    std::vector<example> examples; ///< build/tools/ballast commands: run
    std::vector<example> scripts;  ///< tools/ and .ci/ scripts: checked to exist, not run
    std::vector<std::string> problems;
};

std::string trim(std::string_view s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string_view::npos) {
        return {};
    }
    return std::string(s.substr(b, s.find_last_not_of(" \t\r") - b + 1));
}

std::vector<std::string> words(const std::string& s) {
    std::istringstream in(s);
    std::vector<std::string> out;
    for (std::string w; in >> w;) {
        out.push_back(w);
    }
    return out;
}

/// Splits `cmd  # comment` (a `#` after a space starts a comment, as in sh).
std::pair<std::string, std::string> split_comment(const std::string& line) {
    const auto at = line.find(" #");
    if (line.rfind('#', 0) == 0) {
        return {std::string(), trim(line.substr(1))};
    }
    if (at == std::string::npos) {
        return {trim(line), std::string()};
    }
    return {trim(line.substr(0, at)), trim(line.substr(at + 2))};
}

/// A synopsis or shell construct where a concrete command belongs.
std::optional<std::string_view> not_concrete(const std::string& cmd) {
    for (std::string_view bad : {"...", "[", "]", "(", ")", "|", "<", ">", ";", "&", "$", "`"}) {
        if (cmd.find(bad) != std::string::npos) {
            return bad;
        }
    }
    return std::nullopt;
}

std::string test_name(const std::string& readme, std::size_t index, const std::string& command) {
    const auto dir = fs::path(readme).parent_path().string();
    const auto w = words(command);
    std::string sub = w.size() > 1 ? w[1] : "script";
    if (w.front() != binary) {
        sub = fs::path(w.front()).filename().string();
    }
    std::string name = (dir.empty() ? "root" : dir) + "_" + (index < 10 ? "0" : "") +
                       std::to_string(index) + "_" + sub;
    for (char& c : name) {
        if (std::isalnum(static_cast<unsigned char>(c)) == 0) {
            c = '_';
        }
    }
    return name;
}

/// Classifies one command of an example block.
void add_command(readme_scan& scan, example ex, std::size_t& index) {
    const auto w = words(ex.command);
    const auto where = ex.readme + ":" + std::to_string(ex.line) + ": ";
    if (w.empty()) {
        return;
    }
    const bool is_script = w.front().rfind("tools/", 0) == 0 || w.front().rfind(".ci/", 0) == 0;
    if (w.front() != binary && !is_script) {
        scan.problems.push_back(where + "`" + ex.command +
                                "` is neither a build/tools/ballast example nor a tools/ or .ci/ "
                                "script (see tools/README.md, README examples)");
        return;
    }
    if (const auto bad = not_concrete(ex.command)) {
        scan.problems.push_back(where + "`" + ex.command + "` holds `" + std::string(*bad) +
                                "`: a synopsis goes in a plain ``` block, an example is concrete");
        return;
    }
    ++index;
    ex.name = test_name(ex.readme, index, ex.command);
    (is_script ? scan.scripts : scan.examples).push_back(std::move(ex));
}

void scan_readme(readme_scan& scan, const std::string& readme) {
    std::ifstream in(fs::path(BALLAST_SOURCE_DIR) / readme);
    if (!in) {
        scan.problems.push_back(readme + ": cannot be read");
        return;
    }
    std::string info; // the open fence's info string
    bool in_fence = false;
    int block = 0;
    int line_no = 0;
    std::size_t index = 0;
    std::optional<example> pending; // a console command collecting its output
    const auto flush = [&] {
        if (pending) {
            add_command(scan, std::move(*pending), index);
            pending.reset();
        }
    };
    for (std::string line; std::getline(in, line);) {
        ++line_no;
        if (trim(line).rfind("```", 0) == 0) {
            flush();
            in_fence = !in_fence;
            info = in_fence ? trim(trim(line).substr(3)) : std::string();
            block += in_fence ? 1 : 0;
            continue;
        }
        if (!in_fence) {
            continue;
        }
        const bool sh = info == "sh";
        const bool console = info == "console";
        if (!sh && !console) {
            if (trim(line).rfind(binary, 0) == 0) {
                scan.problems.push_back(readme + ":" + std::to_string(line_no) +
                                        ": an example outside an ```sh or ```console block");
            }
            continue;
        }
        if (console && line.rfind("$ ", 0) != 0) {
            if (pending) {
                pending->expected.push_back(line);
            } else if (!trim(line).empty()) {
                scan.problems.push_back(readme + ":" + std::to_string(line_no) +
                                        ": console output before any `$ ` command");
            }
            continue;
        }
        flush();
        const auto [cmd, comment] = split_comment(console ? line.substr(2) : line);
        if (cmd.empty()) {
            continue;
        }
        example ex{{}, readme, line_no, block, cmd, 0, {}};
        if (comment.rfind("exit ", 0) == 0) {
            ex.status = std::stoi(comment.substr(5));
        }
        if (console) {
            pending = std::move(ex); // its output lines follow
        } else {
            add_command(scan, std::move(ex), index);
        }
    }
    flush();
    if (in_fence) {
        scan.problems.push_back(readme + ": a fenced block is never closed");
    }
}

const readme_scan& scan() {
    static const readme_scan s = [] {
        readme_scan r;
        for (const auto& f : readmes) {
            scan_readme(r, std::string(f.path));
        }
        return r;
    }();
    return s;
}

/// The options whose value is a file the command writes: it must go under build/.
bool writes_file(std::string_view option) {
    for (std::string_view o :
         {"--report", "--report-html", "--html", "--out", "--record", "--dump-books"}) {
        if (option == o) {
            return true;
        }
    }
    return false;
}

/// The command line as it runs: the binary under test, build/ paths in `scratch`.
std::string runnable(const example& ex, const fs::path& scratch, std::string& problem) {
    auto w = words(ex.command);
    std::string out = BALLAST_CLI_PATH;
    for (std::size_t i = 1; i < w.size(); ++i) {
        if (writes_file(w[i - 1]) && w[i].rfind("build/", 0) != 0) {
            problem = w[i - 1] + " " + w[i] + " writes outside build/";
        }
        if (w[i].rfind("build/", 0) == 0) {
            const auto p = scratch / w[i].substr(6);
            fs::create_directories(p.parent_path());
            w[i] = p.string();
        }
        out += " " + w[i];
    }
    return out + " 2>&1";
}

std::vector<std::string> output_lines(const std::string& text) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : text + "\n") {
        if (c == '\n' || c == '\r') {
            if (!trim(cur).empty()) {
                out.push_back(cur.substr(0, cur.find_last_not_of(" \t") + 1));
            }
            cur.clear();
        } else {
            cur += c;
        }
    }
    return out;
}

/// The first shown line missing from `actual`: shown lines must appear in order, consecutive
/// (blank lines aside) except where the README writes `...`.
std::optional<std::string> first_missing(const std::vector<std::string>& shown,
                                         const std::vector<std::string>& actual) {
    std::vector<std::vector<std::string>> runs(1);
    for (const auto& l : shown) {
        if (trim(l) == "...") {
            runs.emplace_back();
        } else if (!trim(l).empty()) {
            runs.back().push_back(l.substr(0, l.find_last_not_of(" \t\r") + 1));
        }
    }
    std::size_t from = 0;
    for (const auto& run : runs) {
        if (run.empty()) {
            continue;
        }
        std::size_t best = 0; // the longest prefix of the run found: the line after it differs
        for (std::size_t at = from; at < actual.size() && best < run.size(); ++at) {
            std::size_t k = 0;
            while (k < run.size() && at + k < actual.size() && actual[at + k] == run[k]) {
                ++k;
            }
            best = std::max(best, k);
            if (k == run.size()) {
                from = at + k;
            }
        }
        if (best < run.size()) {
            return run[best];
        }
    }
    return std::nullopt;
}

class readme_example : public ::testing::TestWithParam<example> {
  protected:
    void SetUp() override {
        saved_ = fs::current_path();
        fs::current_path(BALLAST_SOURCE_DIR); // examples use paths from the repo root
        scratch_ = fs::temp_directory_path() /
                   ("ballast_readme_" + GetParam().name + "_" + std::to_string(::getpid()));
        fs::create_directories(scratch_);
    }
    void TearDown() override {
        std::error_code ec;
        fs::current_path(saved_, ec);
        fs::remove_all(scratch_, ec);
    }

    /// Runs one example and checks its status; returns its output.
    std::string run(const example& ex) {
        std::string problem;
        const auto cmd = runnable(ex, scratch_, problem);
        EXPECT_TRUE(problem.empty()) << ex.readme << ":" << ex.line << ": " << problem;
        const auto r = ballast::test::run_command(cmd, example_limit_s);
        EXPECT_EQ(r.exit_code, ex.status)
            << ex.readme << ":" << ex.line << ": " << ex.command << "\n"
            << r.out;
        return r.out;
    }

    fs::path saved_;
    fs::path scratch_;
};

TEST_P(readme_example, runs_as_shown) {
    const example& ex = GetParam();
    // Earlier commands of the same block that write a build/ file this one names run first
    // (`run --report build/run.json`, then `report build/run.json`).
    for (const auto& before : scan().examples) {
        if (before.readme != ex.readme || before.block != ex.block || before.line >= ex.line) {
            continue;
        }
        for (const auto& w : words(before.command)) {
            if (w.rfind("build/", 0) == 0 && w != binary &&
                ex.command.find(w) != std::string::npos) {
                run(before);
                break;
            }
        }
    }
    const auto out = run(ex);
    if (const auto missing = first_missing(ex.expected, output_lines(out))) {
        ADD_FAILURE() << ex.readme << ":" << ex.line << ": " << ex.command
                      << "\nthe README shows\n  " << *missing << "\nwhich the output lacks:\n"
                      << out;
    }
}

INSTANTIATE_TEST_SUITE_P(readme, readme_example, ::testing::ValuesIn(scan().examples),
                         [](const ::testing::TestParamInfo<example>& param) {
                             return param.param.name;
                         });

TEST(readme_examples, every_fenced_command_is_an_example_or_a_script) {
    for (const auto& p : scan().problems) {
        ADD_FAILURE() << p;
    }
}

TEST(readme_examples, finds_at_least_the_examples_counted) {
    std::map<std::string, std::size_t, std::less<>> found;
    for (const auto& ex : scan().examples) {
        ++found[ex.readme];
    }
    for (const auto& f : readmes) {
        EXPECT_GE(found[std::string(f.path)], f.min_examples) << f.path;
    }
    EXPECT_GE(scan().scripts.size(), min_scripts);
}

TEST(readme_examples, scripts_are_not_run_but_exist) {
    // tools/run, tools/test, .ci/run set up, build and run the whole suite (minutes, and they
    // rebuild the tree this test runs from): each must name an executable script.
    for (const auto& s : scan().scripts) {
        const auto path = fs::path(BALLAST_SOURCE_DIR) / words(s.command).front();
        EXPECT_EQ(::access(path.c_str(), X_OK), 0) << s.readme << ":" << s.line << ": " << path;
        EXPECT_EQ(s.status, 0) << s.readme << ":" << s.line;
    }
}

} // namespace
