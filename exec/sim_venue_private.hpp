#pragma once
/// The private (order-entry) side of a sim-venue protocol: authentication, order requests over
/// REST and WebSocket, and execution reports, for the venues that have one here. Each venue's
/// market-data protocol owns one and hands it what is private (sim_venue_<venue>_private.cpp).

#include "exec/sim_venue_protocols.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ballast::exec {

class sim_private_api {
  public:
    virtual ~sim_private_api() = default;
    [[nodiscard]] virtual sim_venue_rules rules() const = 0;
    /// A private REST request; nullopt when the path is not private.
    [[nodiscard]] virtual std::optional<sim_http_reply> on_request(sim_context& ctx,
                                                                   const sim_http_request& r) = 0;
    /// A new WebSocket connection on a private path (true: it is one).
    virtual bool on_open(sim_context& ctx, sim_client& c) = 0;
    /// A message on a private connection.
    virtual void on_message(sim_context& ctx, sim_client& c, std::string_view text) = 0;
    [[nodiscard]] virtual std::vector<std::string> on_event(sim_context& ctx, sim_client& c,
                                                            const sim_event& e) = 0;
};

[[nodiscard]] std::unique_ptr<sim_private_api> make_binance_private();
[[nodiscard]] std::unique_ptr<sim_private_api> make_bybit_private();
[[nodiscard]] std::unique_ptr<sim_private_api> make_okx_private();

/// Percent-decoding of a URL query or form value ('+' is a space).
[[nodiscard]] std::string url_decode(std::string_view s);
/// "a=1&b=2" -> {{a,1},{b,2}} (values decoded), in order.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> form_params(std::string_view s);
/// The first value of a key in parsed params; nullopt when absent.
[[nodiscard]] std::optional<std::string>
param(const std::vector<std::pair<std::string, std::string>>& params, std::string_view key);

} // namespace ballast::exec
