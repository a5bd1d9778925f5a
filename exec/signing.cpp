#include "exec/signing.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <toml++/toml.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace ballast::exec {

sha256_digest hmac_sha256(std::string_view key, std::string_view message) noexcept {
    sha256_digest out{};
    unsigned int n = 0;
    // HMAC() with a caller buffer: one call, no context to manage (OpenSSL 3.0 keeps it).
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), out.data(), &n);
    return out;
}

void hex_encode(std::span<const std::uint8_t> bytes, char* out) noexcept {
    static constexpr char digits[] = "0123456789abcdef";
    for (const std::uint8_t b : bytes) {
        *out++ = digits[b >> 4];
        *out++ = digits[b & 0xf];
    }
}

std::string hex_encode(std::span<const std::uint8_t> bytes) {
    std::string s(bytes.size() * 2, '\0');
    hex_encode(bytes, s.data());
    return s;
}

std::size_t base64_encode(std::span<const std::uint8_t> bytes, char* out) noexcept {
    // EVP_EncodeBlock ends with a NUL that `out` has no room for: encode through a small
    // buffer, 48 bytes (64 characters) at a time.
    std::size_t n = 0;
    unsigned char chunk[65];
    for (std::size_t i = 0; i < bytes.size(); i += 48) {
        const std::size_t len = bytes.size() - i < 48 ? bytes.size() - i : 48;
        const int w = EVP_EncodeBlock(chunk, bytes.data() + i, static_cast<int>(len));
        std::memcpy(out + n, chunk, static_cast<std::size_t>(w));
        n += static_cast<std::size_t>(w);
    }
    return n;
}

std::string base64_encode(std::span<const std::uint8_t> bytes) {
    std::string s((bytes.size() + 2) / 3 * 4, '\0');
    s.resize(base64_encode(bytes, s.data()));
    return s;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) {
        return std::nullopt;
    }
    std::size_t pad = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const bool alpha = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '/';
        if (c == '=') {
            if (i + 2 < text.size()) {
                return std::nullopt; // padding only in the last two places
            }
            ++pad;
        } else if (!alpha || pad > 0) {
            return std::nullopt;
        }
    }
    std::string out(text.size() / 4 * 3, '\0');
    if (!text.empty()) {
        const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(text.data()),
                                      static_cast<int>(text.size()));
        if (n < 0) {
            return std::nullopt;
        }
    }
    out.resize(out.size() - pad); // EVP_DecodeBlock counts padding as zero bytes
    return out;
}

