#pragma once
/// Appends to a file through io_uring in constant memory: text accumulates in one of two
/// buffers while the other is being written, so the writing thread (a live feed's) never waits
/// on the disk unless the disk falls a whole buffer behind. Falls back to write(2) where
/// io_uring is not permitted (or BALLAST_NO_URING is set).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ballast::feed {

class uring_writer {
  public:
    static constexpr std::size_t buffer_size = 256u << 10;

    explicit uring_writer(bool prefer_uring = true) noexcept;
    ~uring_writer();
    uring_writer(const uring_writer&) = delete;
    uring_writer& operator=(const uring_writer&) = delete;

    /// Creates (truncates) `path`; an error names the path and the reason.
    [[nodiscard]] std::optional<std::string> open(const std::string& path);
    /// Appends bytes; a write error is kept (error()) and later appends are dropped.
    void append(std::string_view bytes);
    /// Writes everything appended so far and waits for it (the file is then complete).
    void flush();
    /// flush(), fsync and close. Safe to call twice.
    void close();

    [[nodiscard]] bool uses_uring() const noexcept { return uring_ != nullptr; }
    [[nodiscard]] std::uint64_t bytes_written() const noexcept { return written_; }
    [[nodiscard]] const std::string& error() const noexcept { return error_; }

  private:
    struct uring_state;
    void submit_current(); // hands the filling buffer to the disk, switches buffers
    void wait_in_flight();
    bool write_plain(const char* data, std::size_t n);

    int fd_ = -1;
    bool prefer_uring_;
    std::unique_ptr<uring_state> uring_;
    std::unique_ptr<char[]> buffers_[2];
    std::size_t fill_ = 0;   // bytes in the filling buffer
    int current_ = 0;        // index of the filling buffer
    bool in_flight_ = false; // the other buffer is being written
    std::size_t in_flight_bytes_ = 0;
    std::uint64_t offset_ = 0; // file offset of the next write
    std::uint64_t written_ = 0;
    std::string error_;
};

} // namespace ballast::feed
