#include "exec/dex_gateway.hpp"

#include "feed/spsc_ring.hpp"
#include "feed/uniswap_events.hpp"
#include "feed/ws_connection.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace ballast::exec {

namespace net = boost::asio;

namespace {

constexpr std::uint64_t transfer_gas = 21'000;

u256 pow10(int e) noexcept {
    u256 v = 1;
    for (int i = 0; i < e; ++i) {
        v *= 10;
    }
    return v;
}

std::string hex_quantity(std::uint64_t v) {
    char buf[24];
    const int n = std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return std::string(buf, static_cast<std::size_t>(n));
}

/// Ceil(v * (100 + pct) / 100), and always at least v + 1.
std::uint64_t bumped(std::uint64_t v, std::uint32_t pct) noexcept {
    const uint128 b = (static_cast<uint128>(v) * (100 + pct) + 99) / 100;
    const std::uint64_t r = b > UINT64_MAX ? UINT64_MAX : static_cast<std::uint64_t>(b);
    return r > v ? r : v + 1;
}

// The field lookups return results: a missing field is an error value here, never an exception.
using json_field = simdjson::simdjson_result<simdjson::dom::element>;

std::string_view text_of(json_field e) noexcept {
    std::string_view s;
    return e.get_string().get(s) == simdjson::SUCCESS ? s : std::string_view{};
}

std::string_view text_of(simdjson::dom::element e) noexcept {
    return text_of(json_field(std::move(e)));
}

bool quantity_of(json_field e, std::uint64_t& out) noexcept {
    const auto v = feed::parse_hex_quantity(text_of(std::move(e)));
    if (!v) {
        return false;
    }
    out = *v;
    return true;
}

bool quantity_of(simdjson::dom::element e, std::uint64_t& out) noexcept {
    return quantity_of(json_field(std::move(e)), out);
}

/// A 0x-hex byte string of any length up to `cap`; false when malformed or longer.
bool hex_bytes(std::string_view hex, std::uint8_t* out, std::size_t cap, std::size_t& n) noexcept {
    if (hex.size() < 2 || hex[0] != '0' || (hex[1] != 'x' && hex[1] != 'X') ||
        hex.size() % 2 != 0 || (hex.size() - 2) / 2 > cap) {
        return false;
    }
    n = (hex.size() - 2) / 2;
    return n == 0 || feed::parse_hex_bytes(hex, std::span<std::uint8_t>(out, n));
}

enum class cmd_kind : std::uint8_t { swap, cancel, query, reconcile };

/// Engine thread -> I/O thread. A swap carries its signed transaction (and the approve that
/// must precede it when the allowance was short).
struct dex_command {
    cmd_kind kind = cmd_kind::swap;
    client_order_id id{};
    std::uint16_t route = 0;
    side order_side = side::bid;
    qty quantity{0};
    bool has_approve = false;
    eip1559_tx approve;
    signed_tx approve_signed;
    eip1559_tx tx;
    signed_tx tx_signed;
};

enum class req_kind : std::uint8_t {
    chain_id,
    nonce,
    nonce_floor,
    subscribe,
    latest_block,
    fee_history,
    allowance,
    send_raw,
    receipt,
    revert_call,
};

struct pending_request {
    req_kind kind = req_kind::chain_id;
    std::size_t order = 0;   ///< tracked order index (send_raw, receipt, revert_call)
    std::size_t hash = 0;    ///< which of the order's transactions
    std::size_t token = 0;   ///< allowance: route * 2 + (0 base, 1 quote)
    std::uint64_t block = 0; ///< revert_call: the receipt's block
};

/// One transaction sent for an order (the original, replacements, the cancel transfer).
struct sent_tx {
    eth_hash hash{};
    bool cancel = false;
    bool accepted = false; ///< the node answered with its hash
    bool refused = false;  ///< the node refused it
};

/// An order (or an internal transaction: approve, nonce-gap filler) as the I/O thread follows it.
struct tracked_order {
    client_order_id id{};
    bool internal = false;
    std::uint16_t route = 0;
    side order_side = side::bid;
    qty quantity{0};
    eip1559_tx tx; ///< the swap's fields: replacements re-sign them with new fees
    std::vector<sent_tx> txs;
    std::uint64_t tip = 0;
    std::uint64_t max_fee = 0;
    std::uint64_t sent_head = 0;
    std::chrono::steady_clock::time_point sent_at{};
    std::uint32_t bumps = 0;
    std::uint32_t receipts_in_flight = 0;
    std::uint64_t gas_wei = 0; ///< of the mined transaction
    bool cancel_sent = false;
    bool mined = false;
    bool final = false;
    order_state state = order_state::new_order;
    eth_hash mined_hash{};
};

} // namespace

class dex_gateway::impl final : public feed::ws_connection_handler {
  public:
    impl(dex_gateway_options o, eth_signer s)
        : opt_(std::move(o)), signer_(std::move(s)), commands_(opt_.queue_capacity),
          reports_(opt_.queue_capacity * 4), native_price_(opt_.native_price_quote) {}

    // ---- setup --------------------------------------------------------------------------

