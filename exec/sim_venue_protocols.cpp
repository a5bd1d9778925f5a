#include "exec/sim_venue_protocols.hpp"

#include "exec/sim_venue_json.hpp"

#include <cstdio>

namespace ballast::exec {

std::string_view query_param(std::string_view target, std::string_view key) noexcept {
    const auto q = target.find('?');
    std::string_view query = q == std::string_view::npos ? target : target.substr(q + 1);
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view item = query.substr(0, amp);
        const auto eq = item.find('=');
        if (item.substr(0, eq) == key) {
            return eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
        }
        if (amp == std::string_view::npos) {
            break;
        }
        query.remove_prefix(amp + 1);
    }
    return {};
}

std::string sim_connection_id(const sim_client& c) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08llx",
                  static_cast<unsigned long long>(c.id * 2654435761ULL & 0xffffffffULL));
    return buf;
}

const std::vector<std::string_view>& sim_venue_names() {
    static const std::vector<std::string_view> names = {
        "binance",  "binance_usdm",      "okx",    "bybit",
        "coinbase", "coinbase_exchange", "kraken", "deribit"};
    return names;
}

std::unique_ptr<sim_protocol> make_binance_protocol(bool usdm);
std::unique_ptr<sim_protocol> make_okx_protocol();
std::unique_ptr<sim_protocol> make_bybit_protocol();
std::unique_ptr<sim_protocol> make_coinbase_protocol();
std::unique_ptr<sim_protocol> make_coinbase_exchange_protocol();
std::unique_ptr<sim_protocol> make_kraken_protocol();
std::unique_ptr<sim_protocol> make_deribit_protocol();

std::unique_ptr<sim_protocol> make_sim_protocol(std::string_view venue) {
    if (venue == "binance" || venue == "binance_usdm") {
        return make_binance_protocol(venue == "binance_usdm");
    }
    if (venue == "okx") {
        return make_okx_protocol();
    }
    if (venue == "bybit") {
        return make_bybit_protocol();
    }
    if (venue == "coinbase") {
        return make_coinbase_protocol();
    }
    if (venue == "coinbase_exchange") {
        return make_coinbase_exchange_protocol();
    }
    if (venue == "kraken") {
        return make_kraken_protocol();
    }
    if (venue == "deribit") {
        return make_deribit_protocol();
    }
    return nullptr;
}

} // namespace ballast::exec
