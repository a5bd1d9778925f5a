// The kernel's receive stamps (feed/rx_stamped.hpp): on a loopback TCP socket with
// SO_TIMESTAMPING on, a read returns the software receive stamp of the bytes it read, taken
// before the read (and close to the realtime clock); with it off, none.
#include "feed/rx_stamped.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include <array>
#include <cstring>

namespace {

using namespace ballast::feed;

/// A connected loopback TCP pair (client, server side); -1s when the machine refuses.
struct tcp_pair {
    int client = -1;
    int server = -1;
    tcp_pair() {
        const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            ::listen(listener, 1) != 0 ||
            ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
            ::close(listener);
            return;
        }
        client = ::socket(AF_INET, SOCK_STREAM, 0);
        if (::connect(client, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
            server = ::accept(listener, nullptr, nullptr);
        }
        ::close(listener);
    }
    ~tcp_pair() {
        ::close(client);
        ::close(server);
    }
    /// Waits (at most 5 s) until the client can read.
    [[nodiscard]] bool readable() const {
        pollfd p{client, POLLIN, 0};
        return ::poll(&p, 1, 5000) == 1;
    }
};

TEST(RxStamped, AReadCarriesTheKernelsReceiveStampWhenAskedFor) {
    tcp_pair p;
    ASSERT_GE(p.server, 0);
    ASSERT_TRUE(enable_rx_timestamps(p.client));
    // The kernel turns stamping on through a deferred work item when the first socket asks:
    // bytes may come unstamped for a moment. Bounded: at most 1000 round trips.
    std::array<char, 16> warm{};
    iovec wiov{warm.data(), warm.size()};
    std::int64_t warm_ns = 0;
    for (int i = 0; i < 1000 && warm_ns == 0; ++i) {
        ASSERT_EQ(::write(p.server, "w", 1), 1);
        ASSERT_TRUE(p.readable());
        ASSERT_EQ(recv_stamped(p.client, &wiov, 1, warm_ns), 1);
    }
    ASSERT_NE(warm_ns, 0) << "no receive stamp after 1000 round trips";
    const std::int64_t before = realtime_ns();
    ASSERT_EQ(::write(p.server, "hello", 5), 5);
    ASSERT_TRUE(p.readable());
    std::array<char, 16> buf{};
    iovec iov{buf.data(), buf.size()};
    std::int64_t kernel_ns = 0;
    ASSERT_EQ(recv_stamped(p.client, &iov, 1, kernel_ns), 5);
    const std::int64_t after = realtime_ns();
    EXPECT_EQ(std::memcmp(buf.data(), "hello", 5), 0);
    EXPECT_GE(kernel_ns, before);
    EXPECT_LE(kernel_ns, after);
}

TEST(RxStamped, WithoutTimestampsOnTheReadHasNoStampAndNothingToReadIsEagain) {
    tcp_pair p;
    ASSERT_GE(p.server, 0);
    std::array<char, 16> buf{};
    iovec iov{buf.data(), buf.size()};
    std::int64_t kernel_ns = 0;
    errno = 0;
    EXPECT_EQ(recv_stamped(p.client, &iov, 1, kernel_ns), -1);
    EXPECT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK);
    ASSERT_EQ(::write(p.server, "x", 1), 1);
    ASSERT_TRUE(p.readable());
    EXPECT_EQ(recv_stamped(p.client, &iov, 1, kernel_ns), 1);
    EXPECT_EQ(kernel_ns, 0);
    ::shutdown(p.server, SHUT_WR);
    ASSERT_TRUE(p.readable());
    EXPECT_EQ(recv_stamped(p.client, &iov, 1, kernel_ns), 0) << "end of stream";
}

} // namespace
