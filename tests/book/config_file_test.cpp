#include "book/config_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace ballast::config_file;

namespace {

class config_file_test : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("ballast_config_file_" + std::to_string(::getpid()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string write(const std::string& name, const std::string& text) {
        const auto p = (dir_ / name).string();
        std::ofstream(p, std::ios::binary) << text;
        return p;
    }
    fs::path dir_;
};

} // namespace

TEST_F(config_file_test, ReadTextNamesThePathOnceAndTheCause) {
    const auto d = dir_.string();
    EXPECT_EQ(read_text(d).error, d + ": is a directory");
    const auto missing = (dir_ / "nope.toml").string();
    EXPECT_EQ(read_text(missing).error, missing + ": No such file or directory");
    const auto empty = write("empty.toml", "");
    EXPECT_EQ(read_text(empty).error, empty + ": empty file");
    const auto blank = write("blank.json", " \n\t\r\n");
    EXPECT_EQ(read_text(blank).error, blank + ": empty file");
    EXPECT_EQ(read_text("/dev/null").error, "/dev/null: empty file");
    const auto under_file = write("f.toml", "a = 1\n") + "/x.toml";
    EXPECT_EQ(read_text(under_file).error, under_file + ": Not a directory");
    const auto good = write("g.toml", "a = 1\n");
    const auto r = read_text(good);
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.text, "a = 1\n");
}

TEST_F(config_file_test, TomlErrorsCarryPathAndLine) {
    const auto p = write("bad.toml", "a = 1\nb = = 2\n");
    const auto r = load_table(p);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error.rfind(p + ":2: ", 0), 0U) << r.error;
    EXPECT_EQ(parse_toml("x = [\n", "src").error.rfind("src:", 0), 0U);
    const auto dup = parse_toml("a = 1\na = 2\n", "dup.toml");
    EXPECT_EQ(dup.error.rfind("dup.toml:2: ", 0), 0U) << dup.error;
    const auto ok = parse_toml("a = 1\n[t]\nb = \"x\"\n", "ok.toml");
    ASSERT_TRUE(ok.ok()) << ok.error;
    EXPECT_EQ(ok.table["t"]["b"].value_or(std::string()), "x");
}

TEST_F(config_file_test, JsonDuplicateKeysAreRefusedWithTheirPath) {
    EXPECT_EQ(parse_json(R"({"a":1,"a":2})", "f.json").error, "f.json: a: duplicate key");
    EXPECT_EQ(parse_json(R"({"books":[{"venue":"x"},{"venue":"y","venue":"z"}]})", "m").error,
              "m: books[1].venue: duplicate key");
    EXPECT_EQ(parse_json(R"({"a":{"b":{"c":1,"d":2,"c":3}}})", "").error, "a.b.c: duplicate key");
    EXPECT_EQ(parse_json(R"([{"k":1},[{"k":2,"k":2}]])", "").error, "[1][0].k: duplicate key");
    // The same key in different objects is fine.
    EXPECT_TRUE(parse_json(R"({"a":{"k":1},"b":{"k":1},"c":[{"k":1},{"k":2}]})", "").ok());
    EXPECT_EQ(parse_json_table(R"({"x":1,"x":1})", "p.json").error, "p.json: x: duplicate key");
}

TEST_F(config_file_test, JsonErrorsAndConversion) {
    EXPECT_EQ(parse_json("{", "f.json").error.rfind("f.json: invalid JSON (", 0), 0U);
    EXPECT_EQ(parse_json_table("[1]", "f.json").error,
              "f.json: the document must be a JSON object");
    const auto t = parse_json_table(R"({"n":"x","i":3,"d":2.5,"b":true,"z":null,"a":[1,"s"],
        "o":{"k":18446744073709551615}})",
                                    "f.json");
    ASSERT_TRUE(t.ok()) << t.error;
    EXPECT_EQ(t.table["n"].value_or(std::string()), "x");
    EXPECT_EQ(t.table["i"].value_or(std::int64_t{0}), 3);
    EXPECT_EQ(t.table["d"].value_or(0.0), 2.5);
    EXPECT_TRUE(t.table["b"].value_or(false));
    EXPECT_EQ(t.table.get("z"), nullptr);
    EXPECT_EQ(t.table["a"].as_array()->size(), 2U);
    EXPECT_EQ(t.table["o"]["k"].value_or(0.0), 18446744073709551615.0);
    const auto p = write("m.json", R"({"a":1})");
    const auto loaded = load_json(p);
    ASSERT_TRUE(loaded.ok()) << loaded.error;
    EXPECT_EQ(loaded.document.root()["a"].get_int64().value(), 1);
    EXPECT_EQ(load_json(dir_.string()).error, dir_.string() + ": is a directory");
    EXPECT_EQ(load_table(write("e.json", "")).error, (dir_ / "e.json").string() + ": empty file");
}

TEST_F(config_file_test, FormatOfTheExtension) {
    EXPECT_EQ(format_of("a.json"), file_format::json);
    EXPECT_EQ(format_of("a.toml"), file_format::toml);
    EXPECT_EQ(format_of("json"), file_format::toml);
    EXPECT_EQ(format_of("a.json.toml"), file_format::toml);
}

TEST(config_file_numbers, RangeMessagesUseShortestText) {
    EXPECT_EQ(format_number(1e308), "1e+308");
    EXPECT_EQ(format_number(-7.5), "-7.5");
    EXPECT_EQ(format_number(1000), "1000");
    EXPECT_EQ(format_number(0.0001), "0.0001");
    const number_range fee{0, 1000};
    EXPECT_FALSE(range_error(0, fee));
    EXPECT_FALSE(range_error(1000, fee));
    EXPECT_EQ(range_error(-7.5, fee), "-7.5 is outside [0, 1000]");
    EXPECT_EQ(range_error(1e308, fee), "1e+308 is outside [0, 1000]");
    EXPECT_EQ(range_error(std::nan(""), fee), "nan is not a finite number");
    EXPECT_EQ(range_error(-HUGE_VAL, fee), "-inf is not a finite number");
    const number_range positive{0, 1e12, true};
    EXPECT_EQ(range_error(0, positive), "0 is outside (0, 1e+12]");
    EXPECT_FALSE(range_error(1e-300, positive));
    EXPECT_EQ(positive.text(), "(0, 1e+12]");
}
