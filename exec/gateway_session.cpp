#include "exec/gateway_session.hpp"

#include "feed/http_client.hpp"
#include "feed/thread_pin.hpp"
#include "feed/tsc.hpp"
#include "feed/ws_connection.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <pthread.h>

namespace ballast::exec {

namespace net = boost::asio;

std::int64_t gateway_clock::wall_ms() const noexcept {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::int64_t gateway_clock::steady_ns() const noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

const gateway_clock& system_gateway_clock() noexcept {
    static const gateway_clock clock;
    return clock;
}

std::string_view to_string(request_kind k) noexcept {
    switch (k) {
    case request_kind::place:
        return "place";
    case request_kind::cancel:
        return "cancel";
    case request_kind::amend:
        return "amend";
    case request_kind::query:
        return "query";
    case request_kind::reconcile:
        return "reconcile";
    case request_kind::control:
        return "control";
    }
    return "?";
}

// ---- text_writer ------------------------------------------------------------------------------

void text_writer::put(std::string_view s) noexcept {
    if (overflow || s.size() > cap - size) {
        overflow = true;
        return;
    }
    std::copy(s.begin(), s.end(), data + size);
    size += s.size();
}

void text_writer::put(char c) noexcept {
    put(std::string_view(&c, 1));
}

void text_writer::put_uint(std::uint64_t v) noexcept {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    put(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
}

void text_writer::put_int(std::int64_t v) noexcept {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    put(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
}

bool json_plain_text(std::string_view s) noexcept {
    for (const char c : s) {
        if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
            return false;
        }
    }
    return true;
}

std::int64_t parse_int_text(std::string_view s, std::int64_t dflt) noexcept {
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc{} && end == s.data() + s.size() && !s.empty() ? v : dflt;
}

std::string_view json_text(simdjson::dom::element e, std::string_view key) noexcept {
    std::string_view out;
    if (e[key].get_string().get(out) != simdjson::SUCCESS) {
        return {};
    }
    return out;
}

// ---- rate_window ------------------------------------------------------------------------------

bool rate_window::try_take(std::int64_t wall_ms, std::uint32_t cost) noexcept {
    const std::uint32_t limit = limit_.load(std::memory_order_relaxed);
    if (limit == 0) {
        return true;
    }
    const std::int64_t window = wall_ms / interval_ms_;
    if (window_.load(std::memory_order_relaxed) != window) {
        window_.store(window, std::memory_order_relaxed);
        used_.store(0, std::memory_order_relaxed);
    }
    const std::uint32_t used = used_.load(std::memory_order_relaxed);
    if (used + cost > limit) {
        return false;
    }
    used_.store(used + cost, std::memory_order_relaxed);
    return true;
}

void rate_window::observe(std::int64_t wall_ms, std::uint32_t count, std::uint32_t limit) noexcept {
    if (limit > 0) {
        limit_.store(limit, std::memory_order_relaxed);
    }
    // The venue's count is the truth for its window; ours may be behind (other connections,
    // requests of the I/O thread) but never ahead of it for long.
    const std::int64_t window = wall_ms / interval_ms_;
    if (window_.load(std::memory_order_relaxed) == window) {
        if (count > used_.load(std::memory_order_relaxed)) {
            used_.store(count, std::memory_order_relaxed);
        }
    }
}

// ---- gateway_link ----------------------------------------------------------------------------

struct gateway_link::handler final : feed::ws_connection_handler {
    explicit handler(gateway_link& l) : link(l) {}
    void on_ws_open() override {
        link.open_ = true;
        if (link.on_open) {
            link.on_open();
        }
    }
    void on_ws_frame(std::string_view text) override {
        if (link.on_frame) {
            link.on_frame(text);
        }
    }
    void on_ws_closed(std::string_view reason) override {
        link.open_ = false;
        link.conn_.reset();
        if (link.on_closed) {
            link.on_closed(reason);
        }
    }
    gateway_link& link;
    feed::ws_url url;
    std::shared_ptr<net::ssl::context> tls;
};

gateway_link::gateway_link() : handler_(std::make_unique<handler>(*this)) {}

gateway_link::~gateway_link() {
    close();
}

std::optional<std::string> gateway_link::configure(std::string_view url,
                                                   const std::string& tls_ca_file) {
    std::string error;
    auto u = feed::parse_ws_url(url, error);
    if (!u) {
        return error;
    }
    handler_->url = *u;
    if (u->tls) {
        handler_->tls = feed::make_tls_client_context(tls_ca_file, error);
        if (!handler_->tls) {
            return error;
        }
    }
    return std::nullopt;
}

void gateway_link::open(net::io_context& io) {
    close();
    conn_ = feed::ws_connection::create(io, handler_->url, handler_->tls,
                                        feed::ws_connection_options{}, *handler_);
    conn_->start();
}

void gateway_link::send(std::string_view text) {
    if (conn_) {
        conn_->send(std::string(text));
    }
}

void gateway_link::close() noexcept {
    open_ = false;
    if (conn_) {
        conn_->close();
        conn_.reset();
    }
}

// ---- threaded_gateway -------------------------------------------------------------------------

struct threaded_gateway::io_state {
    explicit io_state(std::uint64_t seed, std::chrono::milliseconds initial,
                      std::chrono::milliseconds max)
        : guard(net::make_work_guard(io)), wake(io), tick(io), retry(io),
          backoff(initial, max, seed) {}
    net::io_context io;
    net::executor_work_guard<net::io_context::executor_type> guard;
    net::posix::stream_descriptor wake;
    net::steady_timer tick;
    net::steady_timer retry;
    feed::reconnect_backoff backoff;
    std::uint64_t wake_value = 0;
    std::unique_ptr<feed::http_client> rest; ///< destroyed before the io_context it runs on
};

threaded_gateway::threaded_gateway(gateway_options options)
    : opt_(std::move(options)),
      clock_(opt_.clock != nullptr ? opt_.clock : &system_gateway_clock()),
      io_(std::make_unique<io_state>(opt_.seed, opt_.reconnect_initial, opt_.reconnect_max)),
      requests_(opt_.request_ring), reports_(opt_.report_ring) {
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ >= 0) {
        io_->wake.assign(wake_fd_);
    }
    for (const instrument_spec* s : opt_.instruments) {
        if (s != nullptr) {
            by_symbol_.emplace(s->symbol, s);
        }
    }
    pending_.reserve(1024);
    orders_.reserve(4096);
}

threaded_gateway::~threaded_gateway() {
    stop();
}

net::io_context& threaded_gateway::io() noexcept {
    return io_->io;
}

feed::http_client& threaded_gateway::io_rest() {
    if (!io_->rest) {
        feed::http_client_options o;
        o.timeout = opt_.request_timeout;
        o.tls_ca_file = opt_.tls_ca_file;
        io_->rest = std::make_unique<feed::http_client>(io_->io, o);
    }
    return *io_->rest;
}

void threaded_gateway::io_rest_close() noexcept {
    io_->rest.reset();
}

std::optional<std::string> threaded_gateway::start() {
    if (thread_.joinable()) {
        return std::nullopt;
    }
    thread_ = std::thread([this] {
        ::pthread_setname_np(::pthread_self(), "ballast-gw");
        net::post(io_->io, [this] {
            if (!opt_.spin) {
                io_arm_wake();
            }
            io_tick();
            io_connect();
        });
        if (!opt_.spin) {
            io_->io.run();
            return;
        }
        // Spinning: the request ring is read between polls, so handing an order over costs
        // the engine no system call and the I/O thread no wake-up.
        while (!io_->io.stopped()) {
            io_->io.poll();
            if (!stopping_ && requests_.front() != nullptr) {
                io_drain();
            }
        }
    });
    if (opt_.cpu >= 0) {
        if (auto err = feed::pin_thread(thread_.native_handle(), opt_.cpu)) {
            stop();
            return err;
        }
    }
    return std::nullopt;
}

void threaded_gateway::stop() {
    if (!thread_.joinable()) {
        return;
    }
    net::post(io_->io, [this] {
        stopping_ = true;
        io_->tick.cancel();
        io_->retry.cancel();
        boost::system::error_code ignored;
        io_->wake.cancel(ignored);
        io_close();
        io_->guard.reset();
        io_->io.stop();
    });
    thread_.join();
}

gateway_status threaded_gateway::admit() const noexcept {
    if (!connected()) {
        return gateway_status::not_connected;
    }
    const std::int64_t until = blocked_until_ns_.load(std::memory_order_acquire);
    if (until != 0 && clock_->steady_ns() < until) {
        return gateway_status::rate_limited;
    }
    return gateway_status::ok;
}

gateway_status threaded_gateway::submit_query(const query_request& r) noexcept {
    if (const auto st = admit(); st != gateway_status::ok) {
        return st;
    }
    return submit(request_kind::query, r.id, r.wire_id, r.spec, [&](std::uint64_t, text_writer& w) {
        w.put(r.wire_id.view());
        return r.spec != nullptr && r.wire_id.size != 0 && json_plain_text(r.spec->symbol);
    });
}

gateway_status threaded_gateway::submit_reconcile(timestamp_ns since) noexcept {
    if (const auto st = admit(); st != gateway_status::ok) {
        return st;
    }
    return submit(
        request_kind::reconcile, client_order_id{0}, wire_order_id{}, nullptr,
        [](std::uint64_t, text_writer& w) {
            w.put("reconcile");
            return true;
        },
        since.ns / 1'000'000);
}

bool threaded_gateway::poll(exec_report& out) noexcept {
    return reports_.try_pop(out);
}

// The engine thread writes the eventfd only when the I/O thread has not been woken since it
// last drained; seq_cst on both sides orders "pushed, then looked at the flag" against
// "cleared the flag, then drained", so no request waits for a second wake.
void threaded_gateway::wake() noexcept {
    if (opt_.spin) {
        return; // the I/O thread reads the ring between its polls
    }
    if (!wake_pending_.exchange(true, std::memory_order_seq_cst)) {
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto n = ::write(wake_fd_, &one, sizeof one);
    }
}

void threaded_gateway::io_arm_wake() {
    if (wake_fd_ < 0 || stopping_) {
        return;
    }
    io_->wake.async_read_some(net::buffer(&io_->wake_value, sizeof io_->wake_value),
                              [this](const boost::system::error_code& ec, std::size_t) {
                                  if (ec == net::error::operation_aborted || stopping_) {
                                      return;
                                  }
                                  wake_pending_.store(false, std::memory_order_seq_cst);
                                  io_drain();
                                  io_arm_wake();
                              });
}

void threaded_gateway::io_drain() {
    while (ring_slot* r = requests_.front()) {
        if (r->size == 0) {
            requests_.pop(); // refused at encoding: the engine got `rejected`
            continue;
        }
        if (!io_up_) {
            // Never left: the venue has not seen it, so it is final here.
            exec_report rep =
                make_report(r->kind == request_kind::place    ? exec_kind::rejected
                            : r->kind == request_kind::cancel ? exec_kind::cancel_reject
                                                              : exec_kind::unknown,
                            r->id);
            rep.set_reason("not sent: the session went down before the request left");
            if (r->kind == request_kind::place) {
                rep.state = order_state::rejected;
            }
            emit(rep);
            requests_.pop();
            continue;
        }
        io_send(*r);
        counters_.requests_sent.fetch_add(1, std::memory_order_relaxed);
        requests_.pop();
    }
    io_flush_parked();
}

void threaded_gateway::io_tick() {
    if (stopping_) {
        return;
    }
    io_flush_parked();
    const std::int64_t now = clock_->steady_ns();
    const std::int64_t timeout_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(opt_.request_timeout).count();
    std::vector<std::uint64_t> expired;
    for (const auto& [rid, p] : pending_) {
        if (now - p.sent_ns >= timeout_ns) {
            expired.push_back(rid);
        }
    }
    for (const std::uint64_t rid : expired) {
        pending_request p;
        if (settle(rid, p)) {
            if (p.kind == request_kind::query || p.kind == request_kind::reconcile ||
                p.kind == request_kind::control) {
                exec_report rep = make_report(exec_kind::unknown, p.id);
                rep.set_reason("no answer to the " + std::string(to_string(p.kind)) +
                               " request within the timeout");
                emit(rep);
                if (p.kind == request_kind::query && io_up_) {
                    io_query(p.id, p.wire_id, p.spec); // ask again: queries are idempotent
                }
            } else {
                unknown_outcome(p, "no answer within the request timeout");
            }
        }
    }
    // A quarter of the timeout keeps the detection within 25 % of it; 1 ms at least.
    const auto period =
        std::max<std::chrono::milliseconds>(opt_.request_timeout / 4, std::chrono::milliseconds(1));
    io_->tick.expires_after(
        std::min<std::chrono::milliseconds>(period, std::chrono::milliseconds(250)));
    io_->tick.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) {
            io_tick();
        }
    });
}

