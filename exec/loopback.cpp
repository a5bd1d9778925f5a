#include "exec/loopback.hpp"

#include "book/instrument.hpp"
#include "book/pool_state.hpp"
#include "exec/sim_node.hpp"
#include "exec/sim_venue.hpp"
#include "feed/instruments.hpp"
#include "feed/recording.hpp"
#include "feed/venue_protocol.hpp"
#include "feed/venues.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <array>

namespace ballast::exec {

loopback_venues::loopback_venues() = default;
loopback_venues::~loopback_venues() {
    for (auto& v : venues) {
        v->stop();
    }
    if (node) {
        node->stop();
    }
}
loopback_venues::loopback_venues(loopback_venues&&) noexcept = default;
loopback_venues& loopback_venues::operator=(loopback_venues&&) noexcept = default;

namespace {

/// `bytes` random bytes as hex (OpenSSL's CSPRNG: the secret of a key made for one run).
std::optional<std::string> random_hex(std::size_t bytes) {
    std::array<unsigned char, 64> b{};
    if (bytes > b.size() || RAND_bytes(b.data(), static_cast<int>(bytes)) != 1) {
        return std::nullopt;
    }
    return hex_encode(std::span<const std::uint8_t>(b.data(), bytes));
}

/// What a recording holds: its span, the feed venues in it and each one's book channel.
struct recording_scan {
    std::int64_t first = 0;
    std::int64_t last = 0;
    std::vector<std::string> venues;
    std::vector<std::string> channels; ///< by venue; empty: the venue's default
    std::vector<std::unique_ptr<feed::venue_protocol>> protocols;
};

std::optional<std::string> scan(const std::string& path, recording_scan& out) {
    feed::recording_reader reader(false);
    if (auto err = reader.open(path)) {
        return err;
    }
    while (auto f = reader.next()) {
        if (out.first == 0) {
            out.first = f->ts.ns;
        }
        out.last = std::max(out.last, f->ts.ns);
        const auto v = f->url.empty() ? std::string_view{} : feed::detect_venue(f->url);
        if (v.empty()) {
            continue;
        }
        auto at = std::find(out.venues.begin(), out.venues.end(), v);
        if (at == out.venues.end()) {
            out.venues.emplace_back(v);
            out.channels.emplace_back();
            out.protocols.push_back(feed::make_venue_protocol(v));
            at = out.venues.end() - 1;
        }
        const auto k = static_cast<std::size_t>(at - out.venues.begin());
        if (out.channels[k].empty() && out.protocols[k]) {
            out.channels[k] = out.protocols[k]->recorded_channel(f->data);
        }
    }
    if (out.venues.empty()) {
        return "no frame of a known venue in " + path;
    }
    return std::nullopt;
}

/// The signed gateway a sim-venue's order side speaks, with its endpoints; nullopt: paper.
std::optional<live_gateway_input> signed_gateway(const std::string& sim_name, const sim_venue& s) {
    live_gateway_input g;
    g.protocol = sim_name;
    g.rest = s.rest_url();
    if (sim_name == "binance") {
        g.ws = s.url("ws_api");
        g.ws_private = "ws://127.0.0.1:" + std::to_string(s.port());
    } else if (sim_name == "bybit") {
        g.ws = s.url("ws_trade");
        g.ws_private = s.url("ws_private");
    } else if (sim_name == "okx") {
        g.ws = s.url("ws_private");
    } else {
        return std::nullopt;
    }
    return g;
}

} // namespace

std::optional<std::string> start_loopback(scenario& sc, const loopback_options& o,
                                          loopback_venues& out) {
    if (!(o.pace > 0.0)) {
        return std::string("loopback: the pace must be above 0");
    }
    sc.live.feeds.clear();
    sc.live.gateways.clear();
    double longest_s = 0.0;
    for (std::size_t fi = 0; fi < sc.feeds.size(); ++fi) {
        const feed_input& f = sc.feeds[fi];
        const std::string w = "feeds[" + std::to_string(fi) + "]";
        recording_scan rs;
        if (auto err = scan(f.recording, rs)) {
            return w + ".recording: " + *err;
        }
        longest_s = std::max(longest_s, static_cast<double>(rs.last - rs.first) / 1e9);
        const std::string sim_name = sim_venue_serving(rs.venues.front());
        if (sim_name.empty()) {
            return w + ": no loopback venue serves " + rs.venues.front();
        }
        instrument_registry registry;
        for (const auto& file : f.instruments) {
            if (auto err = feed::load_instrument_file(file, registry)) {
                return w + ".instruments: " + *err;
            }
        }
        sim_venue_options so;
        so.venue = sim_name;
        so.captures = {f.recording};
        so.speed = o.pace;
        const bool signs = sim_name == "binance" || sim_name == "bybit" || sim_name == "okx";
        api_credentials keys;
        if (signs) {
            // A key for this run only: nothing outside this process knows its secret.
            const auto secret = random_hex(32);
            const auto passphrase = random_hex(8);
            if (!secret || !passphrase) {
                return std::string("loopback: no random bytes for a key (RAND_bytes failed)");
            }
            sim_account_config a;
            a.api_key = "ballastLoopback" + std::to_string(fi);
            a.secret = secret_text(*secret);
            if (sim_name == "okx") {
                a.passphrase = secret_text(*passphrase);
            }
            // Every asset the followed instruments name, far beyond what a rebalance needs.
            for (const auto& v : rs.venues) {
                for (const auto& sym : f.symbols) {
                    const instrument_spec* spec = registry.find(v, sym);
                    if (spec == nullptr) {
                        continue;
                    }
                    for (const std::string* asset : {&spec->base, &spec->quote, &spec->settle}) {
                        const bool listed =
                            std::any_of(a.balances.begin(), a.balances.end(),
                                        [&](const auto& b) { return b.first == *asset; });
                        if (!asset->empty() && !listed) {
                            a.balances.emplace_back(*asset, *sim_decimal::parse("1000000000"));
                        }
                    }
                }
            }
            keys.api_key = a.api_key;
            keys.secret = a.secret;
            keys.passphrase = a.passphrase;
            so.accounts.push_back(std::move(a));
        }
        auto sim = std::make_unique<sim_venue>(so);
        if (auto err = sim->start()) {
            return w + ": loopback " + sim_name + ": " + *err;
        }
        for (std::size_t vi = 0; vi < rs.venues.size(); ++vi) {
            const std::string& v = rs.venues[vi];
            const bool traded = std::any_of(sc.venues.begin(), sc.venues.end(),
                                            [&](const venue_input& in) { return in.name == v; });
            if (!traded) {
                continue; // the recording carries a venue the scenario does not trade
            }
            live_feed_input lf;
            lf.venue = v;
            lf.symbols = f.symbols;
            lf.ws = sim->feed_url(v);
            lf.rest = sim->rest_url();
            lf.instruments = f.instruments;
            lf.channel = rs.channels[vi]; // the recording's own stream
            sc.live.feeds.push_back(std::move(lf));
            live_gateway_input g;
            if (signs) {
                g = *signed_gateway(sim_name, *sim);
                out.credentials.emplace_back(v, keys);
            } else {
                g.protocol = "paper";
            }
            g.venue = v;
            out.lines.push_back(v + ": " + g.protocol + " at " + sc.live.feeds.back().ws);
            sc.live.gateways.push_back(std::move(g));
        }
        out.venues.push_back(std::move(sim));
    }
    if (sc.live.feeds.empty()) {
        return std::string("loopback: the scenario's recordings carry none of its venues");
    }
    if (!sc.pools.empty()) {
        sim_node_options no;
        for (std::size_t pi = 0; pi < sc.pools.size(); ++pi) {
            auto st = load_pool_state(sc.pools[pi].state);
            if (!st.ok()) {
                return "pools[" + std::to_string(pi) + "].state: " + st.error;
            }
            no.head = std::max(no.head, st.state.meta.block);
        }
        no.block_interval = std::chrono::milliseconds(
            std::max<std::int64_t>(1, static_cast<std::int64_t>(o.block_s / o.pace * 1e3)));
        out.node = std::make_unique<sim_node>(no);
        if (auto err = out.node->start()) {
            return "loopback node: " + *err;
        }
        sc.live.node = {};
        sc.live.node.ws = out.node->url();
        out.lines.push_back("pools: Ethereum node at " + sc.live.node.ws + " (head " +
                            std::to_string(no.head) + ", the pools' state files)");
    }
    sc.live.duration_s = longest_s / o.pace + o.tail_s;
    return std::nullopt;
}

} // namespace ballast::exec
