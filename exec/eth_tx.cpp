#include "exec/eth_tx.hpp"

#include "exec/signing.hpp"

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string.h> // explicit_bzero

namespace ballast::exec {

// ---- Keccak-256 ---------------------------------------------------------------------------
// Written here: OpenSSL 3.0 (Debian 12) has SHA3-256 but its Keccak-256 arrived only in 3.2,
// and Debian packages no C/C++ Keccak library (librhash keeps its Keccak internal). The
// permutation is FIPS 202's Keccak-f[1600]; Ethereum keeps the pre-standard padding byte 0x01.
namespace {

constexpr std::array<std::uint64_t, 24> round_constants = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL};
// Rotation offsets and the pi permutation's lane order (rho and pi steps combined).
constexpr std::array<int, 24> rho = {1,  3,  6,  10, 15, 21, 28, 36, 45, 55, 2,  14,
                                     27, 41, 56, 8,  25, 43, 62, 18, 39, 61, 20, 44};
constexpr std::array<int, 24> pi = {10, 7,  11, 17, 18, 3, 5,  16, 8,  21, 24, 4,
                                    15, 23, 19, 13, 12, 2, 20, 14, 22, 9,  6,  1};

constexpr std::uint64_t rotl(std::uint64_t x, int n) noexcept {
    return (x << n) | (x >> (64 - n));
}

void keccak_f1600(std::array<std::uint64_t, 25>& a) noexcept {
    for (const std::uint64_t rc : round_constants) {
        std::array<std::uint64_t, 5> c{};
        for (int x = 0; x < 5; ++x) {
            c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
        }
        for (int x = 0; x < 5; ++x) {
            const std::uint64_t d = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
            for (int y = 0; y < 25; y += 5) {
                a[y + x] ^= d;
            }
        }
        std::uint64_t t = a[1];
        for (int i = 0; i < 24; ++i) {
            const int j = pi[i];
            const std::uint64_t next = a[j];
            a[j] = rotl(t, rho[i]);
            t = next;
        }
        for (int y = 0; y < 25; y += 5) {
            std::array<std::uint64_t, 5> row{};
            for (int x = 0; x < 5; ++x) {
                row[x] = a[y + x];
            }
            for (int x = 0; x < 5; ++x) {
                a[y + x] = row[x] ^ (~row[(x + 1) % 5] & row[(x + 2) % 5]);
            }
        }
        a[0] ^= rc;
    }
}

constexpr std::size_t keccak_rate = 136; // bytes: 1600 bits - 2 * 256 capacity

void absorb_block(std::array<std::uint64_t, 25>& state, const std::uint8_t* block) noexcept {
    for (std::size_t i = 0; i < keccak_rate / 8; ++i) {
        std::uint64_t lane = 0;
        for (int b = 7; b >= 0; --b) {
            lane = (lane << 8) | block[i * 8 + static_cast<std::size_t>(b)];
        }
        state[i] ^= lane;
    }
    keccak_f1600(state);
}

} // namespace

eth_hash keccak256(std::span<const std::uint8_t> bytes) noexcept {
    std::array<std::uint64_t, 25> state{};
    std::size_t off = 0;
    for (; bytes.size() - off >= keccak_rate; off += keccak_rate) {
        absorb_block(state, bytes.data() + off);
    }
    std::array<std::uint8_t, keccak_rate> last{};
    const std::size_t rest = bytes.size() - off;
    if (rest > 0) {
        std::memcpy(last.data(), bytes.data() + off, rest);
    }
    last[rest] ^= 0x01;
    last[keccak_rate - 1] ^= 0x80;
    absorb_block(state, last.data());
    eth_hash out{};
    for (std::size_t i = 0; i < out.size(); ++i) {
        out[i] = static_cast<std::uint8_t>(state[i / 8] >> (8 * (i % 8)));
    }
    return out;
}

