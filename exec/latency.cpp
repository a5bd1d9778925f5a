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

} // namespace ballast::exec
