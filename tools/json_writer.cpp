#include "tools/json_writer.hpp"

#include <charconv>
#include <cmath>

namespace ballast::cli {

json_writer& json_writer::value(double d) {
    comma();
    if (!std::isfinite(d)) {
        std::fputs("null", out_);
    } else {
        char buf[32];
        const auto r = std::to_chars(buf, buf + sizeof(buf), d); // shortest round-trip text
        std::fwrite(buf, 1, static_cast<std::size_t>(r.ptr - buf), out_);
    }
    return *this;
}

void json_writer::string_raw(std::string_view s) {
    std::fputc('"', out_);
    for (const char c : s) {
        switch (c) {
        case '"':
            std::fputs("\\\"", out_);
            break;
        case '\\':
            std::fputs("\\\\", out_);
            break;
        case '\n':
            std::fputs("\\n", out_);
            break;
        case '\r':
            std::fputs("\\r", out_);
            break;
        case '\t':
            std::fputs("\\t", out_);
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                std::fprintf(out_, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
            } else {
                std::fputc(c, out_);
            }
        }
    }
    std::fputc('"', out_);
}

} // namespace ballast::cli
