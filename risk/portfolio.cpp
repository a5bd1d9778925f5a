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
/// Why scale_unit would refuse a position on its own (its instrument valued).
risk_error own_error(const position_state& p, const instrument_terms& t) noexcept {
    if (!std::isfinite(p.contracts)) {
        return risk_error::non_finite_qty;
    }
    if (is_inverse(t.kind) && !valid_price(p.entry_price)) {
        return risk_error::non_positive_entry;
    }
    return risk_error::ok;
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
    totals_.emplace_back();
    nav_.resize(underlyings_.size());
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
    auto& u = underlyings_[underlying.value];
    instrument_sums sums;
    sums.slot = static_cast<std::uint32_t>(u.instruments.size());
    sums_.push_back(std::move(sums));
    u.instruments.push_back(idx);
    totals_[underlying.value].instruments.resize(u.instruments.size());
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
    position_version_.push_back(0);
    const auto idx = static_cast<std::uint32_t>(positions_.size() - 1);
    const auto& inst = instruments_[instrument.value];
    underlyings_[inst.underlying.value].positions.push_back(idx);
    sums_[instrument.value].positions.push_back(idx);
    sum_positions(instrument.value);
    (void)publish_instrument(instrument.value);
    return position_id{idx};
}

std::optional<position_id> portfolio::find_position(account_id account,
                                                    instrument_id instrument) const noexcept {
    for (const auto idx : sums_[instrument.value].positions) {
        if (positions_[idx].account == account) {
            return position_id{idx};
        }
    }
    return std::nullopt;
}

void portfolio::sum_positions(std::uint32_t i) noexcept {
    auto& inst = instruments_[i];
    auto& s = sums_[i];
    double net = 0.0;
    double gross = 0.0;
    double cost = 0.0;
    double inverse = 0.0;
    double realized = 0.0;
    std::uint32_t unpriceable = 0;
    const bool inv = is_inverse(inst.terms.kind);
    // While a position is unpriceable the instrument is valued position by position and these
    // sums (possibly non-finite) are not used.
    for (const auto idx : s.positions) {
        const auto& p = positions_[idx];
        unpriceable += own_error(p, inst.terms) != risk_error::ok ? 1U : 0U;
        net += p.contracts;
        gross += std::fabs(p.contracts);
        cost += p.contracts * p.entry_price;
        inverse += inv ? p.contracts / p.entry_price : 0.0;
        realized += p.realized_usd;
    }
    inst.net_contracts = net;
    s.gross_contracts = gross;
    s.entry_cost = cost;
    s.entry_inverse = inverse;
    s.realized_usd = realized;
    s.unpriceable = unpriceable;
}

risk_error portfolio::revalue_unit(std::uint32_t i) noexcept {
    auto& inst = instruments_[i];
    const auto r = unit_risk(inst.terms, {inst.price, inst.vol}, now_);
    if (r.ok()) {
        auto& s = sums_[i];
        inst.unit = r.value;
        s.unit_price = inst.price;
        s.unit_valid = true;
        ++s.version;
    }
    inst.unit_error = r.error;
    return r.error;
}

position_risk portfolio::instrument_total(std::uint32_t i) noexcept {
    const auto& inst = instruments_[i];
    auto& s = sums_[i];
    const bool in_error = inst.unit_error != risk_error::ok || s.unpriceable != 0;
    const bool stale = in_error && !s.positions.empty();
    if (stale != s.stale) {
        auto& count = totals_[inst.underlying.value].stale_instruments;
        count = stale ? count + 1 : count - 1;
        s.stale = stale;
    }
    if (in_error) {
        // Positions in error keep their last good valuation: add them one by one.
        position_risk t;
        for (const auto idx : s.positions) {
            t += fresh_position(idx).risk;
        }
        return t;
    }
    // Greeks are linear in contracts; values are linear in the per-instrument sums.
    const auto& unit = inst.unit;
    const double net = inst.net_contracts;
    position_risk t = scale_greeks(unit, net, s.gross_contracts);
    const double size = inst.terms.contract_size;
    switch (inst.terms.kind) {
    case instrument_kind::spot:
    case instrument_kind::option:
        t.value_usd = net * unit.value_usd;
        break;
    case instrument_kind::linear_perp:
    case instrument_kind::linear_future:
        t.value_usd = size * (net * s.unit_price - s.entry_cost);
        break;
    case instrument_kind::inverse_perp:
    case instrument_kind::inverse_future:
        t.value_usd = size * (s.unit_price * s.entry_inverse - net);
        break;
    }
    t.value_usd += s.realized_usd;
    return t;
}

risk_error portfolio::publish_instrument(std::uint32_t i) noexcept {
    const auto u = instruments_[i].underlying;
    totals_[u.value].instruments.set(sums_[i].slot, instrument_total(i));
    return publish_underlying(u);
}

risk_error portfolio::publish_underlying(underlying_id uid) noexcept {
    auto& u = underlyings_[uid.value];
    u.totals = totals_[uid.value].instruments.total();
    nav_.set(uid.value, u.totals.value_usd);
    nav_usd_ = nav_.total();
    return first_error(uid);
}

