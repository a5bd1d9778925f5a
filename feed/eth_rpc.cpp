#include "feed/eth_rpc.hpp"

#include <array>

namespace ballast::feed {

namespace {

using simdjson::ondemand::json_type;
using simdjson::ondemand::object;
using simdjson::ondemand::value;

// Hex digit values, -1 for anything else: one load per character on the decode path.
constexpr std::array<std::int8_t, 256> hex_table = [] {
    std::array<std::int8_t, 256> t{};
    for (auto& v : t) {
        v = -1;
    }
    for (int c = '0'; c <= '9'; ++c) {
        t[static_cast<std::size_t>(c)] = static_cast<std::int8_t>(c - '0');
    }
    for (int c = 'a'; c <= 'f'; ++c) {
        t[static_cast<std::size_t>(c)] = static_cast<std::int8_t>(c - 'a' + 10);
        t[static_cast<std::size_t>(c - 'a' + 'A')] = static_cast<std::int8_t>(c - 'a' + 10);
    }
    return t;
}();

int hex_digit(char c) noexcept {
    return hex_table[static_cast<unsigned char>(c)];
}

// Decodes 2 * out.size() hex digits; false on any non-hex digit.
bool decode_hex(const char* in, std::span<std::uint8_t> out) noexcept {
    int bad = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
        const int hi = hex_digit(in[2 * i]);
        const int lo = hex_digit(in[2 * i + 1]);
        bad |= hi | lo; // any -1 sets the sign bit
        out[i] = static_cast<std::uint8_t>((hi << 4) | (lo & 0xf));
    }
    return bad >= 0;
}

bool strip_0x(std::string_view& hex) noexcept {
    if (hex.size() < 2 || hex[0] != '0' || (hex[1] != 'x' && hex[1] != 'X')) {
        return false;
    }
    hex.remove_prefix(2);
    return true;
}

// Fields of a log or a head, in whatever order the node writes them.
struct result_fields {
    bool has_log_index = false;
    bool has_topics = false;
    bool has_address = false;
    bool has_data = false;
    bool has_block_number = false;
    bool has_number = false;
    bool has_hash = false;
    bool has_parent_hash = false;
};

// Decodes one log or head object into `log` / `head`; returns the first error.
struct object_decoder {
    eth_log& log;
    eth_head& head;
    result_fields seen{};

    eth_error fail(eth_error e, std::string_view field) {
        if (log.error == eth_error::ok) {
            log.error = e;
            log.error_field = field;
        }
        return e;
    }

    eth_error bytes(value v, std::string_view field, std::span<std::uint8_t> out) {
        std::string_view s;
        if (v.get_string().get(s) != simdjson::SUCCESS || !parse_hex_bytes(s, out)) {
            return fail(eth_error::bad_hex, field);
        }
        return eth_error::ok;
    }

    eth_error quantity(value v, std::string_view field, std::uint64_t& out) {
        std::string_view s;
        if (v.get_string().get(s) != simdjson::SUCCESS) {
            return fail(eth_error::bad_quantity, field);
        }
        const auto q = parse_hex_quantity(s);
        if (!q) {
            return fail(eth_error::bad_quantity, field);
        }
        out = *q;
        return eth_error::ok;
    }

    eth_error decode(object obj) {
        for (auto field : obj) {
            std::string_view key;
            if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
                return fail(eth_error::json, "key");
            }
            value v;
            if (field.value().get(v) != simdjson::SUCCESS) {
                return fail(eth_error::json, "value");
            }
            eth_error e = eth_error::ok;
            std::uint64_t q = 0;
            if (key == "address") {
                seen.has_address = true;
                e = bytes(v, "address", log.address);
            } else if (key == "topics") {
                seen.has_topics = true;
                e = topics(v);
            } else if (key == "data") {
                seen.has_data = true;
                e = data(v);
            } else if (key == "blockNumber") {
                seen.has_block_number = true;
                e = quantity(v, "blockNumber", log.block_number);
            } else if (key == "blockHash") {
                e = bytes(v, "blockHash", log.block_hash);
            } else if (key == "transactionHash") {
                e = bytes(v, "transactionHash", log.tx_hash);
            } else if (key == "transactionIndex") {
                e = quantity(v, "transactionIndex", q);
                log.tx_index = static_cast<std::uint32_t>(q);
                if (e == eth_error::ok && q > UINT32_MAX) {
                    e = fail(eth_error::bad_quantity, "transactionIndex");
                }
            } else if (key == "logIndex") {
                seen.has_log_index = true;
                e = quantity(v, "logIndex", q);
                log.log_index = static_cast<std::uint32_t>(q);
                if (e == eth_error::ok && q > UINT32_MAX) {
                    e = fail(eth_error::bad_quantity, "logIndex");
                }
            } else if (key == "removed") {
                if (v.get_bool().get(log.removed) != simdjson::SUCCESS) {
                    e = fail(eth_error::json, "removed");
                }
            } else if (key == "number") {
                seen.has_number = true;
                e = quantity(v, "number", head.number);
            } else if (key == "hash") {
                seen.has_hash = true;
                e = bytes(v, "hash", head.hash);
            } else if (key == "parentHash") {
                seen.has_parent_hash = true;
                e = bytes(v, "parentHash", head.parent_hash);
            }
            // A bad field is recorded (first one wins) and the rest of the object is still
            // read, so the message around it stays parseable.
            (void)e;
        }
        return log.error;
    }

