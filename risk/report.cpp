#include "risk/report.hpp"

#include <array>
#include <cmath>
#include <cstdio>

namespace ballast::risk {

namespace {

constexpr std::array<double, 9> spot_axis = {-0.30, -0.20, -0.10, -0.05, 0.0,
                                             0.05,  0.10,  0.20,  0.30};
constexpr std::array<double, 5> vol_axis = {-10.0, -5.0, 0.0, 5.0, 10.0};

/// A minimal JSON writer: keys and values appended in order, commas handled.
class json_writer {
  public:
    json_writer& open(char c) {
        comma();
        out_.push_back(c);
        first_ = true;
        return *this;
    }
    json_writer& close(char c) {
        out_.push_back(c);
        first_ = false;
        return *this;
    }
    json_writer& key(std::string_view k) {
        comma();
        string_literal(k);
        out_.push_back(':');
        first_ = true; // the value follows without a comma
        return *this;
    }
    json_writer& value(double v) {
        comma();
        if (!std::isfinite(v)) {
            out_ += "null";
            return *this;
        }
        char buf[32];
        const int n = std::snprintf(buf, sizeof(buf), "%.12g", v == 0.0 ? 0.0 : v);
        out_.append(buf, static_cast<std::size_t>(n));
        return *this;
    }
    json_writer& value(std::string_view s) {
        comma();
        string_literal(s);
        return *this;
    }
    json_writer& null() {
        comma();
        out_ += "null";
        return *this;
    }
    json_writer& value(bool b) {
        comma();
        out_ += b ? "true" : "false";
        return *this;
    }
    json_writer& value(std::int64_t v) {
        comma();
        out_ += std::to_string(v);
        return *this;
    }
    json_writer& field(std::string_view k, double v) { return key(k).value(v); }
    json_writer& field(std::string_view k, std::string_view v) { return key(k).value(v); }
    json_writer& field(std::string_view k, bool v) { return key(k).value(v); }
    // Without this, a string literal would convert to bool before string_view.
    json_writer& field(std::string_view k, const char* v) {
        return key(k).value(std::string_view(v));
    }
    [[nodiscard]] std::string take() { return std::move(out_); }

  private:
    void comma() {
        if (!first_) {
            out_.push_back(',');
        }
        first_ = false;
    }
    void string_literal(std::string_view s) {
        out_.push_back('"');
        for (const char c : s) {
            if (c == '"' || c == '\\') {
                out_.push_back('\\');
                out_.push_back(c);
            } else if (static_cast<unsigned char>(c) < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof(buf), "\\u%04x", c);
                out_ += buf;
            } else {
                out_.push_back(c);
            }
        }
        out_.push_back('"');
    }
    std::string out_;
    bool first_ = true;
};

void write_risk(json_writer& w, const position_risk& r) {
    w.field("value_usd", r.value_usd)
        .field("notional_usd", r.notional_usd)
        .field("delta_base", r.delta_base)
        .field("delta_usd", r.delta_usd)
        .field("gamma_base", r.gamma_base)
        .field("gamma_usd_1pct", r.gamma_usd_1pct)
        .field("vega_usd", r.vega_usd)
        .field("theta_usd", r.theta_usd);
}

void write_route(json_writer& w, const portfolio& book, const route_cost& c) {
    const auto& spec = book.instrument(c.instrument).spec;
    w.open('{')
        .field("venue", spec.venue)
        .field("symbol", spec.symbol)
        .field("kind", to_string(spec.kind))
        .field("contracts", c.contracts)
        .field("cost_usd", c.cost_usd)
        .field("eligible", c.eligible)
        .close('}');
}

void write_stress(json_writer& w, const portfolio& book, stress_axes axes) {
    w.key("stress").open('{');
    w.key("spot_shifts").open('[');
    for (const double s : axes.spot_shifts) {
        w.value(s);
    }
    w.close(']').key("vol_shifts_points").open('[');
    for (const double v : axes.vol_shifts_points) {
        w.value(v);
    }
    w.close(']');
    std::vector<double> per(book.underlying_count());
    // cells[u][i][j]: P&L of underlying u at spot i, vol j; u == count is the total.
    std::vector<double> cells((book.underlying_count() + 1) * axes.spot_shifts.size() *
                              axes.vol_shifts_points.size());
    const std::size_t plane = axes.spot_shifts.size() * axes.vol_shifts_points.size();
    std::uint32_t floored = 0;
    for (std::size_t i = 0; i < axes.spot_shifts.size(); ++i) {
        for (std::size_t j = 0; j < axes.vol_shifts_points.size(); ++j) {
            const auto cell = book.stress(axes.spot_shifts[i], axes.vol_shifts_points[j], per);
            floored += cell.vol_floored;
            const std::size_t at = i * axes.vol_shifts_points.size() + j;
            for (std::size_t u = 0; u < per.size(); ++u) {
                cells[u * plane + at] = per[u];
            }
            cells[per.size() * plane + at] = cell.pnl_usd;
        }
    }
    auto grid = [&](std::size_t u) {
        w.open('[');
        for (std::size_t i = 0; i < axes.spot_shifts.size(); ++i) {
            w.open('[');
            for (std::size_t j = 0; j < axes.vol_shifts_points.size(); ++j) {
                w.value(cells[u * plane + i * axes.vol_shifts_points.size() + j]);
            }
            w.close(']');
        }
        w.close(']');
    };
    w.key("total_pnl_usd");
    grid(book.underlying_count());
    w.key("pnl_usd_by_underlying").open('{');
    for (std::uint32_t u = 0; u < book.underlying_count(); ++u) {
        w.key(book.underlying(underlying_id{u}).name);
        grid(u);
    }
    w.close('}');
    w.key("vol_floored_cells").value(static_cast<std::int64_t>(floored));
    w.close('}');
}

} // namespace

