#include "exec/latency.hpp"

namespace ballast::exec {

std::string_view to_string(hop h) noexcept {
    switch (h) {
    case hop::decode:
        return "decode";
    case hop::queue:
        return "queue";
    case hop::book:
        return "book";
    case hop::risk:
        return "risk";
    case hop::route:
        return "route";
    case hop::pre_trade:
        return "pre-trade";
    case hop::send:
        return "send";
    case hop::count:
        break;
    }
    return "?";
}

std::string_view to_string(t2o_hop h) noexcept {
    switch (h) {
    case t2o_hop::socket_to_decoded:
        return "socket_to_decoded";
    case t2o_hop::decoded_to_engine:
        return "decoded_to_engine";
    case t2o_hop::engine_to_decision:
        return "engine_to_decision";
    case t2o_hop::decision_to_split:
        return "decision_to_split";
    case t2o_hop::split_to_pre_trade:
        return "split_to_pre_trade";
    case t2o_hop::pre_trade_to_wire:
        return "pre_trade_to_wire";
    case t2o_hop::total:
        return "tick_to_order";
    case t2o_hop::count:
        break;
    }
    return "?";
}

} // namespace ballast::exec
