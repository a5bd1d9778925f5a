// Builds the engine from a scenario: risk config, feeds, books, pools, gateways, markets,
// the journal.
#include "exec/engine_state.hpp"

#include <atomic>
#include <unistd.h>

namespace ballast::exec {

std::string engine_impl::setup() {
    // Risk: portfolio, targets, routes, limits.
    auto rc = risk::load_risk_config(sc.portfolio);
    if (!rc.ok()) {
        return std::filesystem::path(sc.portfolio).filename().string() + ": " +
               (rc.errors.empty() ? std::string("invalid") : rc.errors.front());
    }
    cfg = std::move(*rc.config);
    if (!cfg.has_rebalance || cfg.targets.empty()) {
        return std::filesystem::path(sc.portfolio).filename().string() +
               ": targets and [rebalance]: required by ballast run";
    }
    auto& book = cfg.book;
    // Cash: the quote currency every instrument settles in (aliases treated as one).
    std::optional<instrument_id> cash_inst;
    for (std::uint32_t i = 0; i < book.instrument_count(); ++i) {
        const auto& inst = book.instrument(instrument_id{i});
        const auto& u = book.underlying(inst.underlying);
        if (u.cash && std::find(sc.quote_aliases.begin(), sc.quote_aliases.end(), u.name) !=
                          sc.quote_aliases.end()) {
            cash_inst = instrument_id{i};
            break;
        }
    }
    if (!cash_inst) {
        return "portfolio: no instrument of a cash underlying named in quote_aliases (the "
               "quote currency account)";
    }
    account = book.account_count() > 0 ? risk::account_id{0} : book.add_account("ballast");
    auto position_of = [&](instrument_id i) {
        if (auto p = book.find_position(account, i)) {
            return *p;
        }
        return book.add_position(account, i, 0.0, 0.0);
    };
    cash_position = position_of(*cash_inst);
    position_by_instrument.assign(book.instrument_count(), risk::position_id{});
    // Venue terms.
    for (const auto& v : sc.venues) {
        venue_names.push_back(v.name);
        venue_terms.push_back(
            {v.taker_fee_bps, static_cast<std::int64_t>(v.latency_ms * 1e6), v.gas_quote});
    }
    const terms_lookup terms_of = [&](const std::string& venue) -> std::optional<std::size_t> {
        for (std::size_t i = 0; i < venue_names.size(); ++i) {
            if (venue_names[i] == venue) {
                return i;
            }
        }
        return std::nullopt;
    };
    // Feeds: recordings (replay) or the venues themselves (live); the venue of each feed.
    std::vector<std::string> feed_venues;
    if (live_mode) {
        if (auto err = setup_live_feeds(feed_venues, terms_of); !err.empty()) {
            return err;
        }
    } else if (auto err = setup_replay_feeds(feed_venues, terms_of); !err.empty()) {
        return err;
    }
    // Mirrored books: every portfolio instrument listed by a feed venue.
    for (std::uint32_t i = 0; i < book.instrument_count(); ++i) {
        const auto& inst = book.instrument(instrument_id{i});
        for (std::size_t fi = 0; fi < feed_venues.size(); ++fi) {
            if (feed_venues[fi] != inst.spec.venue) {
                continue;
            }
            const instrument_spec* spec = registry.find(inst.spec.venue, inst.spec.symbol);
            const std::string name = inst.spec.venue + ":" + inst.spec.symbol;
            if (spec == nullptr) {
                return "portfolio: instrument " + name +
                       " is not in the venue's instrument list (feeds[].instruments)";
            }
            if (steps_to_double(1, spec->tick) != steps_to_double(1, inst.spec.tick) ||
                steps_to_double(1, spec->lot) != steps_to_double(1, inst.spec.lot)) {
                return "portfolio: instrument " + name + ": tick " +
                       format_steps(1, inst.spec.tick) + " / lot " +
                       format_steps(1, inst.spec.lot) + " differ from the venue's tick " +
                       format_steps(1, spec->tick) + " / lot " + format_steps(1, spec->lot);
            }
            const auto vid = cfg.find_venue(inst.spec.venue);
            if (vid.value == 0) {
                return "portfolio: venue " + inst.spec.venue +
                       " has no [[limits.venues]] order-rate bucket";
            }
            book_slot b;
            b.feed = fi;
            b.spec = spec;
            b.instrument = instrument_id{i};
            b.position = position_of(b.instrument);
            position_by_instrument[i] = b.position;
            b.venue = vid;
            b.venue_terms = *terms_of(inst.spec.venue);
            // The mirror holds as many levels as the feed's book, so it never drops one the
            // feed holds (the feed counts its own drops: book_counters::dropped_full).
            const std::size_t mirror_levels =
                live_mode ? feed::book_capacity_of(live_feeds[fi].options.venue,
                                                   live_feeds[fi].options.decoder)
                          : feeds[fi]->decoder->book_capacity();
            b.book = std::make_unique<l2_book>(mirror_levels);
            if (live_mode) {
                live_source& ls = live_feeds[fi];
                const auto& syms = ls.options.client.symbols;
                const auto it = std::find(syms.begin(), syms.end(), inst.spec.symbol);
                if (it == syms.end()) {
                    continue; // the venue is followed, but not this symbol
                }
                ls.slot_to_book[static_cast<std::size_t>(it - syms.begin())] =
                    static_cast<std::uint16_t>(books.size());
            } else {
                feeds[fi]->symbol_slots.emplace_back(inst.spec.symbol,
                                                     static_cast<std::uint16_t>(books.size()));
            }
            books.push_back(std::move(b));
        }
    }
    if (books.empty()) {
        return "portfolio: no instrument is quoted by the scenario's recordings";
    }
    // Pools.
    for (std::size_t pi = 0; pi < sc.pools.size(); ++pi) {
        const auto& in = sc.pools[pi];
        const std::string w = "pools[" + std::to_string(pi) + "]";
        auto st = load_pool_state(in.state);
        if (!st.ok()) {
            return w + ".state: " + st.error;
        }
        if (st.state.kind != pool_kind::uniswap_v3) {
            return w + ".state: only uniswap_v3 pools are executed by the simulated gateway";
        }
        const auto inst = book.find_instrument(in.venue, in.symbol);
        if (!inst) {
            return w + ": no portfolio instrument " + in.venue + ":" + in.symbol;
        }
        const auto terms = terms_of(in.venue);
        if (!terms) {
            return w + ".venue: no [[venues]] entry for \"" + in.venue + "\"";
        }
        const auto vid = cfg.find_venue(in.venue);
        if (vid.value == 0) {
            return w + ".venue: " + in.venue + " has no [[limits.venues]] order-rate bucket";
        }
        auto view = router::amm_pool::from_state(st.state, in.base_token, in.quote_token);
        if (!view.ok()) {
            return w + ": " + view.error;
        }
        pool_slot p;
        p.state = st.state;
        p.view = std::make_unique<router::amm_pool>(std::move(view.pool));
        p.terms.base_is_token0 = p.view->base_is_token0();
        p.terms.base_decimals = p.view->base_decimals();
        p.terms.quote_decimals = p.view->quote_decimals();
        p.spec = &book.instrument(*inst).spec;
        p.terms.lot = p.spec->lot;
        p.base_token = in.base_token;
        p.quote_token = in.quote_token;
        p.instrument = *inst;
        p.position = position_of(*inst);
        position_by_instrument[inst->value] = p.position;
        p.venue = vid;
        p.venue_terms = *terms;
        pools.push_back(std::move(p));
    }
    // One simulated gateway per venue, trading the engine's mirror of its books and pools.
    for (std::size_t v = 0; v < venue_terms.size(); ++v) {
        gateways.push_back(
            std::make_unique<sim_gateway>(cfg.find_venue(venue_names[v]), venue_terms[v], &now));
    }
    for (book_slot& b : books) {
        gateways[b.venue_terms]->add_book(b.spec, b.book.get());
    }
    for (pool_slot& p : pools) {
        gateways[p.venue_terms]->add_pool(p.spec, &p.state, p.terms);
    }
    for (const auto& g : gateways) {
        gw.push_back(g.get());
    }

    // Markets: spot (books + pools) and perp per non-cash underlying.
    for (std::uint32_t u = 0; u < book.underlying_count(); ++u) {
        if (book.underlying(risk::underlying_id{u}).cash) {
            continue;
        }
        for (bool perp : {false, true}) {
            market m;
            m.underlying = risk::underlying_id{u};
            m.perp = perp;
            std::int64_t finest_m = 0;
            int finest_e = 0;
            auto consider = [&](decimal_step lot) {
                if (finest_m == 0 ||
                    steps_to_double(1, lot) < steps_to_double(finest_m, {1, finest_e})) {
                    finest_m = lot.mantissa;
                    finest_e = lot.exponent;
                }
            };
            for (std::size_t bi = 0; bi < books.size(); ++bi) {
                const auto& inst = book.instrument(books[bi].instrument);
                const bool is_perp = inst.spec.kind == instrument_kind::linear_perp;
                if (inst.underlying.value != u || is_perp != perp ||
                    (!is_perp && inst.spec.kind != instrument_kind::spot)) {
                    continue;
                }
                m.books.push_back(bi);
                consider(books[bi].spec->lot);
            }
            if (!perp) {
                for (std::size_t pi = 0; pi < pools.size(); ++pi) {
                    if (book.instrument(pools[pi].instrument).underlying.value == u) {
                        m.pools.push_back(pi);
                        consider(pools[pi].spec->lot);
                    }
                }
            }
            if (m.books.empty() && m.pools.empty()) {
                continue;
            }
            m.base_step = decimal_step{finest_m, finest_e};
            for (std::size_t pi : m.pools) {
                if (steps_to_double(1, pools[pi].spec->lot) != steps_to_double(1, m.base_step)) {
                    return "portfolio: pool instrument " + pools[pi].spec->symbol +
                           " must use the finest lot of its market (" +
                           format_steps(1, m.base_step) + ")";
                }
            }
            m.book_sources.resize(m.books.size());
            m.pool_sources.resize(m.pools.size());
            markets.push_back(std::move(m));
        }
    }
    routes = cfg.routes;
    drift.resize(cfg.targets.size());
    plan.resize(cfg.targets.size());
    if (auto err = book.full_revalue(); err != risk::risk_error::ok) {
        return "portfolio: cannot value the initial book: " + std::string(risk::to_string(err));
    }
    checker = std::make_unique<risk::pre_trade_checker>(cfg.make_checker());
    gate = std::make_unique<risk_gate>(*checker, books, pools);
    gate->latencies = &lat;
    children.resize(64);
    timers.reserve(1 << 14);
    parents.reserve(1024);
    initial_contracts.resize(book.position_count());
    fill_contracts.assign(book.position_count(), 0.0);
    for (std::uint32_t p = 0; p < book.position_count(); ++p) {
        initial_contracts[p] = book.position(risk::position_id{p}).contracts;
    }
    // Journal.
    std::string jpath = sc.journal;
    if (jpath.empty()) {
        // No journal configured: a fresh one per run (the journal is append-only, so runs
        // sharing a default file would continue each other's order ids).
        static std::atomic<unsigned> runs{0};
        jpath = (std::filesystem::temp_directory_path() /
                 ("ballast-run-" + sc.name + "-" + std::to_string(::getpid()) + "-" +
                  std::to_string(++runs) + ".journal"))
                    .string();
    }
    sc.journal = jpath;
    journal_options jo;
    if (live_mode) {
        jo.sync = sc.live.journal_sync == "every"  ? journal_sync::every
                  : sc.live.journal_sync == "none" ? journal_sync::none
                                                   : journal_sync::grouped;
    }
    if (auto err = jr.open(jpath, jo)) {
        return *err;
    }
    if (live_mode) {
        // Live: the journal's orders are this engine's; their fates are settled at start
        // (recover_and_reconcile) before any new order, whose ids continue after them.
        const auto rec = recover_journal(jpath, orders);
        if (!rec.ok()) {
            return "journal: " + rec.error;
        }
        for (const order& o : orders.orders()) {
            orders.find(o.id)->parent = UINT32_MAX; // no parent in this run
        }
        for (const auto& [v, id, trade] : rec.booked_trades) {
            (void)booked_fills.insert(fill_dedup::key(venue_id{v}, client_order_id{id}, trade));
        }
        if (auto err = setup_live_gateways(); !err.empty()) {
            return err;
        }
        if (auto err = setup_live_pools(); !err.empty()) {
            return err;
        }
    } else {
        // Replay: client order ids continue the journal's, so a wire id is never used twice.
        (void)orders.start_ids_after(jr.last_order_id());
    }
    // Timers: first rebalance after the warm-up, kill switch changes.
    add_timer({market_start + static_cast<std::int64_t>(sc.policy.warmup_s * 1e9), 0,
               timer::kind::rebalance, 0, 0});
    for (std::size_t k = 0; k < sc.kill_switch.size(); ++k) {
        add_timer({market_start + static_cast<std::int64_t>(sc.kill_switch[k].at_s * 1e9), 0,
                   timer::kind::kill, static_cast<std::uint32_t>(k), 0});
    }
    return {};
}

std::string engine_impl::setup_replay_feeds(std::vector<std::string>& feed_venues,
                                            const terms_lookup& terms_of) {
    // Instruments of the venues, and which venues each recording carries.
    std::int64_t start = 0;
    struct scanned {
        std::vector<std::string> venues;
        std::int64_t first = 0;
        std::int64_t last = 0;
    };
    std::vector<scanned> scans;
    for (std::size_t fi = 0; fi < sc.feeds.size(); ++fi) {
        const auto& f = sc.feeds[fi];
        for (std::size_t k = 0; k < f.instruments.size(); ++k) {
            if (auto err = feed::load_instrument_file(f.instruments[k], registry)) {
                return "feeds[" + std::to_string(fi) + "].instruments[" + std::to_string(k) +
                       "]: " + *err;
            }
        }
        feed::recording_reader reader(false);
        if (auto err = reader.open(f.recording)) {
            return "feeds[" + std::to_string(fi) + "].recording: " + *err;
        }
        scanned s;
        while (auto rf = reader.next()) {
            if (s.first == 0) {
                s.first = rf->ts.ns;
            }
            s.last = std::max(s.last, rf->ts.ns);
            const auto v = rf->url.empty() ? std::string_view{} : feed::detect_venue(rf->url);
            if (!v.empty() && std::find(s.venues.begin(), s.venues.end(), v) == s.venues.end()) {
                s.venues.emplace_back(v);
            }
        }
        if (s.venues.empty()) {
            return "feeds[" + std::to_string(fi) + "].recording: no frame of a known venue in " +
                   f.recording;
        }
        if (f.align_start) {
            start = std::max(start, s.first);
        }
        scans.push_back(std::move(s));
    }
    if (start == 0) {
        start = scans.front().first;
    }
    market_start = start;
    // The recordings must overlap the market and outlast the warm-up: otherwise the run would
    // end without a decision, and say nothing of why.
    std::int64_t end = start;
    for (std::size_t fi = 0; fi < sc.feeds.size(); ++fi) {
        const auto& sn = scans[fi];
        const std::int64_t shifted_last =
            sn.last + (sc.feeds[fi].align_start ? start - sn.first : 0);
        if (shifted_last < start) {
            return "feeds[" + std::to_string(fi) + "].recording: ends " +
                   std::to_string((start - shifted_last) / 1'000'000'000) +
                   " s before the market starts (its first frame is before the other "
                   "recordings'; set align_start = true)";
        }
        end = std::max(end, shifted_last);
    }
    if (sc.policy.warmup_s * 1e9 >= static_cast<double>(end - start)) {
        char span[32];
        std::snprintf(span, sizeof span, "%.1f", static_cast<double>(end - start) / 1e9);
        return "engine.warmup_s: " + std::to_string(static_cast<long long>(sc.policy.warmup_s)) +
               " s is not shorter than the recordings (" + span +
               " s from the market start): no rebalance would run";
    }
    // A symbol the venue's instrument lists do not have cannot be in its recording either.
    for (std::size_t fi = 0; fi < sc.feeds.size(); ++fi) {
        const auto& f = sc.feeds[fi];
        if (f.instruments.empty()) {
            continue; // no list: the decoders derive each book's scale from its data
        }
        for (std::size_t k = 0; k < f.symbols.size(); ++k) {
            const bool listed =
                std::any_of(scans[fi].venues.begin(), scans[fi].venues.end(),
                            [&](const std::string& v) { return registry.find(v, f.symbols[k]); });
            if (!listed) {
                return "feeds[" + std::to_string(fi) + "].symbols[" + std::to_string(k) + "]: \"" +
                       f.symbols[k] + "\" is not in the instrument lists of the recording's venue";
            }
        }
    }
    const double tsc_rate = calibrate_tsc_per_ns();
    lat = hop_latencies(tsc_rate);
    for (std::size_t fi = 0; fi < sc.feeds.size(); ++fi) {
        const auto& f = sc.feeds[fi];
        for (const auto& v : scans[fi].venues) {
            if (!terms_of(v)) {
                return "venues: no [[venues]] entry for \"" + v + "\" (found in feeds[" +
                       std::to_string(fi) + "].recording)";
            }
            auto t = std::make_unique<feed_thread>();
            t->path = f.recording;
            t->venue = v;
            t->offset_ns = f.align_start ? start - scans[fi].first : 0;
            t->rejects = std::make_unique<feed::reject_log>(1000);
            feed::feed_options opt;
            opt.symbols = f.symbols;
            t->decoder = feed::make_venue_feed(v, registry, *t->rejects, opt);
            if (!t->decoder) {
                return "feeds[" + std::to_string(fi) + "]: no decoder for venue " + v;
            }
            t->ring = std::make_unique<feed::book_ring>(sc.policy.queue_capacity);
            t->tsc_per_ns = tsc_rate;
            feed_venues.push_back(v);
            feeds.push_back(std::move(t));
        }
    }
    return {};
}

engine::created engine::create(const scenario& s, const engine_options& options) {
    created c;
    auto impl = std::make_unique<engine_impl>();
    impl->sc = s;
    impl->live_mode = options.live;
    impl->stop_requests = options.stop;
    impl->wall_clock = options.wall_clock;
    impl->credentials = options.credentials;
    impl->probe_every = options.probe_every;
    if (options.live && !s.live.configured()) {
        c.error = std::filesystem::path(s.path).filename().string() +
                  ": live.feeds: a live run needs the venues to follow ([[live.feeds]])";
        return c;
    }
    if (auto err = impl->setup(); !err.empty()) {
        c.error = err;
        c.unavailable = impl->jr.busy();
        return c;
    }
    c.value.reset(new engine());
    c.value->impl_ = std::move(impl);
    return c;
}

} // namespace ballast::exec