stress_axes default_stress_axes() noexcept {
    return {spot_axis, vol_axis};
}

std::string greeks_json(const option_greeks& g, bool coin, double forward) {
    json_writer w;
    w.open('{');
    if (coin) {
        const auto q = coin_settled(g, forward);
        w.field("price", q.price_coin);
        w.field("delta", g.delta).field("gamma", g.gamma).field("vega", g.vega);
        w.field("theta", g.theta).field("premium_adjusted_delta", q.premium_adjusted_delta);
    } else {
        w.field("price", g.price).field("delta", g.delta).field("gamma", g.gamma);
        w.field("vega", g.vega).field("theta", g.theta);
    }
    w.close('}');
    return w.take();
}

std::string risk_report_json(const risk_config& cfg, bool stress, stress_axes axes) {
    const auto& book = cfg.book;
    json_writer w;
    w.open('{').field("name", cfg.name);
    w.key("valuation_time_ns").value(static_cast<std::int64_t>(book.valuation_time().ns));
    w.field("nav_usd", book.nav_usd());

    w.key("positions").open('[');
    for (std::uint32_t p = 0; p < book.position_count(); ++p) {
        const auto& pos = book.position(position_id{p});
        const auto& inst = book.instrument(pos.instrument);
        w.open('{')
            .field("account", book.account_name(pos.account))
            .field("venue", inst.spec.venue)
            .field("symbol", inst.spec.symbol)
            .field("kind", to_string(inst.spec.kind))
            .field("underlying", book.underlying(inst.underlying).name)
            .field("qty", pos.contracts)
            .field("mark", inst.price);
        if (inst.terms.kind == instrument_kind::option) {
            w.field("vol", inst.vol);
        }
        write_risk(w, pos.risk);
        w.close('}');
    }
    w.close(']');

    w.key("underlyings").open('[');
    for (std::uint32_t u = 0; u < book.underlying_count(); ++u) {
        const auto& st = book.underlying(underlying_id{u});
        w.open('{').field("name", st.name).field("cash", st.cash).field("price", st.price);
        write_risk(w, st.totals);
        w.field("weight", book.weight(underlying_id{u})).close('}');
    }
    w.close(']');

    std::vector<drift_row> drift(cfg.targets.size());
    compute_drift(book, cfg.targets, drift);
    w.key("targets").open('[');
    for (std::size_t i = 0; i < drift.size(); ++i) {
        const auto& d = drift[i];
        const auto& t = cfg.targets[i];
        w.open('{')
            .field("underlying", book.underlying(d.underlying).name)
            .field("kind", t.kind == target_kind::weight ? "weight" : "delta")
            .field("target", t.value)
            .field("band", t.band)
            .field("weight", d.weight)
            .field("target_weight", d.target_weight)
            .field("weight_drift", d.weight_drift)
            .field("delta_base", d.delta_base)
            .field("target_delta_base", d.target_delta_base)
            .field("notional_drift_usd", d.notional_drift_usd)
            .field("outside_band", d.outside_band);
        if (t.has_gamma) {
            w.field("gamma_gap_usd_1pct", d.gamma_gap_usd_1pct);
        }
        w.close('}');
    }
    w.close(']');

    if (cfg.has_rebalance) {
        std::vector<plan_row> plan(drift.size());
        plan_rebalance(book, cfg.targets, drift, cfg.routes, cfg.trigger, book.valuation_time(),
                       cfg.last_rebalance, plan);
        w.key("rebalance").open('{');
        w.field("trigger", to_string(cfg.trigger.kind))
            .field("horizon_days", cfg.trigger.horizon_days)
            .field("synthetic", cfg.trigger.synthetic);
        w.key("plan").open('[');
        for (const auto& row : plan) {
            w.open('{')
                .field("underlying", book.underlying(row.underlying).name)
                .field("trade", row.trade)
                .field("delta_base_to_trade", row.delta_base_to_trade)
                .field("benefit_usd", row.benefit_usd)
                .field("total_cost_usd", row.total_cost_usd);
            w.key("delta_leg");
            if (row.delta_leg.eligible) {
                write_route(w, book, row.delta_leg);
            } else {
                w.null();
            }
            if (row.has_option_leg) {
                w.key("option_leg");
                write_route(w, book, row.option_leg);
            }
            w.key("considered").open('[');
            for (std::size_t k = 0; k < row.considered_count; ++k) {
                write_route(w, book, row.considered[k]);
            }
            w.close(']').close('}');
        }
        w.close(']').close('}');
    }
    if (stress) {
        write_stress(w, book, axes);
    }
    w.close('}');
    return w.take();
}

} // namespace ballast::risk
