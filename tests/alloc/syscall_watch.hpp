#pragma once
// Sees every system call one thread makes, through a seccomp filter that hands each call to a
// supervisor thread (SECCOMP_RET_USER_NOTIF) which notes it and lets it run unchanged
// (SECCOMP_USER_NOTIF_FLAG_CONTINUE). The watched thread installs the filter on itself
// (install()); it stays on that thread until the thread ends, so watch a thread the test
// starts, never the test's own. While the watched thread says it is inside a window
// (set_window), each call is recorded with what its first argument's descriptor is
// (/proc/<tid>/fd/<n>). The supervisor neither allocates nor locks: the watched thread may be
// stopped inside the allocator when it calls the kernel.
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>

namespace ballast::alloc_test {

class syscall_watch {
  public:
    /// One call made inside a window.
    struct call {
        long nr = 0;
        std::array<char, 96> target{}; ///< what the first argument's descriptor is, or ""
    };

    syscall_watch() = default;
    ~syscall_watch() { stop(); }
    syscall_watch(const syscall_watch&) = delete;
    syscall_watch& operator=(const syscall_watch&) = delete;

    /// On the watched thread: every later system call of this thread (and of threads it starts)
    /// goes through the supervisor. False when the kernel refuses the filter (errno kept).
    bool install() noexcept {
        // Every call is handed to the supervisor: the filter cannot tell a window from
        // outside, and an allow-list here would hide what the test looks for.
        std::array<sock_filter, 1> code{{BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF)}};
        sock_fprog prog{static_cast<unsigned short>(code.size()), code.data()};
        tid_ = static_cast<int>(::syscall(__NR_gettid));
        // The supervisor starts first: a thread started after the filter would inherit it, and
        // every call before the supervisor listens would wait for ever.
        supervisor_ = std::thread([this] { supervise(); });
        if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
            listener_.store(-2, std::memory_order_release);
            return false;
        }
        const long fd = ::syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER,
                                  SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
        // From here on, this thread makes no call until the supervisor has the listener.
        listener_.store(fd < 0 ? -2 : static_cast<int>(fd), std::memory_order_release);
        return fd >= 0;
    }
    [[nodiscard]] bool installed() const noexcept { return supervisor_.joinable(); }

    /// On the watched thread: calls from now on are (or are no longer) recorded.
    void set_window(bool open) noexcept { window_.store(open, std::memory_order_release); }

    /// After the watched thread (and every thread it started) ended.
    void stop() noexcept {
        if (!supervisor_.joinable()) {
            return;
        }
        const int fd = listener_.load(std::memory_order_acquire);
        if (fd >= 0) {
            ::close(fd); // the supervisor's next receive fails: it returns
        }
        supervisor_.join();
    }

    [[nodiscard]] std::uint64_t calls_seen() const noexcept { return seen_.load(); }
    [[nodiscard]] std::uint64_t window_calls() const noexcept { return in_window_.load(); }
    /// The first calls made inside a window (at most capacity; window_calls() counts all).
    [[nodiscard]] std::size_t recorded() const noexcept {
        const std::uint64_t n = in_window_.load();
        return n < calls_.size() ? static_cast<std::size_t>(n) : calls_.size();
    }
    [[nodiscard]] const call& at(std::size_t i) const noexcept { return calls_[i]; }

    /// "syscall 1 on \"/tmp/x.journal\"" for the diagnostics of a failing test.
    [[nodiscard]] static std::string describe(const call& c) {
        return "syscall " + std::to_string(c.nr) + " on \"" + std::string(c.target.data()) + "\"";
    }

  private:
    void supervise() noexcept {
        int fd = -1;
        while ((fd = listener_.load(std::memory_order_acquire)) == -1) {
            std::this_thread::yield();
        }
        if (fd < 0) {
            return; // the filter was refused
        }
        for (;;) {
            seccomp_notif n{};
            if (::ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &n) != 0) {
                if (errno == EINTR) {
                    continue;
                }
                return; // the listener was closed
            }
            seen_.fetch_add(1, std::memory_order_relaxed);
            if (static_cast<int>(n.pid) == tid_ && window_.load(std::memory_order_acquire)) {
                const std::uint64_t k = in_window_.fetch_add(1, std::memory_order_relaxed);
                if (k < calls_.size()) {
                    call& c = calls_[k];
                    c.nr = n.data.nr;
                    std::array<char, 48> link{};
                    std::snprintf(link.data(), link.size(), "/proc/%d/fd/%d", tid_,
                                  static_cast<int>(n.data.args[0]));
                    const ssize_t len =
                        ::readlink(link.data(), c.target.data(), c.target.size() - 1);
                    c.target[len > 0 ? static_cast<std::size_t>(len) : 0] = '\0';
                }
            }
            seccomp_notif_resp r{};
            r.id = n.id;
            r.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
            (void)::ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &r);
        }
    }

    int tid_ = 0;
    std::atomic<int> listener_{-1}; ///< -1: not yet; -2: refused
    std::thread supervisor_;
    std::atomic<bool> window_{false};
    std::atomic<std::uint64_t> seen_{0};
    std::atomic<std::uint64_t> in_window_{0};
    std::array<call, 256> calls_{};
};

} // namespace ballast::alloc_test
