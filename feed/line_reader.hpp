#pragma once
/// Streams a file line by line in constant memory. Reads go through io_uring with two
/// registered buffers (the next chunk is in flight while the current one is split into lines),
/// falling back to pread(2) where io_uring is not permitted.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ballast::feed {

class line_reader {
  public:
    /// Bytes guaranteed readable after every returned line (simdjson's padding requirement).
    static constexpr std::size_t padding = 64;
    static constexpr std::size_t chunk_size = 1 << 20;

    explicit line_reader(bool prefer_uring = true) noexcept;
    ~line_reader();
    line_reader(const line_reader&) = delete;
    line_reader& operator=(const line_reader&) = delete;

    /// Opens a file; returns an error text naming the path and the reason on failure.
    [[nodiscard]] std::optional<std::string> open(const std::string& path);

    /// The next line without its end-of-line characters; nullopt at end of file or error.
    /// The view stays valid until the next call; `readable_after()` bytes may be read past it.
    [[nodiscard]] std::optional<std::string_view> next();

    [[nodiscard]] std::uint64_t line_number() const noexcept { return line_number_; }
    [[nodiscard]] std::uint64_t bytes_read() const noexcept { return bytes_read_; }
    [[nodiscard]] std::uint64_t file_size() const noexcept { return file_size_; }
    [[nodiscard]] bool uses_uring() const noexcept { return uring_ != nullptr; }
    /// Set when a read failed; next() then returns nullopt.
    [[nodiscard]] const std::string& error() const noexcept { return error_; }

  private:
    struct uring_state;
    bool fill(); // appends the next chunk to the line buffer; false at EOF or error
    bool read_chunk_plain(char* dst, std::size_t& got);
    bool read_chunk_uring(char* dst, std::size_t& got);

    int fd_ = -1;
    bool prefer_uring_;
    std::unique_ptr<uring_state> uring_;
    std::unique_ptr<char[]> buf_;
    std::size_t cap_ = 0;      // usable bytes in buf_ (excluding padding)
    std::size_t begin_ = 0;    // first unconsumed byte
    std::size_t end_ = 0;      // one past the last valid byte
    std::uint64_t offset_ = 0; // file offset of the next plain read
    std::uint64_t line_number_ = 0;
    std::uint64_t bytes_read_ = 0;
    std::uint64_t file_size_ = 0;
    bool eof_ = false;
    std::string error_;
};

} // namespace ballast::feed