void threaded_gateway::emit(const exec_report& r) {
    counters_.reports.fetch_add(1, std::memory_order_relaxed);
    if (parked_.empty() && reports_.try_push(r)) {
        return;
    }
    counters_.report_overflow.fetch_add(1, std::memory_order_relaxed);
    parked_.push_back(r);
}

void threaded_gateway::io_flush_parked() {
    while (!parked_.empty() && reports_.try_push(parked_.front())) {
        parked_.pop_front();
    }
}

exec_report threaded_gateway::make_report(exec_kind kind, client_order_id id) const noexcept {
    exec_report r;
    r.kind = kind;
    r.venue = opt_.venue;
    r.id = id;
    r.recv_tsc = feed::tsc_now();
    return r;
}

std::uint64_t threaded_gateway::stamp_send() noexcept {
    const std::uint64_t t = feed::tsc_now();
    last_send_tsc_.store(t, std::memory_order_release);
    return t;
}

void threaded_gateway::io_session_up() {
    io_up_ = true;
    reconnect_attempt_ = 0;
    connected_.store(true, std::memory_order_release);
    emit(make_report(exec_kind::connected, client_order_id{0}));
    std::vector<pending_request> q;
    q.swap(to_query_);
    for (const pending_request& p : q) {
        io_query(p.id, p.wire_id, p.spec);
    }
}