    std::optional<std::string> check() {
        std::string err;
        if (!feed::parse_ws_url(opt_.url, err)) {
            return "dex.url: " + err;
        }
        if (opt_.chain_id == 0) {
            return "dex.chain_id: must be set (the node's eth_chainId)";
        }
        if (opt_.fee_bump_percent < 10) {
            return "dex.fee_bump_percent: " + std::to_string(opt_.fee_bump_percent) +
                   " is below 10, the smallest replacement nodes accept";
        }
        if (opt_.routes.empty()) {
            return "dex.routes: no pool is configured";
        }
        if (!signer_.loaded()) {
            return "dex: the signer holds no key";
        }
        for (std::size_t i = 0; i < opt_.routes.size(); ++i) {
            const dex_route& r = opt_.routes[i];
            const std::string at = "dex.routes[" + std::to_string(i) + "]";
            if (r.spec == nullptr) {
                return at + ".spec: no instrument";
            }
            if (r.base_token == r.quote_token) {
                return at + ": base and quote token are the same address";
            }
            if (r.spec->lot.exponent > r.base_decimals || r.spec->lot.mantissa <= 0) {
                return at + ".lot: " + r.spec->format_qty(qty(1)) +
                       " is finer than the base token's " + std::to_string(r.base_decimals) +
                       " decimals";
            }
            if (r.spec->tick.mantissa <= 0) {
                return at + ".tick: not positive";
            }
            route_state rs;
            rs.base_per_lot = u256(static_cast<std::uint64_t>(r.spec->lot.mantissa)) *
                              pow10(r.base_decimals - r.spec->lot.exponent);
            rs.quote_exp = r.quote_decimals - r.spec->lot.exponent - r.spec->tick.exponent;
            routes_.push_back(rs);
        }
        allowance_io_.assign(opt_.routes.size() * 2, u256(0));
        allowance_.assign(opt_.routes.size() * 2, u256(0));
        return std::nullopt;
    }

    void start() {
        if (thread_.joinable()) {
            return;
        }
        stop_.store(false);
        thread_ = std::thread([this] { io_main(); });
    }

    void stop() {
        stop_.store(true);
        if (thread_.joinable()) {
            thread_.join();
        }
    }

    ~impl() override { stop(); }

    // ---- engine thread --------------------------------------------------------------------

    bool connected() const noexcept { return ready_.load(std::memory_order_acquire); }

    void sync_from_io() noexcept {
        if (!synced_) {
            // Written by the I/O thread before ready_ (release); read after ready_ (acquire).
            nonce_ = start_nonce_;
            allowance_ = allowance_io_;
            synced_ = true;
        }
        const std::uint64_t floor = nonce_floor_.load(std::memory_order_acquire);
        nonce_ = std::max(nonce_, floor);
    }

    void fees(std::uint64_t& tip, std::uint64_t& max_fee) const noexcept {
        const std::uint64_t base = base_fee_.load(std::memory_order_relaxed);
        tip = std::min(opt_.priority_fee_cap_wei,
                       std::max(opt_.min_priority_fee_wei, tip_.load(std::memory_order_relaxed)));
        const uint128 want = static_cast<uint128>(base) * 2 + tip;
        max_fee =
            want > opt_.max_fee_cap_wei ? opt_.max_fee_cap_wei : static_cast<std::uint64_t>(want);
        tip = std::min(tip, max_fee);
    }

    gateway_status send(const order_request& r) noexcept {
        if (!connected()) {
            return gateway_status::not_connected;
        }
        std::size_t ri = 0;
        while (ri < opt_.routes.size() && opt_.routes[ri].spec != r.spec) {
            ++ri;
        }
        if (ri == opt_.routes.size() || r.type != order_type::limit || r.quantity.value() <= 0 ||
            r.limit.value() <= 0) {
            // No pool for the instrument, or no limit: a swap without a bound is never sent.
            stats_.rejected_locally.fetch_add(1, std::memory_order_relaxed);
            return gateway_status::rejected;
        }
        if (commands_.size() + 1 > commands_capacity()) {
            return gateway_status::back_pressured;
        }
        sync_from_io();
        const dex_route& route = opt_.routes[ri];
        const route_state& rs = routes_[ri];
        const bool sell = r.order_side == side::ask;
        const u256 base_raw =
            u256(static_cast<std::uint64_t>(r.quantity.value())) * rs.base_per_lot;
        // quote raw = qty * lot * limit * tick * 10^quote_decimals, rounded against us: a sell's
        // minimum out rounds up, a buy's maximum in rounds down (the limit is never worse).
        u256 quote_raw = u256(static_cast<std::uint64_t>(r.quantity.value())) *
                         static_cast<std::uint64_t>(route.spec->lot.mantissa) *
                         static_cast<std::uint64_t>(r.limit.value()) *
                         static_cast<std::uint64_t>(route.spec->tick.mantissa);
        if (rs.quote_exp >= 0) {
            quote_raw *= pow10(rs.quote_exp);
        } else {
            const u256 d = pow10(-rs.quote_exp);
            quote_raw = sell ? div_rounding_up(quote_raw, d) : quote_raw / d;
        }

        std::uint64_t tip = 0;
        std::uint64_t max_fee = 0;
        fees(tip, max_fee);

        dex_command& c = scratch_;
        c.kind = cmd_kind::swap;
        c.id = r.id;
        c.route = static_cast<std::uint16_t>(ri);
        c.order_side = r.order_side;
        c.quantity = r.quantity;
        c.has_approve = false;

        const std::size_t token = ri * 2 + (sell ? 0 : 1);
        const u256 needed = sell ? base_raw : quote_raw;
        if (allowance_[token] < needed) {
            c.approve = eip1559_tx{};
            c.approve.chain_id = opt_.chain_id;
            c.approve.nonce = nonce_;
            c.approve.max_priority_fee_per_gas = tip;
            c.approve.max_fee_per_gas = max_fee;
            c.approve.gas_limit = opt_.approve_gas_limit;
            c.approve.to = sell ? route.base_token : route.quote_token;
            encode_approve(opt_.router, u256_max, c.approve);
            if (!signer_.sign(c.approve, c.approve_signed)) {
                stats_.rejected_locally.fetch_add(1, std::memory_order_relaxed);
                return gateway_status::rejected;
            }
            c.has_approve = true;
        }

        swap_single_params p;
        p.token_in = sell ? route.base_token : route.quote_token;
        p.token_out = sell ? route.quote_token : route.base_token;
        p.fee = route.fee;
        p.recipient = signer_.address();
        p.deadline = block_time_.load(std::memory_order_relaxed) + opt_.deadline_s;
        p.amount = base_raw;
        p.amount_limit = quote_raw;
        c.tx = eip1559_tx{};
        c.tx.chain_id = opt_.chain_id;
        c.tx.nonce = nonce_ + (c.has_approve ? 1 : 0);
        c.tx.max_priority_fee_per_gas = tip;
        c.tx.max_fee_per_gas = max_fee;
        c.tx.gas_limit = opt_.swap_gas_limit;
        c.tx.to = opt_.router;
        if (sell) {
            encode_exact_input_single(p, c.tx);
        } else {
            encode_exact_output_single(p, c.tx);
        }
        if (!signer_.sign(c.tx, c.tx_signed)) {
            stats_.rejected_locally.fetch_add(1, std::memory_order_relaxed);
            return gateway_status::rejected;
        }
        if (!commands_.try_push(c)) {
            return gateway_status::back_pressured;
        }
        nonce_ = c.tx.nonce + 1;
        if (c.has_approve) {
            allowance_[token] = u256_max;
        }
        return gateway_status::ok;
    }

