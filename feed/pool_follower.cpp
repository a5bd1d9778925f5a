#include "feed/pool_follower.hpp"

#include "book/config_file.hpp"
#include "feed/recording.hpp"

#include <algorithm>

namespace ballast::feed {

namespace {

constexpr std::size_t max_issues = 256;

eth_address parse_address(const std::string& text, bool& ok) {
    eth_address a{};
    ok = parse_hex_bytes(text, a);
    return a;
}

/// A marker a live capture writes between frames (eth_ws_options::capture): a gap in the
/// stream, or the block through which every log has been delivered.
void apply_marker(pool_follower& follower, const std::string& line) {
    simdjson::dom::parser parser;
    simdjson::dom::object o;
    std::string_view what;
    if (parser.parse(line).get(o) != simdjson::SUCCESS ||
        o["ballast"].get_string().get(what) != simdjson::SUCCESS) {
        follower.on_gap("unreadable capture marker");
        return;
    }
    if (what == "caught_up") {
        std::uint64_t block = 0;
        if (o["block"].get_uint64().get(block) == simdjson::SUCCESS) {
            follower.resume(block);
            return;
        }
    } else if (what == "gap") {
        std::string_view reason;
        if (o["reason"].get_string().get(reason) == simdjson::SUCCESS) {
            follower.on_gap(reason);
            return;
        }
    }
    follower.on_gap("unknown capture marker");
}

} // namespace

std::string_view to_string(follow_outcome o) noexcept {
    switch (o) {
    case follow_outcome::applied:
        return "applied";
    case follow_outcome::duplicate:
        return "duplicate";
    case follow_outcome::other_event:
        return "other event";
    case follow_outcome::undone:
        return "undone";
    case follow_outcome::ignored_stale:
        return "pool stale";
    case follow_outcome::unknown_pool:
        return "unknown pool";
    case follow_outcome::malformed:
        return "malformed";
    case follow_outcome::rejected:
        return "rejected by the pool model";
    case follow_outcome::out_of_order:
        return "out of order";
    case follow_outcome::reorg_too_deep:
        return "reorg deeper than the undo window";
    }
    return "unknown";
}

pool_follower::pool_follower(std::uint64_t undo_window_blocks)
    : window_(std::max<std::uint64_t>(undo_window_blocks, 64)) {}

std::size_t pool_follower::find(const eth_address& address) const noexcept {
    for (std::size_t i = 0; i < pools_.size(); ++i) {
        if (pools_[i].address == address) {
            return i;
        }
    }
    return pools_.size();
}

std::size_t pool_follower::add_pool(pool_state state) {
    bool ok = false;
    const eth_address address = parse_address(state.meta.address, ok);
    std::size_t i = ok ? find(address) : pools_.size();
    if (i == pools_.size()) {
        pools_.emplace_back();
        pools_.back().address = address;
        if (!ok) {
            report(nullptr, nullptr,
                   "pool address '" + state.meta.address +
                       "' is not 20-byte hex: no log can match it");
        }
    }
    bootstrap(i, std::move(state));
    return i;
}

void pool_follower::bootstrap(std::size_t index, pool_state state) {
    followed& p = pools_[index];
    p.snapshot_block = state.meta.block;
    p.pruned_through = state.meta.block;
    p.last = {state.meta.block, UINT32_MAX};
    p.state = std::move(state);
    p.stale = false;
    p.awaiting_backfill = false;
    p.journal.clear();
    ++p.version;
}

void pool_follower::report(const followed* p, const eth_log* log, std::string reason) {
    if (issues_.size() >= max_issues) {
        return;
    }
    follow_issue issue;
    if (p != nullptr) {
        issue.pool = p->state.meta.address;
    } else if (log != nullptr) {
        issue.pool = to_hex(log->address);
    }
    if (log != nullptr) {
        issue.block = log->block_number;
        issue.log_index = log->log_index;
    }
    issue.reason = std::move(reason);
    issues_.push_back(std::move(issue));
}

void pool_follower::mark_stale(followed& p, const eth_log* log, std::string_view reason) {
    ++p.version;
    p.stale = true;
    p.awaiting_backfill = false;
    report(&p, log, std::string(reason) + "; pool stale until bootstrapped");
}

follow_outcome pool_follower::on_log(const eth_log& log) {
    if (log.error != eth_error::ok) {
        ++stats_.malformed;
        const std::size_t i = find(log.address);
        std::string reason =
            std::string(log.error_field) + ": " + std::string(to_string(log.error));
        if (i < pools_.size() && !pools_[i].stale && log.error_field != "address") {
            // A log of ours we cannot read: its update is lost.
            mark_stale(pools_[i], &log, reason);
        } else {
            report(nullptr, &log, std::move(reason));
        }
        return follow_outcome::malformed;
    }
    const std::size_t i = find(log.address);
    if (i == pools_.size()) {
        ++stats_.unknown_pool;
        report(nullptr, &log, "log for a pool that is not followed");
        return follow_outcome::unknown_pool;
    }
    followed& p = pools_[i];
    if (p.stale && !p.awaiting_backfill) {
        ++stats_.ignored_stale;
        return follow_outcome::ignored_stale;
    }
    if (log.removed) {
        return remove(p, log);
    }
    const auto ev = decode_uniswap_event(log);
    if (!ev.ok()) {
        if (ev.error == event_error::unknown_topic) {
            ++stats_.other_events;
            return follow_outcome::other_event;
        }
        ++stats_.malformed;
        mark_stale(p, &log, std::string(to_string(ev.error)) + " (" + std::string(ev.field) + ")");
        return follow_outcome::malformed;
    }
    if (ev.event.kind == uniswap_event_kind::v2_swap) {
        // Reserves move by the Sync the pair emits before every Swap.
        ++stats_.other_events;
        return follow_outcome::other_event;
    }
    const log_key key{log.block_number, log.log_index};
    if (key <= p.last) {
        if (key.block <= p.snapshot_block) {
            ++stats_.duplicates;
            return follow_outcome::duplicate;
        }
        const auto it = std::find_if(p.journal.begin(), p.journal.end(),
                                     [&](const undo_record& r) { return r.key == key; });
        if (it != p.journal.end() && it->block_hash == log.block_hash) {
            ++stats_.duplicates;
            return follow_outcome::duplicate;
        }
        if (it == p.journal.end() && key.block <= p.pruned_through) {
            ++stats_.duplicates; // older than the window: assume seen
            return follow_outcome::duplicate;
        }
        ++stats_.out_of_order;
        mark_stale(p, &log,
                   it != p.journal.end() ? "log replaces an applied one without a removal"
                                         : "log older than the last applied one");
        return follow_outcome::out_of_order;
    }
    return apply(p, log, ev.event);
}

follow_outcome pool_follower::apply(followed& p, const eth_log& log, const uniswap_event& ev) {
    undo_record r;
    r.key = {log.block_number, log.log_index};
    r.block_hash = log.block_hash;
    r.kind = ev.kind;
    r.prev_block = p.state.meta.block;
    r.prev_last = p.last;
    pool_error err = pool_error::ok;
    const bool v3 = p.state.kind == pool_kind::uniswap_v3;
    switch (ev.kind) {
    case uniswap_event_kind::v2_sync:
        if (v3) {
            err = pool_error::bad_state;
            break;
        }
        r.prev_a = p.state.v2.reserve0();
        r.prev_b = p.state.v2.reserve1();
        err = p.state.v2.apply_sync(ev.reserve0, ev.reserve1);
        break;
    case uniswap_event_kind::v3_swap:
        if (!v3) {
            err = pool_error::bad_state;
            break;
        }
        r.prev_a = p.state.v3.sqrt_price_x96();
        r.prev_liquidity = p.state.v3.liquidity();
        r.prev_tick = p.state.v3.tick();
        err = p.state.v3.apply_swap_event(ev.sqrt_price_x96, ev.liquidity, ev.tick);
        break;
    case uniswap_event_kind::v3_mint:
    case uniswap_event_kind::v3_burn: {
        if (!v3) {
            err = pool_error::bad_state;
            break;
        }
        if (ev.amount > static_cast<uint128>(~uint128(0) >> 1)) {
            err = pool_error::liquidity_overflow; // toInt128 reverts in the contract
            break;
        }
        const auto amount = static_cast<int128>(ev.amount);
        r.tick_lower = ev.tick_lower;
        r.tick_upper = ev.tick_upper;
        r.delta = ev.kind == uniswap_event_kind::v3_mint ? amount : -amount;
        err = p.state.v3.apply_position_delta(ev.tick_lower, ev.tick_upper, r.delta);
        break;
    }
    case uniswap_event_kind::v2_swap:
        break;
    }
    if (err != pool_error::ok) {
        ++stats_.rejected;
        mark_stale(p, &log,
                   std::string(to_string(ev.kind)) + " rejected: " + std::string(to_string(err)));
        return follow_outcome::rejected;
    }
    p.journal.push_back(r);
    p.last = r.key;
    p.state.meta.block = log.block_number;
    ++p.version;
    ++stats_.applied;
    prune(p);
    return follow_outcome::applied;
}

void pool_follower::undo(followed& p, const undo_record& r) {
    pool_error err = pool_error::ok;
    switch (r.kind) {
    case uniswap_event_kind::v2_sync:
        err = p.state.v2.apply_sync(r.prev_a, r.prev_b);
        break;
    case uniswap_event_kind::v3_swap:
        err = p.state.v3.apply_swap_event(r.prev_a, r.prev_liquidity, r.prev_tick);
        break;
    case uniswap_event_kind::v3_mint:
    case uniswap_event_kind::v3_burn:
        err = p.state.v3.apply_position_delta(r.tick_lower, r.tick_upper, -r.delta);
        break;
    case uniswap_event_kind::v2_swap:
        break;
    }
    p.last = r.prev_last;
    p.state.meta.block = r.prev_block;
    ++p.version;
    if (err != pool_error::ok) {
        mark_stale(p, nullptr, "undo failed: " + std::string(to_string(err)));
    }
}

follow_outcome pool_follower::remove(followed& p, const eth_log& log) {
    const log_key key{log.block_number, log.log_index};
    const auto it = std::find_if(p.journal.begin(), p.journal.end(), [&](const undo_record& r) {
        return r.key == key && r.block_hash == log.block_hash;
    });
    if (it == p.journal.end()) {
        if (key.block <= p.pruned_through) {
            ++stats_.reorg_too_deep;
            mark_stale(p, &log,
                       "removed log at or below block " + std::to_string(p.pruned_through) +
                           " (snapshot or past the undo window)");
            return follow_outcome::reorg_too_deep;
        }
        // Never applied (or already undone with an earlier removal): nothing to do.
        ++stats_.duplicates;
        return follow_outcome::duplicate;
    }
    // Undo it and every later log, newest first; their own removals then find nothing.
    const auto first = static_cast<std::size_t>(it - p.journal.begin());
    while (p.journal.size() > first) {
        undo(p, p.journal.back());
        p.journal.pop_back();
        ++stats_.undone;
    }
    return follow_outcome::undone;
}

void pool_follower::prune(followed& p) {
    const std::uint64_t newest = std::max(last_head_, p.last.block);
    while (!p.journal.empty() && p.journal.front().key.block + window_ < newest) {
        p.pruned_through = std::max(p.pruned_through, p.journal.front().key.block);
        p.journal.pop_front();
    }
}

void pool_follower::on_head(const eth_head& head) {
    ++stats_.heads;
    if (last_head_ != 0 && head.number > last_head_ + 1) {
        on_gap("missed blocks " + std::to_string(last_head_ + 1) + ".." +
               std::to_string(head.number - 1) + " between heads");
    }
    last_head_ = std::max(last_head_, head.number);
    for (auto& p : pools_) {
        prune(p);
    }
}

void pool_follower::on_gap(std::string_view reason) {
    ++stats_.gaps;
    for (auto& p : pools_) {
        if (!p.stale) {
            ++p.version;
            p.stale = true;
            p.awaiting_backfill = true;
            report(&p, nullptr, std::string(reason) + "; pool stale until the gap is backfilled");
        }
    }
}

void pool_follower::await_catch_up() {
    for (auto& p : pools_) {
        if (!p.stale) {
            ++p.version;
            p.stale = true;
            p.awaiting_backfill = true;
        }
    }
}

std::size_t pool_follower::resume(std::uint64_t through_block) {
    last_head_ = std::max(last_head_, through_block);
    std::size_t resumed = 0;
    for (auto& p : pools_) {
        if (p.awaiting_backfill) {
            ++p.version;
            p.stale = false;
            p.awaiting_backfill = false;
            ++resumed;
        }
        prune(p);
    }
    return resumed;
}

bool pool_follower::on_message(const eth_message& m, std::string_view where) {
    if (!m.ok()) {
        ++stats_.malformed;
        // "line 3: malformed JSON-RPC", "line 4: result.blockNumber: malformed quantity": the
        // field only when it is one ("message" is the whole message).
        std::string reason(where.empty() ? "message" : where);
        reason += ": ";
        if (!m.error_field.empty() && m.error_field != "message") {
            reason.append(m.error_field).append(": ");
        }
        reason += to_string(m.error);
        report(nullptr, nullptr, std::move(reason));
        return false;
    }
    switch (m.kind) {
    case eth_message_kind::logs:
        for (const auto& log : m.logs) {
            on_log(log);
        }
        break;
    case eth_message_kind::head:
        on_head(m.head);
        break;
    case eth_message_kind::error:
        report(nullptr, nullptr, "node error: " + std::string(m.rpc_error));
        break;
    case eth_message_kind::subscribed:
    case eth_message_kind::other:
        break;
    }
    return true;
}

pool_replay_result replay_pool_recording(std::span<const std::string> pool_files,
                                         const std::string& recording_path) {
    pool_replay_result result;
    pool_follower follower;
    for (const auto& file : pool_files) {
        auto loaded = load_pool_state(file);
        if (!loaded.ok()) {
            result.error = loaded.error;
            return result;
        }
        follower.add_pool(std::move(loaded.state));
    }
    // A directory, an empty file, an unreadable one: errors naming the path (book/config_file).
    const auto text = config_file::read_text(recording_path);
    if (!text.ok()) {
        result.error = text.error;
        return result;
    }
    eth_rpc_decoder decoder;
    std::uint64_t decoded = 0;
    std::uint64_t line_no = 0;
    std::string_view rest = text.text;
    while (!rest.empty()) {
        const auto eol = rest.find('\n');
        const std::string_view line = rest.substr(0, eol);
        rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 1);
        ++line_no;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
            continue;
        }
        ++result.messages;
        if (line.starts_with(R"({"ballast":)")) {
            apply_marker(follower, std::string(line));
            continue;
        }
        const auto m = decoder.decode(line);
        decoded += m.ok() ? 1 : 0;
        follower.on_message(m, "line " + std::to_string(line_no));
    }
    collect_follow_result(follower, result);
    // Nothing the node said could be read: the pools' states say nothing about the recording's
    // time, so the replay has no result (the caller exits 2).
    if (decoded == 0) {
        result.error = recording_path + ": no usable JSON-RPC message (" +
                       std::to_string(result.messages) + " lines, none decodable)";
    }
    return result;
}

