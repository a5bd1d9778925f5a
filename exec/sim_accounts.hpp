#pragma once
/// sim-venue's trading accounts: exact decimals for balances and fees, and the `--accounts`
/// TOML file (one `[[account]]` per API key). Keys and secrets are held here for verifying
/// requests only; nothing in this file formats them.

#include "exec/signing.hpp"

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ballast::exec {

__extension__ using sim_int128 = __int128;

/// An exact decimal: mantissa * 10^-scale, scale in [0, 36]. Balances, quantities, prices and
/// fees are kept in it so that every amount the sim reports is the sum of what it filled.
class sim_decimal {
  public:
    constexpr sim_decimal() = default;
    /// "100000", "0.35130000", "-1.5"; no exponent, at most 36 decimals. nullopt otherwise.
    [[nodiscard]] static std::optional<sim_decimal> parse(std::string_view text) noexcept;
    [[nodiscard]] static sim_decimal from_int(std::int64_t v) noexcept;
    /// Shortest text ("1.5", "0", "-2"); `min_decimals` pads the fraction with zeros.
    [[nodiscard]] std::string str(int min_decimals = 0) const;
    [[nodiscard]] bool is_zero() const noexcept { return m_ == 0; }
    [[nodiscard]] bool negative() const noexcept { return m_ < 0; }
    [[nodiscard]] int scale() const noexcept { return s_; }
    /// Whether this is a whole multiple of `step` (step > 0).
    [[nodiscard]] bool multiple_of(const sim_decimal& step) const noexcept;
    /// this / other, truncated toward zero at `decimals` places; zero when other is zero.
    [[nodiscard]] sim_decimal div(const sim_decimal& other, int decimals = 18) const noexcept;
    /// Rounded toward zero at `decimals` places.
    [[nodiscard]] sim_decimal truncate(int decimals) const noexcept;
    [[nodiscard]] double to_double() const noexcept;

    friend sim_decimal operator+(const sim_decimal& a, const sim_decimal& b) noexcept;
    friend sim_decimal operator-(const sim_decimal& a, const sim_decimal& b) noexcept;
    friend sim_decimal operator*(const sim_decimal& a, const sim_decimal& b) noexcept;
    friend sim_decimal operator-(const sim_decimal& a) noexcept;
    sim_decimal& operator+=(const sim_decimal& b) noexcept { return *this = *this + b; }
    sim_decimal& operator-=(const sim_decimal& b) noexcept { return *this = *this - b; }
    friend std::strong_ordering operator<=>(const sim_decimal& a, const sim_decimal& b) noexcept;
    friend bool operator==(const sim_decimal& a, const sim_decimal& b) noexcept {
        return (a <=> b) == std::strong_ordering::equal;
    }

  private:
    constexpr sim_decimal(sim_int128 m, int s) noexcept : m_(m), s_(s) {}
    [[nodiscard]] sim_decimal normalised() const noexcept;
    sim_int128 m_ = 0;
    int s_ = 0;
};

[[nodiscard]] inline sim_decimal min(const sim_decimal& a, const sim_decimal& b) noexcept {
    return b < a ? b : a;
}

/// One `[[account]]` of the `--accounts` file.
struct sim_account_config {
    std::string api_key;
    secret_text secret;             ///< HMAC secret (empty for an Ed25519 key)
    std::string ed25519_public_pem; ///< Binance Ed25519 key (public: verification only)
    secret_text passphrase;         ///< OKX
    std::vector<std::pair<std::string, sim_decimal>> balances; ///< asset -> amount, file order
    std::optional<sim_decimal> taker_fee_bps;                  ///< default: the venue's base tier
    std::optional<sim_decimal> maker_fee_bps;
};

/// Reads the `--accounts` TOML file. The error line names the file, the account's index
/// (1-based) and the field, never a secret's value.
struct sim_accounts_result {
    std::vector<sim_account_config> accounts;
    std::string error;
};
[[nodiscard]] sim_accounts_result load_sim_accounts(const std::string& path);
/// The same from TOML text (`name` stands for the file in errors).
[[nodiscard]] sim_accounts_result parse_sim_accounts(std::string_view toml_text,
                                                     const std::string& name);

} // namespace ballast::exec
