#include "book/instrument.hpp"

namespace ballast {

std::string_view to_string(instrument_kind k) noexcept {
    switch (k) {
    case instrument_kind::spot:
        return "spot";
    case instrument_kind::linear_perp:
        return "linear_perp";
    case instrument_kind::inverse_perp:
        return "inverse_perp";
    case instrument_kind::linear_future:
        return "linear_future";
    case instrument_kind::inverse_future:
        return "inverse_future";
    case instrument_kind::option:
        return "option";
    }
    return "unknown";
}

bool parse_instrument_kind(std::string_view text, instrument_kind& out) noexcept {
    for (auto k : {instrument_kind::spot, instrument_kind::linear_perp,
                   instrument_kind::inverse_perp, instrument_kind::linear_future,
                   instrument_kind::inverse_future, instrument_kind::option}) {
        if (to_string(k) == text) {
            out = k;
            return true;
        }
    }
    return false;
}

std::string instrument_registry::key(std::string_view venue, std::string_view symbol) {
    std::string k;
    k.reserve(venue.size() + symbol.size() + 1);
    k.append(venue).push_back('\0');
    k.append(symbol);
    return k;
}

const instrument_spec& instrument_registry::add(instrument_spec spec) {
    auto k = key(spec.venue, spec.symbol);
    if (auto it = index_.find(k); it != index_.end()) {
        *specs_[it->second] = std::move(spec);
        return *specs_[it->second];
    }
    specs_.push_back(std::make_unique<instrument_spec>(std::move(spec)));
    index_.emplace(std::move(k), specs_.size() - 1);
    return *specs_.back();
}

const instrument_spec* instrument_registry::find(std::string_view venue,
                                                 std::string_view symbol) const noexcept {
    // Per-message lookups for multi-symbol streams: build the key on the stack.
    char buf[128];
    if (venue.size() + symbol.size() + 1 > sizeof(buf)) {
        return nullptr; // no venue has symbols this long; treat as unknown
    }
    std::size_t n = venue.copy(buf, venue.size());
    buf[n++] = '\0';
    n += symbol.copy(buf + n, symbol.size());
    auto it = index_.find(std::string_view(buf, n));
    return it == index_.end() ? nullptr : specs_[it->second].get();
}

} // namespace ballast
