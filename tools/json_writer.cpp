#include "tools/json_writer.hpp"

#include "feed/recording.hpp"
#include "tools/exit_policy.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>

namespace ballast::cli {

json_writer& json_writer::value(double d) {
    comma();
    if (!std::isfinite(d)) {
        put("null");
    } else {
        char buf[32];
        const auto r = std::to_chars(buf, buf + sizeof(buf), d); // shortest round-trip text
        put(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
    }
    return *this;
}

void json_writer::string_raw(std::string_view s) {
    scratch_.clear();
    feed::append_json_string(scratch_, s);
    put(scratch_);
}

void json_writer::put(std::string_view text) {
    if (error_ != 0) {
        return; // a stream that failed once stays failed: nothing more is formatted for it
    }
    errno = 0;
    if (std::fwrite(text.data(), 1, text.size(), out_) != text.size() || std::ferror(out_) != 0) {
        error_ = errno != 0 ? errno : EIO;
        if (out_ == stdout) {
            note_output_error(error_);
        }
    }
}

} // namespace ballast::cli