void threaded_gateway::io_session_down(std::string_view reason, std::int64_t venue_code) {
    const bool was_up = io_up_;
    io_up_ = false;
    connected_.store(false, std::memory_order_release);
    io_close();
    exec_report rep = make_report(exec_kind::disconnected, client_order_id{0});
    rep.set_reason(reason);
    rep.venue_code = venue_code;
    emit(rep);
    // Whatever was in flight may or may not have reached the venue.
    std::vector<std::uint64_t> ids;
    ids.reserve(pending_.size());
    for (const auto& [rid, p] : pending_) {
        ids.push_back(rid);
    }
    std::sort(ids.begin(), ids.end());
    for (const std::uint64_t rid : ids) {
        pending_request p;
        if (settle(rid, p)) {
            if (p.kind == request_kind::place || p.kind == request_kind::cancel ||
                p.kind == request_kind::amend || p.kind == request_kind::query) {
                unknown_outcome(p, "disconnected before the answer");
            }
        }
    }
    if (was_up) {
        counters_.reconnects.fetch_add(1, std::memory_order_relaxed);
    }
    reconnect();
}

void threaded_gateway::reconnect() {
    if (stopping_) {
        return;
    }
    const auto d = io_->backoff.delay(reconnect_attempt_++);
    io_->retry.expires_after(d);
    io_->retry.async_wait([this](const boost::system::error_code& ec) {
        if (!ec && !stopping_) {
            io_connect();
        }
    });
}

