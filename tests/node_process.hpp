#pragma once
// A Node.js script as a child process speaking lines over pipes (the tests' real peers: ganache
// with Uniswap's contracts). Every wait is bounded: a peer that never answers fails the test in
// seconds, and the destructor ends the child whatever state it is in.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ballast::test {

/// The first executable named `exe` on PATH.
inline std::optional<std::string> find_on_path(const std::string& exe) {
    const char* path = std::getenv("PATH");
    std::string_view rest = path != nullptr ? path : "";
    while (!rest.empty()) {
        const auto colon = rest.find(':');
        const std::string dir(rest.substr(0, colon));
        rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
        if (const std::string c = (dir.empty() ? "." : dir) + "/" + exe;
            ::access(c.c_str(), X_OK) == 0) {
            return c;
        }
    }
    return std::nullopt;
}

class node_process {
  public:
    /// Runs `node SCRIPT` in `dir` with `env` added; started() is false when it could not fork.
    node_process(const std::string& node, const std::string& dir, const std::string& script,
                 const std::vector<std::pair<std::string, std::string>>& env = {}) {
        int in[2];
        int out[2];
        if (::pipe(in) != 0 || ::pipe(out) != 0) {
            return;
        }
        pid_ = ::fork();
        if (pid_ == 0) {
            ::dup2(in[0], STDIN_FILENO);
            ::dup2(out[1], STDOUT_FILENO);
            ::close(in[1]);
            ::close(out[0]);
            for (const auto& [k, v] : env) {
                ::setenv(k.c_str(), v.c_str(), 1);
            }
            if (::chdir(dir.c_str()) == 0) {
                ::execl(node.c_str(), "node", script.c_str(), static_cast<char*>(nullptr));
            }
            ::_exit(127);
        }
        ::close(in[0]);
        ::close(out[1]);
        to_ = in[1];
        from_ = out[0];
    }
    /// Sends `farewell` (when given) and closes its input, waits up to 5 s, then kills it.
    ~node_process() { stop(); }
    node_process(const node_process&) = delete;
    node_process& operator=(const node_process&) = delete;

    void set_farewell(std::string line) { farewell_ = std::move(line); }
    [[nodiscard]] bool started() const noexcept { return pid_ > 0; }
    void send(std::string_view line) {
        std::string l(line);
        l += '\n';
        [[maybe_unused]] const auto n = ::write(to_, l.data(), l.size());
    }
    /// The next line, or nullopt after `timeout` or at the end of output.
    std::optional<std::string> read_line(std::chrono::seconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
                std::string line = buffer_.substr(0, nl);
                buffer_.erase(0, nl + 1);
                return line;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                return std::nullopt;
            }
            pollfd p{from_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
                continue;
            }
            std::array<char, 65536> chunk{};
            const auto n = ::read(from_, chunk.data(), chunk.size());
            if (n <= 0) {
                return std::nullopt;
            }
            buffer_.append(chunk.data(), static_cast<std::size_t>(n));
        }
    }
    void stop() {
        if (pid_ <= 0) {
            return;
        }
        if (!farewell_.empty()) {
            send(farewell_);
        }
        ::close(to_);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (::waitpid(pid_, nullptr, WNOHANG) != pid_) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, nullptr, 0);
                break;
            }
            pollfd p{from_, POLLIN, 0}; // wait on the child's output, not a sleep
            if (::poll(&p, 1, 100) > 0) {
                std::array<char, 4096> drain{};
                if (::read(from_, drain.data(), drain.size()) <= 0) {
                    ::kill(pid_, SIGTERM); // its output closed: it is on its way out
                }
            }
        }
        ::close(from_);
        pid_ = -1;
    }

  private:
    pid_t pid_ = -1;
    int to_ = -1;
    int from_ = -1;
    std::string buffer_;
    std::string farewell_;
};

} // namespace ballast::test
