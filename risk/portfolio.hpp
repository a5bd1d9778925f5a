#pragma once
/// Positions per venue and account, valued against marks and aggregated per underlying.
/// A mark costs O(1) per instrument it moves (one unit valuation and sums kept per instrument)
/// plus O(log n) to re-add the totals; a position's own risk is derived when it is read. Full
/// revaluation gives the same numbers bit for bit (risk/README.md, "Incremental aggregation").

#include "book/instrument.hpp"
#include "book/types.hpp"
#include "risk/detail/sum_tree.hpp"
#include "risk/valuation.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ballast::risk {

/// Index of an underlying (BTC, ETH, USDC, ...) inside one portfolio.
using underlying_id = id<struct underlying_id_tag, std::uint32_t>;
/// Index of a position (one account's holding of one instrument) inside one portfolio.
using position_id = id<struct position_id_tag, std::uint32_t>;
/// Index of an account ("deribit-main", "binance-sub1") inside one portfolio.
using account_id = id<struct account_id_tag, std::uint32_t>;
// Instruments use ballast::instrument_id as their index inside the portfolio.

/// One account's holding of one instrument and its last valuation.
struct position_state {
    instrument_id instrument;
    account_id account;
    double contracts = 0.0;    ///< signed; lots converted to contracts at the edge
    double entry_price = 0.0;  ///< average entry (linear and inverse derivatives)
    double realized_usd = 0.0; ///< P&L closed by fills on derivatives, kept in value_usd
    position_risk risk;        ///< last good valuation (brought up to date when read)
    risk_error last_error = risk_error::ok; ///< ok, or why `risk` is stale
};

/// An instrument as the portfolio values it, with its marks and per-contract Greeks.
struct instrument_state {
    instrument_spec spec;
    instrument_terms terms;
    underlying_id underlying;
    double price = 0.0;         ///< own mark (spot, perp, future) or forward (option)
    double basis_ratio = 1.0;   ///< price / underlying price, kept when the underlying moves
    double vol = 0.0;           ///< options: implied vol as a fraction
    double net_contracts = 0.0; ///< across accounts
    position_risk unit;         ///< one long contract at the current marks
    risk_error unit_error = risk_error::unknown_instrument; ///< ok once `unit` is valid
};

/// Marks and totals of one underlying.
struct underlying_state {
    std::string name;
    bool cash = false;                      ///< a numeraire-like asset (USD, USDC): never stressed
    double price = 0.0;                     ///< index / spot reference in USD
    position_risk totals;                   ///< sum over its positions
    std::vector<std::uint32_t> positions;   ///< position indices, summation order
    std::vector<std::uint32_t> instruments; ///< instrument indices
};

/// P&L of one stress scenario, per underlying and in total.
struct stress_cell {
    double spot_shift = 0.0; ///< relative (-0.3 .. +0.3)
    double vol_shift_points = 0.0;
    double pnl_usd = 0.0;
    std::uint32_t vol_floored = 0; ///< options whose shocked vol hit the 1-point floor
};

class portfolio {
  public:
    // --- setup (allocates) ---------------------------------------------------------------
    /// Returns the existing underlying of that name or adds it.
    underlying_id add_underlying(std::string_view name, bool cash = false);
    [[nodiscard]] std::optional<underlying_id>
    find_underlying(std::string_view name) const noexcept;
    /// Adds an instrument of `underlying`; its marks start unset (price 0).
    instrument_id add_instrument(const instrument_spec& spec, underlying_id underlying);
    [[nodiscard]] std::optional<instrument_id>
    find_instrument(std::string_view venue, std::string_view symbol) const noexcept;
    account_id add_account(std::string_view name);
    /// Adds a position; it counts in the totals at once if its instrument is valued.
    position_id add_position(account_id account, instrument_id instrument, double contracts,
                             double entry_price);
    [[nodiscard]] std::optional<position_id> find_position(account_id account,
                                                           instrument_id instrument) const noexcept;

    // --- marks and fills (hot path: no allocation) ----------------------------------------
    /// Sets the valuation time (options age) and revalues everything.
    risk_error set_valuation_time(timestamp_ns now) noexcept;
    /// Moves the underlying and every instrument on it by the same ratio (bases kept).
    risk_error on_underlying_mark(underlying_id u, double price) noexcept;
    /// Sets one instrument's own mark (the forward for an option); its basis is re-derived.
    risk_error on_instrument_mark(instrument_id i, double price) noexcept;
    /// Sets an option's implied vol (fraction).
    risk_error on_vol_mark(instrument_id i, double vol) noexcept;
    /// Applies a signed fill of `contracts` at `price` (the instrument's own price).
    risk_error on_fill(position_id p, double contracts, double price) noexcept;
    /// Revalues every position. Returns the first error (positions in error keep their last
    /// good valuation and carry the error in `last_error`).
    risk_error full_revalue() noexcept;