void collect_follow_result(const pool_follower& follower, pool_replay_result& result) {
    result.pools.clear();
    result.stale.clear();
    for (std::size_t i = 0; i < follower.size(); ++i) {
        result.pools.push_back(follower.pool(i));
        result.stale.push_back(follower.stale(i));
    }
    result.stats = follower.stats();
    result.issues = follower.issues();
}

std::string write_pool_replay_json(const pool_replay_result& r) {
    std::string out = "{\"pools\":[";
    for (std::size_t i = 0; i < r.pools.size(); ++i) {
        out += i == 0 ? "" : ",";
        out += write_pool_state(r.pools[i]);
    }
    out += "],\"stale\":[";
    for (std::size_t i = 0; i < r.stale.size(); ++i) {
        out += i == 0 ? "" : ",";
        out += r.stale[i] ? "true" : "false";
    }
    const auto& s = r.stats;
    out += "],\"stats\":{\"messages\":" + std::to_string(r.messages) +
           ",\"applied\":" + std::to_string(s.applied) +
           ",\"duplicates\":" + std::to_string(s.duplicates) +
           ",\"other_events\":" + std::to_string(s.other_events) +
           ",\"undone\":" + std::to_string(s.undone) +
           ",\"ignored_stale\":" + std::to_string(s.ignored_stale) +
           ",\"unknown_pool\":" + std::to_string(s.unknown_pool) +
           ",\"malformed\":" + std::to_string(s.malformed) +
           ",\"rejected\":" + std::to_string(s.rejected) +
           ",\"out_of_order\":" + std::to_string(s.out_of_order) +
           ",\"reorg_too_deep\":" + std::to_string(s.reorg_too_deep) +
           ",\"gaps\":" + std::to_string(s.gaps) + ",\"heads\":" + std::to_string(s.heads) +
           "},\"issues\":[";
    for (std::size_t i = 0; i < r.issues.size(); ++i) {
        const auto& is = r.issues[i];
        out += i == 0 ? "{" : ",{";
        out += "\"pool\":";
        append_json_string(out, is.pool);
        out += ",\"block\":" + std::to_string(is.block) +
               ",\"log_index\":" + std::to_string(is.log_index) + ",\"reason\":";
        append_json_string(out, is.reason);
        out += '}';
    }
    out += "]}";
    return out;
}

} // namespace ballast::feed
