#include "feed/venue_ws_client.hpp"

#include "feed/http_client.hpp"
#include "feed/instruments.hpp"
#include "feed/ws_connection.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>

namespace ballast::feed {

namespace net = boost::asio;
using error_code = boost::system::error_code;

std::string_view to_string(venue_client_state s) noexcept {
    switch (s) {
    case venue_client_state::idle:
        return "idle";
    case venue_client_state::loading_instruments:
        return "loading_instruments";
    case venue_client_state::connecting:
        return "connecting";
    case venue_client_state::connected:
        return "connected";
    case venue_client_state::backoff:
        return "backoff";
    case venue_client_state::stopped:
        return "stopped";
    }
    return "unknown";
}

class venue_ws_client::session final : public std::enable_shared_from_this<session>,
                                       private ws_connection_handler {
  public:
    session(net::io_context& io, venue_feed& feed, instrument_registry& instruments,
            venue_client_options options)
        : io_(io), feed_(feed), instruments_(instruments), opt_(std::move(options)),
          protocol_(make_venue_protocol(feed.venue(), opt_.protocol)), timer_(io), ping_timer_(io),
          watch_timer_(io), retry_timer_(io),
          backoff_(opt_.backoff_initial, opt_.backoff_max, opt_.jitter_seed) {
        if (!opt_.clock) {
            opt_.clock = [] {
                return timestamp_ns{std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count()};
            };
        }
    }

    bool start() {
        if (!protocol_) {
            last_error_ = "venue: '" + feed_.venue() + "' has no live protocol";
            return false;
        }
        const venue_endpoints prod = protocol_->production();
        ws_text_ = opt_.ws_url.empty() ? prod.ws : opt_.ws_url;
        rest_base_ = opt_.rest_url.empty() ? prod.rest : opt_.rest_url;
        while (!rest_base_.empty() && rest_base_.back() == '/') {
            rest_base_.pop_back();
        }
        std::string error;
        auto url = parse_ws_url(ws_text_, error);
        if (!url) {
            last_error_ = std::move(error);
            return false;
        }
        url_ = std::move(*url);
        if (!parse_http_url(rest_base_ + "/", error)) {
            last_error_ = "rest " + error;
            return false;
        }
        if (url_.tls) {
            tls_ = make_tls_client_context(opt_.tls_ca_file, error);
            if (!tls_) {
                last_error_ = std::move(error);
                return false;
            }
        }
        http_client_options h;
        h.timeout = opt_.rest_timeout;
        h.tls_ca_file = opt_.tls_ca_file;
        rest_ = std::make_unique<http_client>(io_, h);
        if (opt_.load_instruments) {
            state_ = venue_client_state::loading_instruments;
            instrument_targets_ = protocol_->instrument_targets(opt_.symbols);
            load_next_instruments();
        } else {
            connect();
        }
        watch();
        return true;
    }

    void stop() {
        state_ = venue_client_state::stopped;
        ++generation_;
        timer_.cancel();
        ping_timer_.cancel();
        watch_timer_.cancel();
        retry_timer_.cancel();
        if (rest_) {
            rest_->stop();
        }
        close_connection();
    }

    [[nodiscard]] bool all_live() const noexcept {
        const auto& books = feed_.books();
        if (books.size() < opt_.symbols.size()) {
            return false;
        }
        return std::all_of(books.begin(), books.end(),
                           [](const auto& b) { return b->health == book_health::live; });
    }

    std::chrono::milliseconds backoff_delay(unsigned attempt) { return backoff_.delay(attempt); }

    venue_client_state state_ = venue_client_state::idle;
    venue_client_stats stats_;
    std::int64_t frame_lag_ns_ = -1; ///< set only while a frame's receive clock is read
    std::string last_error_;

  private:
    timestamp_ns now() const { return opt_.clock(); }

    // --- instruments -------------------------------------------------------------------

    /// The instrument lists, one request at a time; a list that cannot be had is reported and
    /// the books derive their scale from the venue's text instead (the report says so).
    void load_next_instruments() {
        if (state_ == venue_client_state::stopped) {
            return;
        }
        if (next_instrument_ >= instrument_targets_.size()) {
            return connect();
        }
        const std::string url = rest_base_ + instrument_targets_[next_instrument_++];
        ++stats_.rest_requests;
        rest_->get(url, [self = shared_from_this(), url](http_response r) {
            if (self->state_ == venue_client_state::stopped) {
                return;
            }
            if (!r.ok()) {
                ++self->stats_.rest_failures;
                self->last_error_ =
                    "instruments " + url + ": " +
                    (r.error.empty() ? "HTTP " + std::to_string(r.status) : r.error);
            } else {
                if (self->opt_.capture) {
                    self->opt_.capture->on_rest(self->now(), url, r.body);
                }
                if (auto err = load_instrument_reply(self->feed_.venue(), url, r.body,
                                                     self->instruments_)) {
                    ++self->stats_.rest_failures;
                    self->last_error_ = *err;
                } else {
                    ++self->stats_.instrument_lists;
                }
            }
            self->load_next_instruments();
        });
    }

    // --- connection --------------------------------------------------------------------

    void connect() {
        if (state_ == venue_client_state::stopped) {
            return;
        }
        state_ = venue_client_state::connecting;
        ++generation_;
        ++conn_index_;
        ws_connection_options o;
        o.connect_timeout = opt_.connect_timeout;
        o.idle_timeout = opt_.idle_timeout;
        o.max_message_bytes = opt_.max_message_bytes;
        conn_ = ws_connection::create(io_, url_, tls_, o, *this);
        conn_->start();
    }

    void on_ws_open() override {
        ++stats_.connects;
        state_ = venue_client_state::connected;
        snapshots_in_flight_.clear();
        resubscribing_.clear();
        const timestamp_ns ts = now();
        connected_at_ = ts;
        if (opt_.capture) {
            opt_.capture->on_connect(conn_index_, ts, ws_text_);
        }
        feed_.on_connect(frame({}, ts));
        for (auto& request : protocol_->on_open()) {
            send(std::move(request), true);
        }
        for (auto& request : protocol_->subscribe(opt_.symbols)) {
            send(std::move(request), true);
        }
        schedule_ping();
    }

    void on_ws_frame(std::string_view text) override {
        // The kernel's receive stamp, for the clock call below (see frame_rx_lag_ns()).
        frame_lag_ns_ = conn_ ? conn_->rx_lag_ns() : -1;
        if (frame_lag_ns_ >= 0) {
            ++stats_.kernel_stamped;
        }
        const timestamp_ns ts = now();
        frame_lag_ns_ = -1;
        ++stats_.frames;
        stats_.bytes += text.size();
        if (opt_.capture) {
            opt_.capture->on_received(conn_index_, ts, text);
        }
        // A handshake is a success only once the venue talks: reset the backoff here.
        attempt_ = 0;
        if (protocol_->is_control(text)) {
            ++stats_.control_frames;
            return;
        }
        if (std::string reply = protocol_->answer(text); !reply.empty()) {
            ++stats_.control_frames;
            send(std::move(reply), false);
            return;
        }
        if (std::string why = protocol_->refusal(text); !why.empty()) {
            ++stats_.refusals;
            last_error_ = feed_.venue() + " refused a request: " + why;
            if (opt_.capture) {
                opt_.capture->on_marker(ts, "refused", why);
            }
            retry_refused();
        }
        feed_.on_frame(frame(text, ts));
        check_books();
    }

    void on_ws_closed(std::string_view reason) override { fail(std::string(reason)); }

    feed_frame frame(std::string_view text, timestamp_ns ts) const {
        feed_frame f;
        f.data = text;
        f.ts = ts;
        f.url = ws_text_;
        f.conn = conn_index_;
        return f;
    }

    void send(std::string text, bool to_decoder) {
        if (!conn_) {
            return;
        }
        const timestamp_ns ts = now();
        if (opt_.capture) {
            opt_.capture->on_sent(conn_index_, ts, ws_text_, text);
        }
        if (to_decoder) {
            // Some decoders read their depth from the request (Kraken v2); they get it padded.
            padded_.assign(text);
            padded_.append(ws_frame_padding, '\0');
            feed_.on_sent(frame(std::string_view(padded_.data(), text.size()), ts));
        }
        ++stats_.sent;
        conn_->send(std::move(text));
    }

    void schedule_ping() {
        if (protocol_->ping().empty()) {
            return;
        }
        ping_timer_.expires_after(protocol_->ping_interval());
        ping_timer_.async_wait(
            [self = shared_from_this(), gen = generation_](const error_code& ec) {
                if (ec || gen != self->generation_ || !self->conn_) {
                    return;
                }
                ++self->stats_.pings;
                self->send(self->protocol_->ping(), false);
                self->schedule_ping();
            });
    }

    void close_connection() {
        if (conn_) {
            conn_->close();
            conn_.reset();
        }
    }

    /// The connection is gone: every book out of routing now, then a new connection after
    /// the backoff.
    void fail(std::string reason) {
        if (state_ == venue_client_state::stopped) {
            return;
        }
        ++generation_;
        ++stats_.connection_losses;
        last_error_ = std::move(reason);
        close_connection();
        ping_timer_.cancel();
        const timestamp_ns ts = now();
        if (opt_.capture) {
            opt_.capture->on_marker(ts, "disconnect", last_error_);
        }
        feed_.on_disconnect(frame({}, ts));
        state_ = venue_client_state::backoff;
        timer_.expires_after(backoff_.delay(attempt_++));
        timer_.async_wait([self = shared_from_this(), gen = generation_](const error_code& ec) {
            if (!ec && gen == self->generation_) {
                self->connect();
            }
        });
    }

    // --- resync --------------------------------------------------------------------------

    /// Books that are not live come back by the venue's procedure; at most one request per
    /// book is in flight.
    void check_books() {
        if (state_ != venue_client_state::connected) {
            return;
        }
        const auto method = protocol_->resync();
        for (const auto& b : feed_.books()) {
            if (b->health == book_health::live) {
                continue;
            }
            const std::string& symbol = b->symbol();
            switch (method) {
            case resync_method::rest_snapshot:
                if (!contains(snapshots_in_flight_, symbol)) {
                    request_snapshot(symbol);
                }
                break;
            case resync_method::resubscribe:
                // A syncing book waits for its subscription's snapshot; a stale one asks anew.
                if (b->health != book_health::syncing && !contains(resubscribing_, symbol)) {
                    resubscribe(symbol);
                }
                break;
            case resync_method::reconnect:
                if (b->health != book_health::syncing) {
                    ++stats_.resync_reconnects;
                    if (opt_.capture) {
                        opt_.capture->on_marker(now(), "reconnect", symbol + " lost sync");
                    }
                    return reconnect_now(symbol + " lost sync: new connection");
                }
                break;
            }
        }
    }

    static bool contains(const std::vector<std::pair<std::string, timestamp_ns>>& v,
                         const std::string& s) {
        return std::any_of(v.begin(), v.end(), [&](const auto& p) { return p.first == s; });
    }
    static void erase(std::vector<std::pair<std::string, timestamp_ns>>& v, const std::string& s) {
        v.erase(std::remove_if(v.begin(), v.end(), [&](const auto& p) { return p.first == s; }),
                v.end());
    }

    void request_snapshot(const std::string& symbol) {
        snapshots_in_flight_.emplace_back(symbol, now());
        const std::string url = rest_base_ + protocol_->snapshot_target(symbol);
        ++stats_.rest_requests;
        rest_->get(url,
                   [self = shared_from_this(), gen = generation_, symbol, url](http_response r) {
                       if (gen != self->generation_) {
                           return; // the connection it was for is gone; the next one asks again
                       }
                       if (!r.ok()) {
                           ++self->stats_.rest_failures;
                           self->last_error_ =
                               "snapshot " + url + ": " +
                               (r.error.empty() ? "HTTP " + std::to_string(r.status) : r.error);
                           // Leave it in flight until the retry timer: no request storm.
                           self->retry_snapshot_later(symbol);
                           return;
                       }
                       erase(self->snapshots_in_flight_, symbol);
                       ++self->stats_.snapshots;
                       const timestamp_ns ts = self->now();
                       if (self->opt_.capture) {
                           self->opt_.capture->on_rest(ts, url, r.body);
                       }
                       const std::size_t n = r.body.size();
                       r.body.append(ws_frame_padding, '\0');
                       feed_frame f = self->frame(std::string_view(r.body.data(), n), ts);
                       f.url = url;
                       f.is_response = true;
                       self->feed_.on_frame(f);
                       self->check_books();
                   });
    }

    void retry_snapshot_later(const std::string& symbol) {
        auto t = std::make_shared<net::steady_timer>(io_);
        t->expires_after(backoff_.delay(std::min(snapshot_failures_++, 6u)));
        t->async_wait(
            [self = shared_from_this(), t, symbol, gen = generation_](const error_code& ec) {
                if (ec || gen != self->generation_) {
                    return;
                }
                erase(self->snapshots_in_flight_, symbol);
                self->check_books();
            });
    }

    void resubscribe(const std::string& symbol) {
        ++stats_.resubscribes;
        resubscribing_.emplace_back(symbol, now());
        if (opt_.capture) {
            opt_.capture->on_marker(now(), "resubscribe", symbol);
        }
        const std::vector<std::string> one = {symbol};
        for (auto& r : protocol_->unsubscribe(one)) {
            send(std::move(r), true);
        }
        for (auto& r : protocol_->subscribe(one)) {
            send(std::move(r), true);
        }
    }

    /// A refused subscription (a venue's rate limit, a symbol it does not list yet) is asked
    /// again after the backoff, for the symbols that have no live book; the delay grows with
    /// each refusal, so a symbol the venue never lists costs one request per backoff_max.
    void retry_refused() {
        if (retry_armed_) {
            return;
        }
        retry_armed_ = true;
        retry_timer_.expires_after(backoff_.delay(refusal_attempt_++));
        retry_timer_.async_wait(
            [self = shared_from_this(), gen = generation_](const error_code& ec) {
                self->retry_armed_ = false;
                if (ec || gen != self->generation_ || !self->conn_) {
                    return;
                }
                std::vector<std::string> missing;
                for (const auto& s : self->opt_.symbols) {
                    const venue_book* b = self->feed_.find_book(s);
                    if ((b == nullptr || b->health != book_health::live) &&
                        !contains(self->resubscribing_, s)) {
                        missing.push_back(s);
                    }
                }
                if (missing.empty()) {
                    return;
                }
                if (self->opt_.capture) {
                    self->opt_.capture->on_marker(self->now(), "subscribe_again", missing.front());
                }
                for (auto& r : self->protocol_->subscribe(missing)) {
                    self->send(std::move(r), true);
                }
            });
    }

    /// A book still waiting for its subscription's snapshot a resync timeout after the
    /// connection opened (a lost snapshot, a subscription the venue acknowledged and never
    /// served) is asked for again.
    void resubscribe_stuck(timestamp_ns t) {
        if (state_ != venue_client_state::connected ||
            protocol_->resync() != resync_method::resubscribe ||
            t.ns - connected_at_.ns <= std::chrono::nanoseconds(opt_.resync_timeout).count()) {
            return;
        }
        for (const auto& b : feed_.books()) {
            if (b->health == book_health::syncing && !contains(resubscribing_, b->symbol())) {
                resubscribe(b->symbol());
            }
        }
    }

    void reconnect_now(const std::string& why) {
        ++generation_;
        close_connection();
        ping_timer_.cancel();
        last_error_ = why;
        feed_.on_disconnect(frame({}, now()));
        connect();
    }

    /// Once a second: silence checks, resubscriptions that never answered (escalated to a
    /// new connection), retried snapshots.
    void watch() {
        watch_timer_.expires_after(std::chrono::seconds(1));
        watch_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
            if (ec || self->state_ == venue_client_state::stopped) {
                return;
            }
            const timestamp_ns t = self->now();
            self->feed_.check_silence(t);
            for (auto it = self->resubscribing_.begin(); it != self->resubscribing_.end();) {
                const venue_book* b = self->feed_.find_book(it->first);
                if (b != nullptr && b->health == book_health::live) {
                    it = self->resubscribing_.erase(it);
                } else if (t.ns - it->second.ns >
                           std::chrono::nanoseconds(self->opt_.resync_timeout).count()) {
                    ++self->stats_.resync_reconnects;
                    self->reconnect_now(it->first + ": no snapshot after resubscribing");
                    break;
                } else {
                    ++it;
                }
            }
            self->resubscribe_stuck(t);
            self->check_books();
            self->watch();
        });
    }

    net::io_context& io_;
    venue_feed& feed_;
    instrument_registry& instruments_;
    venue_client_options opt_;
    std::unique_ptr<venue_protocol> protocol_;
    std::string ws_text_;
    std::string rest_base_;
    ws_url url_;
    std::shared_ptr<net::ssl::context> tls_;
    std::unique_ptr<http_client> rest_;
    std::shared_ptr<ws_connection> conn_;
    net::steady_timer timer_;
    net::steady_timer ping_timer_;
    net::steady_timer watch_timer_;
    net::steady_timer retry_timer_;
    reconnect_backoff backoff_;
    std::vector<std::string> instrument_targets_;
    std::size_t next_instrument_ = 0;
    std::uint64_t generation_ = 0;
    std::uint32_t conn_index_ = 0;
    timestamp_ns connected_at_{};
    unsigned attempt_ = 0;
    unsigned snapshot_failures_ = 0;
    unsigned refusal_attempt_ = 0;
    bool retry_armed_ = false;
    std::vector<std::pair<std::string, timestamp_ns>> snapshots_in_flight_;
    std::vector<std::pair<std::string, timestamp_ns>> resubscribing_;
    std::string padded_;
};

venue_ws_client::venue_ws_client(net::io_context& io, venue_feed& feed,
                                 instrument_registry& instruments, venue_client_options options)
    : session_(std::make_shared<session>(io, feed, instruments, std::move(options))) {}

venue_ws_client::~venue_ws_client() {
    session_->stop();
}

bool venue_ws_client::start() {
    return session_->start();
}
void venue_ws_client::stop() {
    session_->stop();
}
venue_client_state venue_ws_client::state() const noexcept {
    return session_->state_;
}
const venue_client_stats& venue_ws_client::stats() const noexcept {
    return session_->stats_;
}
const std::string& venue_ws_client::last_error() const noexcept {
    return session_->last_error_;
}
std::int64_t venue_ws_client::frame_rx_lag_ns() const noexcept {
    return session_->frame_lag_ns_;
}
bool venue_ws_client::all_live() const noexcept {
    return session_->all_live();
}
std::chrono::milliseconds venue_ws_client::backoff_delay(unsigned attempt) {
    return session_->backoff_delay(attempt);
}

} // namespace ballast::feed
