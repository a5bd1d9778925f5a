#include "exec/sim_venue_protocols.hpp"
namespace ballast::exec {
std::unique_ptr<sim_protocol> make_coinbase_protocol() {
    return nullptr;
}
std::unique_ptr<sim_protocol> make_coinbase_exchange_protocol() {
    return nullptr;
}
std::unique_ptr<sim_protocol> make_kraken_protocol() {
    return nullptr;
}
std::unique_ptr<sim_protocol> make_deribit_protocol() {
    return nullptr;
}
} // namespace ballast::exec
