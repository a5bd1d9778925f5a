// The public entry point of the split (split.hpp): names of statuses and methods, the router's
// workspace ownership, and the decision path step by step (see split_detail.hpp for the files).
#include "router/split.hpp"
#include "router/split_detail.hpp"

#include <algorithm>

namespace ballast::router {

std::string_view to_string(route_status s) noexcept {
    switch (s) {
    case route_status::ok:
        return "ok";
    case route_status::partial:
        return "partial";
    case route_status::no_liquidity:
        return "no_liquidity";
    case route_status::bad_order:
        return "bad_order";
    case route_status::bad_market:
        return "bad_market";
    case route_status::too_many_sources:
        return "too_many_sources";
    }
    return "unknown";
}

std::string_view to_string(route_method m) noexcept {
    switch (m) {
    case route_method::optimal:
        return "optimal";
    case route_method::best_single_venue:
        return "best_single_venue";
    case route_method::equal_split:
        return "equal_split";
    case route_method::increments_5pct:
        return "increments_5pct";
    }
    return "unknown";
}

namespace {
// Books are tracked in 64-bit masks and pools in 32-bit subset masks.
router_limits clamped(router_limits l) noexcept {
    l.max_books = std::min<std::size_t>(l.max_books, detail::max_merge_books);
    l.max_pools = std::min<std::size_t>(l.max_pools, 31);
    l.max_solves = std::max<std::size_t>(l.max_solves, 1);
    return l;
}
} // namespace

smart_router::smart_router(router_limits limits)
    : limits_(clamped(limits)), ws_(new detail::workspace(limits_)) {}

smart_router::~smart_router() {
    delete ws_;
}

smart_router::smart_router(smart_router&& o) noexcept : limits_(o.limits_), ws_(o.ws_) {
    o.ws_ = nullptr;
}

smart_router& smart_router::operator=(smart_router&& o) noexcept {
    if (this != &o) {
        delete ws_;
        limits_ = o.limits_;
        ws_ = o.ws_;
        o.ws_ = nullptr;
    }
    return *this;
}

const split_result& smart_router::route(const market_snapshot& market, const parent_order& order,
                                        route_method method) noexcept {
    auto& ws = *ws_;
    const auto status = ws.prepare(market, order, limits_);
    if (status != route_status::ok) {
        ws.fail(method, status, order);
        return ws.results[static_cast<std::size_t>(method)];
    }
    ws.dust = ws.smallest_order();
    switch (method) {
    case route_method::optimal:
        ws.optimise(limits_);
        break;
    case route_method::best_single_venue:
        ws.best_single_venue();
        break;
    case route_method::equal_split:
        ws.equal_split();
        break;
    case route_method::increments_5pct:
        ws.increments(20);
        break;
    }
    ws.publish(method, market);
    return ws.results[static_cast<std::size_t>(method)];
}

} // namespace ballast::router
