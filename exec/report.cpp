#include "exec/report.hpp"
#include "exec/report_series.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <ctime>

namespace ballast::exec {

namespace {

void add(std::string& out, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void add(std::string& out, const char* fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    const int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0) {
        out.append(buf, static_cast<std::size_t>(std::min<int>(n, sizeof buf - 1)));
    }
}

std::string utc(timestamp_ns t) {
    const std::time_t s = t.ns / 1000000000;
    std::tm tm{};
    gmtime_r(&s, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>((t.ns / 1000000) % 1000));
    return buf;
}

std::string latency_text(std::uint64_t ns) {
    char buf[32];
    if (ns < 10000) {
        std::snprintf(buf, sizeof buf, "%lluns", static_cast<unsigned long long>(ns));
    } else if (ns < 10000000) {
        std::snprintf(buf, sizeof buf, "%.1fus", static_cast<double>(ns) / 1e3);
    } else {
        std::snprintf(buf, sizeof buf, "%.1fms", static_cast<double>(ns) / 1e6);
    }
    return buf;
}

std::string esc(const std::string& s) {
    std::string o;
    for (char c : s) {
        if (c == '"' || c == '\\') {
            o += '\\';
        }
        o += c;
    }
    return o;
}

} // namespace

long peak_rss_kb() noexcept {
    rusage u{};
    return getrusage(RUSAGE_SELF, &u) == 0 ? u.ru_maxrss : 0;
}

std::string format_report(const run_result& r, long rss) {
    std::string o;
    const double secs = static_cast<double>(r.market_end.ns - r.market_start.ns) / 1e9;
    add(o,
        "ballast run: scenario %s, market %s + %.1fs, %llu frames decoded, %llu book events "
        "merged, %llu feed rejects\n",
        r.scenario.c_str(), utc(r.market_start).c_str(), secs,
        static_cast<unsigned long long>(r.frames), static_cast<unsigned long long>(r.events),
        static_cast<unsigned long long>(r.feed_rejects));
    add(o, "NAV %.2f -> %.2f (quote currency: USD = USDT = USDC)\n\n", r.nav_before, r.nav_after);
    add(o, "weights        before    after   target    band   in band   delta before -> after "
           "(target)\n");
    for (const auto& u : r.underlyings) {
        if (!u.has_target) {
            continue;
        }
        add(o, "  %-8s %8.2f%% %7.2f%% %7.2f%%  +-%4.1f%%   %-4s  %12.4f -> %12.4f (%.4f)\n",
            u.name.c_str(), u.weight_before * 100, u.weight_after * 100, u.target_weight * 100,
            u.band * 100, u.inside_band_after() ? "yes" : "NO", u.delta_before, u.delta_after,
            u.target_delta_after);
    }
    add(o, "\ntrades         venue:instrument          kind          bought        sold      "
           "notional      fees     gas  orders fills\n");
    for (const auto& t : r.trades) {
        const std::string name = t.venue + ":" + t.symbol;
        add(o, "  %-36s %-12s %10.6f %10.6f %13.2f %9.2f %7.2f %6u %5u\n", name.c_str(),
            t.kind.c_str(), t.bought_base, t.sold_base, t.notional_quote, t.fees_quote, t.gas_quote,
            t.orders, t.fills);
    }
    add(o, "\ncosts per parent (vs the arrival mid; naive = all at once on the single best spot "
           "venue)\n");
    double total_cost = 0.0;
    double total_naive = 0.0;
    double total_notional = 0.0;
    for (const auto& p : r.parents) {
        add(o,
            "  %-4s %-4s %-22s %s  requested %.6f filled %.6f @mid %.2f: fees %.2f gas %.2f "
            "slippage %.2f = %.2f (%.2f bps) | naive %s %.2f (%.2f bps)\n",
            p.underlying.c_str(), p.order_side == side::bid ? "buy" : "sell",
            p.route_symbol.c_str(), utc(p.decided).c_str() + 11, p.requested_base, p.filled_base,
            p.arrival_mid, p.fees_quote, p.gas_quote, p.slippage_quote, p.cost_quote, p.cost_bps,
            p.naive_venue.empty() ? "-" : p.naive_venue.c_str(), p.naive_cost_quote,
            p.naive_cost_bps);
        total_cost += p.cost_quote;
        total_notional += p.filled_base * p.arrival_mid;
        // The naive plan scaled to what was actually filled, so both cover the same quantity.
        if (p.naive_filled_base > 0.0) {
            total_naive += p.naive_cost_quote * (p.filled_base / p.naive_filled_base);
        }
    }
    if (total_notional > 0.0) {
        add(o, "  total: %.2f (%.2f bps of %.2f traded) vs naive %.2f (%.2f bps): saved %.2f\n",
            total_cost, total_cost / total_notional * 1e4, total_notional, total_naive,
            total_naive / total_notional * 1e4, total_naive - total_cost);
    }
    add(o, "\nsynthetic leg (target delta reached through the perp instead of spot)\n");
    bool any = false;
    for (const auto& p : r.parents) {
        if (!p.synthetic) {
            continue;
        }
        any = true;
        add(o,
            "  %s %s %.6f via %s: plan cost %.2f vs spot %.2f (fees + half spread + funding "
            "over the horizon): saves %.2f; executed %.2f bps vs spot split %.2f bps at the "
            "decision\n",
            p.underlying.c_str(), p.order_side == side::bid ? "buy" : "sell", p.filled_base,
            p.route_symbol.c_str(), p.plan_route_cost_usd, p.plan_spot_cost_usd,
            p.plan_spot_cost_usd - p.plan_route_cost_usd, p.cost_bps, p.spot_alt_cost_bps);
    }
    if (!any) {
        add(o, "  none: spot was cheaper for every underlying\n");
    }
    add(o, "\norders: %zu (", r.orders.size());
    for (std::size_t s = 0; s < r.orders_by_state.size(); ++s) {
        add(o, "%s%s %llu", s ? ", " : "",
            std::string(to_string(static_cast<order_state>(s))).c_str(),
            static_cast<unsigned long long>(r.orders_by_state[s]));
    }
    add(o, "); pre-trade approved %llu", static_cast<unsigned long long>(r.gate_approved));
    for (const auto& [why, n] : r.gate_rejects) {
        add(o, ", rejected %s %llu", why.c_str(), static_cast<unsigned long long>(n));
    }
    add(o, "\n");
    for (const auto& [t, state] : r.kill_switch_changes) {
        add(o, "kill switch -> %s at %s\n", state.c_str(), utc(t).c_str());
    }
    if (!r.stale_exclusions.empty()) {
        add(o, "excluded from routing (stale or silent book):");
        for (const auto& [v, n] : r.stale_exclusions) {
            add(o, " %s x%llu", v.c_str(), static_cast<unsigned long long>(n));
        }
        add(o, "\n");
    }
    add(o, "journal: %s (%llu records)\n", r.journal_path.c_str(),
        static_cast<unsigned long long>(r.journal_records));
    if (!r.orders_halted.empty()) {
        add(o, "ORDERS HALTED: %s\n", r.orders_halted.c_str());
    }
    if (r.live) {
        add(o,
            "live: %llu orders recovered from the journal, %llu fills reconciled at start, "
            "%llu orders never reached their venue, %llu outcomes asked of the venue\n",
            static_cast<unsigned long long>(r.recovered_orders),
            static_cast<unsigned long long>(r.reconciled_fills),
            static_cast<unsigned long long>(r.never_reached),
            static_cast<unsigned long long>(r.unknown_outcomes));
        if (r.gateway_reconnects + r.gateway_rate_limited + r.gateway_malformed > 0) {
            add(o,
                "gateways: %llu sessions re-opened, %llu rate-limit answers, %llu malformed "
                "frames\n",
                static_cast<unsigned long long>(r.gateway_reconnects),
                static_cast<unsigned long long>(r.gateway_rate_limited),
                static_cast<unsigned long long>(r.gateway_malformed));
            if (!r.gateway_error.empty()) {
                add(o, "gateways: last error: %s\n", r.gateway_error.c_str());
            }
        }
        for (const auto& p : r.pools) {
            add(o, "pool %s: block %llu, %llu states from the node (%s), %s\n", p.name.c_str(),
                static_cast<unsigned long long>(p.block),
                static_cast<unsigned long long>(p.updates), r.pool_node.c_str(),
                p.stale ? "STALE at the end (not routed)" : "exact");
        }
        if (!r.pools.empty() && r.pool_node != "none") {
            add(o, "node: %llu heads, %llu gaps, %llu logs refused%s%s\n",
                static_cast<unsigned long long>(r.pool_node_heads),
                static_cast<unsigned long long>(r.pool_node_gaps),
                static_cast<unsigned long long>(r.pool_node_rejected_logs),
                r.pool_node_error.empty() ? "" : "; last error: ", r.pool_node_error.c_str());
        }
        if (r.clock_steps > 0) {
            add(o,
                "clock: the wall clock stepped %llu times (largest %.3f s); timers and book "
                "ages kept the monotonic clock\n",
                static_cast<unsigned long long>(r.clock_steps),
                static_cast<double>(r.clock_step_max_ns) / 1e9);
        }
    }
    if (r.levels_dropped > 0) {
        add(o, "book levels dropped (a full book side): %llu\n",
            static_cast<unsigned long long>(r.levels_dropped));
    }
    if (r.refused_fills > 0) {
        add(o, "fills refused by the order book (overfill or after a final state): %llu\n",
            static_cast<unsigned long long>(r.refused_fills));
    }
    if (r.unknown_reports + r.duplicate_fills + r.gateway_refusals > 0) {
        add(o,
            "execution reports: %llu for unknown orders, %llu duplicate fills booked once, "
            "%llu sends refused by a gateway\n",
            static_cast<unsigned long long>(r.unknown_reports),
            static_cast<unsigned long long>(r.duplicate_fills),
            static_cast<unsigned long long>(r.gateway_refusals));
    }
    o += latency_report(r);
    add(o, "queue: %s (producer back-offs on a full ring: %llu)\n", r.queue.c_str(),
        static_cast<unsigned long long>(r.queue_full_spins));
    add(o, "peak RSS: %.1f MiB\n", static_cast<double>(rss) / 1024.0);
    return o;
}

std::string latency_report(const run_result& r) {
    std::string o;
    add(o, "\nlatency per hop (TSC, %.3f ticks/ns)   count      p50      p99    p99.9      max\n",
        r.tsc_per_ns);
    const auto row = [&](const hop_row& h, int width) {
        add(o, "  %-*s %*llu %8s %8s %8s %8s\n", width, h.hop.c_str(), 39 - width,
            static_cast<unsigned long long>(h.count), latency_text(h.p50_ns).c_str(),
            latency_text(h.p99_ns).c_str(), latency_text(h.p999_ns).c_str(),
            latency_text(h.max_ns).c_str());
    };
    for (const auto& h : r.latency) {
        row(h, 10);
    }
    const bool measured = std::any_of(r.tick_to_order.begin(), r.tick_to_order.end(),
                                      [](const hop_row& h) { return h.count > 0; });
    if (measured) {
        add(o,
            "tick-to-order (frame received -> order bytes to the socket; received: the "
            "kernel's stamp (SO_TIMESTAMPING) on %llu of %llu frames, else the read's return)\n",
            static_cast<unsigned long long>(r.kernel_stamped_frames),
            static_cast<unsigned long long>(r.frames));
        for (const auto& h : r.tick_to_order) {
            row(h, 18);
        }
    }
    return o;
}

std::string latency_json(const run_result& r) {
    std::string o = "{";
    bool first = true;
    const auto put = [&](const hop_row& h) {
        add(o, "%s\"%s\":{\"count\":%llu,\"p50\":%llu,\"p99\":%llu,\"p999\":%llu,\"max\":%llu}",
            first ? "" : ",", h.hop.c_str(), static_cast<unsigned long long>(h.count),
            static_cast<unsigned long long>(h.p50_ns), static_cast<unsigned long long>(h.p99_ns),
            static_cast<unsigned long long>(h.p999_ns), static_cast<unsigned long long>(h.max_ns));
        first = false;
    };
    for (const auto& h : r.latency) {
        put(h);
    }
    for (const auto& h : r.tick_to_order) {
        put(h);
    }
    return o + "}";
}

std::string report_json(const run_result& r, long rss) {
    std::string o = "{";
    add(o, "\"scenario\":\"%s\",\"market_start\":\"%s\",\"market_end\":\"%s\",",
        esc(r.scenario).c_str(), utc(r.market_start).c_str(), utc(r.market_end).c_str());
    add(o,
        "\"frames\":%llu,\"kernel_stamped_frames\":%llu,\"events\":%llu,\"feed_rejects\":%llu,"
        "\"nav_before\":%.6f,\"nav_after\":%.6f,",
        static_cast<unsigned long long>(r.frames),
        static_cast<unsigned long long>(r.kernel_stamped_frames),
        static_cast<unsigned long long>(r.events), static_cast<unsigned long long>(r.feed_rejects),
        r.nav_before, r.nav_after);
    o += "\"underlyings\":[";
    for (std::size_t i = 0; i < r.underlyings.size(); ++i) {
        const auto& u = r.underlyings[i];
        add(o,
            "%s{\"name\":\"%s\",\"cash\":%s,\"has_target\":%s,\"target_weight\":%.6f,\"band\":%.6f,"
            "\"weight_before\":%.8f,\"weight_after\":%.8f,\"delta_before\":%.8f,\"delta_after\":%."
            "8f,\"target_delta_after\":%.8f,\"inside_band\":%s}",
            i ? "," : "", esc(u.name).c_str(), u.cash ? "true" : "false",
            u.has_target ? "true" : "false", u.target_weight, u.band, u.weight_before,
            u.weight_after, u.delta_before, u.delta_after, u.target_delta_after,
            u.inside_band_after() ? "true" : "false");
    }
    o += "],\"trades\":[";
    for (std::size_t i = 0; i < r.trades.size(); ++i) {
        const auto& t = r.trades[i];
        add(o,
            "%s{\"venue\":\"%s\",\"symbol\":\"%s\",\"kind\":\"%s\",\"bought\":%.10g,\"sold\":%.10g,"
            "\"notional\":%.6f,\"fees\":%.6f,\"gas\":%.6f,\"orders\":%u,\"fills\":%u}",
            i ? "," : "", esc(t.venue).c_str(), esc(t.symbol).c_str(), t.kind.c_str(),
            t.bought_base, t.sold_base, t.notional_quote, t.fees_quote, t.gas_quote, t.orders,
            t.fills);
    }
    o += "],\"parents\":[";
    for (std::size_t i = 0; i < r.parents.size(); ++i) {
        const auto& p = r.parents[i];
        add(o,
            "%s{\"underlying\":\"%s\",\"route\":\"%s\",\"synthetic\":%s,\"side\":\"%s\","
            "\"decided\":\"%s\",\"requested\":%.10g,\"filled\":%.10g,\"arrival_mid\":%.6f,"
            "\"fees\":%.6f,\"gas\":%.6f,\"slippage\":%.6f,\"cost\":%.6f,\"cost_bps\":%.4f,"
            "\"naive_venue\":\"%s\",\"naive_filled\":%.10g,\"naive_cost\":%.6f,\"naive_cost_bps\":%"
            "."
            "4f,\"spot_alt_cost_bps\":%.4f,\"plan_spot_cost\":%.6f,\"plan_route_cost\":%.6f,"
            "\"slices\":%u,\"children\":%u}",
            i ? "," : "", esc(p.underlying).c_str(), esc(p.route_symbol).c_str(),
            p.synthetic ? "true" : "false", p.order_side == side::bid ? "buy" : "sell",
            utc(p.decided).c_str(), p.requested_base, p.filled_base, p.arrival_mid, p.fees_quote,
            p.gas_quote, p.slippage_quote, p.cost_quote, p.cost_bps, esc(p.naive_venue).c_str(),
            p.naive_filled_base, p.naive_cost_quote, p.naive_cost_bps, p.spot_alt_cost_bps,
            p.plan_spot_cost_usd, p.plan_route_cost_usd, p.slices, p.children);
    }
    o += "],\"orders\":{";
    for (std::size_t s = 0; s < r.orders_by_state.size(); ++s) {
        add(o, "%s\"%s\":%llu", s ? "," : "",
            std::string(to_string(static_cast<order_state>(s))).c_str(),
            static_cast<unsigned long long>(r.orders_by_state[s]));
    }
    add(o, "},\"pre_trade\":{\"approved\":%llu", static_cast<unsigned long long>(r.gate_approved));
    for (const auto& [why, n] : r.gate_rejects) {
        add(o, ",\"%s\":%llu", why.c_str(), static_cast<unsigned long long>(n));
    }
    o += "},\"latency_ns\":";
    o += latency_json(r);
    add(o, ",\"queue\":\"%s\",\"journal\":\"%s\",\"journal_records\":%llu", r.queue.c_str(),
        esc(r.journal_path).c_str(), static_cast<unsigned long long>(r.journal_records));
    add(o,
        ",\"orders_halted\":\"%s\",\"unknown_reports\":%llu,\"duplicate_fills\":%llu,"
        "\"gateway_refusals\":%llu,\"live\":%s,\"recovered_orders\":%llu,"
        "\"reconciled_fills\":%llu,\"never_reached\":%llu,\"unknown_outcomes\":%llu,"
        "\"gateway_reconnects\":%llu,\"gateway_rate_limited\":%llu,"
        "\"gateway_malformed\":%llu,\"clock_steps\":%llu,\"clock_step_max_ns\":%lld,"
        "\"levels_dropped\":%llu,\"refused_fills\":%llu,",
        esc(r.orders_halted).c_str(), static_cast<unsigned long long>(r.unknown_reports),
        static_cast<unsigned long long>(r.duplicate_fills),
        static_cast<unsigned long long>(r.gateway_refusals), r.live ? "true" : "false",
        static_cast<unsigned long long>(r.recovered_orders),
        static_cast<unsigned long long>(r.reconciled_fills),
        static_cast<unsigned long long>(r.never_reached),
        static_cast<unsigned long long>(r.unknown_outcomes),
        static_cast<unsigned long long>(r.gateway_reconnects),
        static_cast<unsigned long long>(r.gateway_rate_limited),
        static_cast<unsigned long long>(r.gateway_malformed),
        static_cast<unsigned long long>(r.clock_steps), static_cast<long long>(r.clock_step_max_ns),
        static_cast<unsigned long long>(r.levels_dropped),
        static_cast<unsigned long long>(r.refused_fills));
    o += "\"pools\":[";
    for (std::size_t i = 0; i < r.pools.size(); ++i) {
        const auto& p = r.pools[i];
        add(o, "%s{\"name\":\"%s\",\"block\":%llu,\"updates\":%llu,\"stale\":%s}", i ? "," : "",
            esc(p.name).c_str(), static_cast<unsigned long long>(p.block),
            static_cast<unsigned long long>(p.updates), p.stale ? "true" : "false");
    }
    add(o,
        "],\"pool_node\":{\"url\":\"%s\",\"heads\":%llu,\"gaps\":%llu,"
        "\"rejected_logs\":%llu,\"last_error\":\"%s\"},\"peak_rss_kb\":%ld}\n",
        esc(r.pool_node).c_str(), static_cast<unsigned long long>(r.pool_node_heads),
        static_cast<unsigned long long>(r.pool_node_gaps),
        static_cast<unsigned long long>(r.pool_node_rejected_logs), esc(r.pool_node_error).c_str(),
        rss);
    // The HTML report's time series: the last key, inside the object closed above by "}\n".
    o.insert(o.size() - 2, ",\"series\":" + series_json(r.series, r.market_start.ns));
    return o;
}

} // namespace ballast::exec
