#include "feed/uniswap_events.hpp"

#include <algorithm>
#include <cstring>

namespace ballast::feed {

namespace {

using word = std::span<const std::uint8_t, 32>;

eth_hash topic_of(std::string_view hex) noexcept {
    eth_hash h{};
    const bool ok = parse_hex_bytes(hex, h);
    (void)ok; // compile-time constants above
    return h;
}

struct topic_table {
    eth_hash v2_sync = topic_of(uniswap_topics::v2_sync);
    eth_hash v2_swap = topic_of(uniswap_topics::v2_swap);
    eth_hash v3_swap = topic_of(uniswap_topics::v3_swap);
    eth_hash v3_mint = topic_of(uniswap_topics::v3_mint);
    eth_hash v3_burn = topic_of(uniswap_topics::v3_burn);
};
const topic_table& topics() noexcept {
    static const topic_table t;
    return t;
}

u256 to_word(word w) noexcept {
    u256 v = 0;
    for (int limb = 0; limb < 4; ++limb) {
        std::uint64_t x = 0;
        for (int b = 0; b < 8; ++b) {
            x = (x << 8) | w[static_cast<std::size_t>(limb * 8 + b)];
        }
        v = (v << 64) | x;
    }
    return v;
}

// The top `zero_bytes` bytes of an unsigned word of a narrower type must be zero.
bool high_zero(word w, std::size_t zero_bytes) noexcept {
    return std::all_of(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(zero_bytes),
                       [](std::uint8_t b) { return b == 0; });
}

// int24 in a word: two's complement, sign-extended through the top 29 bytes.
bool read_int24(word w, std::int32_t& out) noexcept {
    const bool negative = (w[29] & 0x80) != 0;
    const std::uint8_t fill = negative ? 0xff : 0x00;
    if (!std::all_of(w.begin(), w.begin() + 29, [fill](std::uint8_t b) { return b == fill; })) {
        return false;
    }
    std::int32_t v = (w[29] << 16) | (w[30] << 8) | w[31];
    if (negative) {
        v -= 1 << 24;
    }
    out = v;
    return true;
}

signed_amount read_int256(word w) noexcept {
    const u256 raw = to_word(w);
    if ((w[0] & 0x80) == 0) {
        return {raw, false};
    }
    return {~raw + 1, true}; // two's complement magnitude (2^255 for int256 min)
}

word data_word(const eth_log& log, std::size_t i) noexcept {
    return word(log.data.data() + 32 * i, 32);
}
word topic_word(const eth_log& log, std::size_t i) noexcept {
    return word(log.topics[i]);
}

} // namespace

std::string_view to_string(uniswap_event_kind k) noexcept {
    switch (k) {
    case uniswap_event_kind::v2_sync:
        return "v2 Sync";
    case uniswap_event_kind::v2_swap:
        return "v2 Swap";
    case uniswap_event_kind::v3_swap:
        return "v3 Swap";
    case uniswap_event_kind::v3_mint:
        return "v3 Mint";
    case uniswap_event_kind::v3_burn:
        return "v3 Burn";
    }
    return "unknown";
}

std::string_view to_string(event_error e) noexcept {
    switch (e) {
    case event_error::ok:
        return "ok";
    case event_error::unknown_topic:
        return "not a Uniswap pool event";
    case event_error::topic_count:
        return "wrong topic count";
    case event_error::data_length:
        return "wrong data length";
    case event_error::value_range:
        return "value out of range";
    }
    return "unknown";
}

event_result decode_uniswap_event(const eth_log& log) noexcept {
    event_result r;
    auto fail = [&r](event_error e, std::string_view field) {
        r.error = e;
        r.field = field;
        return r;
    };
    if (log.topic_count == 0) {
        return fail(event_error::unknown_topic, "topics");
    }
    const auto& t = topics();
    const eth_hash& t0 = log.topics[0];
    auto shape = [&](std::uint8_t want_topics, std::size_t want_words) {
        if (log.topic_count != want_topics) {
            fail(event_error::topic_count, "topics");
            return false;
        }
        if (log.data_size != want_words * 32) {
            fail(event_error::data_length, "data");
            return false;
        }
        return true;
    };
    auto& e = r.event;
    if (t0 == t.v2_sync) {
        e.kind = uniswap_event_kind::v2_sync;
        if (!shape(1, 2)) {
            return r;
        }
        if (!high_zero(data_word(log, 0), 18) || !high_zero(data_word(log, 1), 18)) {
            return fail(event_error::value_range, "data: reserve not uint112");
        }
        e.reserve0 = to_word(data_word(log, 0));
        e.reserve1 = to_word(data_word(log, 1));
        return r;
    }
    if (t0 == t.v2_swap) {
        e.kind = uniswap_event_kind::v2_swap;
        if (!shape(3, 4)) {
            return r;
        }
        if (!high_zero(topic_word(log, 1), 12) || !high_zero(topic_word(log, 2), 12)) {
            return fail(event_error::value_range, "topics: address with dirty high bytes");
        }
        e.amount0_in = to_word(data_word(log, 0));
        e.amount1_in = to_word(data_word(log, 1));
        e.amount0_out = to_word(data_word(log, 2));
        e.amount1_out = to_word(data_word(log, 3));
        return r;
    }
    if (t0 == t.v3_swap) {
        e.kind = uniswap_event_kind::v3_swap;
        if (!shape(3, 5)) {
            return r;
        }
        if (!high_zero(topic_word(log, 1), 12) || !high_zero(topic_word(log, 2), 12)) {
            return fail(event_error::value_range, "topics: address with dirty high bytes");
        }
        e.amount0 = read_int256(data_word(log, 0));
        e.amount1 = read_int256(data_word(log, 1));
        if (!high_zero(data_word(log, 2), 12)) {
            return fail(event_error::value_range, "data: sqrtPriceX96 not uint160");
        }
        e.sqrt_price_x96 = to_word(data_word(log, 2));
        if (!high_zero(data_word(log, 3), 16)) {
            return fail(event_error::value_range, "data: liquidity not uint128");
        }
        e.liquidity = to_u128(to_word(data_word(log, 3)));
        if (!read_int24(data_word(log, 4), e.tick)) {
            return fail(event_error::value_range, "data: tick not int24");
        }
        return r;
    }
    const bool mint = t0 == t.v3_mint;
    if (mint || t0 == t.v3_burn) {
        e.kind = mint ? uniswap_event_kind::v3_mint : uniswap_event_kind::v3_burn;
        // Mint data: sender, amount, amount0, amount1; Burn data: amount, amount0, amount1.
        if (!shape(4, mint ? 4 : 3)) {
            return r;
        }
        if (!high_zero(topic_word(log, 1), 12) || (mint && !high_zero(data_word(log, 0), 12))) {
            return fail(event_error::value_range, "address with dirty high bytes");
        }
        if (!read_int24(topic_word(log, 2), e.tick_lower)) {
            return fail(event_error::value_range, "topics: tickLower not int24");
        }
        if (!read_int24(topic_word(log, 3), e.tick_upper)) {
            return fail(event_error::value_range, "topics: tickUpper not int24");
        }
        const std::size_t at = mint ? 1 : 0;
        if (!high_zero(data_word(log, at), 16)) {
            return fail(event_error::value_range, "data: amount not uint128");
        }
        e.amount = to_u128(to_word(data_word(log, at)));
        return r;
    }
    return fail(event_error::unknown_topic, "topics[0]");
}

} // namespace ballast::feed
