#pragma once
/// Market vocabulary shared by every layer: fixed-point prices and quantities in an
/// instrument's own tick and lot units, sides, ids and timestamps.

#include <compare>
#include <cstdint>
#include <functional>
#include <string_view>

namespace ballast {

/// An integer in some unit, distinct per Tag so that prices, quantities and ids never mix.
template <class Tag> class strong_int {
  public:
    using rep = std::int64_t;
    constexpr strong_int() noexcept = default;
    constexpr explicit strong_int(rep v) noexcept : v_(v) {}
    [[nodiscard]] constexpr rep value() const noexcept { return v_; }
    constexpr auto operator<=>(const strong_int&) const noexcept = default;
    constexpr strong_int& operator+=(strong_int o) noexcept {
        v_ += o.v_;
        return *this;
    }
    constexpr strong_int& operator-=(strong_int o) noexcept {
        v_ -= o.v_;
        return *this;
    }
    friend constexpr strong_int operator+(strong_int a, strong_int b) noexcept {
        return strong_int(a.v_ + b.v_);
    }
    friend constexpr strong_int operator-(strong_int a, strong_int b) noexcept {
        return strong_int(a.v_ - b.v_);
    }
    friend constexpr strong_int operator-(strong_int a) noexcept { return strong_int(-a.v_); }

  private:
    rep v_ = 0;
};

struct price_tag {};
struct qty_tag {};
/// A price as a whole number of the instrument's ticks.
using price = strong_int<price_tag>;
/// A quantity as a whole number of the instrument's lots.
using qty = strong_int<qty_tag>;

enum class side : std::uint8_t { bid = 0, ask = 1 };
[[nodiscard]] constexpr side opposite(side s) noexcept {
    return s == side::bid ? side::ask : side::bid;
}
[[nodiscard]] constexpr std::string_view to_string(side s) noexcept {
    return s == side::bid ? "bid" : "ask";
}

/// Identifier types: small integers, distinct per meaning.
template <class Tag, class Rep> struct id {
    Rep value{};
    constexpr auto operator<=>(const id&) const noexcept = default;
};
using venue_id = id<struct venue_id_tag, std::uint16_t>;
using instrument_id = id<struct instrument_id_tag, std::uint32_t>;
using client_order_id = id<struct client_order_id_tag, std::uint64_t>;

/// Nanoseconds since the Unix epoch (exchange or capture time, never the TSC).
struct timestamp_ns {
    std::int64_t ns = 0;
    constexpr auto operator<=>(const timestamp_ns&) const noexcept = default;
};

} // namespace ballast

template <class Tag> struct std::hash<ballast::strong_int<Tag>> {
    std::size_t operator()(ballast::strong_int<Tag> v) const noexcept {
        return std::hash<std::int64_t>{}(v.value());
    }
};
template <class Tag, class Rep> struct std::hash<ballast::id<Tag, Rep>> {
    std::size_t operator()(ballast::id<Tag, Rep> v) const noexcept {
        return std::hash<Rep>{}(v.value);
    }
};