bool equal_signatures(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// ---- Ed25519 ----------------------------------------------------------------------------------

struct ed25519_key::impl {
    EVP_PKEY* key = nullptr;
    EVP_MD_CTX* ctx = nullptr;
    ~impl() {
        EVP_MD_CTX_free(ctx);
        EVP_PKEY_free(key);
    }
};

ed25519_key::ed25519_key() : impl_(std::make_unique<impl>()) {}
ed25519_key::~ed25519_key() = default;
ed25519_key::ed25519_key(ed25519_key&&) noexcept = default;
ed25519_key& ed25519_key::operator=(ed25519_key&&) noexcept = default;

std::optional<std::string> ed25519_key::load_private_pem(std::string_view pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    if (bio == nullptr) {
        return "ed25519 key: out of memory";
    }
    EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (k == nullptr) {
        return "ed25519 key: not a PEM private key";
    }
    if (EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(k);
        return "ed25519 key: the PEM key is not an Ed25519 key";
    }
    EVP_PKEY_free(impl_->key);
    impl_->key = k;
    if (impl_->ctx == nullptr) {
        impl_->ctx = EVP_MD_CTX_new();
    }
    return impl_->ctx == nullptr ? std::optional<std::string>("ed25519 key: out of memory")
                                 : std::nullopt;
}

bool ed25519_key::loaded() const noexcept {
    return impl_ && impl_->key != nullptr;
}

bool ed25519_key::sign(std::string_view message, ed25519_signature& out) const noexcept {
    if (!loaded()) {
        return false;
    }
    std::size_t n = out.size();
    // Ed25519 is one-shot: re-initialise the kept context for every message.
    return EVP_MD_CTX_reset(impl_->ctx) == 1 &&
           EVP_DigestSignInit(impl_->ctx, nullptr, nullptr, nullptr, impl_->key) == 1 &&
           EVP_DigestSign(impl_->ctx, out.data(), &n,
                          reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1 &&
           n == out.size();
}

std::string ed25519_key::public_pem() const {
    if (!loaded()) {
        return {};
    }
    BIO* bio = BIO_new(BIO_s_mem());
    std::string out;
    if (bio != nullptr && PEM_write_bio_PUBKEY(bio, impl_->key) == 1) {
        char* data = nullptr;
        const long n = BIO_get_mem_data(bio, &data);
        out.assign(data, static_cast<std::size_t>(n));
    }
    BIO_free(bio);
    return out;
}

std::string new_ed25519_private_pem() {
    EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    BIO* bio = key != nullptr ? BIO_new(BIO_s_mem()) : nullptr;
    std::string out;
    if (bio != nullptr &&
        PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr) == 1) {
        char* data = nullptr;
        const long n = BIO_get_mem_data(bio, &data);
        out.assign(data, static_cast<std::size_t>(n));
    }
    BIO_free(bio);
    EVP_PKEY_free(key);
    return out;
}

bool ed25519_verify(std::string_view public_pem, std::string_view message,
                    std::span<const std::uint8_t> signature) noexcept {
    BIO* bio = BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size()));
    if (bio == nullptr) {
        return false;
    }
    EVP_PKEY* k = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (k == nullptr) {
        return false;
    }
    bool ok = false;
    if (EVP_PKEY_get_id(k) == EVP_PKEY_ED25519) {
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        ok = ctx != nullptr && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, k) == 1 &&
             EVP_DigestVerify(ctx, signature.data(), signature.size(),
                              reinterpret_cast<const unsigned char*>(message.data()),
                              message.size()) == 1;
        EVP_MD_CTX_free(ctx);
    }
    EVP_PKEY_free(k);
    return ok;
}

// ---- Venues -----------------------------------------------------------------------------------

std::string binance_hmac_signature(std::string_view secret, std::string_view payload) {
    return hex_encode(hmac_sha256(secret, payload));
}

std::string binance_ed25519_signature(const ed25519_key& key, std::string_view payload) {
    ed25519_signature sig{};
    if (!key.sign(payload, sig)) {
        return {};
    }
    return base64_encode(sig);
}

std::string okx_signature(std::string_view secret, std::string_view timestamp,
                          std::string_view method, std::string_view request_path,
                          std::string_view body) {
    std::string prehash;
    prehash.reserve(timestamp.size() + method.size() + request_path.size() + body.size());
    prehash.append(timestamp).append(method).append(request_path).append(body);
    return base64_encode(hmac_sha256(secret, prehash));
}

std::string bybit_rest_signature(std::string_view secret, std::string_view timestamp,
                                 std::string_view api_key, std::string_view recv_window,
                                 std::string_view payload) {
    std::string prehash;
    prehash.reserve(timestamp.size() + api_key.size() + recv_window.size() + payload.size());
    prehash.append(timestamp).append(api_key).append(recv_window).append(payload);
    return hex_encode(hmac_sha256(secret, prehash));
}

std::string bybit_ws_signature(std::string_view secret, std::string_view expires_ms) {
    std::string prehash = "GET/realtime";
    prehash.append(expires_ms);
    return hex_encode(hmac_sha256(secret, prehash));
}

// ---- Keys -------------------------------------------------------------------------------------

secret_text::~secret_text() {
    if (!text_.empty()) {
        OPENSSL_cleanse(text_.data(), text_.size());
    }
}

std::optional<std::string> check_private_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return path + ": " + std::strerror(errno);
    }
    if (!S_ISREG(st.st_mode)) {
        return path + ": not a regular file";
    }
    if ((st.st_mode & 077) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        return path + ": mode " + mode +
               " lets others read or write a secret; allowed: 0600 or stricter (chmod 600)";
    }
    if (st.st_uid != ::geteuid()) {
        return path + ": owned by uid " + std::to_string(st.st_uid) +
               ", not by this user; a secret file must be the user's own";
    }
    return std::nullopt;
}