void threaded_gateway::io_back_off(std::int64_t until_ns, std::int64_t venue_code,
                                   std::string_view reason) {
    counters_.rate_limited.fetch_add(1, std::memory_order_relaxed);
    std::int64_t cur = blocked_until_ns_.load(std::memory_order_acquire);
    if (until_ns > cur) {
        blocked_until_ns_.store(until_ns, std::memory_order_release);
        cur = until_ns;
    }
    exec_report rep = make_report(exec_kind::rate_limit, client_order_id{0});
    rep.venue_code = venue_code;
    rep.retry_after_ns = std::max<std::int64_t>(cur - clock_->steady_ns(), 0);
    rep.set_reason(reason);
    emit(rep);
}

void threaded_gateway::track(std::uint64_t request_id, const pending_request& p) {
    pending_[request_id] = p;
}

void threaded_gateway::track_sent(const outbound_request& r) {
    pending_request p;
    p.kind = r.kind;
    p.id = r.id;
    p.wire_id = r.wire_id;
    p.spec = r.spec;
    p.sent_ns = clock_->steady_ns();
    if (r.kind == request_kind::place) {
        (void)track_order(r.id, r.spec);
    }
    p.send_tsc = stamp_send();
    track(r.request_id, p);
}

bool threaded_gateway::settle(std::uint64_t request_id, pending_request& out) {
    const auto it = pending_.find(request_id);
    if (it == pending_.end()) {
        return false;
    }
    out = it->second;
    pending_.erase(it);
    return true;
}

