#pragma once
// A small streaming JSON writer for the CLI's reports (no DOM, exact strings).

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
        std::fputc(':', out_);
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
        std::fputs(b ? "true" : "false", out_);
        return *this;
    }
    json_writer& value(double d);
    json_writer& value(long long v) {
        comma();
        std::fprintf(out_, "%lld", v);
        return *this;
    }
    json_writer& value(unsigned long long v) {
        comma();
        std::fprintf(out_, "%llu", v);
        return *this;
    }
    json_writer& value(long v) { return value(static_cast<long long>(v)); }
    json_writer& value(unsigned long v) { return value(static_cast<unsigned long long>(v)); }
    json_writer& value(int v) { return value(static_cast<long long>(v)); }
    json_writer& value(unsigned v) { return value(static_cast<unsigned long long>(v)); }
    json_writer& null() {
        comma();
        std::fputs("null", out_);
        return *this;
    }
    /// Writes already-formatted JSON (a number text) as a value.
    json_writer& raw(std::string_view text) {
        comma();
        std::fwrite(text.data(), 1, text.size(), out_);
        return *this;
    }
    template <class T> json_writer& field(std::string_view k, const T& v) {
        key(k);
        return value(v);
    }
    void newline() { std::fputc('\n', out_); }

  private:
    json_writer& open(char c) {
        comma();
        std::fputc(c, out_);
        first_.push_back(true);
        return *this;
    }
    json_writer& close(char c) {
        std::fputc(c, out_);
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
                std::fputc(',', out_);
            }
            first_.back() = false;
        }
    }
    void string_raw(std::string_view s);

    std::FILE* out_;
    std::vector<bool> first_;
    bool after_key_ = false;
};

} // namespace ballast::cli