    eth_error topics(value v) {
        simdjson::ondemand::array arr;
        if (v.get_array().get(arr) != simdjson::SUCCESS) {
            return fail(eth_error::json, "topics");
        }
        log.topic_count = 0;
        for (auto t : arr) {
            if (log.topic_count == 4) {
                return fail(eth_error::too_many_topics, "topics");
            }
            std::string_view s;
            if (t.get_string().get(s) != simdjson::SUCCESS ||
                !parse_hex_bytes(s, log.topics[log.topic_count])) {
                return fail(eth_error::bad_hex, "topics");
            }
            ++log.topic_count;
        }
        return eth_error::ok;
    }

    eth_error data(value v) {
        std::string_view s;
        if (v.get_string().get(s) != simdjson::SUCCESS || !strip_0x(s) || s.size() % 2 != 0) {
            return fail(eth_error::bad_hex, "data");
        }
        const std::size_t n = s.size() / 2;
        if (n % 32 != 0 || n > eth_log_max_data) {
            return fail(eth_error::bad_data, "data");
        }
        if (!decode_hex(s.data(), std::span<std::uint8_t>(log.data.data(), n))) {
            return fail(eth_error::bad_hex, "data");
        }
        log.data_size = static_cast<std::uint16_t>(n);
        return eth_error::ok;
    }
};

// Checks a decoded log has everything a pool update needs.
void require_log_fields(eth_log& log, const result_fields& seen) {
    if (log.error != eth_error::ok) {
        return;
    }
    const char* missing = !seen.has_address        ? "address"
                          : !seen.has_topics       ? "topics"
                          : !seen.has_data         ? "data"
                          : !seen.has_block_number ? "blockNumber"
                          : !seen.has_log_index    ? "logIndex"
                                                   : nullptr;
    if (missing != nullptr) {
        log.error = eth_error::missing_field;
        log.error_field = missing;
    }
}

} // namespace

std::string_view to_string(eth_error e) noexcept {
    switch (e) {
    case eth_error::ok:
        return "ok";
    case eth_error::json:
        return "malformed JSON-RPC";
    case eth_error::missing_field:
        return "missing field";
    case eth_error::bad_hex:
        return "malformed hex";
    case eth_error::bad_quantity:
        return "malformed quantity";
    case eth_error::too_many_topics:
        return "more than 4 topics";
    case eth_error::bad_data:
        return "log data not whole 32-byte words or too long";
    }
    return "unknown";
}

bool parse_hex_bytes(std::string_view hex, std::span<std::uint8_t> out) noexcept {
    if (!strip_0x(hex) || hex.size() != out.size() * 2) {
        return false;
    }
    return decode_hex(hex.data(), out);
}

std::optional<std::uint64_t> parse_hex_quantity(std::string_view hex) noexcept {
    // QUANTITY: compact, no leading zeros except "0x0".
    if (!strip_0x(hex) || hex.empty() || hex.size() > 16 || (hex.size() > 1 && hex[0] == '0')) {
        return std::nullopt;
    }
    std::uint64_t v = 0;
    for (const char c : hex) {
        const int d = hex_digit(c);
        if (d < 0) {
            return std::nullopt;
        }
        v = v * 16 + static_cast<std::uint64_t>(d);
    }
    return v;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s = "0x";
    s.reserve(2 + bytes.size() * 2);
    for (const auto b : bytes) {
        s += digits[b >> 4];
        s += digits[b & 0xf];
    }
    return s;
}

eth_rpc_decoder::eth_rpc_decoder(std::size_t log_capacity) {
    logs_.reserve(log_capacity);
}

