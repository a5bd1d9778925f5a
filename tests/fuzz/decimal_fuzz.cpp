// libFuzzer target for exact decimal parsing: never crashes, whatever parses formats back to
// text that parses to the same value, and a text without an exponent reads the same through the
// 64-bit fast path as through the general path (the same text with "e0" appended).
#include "book/decimal.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) {
        return 0;
    }
    const ballast::decimal_step step{1 + data[0] % 10, data[1] % 19};
    const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);
    const auto r = ballast::parse_steps(text, step, true);
    if (r.ok()) {
        const auto back =
            ballast::parse_steps(ballast::format_steps(r.value, step, true), step, true);
        if (!back.ok() || back.value != r.value) {
            __builtin_trap();
        }
    }
    if (text.find_first_of("eE") == std::string_view::npos &&
        text.find_first_of("0123456789") != std::string_view::npos) {
        const auto general = ballast::parse_steps(std::string(text) + "e0", step, true);
        if (general.error != r.error || (r.ok() && general.value != r.value)) {
            __builtin_trap();
        }
    }
    (void)ballast::parse_step(text);
    return 0;
}
