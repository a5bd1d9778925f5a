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

namespace {
int first_output_error = 0; // errno of the first failed write to stdout; 0 while none failed
} // namespace

void note_output_error(int err) noexcept {
    if (first_output_error == 0) {
        first_output_error = err != 0 ? err : EIO;
    }
}

bool write_out(std::string_view text) noexcept {
    errno = 0;
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() ||
        std::ferror(stdout) != 0) {
        note_output_error(errno);
        return false;
    }
    return true;
}

std::string_view command_name(const CLI::App& app) noexcept {
    std::string_view name = app.get_name(); // "replay", or "ballast replay"
    if (name.starts_with("ballast ")) {
        name.remove_prefix(8);
    }
    return name;
}

int parse_failed(const CLI::App& app, const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
        // --help, --help-all, --version: CLI11 prints them (to stdout).
        return app.exit(e) == 0 ? exit_done : exit_bad_input;
    }
    const std::string_view name = command_name(app);
    std::fprintf(stderr, "%.*s: %s (see ballast %.*s --help)\n", static_cast<int>(name.size()),
                 name.data(), e.what(), static_cast<int>(name.size()), name.data());
    return exit_bad_input;
}

int finish_output(std::string_view command, int code) {
    errno = 0;
    const bool flushed = std::fflush(stdout) == 0;
    if (flushed && std::ferror(stdout) == 0 && first_output_error == 0) {
        return code;
    }
    // The first failed write says why (ENOSPC, EPIPE); the final flush often has nothing left
    // to write and leaves errno at 0.
    if (errno != 0) {
        note_output_error(errno);
    }
    const int err = first_output_error;
    std::fprintf(stderr, "%.*s: cannot write the output: %s\n", static_cast<int>(command.size()),
                 command.data(), err != 0 ? std::strerror(err) : "write error");
    return code == exit_done ? exit_failed : code;
}

} // namespace ballast::cli
