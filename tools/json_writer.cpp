#include "tools/json_writer.hpp"

#include "feed/recording.hpp"

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
    feed::write_json_string(out_, s);
}

} // namespace ballast::cli
