#include "book/fixed_u256.hpp"

#include <algorithm>

namespace ballast {

namespace {

using limb = std::uint64_t;

struct limb_divmod {
    limb quotient;
    limb remainder;
};

// (hi:lo) / d for hi < d, so the quotient fits in one limb. x86-64's DIV does exactly this in
// one instruction; the portable form calls the compiler's 128-bit division.
inline limb_divmod div_2by1(limb hi, limb lo, limb d) noexcept {
#if defined(__x86_64__)
    limb q;
    limb r;
    __asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(d) : "cc");
    return {q, r};
#else
    const uint128 n = (static_cast<uint128>(hi) << 64) | lo;
    return {static_cast<limb>(n / d), static_cast<limb>(n % d)};
#endif
}

// Significant limbs of x[0..n): the index past the most significant non-zero limb.
inline unsigned used_limbs(const limb* x, unsigned n) noexcept {
    while (n > 0 && x[n - 1] == 0) {
        --n;
    }
    return n;
}

// q[0..m) = u[0..m) / d; returns the remainder.
limb divmod_1(const limb* u, unsigned m, limb d, limb* q) noexcept {
    limb rem = 0;
    for (unsigned j = m; j-- > 0;) {
        const auto qr = div_2by1(rem, u[j], d);
        q[j] = qr.quotient;
        rem = qr.remainder;
    }
    return rem;
}

// Division by a two-limb divisor without a DIV per quotient limb: Möller and Granlund,
// "Improved division by invariant integers" (IEEE TC 2011), algorithms 5 and 6. Swap-math
// divisors are mostly sqrt prices and liquidities below 2^128.

// floor((2^192 - 1) / (d1:d0)) - 2^64 for a normalised d1 (high bit set).
limb reciprocal_3by2(limb d1, limb d0) noexcept {
    limb v = div_2by1(~d1, ~limb{0}, d1).quotient; // floor((2^128 - 1) / d1) - 2^64
    limb p = d1 * v + d0;
    if (p < d0) {
        --v;
        if (p >= d1) {
            --v;
            p -= d1;
        }
        p -= d1;
    }
    const uint128 t = static_cast<uint128>(v) * d0;
    const auto t1 = static_cast<limb>(t >> 64);
    const auto t0 = static_cast<limb>(t);
    p += t1;
    if (p < t1) {
        --v;
        if (p > d1 || (p == d1 && t0 >= d0)) {
            --v;
        }
    }
    return v;
}

// (u2:u1:u0) / (d1:d0) for (u2:u1) < (d1:d0): the quotient limb; the remainder in u1:u0.
limb div_3by2(limb u2, limb& u1, limb& u0, limb d1, limb d0, limb v) noexcept {
    uint128 q = static_cast<uint128>(v) * u2;
    q += (static_cast<uint128>(u2) << 64) | u1;
    auto q1 = static_cast<limb>(q >> 64);
    const auto q0 = static_cast<limb>(q);
    const limb r1 = u1 - q1 * d1;
    const uint128 t = static_cast<uint128>(d0) * q1;
    const uint128 d = (static_cast<uint128>(d1) << 64) | d0;
    uint128 r = ((static_cast<uint128>(r1) << 64) | u0) - t - d;
    ++q1;
    if (static_cast<limb>(r >> 64) >= q0) {
        --q1;
        r += d;
    }
    if (r >= d) {
        ++q1;
        r -= d;
    }
    u1 = static_cast<limb>(r >> 64);
    u0 = static_cast<limb>(r);
    return q1;
}

// q[0..m-2] = u / v for a two-limb v (v[1] != 0), m >= 2; whether the remainder is non-zero.
bool divmod_2(const limb* u, unsigned m, const limb* v, limb* q) noexcept {
    const unsigned s = static_cast<unsigned>(__builtin_clzll(v[1]));
    const limb d1 = s == 0 ? v[1] : (v[1] << s) | (v[0] >> (64 - s));
    const limb d0 = v[0] << s;
    const limb inv = reciprocal_3by2(d1, d0);
    // The dividend shifted by s, read limb by limb from the top; u2 < d1 always holds.
    auto shifted = [&](unsigned i) { // limb i of u << s, for i in [0, m]
        const limb hi = i < m ? u[i] : 0;
        const limb lo = i > 0 ? u[i - 1] : 0;
        return s == 0 ? hi : (hi << s) | (lo >> (64 - s));
    };
    limb r1 = shifted(m);
    limb r0 = shifted(m - 1);
    for (unsigned j = m - 1; j-- > 0;) {
        limb next = shifted(j);
        const limb top = r1;
        r1 = r0;
        q[j] = div_3by2(top, r1, next, d1, d0, inv);
        r0 = next;
    }
    return (r1 | r0) != 0;
}

// Knuth's algorithm D (TAOCP 4.3.1) on 64-bit limbs: q[0..m-n] = u / v and whether the
// remainder is non-zero, for m >= n >= 2, v[n-1] != 0, m <= 8.
bool divmod_knuth(const limb* u, unsigned m, const limb* v, unsigned n, limb* q) noexcept {
    // D1: normalise so that the divisor's top limb has its high bit set; the quotient is the
    // same and the remainder is shifted by s.
    const unsigned s = static_cast<unsigned>(__builtin_clzll(v[n - 1]));
    auto shl = [s](limb hi, limb lo) { return s == 0 ? hi : (hi << s) | (lo >> (64 - s)); };
    limb vn[8];
    limb un[9];
    for (unsigned i = n - 1; i > 0; --i) {
        vn[i] = shl(v[i], v[i - 1]);
    }
    vn[0] = v[0] << s;
    un[m] = s == 0 ? 0 : u[m - 1] >> (64 - s);
    for (unsigned i = m - 1; i > 0; --i) {
        un[i] = shl(u[i], u[i - 1]);
    }
    un[0] = u[0] << s;
    const limb v_top = vn[n - 1];
    const limb v_next = vn[n - 2];
    for (unsigned j = m - n + 1; j-- > 0;) {
        // D3: estimate q from the top two limbs (un[j+n] <= v_top holds), then correct it with
        // the next limb; the estimate is then at most one too large.
        limb qhat;
        limb rhat;
        bool rhat_overflow = false;
        if (un[j + n] >= v_top) {
            qhat = ~limb{0};
            const limb sum = un[j + n - 1] + v_top; // rhat = u_top*b + u_next - (b-1)*v_top
            rhat_overflow = sum < v_top;
            rhat = sum;
        } else {
            const auto qr = div_2by1(un[j + n], un[j + n - 1], v_top);
            qhat = qr.quotient;
            rhat = qr.remainder;
        }
        while (!rhat_overflow && static_cast<uint128>(qhat) * v_next >
                                     ((static_cast<uint128>(rhat) << 64) | un[j + n - 2])) {
            --qhat;
            const limb sum = rhat + v_top;
            rhat_overflow = sum < rhat;
            rhat = sum;
        }
        // D4: un[j..j+n] -= qhat * vn.
        limb mul_carry = 0;
        limb borrow = 0;
        for (unsigned i = 0; i < n; ++i) {
            const uint128 p = static_cast<uint128>(qhat) * vn[i] + mul_carry;
            mul_carry = static_cast<limb>(p >> 64);
            const limb p_lo = static_cast<limb>(p);
            const limb d = un[i + j] - p_lo;
            const limb out = d - borrow;
            borrow = static_cast<limb>(un[i + j] < p_lo) | static_cast<limb>(d < borrow);
            un[i + j] = out;
        }
        const limb d = un[j + n] - mul_carry;
        const limb out = d - borrow;
        const bool negative = (un[j + n] < mul_carry) || (d < borrow);
        un[j + n] = out;
        // D5/D6: the estimate was one too large: add the divisor back.
        if (negative) {
            --qhat;
            limb carry = 0;
            for (unsigned i = 0; i < n; ++i) {
                const uint128 sum = static_cast<uint128>(un[i + j]) + vn[i] + carry;
                un[i + j] = static_cast<limb>(sum);
                carry = static_cast<limb>(sum >> 64);
            }
            un[j + n] += carry;
        }
        q[j] = qhat;
    }
    limb rest = 0;
    for (unsigned i = 0; i < n; ++i) {
        rest |= un[i];
    }
    return rest != 0;
}

// floor(u / d), rounded up when asked and the division leaves a remainder, for a dividend of
// `m` limbs and a divisor of `nd` (at most 8 each); nullopt when d == 0 or the quotient does not
// fit in 256 bits. A power of two (Q96) is a shift, a one-limb divisor (the fee denominator) a
// short division.
std::optional<fixed_u256> divide(const limb* u, unsigned m, const limb* d, unsigned nd,
                                 bool round_up) noexcept {
    const unsigned n = used_limbs(d, nd);
    if (n == 0) {
        return std::nullopt;
    }
    m = used_limbs(u, m);
    limb q[8] = {};
    bool remainder = false;
    if (m < n) {
        remainder = m != 0;
    } else if (n == 1) {
        remainder = divmod_1(u, m, d[0], q) != 0;
    } else if ((d[n - 1] & (d[n - 1] - 1)) == 0 && used_limbs(d, n - 1) == 0) {
        const unsigned shift = 64 * (n - 1) + 63 - static_cast<unsigned>(__builtin_clzll(d[n - 1]));
        const unsigned whole = shift / 64;
        const unsigned bits = shift % 64;
        for (unsigned i = 0; i < whole; ++i) {
            remainder = remainder || u[i] != 0;
        }
        remainder = remainder || (bits != 0 && (u[whole] << (64 - bits)) != 0);
        for (unsigned i = 0; i + whole < m; ++i) {
            q[i] = u[i + whole] >> bits;
            if (bits != 0 && i + whole + 1 < m) {
                q[i] |= u[i + whole + 1] << (64 - bits);
            }
        }
    } else if (n == 2) {
        remainder = divmod_2(u, m, d, q);
    } else {
        remainder = divmod_knuth(u, m, d, n, q);
    }
    if ((q[4] | q[5] | q[6] | q[7]) != 0) {
        return std::nullopt;
    }
    fixed_u256 result{q[3], q[2], q[1], q[0]};
    if (round_up && remainder) {
        result = result + fixed_u256{1};
        if (result.is_zero()) { // wrapped past 2^256
            return std::nullopt;
        }
    }
    return result;
}

std::optional<fixed_u256> mul_div_impl(const fixed_u256& a, const fixed_u256& b,
                                       const fixed_u256& d, bool round_up) noexcept {
    // The product over the significant limbs only: swap-math operands are mostly 2-3 limbs.
    const unsigned na = used_limbs(a.limb.data(), 4);
    const unsigned nb = used_limbs(b.limb.data(), 4);
    limb p[8] = {};
    for (unsigned i = 0; i < na; ++i) {
        limb carry = 0;
        for (unsigned j = 0; j < nb; ++j) {
            const uint128 t = static_cast<uint128>(a.limb[i]) * b.limb[j] + p[i + j] + carry;
            p[i + j] = static_cast<limb>(t);
            carry = static_cast<limb>(t >> 64);
        }
        p[i + nb] = carry;
    }
    return divide(p, na + nb, d.limb.data(), 4, round_up);
}

} // namespace