eth_hash keccak256(std::string_view text) noexcept {
    return keccak256(std::span<const std::uint8_t>(
        reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

void write_word(const u256& v, std::uint8_t* out) noexcept {
    u256 x = v;
    for (int i = 31; i >= 0; --i) {
        out[i] = static_cast<std::uint8_t>(static_cast<unsigned>(x & 0xff));
        x >>= 8;
    }
}

u256 read_word(const std::uint8_t* in) noexcept {
    u256 v = 0;
    for (int i = 0; i < 32; ++i) {
        v = (v << 8) | in[i];
    }
    return v;
}

// ---- RLP ----------------------------------------------------------------------------------
namespace {

/// Appends RLP items into a fixed buffer; `ok` turns false (and stays) when it would overflow.
class rlp_out {
  public:
    rlp_out(std::uint8_t* buf, std::size_t cap) noexcept : buf_(buf), cap_(cap) {}
    void raw(const std::uint8_t* p, std::size_t n) noexcept {
        if (!ok_ || n > cap_ - size_) {
            ok_ = false;
            return;
        }
        if (n > 0) {
            std::memcpy(buf_ + size_, p, n);
        }
        size_ += n;
    }
    void byte(std::uint8_t b) noexcept { raw(&b, 1); }
    /// A string or list header: short form below 56 bytes, else the length's own bytes.
    void header(std::size_t len, std::uint8_t short_base, std::uint8_t long_base) noexcept {
        if (len < 56) {
            byte(static_cast<std::uint8_t>(short_base + len));
            return;
        }
        std::array<std::uint8_t, 8> be{};
        int n = 0;
        for (std::size_t v = len; v > 0; v >>= 8) {
            be[7 - n++] = static_cast<std::uint8_t>(v);
        }
        byte(static_cast<std::uint8_t>(long_base + n));
        raw(be.data() + 8 - n, static_cast<std::size_t>(n));
    }
    void bytes(const std::uint8_t* p, std::size_t n) noexcept {
        if (n == 1 && p[0] < 0x80) {
            byte(p[0]);
            return;
        }
        header(n, 0x80, 0xb7);
        raw(p, n);
    }
    /// A scalar: big-endian without leading zeros (zero is the empty string).
    void scalar(const std::uint8_t* be, std::size_t n) noexcept {
        std::size_t skip = 0;
        while (skip < n && be[skip] == 0) {
            ++skip;
        }
        bytes(be + skip, n - skip);
    }
    void scalar(std::uint64_t v) noexcept {
        std::array<std::uint8_t, 8> be{};
        for (int i = 7; i >= 0; --i, v >>= 8) {
            be[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v);
        }
        scalar(be.data(), be.size());
    }
    void scalar(const u256& v) noexcept {
        std::array<std::uint8_t, 32> be{};
        write_word(v, be.data());
        scalar(be.data(), be.size());
    }
    [[nodiscard]] bool ok() const noexcept { return ok_; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }

  private:
    std::uint8_t* buf_;
    std::size_t cap_;
    std::size_t size_ = 0;
    bool ok_ = true;
};

bool encode_tx(const eip1559_tx& tx, const eth_signature* sig, eth_tx_bytes& out) noexcept {
    if (tx.data_size > tx.data.size()) {
        return false;
    }
    std::array<std::uint8_t, eth_tx_max_raw> payload; // the list's items
    rlp_out items(payload.data(), payload.size());
    items.scalar(tx.chain_id);
    items.scalar(tx.nonce);
    items.scalar(tx.max_priority_fee_per_gas);
    items.scalar(tx.max_fee_per_gas);
    items.scalar(tx.gas_limit);
    items.bytes(tx.to.data(), tx.to.size());
    items.scalar(tx.value);
    items.bytes(tx.data.data(), tx.data_size);
    items.byte(0xc0); // empty access list
    if (sig != nullptr) {
        items.scalar(sig->y_parity);
        items.scalar(sig->r.data(), sig->r.size());
        items.scalar(sig->s.data(), sig->s.size());
    }
    if (!items.ok()) {
        return false;
    }
    rlp_out w(out.bytes.data(), out.bytes.size());
    w.byte(0x02); // EIP-2718 type of EIP-1559
    w.header(items.size(), 0xc0, 0xf7);
    w.raw(payload.data(), items.size());
    if (!w.ok()) {
        return false;
    }
    out.size = static_cast<std::uint16_t>(w.size());
    return true;
}

} // namespace

bool encode_unsigned(const eip1559_tx& tx, eth_tx_bytes& out) noexcept {
    return encode_tx(tx, nullptr, out);
}

bool encode_signed(const eip1559_tx& tx, const eth_signature& sig, eth_tx_bytes& out) noexcept {
    return encode_tx(tx, &sig, out);
}

// ---- Signing ------------------------------------------------------------------------------

struct eth_signer::impl {
    secp256k1_context* ctx = nullptr;
    std::array<std::uint8_t, 32> key{};
    eth_address address{};
    bool loaded = false;
    impl() {
        ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
        // Blinding against timing side channels (libsecp256k1's recommendation).
        std::array<std::uint8_t, 32> seed{};
        std::random_device rd;
        for (auto& b : seed) {
            b = static_cast<std::uint8_t>(rd());
        }
        if (secp256k1_context_randomize(ctx, seed.data()) != 1) {
            // Only fails on a context without signing tables, which 0.2 no longer has.
            seed.fill(0);
        }
    }
    ~impl() {
        explicit_bzero(key.data(), key.size());
        secp256k1_context_destroy(ctx);
    }
    impl(const impl&) = delete;
    impl& operator=(const impl&) = delete;
};

eth_signer::eth_signer() : impl_(std::make_unique<impl>()) {}
eth_signer::~eth_signer() = default;
eth_signer::eth_signer(eth_signer&&) noexcept = default;
eth_signer& eth_signer::operator=(eth_signer&&) noexcept = default;

std::optional<std::string> eth_signer::load(std::span<const std::uint8_t> key) {
    if (key.size() != 32) {
        return "private key: " + std::to_string(key.size()) + " bytes, expected 32";
    }
    std::memcpy(impl_->key.data(), key.data(), 32);
    impl_->loaded = false;
    if (secp256k1_ec_seckey_verify(impl_->ctx, impl_->key.data()) != 1) {
        explicit_bzero(impl_->key.data(), 32);
        return "private key: not a valid secp256k1 key (zero or not below the group order)";
    }
    secp256k1_pubkey pub;
    std::array<std::uint8_t, 65> uncompressed{};
    std::size_t len = uncompressed.size();
    if (secp256k1_ec_pubkey_create(impl_->ctx, &pub, impl_->key.data()) != 1 ||
        secp256k1_ec_pubkey_serialize(impl_->ctx, uncompressed.data(), &len, &pub,
                                      SECP256K1_EC_UNCOMPRESSED) != 1) {
        explicit_bzero(impl_->key.data(), 32);
        return "private key: libsecp256k1 could not derive its public key";
    }
    // The address is the last 20 bytes of keccak256 of the 64-byte public key (no 0x04 prefix).
    const eth_hash h = keccak256(std::span<const std::uint8_t>(uncompressed.data() + 1, 64));
    std::memcpy(impl_->address.data(), h.data() + 12, 20);
    impl_->loaded = true;
    return std::nullopt;
}

std::optional<std::string> eth_signer::load_hex(std::string_view hex) {
    while (!hex.empty() && (hex.front() == ' ' || hex.front() == '\n' || hex.front() == '\t' ||
                            hex.front() == '\r')) {
        hex.remove_prefix(1);
    }
    while (!hex.empty() &&
           (hex.back() == ' ' || hex.back() == '\n' || hex.back() == '\t' || hex.back() == '\r')) {
        hex.remove_suffix(1);
    }
    if (hex.starts_with("0x") || hex.starts_with("0X")) {
        hex.remove_prefix(2);
    }
    if (hex.size() != 64) {
        return "private key: " + std::to_string(hex.size()) + " hex digits, expected 64";
    }
    std::array<char, 67> text{'0', 'x'};
    std::memcpy(text.data() + 2, hex.data(), 64);
    std::array<std::uint8_t, 32> key{};
    const bool ok = feed::parse_hex_bytes(std::string_view(text.data(), 66), key);
    explicit_bzero(text.data(), text.size());
    if (!ok) {
        return "private key: not hexadecimal";
    }
    auto r = load(key);
    explicit_bzero(key.data(), key.size());
    return r;
}

bool eth_signer::loaded() const noexcept {
    return impl_ && impl_->loaded;
}

const eth_address& eth_signer::address() const noexcept {
    return impl_->address;
}

bool eth_signer::sign_digest(const eth_hash& digest, eth_signature& out) const noexcept {
    if (!loaded()) {
        return false;
    }
    secp256k1_ecdsa_recoverable_signature sig;
    // RFC 6979 deterministic nonce (nullptr selects it): the same fields sign to the same bytes.
    if (secp256k1_ecdsa_sign_recoverable(impl_->ctx, &sig, digest.data(), impl_->key.data(),
                                         nullptr, nullptr) != 1) {
        return false;
    }
    std::array<std::uint8_t, 64> compact{};
    int recid = 0;
    (void)secp256k1_ecdsa_recoverable_signature_serialize_compact(impl_->ctx, compact.data(),
                                                                  &recid, &sig);
    // libsecp256k1 always signs with s in the lower half (EIP-2), so recid is the y parity;
    // 2 and 3 (r above the group order) have negligible probability but are not valid here.
    if (recid > 1) {
        return false;
    }
    out.y_parity = static_cast<std::uint8_t>(recid);
    std::memcpy(out.r.data(), compact.data(), 32);
    std::memcpy(out.s.data(), compact.data() + 32, 32);
    return true;
}

bool eth_signer::sign(const eip1559_tx& tx, signed_tx& out) const noexcept {
    eth_tx_bytes unsigned_bytes;
    if (!encode_unsigned(tx, unsigned_bytes)) {
        return false;
    }
    eth_signature sig;
    if (!sign_digest(keccak256(unsigned_bytes.view()), sig) || !encode_signed(tx, sig, out.raw)) {
        return false;
    }
    out.hash = keccak256(out.raw.view());
    return true;
}

std::optional<std::string> load_eth_key(eth_signer& signer, const char* env_var,
                                        const std::string& file) {
    if (const char* v = std::getenv(env_var); v != nullptr && *v != '\0') {
        if (auto e = signer.load_hex(v)) {
            return std::string(env_var) + ": " + *e;
        }
        return std::nullopt;
    }
    if (file.empty()) {
        return std::string(env_var) + " is not set and no key file is configured";
    }
    if (auto e = check_private_file(file)) {
        return *e;
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return file + ": cannot be read";
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto e = signer.load_hex(text);
    explicit_bzero(text.data(), text.size());
    if (e) {
        return file + ": " + *e;
    }
    return std::nullopt;
}

std::string to_hex_address(const eth_address& a) {
    return feed::to_hex(a);
}

// ---- ABI ----------------------------------------------------------------------------------

std::array<std::uint8_t, 4> abi_selector(std::string_view signature) noexcept {
    const eth_hash h = keccak256(signature);
    return {h[0], h[1], h[2], h[3]};
}

namespace {

const std::array<std::uint8_t, 4> exact_input_single_selector = abi_selector(
    "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))");
const std::array<std::uint8_t, 4> exact_output_single_selector = abi_selector(
    "exactOutputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))");
const std::array<std::uint8_t, 4> approve_selector = abi_selector("approve(address,uint256)");
const std::array<std::uint8_t, 4> allowance_selector = abi_selector("allowance(address,address)");

void put_address(const eth_address& a, std::uint8_t* word) noexcept {
    std::memset(word, 0, 12);
    std::memcpy(word + 12, a.data(), 20);
}

/// Both single-pool swaps take the same static tuple: eight words after the selector.
void encode_swap(const std::array<std::uint8_t, 4>& selector, const swap_single_params& p,
                 eip1559_tx& tx) noexcept {
    std::uint8_t* d = tx.data.data();
    std::memcpy(d, selector.data(), 4);
    put_address(p.token_in, d + 4);
    put_address(p.token_out, d + 36);
    write_word(u256(p.fee), d + 68);
    put_address(p.recipient, d + 100);
    write_word(u256(p.deadline), d + 132);
    write_word(p.amount, d + 164);
    write_word(p.amount_limit, d + 196);
    write_word(p.sqrt_price_limit_x96, d + 228);
    tx.data_size = 4 + 8 * 32;
}

} // namespace

void encode_exact_input_single(const swap_single_params& p, eip1559_tx& tx) noexcept {
    encode_swap(exact_input_single_selector, p, tx);
}

void encode_exact_output_single(const swap_single_params& p, eip1559_tx& tx) noexcept {
    encode_swap(exact_output_single_selector, p, tx);
}

void encode_approve(const eth_address& spender, const u256& amount, eip1559_tx& tx) noexcept {
    std::uint8_t* d = tx.data.data();
    std::memcpy(d, approve_selector.data(), 4);
    put_address(spender, d + 4);
    write_word(amount, d + 36);
    tx.data_size = 4 + 2 * 32;
}

std::string allowance_call_data(const eth_address& owner, const eth_address& spender) {
    std::array<std::uint8_t, 4 + 64> d{};
    std::memcpy(d.data(), allowance_selector.data(), 4);
    put_address(owner, d.data() + 4);
    put_address(spender, d.data() + 36);
    return feed::to_hex(d);
}

std::string decode_revert_reason(std::span<const std::uint8_t> data) {
    static const auto error_selector = abi_selector("Error(string)");
    static const auto panic_selector = abi_selector("Panic(uint256)");
    if (data.size() < 4 + 32) {
        return {};
    }
    if (std::equal(panic_selector.begin(), panic_selector.end(), data.begin())) {
        const u256 code = read_word(data.data() + 4);
        std::array<std::uint8_t, 32> be{};
        write_word(code, be.data());
        return "panic " + feed::to_hex(std::span<const std::uint8_t>(be.data() + 31, 1));
    }
    if (!std::equal(error_selector.begin(), error_selector.end(), data.begin()) ||
        data.size() < 4 + 64) {
        return {};
    }
    const u256 offset = read_word(data.data() + 4);
    if (offset > data.size() || 4 + static_cast<std::size_t>(offset) + 32 > data.size()) {
        return {};
    }
    const std::size_t at = 4 + static_cast<std::size_t>(offset);
    const u256 len = read_word(data.data() + at);
    if (len > data.size() - at - 32) {
        return {};
    }
    std::string text(reinterpret_cast<const char*>(data.data() + at + 32),
                     static_cast<std::size_t>(len));
    // Printable ASCII only: the text is the contract's, and it ends up in reports and logs.
    for (char& c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) {
            c = '?';
        }
    }
    return text;
}

} // namespace ballast::exec
