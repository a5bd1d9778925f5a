#include "risk/portfolio.hpp"

#include <algorithm>
#include <cmath>

namespace ballast::risk {

namespace {
constexpr double min_stress_vol = 0.01; // one vol point

bool is_inverse(instrument_kind k) noexcept {
    return k == instrument_kind::inverse_perp || k == instrument_kind::inverse_future;
}
bool valid_price(double p) noexcept {
    return p > 0.0 && std::isfinite(p);
}
} // namespace

underlying_id portfolio::add_underlying(std::string_view name, bool cash) {
    if (const auto found = find_underlying(name)) {
        underlyings_[found->value].cash = underlyings_[found->value].cash || cash;
        return *found;
    }
    underlying_state u;
    u.name = std::string(name);
    u.cash = cash;
    underlyings_.push_back(std::move(u));
    return underlying_id{static_cast<std::uint32_t>(underlyings_.size() - 1)};
}

std::optional<underlying_id> portfolio::find_underlying(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < underlyings_.size(); ++i) {
        if (underlyings_[i].name == name) {
            return underlying_id{static_cast<std::uint32_t>(i)};
        }
    }
    return std::nullopt;
}

instrument_id portfolio::add_instrument(const instrument_spec& spec, underlying_id underlying) {
    instrument_state s;
    s.spec = spec;
    s.terms = terms_of(spec);
    s.underlying = underlying;
    instruments_.push_back(std::move(s));
    const auto idx = static_cast<std::uint32_t>(instruments_.size() - 1);
    underlyings_[underlying.value].instruments.push_back(idx);
    return instrument_id{idx};
}

std::optional<instrument_id> portfolio::find_instrument(std::string_view venue,
                                                        std::string_view symbol) const noexcept {
    for (std::size_t i = 0; i < instruments_.size(); ++i) {
        if (instruments_[i].spec.venue == venue && instruments_[i].spec.symbol == symbol) {
            return instrument_id{static_cast<std::uint32_t>(i)};
        }
    }
    return std::nullopt;
}

account_id portfolio::add_account(std::string_view name) {
    for (std::size_t i = 0; i < accounts_.size(); ++i) {
        if (accounts_[i] == name) {
            return account_id{static_cast<std::uint32_t>(i)};
        }
    }
    accounts_.emplace_back(name);
    return account_id{static_cast<std::uint32_t>(accounts_.size() - 1)};
}

position_id portfolio::add_position(account_id account, instrument_id instrument, double contracts,
                                    double entry_price) {
    position_state p;
    p.instrument = instrument;
    p.account = account;
    p.contracts = contracts;
    p.entry_price = entry_price;
    positions_.push_back(p);
    const auto idx = static_cast<std::uint32_t>(positions_.size() - 1);
    auto& inst = instruments_[instrument.value];
    inst.net_contracts += contracts;
    underlyings_[inst.underlying.value].positions.push_back(idx);
    return position_id{idx};
}

std::optional<position_id> portfolio::find_position(account_id account,
                                                    instrument_id instrument) const noexcept {
    for (const auto idx : underlyings_[instruments_[instrument.value].underlying.value].positions) {
        if (positions_[idx].account == account && positions_[idx].instrument == instrument) {
            return position_id{idx};
        }
    }
    return std::nullopt;
}

risk_error portfolio::revalue_instrument(instrument_state& inst) noexcept {
    const auto r = unit_risk(inst.terms, {inst.price, inst.vol}, now_);
    if (r.ok()) {
        inst.unit = r.value;
    }
    inst.unit_error = r.error;
    return r.error;
}

void portfolio::sum_underlying(underlying_state& u) noexcept {
    position_risk t;
    for (const auto idx : u.positions) {
        t += positions_[idx].risk;
    }
    u.totals = t;
}

void portfolio::sum_nav() noexcept {
    double nav = 0.0;
    for (const auto& u : underlyings_) {
        nav += u.totals.value_usd;
    }
    nav_usd_ = nav;
}

risk_error portfolio::revalue_underlying(underlying_state& u) noexcept {
    risk_error first = risk_error::ok;
    for (const auto idx : u.instruments) {
        const auto e = revalue_instrument(instruments_[idx]);
        // Flat instruments without marks do not make the book stale.
        if (e != risk_error::ok && first == risk_error::ok &&
            instruments_[idx].net_contracts != 0) {
            first = e;
        }
    }
    // Positions scale their instrument's per-contract risk: one Black-76 per option, not per
    // position.
    for (const auto idx : u.positions) {
        auto& p = positions_[idx];
        const auto& inst = instruments_[p.instrument.value];
        const auto r =
            inst.unit_error == risk_error::ok
                ? scale_unit(inst.terms, inst.unit, p.contracts, p.entry_price, inst.price)
                : risk_result<position_risk>{{}, inst.unit_error};
        p.last_error = r.error;
        if (r.ok()) {
            p.risk = r.value;
            p.risk.value_usd += p.realized_usd;
        } else if (first == risk_error::ok) {
            first = r.error;
        }
    }
    sum_underlying(u);
    return first;
}

risk_error portfolio::revalue_book_after(underlying_state& u) noexcept {
    const auto e = revalue_underlying(u);
    sum_nav();
    return e;
}

risk_error portfolio::full_revalue() noexcept {
    risk_error first = risk_error::ok;
    for (auto& u : underlyings_) {
        const auto e = revalue_underlying(u);
        if (first == risk_error::ok) {
            first = e;
        }
    }
    sum_nav();
    return first;
}

risk_error portfolio::set_valuation_time(timestamp_ns now) noexcept {
    now_ = now;
    return full_revalue();
}