std::optional<fixed_u256> mul_div(const fixed_u256& a, const fixed_u256& b,
                                  const fixed_u256& d) noexcept {
    return mul_div_impl(a, b, d, false);
}

std::optional<fixed_u256> mul_div_rounding_up(const fixed_u256& a, const fixed_u256& b,
                                              const fixed_u256& d) noexcept {
    return mul_div_impl(a, b, d, true);
}

fixed_u256 div_floor(const fixed_u256& x, const fixed_u256& d) noexcept {
    return divide(x.limb.data(), 4, d.limb.data(), 4, false).value_or(fixed_u256{});
}

fixed_u256 div_rounding_up(const fixed_u256& x, const fixed_u256& d) noexcept {
    // ceil(x/d) <= x, so rounding up never wraps.
    return divide(x.limb.data(), 4, d.limb.data(), 4, true).value_or(fixed_u256{});
}

std::optional<fixed_u256> div_wide(const fixed_u512& x, const fixed_u512& d,
                                   bool round_up) noexcept {
    return divide(x.limb.data(), 8, d.limb.data(), 8, round_up);
}

static_assert(sizeof(boost::multiprecision::limb_type) == sizeof(limb),
              "Boost.Multiprecision limbs are expected to be 64-bit");

fixed_u256 to_fixed(const u256& v) noexcept {
    const auto& b = v.backend();
    const auto size = std::min<std::size_t>(b.size(), 4);
    fixed_u256 r;
    for (std::size_t i = 0; i < size; ++i) {
        r.limb[i] = b.limbs()[i];
    }
    return r;
}

u256 to_u256(const fixed_u256& v) noexcept {
    u256 r;
    auto& b = r.backend();
    b.resize(4, 4);
    for (unsigned i = 0; i < 4; ++i) {
        b.limbs()[i] = v.limb[i];
    }
    b.normalize();
    return r;
}

} // namespace ballast
