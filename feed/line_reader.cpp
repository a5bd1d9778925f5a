#include "feed/line_reader.hpp"

#include <liburing.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

namespace ballast::feed {

// Two registered buffers: while the caller splits chunk k, the read of chunk k+1 is in flight.
struct line_reader::uring_state {
    io_uring ring{};
    std::unique_ptr<char[]> chunks[2];
    iovec iov[2]{};
    std::uint64_t in_flight_offset = 0; // file offset of the pending read
    int in_flight = -1;                 // buffer index of the pending read, -1 when none
    int next_buffer = 0;
    bool ring_ok = false;

    ~uring_state() {
        if (ring_ok) {
            io_uring_queue_exit(&ring);
        }
    }

    bool init(int fd) {
        if (io_uring_queue_init(4, &ring, 0) < 0) {
            return false;
        }
        ring_ok = true;
        for (int i = 0; i < 2; ++i) {
            chunks[i] = std::make_unique<char[]>(chunk_size);
            iov[i].iov_base = chunks[i].get();
            iov[i].iov_len = chunk_size;
        }
        if (io_uring_register_buffers(&ring, iov, 2) < 0) {
            return false;
        }
        const int fds[1] = {fd};
        return io_uring_register_files(&ring, fds, 1) >= 0;
    }

    bool submit(int buffer, std::uint64_t offset) {
        io_uring_sqe* sqe = io_uring_get_sqe(&ring);
        if (sqe == nullptr) {
            return false;
        }
        io_uring_prep_read_fixed(sqe, 0, iov[buffer].iov_base, chunk_size, offset, buffer);
        sqe->flags |= IOSQE_FIXED_FILE;
        if (io_uring_submit(&ring) != 1) {
            return false;
        }
        in_flight = buffer;
        in_flight_offset = offset;
        return true;
    }
};

line_reader::line_reader(bool prefer_uring) noexcept : prefer_uring_(prefer_uring) {}

line_reader::~line_reader() {
    uring_.reset();
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

std::optional<std::string> line_reader::open(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
        return path + ": " + std::strerror(errno);
    }
    struct stat st {};
    if (::fstat(fd_, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            ::close(fd_);
            fd_ = -1;
            return path + ": is a directory";
        }
        file_size_ = static_cast<std::uint64_t>(st.st_size);
    }
    cap_ = 2 * chunk_size;
    buf_ = std::make_unique<char[]>(cap_ + padding);
    if (prefer_uring_ && std::getenv("BALLAST_NO_URING") == nullptr) {
        auto u = std::make_unique<uring_state>();
        if (u->init(fd_) && u->submit(0, 0)) {
            uring_ = std::move(u);
        }
    }
    return std::nullopt;
}

bool line_reader::read_chunk_plain(char* dst, std::size_t& got) {
    for (;;) {
        const ssize_t n = ::pread(fd_, dst, chunk_size, static_cast<off_t>(offset_));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            error_ = std::string("read failed: ") + std::strerror(errno);
            return false;
        }
        got = static_cast<std::size_t>(n);
        offset_ += got;
        return true;
    }
}

bool line_reader::read_chunk_uring(char* dst, std::size_t& got) {
    auto& u = *uring_;
    io_uring_cqe* cqe = nullptr;
    int rc;
    do {
        rc = io_uring_wait_cqe(&u.ring, &cqe);
    } while (rc == -EINTR);
    if (rc < 0) {
        error_ = std::string("io_uring wait failed: ") + std::strerror(-rc);
        return false;
    }
    const int res = cqe->res;
    io_uring_cqe_seen(&u.ring, cqe);
    const int done = u.in_flight;
    const std::uint64_t at = u.in_flight_offset;
    u.in_flight = -1;
    if (res < 0) {
        error_ = std::string("io_uring read failed: ") + std::strerror(-res);
        return false;
    }
    got = static_cast<std::size_t>(res);
    // Queue the following read before copying this one out: the copy overlaps the read. It
    // starts where this one ended: a short read (a file still being written, a signal, a
    // filesystem that returns less) is not the end of the file; only a read of 0 bytes is.
    if (got > 0) {
        const int other = done ^ 1;
        if (!u.submit(other, at + got)) {
            error_ = "io_uring submit failed";
            return false;
        }
    }
    std::memcpy(dst, u.chunks[done].get(), got);
    return true;
}

bool line_reader::fill() {
    if (eof_ || !error_.empty()) {
        return false;
    }
    // Compact the unconsumed tail to the front, then grow if a chunk does not fit (long lines).
    if (begin_ > 0) {
        std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    if (cap_ - end_ < chunk_size) {
        const std::size_t new_cap = cap_ * 2;
        auto bigger = std::make_unique<char[]>(new_cap + padding);
        std::memcpy(bigger.get(), buf_.get(), end_);
        buf_ = std::move(bigger);
        cap_ = new_cap;
    }
    std::size_t got = 0;
    const bool ok = uring_ ? read_chunk_uring(buf_.get() + end_, got)
                           : read_chunk_plain(buf_.get() + end_, got);
    if (!ok) {
        return false;
    }
    if (got == 0) {
        eof_ = true; // a short read is not the end; only a read that returns nothing is
    }
    end_ += got;
    bytes_read_ += got;
    std::memset(buf_.get() + end_, 0, padding);
    return got > 0;
}

std::optional<std::string_view> line_reader::next() {
    for (;;) {
        const char* start = buf_ ? buf_.get() + begin_ : nullptr;
        const std::size_t avail = end_ - begin_;
        const void* nl = avail ? std::memchr(start, '\n', avail) : nullptr;
        if (nl != nullptr) {
            std::size_t len = static_cast<std::size_t>(static_cast<const char*>(nl) - start);
            begin_ += len + 1;
            ++line_number_;
            if (len > 0 && start[len - 1] == '\r') {
                --len;
            }
            return std::string_view(start, len);
        }
        if (!buf_ || !fill()) {
            if (avail > 0 && error_.empty()) { // last line without a newline
                begin_ = end_;
                ++line_number_;
                return std::string_view(buf_.get() + end_ - avail, avail);
            }
            return std::nullopt;
        }
    }
}

} // namespace ballast::feed
