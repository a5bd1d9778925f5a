#include "exec/gateway_okx.hpp"

#include "exec/signing.hpp"

#include <simdjson.h>

#include <charconv>

namespace ballast::exec {

namespace {

void field(text_writer& w, std::string_view key, std::string_view value, bool first = false) {
    if (!first) {
        w.put(',');
    }
    w.put('"');
    w.put(key);
    w.put("\":\"");
    w.put(value);
    w.put('"');
}

void open_op(text_writer& w, std::uint64_t request_id, std::string_view op,
             const instrument_spec& spec) {
    w.put("{\"id\":\"");
    w.put_uint(request_id);
    w.put("\",\"op\":\"");
    w.put(op);
    w.put("\",\"args\":[{");
    field(w, "instId", spec.symbol, true);
}

bool usable(const instrument_spec* spec, const wire_order_id& wire) noexcept {
    return spec != nullptr && wire.size != 0 && json_plain_text(spec->symbol);
}

std::string bad_field(std::string_view key, std::string_view value, std::string_view why) {
    return "okx: orders field '" + std::string(key) + "' value '" + std::string(value) +
           "': " + std::string(why);
}

const instrument_spec* no_lookup(const void*, std::string_view) {
    return nullptr;
}

} // namespace

std::string_view okx_trade_mode(const instrument_spec& spec) noexcept {
    return spec.kind == instrument_kind::spot ? "cash" : "cross";
}

bool okx_outcome_unknown(std::int64_t code) noexcept {
    return code == 50004 || code == 50026;
}

bool okx_rate_limited(std::int64_t code) noexcept {
    return code == 50011 || code == 50061;
}

bool okx_request_encoder::order(const order_request& r, std::uint64_t request_id,
                                text_writer& out) noexcept {
    if (!usable(r.spec, r.wire_id) || r.quantity.value() <= 0 ||
        (r.type == order_type::limit && r.limit.value() <= 0)) {
        return false;
    }
    open_op(out, request_id, "order", *r.spec);
    field(out, "tdMode", okx_trade_mode(*r.spec));
    field(out, "clOrdId", r.wire_id.view());
    field(out, "side", r.order_side == side::bid ? "buy" : "sell");
    // "Place order": ordType market, limit, post_only, fok, ioc (the time in force is the type).
    std::string_view type = "market";
    if (r.type == order_type::limit) {
        type = r.tif == order_tif::gtc   ? "limit"
               : r.tif == order_tif::ioc ? "ioc"
               : r.tif == order_tif::fok ? "fok"
                                         : "post_only";
    }
    field(out, "ordType", type);
    decimal_buffer b{};
    field(out, "sz", {b.data(), format_steps(r.quantity.value(), r.spec->lot, true, b)});
    if (r.type == order_type::limit) {
        field(out, "px", {b.data(), format_steps(r.limit.value(), r.spec->tick, true, b)});
    } else if (r.spec->kind == instrument_kind::spot) {
        field(out, "tgtCcy", "base_ccy"); // a spot market buy's sz is in the quote otherwise
    }
    out.put("}]}");
    return !out.overflow;
}

bool okx_request_encoder::cancel(const cancel_request& r, std::uint64_t request_id,
                                 text_writer& out) noexcept {
    if (!usable(r.spec, r.wire_id)) {
        return false;
    }
    open_op(out, request_id, "cancel-order", *r.spec);
    field(out, "clOrdId", r.wire_id.view());
    out.put("}]}");
    return !out.overflow;
}

bool okx_request_encoder::amend(const amend_request& r, std::uint64_t request_id,
                                text_writer& out) noexcept {
    if (!usable(r.spec, r.wire_id) || (r.quantity.value() <= 0 && r.limit.value() <= 0)) {
        return false;
    }
    open_op(out, request_id, "amend-order", *r.spec);
    field(out, "clOrdId", r.wire_id.view());
    decimal_buffer b{};
    if (r.quantity.value() > 0) {
        field(out, "newSz", {b.data(), format_steps(r.quantity.value(), r.spec->lot, true, b)});
    }
    if (r.limit.value() > 0) {
        field(out, "newPx", {b.data(), format_steps(r.limit.value(), r.spec->tick, true, b)});
    }
    out.put("}]}");
    return !out.overflow;
}

std::string okx_request_encoder::login(std::string_view api_key, std::string_view passphrase,
                                       std::string_view secret, std::string_view unix_seconds) {
    return "{\"op\":\"login\",\"args\":[{\"apiKey\":\"" + std::string(api_key) +
           "\",\"passphrase\":\"" + std::string(passphrase) + "\",\"timestamp\":\"" +
           std::string(unix_seconds) + "\",\"sign\":\"" +
           okx_signature(secret, unix_seconds, "GET", "/users/self/verify", "") + "\"}]}";
}

okx_decode_result okx_decode_orders(std::string_view text, std::uint64_t journal_tag,
                                    venue_id venue,
                                    const instrument_spec* (*lookup)(const void*, std::string_view),
                                    const void* ctx) {
    okx_decode_result out;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(text.data(), text.size(), true).get(doc) != simdjson::SUCCESS) {
        out.error = "okx: private frame is not JSON";
        return out;
    }
    if (lookup == nullptr) {
        lookup = no_lookup;
    }
    simdjson::dom::element arg;
    if (doc["arg"].get(arg) != simdjson::SUCCESS || json_text(arg, "channel") != "orders" ||
        doc["event"].error() == simdjson::SUCCESS) {
        return out; // op replies, events, other channels
    }
    simdjson::dom::array data;
    if (doc["data"].get_array().get(data) != simdjson::SUCCESS) {
        out.error = "okx: orders push without a 'data' array";
        return out;
    }
    for (simdjson::dom::element d : data) {
        okx_order_item it;
        it.inst_id = std::string(json_text(d, "instId"));
        it.wire_id = std::string(json_text(d, "clOrdId"));
        it.state = std::string(json_text(d, "state"));
        exec_report& r = it.report;
        r.venue = venue;
        r.id = parse_wire_order_id(journal_tag, it.wire_id);
        r.venue_time = timestamp_ns{parse_int_text(json_text(d, "uTime"), 0) * 1'000'000};
        const instrument_spec* spec = lookup(ctx, it.inst_id);
        if (spec == nullptr) {
            out.error =
                "okx: orders push for instId '" + it.inst_id + "' the gateway does not know";
            return out;
        }
        const auto cum = spec->parse_qty(json_text(d, "accFillSz"));
        if (!cum.ok()) {
            out.error = bad_field("accFillSz", json_text(d, "accFillSz"), to_string(cum.error));
            return out;
        }
        r.cum_qty = cum.value;
        const std::string_view st = it.state;
        if (st == "live") {
            r.state = order_state::acknowledged;
        } else if (st == "partially_filled") {
            r.state = order_state::partially_filled;
        } else if (st == "filled") {
            r.state = order_state::filled;
        } else if (st == "canceled" || st == "mmp_canceled") {
            r.state = order_state::canceled;
        } else {
            out.error = bad_field("state", st, "not an order state");
            return out;
        }
        const std::string_view trade_id = json_text(d, "tradeId");
        const std::string_view fill_sz = json_text(d, "fillSz");
        if (!trade_id.empty() && !fill_sz.empty() && fill_sz != "0") {
            const auto q = spec->parse_qty(fill_sz);
            if (!q.ok()) {
                out.error = bad_field("fillSz", fill_sz, to_string(q.error));
                return out;
            }
            const auto px = spec->parse_price(json_text(d, "fillPx"));
            if (!px.ok()) {
                out.error = bad_field("fillPx", json_text(d, "fillPx"), to_string(px.error));
                return out;
            }
            const std::string_view fee_text =
                json_text(d, "fillFee").empty() ? json_text(d, "fee") : json_text(d, "fillFee");
            double fee = 0.0;
            const auto [end, ec] =
                std::from_chars(fee_text.data(), fee_text.data() + fee_text.size(), fee);
            if (ec != std::errc{} || end != fee_text.data() + fee_text.size()) {
                out.error = bad_field("fee", fee_text, "not a number");
                return out;
            }
            r.kind = exec_kind::fill;
            r.last_qty = q.value;
            r.last_px = px.value;
            r.set_trade_id(trade_id);
            const double price_d = spec->to_double(px.value);
            r.notional_quote = spec->to_double(q.value) * price_d;
            // OKX writes a charged fee as a negative number ("fee": "-0.01"), a rebate positive.
            const std::string_view ccy = json_text(d, "fillFeeCcy").empty()
                                             ? json_text(d, "feeCcy")
                                             : json_text(d, "fillFeeCcy");
            if (ccy == spec->base) {
                r.fee_quote = -fee * price_d;
            } else {
                r.fee_quote = -fee;
            }
        } else if (json_text(d, "amendResult") == "0") {
            r.kind = exec_kind::amended;
        } else if (r.state == order_state::canceled) {
            r.kind = exec_kind::canceled;
        } else if (r.state == order_state::acknowledged) {
            r.kind = exec_kind::ack;
        } else {
            r.kind = exec_kind::status;
        }
        out.items.push_back(std::move(it));
    }
    return out;
}

std::optional<okx_op_reply> okx_decode_op_reply(std::string_view text) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(text.data(), text.size(), true).get(doc) != simdjson::SUCCESS) {
        return std::nullopt;
    }
    okx_op_reply r;
    r.op = std::string(json_text(doc, "op"));
    const std::string_view id = json_text(doc, "id");
    if (r.op.empty() || id.empty()) {
        return std::nullopt;
    }
    r.request_id = static_cast<std::uint64_t>(parse_int_text(id, 0));
    r.code = parse_int_text(json_text(doc, "code"), -1);
    r.msg = std::string(json_text(doc, "msg"));
    simdjson::dom::array data;
    if (doc["data"].get_array().get(data) == simdjson::SUCCESS && data.size() > 0) {
        simdjson::dom::element d = data.at(0);
        const std::int64_t s = parse_int_text(json_text(d, "sCode"), r.code);
        if (s != 0 || r.code == 0) {
            r.code = s;
            r.msg = std::string(json_text(d, "sMsg"));
        }
    }
    return r;
}

} // namespace ballast::exec
