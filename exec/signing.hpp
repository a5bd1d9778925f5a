#pragma once
/// Request signing for the venues' private APIs, and the keys it needs. Primitives come from
/// OpenSSL (HMAC-SHA256, Ed25519, base64); the venue functions build the exact text each venue
/// signs. Used by the gateways (signing) and by `ballast sim-venue` (verifying), so both sides
/// agree by construction and each is checked against the venues' documented examples.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ballast::exec {

using sha256_digest = std::array<std::uint8_t, 32>;
using ed25519_signature = std::array<std::uint8_t, 64>;

[[nodiscard]] sha256_digest hmac_sha256(std::string_view key, std::string_view message) noexcept;
/// Lower-case hex into `out` (2 * bytes.size() characters, no NUL).
void hex_encode(std::span<const std::uint8_t> bytes, char* out) noexcept;
[[nodiscard]] std::string hex_encode(std::span<const std::uint8_t> bytes);
/// Standard base64 with padding into `out` (4 * ceil(n / 3) characters); returns the length.
std::size_t base64_encode(std::span<const std::uint8_t> bytes, char* out) noexcept;
[[nodiscard]] std::string base64_encode(std::span<const std::uint8_t> bytes);
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);
/// Constant-time comparison of two signatures' text.
[[nodiscard]] bool equal_signatures(std::string_view a, std::string_view b) noexcept;

/// An Ed25519 private key (PEM, PKCS#8), loaded once; sign() does not allocate.
class ed25519_key {
  public:
    ed25519_key();
    ~ed25519_key();
    ed25519_key(ed25519_key&&) noexcept;
    ed25519_key& operator=(ed25519_key&&) noexcept;
    /// An error line (never the key's text) when the PEM is not an Ed25519 private key.
    [[nodiscard]] std::optional<std::string> load_private_pem(std::string_view pem);
    [[nodiscard]] bool loaded() const noexcept;
    [[nodiscard]] bool sign(std::string_view message, ed25519_signature& out) const noexcept;
    /// The public key as PEM (SubjectPublicKeyInfo), for the venue's key registration.
    [[nodiscard]] std::string public_pem() const;

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};
/// A new Ed25519 private key as PEM (PKCS#8), from OpenSSL's random source: the user registers
/// its public half with the venue (ed25519_key::public_pem) and keeps it in a 0600 file. Empty
/// when OpenSSL cannot make one.
[[nodiscard]] std::string new_ed25519_private_pem();
/// Verifies `signature` over `message` with a PEM public key; false on any failure.
[[nodiscard]] bool ed25519_verify(std::string_view public_pem, std::string_view message,
                                  std::span<const std::uint8_t> signature) noexcept;

// ---- What each venue signs --------------------------------------------------------------------

/// Binance (REST and WebSocket API), HMAC key: hex(HMAC-SHA256(secret, payload)), where the
/// payload is the query string / form body as sent (REST) or the request's params other than
/// `signature`, sorted by name and joined as key=value&... (WebSocket API).
[[nodiscard]] std::string binance_hmac_signature(std::string_view secret, std::string_view payload);
/// Binance, Ed25519 key: base64(Ed25519(payload)).
[[nodiscard]] std::string binance_ed25519_signature(const ed25519_key& key,
                                                    std::string_view payload);
/// OKX v5: base64(HMAC-SHA256(secret, timestamp + METHOD + requestPath + body)). REST
/// timestamps are ISO-8601 with milliseconds ("2020-12-08T09:08:57.715Z"); the WebSocket login
/// signs unix seconds + "GET" + "/users/self/verify".
[[nodiscard]] std::string okx_signature(std::string_view secret, std::string_view timestamp,
                                        std::string_view method, std::string_view request_path,
                                        std::string_view body);
/// Bybit v5 REST: hex(HMAC-SHA256(secret, timestamp + api_key + recv_window + payload)), payload
/// the query string (GET) or the JSON body (POST).
[[nodiscard]] std::string bybit_rest_signature(std::string_view secret, std::string_view timestamp,
                                               std::string_view api_key,
                                               std::string_view recv_window,
                                               std::string_view payload);
/// Bybit v5 WebSocket auth: hex(HMAC-SHA256(secret, "GET/realtime" + expires_ms)).
[[nodiscard]] std::string bybit_ws_signature(std::string_view secret, std::string_view expires_ms);

// ---- Keys -------------------------------------------------------------------------------------

/// A secret that never prints: no stream operator, no implicit conversion; value() for signing.
class secret_text {
  public:
    secret_text() = default;
    explicit secret_text(std::string s) : text_(std::move(s)) {}
    ~secret_text();
    secret_text(const secret_text&) = default;
    secret_text& operator=(const secret_text&) = default;
    [[nodiscard]] std::string_view value() const noexcept { return text_; }
    [[nodiscard]] bool empty() const noexcept { return text_.empty(); }

  private:
    std::string text_;
};

/// One venue's API credentials.
struct api_credentials {
    std::string api_key;
    secret_text secret;      ///< HMAC secret (empty when the key is Ed25519)
    secret_text passphrase;  ///< OKX
    secret_text ed25519_pem; ///< Ed25519 private key (PEM), Binance
};

/// Loads a venue's credentials. From the environment: BALLAST_<VENUE>_API_KEY, then
/// BALLAST_<VENUE>_API_SECRET or BALLAST_<VENUE>_ED25519_KEY_FILE, and BALLAST_<VENUE>_PASSPHRASE
/// (VENUE upper-case). Or from `file` (TOML: api_key, secret | ed25519_key_file, passphrase),
/// which must be a regular file no one but its owner can read or write (0600 or stricter;
/// anything looser is refused). Key files named in either place obey the same rule. The error
/// line names the variable or file and the reason, never a secret's value.
struct credentials_result {
    std::optional<api_credentials> value;
    std::string error;
};
[[nodiscard]] credentials_result load_credentials(std::string_view venue, const std::string& file);
/// Refuses a file that is not regular or whose mode lets group or others read or write it.
[[nodiscard]] std::optional<std::string> check_private_file(const std::string& path);

} // namespace ballast::exec
