#pragma once
/// A stream layer that reads with recvmsg and keeps the kernel's receive timestamp of what it
/// read (SO_TIMESTAMPING, software receive stamps: the time the packet reached the socket, taken
/// by the kernel's network stack). Asio's own reads pass no control buffer, so the stamp would
/// be lost; this layer sits between the TCP stream and TLS / WebSocket and is otherwise a pass-
/// through. `rx_lag_ns()` is how long the last read's data waited between the kernel stamp and
/// the read's return (CLOCK_REALTIME both): the part of a frame's latency before user space.

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <utility>

namespace ballast::feed {

/// Turns on software receive timestamps for a connected socket; false when the kernel refuses.
inline bool enable_rx_timestamps(int fd) noexcept {
    const int flags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
    return ::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof flags) == 0;
}

/// Reads up to `iov` from `fd` without blocking; `kernel_ns` gets the software receive stamp
/// when the kernel attached one (else it is left alone). Returns recvmsg's result.
inline ssize_t recv_stamped(int fd, iovec* iov, std::size_t iov_count,
                            std::int64_t& kernel_ns) noexcept {
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(scm_timestamping))> control{};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = iov_count;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    const ssize_t n = ::recvmsg(fd, &msg, MSG_DONTWAIT);
    if (n <= 0) {
        return n;
    }
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPING) {
            scm_timestamping ts{};
            __builtin_memcpy(&ts, CMSG_DATA(c), sizeof ts);
            if (ts.ts[0].tv_sec != 0 || ts.ts[0].tv_nsec != 0) {
                kernel_ns =
                    static_cast<std::int64_t>(ts.ts[0].tv_sec) * 1'000'000'000 + ts.ts[0].tv_nsec;
            }
        }
    }
    return n;
}

inline std::int64_t realtime_ns() noexcept {
    timespec t{};
    ::clock_gettime(CLOCK_REALTIME, &t);
    return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

/// `Next` is a Beast basic_stream (tcp_stream): connect, timeouts and close go to it; reads are
/// done here.
template <class Next> class rx_stamped {
  public:
    using executor_type = typename Next::executor_type;
    using next_layer_type = Next;
    using lowest_layer_type = typename Next::socket_type;

    template <class... Args>
    explicit rx_stamped(Args&&... args) : next_(std::forward<Args>(args)...) {}

    executor_type get_executor() noexcept { return next_.get_executor(); }
    Next& next_layer() noexcept { return next_; }
    const Next& next_layer() const noexcept { return next_; }
    lowest_layer_type& lowest_layer() noexcept { return next_.socket(); }
    const lowest_layer_type& lowest_layer() const noexcept { return next_.socket(); }

    /// After connect: asks the kernel for receive stamps; false when the socket has none.
    bool enable() noexcept {
        enabled_ = enable_rx_timestamps(next_.socket().native_handle());
        return enabled_;
    }
    /// The last read's wait from the kernel's stamp to the read's return; -1 without a stamp.
    [[nodiscard]] std::int64_t rx_lag_ns() const noexcept { return lag_ns_; }

    template <class ConstBuffers, class Handler>
    auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
        return next_.async_write_some(buffers, std::forward<Handler>(handler));
    }

    template <class MutableBuffers, class Handler>
    auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
        return boost::asio::async_compose<Handler, void(boost::system::error_code, std::size_t)>(
            read_op<MutableBuffers>{*this, buffers}, handler, next_);
    }

  private:
    template <class MutableBuffers> struct read_op {
        rx_stamped& s;
        MutableBuffers buffers;
        enum class step : std::uint8_t { start, waited, done } at = step::start;
        std::size_t n = 0;
        boost::system::error_code result;

        template <class Self> void operator()(Self& self, boost::system::error_code ec = {}) {
            if (at == step::done) {
                return self.complete(result, n);
            }
            if (at == step::waited && ec) {
                return self.complete(ec, 0);
            }
            if (boost::asio::buffer_size(buffers) == 0) {
                result = {};
                return finish(self, at == step::start);
            }
            std::array<iovec, 16> iov{};
            std::size_t count = 0;
            for (auto it = boost::asio::buffer_sequence_begin(buffers);
                 it != boost::asio::buffer_sequence_end(buffers) && count < iov.size(); ++it) {
                const boost::asio::mutable_buffer b(*it);
                if (b.size() > 0) {
                    iov[count++] = {b.data(), b.size()};
                }
            }
            std::int64_t kernel_ns = 0;
            const ssize_t got =
                recv_stamped(s.next_.socket().native_handle(), iov.data(), count, kernel_ns);
            if (got > 0) {
                n = static_cast<std::size_t>(got);
                s.lag_ns_ =
                    kernel_ns != 0 ? std::max<std::int64_t>(0, realtime_ns() - kernel_ns) : -1;
                result = {};
                return finish(self, at == step::start);
            }
            if (got == 0) {
                result = boost::asio::error::eof;
                return finish(self, at == step::start);
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                at = step::waited;
                return s.next_.socket().async_wait(boost::asio::socket_base::wait_read,
                                                   std::move(self));
            }
            result = boost::system::error_code(errno, boost::system::system_category());
            return finish(self, at == step::start);
        }

        /// A result found in the initiating call is delivered through a post: a handler never
        /// runs inside the function that started the operation.
        template <class Self> void finish(Self& self, bool initiating) {
            at = step::done;
            if (initiating) {
                return boost::asio::post(s.next_.get_executor(), std::move(self));
            }
            self.complete(result, n);
        }
    };

    Next next_;
    bool enabled_ = false;
    std::int64_t lag_ns_ = -1;
};

/// WebSocket teardown of the layer: the next layer's (Beast's basic_stream closes the socket).
template <class Next>
void teardown(boost::beast::role_type role, rx_stamped<Next>& s, boost::system::error_code& ec) {
    using boost::beast::websocket::teardown;
    teardown(role, s.next_layer(), ec);
}

template <class Next, class TeardownHandler>
void async_teardown(boost::beast::role_type role, rx_stamped<Next>& s, TeardownHandler&& handler) {
    using boost::beast::websocket::async_teardown;
    async_teardown(role, s.next_layer(), std::forward<TeardownHandler>(handler));
}

} // namespace ballast::feed
