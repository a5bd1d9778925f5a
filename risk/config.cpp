#include "risk/config.hpp"

#include "book/config_file.hpp"

#include <toml++/toml.h>

#include <cmath>
#include <initializer_list>
#include <map>
#include <set>
#include <sstream>

namespace ballast::risk {

namespace {

// --- time ----------------------------------------------------------------------------------

std::int64_t days_from_civil(int y, unsigned m, unsigned d) noexcept {
    y -= m <= 2 ? 1 : 0;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return static_cast<std::int64_t>(era) * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

/// Nanoseconds since the epoch, or nothing outside what int64 holds (1677-09-21T00:12:43Z to
/// 2262-04-11T23:47:16Z): checked before the multiplication that would wrap.
std::optional<std::int64_t> to_ns(int y, unsigned mo, unsigned d, unsigned h, unsigned mi,
                                  unsigned s, std::int64_t nanos, int offset_minutes) noexcept {
    const std::int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s -
                              static_cast<std::int64_t>(offset_minutes) * 60;
    std::int64_t ns = 0;
    if (__builtin_mul_overflow(secs, std::int64_t{1'000'000'000}, &ns) ||
        __builtin_add_overflow(ns, nanos, &ns)) {
        return std::nullopt;
    }
    return ns;
}

constexpr std::string_view time_range_text =
    "is outside the 64-bit nanosecond time range (1677-09-21T00:12:43Z to 2262-04-11T23:47:16Z)";

// Stated ranges (risk/README.md, "Config"): wide enough for any real book, narrow enough that
// values, Greeks and NAV stay finite.
using config_file::number_range;
constexpr number_range qty_range{-1e12, 1e12};   ///< contracts
constexpr number_range price_range{1e-12, 1e12}; ///< marks, forward, strike, entry
constexpr number_range contract_size_range{1e-12, 1e9};
constexpr number_range fee_bps_range{0, 1000};
constexpr number_range half_spread_bps_range{0, 1000};
constexpr number_range funding_range{-1, 1}; ///< fraction per 8 hours
constexpr number_range vol_range{1e-4, 10};  ///< annual, as a fraction
constexpr number_range horizon_days_range{1e-6, 3650};
constexpr number_range interval_s_range{0.001, 31'536'000}; ///< up to a year
constexpr number_range risk_aversion_range{1e-12, 1e6};
constexpr number_range weight_range{-10, 10};
constexpr number_range delta_range{-1e12, 1e12}; ///< base units
constexpr number_range band_range{0, 1e12};
constexpr number_range gamma_range{-1e15, 1e15}; ///< USD per 1%
constexpr number_range max_qty_range{1e-12, 1e12};
constexpr number_range notional_range{1e-12, 1e15};
constexpr number_range max_position_range{0, 1e12};
constexpr number_range price_collar_range{1e-12, 1}; ///< max |px/reference - 1|
constexpr number_range max_abs_delta_range{0, 1e12};
constexpr number_range max_abs_gamma_range{0, 1e15};
constexpr number_range orders_per_second_range{1e-6, 1e6};
constexpr number_range burst_range{1, 1e6};

std::optional<toml::table> parse_document(std::string_view text, config_format format,
                                          std::string_view source,
                                          std::vector<std::string>& errors) {
    auto r =
        config_file::parse_table(text, source,
                                 format == config_format::json ? config_file::file_format::json
                                                               : config_file::file_format::toml);
    if (!r.ok()) {
        errors.push_back(std::move(r.error));
        return std::nullopt;
    }
    return std::move(r.table);
}

// --- field reader ---------------------------------------------------------------------------

class reader {
  public:
    explicit reader(std::vector<std::string>& errors) : errors_(errors) {}

    void error(const std::string& field, std::string_view message) {
        errors_.push_back(field + ": " + std::string(message));
    }
    [[nodiscard]] bool failed() const noexcept { return !errors_.empty(); }
    [[nodiscard]] std::size_t error_count() const noexcept { return errors_.size(); }

    void allow(const toml::table& t, const std::string& path,
               std::initializer_list<std::string_view> keys) {
        for (const auto& [k, v] : t) {
            bool known = false;
            for (const auto key : keys) {
                known = known || key == k.str();
            }
            if (!known) {
                error(join(path, k.str()), "unknown field");
            }
        }
    }

    static std::string join(const std::string& path, std::string_view key) {
        return path.empty() ? std::string(key) : path + "." + std::string(key);
    }
    static std::string index(const std::string& path, std::size_t i) {
        return path + "[" + std::to_string(i) + "]";
    }

    const toml::table* table(const toml::table& t, std::string_view key, const std::string& path,
                             bool required) {
        const auto* n = t.get(key);
        if (n == nullptr) {
            if (required) {
                error(join(path, key), "missing (a table)");
            }
            return nullptr;
        }
        if (!n->is_table()) {
            error(join(path, key), "must be a table");
            return nullptr;
        }
        return n->as_table();
    }

    /// The tables of an array of tables; non-table items are reported.
    std::vector<const toml::table*> tables(const toml::table& t, std::string_view key,
                                           const std::string& path, bool required) {
        std::vector<const toml::table*> out;
        const auto* n = t.get(key);
        if (n == nullptr) {
            if (required) {
                error(join(path, key), "missing (an array of tables)");
            }
            return out;
        }
        const auto* arr = n->as_array();
        if (arr == nullptr) {
            error(join(path, key), "must be an array of tables");
            return out;
        }
        for (std::size_t i = 0; i < arr->size(); ++i) {
            if (const auto* item = (*arr)[i].as_table()) {
                out.push_back(item);
            } else {
                error(index(join(path, key), i), "must be a table");
                out.push_back(nullptr);
            }
        }
        return out;
    }

    std::optional<std::string> string(const toml::table& t, std::string_view key,
                                      const std::string& path, bool required) {
        const auto* n = t.get(key);
        if (n == nullptr) {
            if (required) {
                error(join(path, key), "missing (a string)");
            }
            return std::nullopt;
        }
        const auto* s = n->as_string();
        if (s == nullptr || s->get().empty()) {
            error(join(path, key), "must be a non-empty string");
            return std::nullopt;
        }
        return s->get();
    }

    std::optional<double> number(const toml::table& t, std::string_view key,
                                 const std::string& path, bool required,
                                 const number_range& range) {
        const auto* n = t.get(key);
        if (n == nullptr) {
            if (required) {
                error(join(path, key), "missing (a number)");
            }
            return std::nullopt;
        }
        double v = 0.0;
        if (const auto* i = n->as_integer()) {
            v = static_cast<double>(i->get());
        } else if (const auto* f = n->as_floating_point()) {
            v = f->get();
        } else {
            error(join(path, key), "must be a number");
            return std::nullopt;
        }
        if (const auto why = config_file::range_error(v, range)) {
            error(join(path, key), *why);
            return std::nullopt;
        }
        return v;
    }

    std::optional<bool> boolean(const toml::table& t, std::string_view key, const std::string& path,
                                bool required) {
        const auto* n = t.get(key);
        if (n == nullptr) {
            if (required) {
                error(join(path, key), "missing (true or false)");
            }
            return std::nullopt;
        }
        if (const auto* b = n->as_boolean()) {
            return b->get();
        }
        error(join(path, key), "must be true or false");
        return std::nullopt;
    }

    std::optional<timestamp_ns> time(const toml::table& t, std::string_view key,
                                     const std::string& path, bool required) {
        const auto* n = t.get(key);
        if (n == nullptr) {
            if (required) {
                error(join(path, key), "missing (a UTC time such as 2021-09-24T08:00:00Z)");
            }
            return std::nullopt;
        }
        if (const auto* dt = n->as_date_time()) {
            const auto& v = dt->get();
            if (!v.offset) {
                error(join(path, key), "must carry a UTC offset (end it with Z)");
                return std::nullopt;
            }
            const auto ns = to_ns(v.date.year, v.date.month, v.date.day, v.time.hour, v.time.minute,
                                  v.time.second, v.time.nanosecond, v.offset->minutes);
            if (!ns) {
                std::ostringstream text;
                text << *dt;
                error(join(path, key), text.str() + " " + std::string(time_range_text));
                return std::nullopt;
            }
            return timestamp_ns{*ns};
        }
        if (const auto* s = n->as_string()) {
            if (const auto ts = parse_utc_timestamp(s->get())) {
                return ts;
            }
            if (utc_timestamp_out_of_range(s->get())) {
                error(join(path, key), s->get() + " " + std::string(time_range_text));
                return std::nullopt;
            }
        }
        error(join(path, key), "must be a UTC time such as 2021-09-24T08:00:00Z");
        return std::nullopt;
    }

    std::optional<decimal_step> step(const toml::table& t, std::string_view key,
                                     const std::string& path) {
        const auto text = string(t, key, path, true);
        if (!text) {
            return std::nullopt;
        }
        const auto r = parse_step(*text);
        if (!r.ok() || r.value.mantissa <= 0) {
            error(join(path, key), "must be a positive decimal string such as \"0.01\"");
            return std::nullopt;
        }
        return r.value;
    }

  private:
    std::vector<std::string>& errors_;
};

bool is_linear_derivative(instrument_kind k) noexcept {
    return k == instrument_kind::linear_perp || k == instrument_kind::linear_future;
}
bool is_inverse(instrument_kind k) noexcept {
    return k == instrument_kind::inverse_perp || k == instrument_kind::inverse_future;
}
bool is_future(instrument_kind k) noexcept {
    return k == instrument_kind::linear_future || k == instrument_kind::inverse_future;
}
bool is_perp(instrument_kind k) noexcept {
    return k == instrument_kind::linear_perp || k == instrument_kind::inverse_perp;
}

std::string instrument_name(std::string_view venue, std::string_view symbol) {
    return std::string(venue) + " " + std::string(symbol);
}

struct instrument_mark_entry {
    std::string field; ///< where it came from, for messages
    std::optional<double> price, forward, vol;
    bool bad = false; ///< some field was present but invalid (already reported)
};

struct marks_data {
    std::map<std::string, std::pair<std::string, double>> underlyings; ///< name -> (field, price)
    std::map<std::string, instrument_mark_entry> instruments;          ///< "venue symbol"
    std::set<std::string> bad_underlyings; ///< marks present but invalid (already reported)
};

void read_marks(reader& rd, const toml::table& t, const std::string& path, marks_data& out) {
    rd.allow(t, path, {"underlyings", "instruments"});
    if (const auto* u = rd.table(t, "underlyings", path, true)) {
        const auto upath = reader::join(path, "underlyings");
        for (const auto& [k, v] : *u) {
            const std::string name(k.str());
            if (const auto px = rd.number(*u, name, upath, true, price_range)) {
                out.underlyings[name] = {reader::join(upath, name), *px};
                out.bad_underlyings.erase(name);
            } else {
                out.bad_underlyings.insert(name);
            }
        }
    }
    const auto ipath = reader::join(path, "instruments");
    const auto items = rd.tables(t, "instruments", path, false);
    std::map<std::string, std::string> seen; // in this document: name -> first field
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (items[i] == nullptr) {
            continue;
        }
        const auto& m = *items[i];
        const auto field = reader::index(ipath, i);
        rd.allow(m, field, {"venue", "symbol", "price", "forward", "vol"});
        const auto venue = rd.string(m, "venue", field, true);
        const auto symbol = rd.string(m, "symbol", field, true);
        instrument_mark_entry e;
        e.field = field;
        e.price = rd.number(m, "price", field, false, price_range);
        e.forward = rd.number(m, "forward", field, false, price_range);
        e.vol = rd.number(m, "vol", field, false, vol_range);
        e.bad = (m.get("price") != nullptr && !e.price) ||
                (m.get("forward") != nullptr && !e.forward) || (m.get("vol") != nullptr && !e.vol);
        if (venue && symbol) {
            const auto name = instrument_name(*venue, *symbol);
            if (const auto [it, fresh] = seen.emplace(name, field); !fresh) {
                rd.error(field, "duplicate mark for " + name + " (also " + it->second + ")");
                continue;
            }
            out.instruments[name] = e;
        }
    }
}

class config_builder {
  public:
    config_builder(reader& rd, risk_config& cfg) : rd_(rd), cfg_(cfg) {}

    void build(const toml::table& root, const toml::table* marks_doc) {
        rd_.allow(root, "",
                  {"name", "valuation_time", "cash", "instruments", "positions", "marks", "targets",
                   "rebalance", "routes", "limits"});
        if (auto name = rd_.string(root, "name", "", true)) {
            cfg_.name = *name;
        }
        const auto now = rd_.time(root, "valuation_time", "", true);
        read_cash(root);
        read_instruments(root, now);
        read_positions(root);
        marks_data marks;
        const auto* portfolio_marks = rd_.table(root, "marks", "", marks_doc == nullptr);
        if (portfolio_marks != nullptr) {
            read_marks(rd_, *portfolio_marks, "marks", marks);
        }
        if (marks_doc != nullptr) {
            read_marks(rd_, *marks_doc, "marks_file", marks); // the file replaces same names
        }
        apply_marks(marks);
        const auto* rebalance = rd_.table(root, "rebalance", "", false);
        trigger_kind trig = trigger_kind::threshold;
        if (rebalance != nullptr) {
            trig = read_rebalance(*rebalance);
        }
        read_targets(root, rebalance != nullptr && trig == trigger_kind::cost_aware);
        read_routes(root);
        if (const auto* limits = rd_.table(root, "limits", "", false)) {
            read_limits(*limits);
        }
        if (!rd_.failed() && now) {
            if (const auto e = cfg_.book.set_valuation_time(*now); e != risk_error::ok) {
                rd_.error("valuation_time",
                          std::string("portfolio cannot be valued: ") + std::string(to_string(e)));
            }
        }
    }

  private:
    void read_cash(const toml::table& root) {
        const auto* n = root.get("cash");
        if (n == nullptr) {
            rd_.error("cash", "missing (an array of underlying names, may be empty)");
            return;
        }
        const auto* arr = n->as_array();
        if (arr == nullptr) {
            rd_.error("cash", "must be an array of strings");
            return;
        }
        std::set<std::string> seen;
        for (std::size_t i = 0; i < arr->size(); ++i) {
            if (const auto* s = (*arr)[i].as_string()) {
                if (!seen.insert(s->get()).second) {
                    rd_.error(reader::index("cash", i), "duplicate " + s->get());
                    continue;
                }
                cfg_.book.add_underlying(s->get(), true);
            } else {
                rd_.error(reader::index("cash", i), "must be a string");
            }
        }
    }

    void read_instruments(const toml::table& root, std::optional<timestamp_ns> now) {
        const auto items = rd_.tables(root, "instruments", "", true);
        if (items.empty() && root.get("instruments") != nullptr) {
            rd_.error("instruments", "must list at least one instrument");
        }
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (items[i] == nullptr) {
                continue;
            }
            const auto& t = *items[i];
            const auto path = reader::index("instruments", i);
            instrument_spec spec;
            const auto venue = rd_.string(t, "venue", path, true);
            const auto symbol = rd_.string(t, "symbol", path, true);
            const auto kind_text = rd_.string(t, "kind", path, true);
            const auto underlying = rd_.string(t, "underlying", path, true);
            const auto cs = rd_.number(t, "contract_size", path, true, contract_size_range);
            const auto tick = rd_.step(t, "tick", path);
            const auto lot = rd_.step(t, "lot", path);
            bool kind_ok = false;
            if (kind_text) {
                kind_ok = parse_instrument_kind(*kind_text, spec.kind);
                if (!kind_ok) {
                    rd_.error(reader::join(path, "kind"),
                              "must be one of spot, linear_perp, inverse_perp, linear_future, "
                              "inverse_future, option");
                }
            }
            if (kind_ok && spec.kind == instrument_kind::option) {
                rd_.allow(t, path,
                          {"venue", "symbol", "kind", "underlying", "contract_size", "tick", "lot",
                           "right", "strike", "expiry", "settle"});
                if (const auto right = rd_.string(t, "right", path, true)) {
                    if (*right == "call") {
                        spec.right = option_right::call;
                    } else if (*right == "put") {
                        spec.right = option_right::put;
                    } else {
                        rd_.error(reader::join(path, "right"), "must be call or put");
                    }
                }
                spec.strike = rd_.number(t, "strike", path, true, price_range).value_or(0.0);
                if (auto settle = rd_.string(t, "settle", path, true)) {
                    spec.settle = *settle;
                }
            } else if (kind_ok && is_future(spec.kind)) {
                rd_.allow(t, path,
                          {"venue", "symbol", "kind", "underlying", "contract_size", "tick", "lot",
                           "expiry"});
            } else if (kind_ok) {
                rd_.allow(
                    t, path,
                    {"venue", "symbol", "kind", "underlying", "contract_size", "tick", "lot"});
            }
            if (kind_ok && (spec.kind == instrument_kind::option || is_future(spec.kind))) {
                if (const auto expiry = rd_.time(t, "expiry", path, true)) {
                    spec.expiry = *expiry;
                    if (now && expiry->ns <= now->ns) {
                        rd_.error(reader::join(path, "expiry"),
                                  "already expired at valuation_time");
                    }
                }
            }
            if (!venue || !symbol || !kind_ok || !underlying || !cs || !tick || !lot) {
                // Already reported: what refers to it later must not be reported again.
                if (venue && symbol) {
                    refused_instruments_.insert(instrument_name(*venue, *symbol));
                }
                if (underlying) {
                    refused_underlyings_.insert(*underlying);
                }
                continue;
            }
            if (cfg_.book.find_instrument(*venue, *symbol)) {
                rd_.error(reader::join(path, "symbol"),
                          "duplicate instrument " + instrument_name(*venue, *symbol));
                continue;
            }
            spec.venue = *venue;
            spec.symbol = *symbol;
            spec.base = *underlying;
            spec.quote = "USD";
            if (spec.settle.empty()) {
                spec.settle = is_inverse(spec.kind) ? *underlying : "USD";
            }
            spec.contract_size = *cs;
            spec.tick = *tick;
            spec.lot = *lot;
            const auto u = cfg_.book.add_underlying(*underlying);
            cfg_.book.add_instrument(spec, u);
            if (cfg_.find_venue(*venue).value == 0) {
                cfg_.venues.push_back(*venue);
            }
        }
    }

    std::optional<instrument_id> lookup(const toml::table& t, const std::string& path) {
        const auto venue = rd_.string(t, "venue", path, true);
        const auto symbol = rd_.string(t, "symbol", path, true);
        if (!venue || !symbol) {
            return std::nullopt;
        }
        const auto id = cfg_.book.find_instrument(*venue, *symbol);
        if (!id && !refused_instruments_.contains(instrument_name(*venue, *symbol))) {
            rd_.error(reader::join(path, "symbol"), "unknown instrument " +
                                                        instrument_name(*venue, *symbol) +
                                                        " (list it under [[instruments]])");
        }
        return id;
    }

    void read_positions(const toml::table& root) {
        const auto items = rd_.tables(root, "positions", "", true);
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (items[i] == nullptr) {
                continue;
            }
            const auto& t = *items[i];
            const auto path = reader::index("positions", i);
            rd_.allow(t, path, {"account", "venue", "symbol", "qty", "entry_price"});
            const auto account = rd_.string(t, "account", path, true);
            const auto inst = lookup(t, path);
            const auto qty = rd_.number(t, "qty", path, true, qty_range);
            std::optional<double> entry;
            if (inst) {
                const auto kind = cfg_.book.instrument(*inst).terms.kind;
                const bool needs_entry = is_linear_derivative(kind) || is_inverse(kind);
                entry = rd_.number(t, "entry_price", path, needs_entry, price_range);
            }
            if (!account || !inst || !qty) {
                continue;
            }
            const auto acct = cfg_.book.add_account(*account);
            if (cfg_.book.find_position(acct, *inst)) {
                rd_.error(path, "duplicate position for account " + *account + " in " +
                                    instrument_name(cfg_.book.instrument(*inst).spec.venue,
                                                    cfg_.book.instrument(*inst).spec.symbol));
                continue;
            }
            cfg_.book.add_position(acct, *inst, *qty, entry.value_or(0.0));
        }
    }

    void apply_marks(const marks_data& marks) {
        for (const auto& [name, entry] : marks.underlyings) {
            const auto u = cfg_.book.find_underlying(name);
            if (!u) {
                if (!refused_underlyings_.contains(name)) {
                    rd_.error(entry.first, "unknown underlying (no instrument uses it)");
                }
                continue;
            }
            (void)cfg_.book.on_underlying_mark(*u, entry.second);
        }
        for (std::uint32_t i = 0; i < cfg_.book.underlying_count(); ++i) {
            const auto& u = cfg_.book.underlying(underlying_id{i});
            if (!marks.underlyings.contains(u.name) && !marks.bad_underlyings.contains(u.name)) {
                rd_.error("marks.underlyings." + u.name, "missing (a price > 0)");
            }
        }
        for (const auto& [name, entry] : marks.instruments) {
            bool known = false;
            for (std::uint32_t i = 0; i < cfg_.book.instrument_count(); ++i) {
                const auto& s = cfg_.book.instrument(instrument_id{i}).spec;
                known = known || instrument_name(s.venue, s.symbol) == name;
            }
            if (!known && !refused_instruments_.contains(name)) {
                rd_.error(entry.field, "unknown instrument " + name);
            }
        }
        for (std::uint32_t i = 0; i < cfg_.book.instrument_count(); ++i) {
            const instrument_id id{i};
            const auto& inst = cfg_.book.instrument(id);
            const auto name = instrument_name(inst.spec.venue, inst.spec.symbol);
            const auto it = marks.instruments.find(name);
            const instrument_mark_entry* e = it == marks.instruments.end() ? nullptr : &it->second;
            const std::string where = e ? e->field : "marks.instruments (" + name + ")";
            const auto kind = inst.terms.kind;
            if (kind == instrument_kind::option) {
                if (e && e->price) {
                    rd_.error(where + ".price", "not used for options (give forward and vol)");
                }
                if (e && e->bad) {
                    continue; // its invalid field is already reported
                }
                if (!e || !e->forward) {
                    rd_.error(where + ".forward", "missing (the option's forward, > 0)");
                } else {
                    (void)cfg_.book.on_instrument_mark(id, *e->forward);
                }
                if (!e || !e->vol) {
                    rd_.error(where + ".vol", "missing (implied vol as a fraction, > 0)");
                } else {
                    (void)cfg_.book.on_vol_mark(id, *e->vol);
                }
                continue;
            }
            if (e && (e->forward || e->vol)) {
                rd_.error(where, "forward and vol apply to options only");
            }
            if (kind == instrument_kind::spot) {
                if (e && e->price) {
                    (void)cfg_.book.on_instrument_mark(id, *e->price);
                }
                continue; // a spot instrument without its own mark follows its underlying
            }
            if (e && e->bad) {
                continue; // its invalid field is already reported
            }
            if (!e || !e->price) {
                rd_.error(where + ".price",
                          "missing (the " + std::string(to_string(kind)) + "'s mark price, > 0)");
            } else {
                (void)cfg_.book.on_instrument_mark(id, *e->price);
            }
        }
    }

    trigger_kind read_rebalance(const toml::table& t) {
        const std::string path = "rebalance";
        rd_.allow(t, path,
                  {"trigger", "horizon_days", "synthetic", "interval_s", "last_rebalance",
                   "risk_aversion"});
        cfg_.has_rebalance = true;
        auto& trig = cfg_.trigger;
        if (const auto kind = rd_.string(t, "trigger", path, true)) {
            if (!parse_trigger_kind(*kind, trig.kind)) {
                rd_.error("rebalance.trigger", "must be one of time, threshold, cost_aware");
            }
        }
        trig.horizon_days =
            rd_.number(t, "horizon_days", path, true, horizon_days_range).value_or(0);
        trig.synthetic = rd_.boolean(t, "synthetic", path, true).value_or(false);
        const bool time_kind = trig.kind == trigger_kind::time;
        const auto interval = rd_.number(t, "interval_s", path, time_kind, interval_s_range);
        trig.interval_ns = static_cast<std::int64_t>(interval.value_or(0.0) * 1e9);
        if (const auto last = rd_.time(t, "last_rebalance", path, time_kind)) {
            cfg_.last_rebalance = *last;
        }
        trig.risk_aversion = rd_.number(t, "risk_aversion", path,
                                        trig.kind == trigger_kind::cost_aware, risk_aversion_range)
                                 .value_or(0.0);
        return trig.kind;
    }

    std::optional<underlying_id> underlying_of(const toml::table& t, const std::string& path) {
        const auto name = rd_.string(t, "underlying", path, true);
        if (!name) {
            return std::nullopt;
        }
        const auto u = cfg_.book.find_underlying(*name);
        if (!u && !refused_underlyings_.contains(*name)) {
            rd_.error(reader::join(path, "underlying"),
                      "unknown underlying " + *name + " (no instrument uses it)");
        }
        return u;
    }

    void read_targets(const toml::table& root, bool cost_aware) {
        const auto errors_before = rd_.error_count();
        const auto items = rd_.tables(root, "targets", "", false);
        double weight_sum = 0.0;
        bool any_weight = false;
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (items[i] == nullptr) {
                continue;
            }
            const auto& t = *items[i];
            const auto path = reader::index("targets", i);
            rd_.allow(t, path,
                      {"underlying", "weight", "delta", "band", "gamma_usd_1pct", "annual_vol"});
            underlying_target target;
            const auto u = underlying_of(t, path);
            const auto weight = rd_.number(t, "weight", path, false, weight_range);
            const auto delta = rd_.number(t, "delta", path, false, delta_range);
            const auto band = rd_.number(t, "band", path, true, band_range);
            const auto gamma = rd_.number(t, "gamma_usd_1pct", path, false, gamma_range);
            const auto vol = rd_.number(t, "annual_vol", path, cost_aware, vol_range);
            if (weight && delta) {
                rd_.error(path, "give weight or delta, not both");
                continue;
            }
            if (!weight && !delta && t.get("weight") == nullptr && t.get("delta") == nullptr) {
                rd_.error(reader::join(path, "weight"), "missing (give weight or delta)");
            }
            if (!u || !band || (!weight && !delta)) {
                continue;
            }
            for (const auto& other : cfg_.targets) {
                if (other.underlying == *u) {
                    rd_.error(reader::join(path, "underlying"),
                              "duplicate target for " + cfg_.book.underlying(*u).name);
                }
            }
            target.underlying = *u;
            target.kind = weight ? target_kind::weight : target_kind::delta_base;
            target.value = weight ? *weight : *delta;
            target.band = *band;
            target.has_gamma = gamma.has_value();
            target.gamma_usd_1pct = gamma.value_or(0.0);
            target.annual_vol = vol.value_or(0.0);
            if (weight) {
                any_weight = true;
                weight_sum += *weight;
            }
            cfg_.targets.push_back(target);
        }
        // A sum over targets with an error already reported would contradict that error.
        if (any_weight && rd_.error_count() == errors_before &&
            std::fabs(weight_sum - 1.0) > 1e-9) {
            std::ostringstream msg;
            msg << "weights sum to " << weight_sum * 100.0 << "% (must be 100%)";
            rd_.error("targets", msg.str());
        }
    }