void threaded_gateway::order_accepted(const pending_request& p) {
    order_track* t = find_order(p.id);
    if (t == nullptr || t->acked) {
        return;
    }
    t->acked = true;
    exec_report r = make_report(exec_kind::ack, p.id);
    r.state = order_state::acknowledged;
    r.send_tsc = p.send_tsc;
    emit(r);
}

void threaded_gateway::order_refused(const pending_request& p, std::int64_t venue_code,
                                     std::string_view reason) {
    if (order_track* t = find_order(p.id)) {
        t->final = true;
    }
    exec_report r = make_report(exec_kind::rejected, p.id);
    r.state = order_state::rejected;
    r.venue_code = venue_code;
    r.send_tsc = p.send_tsc;
    r.set_reason(reason);
    emit(r);
}

void threaded_gateway::unknown_outcome(const pending_request& p, std::string_view reason,
                                       std::int64_t venue_code) {
    counters_.unknown_outcomes.fetch_add(1, std::memory_order_relaxed);
    exec_report rep = make_report(exec_kind::unknown, p.id);
    rep.venue_code = venue_code;
    rep.set_reason(reason);
    emit(rep);
    if (io_up_) {
        io_query(p.id, p.wire_id, p.spec);
    } else {
        to_query_.push_back(p);
    }
}

threaded_gateway::order_track& threaded_gateway::track_order(client_order_id id,
                                                             const instrument_spec* spec) {
    order_track& t = orders_[id.value];
    if (t.spec == nullptr) {
        t.spec = spec;
    }
    return t;
}

threaded_gateway::order_track* threaded_gateway::find_order(client_order_id id) noexcept {
    const auto it = orders_.find(id.value);
    return it == orders_.end() ? nullptr : &it->second;
}

bool threaded_gateway::io_stream_report(exec_report r, const instrument_spec* spec,
                                        bool venue_cum) {
    r.recv_tsc = feed::tsc_now();
    if (r.id.value == 0) {
        counters_.foreign_reports.fetch_add(1, std::memory_order_relaxed);
        emit(r);
        return true;
    }
    order_track& t = track_order(r.id, spec);
    switch (r.kind) {
    case exec_kind::fill:
        if (!first_fill(t, r.trade_id_view())) {
            return false;
        }
        t.acked = true;
        if (venue_cum) {
            t.cum = std::max(t.cum, r.cum_qty); // a fill a query reported first counts once
        } else {
            t.cum = qty(t.cum.value() + r.last_qty.value());
            r.cum_qty = t.cum;
        }
        if (is_final(r.state)) {
            t.final = true;
        }
        break;
    case exec_kind::ack:
        if (t.acked) {
            return false;
        }
        t.acked = true;
        break;
    case exec_kind::canceled:
    case exec_kind::rejected:
        if (t.final) {
            return false;
        }
        t.final = true;
        break;
    default:
        return false;
    }
    emit(r);
    return true;
}

bool threaded_gateway::first_fill(order_track& t, std::string_view trade_id) {
    if (std::find(t.trade_ids.begin(), t.trade_ids.end(), trade_id) != t.trade_ids.end()) {
        counters_.duplicate_fills.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    t.trade_ids.emplace_back(trade_id);
    return true;
}

std::string threaded_gateway::last_error() const {
    std::lock_guard lock(error_mutex_);
    return last_error_;
}

void threaded_gateway::note_error(std::string text) {
    counters_.malformed.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(error_mutex_);
    last_error_ = std::move(text);
}

const instrument_spec* threaded_gateway::lookup_symbol(const void* ctx, std::string_view symbol) {
    return static_cast<const threaded_gateway*>(ctx)->spec_by_symbol(symbol);
}

const instrument_spec* threaded_gateway::spec_by_symbol(std::string_view symbol) const noexcept {
    const auto it = by_symbol_.find(symbol);
    return it == by_symbol_.end() ? nullptr : it->second;
}

} // namespace ballast::exec
