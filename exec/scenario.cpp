#include "exec/scenario.hpp"

#include "book/config_file.hpp"

#include <toml++/toml.h>

#include <cmath>
#include <filesystem>

namespace ballast::exec {

namespace fs = std::filesystem;

namespace {

struct reader {
    std::string file; // file name for messages
    std::string dir;
    std::string error;

    bool fail(const std::string& field, const std::string& what) {
        if (error.empty()) {
            error = file + ": " + field + ": " + what;
        }
        return false;
    }
    std::string resolve(const std::string& p) const {
        const fs::path x(p);
        return x.is_absolute() ? x.lexically_normal().string()
                               : (fs::path(dir) / x).lexically_normal().string();
    }
    bool text(const toml::node_view<const toml::node> n, const std::string& field, std::string& out,
              bool required) {
        if (!n) {
            return required ? fail(field, "missing (a string)") : true;
        }
        const auto v = n.value<std::string>();
        if (!v || v->empty()) {
            return fail(field, "must be a non-empty string");
        }
        out = *v;
        return true;
    }
    bool file_path(const toml::node_view<const toml::node> n, const std::string& field,
                   std::string& out, bool required) {
        std::string p;
        if (!text(n, field, p, required)) {
            return false;
        }
        if (p.empty()) {
            return true;
        }
        out = resolve(p);
        std::error_code ec;
        if (!fs::is_regular_file(out, ec)) {
            return fail(field, "no such file \"" + out + "\"");
        }
        return true;
    }
    bool number(const toml::node_view<const toml::node> n, const std::string& field, double& out,
                double min, double max) {
        if (!n) {
            return true; // defaults documented in scenario.hpp
        }
        const auto v = n.value<double>();
        if (!v || !std::isfinite(*v) || *v < min || *v > max) {
            return fail(field, "must be a number in [" + std::to_string(min) + ", " +
                                   std::to_string(max) + "]");
        }
        out = *v;
        return true;
    }
    /// A core number (whether this machine has it is checked when the thread is pinned).
    bool core(const toml::node_view<const toml::node> n, const std::string& field, int& out) {
        if (!n) {
            return true;
        }
        const auto v = n.value<std::int64_t>();
        if (!n.is_integer() || !v || *v < 0 || *v > 1023) {
            return fail(field, "must be a core number in [0, 1023]");
        }
        out = static_cast<int>(*v);
        return true;
    }
    bool boolean(const toml::node_view<const toml::node> n, const std::string& field, bool& out) {
        if (!n) {
            return true;
        }
        const auto v = n.value<bool>();
        if (!v) {
            return fail(field, "must be true or false");
        }
        out = *v;
        return true;
    }
    bool strings(const toml::node_view<const toml::node> n, const std::string& field,
                 std::vector<std::string>& out) {
        if (!n) {
            return true;
        }
        if (const auto* s = n.as_string()) {
            out.push_back(s->get());
            return true;
        }
        const auto* a = n.as_array();
        if (a == nullptr) {
            return fail(field, "must be a string or an array of strings");
        }
        for (std::size_t i = 0; i < a->size(); ++i) {
            const auto v = (*a)[i].value<std::string>();
            if (!v || v->empty()) {
                return fail(field + "[" + std::to_string(i) + "]", "must be a non-empty string");
            }
            out.push_back(*v);
        }
        return true;
    }
    void check_keys(const toml::table& t, const std::string& where,
                    std::initializer_list<std::string_view> known) {
        for (const auto& [k, v] : t) {
            bool ok = false;
            for (auto n : known) {
                ok = ok || k.str() == n;
            }
            if (!ok) {
                fail(where.empty() ? std::string(k.str()) : where + "." + std::string(k.str()),
                     "unknown field");
            }
        }
    }
};

const toml::array* array_of_tables(reader& r, const toml::table& root, std::string_view key) {
    const auto* n = root.get(key);
    if (n == nullptr) {
        return nullptr;
    }
    const auto* a = n->as_array();
    if (a == nullptr || !a->is_array_of_tables()) {
        r.fail(std::string(key), "must be an array of tables ([[" + std::string(key) + "]])");
        return nullptr;
    }
    return a;
}

} // namespace

scenario_result load_scenario(const std::string& path) {
    scenario_result out;
    reader r;
    r.file = fs::path(path).filename().string();
    r.dir = fs::path(path).has_parent_path() ? fs::path(path).parent_path().string() : ".";
    // The shared reader: "<path>: is a directory", "<path>: empty file", errno text, or
    // "<path>:<line>: <reason>" (book/config_file).
    const auto text = config_file::read_text(path);
    auto parsed =
        text.ok() ? config_file::parse_toml(text.text, path) : config_file::table_result{};
    if (!text.ok() || !parsed.ok()) {
        out.error = text.ok() ? parsed.error : text.error;
        return out;
    }
    toml::table root = std::move(parsed.table);
    const toml::table& croot = root;
    scenario s;
    s.path = path;
    s.dir = r.dir;
    r.check_keys(root, "",
                 {"name", "portfolio", "journal", "engine", "feeds", "venues", "pools",
                  "kill_switch", "quote_aliases", "live"});
    r.text(croot["name"], "name", s.name, true);
    r.file_path(croot["portfolio"], "portfolio", s.portfolio, true);
    std::string journal;
    if (r.text(croot["journal"], "journal", journal, false) && !journal.empty()) {
        s.journal = r.resolve(journal);
    }
    r.strings(croot["quote_aliases"], "quote_aliases", s.quote_aliases);
    if (s.quote_aliases.empty()) {
        s.quote_aliases = {"USD", "USDT", "USDC"};
    }
    if (const auto* e = croot["engine"].as_table()) {
        r.check_keys(*e, "engine",
                     {"warmup_s", "rebalance_interval_s", "slices", "slice_interval_s",
                      "collar_bps", "max_book_age_s", "queue_capacity"});
        const toml::node_view<const toml::node> en{e};
        auto& p = s.policy;
        r.number(en["warmup_s"], "engine.warmup_s", p.warmup_s, 0.0, 86400.0);
        r.number(en["rebalance_interval_s"], "engine.rebalance_interval_s", p.rebalance_interval_s,
                 0.001, 86400.0);
        double slices = p.slices;
        r.number(en["slices"], "engine.slices", slices, 1.0, 64.0);
        if (slices != std::floor(slices)) {
            r.fail("engine.slices", "must be a whole number in [1, 64]");
        }
        p.slices = static_cast<std::uint32_t>(slices);
        r.number(en["slice_interval_s"], "engine.slice_interval_s", p.slice_interval_s, 0.001,
                 86400.0);
        r.number(en["collar_bps"], "engine.collar_bps", p.collar_bps, 0.0, 5000.0);
        r.number(en["max_book_age_s"], "engine.max_book_age_s", p.max_book_age_s, 0.001, 86400.0);
        double cap = p.queue_capacity;
        r.number(en["queue_capacity"], "engine.queue_capacity", cap, 16.0, 1 << 24);
        p.queue_capacity = static_cast<std::uint32_t>(cap);
    } else if (root.contains("engine")) {
        r.fail("engine", "must be a table");
    }
    if (const auto* a = array_of_tables(r, root, "feeds")) {
        for (std::size_t i = 0; i < a->size(); ++i) {
            const auto& t = *(*a)[i].as_table();
            const std::string w = "feeds[" + std::to_string(i) + "]";
            r.check_keys(t, w, {"recording", "instruments", "symbols", "align_start"});
            const toml::node_view<const toml::node> n{t};
            feed_input f;
            r.file_path(n["recording"], w + ".recording", f.recording, true);
            std::vector<std::string> inst;
            r.strings(n["instruments"], w + ".instruments", inst);
            for (std::size_t k = 0; k < inst.size(); ++k) {
                const std::string p = r.resolve(inst[k]);
                std::error_code ec;
                if (!fs::is_regular_file(p, ec)) {
                    r.fail(w + ".instruments[" + std::to_string(k) + "]",
                           "no such file \"" + p + "\"");
                }
                f.instruments.push_back(p);
            }
            r.strings(n["symbols"], w + ".symbols", f.symbols);
            r.boolean(n["align_start"], w + ".align_start", f.align_start);
            s.feeds.push_back(std::move(f));
        }
    }
    if (const auto* a = array_of_tables(r, root, "venues")) {
        for (std::size_t i = 0; i < a->size(); ++i) {
            const auto& t = *(*a)[i].as_table();
            const std::string w = "venues[" + std::to_string(i) + "]";
            r.check_keys(t, w,
                         {"name", "taker_fee_bps", "maker_fee_bps", "latency_ms", "gas_quote"});
            const toml::node_view<const toml::node> n{t};
            venue_input v;
            r.text(n["name"], w + ".name", v.name, true);
            if (!n["taker_fee_bps"]) {
                r.fail(w + ".taker_fee_bps", "missing (a number of basis points)");
            }
            r.number(n["taker_fee_bps"], w + ".taker_fee_bps", v.taker_fee_bps, 0.0, 1000.0);
            r.number(n["maker_fee_bps"], w + ".maker_fee_bps", v.maker_fee_bps, -100.0, 1000.0);
            r.number(n["latency_ms"], w + ".latency_ms", v.latency_ms, 0.0, 60000.0);
            r.number(n["gas_quote"], w + ".gas_quote", v.gas_quote, 0.0, 1e6);
            for (const auto& o : s.venues) {
                if (o.name == v.name) {
                    r.fail(w + ".name", "duplicate venue \"" + v.name + "\"");
                }
            }
            s.venues.push_back(std::move(v));
        }
    }
    if (const auto* a = array_of_tables(r, root, "pools")) {
        for (std::size_t i = 0; i < a->size(); ++i) {
            const auto& t = *(*a)[i].as_table();
            const std::string w = "pools[" + std::to_string(i) + "]";
            r.check_keys(t, w, {"state", "venue", "symbol", "base_token", "quote_token"});
            const toml::node_view<const toml::node> n{t};
            pool_input p;
            r.file_path(n["state"], w + ".state", p.state, true);
            r.text(n["venue"], w + ".venue", p.venue, true);
            r.text(n["symbol"], w + ".symbol", p.symbol, true);
            r.text(n["base_token"], w + ".base_token", p.base_token, true);
            r.text(n["quote_token"], w + ".quote_token", p.quote_token, true);
            s.pools.push_back(std::move(p));
        }
    }
    if (const auto* a = array_of_tables(r, root, "kill_switch")) {
        for (std::size_t i = 0; i < a->size(); ++i) {
            const auto& t = *(*a)[i].as_table();
            const std::string w = "kill_switch[" + std::to_string(i) + "]";
            r.check_keys(t, w, {"at_s", "state"});
            const toml::node_view<const toml::node> n{t};
            kill_switch_event k;
            if (!n["at_s"]) {
                r.fail(w + ".at_s", "missing (seconds after the market start)");
            }
            r.number(n["at_s"], w + ".at_s", k.at_s, 0.0, 1e9);
            std::string st;
            if (r.text(n["state"], w + ".state", st, true) &&
                !risk::parse_kill_switch(st, k.state)) {
                r.fail(w + ".state", "must be active, reduce_only or halted (got \"" + st + "\")");
            }
            s.kill_switch.push_back(k);
        }
    }
    if (const auto* l = croot["live"].as_table()) {
        r.check_keys(
            *l, "live",
            {"duration_s", "journal_sync", "feeds", "gateways", "engine_cpu", "idle", "node"});
        const toml::node_view<const toml::node> ln{l};
        r.number(ln["duration_s"], "live.duration_s", s.live.duration_s, 0.0, 1e7);
        if (r.text(ln["journal_sync"], "live.journal_sync", s.live.journal_sync, false) &&
            s.live.journal_sync != "every" && s.live.journal_sync != "grouped" &&
            s.live.journal_sync != "none") {
            r.fail("live.journal_sync",
                   "must be every, grouped or none (got \"" + s.live.journal_sync + "\")");
        }
        r.core(ln["engine_cpu"], "live.engine_cpu", s.live.engine_cpu);
        if (r.text(ln["idle"], "live.idle", s.live.idle, false) && s.live.idle != "spin" &&
            s.live.idle != "yield" && s.live.idle != "backoff") {
            r.fail("live.idle", "must be spin, yield or backoff (got \"" + s.live.idle + "\")");
        }
        if (const auto* nd = (*l)["node"].as_table()) {
            r.check_keys(*nd, "live.node", {"ws", "ca_file", "cpu"});
            const toml::node_view<const toml::node> n{nd};
            if (r.text(n["ws"], "live.node.ws", s.live.node.ws, true) &&
                !s.live.node.ws.starts_with("ws://") && !s.live.node.ws.starts_with("wss://")) {
                r.fail("live.node.ws",
                       "must be a ws:// or wss:// URL (got \"" + s.live.node.ws + "\")");
            }
            r.file_path(n["ca_file"], "live.node.ca_file", s.live.node.ca_file, false);
            r.core(n["cpu"], "live.node.cpu", s.live.node.cpu);
        } else if (l->contains("node")) {
            r.fail("live.node", "must be a table");
        }
        if (const auto* a = array_of_tables(r, *l, "feeds")) {
            for (std::size_t i = 0; i < a->size(); ++i) {
                const auto& t = *(*a)[i].as_table();
                const std::string w = "live.feeds[" + std::to_string(i) + "]";
                r.check_keys(
                    t, w,
                    {"venue", "symbols", "ws", "rest", "ca_file", "instruments", "channel", "cpu"});
                const toml::node_view<const toml::node> n{t};
                live_feed_input f;
                r.text(n["venue"], w + ".venue", f.venue, true);
                r.strings(n["symbols"], w + ".symbols", f.symbols);
                if (f.symbols.empty()) {
                    r.fail(w + ".symbols", "missing (the venue's symbols to follow)");
                }
                r.text(n["ws"], w + ".ws", f.ws, false);
                r.text(n["rest"], w + ".rest", f.rest, false);
                r.text(n["channel"], w + ".channel", f.channel, false);
                r.core(n["cpu"], w + ".cpu", f.cpu);
                r.file_path(n["ca_file"], w + ".ca_file", f.ca_file, false);
                std::vector<std::string> inst;
                r.strings(n["instruments"], w + ".instruments", inst);
                for (std::size_t k = 0; k < inst.size(); ++k) {
                    std::string p;
                    r.file_path(
                        toml::node_view<const toml::node>{(*t["instruments"].as_array())[k]},
                        w + ".instruments[" + std::to_string(k) + "]", p, true);
                    f.instruments.push_back(p);
                }
                s.live.feeds.push_back(std::move(f));
            }
        }
        if (const auto* a = array_of_tables(r, *l, "gateways")) {
            for (std::size_t i = 0; i < a->size(); ++i) {
                const auto& t = *(*a)[i].as_table();
                const std::string w = "live.gateways[" + std::to_string(i) + "]";
                r.check_keys(t, w,
                             {"venue", "protocol", "ws", "ws_private", "rest", "ca_file", "keys",
                              "user_stream", "orders", "idle", "cpu"});
                const toml::node_view<const toml::node> n{t};
                live_gateway_input g;
                r.text(n["venue"], w + ".venue", g.venue, true);
                if (r.text(n["protocol"], w + ".protocol", g.protocol, true) &&
                    g.protocol != "binance" && g.protocol != "okx" && g.protocol != "bybit" &&
                    g.protocol != "paper") {
                    r.fail(w + ".protocol",
                           "must be binance, okx, bybit or paper (got \"" + g.protocol + "\")");
                }
                r.text(n["ws"], w + ".ws", g.ws, false);
                r.text(n["ws_private"], w + ".ws_private", g.ws_private, false);
                r.text(n["rest"], w + ".rest", g.rest, false);
                r.file_path(n["ca_file"], w + ".ca_file", g.ca_file, false);
                r.file_path(n["keys"], w + ".keys", g.keys, false);
                if (r.text(n["user_stream"], w + ".user_stream", g.user_stream, false) &&
                    g.user_stream != "websocket_api" && g.user_stream != "listen_key") {
                    r.fail(w + ".user_stream",
                           "must be websocket_api or listen_key (got \"" + g.user_stream + "\")");
                }
                if (r.text(n["orders"], w + ".orders", g.orders, false) &&
                    g.orders != "websocket_api" && g.orders != "rest") {
                    r.fail(w + ".orders",
                           "must be websocket_api or rest (got \"" + g.orders + "\")");
                }
                if (r.text(n["idle"], w + ".idle", g.idle, false) && g.idle != "block" &&
                    g.idle != "spin") {
                    r.fail(w + ".idle", "must be block or spin (got \"" + g.idle + "\")");
                }
                r.core(n["cpu"], w + ".cpu", g.cpu);
                bool known = false;
                for (const auto& v : s.venues) {
                    known = known || v.name == g.venue;
                }
                if (!known) {
                    r.fail(w + ".venue", "no [[venues]] entry named \"" + g.venue + "\"");
                }
                for (const auto& o : s.live.gateways) {
                    if (o.venue == g.venue) {
                        r.fail(w + ".venue", "a second gateway for \"" + g.venue + "\"");
                    }
                }
                s.live.gateways.push_back(std::move(g));
            }
        }
    } else if (root.contains("live")) {
        r.fail("live", "must be a table");
    }
    if (s.feeds.empty() && !s.live.configured() && r.error.empty()) {
        r.fail("feeds", "at least one [[feeds]] recording (or a [[live.feeds]] venue) is required");
    }
    if (r.error.empty()) {
        if (std::string err = check_scenario(s); !err.empty()) {
            r.error = r.file + ": " + err;
        }
    }
    if (!r.error.empty()) {
        out.error = r.error;
        return out;
    }
    out.value = std::move(s);
    return out;
}

} // namespace ballast::exec