    void read_routes(const toml::table& root) {
        const auto items = rd_.tables(root, "routes", "", false);
        std::map<std::uint32_t, std::string> seen; // instrument -> first field
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (items[i] == nullptr) {
                continue;
            }
            const auto& t = *items[i];
            const auto path = reader::index("routes", i);
            rd_.allow(t, path,
                      {"venue", "symbol", "fee_bps", "half_spread_bps", "funding_rate_8h"});
            const auto inst = lookup(t, path);
            const auto fee = rd_.number(t, "fee_bps", path, true, fee_bps_range);
            const auto spread = rd_.number(t, "half_spread_bps", path, true, half_spread_bps_range);
            std::optional<double> funding;
            if (inst) {
                const bool perp = is_perp(cfg_.book.instrument(*inst).terms.kind);
                funding = rd_.number(t, "funding_rate_8h", path, perp, funding_range);
                if (!perp && funding) {
                    rd_.error(reader::join(path, "funding_rate_8h"), "applies to perps only");
                }
            }
            if (inst && !first_of(seen, inst->value, path, "route", *inst)) {
                continue;
            }
            if (inst && fee && spread) {
                cfg_.routes.push_back({*inst, *fee, *spread, funding.value_or(0.0)});
            }
        }
    }

    void read_limits(const toml::table& t) {
        cfg_.has_limits = true;
        rd_.allow(t, "limits", {"kill_switch", "instruments", "underlyings", "venues"});
        if (const auto k = rd_.string(t, "kill_switch", "limits", true)) {
            if (!parse_kill_switch(*k, cfg_.kill)) {
                rd_.error("limits.kill_switch", "must be one of active, reduce_only, halted");
            }
        }
        const auto inst_items = rd_.tables(t, "instruments", "limits", true);
        std::map<std::uint32_t, std::string> seen_inst;
        for (std::size_t i = 0; i < inst_items.size(); ++i) {
            if (inst_items[i] == nullptr) {
                continue;
            }
            const auto& it = *inst_items[i];
            const auto path = reader::index("limits.instruments", i);
            rd_.allow(it, path,
                      {"venue", "symbol", "max_order_qty", "max_order_notional_usd", "max_position",
                       "price_collar"});
            const auto inst = lookup(it, path);
            const auto q = rd_.number(it, "max_order_qty", path, true, max_qty_range);
            const auto n = rd_.number(it, "max_order_notional_usd", path, true, notional_range);
            const auto p = rd_.number(it, "max_position", path, true, max_position_range);
            const auto c = rd_.number(it, "price_collar", path, true, price_collar_range);
            if (inst && !first_of(seen_inst, inst->value, path, "limits", *inst)) {
                continue;
            }
            if (inst && q && n && p && c) {
                cfg_.instrument_limit_list.emplace_back(*inst, instrument_limits{*q, *n, *p, *c});
            }
        }
        const auto u_items = rd_.tables(t, "underlyings", "limits", true);
        std::map<std::uint32_t, std::string> seen_u;
        for (std::size_t i = 0; i < u_items.size(); ++i) {
            if (u_items[i] == nullptr) {
                continue;
            }
            const auto& ut = *u_items[i];
            const auto path = reader::index("limits.underlyings", i);
            rd_.allow(ut, path, {"underlying", "max_abs_delta", "max_abs_gamma_usd_1pct"});
            const auto u = underlying_of(ut, path);
            const auto d = rd_.number(ut, "max_abs_delta", path, true, max_abs_delta_range);
            const auto g =
                rd_.number(ut, "max_abs_gamma_usd_1pct", path, true, max_abs_gamma_range);
            if (u) {
                if (const auto [it, fresh] = seen_u.emplace(u->value, path); !fresh) {
                    rd_.error(path, "duplicate limits for " + cfg_.book.underlying(*u).name +
                                        " (also " + it->second + ")");
                    continue;
                }
            }
            if (u && d && g) {
                cfg_.underlying_limit_list.emplace_back(*u, underlying_limits{*d, *g});
            }
        }
        const auto v_items = rd_.tables(t, "venues", "limits", true);
        std::map<std::string, std::string> seen_v;
        for (std::size_t i = 0; i < v_items.size(); ++i) {
            if (v_items[i] == nullptr) {
                continue;
            }
            const auto& vt = *v_items[i];
            const auto path = reader::index("limits.venues", i);
            rd_.allow(vt, path, {"venue", "orders_per_second", "burst"});
            const auto venue = rd_.string(vt, "venue", path, true);
            const auto rate =
                rd_.number(vt, "orders_per_second", path, true, orders_per_second_range);
            const auto burst = rd_.number(vt, "burst", path, true, burst_range);
            if (burst && (*burst != std::floor(*burst) || *burst > 1e6)) {
                rd_.error(reader::join(path, "burst"), "must be a whole number of orders");
                continue;
            }
            if (!venue || !rate || !burst) {
                continue;
            }
            if (const auto [it, fresh] = seen_v.emplace(*venue, path); !fresh) {
                rd_.error(path,
                          "duplicate limits for venue " + *venue + " (also " + it->second + ")");
                continue;
            }
            const auto id = cfg_.find_venue(*venue);
            if (id.value == 0) {
                rd_.error(reader::join(path, "venue"), "unknown venue " + *venue);
                continue;
            }
            cfg_.venue_rates.push_back({*venue, id, *rate, static_cast<std::uint32_t>(*burst)});
        }
    }