    gateway_status simple_command(cmd_kind k, client_order_id id) noexcept {
        if (!connected()) {
            return gateway_status::not_connected;
        }
        scratch_.kind = k;
        scratch_.id = id;
        scratch_.has_approve = false;
        return commands_.try_push(scratch_) ? gateway_status::ok : gateway_status::back_pressured;
    }

    bool poll(exec_report& out) noexcept { return reports_.try_pop(out); }

    // ---- I/O thread -----------------------------------------------------------------------

    void io_main() {
        net::io_context io;
        io_ = &io;
        auto guard = net::make_work_guard(io);
        net::steady_timer timer(io);
        timer_ = &timer;
        connect();
        arm_timer();
        while (!stop_.load(std::memory_order_relaxed)) {
            std::size_t work = drain_commands();
            work += io.poll();
            flush_reports();
            if (work == 0) {
                // Idle: wait for the socket or a timer, briefly, then look at the ring again.
                io.run_one_for(std::chrono::microseconds(200));
            }
        }
        if (conn_) {
            conn_->close();
            conn_.reset();
        }
        timer.cancel();
        ready_.store(false, std::memory_order_release);
        io.restart();
        io.poll();
        timer_ = nullptr;
        io_ = nullptr;
    }

    void connect() {
        std::string err;
        const auto url = feed::parse_ws_url(opt_.url, err);
        feed::ws_connection_options wo;
        wo.connect_timeout = opt_.connect_timeout;
        wo.idle_timeout = std::chrono::milliseconds(60'000);
        conn_ = feed::ws_connection::create(*io_, *url, nullptr, wo, *this);
        open_ = false;
        conn_->start();
    }

    void arm_timer() {
        timer_->expires_after(opt_.poll_interval);
        timer_->async_wait([this](boost::system::error_code ec) {
            if (ec || timer_ == nullptr) {
                return;
            }
            if (!conn_ && std::chrono::steady_clock::now() >= reconnect_at_) {
                connect();
            }
            if (open_) {
                follow_orders();
            }
            arm_timer();
        });
    }

    void on_ws_open() override {
        open_ = true;
        ++connections_;
        request("eth_chainId", "[]", {req_kind::chain_id});
        startup_left_ = 3;
        if (!initialized_) {
            request("eth_getTransactionCount",
                    "[\"" + to_hex_address(signer_.address()) + "\",\"pending\"]",
                    {req_kind::nonce});
            for (std::size_t i = 0; i < opt_.routes.size(); ++i) {
                for (std::size_t t = 0; t < 2; ++t) {
                    const eth_address& token =
                        t == 0 ? opt_.routes[i].base_token : opt_.routes[i].quote_token;
                    pending_request pr{req_kind::allowance};
                    pr.token = i * 2 + t;
                    request("eth_call",
                            "[{\"to\":\"" + to_hex_address(token) + "\",\"data\":\"" +
                                allowance_call_data(signer_.address(), opt_.router) +
                                "\"},\"latest\"]",
                            pr);
                    ++startup_left_;
                }
            }
            ++startup_left_;
        }
        request("eth_subscribe", "[\"newHeads\"]", {req_kind::subscribe});
        request("eth_getBlockByNumber", "[\"latest\",false]", {req_kind::latest_block});
    }

    void on_ws_closed(std::string_view reason) override {
        set_error(std::string("connection: ") + std::string(reason));
        conn_.reset();
        open_ = false;
        requests_.clear();
        for (auto& o : orders_) {
            o.receipts_in_flight = 0;
        }
        ready_.store(false, std::memory_order_release);
        if (!down_reported_) {
            down_reported_ = true;
            exec_report rep;
            rep.kind = exec_kind::disconnected;
            rep.venue = opt_.venue;
            rep.set_reason(reason);
            push_report(rep);
        }
        reconnect_at_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    }

    void request(std::string_view method, std::string_view params, pending_request pr) {
        if (!conn_ || !open_) {
            return;
        }
        const std::int64_t id = next_id_++;
        requests_.emplace(id, pr);
        std::string text = "{\"jsonrpc\":\"2.0\",\"id\":" + std::to_string(id) + ",\"method\":\"";
        text += method;
        text += "\",\"params\":";
        text += params;
        text += "}";
        conn_->send(std::move(text));
    }

    void bad_reply(std::string_view what) {
        stats_.malformed.fetch_add(1, std::memory_order_relaxed);
        set_error("node reply: " + std::string(what));
    }

    void on_ws_frame(std::string_view text) override {
        simdjson::dom::element doc;
        // The frame is followed by ws_frame_padding (>= SIMDJSON_PADDING) readable bytes.
        if (parser_.parse(text.data(), text.size(), false).get(doc) != simdjson::SUCCESS ||
            !doc.is_object()) {
            return bad_reply("not a JSON object");
        }
        if (text_of(doc["method"]) == "eth_subscription") {
            simdjson::dom::element head;
            if (doc["params"]["result"].get(head) != simdjson::SUCCESS) {
                return bad_reply("eth_subscription without params.result");
            }
            return on_head(head);
        }
        std::int64_t id = 0;
        if (doc["id"].get_int64().get(id) != simdjson::SUCCESS) {
            return bad_reply("a reply without a numeric id");
        }
        const auto it = requests_.find(id);
        if (it == requests_.end()) {
            stats_.unknown_replies.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        const pending_request pr = it->second;
        requests_.erase(it);
        simdjson::dom::element error;
        if (doc["error"].get(error) == simdjson::SUCCESS) {
            stats_.rpc_errors.fetch_add(1, std::memory_order_relaxed);
            return on_error(pr, error);
        }
        simdjson::dom::element result;
        if (doc["result"].get(result) != simdjson::SUCCESS) {
            return bad_reply("a reply with neither result nor error");
        }
        on_result(pr, result);
    }

    void startup_step() {
        if (startup_left_ > 0 && --startup_left_ == 0) {
            initialized_ = true;
            down_reported_ = false;
            ready_.store(true, std::memory_order_release);
            exec_report rep;
            rep.kind = exec_kind::connected;
            rep.venue = opt_.venue;
            push_report(rep);
            follow_orders();
        }
    }

    void on_result(const pending_request& pr, simdjson::dom::element result) {
        std::uint64_t v = 0;
        switch (pr.kind) {
        case req_kind::chain_id:
            if (!quantity_of(result, v)) {
                return bad_reply("eth_chainId is not a quantity");
            }
            if (v != opt_.chain_id) {
                set_error("the node's chain id " + std::to_string(v) + " is not dex.chain_id " +
                          std::to_string(opt_.chain_id));
                exec_report rep;
                rep.kind = exec_kind::disconnected;
                rep.venue = opt_.venue;
                rep.set_reason("chain id mismatch");
                push_report(rep);
                conn_->close();
                conn_.reset();
                open_ = false;
                reconnect_at_ = std::chrono::steady_clock::time_point::max();
                return;
            }
            return startup_step();
        case req_kind::nonce:
            if (!quantity_of(result, v)) {
                return bad_reply("eth_getTransactionCount is not a quantity");
            }
            start_nonce_ = v;
            return startup_step();
        case req_kind::nonce_floor:
            if (quantity_of(result, v)) {
                nonce_floor_.store(v, std::memory_order_release);
                stats_.nonce_resyncs.fetch_add(1, std::memory_order_release);
            } else {
                bad_reply("eth_getTransactionCount is not a quantity");
            }
            return;
        case req_kind::allowance: {
            std::array<std::uint8_t, 32> word{};
            if (!feed::parse_hex_bytes(text_of(result), word)) {
                bad_reply("allowance is not one 32-byte word");
            } else {
                allowance_io_[pr.token] = read_word(word.data());
            }
            return startup_step();
        }
        case req_kind::subscribe:
            return startup_step();
        case req_kind::latest_block:
            if (!result.is_object()) {
                return bad_reply("eth_getBlockByNumber is not a block");
            }
            on_head(result);
            return startup_step();
        case req_kind::fee_history:
            return on_fee_history(result);
        case req_kind::send_raw:
            return on_sent(pr, result);
        case req_kind::receipt:
            return on_receipt(pr, result);
        case req_kind::revert_call:
            // The replay did not revert at the parent block (state moved within the block).
            return finish_revert(pr, "reverted in block " + std::to_string(pr.block));
        }
    }

    void on_error(const pending_request& pr, simdjson::dom::element error) {
        std::string_view message = text_of(error["message"]);
        if (message.empty()) {
            message = "(no message)";
        }
        switch (pr.kind) {
        case req_kind::send_raw:
            return on_send_refused(pr, message);
        case req_kind::revert_call: {
            // Geth: data is the revert data; ganache: data.result is, message carries reason.
            std::string_view data = text_of(error["data"]);
            if (data.empty()) {
                data = text_of(error["data"]["result"]);
            }
            std::array<std::uint8_t, 1024> bytes{};
            std::size_t n = 0;
            std::string reason;
            if (hex_bytes(data, bytes.data(), bytes.size(), n)) {
                reason = decode_revert_reason(std::span<const std::uint8_t>(bytes.data(), n));
            }
            if (reason.empty()) {
                reason = std::string(message);
            }
            return finish_revert(pr, "reverted: " + reason);
        }
        case req_kind::receipt:
            if (pr.order < orders_.size() && orders_[pr.order].receipts_in_flight > 0) {
                --orders_[pr.order].receipts_in_flight;
            }
            return;
        case req_kind::fee_history:
            return;
        default:
            set_error("node error: " + std::string(message));
            if (startup_left_ > 0) {
                // A startup question the node cannot answer: this connection is unusable.
                exec_report rep;
                rep.kind = exec_kind::disconnected;
                rep.venue = opt_.venue;
                rep.set_reason(message);
                push_report(rep);
            }
            return;
        }
    }

    void on_head(simdjson::dom::element head) {
        std::uint64_t number = 0;
        std::uint64_t ts = 0;
        if (!quantity_of(head["number"], number) || !quantity_of(head["timestamp"], ts)) {
            return bad_reply("a head without number or timestamp");
        }
        std::uint64_t base = 0;
        if (quantity_of(head["baseFeePerGas"], base)) {
            // The next block's base fee is at most 12.5% above this one's (EIP-1559).
            base_fee_.store(base + base / 8, std::memory_order_relaxed);
        }
        stats_.heads.fetch_add(1, std::memory_order_relaxed);
        if (number > head_) {
            head_ = number;
        }
        block_time_.store(ts, std::memory_order_relaxed);
        request("eth_feeHistory", "[\"0x4\",\"latest\",[50]]", {req_kind::fee_history});
        if (ready_.load(std::memory_order_relaxed)) {
            follow_orders();
        }
    }

    void on_fee_history(simdjson::dom::element r) {
        simdjson::dom::array bases;
        if (r["baseFeePerGas"].get_array().get(bases) != simdjson::SUCCESS || bases.size() == 0) {
            return bad_reply("eth_feeHistory without baseFeePerGas");
        }
        std::uint64_t next_base = 0;
        if (!quantity_of(bases.at(bases.size() - 1), next_base)) {
            return bad_reply("eth_feeHistory baseFeePerGas is not a quantity");
        }
        base_fee_.store(next_base, std::memory_order_relaxed);
        std::vector<std::uint64_t> tips;
        simdjson::dom::array rewards;
        if (r["reward"].get_array().get(rewards) == simdjson::SUCCESS) {
            for (auto block : rewards) {
                std::uint64_t t = 0;
                simdjson::dom::array pct;
                if (block.get_array().get(pct) == simdjson::SUCCESS && pct.size() > 0 &&
                    quantity_of(pct.at(0), t)) {
                    tips.push_back(t);
                }
            }
        }
        if (!tips.empty()) {
            std::sort(tips.begin(), tips.end());
            tip_.store(tips[tips.size() / 2], std::memory_order_relaxed);
        }
    }

    // ---- orders on the I/O thread ---------------------------------------------------------

    std::size_t drain_commands() {
        std::size_t n = 0;
        while (dex_command* c = commands_.front()) {
            on_command(*c);
            commands_.pop();
            ++n;
        }
        return n;
    }

    void on_command(const dex_command& c) {
        switch (c.kind) {
        case cmd_kind::swap: {
            if (c.has_approve) {
                tracked_order a;
                a.internal = true;
                a.tx = c.approve;
                orders_.push_back(std::move(a));
                stats_.approvals.fetch_add(1, std::memory_order_relaxed);
                send_tx(orders_.size() - 1, c.approve_signed, false);
            }
            tracked_order o;
            o.id = c.id;
            o.route = c.route;
            o.order_side = c.order_side;
            o.quantity = c.quantity;
            o.tx = c.tx;
            orders_.push_back(std::move(o));
            by_id_[c.id.value] = orders_.size() - 1;
            send_tx(orders_.size() - 1, c.tx_signed, false);
            return;
        }
        case cmd_kind::cancel: {
            const auto it = by_id_.find(c.id.value);
            if (it == by_id_.end() || orders_[it->second].final || orders_[it->second].mined) {
                exec_report rep = report_for(c.id, exec_kind::cancel_reject);
                rep.set_reason(it == by_id_.end() ? "unknown order" : "already mined or final");
                return push_report(rep);
            }
            tracked_order& o = orders_[it->second];
            if (!o.cancel_sent) {
                resend(it->second, true);
            }
            return;
        }
        case cmd_kind::query: {
            const auto it = by_id_.find(c.id.value);
            if (it == by_id_.end()) {
                return push_report(report_for(c.id, exec_kind::not_found));
            }
            push_report(status_of(orders_[it->second], false));
            return;
        }
        case cmd_kind::reconcile:
            for (const auto& o : orders_) {
                if (!o.internal && !o.final) {
                    push_report(status_of(o, true));
                }
            }
            exec_report end = report_for(client_order_id{}, exec_kind::status);
            end.reconcile = true;
            push_report(end);
            return;
        }
    }

    exec_report report_for(client_order_id id, exec_kind k) const noexcept {
        exec_report r;
        r.kind = k;
        r.venue = opt_.venue;
        r.id = id;
        return r;
    }

    exec_report status_of(const tracked_order& o, bool reconcile) const {
        exec_report r = report_for(o.id, exec_kind::status);
        r.state = o.state;
        r.reconcile = reconcile;
        if (o.state == order_state::filled) {
            r.cum_qty = o.quantity;
        }
        const eth_hash& h = o.mined ? o.mined_hash : o.txs.empty() ? eth_hash{} : o.txs.back().hash;
        r.set_reason("tx " + feed::to_hex(h) +
                     (o.final   ? " final"
                      : o.mined ? " mined"
                                : " pending") +
                     (o.txs.size() > 1 ? " replaced x" + std::to_string(o.txs.size() - 1) : ""));
        return r;
    }

    void send_tx(std::size_t index, const signed_tx& s, bool cancel) {
        tracked_order& o = orders_[index];
        o.txs.push_back({s.hash, cancel, false, false});
        o.sent_head = head_;
        o.sent_at = std::chrono::steady_clock::now();
        pending_request pr{req_kind::send_raw};
        pr.order = index;
        pr.hash = o.txs.size() - 1;
        if (o.txs.size() == 1) {
            o.tip = o.tx.max_priority_fee_per_gas;
            o.max_fee = o.tx.max_fee_per_gas;
        }
        request("eth_sendRawTransaction", "[\"" + feed::to_hex(s.raw.view()) + "\"]", pr);
    }

    /// Same nonce, both fees raised: the swap again (replace) or a 0-value self-transfer.
    void resend(std::size_t index, bool cancel) {
        tracked_order& o = orders_[index];
        std::uint64_t tip = 0;
        std::uint64_t max_fee = 0;
        {
            const std::uint64_t base = base_fee_.load(std::memory_order_relaxed);
            tip = std::max(bumped(o.tip, opt_.fee_bump_percent),
                           std::min(opt_.priority_fee_cap_wei, tip_.load()));
            max_fee = std::max(bumped(o.max_fee, opt_.fee_bump_percent), 2 * base + tip);
        }
        eip1559_tx t = o.tx;
        t.max_priority_fee_per_gas = tip;
        t.max_fee_per_gas = max_fee;
        if (cancel) {
            t.to = signer_.address();
            t.value = 0;
            t.data_size = 0;
            t.gas_limit = transfer_gas;
        }
        signed_tx s;
        if (!signer_.sign(t, s)) {
            return set_error("signing a replacement failed");
        }
        o.tip = tip;
        o.max_fee = max_fee;
        ++o.bumps;
        if (cancel) {
            o.cancel_sent = true;
            stats_.cancels.fetch_add(1, std::memory_order_relaxed);
        } else {
            stats_.replacements.fetch_add(1, std::memory_order_relaxed);
        }
        send_tx(index, s, cancel);
    }

    void on_sent(const pending_request& pr, simdjson::dom::element result) {
        if (pr.order >= orders_.size()) {
            return;
        }
        tracked_order& o = orders_[pr.order];
        eth_hash h{};
        if (!feed::parse_hex_bytes(text_of(result), h) || h != o.txs[pr.hash].hash) {
            bad_reply("eth_sendRawTransaction answered a hash that is not the transaction's");
        }
        o.txs[pr.hash].accepted = true;
        stats_.accepted.fetch_add(1, std::memory_order_relaxed);
        if (!o.internal && pr.hash == 0) {
            stats_.sent.fetch_add(1, std::memory_order_relaxed);
        }
    }

    void on_send_refused(const pending_request& pr, std::string_view message) {
        stats_.send_errors.fetch_add(1, std::memory_order_relaxed);
        set_error("eth_sendRawTransaction: " + std::string(message));
        if (pr.order >= orders_.size()) {
            return;
        }
        tracked_order& o = orders_[pr.order];
        o.txs[pr.hash].refused = true;
        const bool any_live =
            std::any_of(o.txs.begin(), o.txs.end(), [](const sent_tx& t) { return !t.refused; });
        if (any_live || o.final) {
            return; // a refused replacement: the earlier transaction still stands
        }
        o.final = true;
        if (!o.internal) {
            o.state = order_state::rejected;
            exec_report rep = report_for(o.id, exec_kind::rejected);
            rep.state = order_state::rejected;
            rep.set_reason("node refused: " + std::string(message));
            push_report(rep);
        }
        // The nonce was never used: ask the node where the account's nonce stands, so the
        // engine's next transaction does not leave a gap that would stall everything after.
        request("eth_getTransactionCount",
                "[\"" + to_hex_address(signer_.address()) + "\",\"pending\"]",
                {req_kind::nonce_floor});
    }

    /// Receipts of every transaction of every order still open; stuck ones replaced.
    void follow_orders() {
        const auto now = std::chrono::steady_clock::now();
        for (std::size_t i = 0; i < orders_.size(); ++i) {
            tracked_order& o = orders_[i];
            if (o.final || o.receipts_in_flight > 0) {
                continue;
            }
            // Stuck first (the last receipts said "not mined"), then receipts of every
            // transaction of the order, the new one included. Unanswered sends count as
            // pending: replacing one the node never confirmed is safe (one nonce, one mined).
            const bool by_blocks =
                opt_.stuck_blocks > 0 && head_ >= o.sent_head + opt_.stuck_blocks;
            const bool by_time =
                opt_.stuck_after.count() > 0 && now - o.sent_at >= opt_.stuck_after;
            if (!o.mined && o.bumps < opt_.max_replacements && (by_blocks || by_time)) {
                const bool cancel =
                    !o.internal && (o.cancel_sent || opt_.stuck_policy == dex_stuck_policy::cancel);
                resend(i, cancel);
            }
            for (std::size_t h = 0; h < o.txs.size(); ++h) {
                if (o.txs[h].refused) {
                    continue;
                }
                pending_request pr{req_kind::receipt};
                pr.order = i;
                pr.hash = h;
                ++o.receipts_in_flight;
                request("eth_getTransactionReceipt", "[\"" + feed::to_hex(o.txs[h].hash) + "\"]",
                        pr);
            }
        }
    }

    void on_receipt(const pending_request& pr, simdjson::dom::element r) {
        if (pr.order >= orders_.size()) {
            return;
        }
        tracked_order& o = orders_[pr.order];
        if (o.receipts_in_flight > 0) {
            --o.receipts_in_flight;
        }
        if (r.is_null() || o.final) {
            return; // not mined (yet), or already settled by another of its transactions
        }
        std::uint64_t status = 0;
        std::uint64_t block = 0;
        std::uint64_t gas_used = 0;
        std::uint64_t gas_price = 0;
        eth_hash h{};
        if (!r.is_object() || !quantity_of(r["status"], status) || status > 1 ||
            !quantity_of(r["blockNumber"], block) || !quantity_of(r["gasUsed"], gas_used) ||
            !quantity_of(r["effectiveGasPrice"], gas_price) ||
            !feed::parse_hex_bytes(text_of(r["transactionHash"]), h) || h != o.txs[pr.hash].hash) {
            return bad_reply("a receipt with a missing or malformed status, blockNumber, gasUsed, "
                             "effectiveGasPrice or transactionHash");
        }
        stats_.receipts.fetch_add(1, std::memory_order_relaxed);
        const uint128 gas = static_cast<uint128>(gas_used) * gas_price;
        stats_.gas_wei.fetch_add(static_cast<std::uint64_t>(gas), std::memory_order_relaxed);
        o.mined = true;
        o.mined_hash = h;
        o.gas_wei = static_cast<std::uint64_t>(gas);
        if (o.internal) {
            o.final = true;
            if (status == 0) {
                stats_.reverts.fetch_add(1, std::memory_order_relaxed);
                set_error("an approve or nonce-filler transaction reverted in block " +
                          std::to_string(block));
            }
            return;
        }
        const double gas_quote = gas_fee(o);
        const std::string tx_text = "tx " + feed::to_hex(h) + " gas " + std::to_string(o.gas_wei);
        if (o.txs[pr.hash].cancel) {
            o.final = true;
            o.state = order_state::canceled;
            exec_report rep = report_for(o.id, exec_kind::canceled);
            rep.state = order_state::canceled;
            rep.gas_quote = gas_quote;
            rep.set_reason(tx_text);
            return push_report(rep);
        }
        if (status == 0) {
            stats_.reverts.fetch_add(1, std::memory_order_relaxed);
            // Replay the call at the parent block for the contract's reason.
            pending_request rp{req_kind::revert_call};
            rp.order = pr.order;
            rp.block = block;
            const eip1559_tx& t = o.tx;
            request("eth_call",
                    "[{\"from\":\"" + to_hex_address(signer_.address()) + "\",\"to\":\"" +
                        to_hex_address(t.to) + "\",\"gas\":\"" + hex_quantity(t.gas_limit) +
                        "\",\"data\":\"" + feed::to_hex(t.data_bytes()) + "\"},\"" +
                        hex_quantity(block > 0 ? block - 1 : 0) + "\"]",
                    rp);
            o.final = true; // settled; the report goes out with the reason
            return;
        }
        fill_from_logs(o, r, tx_text, gas_quote);
    }

    /// Gas in the quote currency (0 without the coin's price).
    double gas_fee(const tracked_order& o) const noexcept {
        return static_cast<double>(o.gas_wei) * 1e-18 *
               native_price_.load(std::memory_order_relaxed);
    }

    void finish_revert(const pending_request& pr, const std::string& reason) {
        if (pr.order >= orders_.size()) {
            return;
        }
        tracked_order& o = orders_[pr.order];
        o.state = order_state::rejected;
        exec_report rep = report_for(o.id, exec_kind::rejected);
        rep.state = order_state::rejected;
        rep.gas_quote = gas_fee(o);
        rep.set_reason(reason);
        push_report(rep);
    }

    /// The pool's Swap log in the receipt gives the amounts; one fill for the whole swap.
    void fill_from_logs(tracked_order& o, simdjson::dom::element r, const std::string& tx_text,
                        double gas) {
        const dex_route& route = opt_.routes[o.route];
        const route_state& rs = routes_[o.route];
        simdjson::dom::array logs;
        if (r["logs"].get_array().get(logs) != simdjson::SUCCESS) {
            return unknown_outcome(o, "a successful receipt without logs");
        }
        for (auto l : logs) {
            feed::eth_log log;
            std::size_t n = 0;
            if (!feed::parse_hex_bytes(text_of(l["address"]), log.address) ||
                log.address != route.pool) {
                continue;
            }
            simdjson::dom::array topics;
            if (l["topics"].get_array().get(topics) != simdjson::SUCCESS || topics.size() > 4) {
                continue;
            }
            bool ok = true;
            for (auto t : topics) {
                ok = ok && feed::parse_hex_bytes(text_of(t), log.topics[log.topic_count++]);
            }
            if (!ok || !hex_bytes(text_of(l["data"]), log.data.data(), log.data.size(), n)) {
                continue;
            }
            log.data_size = static_cast<std::uint16_t>(n);
            const feed::event_result ev = feed::decode_uniswap_event(log);
            if (!ev.ok() || ev.event.kind != feed::uniswap_event_kind::v3_swap) {
                continue;
            }
            std::uint64_t log_index = 0;
            std::uint64_t block = 0;
            (void)quantity_of(l["logIndex"], log_index);
            (void)quantity_of(r["blockNumber"], block);
            const bool base_is_0 =
                std::lexicographical_compare(route.base_token.begin(), route.base_token.end(),
                                             route.quote_token.begin(), route.quote_token.end());
            const feed::signed_amount& base = base_is_0 ? ev.event.amount0 : ev.event.amount1;
            const feed::signed_amount& quote = base_is_0 ? ev.event.amount1 : ev.event.amount0;
            const bool sell = o.order_side == side::ask;
            // The pool's view: what it received is positive. A sell pays base in, a buy quote.
            if (base.negative == sell || quote.negative != sell || base.magnitude == 0) {
                return unknown_outcome(o, "the Swap log's signs do not match the order's side");
            }
            const u256 lots = base.magnitude / rs.base_per_lot;
            // Average price in ticks, to the nearest: quote * 10^(bd + tick_e - qd) / (base *
            // tick_m), each side scaled up instead of dividing by a negative power.
            const int e = route.base_decimals + route.spec->tick.exponent - route.quote_decimals;
            u256 num = quote.magnitude;
            u256 den = base.magnitude * static_cast<std::uint64_t>(route.spec->tick.mantissa);
            if (e >= 0) {
                num *= pow10(e);
            } else {
                den *= pow10(-e);
            }
            const u256 ticks = (2 * num + den) / (2 * den);
            exec_report ack = report_for(o.id, exec_kind::ack);
            ack.state = order_state::acknowledged;
            push_report(ack);
            o.final = true;
            o.state = order_state::filled;
            exec_report f = report_for(o.id, exec_kind::fill);
            f.state = order_state::filled;
            f.last_qty = qty(static_cast<std::int64_t>(lots));
            f.cum_qty = f.last_qty;
            f.last_px = price(static_cast<std::int64_t>(ticks));
            f.gas_quote = gas;
            f.set_trade_id(std::to_string(block) + ":" + std::to_string(log_index));
            f.set_reason(tx_text);
            stats_.fills.fetch_add(1, std::memory_order_relaxed);
            return push_report(f);
        }
        unknown_outcome(o, "a successful swap without the pool's Swap log");
    }

    void unknown_outcome(tracked_order& o, std::string_view why) {
        bad_reply(why);
        o.final = true;
        exec_report rep = report_for(o.id, exec_kind::unknown);
        rep.set_reason(why);
        push_report(rep);
    }

    void push_report(const exec_report& r) {
        if (!overflow_.empty() || !reports_.try_push(r)) {
            overflow_.push_back(r); // the engine is behind: keep order, never drop
        }
    }

    void flush_reports() {
        while (!overflow_.empty() && reports_.try_push(overflow_.front())) {
            overflow_.pop_front();
        }
    }

    void set_error(std::string e) {
        const std::lock_guard<std::mutex> lock(error_mutex_);
        last_error_ = std::move(e);
    }

    std::size_t commands_capacity() const noexcept { return opt_.queue_capacity; }

    struct route_state {
        u256 base_per_lot = 1; ///< raw base units per lot
        int quote_exp = 0;     ///< quote raw = qty * lot_m * ticks * tick_m * 10^quote_exp
    };

    dex_gateway_options opt_;
    eth_signer signer_;
    std::vector<route_state> routes_;
    dex_gateway_stats stats_;

    // Engine thread.
    feed::spsc_ring<dex_command> commands_;
    dex_command scratch_;
    std::uint64_t nonce_ = 0;
    std::vector<u256> allowance_;
    bool synced_ = false;

    // Shared.
    feed::spsc_ring<exec_report> reports_;
    std::atomic<bool> ready_{false};
    std::atomic<bool> stop_{false};
    std::atomic<std::uint64_t> base_fee_{0};
    std::atomic<std::uint64_t> tip_{0};
    std::atomic<std::uint64_t> block_time_{0};
    std::atomic<std::uint64_t> nonce_floor_{0};
    std::atomic<double> native_price_;
    std::uint64_t start_nonce_ = 0;  ///< published by ready_
    std::vector<u256> allowance_io_; ///< published by ready_
    mutable std::mutex error_mutex_; ///< last_error_ only (setup and failures, never per order)
    std::string last_error_;

    // I/O thread.
    std::thread thread_;
    net::io_context* io_ = nullptr;
    net::steady_timer* timer_ = nullptr;
    std::shared_ptr<feed::ws_connection> conn_;
    bool open_ = false;
    bool initialized_ = false;
    bool down_reported_ = false;
    std::uint32_t connections_ = 0;
    std::uint32_t startup_left_ = 0;
    std::chrono::steady_clock::time_point reconnect_at_{};
    simdjson::dom::parser parser_;
    std::int64_t next_id_ = 1;
    std::unordered_map<std::int64_t, pending_request> requests_;
    std::vector<tracked_order> orders_;
    std::unordered_map<std::uint64_t, std::size_t> by_id_;
    std::uint64_t head_ = 0;
    std::deque<exec_report> overflow_;

    friend class dex_gateway;
};

std::unique_ptr<dex_gateway> dex_gateway::create(dex_gateway_options options, eth_signer signer,
                                                 std::string& error) {
    auto p = std::make_unique<impl>(std::move(options), std::move(signer));
    if (auto e = p->check()) {
        error = *e;
        return nullptr;
    }
    return std::unique_ptr<dex_gateway>(new dex_gateway(std::move(p)));
}

dex_gateway::dex_gateway(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
dex_gateway::~dex_gateway() = default;

void dex_gateway::start() {
    impl_->start();
}
void dex_gateway::stop() {
    impl_->stop();
}
venue_id dex_gateway::venue() const noexcept {
    return impl_->opt_.venue;
}
bool dex_gateway::connected() const noexcept {
    return impl_->connected();
}
gateway_status dex_gateway::send(const order_request& r) noexcept {
    return impl_->send(r);
}
gateway_status dex_gateway::cancel(const cancel_request& r) noexcept {
    return impl_->simple_command(cmd_kind::cancel, r.id);
}
gateway_status dex_gateway::query(const query_request& r) noexcept {
    return impl_->simple_command(cmd_kind::query, r.id);
}
gateway_status dex_gateway::reconcile(timestamp_ns since) noexcept {
    (void)since; // every open order is reported; mined ones were reported when mined
    return impl_->simple_command(cmd_kind::reconcile, client_order_id{});
}
bool dex_gateway::poll(exec_report& out) noexcept {
    return impl_->poll(out);
}
void dex_gateway::set_native_price(double quote_per_coin) noexcept {
    impl_->native_price_.store(quote_per_coin, std::memory_order_relaxed);
}
const dex_gateway_stats& dex_gateway::stats() const noexcept {
    return impl_->stats_;
}
const eth_address& dex_gateway::address() const noexcept {
    return impl_->signer_.address();
}
std::string dex_gateway::last_error() const {
    const std::lock_guard<std::mutex> lock(impl_->error_mutex_);
    return impl_->last_error_;
}

} // namespace ballast::exec
