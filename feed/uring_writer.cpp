#include "feed/uring_writer.hpp"

#include <liburing.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace ballast::feed {

struct uring_writer::uring_state {
    io_uring ring{};
    bool ready = false;
    ~uring_state() {
        if (ready) {
            io_uring_queue_exit(&ring);
        }
    }
};

uring_writer::uring_writer(bool prefer_uring) noexcept : prefer_uring_(prefer_uring) {}

uring_writer::~uring_writer() {
    close();
}

std::optional<std::string> uring_writer::open(const std::string& path) {
    close();
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        return path + ": " + std::strerror(errno);
    }
    for (auto& b : buffers_) {
        b = std::make_unique<char[]>(buffer_size);
    }
    fill_ = 0;
    current_ = 0;
    offset_ = 0;
    written_ = 0;
    error_.clear();
    if (prefer_uring_ && std::getenv("BALLAST_NO_URING") == nullptr) {
        auto u = std::make_unique<uring_state>();
        if (io_uring_queue_init(2, &u->ring, 0) == 0) {
            u->ready = true;
            uring_ = std::move(u);
        }
    }
    return std::nullopt;
}

void uring_writer::append(std::string_view bytes) {
    if (fd_ < 0 || !error_.empty()) {
        return;
    }
    while (!bytes.empty()) {
        const std::size_t n = std::min(bytes.size(), buffer_size - fill_);
        std::memcpy(buffers_[current_].get() + fill_, bytes.data(), n);
        fill_ += n;
        bytes.remove_prefix(n);
        if (fill_ == buffer_size) {
            submit_current();
        }
    }
}

bool uring_writer::write_plain(const char* data, std::size_t n) {
    while (n > 0) {
        const ssize_t w = ::pwrite(fd_, data, n, static_cast<off_t>(offset_));
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            error_ = std::string("write failed: ") + std::strerror(errno);
            return false;
        }
        data += w;
        n -= static_cast<std::size_t>(w);
        offset_ += static_cast<std::uint64_t>(w);
        written_ += static_cast<std::uint64_t>(w);
    }
    return true;
}

void uring_writer::wait_in_flight() {
    if (!in_flight_) {
        return;
    }
    in_flight_ = false;
    io_uring_cqe* cqe = nullptr;
    int rc = 0;
    do {
        rc = io_uring_wait_cqe(&uring_->ring, &cqe);
    } while (rc == -EINTR);
    if (rc < 0) {
        error_ = std::string("io_uring wait failed: ") + std::strerror(-rc);
        return;
    }
    const int res = cqe->res;
    io_uring_cqe_seen(&uring_->ring, cqe);
    const int other = 1 - current_;
    if (res < 0) {
        error_ = std::string("io_uring write failed: ") + std::strerror(-res);
        return;
    }
    const auto done = static_cast<std::size_t>(res);
    offset_ += done;
    written_ += done;
    if (done < in_flight_bytes_) { // a short write: finish the rest synchronously
        write_plain(buffers_[other].get() + done, in_flight_bytes_ - done);
    }
}

void uring_writer::submit_current() {
    if (fill_ == 0 || !error_.empty()) {
        return;
    }
    if (!uring_) {
        write_plain(buffers_[current_].get(), fill_);
        fill_ = 0;
        return;
    }
    wait_in_flight(); // the other buffer must be free before it becomes the filling one
    if (!error_.empty()) {
        return;
    }
    io_uring_sqe* sqe = io_uring_get_sqe(&uring_->ring);
    io_uring_prep_write(sqe, fd_, buffers_[current_].get(), static_cast<unsigned>(fill_), offset_);
    if (io_uring_submit(&uring_->ring) != 1) {
        error_ = "io_uring submit failed";
        return;
    }
    in_flight_ = true;
    in_flight_bytes_ = fill_;
    current_ = 1 - current_;
    fill_ = 0;
}

void uring_writer::flush() {
    if (fd_ < 0) {
        return;
    }
    submit_current();
    if (uring_) {
        wait_in_flight();
    }
}

void uring_writer::close() {
    if (fd_ < 0) {
        return;
    }
    flush();
    ::fsync(fd_);
    ::close(fd_);
    fd_ = -1;
    uring_.reset();
}

} // namespace ballast::feed