namespace {

/// The file's text after check_private_file; nullopt with `error` set.
std::optional<std::string> read_private_file(const std::string& path, std::string& error) {
    if (auto e = check_private_file(path)) {
        error = *e;
        return std::nullopt;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = path + ": cannot read";
        return std::nullopt;
    }
    std::ostringstream s;
    s << in.rdbuf();
    return std::move(s).str();
}

std::string env_prefix(std::string_view venue) {
    std::string p = "BALLAST_";
    for (const char c : venue) {
        p += std::isalnum(static_cast<unsigned char>(c)) != 0
                 ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                 : '_';
    }
    return p + "_";
}

const char* env(const std::string& name) {
    const char* v = std::getenv(name.c_str());
    return v != nullptr && *v != '\0' ? v : nullptr;
}

/// Fills the key material from a key file's PEM; checks that it loads.
bool take_ed25519(const std::string& path, const std::string& origin, api_credentials& c,
                  std::string& error) {
    auto pem = read_private_file(path, error);
    if (!pem) {
        error = origin + ": " + error;
        return false;
    }
    ed25519_key k;
    if (auto e = k.load_private_pem(*pem)) {
        error = origin + ": " + path + ": " + *e;
        return false;
    }
    c.ed25519_pem = secret_text(std::move(*pem));
    return true;
}

} // namespace

credentials_result load_credentials(std::string_view venue, const std::string& file) {
    credentials_result r;
    api_credentials c;
    if (file.empty()) {
        const std::string p = env_prefix(venue);
        const char* key = env(p + "API_KEY");
        if (key == nullptr) {
            r.error = p + "API_KEY: not set (the " + std::string(venue) +
                      " API key comes from the environment or --keys FILE)";
            return r;
        }
        c.api_key = key;
        if (const char* s = env(p + "API_SECRET")) {
            c.secret = secret_text(s);
        } else if (const char* f = env(p + "ED25519_KEY_FILE")) {
            if (!take_ed25519(f, p + "ED25519_KEY_FILE", c, r.error)) {
                return r;
            }
        } else {
            r.error = p + "API_SECRET or " + p + "ED25519_KEY_FILE: neither is set";
            return r;
        }
        if (const char* pp = env(p + "PASSPHRASE")) {
            c.passphrase = secret_text(pp);
        }
        r.value = std::move(c);
        return r;
    }
    auto text = read_private_file(file, r.error);
    if (!text) {
        return r;
    }
    toml::table t;
    try {
        t = toml::parse(*text, file);
    } catch (const toml::parse_error& e) {
        // The parser's message names the line; it never quotes a value.
        r.error = file + ":" + std::to_string(e.source().begin.line) + ": " +
                  std::string(e.description());
        return r;
    }
    const auto str = [&](std::string_view k) -> std::optional<std::string> {
        if (auto v = t[k].value<std::string>()) {
            return *v;
        }
        return std::nullopt;
    };
    for (const auto& [k, v] : t) {
        const std::string_view name = k.str();
        if (name != "api_key" && name != "secret" && name != "ed25519_key_file" &&
            name != "passphrase") {
            r.error = file + ": " + std::string(name) +
                      ": unknown key (expected api_key, secret, ed25519_key_file, passphrase)";
            return r;
        }
        if (!v.is_string()) {
            r.error = file + ": " + std::string(name) + ": must be a string";
            return r;
        }
    }
    auto key = str("api_key");
    if (!key || key->empty()) {
        r.error = file + ": api_key: missing";
        return r;
    }
    c.api_key = std::move(*key);
    if (auto s = str("secret"); s && !s->empty()) {
        c.secret = secret_text(std::move(*s));
    } else if (auto f = str("ed25519_key_file"); f && !f->empty()) {
        if (!take_ed25519(*f, file + ": ed25519_key_file", c, r.error)) {
            return r;
        }
    } else {
        r.error = file + ": secret or ed25519_key_file: neither is set";
        return r;
    }
    if (auto pp = str("passphrase")) {
        c.passphrase = secret_text(std::move(*pp));
    }
    r.value = std::move(c);
    return r;
}

} // namespace ballast::exec
