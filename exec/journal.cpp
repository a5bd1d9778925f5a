#include "exec/journal.hpp"

#include <cinttypes>
#include <cstring>
#include <fstream>
#include <sstream>

namespace ballast::exec {

journal::~journal() {
    close();
}

std::optional<std::string> journal::open(const std::string& path) {
    close();
    out_ = std::fopen(path.c_str(), "w");
    if (out_ == nullptr) {
        return "journal: cannot create " + path + ": " + std::strerror(errno);
    }
    return std::nullopt;
}

void journal::close() noexcept {
    if (out_ != nullptr) {
        std::fclose(out_);
        out_ = nullptr;
    }
}

bool journal::write(const char* line, int n) noexcept {
    if (out_ == nullptr || n <= 0) {
        return false;
    }
    // fflush hands the line to the kernel before the order leaves: a crash of the engine
    // loses no order event (a crash of the machine may; fsync is a deployment choice).
    const bool ok =
        std::fwrite(line, 1, static_cast<std::size_t>(n), out_) == static_cast<std::size_t>(n) &&
        std::fflush(out_) == 0;
    records_ += ok ? 1 : 0;
    return ok;
}

bool journal::submitted(const order& o) noexcept {
    char buf[256];
    const int n = std::snprintf(
        buf, sizeof buf, "S %" PRIu64 " %u %u %c %" PRId64 " %" PRId64 " %.17g %" PRId64 "\n",
        o.id.value, static_cast<unsigned>(o.venue.value), static_cast<unsigned>(o.instrument.value),
        o.order_side == side::bid ? 'b' : 'a', o.quantity.value(), o.limit.value(), o.limit_price,
        o.created.ns);
    return write(buf, n);
}

bool journal::acknowledged(client_order_id id, timestamp_ns t) noexcept {
    char buf[64];
    return write(buf,
                 std::snprintf(buf, sizeof buf, "A %" PRIu64 " %" PRId64 "\n", id.value, t.ns));
}

bool journal::filled(client_order_id id, qty q, double notional_quote, double fee_quote,
                     timestamp_ns t) noexcept {
    char buf[160];
    return write(buf, std::snprintf(buf, sizeof buf,
                                    "F %" PRIu64 " %" PRId64 " %.17g %.17g %" PRId64 "\n", id.value,
                                    q.value(), notional_quote, fee_quote, t.ns));
}

bool journal::canceled(client_order_id id, timestamp_ns t) noexcept {
    char buf[64];
    return write(buf,
                 std::snprintf(buf, sizeof buf, "C %" PRIu64 " %" PRId64 "\n", id.value, t.ns));
}

bool journal::rejected(client_order_id id, timestamp_ns t) noexcept {
    char buf[64];
    return write(buf,
                 std::snprintf(buf, sizeof buf, "R %" PRIu64 " %" PRId64 "\n", id.value, t.ns));
}

recovery_result recover_journal(const std::string& path, oms& out) {
    recovery_result r;
    std::ifstream in(path);
    if (!in) {
        r.error = path + ": cannot open";
        return r;
    }
    if (!out.orders().empty()) {
        r.error = path + ": recovery needs an empty OMS";
        return r;
    }
    std::string line;
    std::size_t n = 0;
    while (std::getline(in, line)) {
        ++n;
        if (line.empty()) {
            continue;
        }
        std::istringstream ls(line);
        char kind = 0;
        std::uint64_t id = 0;
        ls >> kind >> id;
        oms_error e = oms_error::ok;
        if (kind == 'S') {
            order o;
            unsigned venue = 0;
            unsigned instrument = 0;
            char s = 0;
            std::int64_t q = 0;
            std::int64_t lim = 0;
            std::int64_t t = 0;
            ls >> venue >> instrument >> s >> q >> lim >> o.limit_price >> t;
            if (!ls || (s != 'b' && s != 'a')) {
                r.error = path + ":" + std::to_string(n) + ": malformed submit";
                return r;
            }
            o.venue = venue_id{static_cast<std::uint16_t>(venue)};
            o.instrument = instrument_id{instrument};
            o.order_side = s == 'b' ? side::bid : side::ask;
            o.quantity = qty(q);
            o.limit = price(lim);
            o.created = timestamp_ns{t};
            e = out.add(o);
            if (e == oms_error::ok && o.id.value != id) {
                r.error = path + ":" + std::to_string(n) + ": order ids out of sequence";
                return r;
            }
        } else if (kind == 'F') {
            std::int64_t q = 0;
            double notional = 0.0;
            double fee = 0.0;
            ls >> q >> notional >> fee;
            if (!ls) {
                r.error = path + ":" + std::to_string(n) + ": malformed fill";
                return r;
            }
            e = out.fill(client_order_id{id}, qty(q), notional, fee);
        } else if (kind == 'A') {
            e = out.acknowledge(client_order_id{id});
        } else if (kind == 'C') {
            e = out.cancel(client_order_id{id});
        } else if (kind == 'R') {
            e = out.reject(client_order_id{id});
        } else {
            r.error = path + ":" + std::to_string(n) + ": unknown record '" + kind + "'";
            return r;
        }
        if (!ls && kind != 'S') {
            r.error = path + ":" + std::to_string(n) + ": malformed record";
            return r;
        }
        if (e != oms_error::ok) {
            r.error = path + ":" + std::to_string(n) + ": " + std::string(to_string(e));
            return r;
        }
        ++r.records;
    }
    r.open_orders = out.open_orders();
    return r;
}

} // namespace ballast::exec
