// The report's time series on the engine thread: every series_period_ns of market time, the
// weight and the spot / derivative delta of each underlying and the worst health each book had;
// each parent's and each venue's cumulative fills. Storage is sized before the run; sampling never
// allocates.
#include "exec/engine_state.hpp"

namespace ballast::exec {

namespace {

/// Live is best, then syncing, then any stale state.
int health_rank(std::uint8_t h) noexcept {
    const auto s = static_cast<feed::book_health>(h);
    return s == feed::book_health::live ? 0 : s == feed::book_health::syncing ? 1 : 2;
}

} // namespace

void engine_impl::prepare_series() {
    series.underlyings = cfg.book.underlying_count();
    series.table.reset(series.underlyings * series_sampler::columns_per_underlying + books.size(),
                       series_capacity);
    series.worst_health.clear();
    for (const auto& b : books) {
        series.worst_health.push_back(static_cast<std::uint8_t>(b.health));
    }
    series.executed.clear();
    series.executed.reserve(parents.capacity());
    series.venue_fills.assign(sc.venues.size(), {});
    series.venue_notional.assign(sc.venues.size(), 0.0);
    series.next_at = 0;
}

void engine_impl::note_series_update(std::size_t slot) noexcept {
    if (slot >= series.worst_health.size()) {
        return; // prepare_series() not run (an engine driven without run())
    }
    std::uint8_t& worst = series.worst_health[slot];
    const auto h = static_cast<std::uint8_t>(books[slot].health);
    if (health_rank(h) > health_rank(worst)) {
        worst = h;
    }
    if (now >= series.next_at) {
        take_series_sample();
    }
}

void engine_impl::take_series_sample() noexcept {
    if (series.table.width() == 0) {
        return; // prepare_series() not run
    }
    double* row = series.table.offer(now);
    const auto& book = cfg.book;
    for (std::size_t u = 0; u < series.underlyings; ++u) {
        const risk::underlying_id id{static_cast<std::uint32_t>(u)};
        double spot = 0.0;
        double derivative = 0.0;
        for (const std::uint32_t p : book.underlying(id).positions) {
            const risk::position_state& pos = book.position(risk::position_id{p});
            const bool is_spot = book.instrument(pos.instrument).spec.kind == instrument_kind::spot;
            (is_spot ? spot : derivative) += pos.risk.delta_base;
        }
        double* cell = row + u * series_sampler::columns_per_underlying;
        cell[0] = book.weight(id);
        cell[1] = spot;
        cell[2] = derivative;
    }
    double* health = row + series.underlyings * series_sampler::columns_per_underlying;
    for (std::size_t b = 0; b < books.size(); ++b) {
        health[b] = series.worst_health[b];
        series.worst_health[b] = static_cast<std::uint8_t>(books[b].health);
    }
    // On a grid from the market's start, so dense events give evenly spaced samples.
    const std::int64_t since = now - market_start;
    series.next_at =
        since >= 0 ? now - since % series_period_ns + series_period_ns : now + series_period_ns;
}

void engine_impl::note_series_fill(std::uint32_t parent) noexcept {
    auto& paths = series.executed;
    if (parent >= paths.capacity()) {
        return; // never: capacity is every parent the engine can hold
    }
    while (paths.size() <= parent) {
        paths.emplace_back(); // within the capacity reserved before the run
    }
    paths[parent].offer({now, parents[parent].summary.filled_base});
}

void engine_impl::note_series_venue_fill(std::size_t venue, double notional_quote) noexcept {
    if (venue >= series.venue_fills.size()) {
        return; // prepare_series() not run
    }
    series.venue_notional[venue] += notional_quote;
    series.venue_fills[venue].offer({now, series.venue_notional[venue]});
}

void engine_impl::collect_series(run_result& r) {
    take_series_sample(); // the series end at the run's end
    run_series& s = r.series;
    const sample_table& table = series.table;
    s.offered = table.offered();
    s.stride = table.stride();
    const std::size_t rows = table.rows();
    for (std::size_t i = 0; i < rows; ++i) {
        s.t.push_back(table.time(i));
    }
    for (std::size_t u = 0; u < series.underlyings; ++u) {
        underlying_series us;
        us.name = cfg.book.underlying(risk::underlying_id{static_cast<std::uint32_t>(u)}).name;
        const std::size_t c = u * series_sampler::columns_per_underlying;
        for (std::size_t i = 0; i < rows; ++i) {
            us.weight.push_back(table.value(i, c));
            us.spot_delta_base.push_back(table.value(i, c + 1));
            us.derivative_delta_base.push_back(table.value(i, c + 2));
        }
        s.underlyings.push_back(std::move(us));
    }
    const std::size_t first_book = series.underlyings * series_sampler::columns_per_underlying;
    for (std::size_t b = 0; b < books.size(); ++b) {
        book_series bs;
        bs.name = books[b].spec->venue + ":" + books[b].spec->symbol;
        for (std::size_t i = 0; i < rows; ++i) {
            bs.health.push_back(static_cast<std::uint8_t>(table.value(i, first_book + b)));
        }
        s.books.push_back(std::move(bs));
    }
    for (std::size_t pi = 0; pi < parents.size(); ++pi) {
        const parent_state& p = parents[pi];
        parent_path path;
        const std::int64_t start = p.summary.decided.ns;
        path.schedule.push_back({start, 0.0});
        double cum = 0.0;
        for (std::uint32_t i = 0; i < p.slice_count && i < p.slices.size(); ++i) {
            cum += static_cast<double>(p.slices[i].amount.value()) * p.base_step_units;
            path.schedule.push_back({p.slices[i].at.ns, cum});
        }
        path.executed.push_back({start, 0.0});
        if (pi < series.executed.size()) {
            for (const timed_value& v : series.executed[pi].points()) {
                path.executed.push_back(v);
            }
        }
        s.parents.push_back(std::move(path));
    }
    for (std::size_t v = 0; v < series.venue_fills.size(); ++v) {
        if (series.venue_fills[v].offered() == 0) {
            continue;
        }
        venue_path path;
        path.name = sc.venues[v].name;
        path.notional.push_back({market_start, 0.0});
        for (const timed_value& p : series.venue_fills[v].points()) {
            path.notional.push_back(p);
        }
        s.venues.push_back(std::move(path));
    }
    for (std::size_t h = 0; h < hop_count; ++h) {
        const auto which = static_cast<hop>(h);
        s.latency.push_back(power_of_two_buckets(to_string(which), lat.of(which)));
    }
    for (std::size_t h = 0; h < t2o_hop_count; ++h) {
        const auto which = static_cast<t2o_hop>(h);
        if (lat.of(which).count() > 0) {
            s.latency.push_back(power_of_two_buckets(to_string(which), lat.of(which)));
        }
    }
}

} // namespace ballast::exec