    /// True the first time an instrument appears in a list; a repeat is reported.
    bool first_of(std::map<std::uint32_t, std::string>& seen, std::uint32_t key,
                  const std::string& path, std::string_view what, instrument_id inst) {
        const auto [it, fresh] = seen.emplace(key, path);
        if (!fresh) {
            const auto& spec = cfg_.book.instrument(inst).spec;
            rd_.error(path, "duplicate " + std::string(what) + " for " +
                                instrument_name(spec.venue, spec.symbol) + " (also " + it->second +
                                ")");
        }
        return fresh;
    }

    reader& rd_;
    risk_config& cfg_;
    std::set<std::string> refused_instruments_; ///< "venue symbol" refused with an error
    std::set<std::string> refused_underlyings_; ///< underlyings of refused instruments
};

enum class time_parse : std::uint8_t { ok, malformed, out_of_range };

time_parse parse_utc(std::string_view s, timestamp_ns& result) noexcept {
    // YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+hh:mm|-hh:mm)
    auto digits = [&](std::size_t pos, std::size_t n, int& out) {
        if (pos + n > s.size()) {
            return false;
        }
        out = 0;
        for (std::size_t i = pos; i < pos + n; ++i) {
            if (s[i] < '0' || s[i] > '9') {
                return false;
            }
            out = out * 10 + (s[i] - '0');
        }
        return true;
    };
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (!digits(0, 4, y) || s.size() < 20 || s[4] != '-' || !digits(5, 2, mo) || s[7] != '-' ||
        !digits(8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(11, 2, h) ||
        s[13] != ':' || !digits(14, 2, mi) || s[16] != ':' || !digits(17, 2, sec)) {
        return time_parse::malformed;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
        return time_parse::malformed;
    }
    std::size_t pos = 19;
    std::int64_t nanos = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int n = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (n < 9) {
                nanos = nanos * 10 + (s[pos] - '0');
            }
            ++n;
            ++pos;
        }
        if (n == 0) {
            return time_parse::malformed;
        }
        for (int k = n; k < 9; ++k) {
            nanos *= 10;
        }
    }
    int offset = 0;
    if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) {
        offset = 0;
    } else if (pos + 6 == s.size() && (s[pos] == '+' || s[pos] == '-') && s[pos + 3] == ':') {
        int oh = 0, om = 0;
        if (!digits(pos + 1, 2, oh) || !digits(pos + 4, 2, om)) {
            return time_parse::malformed;
        }
        offset = (s[pos] == '-' ? -1 : 1) * (oh * 60 + om);
    } else {
        return time_parse::malformed;
    }
    const auto ns =
        to_ns(y, static_cast<unsigned>(mo), static_cast<unsigned>(d), static_cast<unsigned>(h),
              static_cast<unsigned>(mi), static_cast<unsigned>(sec), nanos, offset);
    if (!ns) {
        return time_parse::out_of_range;
    }
    result = timestamp_ns{*ns};
    return time_parse::ok;
}

} // namespace