risk_error portfolio::on_underlying_mark(underlying_id uid, double price) noexcept {
    if (uid.value >= underlyings_.size()) {
        return risk_error::unknown_underlying;
    }
    if (!valid_price(price)) {
        return risk_error::non_positive_price;
    }
    auto& u = underlyings_[uid.value];
    const bool first_mark = !(u.price > 0.0);
    u.price = price;
    for (const auto idx : u.instruments) {
        auto& inst = instruments_[idx];
        if (first_mark && inst.price > 0.0) {
            inst.basis_ratio = inst.price / price; // the instrument was marked first
        } else {
            inst.price = price * inst.basis_ratio;
        }
    }
    return revalue_book_after(u);
}

risk_error portfolio::on_instrument_mark(instrument_id iid, double price) noexcept {
    if (iid.value >= instruments_.size()) {
        return risk_error::unknown_instrument;
    }
    if (!valid_price(price)) {
        return risk_error::non_positive_price;
    }
    auto& inst = instruments_[iid.value];
    auto& u = underlyings_[inst.underlying.value];
    inst.price = price;
    if (u.price > 0.0) {
        inst.basis_ratio = price / u.price;
    }
    return revalue_book_after(u);
}

risk_error portfolio::on_vol_mark(instrument_id iid, double vol) noexcept {
    if (iid.value >= instruments_.size()) {
        return risk_error::unknown_instrument;
    }
    if (!(vol > 0.0) || !std::isfinite(vol)) {
        return risk_error::non_positive_vol;
    }
    auto& inst = instruments_[iid.value];
    inst.vol = vol;
    return revalue_book_after(underlyings_[inst.underlying.value]);
}

risk_error portfolio::on_fill(position_id pid, double contracts, double price) noexcept {
    if (pid.value >= positions_.size()) {
        return risk_error::unknown_position;
    }
    if (!std::isfinite(contracts)) {
        return risk_error::non_finite_qty;
    }
    if (!valid_price(price)) {
        return risk_error::non_positive_price;
    }
    auto& p = positions_[pid.value];
    auto& inst = instruments_[p.instrument.value];
    const double held = p.contracts;
    const double after = held + contracts;
    const bool adds = held == 0.0 || (held > 0.0) == (contracts > 0.0);
    const bool inverse = is_inverse(inst.terms.kind);
    const bool derivative =
        inst.terms.kind != instrument_kind::spot && inst.terms.kind != instrument_kind::option;
    if (adds) {
        const double a = std::fabs(held);
        const double b = std::fabs(contracts);
        if (a + b > 0.0) {
            // Inverse contracts average entry harmonically (equal face, different coin cost).
            p.entry_price = inverse && p.entry_price > 0.0
                                ? (a + b) / (a / p.entry_price + b / price)
                                : (a * p.entry_price + b * price) / (a + b);
        }
    } else {
        const double closed = std::min(std::fabs(contracts), std::fabs(held));
        const double sign = held > 0.0 ? 1.0 : -1.0;
        if (derivative) {
            const double size = closed * inst.terms.contract_size;
            p.realized_usd += inverse ? sign * size * (price / p.entry_price - 1.0)
                                      : sign * size * (price - p.entry_price);
        }
        if (std::fabs(contracts) > std::fabs(held)) {
            p.entry_price = price; // flipped: the remainder opens at the fill price
        }
    }
    p.contracts = after;
    inst.net_contracts += contracts;
    return revalue_book_after(underlyings_[inst.underlying.value]);
}

double portfolio::weight(underlying_id u) const noexcept {
    return nav_usd_ != 0.0 ? underlyings_[u.value].totals.delta_usd / nav_usd_ : 0.0;
}

double portfolio::shocked_value(const position_state& p, double spot_shift, double vol_shift_points,
                                std::uint32_t& floored) const noexcept {
    const auto& inst = instruments_[p.instrument.value];
    double vol = inst.vol;
    if (inst.terms.kind == instrument_kind::option) {
        vol += vol_shift_points / 100.0;
        if (vol < min_stress_vol) {
            vol = min_stress_vol;
            ++floored;
        }
    }
    const double price = inst.price * (1.0 + spot_shift);
    const auto unit = unit_risk(inst.terms, {price, vol}, now_);
    const auto r =
        unit.ok() ? scale_unit(inst.terms, unit.value, p.contracts, p.entry_price, price) : unit;
    // A position that cannot be valued (stale) contributes no P&L.
    return r.ok() ? r.value.value_usd + p.realized_usd : p.risk.value_usd;
}

stress_cell portfolio::stress(double spot_shift, double vol_shift_points,
                              std::span<double> pnl_per_underlying) const noexcept {
    stress_cell cell{spot_shift, vol_shift_points, 0.0, 0};
    for (std::size_t ui = 0; ui < underlyings_.size(); ++ui) {
        const auto& u = underlyings_[ui];
        double pnl = 0.0;
        if (!u.cash) {
            for (const auto idx : u.positions) {
                const auto& p = positions_[idx];
                pnl += shocked_value(p, spot_shift, vol_shift_points, cell.vol_floored) -
                       p.risk.value_usd;
            }
        }
        if (ui < pnl_per_underlying.size()) {
            pnl_per_underlying[ui] = pnl;
        }
        cell.pnl_usd += pnl;
    }
    return cell;
}

stress_cell portfolio::stress_one(underlying_id uid, double spot_shift,
                                  double vol_shift_points) const noexcept {
    stress_cell cell{spot_shift, vol_shift_points, 0.0, 0};
    for (const auto idx : underlyings_[uid.value].positions) {
        const auto& p = positions_[idx];
        cell.pnl_usd +=
            shocked_value(p, spot_shift, vol_shift_points, cell.vol_floored) - p.risk.value_usd;
    }
    return cell;
}

} // namespace ballast::risk
