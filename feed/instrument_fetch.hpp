#pragma once
/// Fetches a venue's instrument lists over REST, once, before anything else connects: what an
/// engine needs before it can size its books. The live client (venue_ws_client) loads the same
/// lists from the same endpoints on its own thread, with the same parser, so both agree.
#include "book/instrument.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace ballast::feed {

struct instrument_fetch_options {
    std::string rest_url; ///< empty: the venue's production endpoint
    std::string tls_ca_file;
    std::chrono::milliseconds timeout{10'000}; ///< for all the lists together
};

/// Loads the lists that name `symbols` into `out`; an error line naming the venue, the URL and
/// what failed (transport, HTTP status, the reply's field) when any list could not be had.
[[nodiscard]] std::optional<std::string>
fetch_instrument_lists(const std::string& venue, const std::vector<std::string>& symbols,
                       const instrument_fetch_options& options, instrument_registry& out);

} // namespace ballast::feed
