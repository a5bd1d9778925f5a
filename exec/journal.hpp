#pragma once
/// Append-only order journal: one text line per order event, written (and flushed to the OS)
/// before the order leaves for its venue. Recovery reads it back into an OMS.
#include "exec/oms.hpp"

#include <cstdio>
#include <optional>
#include <string>

namespace ballast::exec {

/// Line formats (fields separated by one space; doubles with 17 significant digits):
///   S <id> <venue> <instrument> <b|a> <qty lots> <limit ticks> <limit px> <market ns>
///   A <id> <market ns>
///   F <id> <qty lots> <notional quote> <fee quote> <market ns>
///   C <id> <market ns>
///   R <id> <market ns>
class journal {
  public:
    journal() = default;
    ~journal();
    journal(const journal&) = delete;
    journal& operator=(const journal&) = delete;

    /// Creates (truncates) the file; an error line naming the path on failure.
    [[nodiscard]] std::optional<std::string> open(const std::string& path);
    [[nodiscard]] bool is_open() const noexcept { return out_ != nullptr; }
    void close() noexcept;

    /// Each returns false when the write failed (the engine then does not send).
    [[nodiscard]] bool submitted(const order& o) noexcept;
    [[nodiscard]] bool acknowledged(client_order_id id, timestamp_ns t) noexcept;
    [[nodiscard]] bool filled(client_order_id id, qty q, double notional_quote, double fee_quote,
                              timestamp_ns t) noexcept;
    [[nodiscard]] bool canceled(client_order_id id, timestamp_ns t) noexcept;
    [[nodiscard]] bool rejected(client_order_id id, timestamp_ns t) noexcept;
    [[nodiscard]] std::uint64_t records() const noexcept { return records_; }

  private:
    bool write(const char* line, int n) noexcept;
    std::FILE* out_ = nullptr;
    std::uint64_t records_ = 0;
};

/// What recovery rebuilt.
struct recovery_result {
    std::size_t records = 0;
    std::size_t open_orders = 0; ///< orders the journal leaves working (unknown fate)
    std::string error;           ///< "journal.log:12: ..." when a line cannot be read
    [[nodiscard]] bool ok() const noexcept { return error.empty(); }
};

/// Replays a journal into `out` (which must be empty): orders, states, fills.
[[nodiscard]] recovery_result recover_journal(const std::string& path, oms& out);

} // namespace ballast::exec
