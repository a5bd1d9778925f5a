#include "exec/sim_orders.hpp"

#include "feed/recording.hpp"

#include <algorithm>
#include <cstdio>

namespace ballast::exec {

namespace {

sim_decimal step_decimal(decimal_step s) {
    return sim_decimal::parse(format_steps(1, s, true)).value_or(sim_decimal::from_int(1));
}

sim_decimal double_decimal(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.12f", v);
    return sim_decimal::parse(buf).value_or(sim_decimal{});
}

const sim_decimal& bps_unit() {
    static const sim_decimal u = *sim_decimal::parse("0.0001");
    return u;
}

bool is_spot(const instrument_spec& s) {
    return s.kind == instrument_kind::spot;
}

std::string settle_of(const instrument_spec& s) {
    return s.settle.empty() ? s.quote : s.settle;
}

std::string jstr(std::string_view s) {
    std::string out;
    feed::append_json_string(out, s);
    return out;
}

std::string_view side_text(sim_side s) {
    return s == sim_side::buy ? "buy" : "sell";
}

std::string_view status_text(sim_order_status s) {
    switch (s) {
    case sim_order_status::open:
        return "open";
    case sim_order_status::partially_filled:
        return "partially_filled";
    case sim_order_status::filled:
        return "filled";
    case sim_order_status::canceled:
        return "canceled";
    case sim_order_status::expired:
        return "expired";
    case sim_order_status::rejected:
        return "rejected";
    }
    return "?";
}

} // namespace

bool sim_order_open(sim_order_status s) noexcept {
    return s == sim_order_status::open || s == sim_order_status::partially_filled;
}

std::string_view to_string(sim_reject r) noexcept {
    switch (r) {
    case sim_reject::none:
        return "none";
    case sim_reject::unknown_symbol:
        return "unknown symbol";
    case sim_reject::book_not_ready:
        return "no live book for the symbol";
    case sim_reject::bad_quantity:
        return "quantity is not a positive multiple of the lot size";
    case sim_reject::bad_price:
        return "price is not a positive multiple of the tick size";
    case sim_reject::min_notional:
        return "notional below the minimum";
    case sim_reject::insufficient_balance:
        return "insufficient balance";
    case sim_reject::duplicate_client_id:
        return "duplicate client order id";
    case sim_reject::would_take:
        return "post-only order would take liquidity";
    case sim_reject::fok_unfilled:
        return "fill-or-kill order cannot fill in full";
    case sim_reject::no_liquidity:
        return "no liquidity for a market order";
    case sim_reject::unknown_order:
        return "unknown order";
    case sim_reject::order_closed:
        return "order is no longer open";
    case sim_reject::amend_invalid:
        return "amended quantity at or below the filled quantity";
    }
    return "?";
}

sim_order* sim_account::find(std::uint64_t id) {
    for (auto& o : orders) {
        if (o.id == id) {
            return &o;
        }
    }
    return nullptr;
}

sim_order* sim_account::find_client(std::string_view client_id) {
    for (auto it = orders.rbegin(); it != orders.rend(); ++it) {
        if (it->client_id == client_id) {
            return &*it;
        }
    }
    return nullptr;
}

sim_orders::sim_orders(std::vector<sim_account_config> accounts, sim_venue_rules rules,
                       book_lookup book)
    : rules_(std::move(rules)), book_(std::move(book)) {
    for (auto& c : accounts) {
        sim_account a;
        for (const auto& [asset, amount] : c.balances) {
            a.balances[asset].free = amount;
        }
        a.taker_bps = c.taker_fee_bps.value_or(rules_.taker_bps);
        a.maker_bps = c.maker_fee_bps.value_or(rules_.maker_bps);
        a.config = std::move(c);
        accounts_.push_back(std::move(a));
    }
}

sim_account* sim_orders::account(std::string_view api_key) {
    for (auto& a : accounts_) {
        if (a.config.api_key == api_key) {
            return &a;
        }
    }
    return nullptr;
}

const instrument_spec* sim_orders::spec_of(const sim_order& o) const {
    const auto it = specs_.find(o.feed + '\n' + o.symbol);
    return it == specs_.end() ? nullptr : it->second;
}

std::vector<sim_orders::fill> sim_orders::available(const sim_order& taker,
                                                    const sim_decimal* limit) {
    std::vector<fill> out;
    const l2_book* b = book_(taker.feed, taker.symbol);
    if (b == nullptr || !b->keeps_text()) {
        return out;
    }
    const side book_side = taker.side == sim_side::buy ? side::ask : side::bid;
    for (std::size_t i = 0; i < b->depth(book_side); ++i) {
        const auto& t = b->text_at(book_side, i);
        const auto px = sim_decimal::parse(t.price_text());
        const auto sz = sim_decimal::parse(t.size_text());
        if (!px || !sz) {
            continue;
        }
        if (limit != nullptr && (taker.side == sim_side::buy ? *px > *limit : *px < *limit)) {
            break;
        }
        sim_decimal avail = *sz;
        const auto key = taker.feed + '\n' + taker.symbol + '\n' +
                         (book_side == side::ask ? "a" : "b") + '\n' + px->str();
        if (const auto it = used_.find(key); it != used_.end()) {
            if (it->second.book_qty == *sz) {
                avail = *sz - it->second.taken;
            } else {
                used_.erase(it); // the capture changed the level since: its liquidity is back
            }
        }
        if (avail > sim_decimal{}) {
            out.push_back({*px, avail, *sz});
        }
    }
    return out;
}

void sim_orders::take(const std::string& feed, const std::string& symbol, sim_side taker_side,
                      const fill& f, const sim_decimal& qty) {
    const auto key = feed + '\n' + symbol + '\n' + (taker_side == sim_side::buy ? "a" : "b") +
                     '\n' + f.price.str();
    auto& u = used_[key];
    if (u.book_qty != f.book_qty) {
        u = {f.book_qty, {}};
    }
    u.taken += qty;
}

void sim_orders::emit(sim_event_kind k, const sim_account& a, const sim_order& o,
                      std::optional<sim_trade> t, std::uint64_t request_no) {
    events_.push_back({k, a.config.api_key, o, std::move(t), request_no});
}

std::vector<sim_event> sim_orders::take_events() {
    std::vector<sim_event> out;
    out.swap(events_);
    return out;
}

std::optional<std::string>
sim_orders::check_funds(const sim_account& a, const sim_order& o, const instrument_spec& spec,
                        const std::vector<fill>& walk,
                        const std::optional<sim_decimal>& quote_budget) const {
    const auto free_of = [&](const std::string& asset) {
        const auto it = a.balances.find(asset);
        return it == a.balances.end() ? sim_decimal{} : it->second.free;
    };
    sim_decimal need;
    std::string asset;
    if (!is_spot(spec)) {
        // Linear perpetuals at 1x (exec/README.md): the order's notional in the settle coin.
        asset = settle_of(spec);
        sim_decimal px = o.price;
        if (o.type == sim_order_type::market) {
            px = walk.empty() ? sim_decimal{} : walk.back().price;
        }
        need = px * o.qty * double_decimal(spec.contract_size);
    } else if (o.side == sim_side::buy) {
        asset = spec.quote;
        if (o.type == sim_order_type::limit) {
            need = o.price * o.qty;
        } else if (quote_budget) {
            need = *quote_budget;
        } else {
            sim_decimal left = o.qty;
            for (const auto& f : walk) {
                const auto q = min(left, f.qty);
                need += q * f.price;
                left -= q;
                if (left.is_zero()) {
                    break;
                }
            }
        }
    } else {
        asset = spec.base;
        need = o.qty;
    }
    if (free_of(asset) < need) {
        return asset + " free " + free_of(asset).str() + " < " + need.str();
    }
    return std::nullopt;
}

void sim_orders::lock(sim_account& a, const sim_order& o, const instrument_spec& spec,
                      bool release) {
    if (!is_spot(spec) || o.type != sim_order_type::limit) {
        return;
    }
    const bool buy = o.side == sim_side::buy;
    auto& b = a.balances[buy ? spec.quote : spec.base];
    const sim_decimal amount = buy ? o.price * o.remaining() : o.remaining();
    if (release) {
        b.locked -= amount;
        b.free += amount;
    } else {
        b.free -= amount;
        b.locked += amount;
    }
}

void sim_orders::execute(sim_account& a, sim_order& o, const fill& f, const sim_decimal& qty,
                         bool maker, std::int64_t now_ms, std::uint64_t request_no) {
    const instrument_spec& spec = *spec_of(o);
    const sim_decimal px = maker ? o.price : f.price;
    const sim_decimal quote = px * qty;
    const sim_decimal rate = (maker ? a.maker_bps : a.taker_bps) * bps_unit();
    sim_trade t;
    t.id = next_trade_id_++;
    t.order_id = o.id;
    t.client_id = o.client_id;
    t.feed = o.feed;
    t.symbol = o.symbol;
    t.side = o.side;
    t.price = px;
    t.qty = qty;
    t.quote_qty = quote;
    t.maker = maker;
    t.time_ms = now_ms;
    if (is_spot(spec)) {
        auto& base = a.balances[spec.base];
        auto& q = a.balances[spec.quote];
        if (o.side == sim_side::buy) {
            if (o.type == sim_order_type::limit) {
                q.locked -= o.price * qty;
                q.free += (o.price - px) * qty;
            } else {
                q.free -= quote;
            }
            t.fee = qty * rate;
            t.fee_asset = spec.base;
            base.free += qty - t.fee;
        } else {
            if (o.type == sim_order_type::limit) {
                base.locked -= qty;
            } else {
                base.free -= qty;
            }
            t.fee = quote * rate;
            t.fee_asset = spec.quote;
            q.free += quote - t.fee;
        }
    } else {
        const std::string settle = settle_of(spec);
        const sim_decimal size = qty * double_decimal(spec.contract_size);
        t.fee = quote * double_decimal(spec.contract_size) * rate;
        t.fee_asset = settle;
        auto& bal = a.balances[settle];
        bal.free -= t.fee;
        auto& p = a.positions[o.feed + '/' + o.symbol];
        const sim_decimal signed_qty = o.side == sim_side::buy ? size : -size;
        const bool reduces = !p.qty.is_zero() && (p.qty.negative() != signed_qty.negative());
        if (reduces) {
            const sim_decimal closed = min(size, p.qty.negative() ? -p.qty : p.qty);
            const sim_decimal pnl =
                (p.qty.negative() ? p.entry_price - px : px - p.entry_price) * closed;
            p.realised_pnl += pnl;
            bal.free += pnl;
            p.qty += signed_qty;
            if ((p.qty.negative() == signed_qty.negative()) && !p.qty.is_zero()) {
                p.entry_price = px; // flipped: the rest opened at this price
            } else if (p.qty.is_zero()) {
                p.entry_price = {};
            }
        } else {
            const sim_decimal abs_old = p.qty.negative() ? -p.qty : p.qty;
            p.entry_price = (p.entry_price * abs_old + px * size).div(abs_old + size);
            p.qty += signed_qty;
        }
    }
    o.filled += qty;
    o.filled_quote += quote;
    o.fee += t.fee;
    o.fee_asset = t.fee_asset;
    o.trades += 1;
    o.updated_ms = now_ms;
    o.status = o.filled == o.qty ? sim_order_status::filled : sim_order_status::partially_filled;
    take(o.feed, o.symbol, o.side, f, qty);
    a.trades.push_back(t);
    emit(sim_event_kind::trade, a, o, std::move(t), request_no);
}

sim_order_result sim_orders::place(sim_account& a, const sim_new_order& n, std::int64_t now_ms,
                                   std::uint64_t request_no) {
    if (!n.client_id.empty()) {
        ++a.new_requests[n.client_id];
    }
    sim_order_result r;
    const auto refuse = [&](sim_reject why, std::string detail) {
        r.reject = why;
        r.detail = std::move(detail);
        return r;
    };
    if (n.spec == nullptr) {
        return refuse(sim_reject::unknown_symbol, "symbol");
    }
    const instrument_spec& spec = *n.spec;
    if (spec.kind != instrument_kind::spot && spec.kind != instrument_kind::linear_perp) {
        return refuse(sim_reject::unknown_symbol, "only spot and linear perpetuals trade here");
    }
    if (!n.client_id.empty()) {
        for (const auto& o : a.orders) {
            if (o.client_id == n.client_id &&
                (rules_.client_id_unique_forever || sim_order_open(o.status))) {
                return refuse(sim_reject::duplicate_client_id, n.client_id);
            }
        }
    }
    const sim_decimal lot = step_decimal(spec.lot);
    const sim_decimal tick = step_decimal(spec.tick);
    if (!n.quote_qty && (n.qty <= sim_decimal{} || !n.qty.multiple_of(lot))) {
        return refuse(sim_reject::bad_quantity, "quantity " + n.qty.str() + ", lot " + lot.str());
    }
    if (n.quote_qty && (n.side != sim_side::buy || n.type != sim_order_type::market ||
                        *n.quote_qty <= sim_decimal{})) {
        return refuse(sim_reject::bad_quantity, "quote quantity");
    }
    if (n.type == sim_order_type::limit &&
        (n.price <= sim_decimal{} || !n.price.multiple_of(tick))) {
        return refuse(sim_reject::bad_price, "price " + n.price.str() + ", tick " + tick.str());
    }
    specs_[n.feed + '\n' + spec.symbol] = n.spec;
    sim_order o;
    o.client_id = n.client_id;
    o.feed = n.feed;
    o.symbol = spec.symbol;
    o.side = n.side;
    o.type = n.type;
    o.tif = n.type == sim_order_type::market ? sim_tif::ioc : n.tif;
    o.price = n.type == sim_order_type::limit ? n.price : sim_decimal{};
    o.qty = n.qty;
    o.created_ms = now_ms;
    o.updated_ms = now_ms;
    const sim_decimal* limit = n.type == sim_order_type::limit ? &o.price : nullptr;
    if (n.type == sim_order_type::market && book_(n.feed, spec.symbol) == nullptr) {
        return refuse(sim_reject::book_not_ready, spec.symbol);
    }
    auto walk = available(o, limit);
    if (n.quote_qty) {
        // Binance quoteOrderQty: the base quantity the budget buys along the book, in lots.
        sim_decimal budget = *n.quote_qty;
        sim_decimal q;
        for (const auto& f : walk) {
            const sim_decimal can = budget.div(f.price).truncate(lot.scale());
            const sim_decimal lots = can.div(lot, 0) * lot;
            const sim_decimal take_qty = min(lots, f.qty);
            q += take_qty;
            budget -= take_qty * f.price;
            if (take_qty < f.qty) {
                break;
            }
        }
        o.qty = q;
        if (o.qty.is_zero()) {
            return refuse(sim_reject::no_liquidity, spec.symbol);
        }
    }
    sim_decimal walk_qty;
    for (const auto& f : walk) {
        walk_qty += f.qty;
    }
    if (spec.min_notional > 0.0) {
        const sim_decimal px =
            limit != nullptr ? o.price : (walk.empty() ? sim_decimal{} : walk[0].price);
        if (px * o.qty < double_decimal(spec.min_notional) && !px.is_zero()) {
            return refuse(sim_reject::min_notional, "notional " + (px * o.qty).str() + " < " +
                                                        double_decimal(spec.min_notional).str());
        }
    }
    if (n.type == sim_order_type::market && walk.empty()) {
        return refuse(sim_reject::no_liquidity, spec.symbol);
    }
    if (o.tif == sim_tif::post_only && !walk.empty() && rules_.post_only_rejects) {
        return refuse(sim_reject::would_take, "price " + o.price.str());
    }
    if (auto err = check_funds(a, o, spec, walk, n.quote_qty)) {
        return refuse(sim_reject::insufficient_balance, *err);
    }
    o.id = next_order_id_++;
    a.orders.push_back(o);
    sim_order& placed = a.orders.back();
    const std::size_t index = a.orders.size() - 1;
    lock(a, placed, spec, false);
    emit(sim_event_kind::accepted, a, placed, std::nullopt, request_no);
    if (placed.tif == sim_tif::post_only && !walk.empty()) {
        lock(a, placed, spec, true);
        placed.status = sim_order_status::canceled;
        placed.reason = sim_reject::would_take;
        emit(sim_event_kind::canceled, a, placed, std::nullopt, request_no);
        r.order = &placed;
        return r;
    }
    if (placed.tif == sim_tif::fok && walk_qty < placed.qty) {
        lock(a, placed, spec, true);
        placed.status = sim_order_status::expired;
        placed.reason = sim_reject::fok_unfilled;
        emit(sim_event_kind::expired, a, placed, std::nullopt, request_no);
        r.order = &placed;
        return r;
    }
    for (const auto& f : walk) {
        sim_order& cur = a.orders[index];
        const sim_decimal q = min(cur.remaining(), f.qty);
        if (q.is_zero()) {
            break;
        }
        execute(a, cur, f, q, false, now_ms, request_no);
    }
    sim_order& done = a.orders[index];
    if (!done.remaining().is_zero() && (done.tif == sim_tif::ioc || done.tif == sim_tif::fok ||
                                        done.type == sim_order_type::market)) {
        lock(a, done, spec, true);
        done.status = sim_order_status::expired;
        emit(sim_event_kind::expired, a, done, std::nullopt, request_no);
    }
    r.order = &done;
    return r;
}

sim_order_result sim_orders::cancel(sim_account& a, std::string_view symbol, std::uint64_t id,
                                    std::string_view client_id, std::int64_t now_ms,
                                    std::uint64_t request_no) {
    sim_order_result r;
    sim_order* o = id != 0 ? a.find(id) : a.find_client(client_id);
    if (o == nullptr || (!symbol.empty() && o->symbol != symbol)) {
        r.reject = sim_reject::unknown_order;
        return r;
    }
    if (!sim_order_open(o->status)) {
        r.reject = sim_reject::order_closed;
        r.order = o;
        return r;
    }
    lock(a, *o, *spec_of(*o), true);
    o->status = sim_order_status::canceled;
    o->updated_ms = now_ms;
    emit(sim_event_kind::canceled, a, *o, std::nullopt, request_no);
    r.order = o;
    return r;
}

sim_order_result sim_orders::amend(sim_account& a, std::string_view symbol, std::uint64_t id,
                                   std::string_view client_id, std::optional<sim_decimal> qty,
                                   std::optional<sim_decimal> price, std::int64_t now_ms,
                                   std::uint64_t request_no) {
    sim_order_result r;
    sim_order* o = id != 0 ? a.find(id) : a.find_client(client_id);
    if (o == nullptr || (!symbol.empty() && o->symbol != symbol)) {
        r.reject = sim_reject::unknown_order;
        return r;
    }
    r.order = o;
    if (!sim_order_open(o->status)) {
        r.reject = sim_reject::order_closed;
        return r;
    }
    const instrument_spec& spec = *spec_of(*o);
    if (qty && (*qty <= o->filled || !qty->multiple_of(step_decimal(spec.lot)))) {
        r.reject = qty->multiple_of(step_decimal(spec.lot)) ? sim_reject::amend_invalid
                                                            : sim_reject::bad_quantity;
        return r;
    }
    if (price && (*price <= sim_decimal{} || !price->multiple_of(step_decimal(spec.tick)))) {
        r.reject = sim_reject::bad_price;
        return r;
    }
    sim_order next = *o;
    next.qty = qty.value_or(o->qty);
    next.price = price.value_or(o->price);
    lock(a, *o, spec, true);
    sim_order probe = next;
    probe.qty = next.remaining();
    if (auto err = check_funds(a, probe, spec, {}, std::nullopt)) {
        lock(a, *o, spec, false);
        r.reject = sim_reject::insufficient_balance;
        r.detail = *err;
        return r;
    }
    *o = next;
    o->updated_ms = now_ms;
    lock(a, *o, spec, false);
    emit(sim_event_kind::amended, a, *o, std::nullopt, request_no);
    // A price moved through the book takes what it meets, as a new order would.
    const std::size_t index = static_cast<std::size_t>(o - a.orders.data());
    for (const auto& f : available(*o, &o->price)) {
        sim_order& cur = a.orders[index];
        const sim_decimal q = min(cur.remaining(), f.qty);
        if (q.is_zero()) {
            break;
        }
        execute(a, cur, f, q, false, now_ms, request_no);
    }
    r.order = &a.orders[index];
    return r;
}

void sim_orders::on_book_update(std::string_view feed, std::string_view symbol,
                                std::int64_t now_ms) {
    for (auto& a : accounts_) {
        for (std::size_t i = 0; i < a.orders.size(); ++i) {
            if (!sim_order_open(a.orders[i].status) || a.orders[i].feed != feed ||
                a.orders[i].symbol != symbol || a.orders[i].type != sim_order_type::limit) {
                continue;
            }
            const sim_decimal limit = a.orders[i].price;
            for (const auto& f : available(a.orders[i], &limit)) {
                sim_order& cur = a.orders[i];
                const sim_decimal q = min(cur.remaining(), f.qty);
                if (q.is_zero()) {
                    break;
                }
                execute(a, cur, f, q, true, now_ms, 0);
            }
        }
    }
}

std::string sim_orders::account_json(const sim_account& a) const {
    std::string out = "{\"api_key\":" + jstr(a.config.api_key) + ",\"balances\":{";
    bool first = true;
    for (const auto& [asset, b] : a.balances) {
        out += (first ? "" : ",") + jstr(asset) + ":{\"free\":" + jstr(b.free.str()) +
               ",\"locked\":" + jstr(b.locked.str()) + "}";
        first = false;
    }
    out += "},\"positions\":[";
    first = true;
    for (const auto& [key, p] : a.positions) {
        out += std::string(first ? "" : ",") + "{\"instrument\":" + jstr(key) +
               ",\"qty\":" + jstr(p.qty.str()) + ",\"entry_price\":" + jstr(p.entry_price.str()) +
               ",\"realised_pnl\":" + jstr(p.realised_pnl.str()) + "}";
        first = false;
    }
    const auto order_json = [](const sim_order& o) {
        return "{\"order_id\":" + std::to_string(o.id) + ",\"client_id\":" + jstr(o.client_id) +
               ",\"symbol\":" + jstr(o.symbol) + ",\"side\":" + jstr(side_text(o.side)) +
               ",\"price\":" + jstr(o.price.str()) + ",\"qty\":" + jstr(o.qty.str()) +
               ",\"filled\":" + jstr(o.filled.str()) +
               ",\"status\":" + jstr(status_text(o.status)) + "}";
    };
    out += "],\"open_orders\":[";
    first = true;
    for (const auto& o : a.orders) {
        if (sim_order_open(o.status)) {
            out += (first ? "" : ",") + order_json(o);
            first = false;
        }
    }
    out += "],\"orders\":[";
    first = true;
    for (const auto& o : a.orders) {
        out += (first ? "" : ",") + order_json(o);
        first = false;
    }
    out += "],\"trades\":[";
    first = true;
    for (const auto& t : a.trades) {
        out += std::string(first ? "" : ",") + "{\"trade_id\":" + std::to_string(t.id) +
               ",\"order_id\":" + std::to_string(t.order_id) +
               ",\"client_id\":" + jstr(t.client_id) + ",\"symbol\":" + jstr(t.symbol) +
               ",\"side\":" + jstr(side_text(t.side)) + ",\"price\":" + jstr(t.price.str()) +
               ",\"qty\":" + jstr(t.qty.str()) + ",\"fee\":" + jstr(t.fee.str()) +
               ",\"fee_asset\":" + jstr(t.fee_asset) +
               ",\"maker\":" + (t.maker ? "true" : "false") +
               ",\"time\":" + std::to_string(t.time_ms) + "}";
        first = false;
    }
    out += "],\"new_order_requests\":{";
    first = true;
    std::map<std::string, std::uint64_t> sorted(a.new_requests.begin(), a.new_requests.end());
    for (const auto& [cid, n] : sorted) {
        out += (first ? "" : ",") + jstr(cid) + ":" + std::to_string(n);
        first = false;
    }
    out += "}}";
    return out;
}

} // namespace ballast::exec