    // --- reads ----------------------------------------------------------------------------
    [[nodiscard]] std::size_t underlying_count() const noexcept { return underlyings_.size(); }
    [[nodiscard]] std::size_t instrument_count() const noexcept { return instruments_.size(); }
    [[nodiscard]] std::size_t position_count() const noexcept { return positions_.size(); }
    [[nodiscard]] std::size_t account_count() const noexcept { return accounts_.size(); }
    [[nodiscard]] const underlying_state& underlying(underlying_id u) const noexcept {
        return underlyings_[u.value];
    }
    [[nodiscard]] const instrument_state& instrument(instrument_id i) const noexcept {
        return instruments_[i.value];
    }
    /// A position with its risk derived from its instrument's current unit risk. Marks do not
    /// touch positions: the read brings `risk` and `last_error` up to date (a cache, so reads
    /// belong to the thread that owns the portfolio, like its marks).
    [[nodiscard]] const position_state& position(position_id p) const noexcept {
        return fresh_position(p.value);
    }
    [[nodiscard]] std::string_view account_name(account_id a) const noexcept {
        return accounts_[a.value];
    }
    [[nodiscard]] timestamp_ns valuation_time() const noexcept { return now_; }
    /// Sum of position values (spot holdings, option premia, unrealised and realised P&L).
    [[nodiscard]] double nav_usd() const noexcept { return nav_usd_; }
    /// Exposure weight of an underlying: its delta_usd over the NAV (0 when NAV is 0).
    [[nodiscard]] double weight(underlying_id u) const noexcept;

    /// Full revaluation of every non-cash underlying shocked together (prices x (1 + spot),
    /// vols + points, floored at one vol point). Writes the P&L per underlying into
    /// `pnl_per_underlying` (size underlying_count()) when not empty.
    [[nodiscard]] stress_cell stress(double spot_shift, double vol_shift_points,
                                     std::span<double> pnl_per_underlying = {}) const noexcept;
    /// Same, shocking only `u`.
    [[nodiscard]] stress_cell stress_one(underlying_id u, double spot_shift,
                                         double vol_shift_points) const noexcept;

  private:
    /// What a mark needs of an instrument's positions, so that valuing them all is O(1).
    /// Re-summed from scratch (position order) whenever a position changes, never updated by
    /// differences.
    struct instrument_sums {
        std::vector<std::uint32_t> positions; ///< position indices, summation order
        double gross_contracts = 0.0;         ///< sum of |contracts|
        double entry_cost = 0.0;              ///< sum of contracts x entry (linear P&L)
        double entry_inverse = 0.0;           ///< sum of contracts / entry (inverse P&L)
        double realized_usd = 0.0;
        std::uint32_t unpriceable = 0; ///< positions scale_unit refuses (bad qty or entry)
        double unit_price = 0.0;       ///< the price `unit` was computed at
        bool unit_valid = false;       ///< `unit` was computed at least once
        bool stale = false;            ///< counted in its underlying's stale_instruments
        std::uint64_t version = 1;     ///< bumped with `unit`: positions below it re-derive
        std::uint32_t slot = 0;        ///< leaf in its underlying's sum tree
    };
    struct underlying_sums {
        detail::sum_tree<position_risk> instruments; ///< leaves: each instrument's total
        std::uint32_t stale_instruments = 0;         ///< instruments with positions in error
    };

    risk_error revalue_unit(std::uint32_t i) noexcept;
    void sum_positions(std::uint32_t i) noexcept;
    /// The instrument's total (from its sums, or position by position while in error) and its
    /// stale flag brought up to date.
    position_risk instrument_total(std::uint32_t i) noexcept;
    /// Re-adds an instrument's total into its underlying, the underlying's into the NAV, and
    /// returns the underlying's first error.
    risk_error publish_instrument(std::uint32_t i) noexcept;
    risk_error publish_underlying(underlying_id u) noexcept;
    [[nodiscard]] risk_error first_error(underlying_id u) const noexcept;
    const position_state& fresh_position(std::uint32_t idx) const noexcept;
    [[nodiscard]] double shocked_value(const position_state& p, double spot_shift,
                                       double vol_shift_points,
                                       std::uint32_t& floored) const noexcept;

    std::vector<underlying_state> underlyings_;
    std::vector<instrument_state> instruments_;
    std::vector<instrument_sums> sums_;                   ///< per instrument
    std::vector<underlying_sums> totals_;                 ///< per underlying
    detail::sum_tree<double> nav_;                        ///< leaves: each underlying's value_usd
    mutable std::vector<position_state> positions_;       ///< `risk` derived on read
    mutable std::vector<std::uint64_t> position_version_; ///< sums_ version `risk` is at
    std::vector<std::string> accounts_;
    timestamp_ns now_{};
    double nav_usd_ = 0.0;
};

} // namespace ballast::risk
