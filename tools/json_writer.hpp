#pragma once
// A small streaming JSON writer for the CLI's reports (no DOM, exact strings). Every string is
// escaped (quotes, backslashes, control bytes); a non-finite double is written as null. The
// first failed write is kept (errno) and, on stdout, noted for finish_output: a long writer
// asks ok() and stops at the first failure instead of formatting on into a closed pipe.

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace ballast::cli {

class json_writer {
  public:
    explicit json_writer(std::FILE* out) : out_(out) {}

    json_writer& begin_object() { return open('{'); }
    json_writer& end_object() { return close('}'); }
    json_writer& begin_array() { return open('['); }
    json_writer& end_array() { return close(']'); }
    json_writer& key(std::string_view k) {
        comma();
        string_raw(k);
        put(":");
        after_key_ = true;
        return *this;
    }
    json_writer& value(std::string_view s) {
        comma();
        string_raw(s);
        return *this;
    }
    json_writer& value(const char* s) { return value(std::string_view(s)); }
    json_writer& value(const std::string& s) { return value(std::string_view(s)); }
    json_writer& value(bool b) {
        comma();
        put(b ? "true" : "false");
        return *this;
    }
    json_writer& value(double d);
    json_writer& value(long long v) {
        comma();
        put(std::to_string(v));
        return *this;
    }
    json_writer& value(unsigned long long v) {
        comma();
        put(std::to_string(v));
        return *this;
    }
    json_writer& value(long v) { return value(static_cast<long long>(v)); }
    json_writer& value(unsigned long v) { return value(static_cast<unsigned long long>(v)); }
    json_writer& value(int v) { return value(static_cast<long long>(v)); }
    json_writer& value(unsigned v) { return value(static_cast<unsigned long long>(v)); }
    json_writer& null() {
        comma();
        put("null");
        return *this;
    }
    /// Writes already-formatted JSON (a number text) as a value.
    json_writer& raw(std::string_view text) {
        comma();
        put(text);
        return *this;
    }
    template <class T> json_writer& field(std::string_view k, const T& v) {
        key(k);
        return value(v);
    }
    void newline() { put("\n"); }

    /// No write has failed so far.
    [[nodiscard]] bool ok() const noexcept { return error_ == 0; }
    /// errno of the first failed write, 0 while none failed.
    [[nodiscard]] int error() const noexcept { return error_; }

  private:
    json_writer& open(char c) {
        comma();
        put(std::string_view(&c, 1));
        first_.push_back(true);
        return *this;
    }
    json_writer& close(char c) {
        put(std::string_view(&c, 1));
        first_.pop_back();
        return *this;
    }
    void comma() {
        if (after_key_) {
            after_key_ = false;
            return;
        }
        if (!first_.empty()) {
            if (!first_.back()) {
                put(",");
            }
            first_.back() = false;
        }
    }
    void string_raw(std::string_view s);
    /// Every byte goes through here: the first failure's errno is kept.
    void put(std::string_view text);

    std::FILE* out_;
    std::vector<bool> first_;
    bool after_key_ = false;
    int error_ = 0;
    std::string scratch_;
};

} // namespace ballast::cli
