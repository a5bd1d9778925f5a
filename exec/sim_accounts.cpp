#include "exec/sim_accounts.hpp"

#include "book/config_file.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <sstream>

namespace ballast::exec {

namespace {

constexpr int max_scale = 36;

sim_int128 pow10(int n) noexcept {
    sim_int128 v = 1;
    for (int i = 0; i < n; ++i) {
        v *= 10;
    }
    return v;
}

} // namespace

std::optional<sim_decimal> sim_decimal::parse(std::string_view text) noexcept {
    if (text.empty()) {
        return std::nullopt;
    }
    bool neg = false;
    if (text.front() == '-' || text.front() == '+') {
        neg = text.front() == '-';
        text.remove_prefix(1);
    }
    sim_int128 m = 0;
    int scale = 0;
    bool dot = false;
    int digits = 0;
    for (char ch : text) {
        if (ch == '.') {
            if (dot) {
                return std::nullopt;
            }
            dot = true;
            continue;
        }
        if (ch < '0' || ch > '9') {
            return std::nullopt;
        }
        if (m != 0 || ch != '0') {
            ++digits;
        }
        if (digits > 36 || (dot && scale >= max_scale)) {
            return std::nullopt;
        }
        m = m * 10 + (ch - '0');
        if (dot) {
            ++scale;
        }
    }
    if (text == "." || text.empty()) {
        return std::nullopt;
    }
    return sim_decimal(neg ? -m : m, scale).normalised();
}

sim_decimal sim_decimal::from_int(std::int64_t v) noexcept {
    return sim_decimal(v, 0);
}

sim_decimal sim_decimal::normalised() const noexcept {
    sim_int128 m = m_;
    int s = s_;
    while (s > 0 && m % 10 == 0) {
        m /= 10;
        --s;
    }
    if (m == 0) {
        s = 0;
    }
    return {m, s};
}

std::string sim_decimal::str(int min_decimals) const {
    sim_int128 m = m_ < 0 ? -m_ : m_;
    std::string digits;
    do {
        digits.push_back(static_cast<char>('0' + static_cast<int>(m % 10)));
        m /= 10;
    } while (m != 0);
    while (static_cast<int>(digits.size()) <= s_) {
        digits.push_back('0');
    }
    std::reverse(digits.begin(), digits.end());
    std::string out = m_ < 0 ? "-" : "";
    const std::size_t int_len = digits.size() - static_cast<std::size_t>(s_);
    out.append(digits, 0, int_len);
    const int decimals = std::max(s_, min_decimals);
    if (decimals > 0) {
        out.push_back('.');
        out.append(digits, int_len, std::string::npos);
        out.append(static_cast<std::size_t>(decimals - s_), '0');
    }
    return out;
}

bool sim_decimal::multiple_of(const sim_decimal& step) const noexcept {
    if (step.m_ == 0) {
        return false;
    }
    const int s = std::max(s_, step.s_);
    const sim_int128 a = m_ * pow10(s - s_);
    const sim_int128 b = step.m_ * pow10(s - step.s_);
    return a % b == 0;
}

sim_decimal sim_decimal::div(const sim_decimal& other, int decimals) const noexcept {
    if (other.m_ == 0) {
        return {};
    }
    // (m1 / 10^s1) / (m2 / 10^s2) = m1 * 10^(s2 - s1) / m2, carried to `decimals` places.
    int shift = decimals + other.s_ - s_;
    sim_int128 num = m_;
    sim_int128 den = other.m_;
    if (shift >= 0) {
        num *= pow10(shift);
    } else {
        den *= pow10(-shift);
    }
    return sim_decimal(num / den, decimals).normalised();
}

sim_decimal sim_decimal::truncate(int decimals) const noexcept {
    if (s_ <= decimals) {
        return *this;
    }
    return sim_decimal(m_ / pow10(s_ - decimals), decimals).normalised();
}

double sim_decimal::to_double() const noexcept {
    return static_cast<double>(m_) / static_cast<double>(pow10(s_));
}

sim_decimal operator+(const sim_decimal& a, const sim_decimal& b) noexcept {
    const int s = std::max(a.s_, b.s_);
    return sim_decimal(a.m_ * pow10(s - a.s_) + b.m_ * pow10(s - b.s_), s).normalised();
}

sim_decimal operator-(const sim_decimal& a) noexcept {
    return sim_decimal(-a.m_, a.s_);
}

sim_decimal operator-(const sim_decimal& a, const sim_decimal& b) noexcept {
    return a + (-b);
}

sim_decimal operator*(const sim_decimal& a, const sim_decimal& b) noexcept {
    sim_decimal r(a.m_ * b.m_, a.s_ + b.s_);
    r = r.normalised();
    while (r.s_ > max_scale) { // beyond the venues' precision: truncate
        r.m_ /= 10;
        --r.s_;
    }
    return r;
}

std::strong_ordering operator<=>(const sim_decimal& a, const sim_decimal& b) noexcept {
    const int s = std::max(a.s_, b.s_);
    const sim_int128 x = a.m_ * pow10(s - a.s_);
    const sim_int128 y = b.m_ * pow10(s - b.s_);
    return x < y ? std::strong_ordering::less
                 : (x > y ? std::strong_ordering::greater : std::strong_ordering::equal);
}

// ---------------------------------------------------------------------------------------------

sim_accounts_result parse_sim_accounts(std::string_view toml_text, const std::string& name) {
    sim_accounts_result r;
    auto parsed = config_file::parse_toml(toml_text, name);
    if (!parsed.ok()) {
        r.error = "--accounts " + parsed.error; // "--accounts <path>:<line>: <reason>"
        return r;
    }
    const toml::table t = std::move(parsed.table);
    const auto* list = t["account"].as_array();
    if (list == nullptr || list->empty()) {
        r.error = "--accounts " + name + ": no [[account]] table";
        return r;
    }
    for (std::size_t i = 0; i < list->size(); ++i) {
        const auto where = "--accounts " + name + ": account " + std::to_string(i + 1) + ": ";
        const auto* a = (*list)[i].as_table();
        if (a == nullptr) {
            r.error = where + "not a table";
            return r;
        }
        sim_account_config c;
        for (const auto& [k, v] : *a) {
            const std::string_view key = k.str();
            if (key != "api_key" && key != "secret" && key != "ed25519_public_key" &&
                key != "passphrase" && key != "balances" && key != "taker_fee_bps" &&
                key != "maker_fee_bps") {
                r.error = where + "unknown field '" + std::string(key) +
                          "' (api_key, secret, ed25519_public_key, passphrase, balances, "
                          "taker_fee_bps, maker_fee_bps)";
                return r;
            }
        }
        const auto text = [&](std::string_view field, bool required, std::string& out) -> bool {
            const auto n = (*a)[field];
            if (!n) {
                if (required) {
                    r.error = where + std::string(field) + " is required";
                }
                return !required;
            }
            const auto* s = n.as_string();
            if (s == nullptr || s->get().empty()) {
                r.error = where + std::string(field) + " must be a non-empty string";
                return false;
            }
            out = s->get();
            return true;
        };
        std::string secret;
        std::string passphrase;
        if (!text("api_key", true, c.api_key) || !text("secret", false, secret) ||
            !text("ed25519_public_key", false, c.ed25519_public_pem) ||
            !text("passphrase", false, passphrase)) {
            return r;
        }
        if (secret.empty() == c.ed25519_public_pem.empty()) {
            r.error = where + "needs exactly one of secret (HMAC) or ed25519_public_key (PEM)";
            return r;
        }
        if (!c.ed25519_public_pem.empty() &&
            c.ed25519_public_pem.find("-----BEGIN PUBLIC KEY-----") == std::string::npos) {
            r.error =
                where + "ed25519_public_key is not a PEM public key (-----BEGIN PUBLIC KEY-----)";
            return r;
        }
        c.secret = secret_text(std::move(secret));
        c.passphrase = secret_text(std::move(passphrase));
        for (const auto& other : r.accounts) {
            if (other.api_key == c.api_key) {
                r.error = where + "api_key repeats account " +
                          std::to_string(&other - r.accounts.data() + 1) + "'s";
                return r;
            }
        }
        if (const auto n = (*a)["balances"]; n) {
            const auto* b = n.as_table();
            if (b == nullptr) {
                r.error = where + "balances must be a table (balances = { USDT = \"100000\" })";
                return r;
            }
            for (const auto& [asset, amount] : *b) {
                const auto* s = amount.as_string();
                const auto d = s ? sim_decimal::parse(s->get()) : std::nullopt;
                if (!d || d->negative()) {
                    r.error = where + "balances." + std::string(asset.str()) +
                              " must be a non-negative decimal string (\"100000\")";
                    return r;
                }
                c.balances.emplace_back(std::string(asset.str()), *d);
            }
        }
        for (auto [field, out] : {std::pair{"taker_fee_bps", &c.taker_fee_bps},
                                  std::pair{"maker_fee_bps", &c.maker_fee_bps}}) {
            const auto n = (*a)[field];
            if (!n) {
                continue;
            }
            std::optional<sim_decimal> d;
            if (const auto* s = n.as_string()) {
                d = sim_decimal::parse(s->get());
            } else if (const auto* v = n.as_integer()) {
                d = sim_decimal::from_int(v->get());
            } else if (const auto* f = n.as_floating_point()) {
                std::ostringstream os;
                os << f->get();
                d = sim_decimal::parse(os.str());
            }
            if (!d || *d < sim_decimal::from_int(-100) || *d > sim_decimal::from_int(1000)) {
                r.error = where + std::string(field) +
                          " must be a number of basis points in [-100, 1000]";
                return r;
            }
            *out = *d;
        }
        r.accounts.push_back(std::move(c));
    }
    return r;
}

sim_accounts_result load_sim_accounts(const std::string& path) {
    const auto text = config_file::read_text(path);
    if (!text.ok()) {
        sim_accounts_result r;
        r.error = "--accounts " + text.error;
        return r;
    }
    return parse_sim_accounts(text.text, path);
}

} // namespace ballast::exec
