#include "tools/exit_policy.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#ifndef BALLAST_VERSION
#define BALLAST_VERSION "unknown"
#endif

namespace ballast::cli {

std::string_view version_line() noexcept {
    return "ballast " BALLAST_VERSION;
}

void add_version_flag(CLI::App& app) {
    app.set_version_flag("--version", std::string(version_line()), "print the version and exit");
}

int parse_failed(const CLI::App& app, const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
        // --help, --help-all, --version: CLI11 prints them (to stdout).
        return app.exit(e) == 0 ? exit_done : exit_bad_input;
    }
    std::string_view name = app.get_name(); // "replay", or "ballast replay"
    if (name.starts_with("ballast ")) {
        name.remove_prefix(8);
    }
    std::fprintf(stderr, "%.*s: %s (see ballast %.*s --help)\n", static_cast<int>(name.size()),
                 name.data(), e.what(), static_cast<int>(name.size()), name.data());
    return exit_bad_input;
}

int finish_output(std::string_view command, int code) {
    errno = 0;
    const bool flushed = std::fflush(stdout) == 0;
    if (flushed && std::ferror(stdout) == 0) {
        return code;
    }
    const int err = errno;
    std::fprintf(stderr, "%.*s: cannot write the output: %s\n", static_cast<int>(command.size()),
                 command.data(), err != 0 ? std::strerror(err) : "write error");
    return code == exit_done ? exit_failed : code;
}

} // namespace ballast::cli