eth_message eth_rpc_decoder::decode(std::string_view json) {
    eth_message m;
    buffer_.assign(json);
    buffer_.append(simdjson::SIMDJSON_PADDING, '\0');
    logs_.clear();
    auto fail = [&m](eth_error e, std::string_view field) {
        m.error = e;
        m.error_field = field;
        m.logs = {};
        return m;
    };
    simdjson::ondemand::document doc;
    if (parser_.iterate(buffer_.data(), json.size(), buffer_.size()).get(doc) !=
        simdjson::SUCCESS) {
        return fail(eth_error::json, "message");
    }
    object root;
    if (doc.get_object().get(root) != simdjson::SUCCESS) {
        return fail(eth_error::json, "message");
    }
    bool is_notification = false;
    bool has_result = false;
    auto decode_result_object = [&](object obj) -> bool {
        logs_.emplace_back();
        object_decoder d{logs_.back(), m.head};
        d.decode(obj);
        if (d.seen.has_log_index || d.seen.has_topics) {
            require_log_fields(logs_.back(), d.seen);
            m.kind = eth_message_kind::logs;
            return true;
        }
        const eth_error head_error = d.log.error;
        const std::string_view head_error_field = d.log.error_field;
        logs_.pop_back();
        if (d.seen.has_number && d.seen.has_hash) {
            if (head_error != eth_error::ok) {
                m.error = head_error;
                m.error_field = head_error_field;
                return false;
            }
            m.kind = eth_message_kind::head;
            return true;
        }
        m.kind = eth_message_kind::other;
        return true;
    };
    for (auto field : root) {
        std::string_view key;
        if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
            return fail(eth_error::json, "message");
        }
        value v;
        if (field.value().get(v) != simdjson::SUCCESS) {
            return fail(eth_error::json, key);
        }
        if (key == "method") {
            std::string_view method;
            if (v.get_string().get(method) != simdjson::SUCCESS) {
                return fail(eth_error::json, "method");
            }
            is_notification = method == "eth_subscription";
        } else if (key == "id") {
            std::int64_t id = -1;
            if (v.get_int64().get(id) == simdjson::SUCCESS) {
                m.id = id;
            }
        } else if (key == "params") {
            object params;
            if (v.get_object().get(params) != simdjson::SUCCESS) {
                return fail(eth_error::json, "params");
            }
            for (auto pf : params) {
                std::string_view pkey;
                value pv;
                if (pf.unescaped_key().get(pkey) != simdjson::SUCCESS ||
                    pf.value().get(pv) != simdjson::SUCCESS) {
                    return fail(eth_error::json, "params");
                }
                if (pkey == "subscription") {
                    if (pv.get_string().get(m.subscription) != simdjson::SUCCESS) {
                        return fail(eth_error::json, "params.subscription");
                    }
                } else if (pkey == "result") {
                    has_result = true;
                    object r;
                    if (pv.get_object().get(r) != simdjson::SUCCESS) {
                        return fail(eth_error::json, "params.result");
                    }
                    if (!decode_result_object(r)) {
                        return m;
                    }
                }
            }
        } else if (key == "result") {
            json_type t;
            if (v.type().get(t) != simdjson::SUCCESS) {
                return fail(eth_error::json, "result");
            }
            if (t == json_type::string) {
                if (v.get_string().get(m.subscription) != simdjson::SUCCESS) {
                    return fail(eth_error::json, "result");
                }
                m.kind = eth_message_kind::subscribed;
            } else if (t == json_type::array) {
                // eth_getLogs: every element a log; malformed ones are kept with their error.
                simdjson::ondemand::array arr;
                if (v.get_array().get(arr) != simdjson::SUCCESS) {
                    return fail(eth_error::json, "result");
                }
                m.kind = eth_message_kind::logs;
                for (auto el : arr) {
                    object o;
                    logs_.emplace_back();
                    eth_log& log = logs_.back();
                    if (el.get_object().get(o) != simdjson::SUCCESS) {
                        log.error = eth_error::json;
                        log.error_field = "result[]";
                        continue;
                    }
                    object_decoder d{log, m.head};
                    if (d.decode(o) == eth_error::json) {
                        return fail(eth_error::json, "result[]");
                    }
                    require_log_fields(log, d.seen);
                }
            } else if (t == json_type::object) {
                object r;
                if (v.get_object().get(r) != simdjson::SUCCESS || !decode_result_object(r)) {
                    return m.error == eth_error::ok ? fail(eth_error::json, "result") : m;
                }
            }
            has_result = true;
        } else if (key == "error") {
            object err;
            if (v.get_object().get(err) != simdjson::SUCCESS) {
                return fail(eth_error::json, "error");
            }
            m.kind = eth_message_kind::error;
            for (auto ef : err) {
                std::string_view ekey;
                value ev;
                if (ef.unescaped_key().get(ekey) != simdjson::SUCCESS ||
                    ef.value().get(ev) != simdjson::SUCCESS) {
                    return fail(eth_error::json, "error");
                }
                if (ekey == "message" && ev.get_string().get(m.rpc_error) != simdjson::SUCCESS) {
                    return fail(eth_error::json, "error.message");
                }
            }
        }
    }
    if (is_notification && !has_result) {
        return fail(eth_error::missing_field, "params.result");
    }
    m.logs = {logs_.data(), logs_.size()};
    return m;
}

} // namespace ballast::feed