risk_error portfolio::first_error(underlying_id uid) const noexcept {
    if (totals_[uid.value].stale_instruments == 0) {
        return risk_error::ok;
    }
    // Rare (a book with missing or bad marks): the error the full scan has always reported,
    // instruments first (flat ones without marks do not make the book stale), then positions.
    const auto& u = underlyings_[uid.value];
    for (const auto idx : u.instruments) {
        const auto& inst = instruments_[idx];
        if (inst.unit_error != risk_error::ok && inst.net_contracts != 0) {
            return inst.unit_error;
        }
    }
    for (const auto idx : u.positions) {
        const auto& p = positions_[idx];
        const auto& inst = instruments_[p.instrument.value];
        const auto e =
            inst.unit_error != risk_error::ok ? inst.unit_error : own_error(p, inst.terms);
        if (e != risk_error::ok) {
            return e;
        }
    }
    return risk_error::ok;
}

const position_state& portfolio::fresh_position(std::uint32_t idx) const noexcept {
    auto& p = positions_[idx];
    const auto& inst = instruments_[p.instrument.value];
    const auto& s = sums_[p.instrument.value];
    if (position_version_[idx] != s.version) {
        position_version_[idx] = s.version;
        if (s.unit_valid) {
            // At the last good unit: while the instrument is in error this is the last good
            // valuation (fills in error freeze the position first, see on_fill).
            const auto r =
                scale_unit(inst.terms, inst.unit, p.contracts, p.entry_price, s.unit_price);
            if (r.ok()) {
                p.risk = r.value;
                p.risk.value_usd += p.realized_usd;
            }
        }
    }
    p.last_error = inst.unit_error != risk_error::ok ? inst.unit_error : own_error(p, inst.terms);
    return p;
}

risk_error portfolio::full_revalue() noexcept {
    risk_error first = risk_error::ok;
    for (std::uint32_t ui = 0; ui < underlyings_.size(); ++ui) {
        auto& tree = totals_[ui].instruments;
        for (const auto idx : underlyings_[ui].instruments) {
            sum_positions(idx);
            (void)revalue_unit(idx);
            tree.assign(sums_[idx].slot, instrument_total(idx));
        }
        tree.rebuild();
        auto& u = underlyings_[ui];
        u.totals = tree.total();
        nav_.assign(ui, u.totals.value_usd);
        if (first == risk_error::ok) {
            first = first_error(underlying_id{ui});
        }
    }
    nav_.rebuild();
    nav_usd_ = nav_.total();
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
    auto& tree = totals_[uid.value].instruments;
    // Every instrument moves: one unit valuation each, then one re-sum of the tree (O(n)),
    // cheaper than n leaf updates of O(log n).
    for (const auto idx : u.instruments) {
        auto& inst = instruments_[idx];
        if (first_mark && inst.price > 0.0) {
            inst.basis_ratio = inst.price / price; // the instrument was marked first
        } else {
            inst.price = price * inst.basis_ratio;
        }
        (void)revalue_unit(idx);
        tree.assign(sums_[idx].slot, instrument_total(idx));
    }
    tree.rebuild();
    return publish_underlying(uid);
}

risk_error portfolio::on_instrument_mark(instrument_id iid, double price) noexcept {
    if (iid.value >= instruments_.size()) {
        return risk_error::unknown_instrument;
    }
    if (!valid_price(price)) {
        return risk_error::non_positive_price;
    }
    auto& inst = instruments_[iid.value];
    const auto& u = underlyings_[inst.underlying.value];
    inst.price = price;
    if (u.price > 0.0) {
        inst.basis_ratio = price / u.price;
    }
    (void)revalue_unit(iid.value);
    return publish_instrument(iid.value);
}

risk_error portfolio::on_vol_mark(instrument_id iid, double vol) noexcept {
    if (iid.value >= instruments_.size()) {
        return risk_error::unknown_instrument;
    }
    if (!(vol > 0.0) || !std::isfinite(vol)) {
        return risk_error::non_positive_vol;
    }
    instruments_[iid.value].vol = vol;
    (void)revalue_unit(iid.value);
    return publish_instrument(iid.value);
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
    // The position's valuation before the fill: what it keeps if its instrument is in error.
    (void)fresh_position(pid.value);
    auto& p = positions_[pid.value];
    const auto& inst = instruments_[p.instrument.value];
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
    const auto i = p.instrument.value;
    if (inst.unit_error == risk_error::ok) {
        position_version_[pid.value] = 0; // re-derived at the current unit when read
    }
    sum_positions(i);
    return publish_instrument(i);
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
                const auto& p = fresh_position(idx);
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
        const auto& p = fresh_position(idx);
        cell.pnl_usd +=
            shocked_value(p, spot_shift, vol_shift_points, cell.vol_floored) - p.risk.value_usd;
    }
    return cell;
}

} // namespace ballast::risk