std::optional<timestamp_ns> parse_utc_timestamp(std::string_view s) noexcept {
    timestamp_ns ts{};
    if (parse_utc(s, ts) != time_parse::ok) {
        return std::nullopt;
    }
    return ts;
}

bool utc_timestamp_out_of_range(std::string_view s) noexcept {
    timestamp_ns ts{};
    return parse_utc(s, ts) == time_parse::out_of_range;
}

venue_id risk_config::find_venue(std::string_view venue) const noexcept {
    for (std::size_t i = 0; i < venues.size(); ++i) {
        if (venues[i] == venue) {
            return venue_id{static_cast<std::uint16_t>(i + 1)};
        }
    }
    return venue_id{0};
}

pre_trade_checker risk_config::make_checker() const {
    pre_trade_checker c(book);
    c.set_kill_switch(kill);
    for (const auto& [i, l] : instrument_limit_list) {
        c.set_instrument_limits(i, l);
    }
    for (const auto& [u, l] : underlying_limit_list) {
        c.set_underlying_limits(u, l);
    }
    for (const auto& v : venue_rates) {
        c.set_venue_rate(v.id, v.orders_per_second, v.burst);
    }
    return c;
}

namespace {

config_result build_config(const toml::table& root, const toml::table* marks) {
    config_result out;
    risk_config cfg;
    reader rd(out.errors);
    config_builder(rd, cfg).build(root, marks);
    if (out.errors.empty()) {
        out.config.emplace(std::move(cfg));
    }
    return out;
}

} // namespace

config_result parse_risk_config(std::string_view text, config_format format,
                                std::string_view marks_text, config_format marks_format) {
    config_result out;
    const auto root = parse_document(text, format, "portfolio", out.errors);
    std::optional<toml::table> marks;
    if (!marks_text.empty()) {
        marks = parse_document(marks_text, marks_format, "marks_file", out.errors);
    }
    if (!root || !out.errors.empty()) {
        return out;
    }
    return build_config(*root, marks ? &*marks : nullptr);
}

config_result load_risk_config(const std::string& portfolio_path, const std::string& marks_path) {
    config_result out;
    auto root = config_file::load_table(portfolio_path);
    if (!root.ok()) {
        out.errors.push_back(std::move(root.error));
    }
    std::optional<config_file::table_result> marks;
    if (!marks_path.empty()) {
        marks = config_file::load_table(marks_path);
        if (!marks->ok()) {
            out.errors.push_back(std::move(marks->error));
        }
    }
    if (!out.errors.empty()) {
        return out;
    }
    return build_config(root.table, marks ? &marks->table : nullptr);
}

} // namespace ballast::risk
