#include "feed/eth_ws_client.hpp"

#include "feed/recording.hpp"
#include "feed/uniswap_events.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <charconv>

namespace ballast::feed {

namespace net = boost::asio;

std::string_view to_string(eth_ws_state s) noexcept {
    switch (s) {
    case eth_ws_state::idle:
        return "idle";
    case eth_ws_state::connecting:
        return "connecting";
    case eth_ws_state::backfilling:
        return "backfilling";
    case eth_ws_state::live:
        return "live";
    case eth_ws_state::backoff:
        return "backoff";
    case eth_ws_state::stopped:
        return "stopped";
    }
    return "unknown";
}

namespace {

std::string hex_quantity(std::uint64_t v) {
    char buf[2 + 16];
    buf[0] = '0';
    buf[1] = 'x';
    const auto r = std::to_chars(buf + 2, buf + sizeof buf, v, 16);
    return {buf, r.ptr};
}

/// The log filter shared by eth_subscribe and eth_getLogs: the pools and the five events.
std::string log_filter(const std::vector<std::string>& addresses) {
    std::string f = "\"address\":[";
    for (std::size_t i = 0; i < addresses.size(); ++i) {
        f += i == 0 ? "\"" : ",\"";
        f += addresses[i];
        f += '"';
    }
    f += "],\"topics\":[[";
    const std::string_view topics[] = {uniswap_topics::v2_sync, uniswap_topics::v2_swap,
                                       uniswap_topics::v3_swap, uniswap_topics::v3_mint,
                                       uniswap_topics::v3_burn};
    for (std::size_t i = 0; i < std::size(topics); ++i) {
        f += i == 0 ? "\"" : ",\"";
        f += topics[i];
        f += '"';
    }
    f += "]]";
    return f;
}

} // namespace

class eth_ws_client::session final : public std::enable_shared_from_this<session>,
                                     private ws_connection_handler {
  public:
    session(net::io_context& io, eth_stream_sink& sink, eth_ws_options options)
        : io_(io), sink_(sink), opt_(std::move(options)), timer_(io),
          backoff_(opt_.backoff_initial, opt_.backoff_max, opt_.jitter_seed),
          chunk_(std::max<std::uint64_t>(opt_.backfill_chunk_blocks, 1)),
          filter_(log_filter(opt_.addresses)) {}

    bool start() {
        std::string error;
        auto url = parse_ws_url(opt_.url, error);
        if (!url) {
            last_error_ = std::move(error);
            return false;
        }
        url_ = std::move(*url);
        if (url_.tls) {
            tls_context_ = make_tls_client_context(opt_.tls_ca_file, error);
            if (!tls_context_) {
                last_error_ = std::move(error);
                return false;
            }
        }
        connect();
        return true;
    }

    void stop() {
        state_ = eth_ws_state::stopped;
        ++generation_;
        timer_.cancel();
        close_connection();
    }

    std::chrono::milliseconds backoff_delay(unsigned attempt) { return backoff_.delay(attempt); }

    eth_ws_state state_ = eth_ws_state::idle;
    eth_ws_stats stats_;
    std::string last_error_;
    std::uint64_t caught_up_ = 0;
    std::uint64_t last_head_ = 0;

  private:
    void connect() {
        if (state_ == eth_ws_state::stopped) {
            return;
        }
        state_ = eth_ws_state::connecting;
        ++generation_;
        ws_connection_options o;
        o.connect_timeout = opt_.connect_timeout;
        o.idle_timeout = opt_.idle_timeout;
        o.max_message_bytes = opt_.max_message_bytes;
        conn_ = ws_connection::create(io_, url_, tls_context_, o, *this);
        conn_->start();
    }

    void on_ws_closed(std::string_view reason) override { fail(std::string(reason)); }

    void on_ws_frame(std::string_view text) override {
        ++stats_.frames;
        stats_.bytes += text.size();
        on_frame(text);
    }

    void on_ws_open() override {
        ++stats_.connects;
        next_id_ = 1;
        logs_sub_id_ = next_id_++;
        send(R"({"jsonrpc":"2.0","id":)" + std::to_string(logs_sub_id_) +
             R"(,"method":"eth_subscribe","params":["logs",{)" + filter_ + "}]}");
        heads_sub_id_ = next_id_++;
        send(R"({"jsonrpc":"2.0","id":)" + std::to_string(heads_sub_id_) +
             R"(,"method":"eth_subscribe","params":["newHeads"]})");
        // Fetch again from the newest block seen (its logs may have been cut off); the
        // follower drops what it already applied. Nothing seen and no start block: from now.
        const std::uint64_t seen = std::max(last_head_, last_log_block_);
        begin_backfill(seen == 0 && opt_.from_block == 0
                           ? std::nullopt
                           : std::optional<std::uint64_t>(std::max(opt_.from_block, seen)));
    }

    /// Asks the head, then fetches logs from `from` (nullopt: from the head on) through it.
    /// Notifications are held back until then.
    void begin_backfill(std::optional<std::uint64_t> from) {
        state_ = eth_ws_state::backfilling;
        backfill_from_ = from;
        block_number_id_ = next_id_++;
        send(R"({"jsonrpc":"2.0","id":)" + std::to_string(block_number_id_) +
             R"(,"method":"eth_blockNumber","params":[]})");
    }

    void on_head_number(std::uint64_t head) {
        backfill_to_ = std::max(head, last_head_);
        next_from_ = backfill_from_ ? *backfill_from_ : backfill_to_ + 1;
        request_chunk();
    }

    void request_chunk() {
        if (next_from_ > backfill_to_) {
            return finish_backfill();
        }
        chunk_to_ = next_from_ + std::min(chunk_ - 1, backfill_to_ - next_from_);
        get_logs_id_ = next_id_++;
        ++stats_.backfill_requests;
        send(R"({"jsonrpc":"2.0","id":)" + std::to_string(get_logs_id_) +
             R"(,"method":"eth_getLogs","params":[{)" + filter_ + R"(,"fromBlock":")" +
             hex_quantity(next_from_) + R"(","toBlock":")" + hex_quantity(chunk_to_) + "\"}]}");
    }

    void finish_backfill() {
        caught_up_ = std::max(caught_up_, backfill_to_);
        last_head_ = std::max(last_head_, backfill_to_);
        state_ = eth_ws_state::live;
        attempt_ = 0;
        in_gap_ = false;
        if (opt_.capture) {
            opt_.capture(R"({"ballast":"caught_up","block":)" + std::to_string(backfill_to_) + "}");
        }
        sink_.on_caught_up(backfill_to_);
        // Deliver what arrived meanwhile, unless a frame in it starts another backfill.
        std::vector<std::string> held;
        held.swap(held_);
        for (std::size_t i = 0; i < held.size(); ++i) {
            if (state_ != eth_ws_state::live) {
                held_.insert(held_.end(), std::make_move_iterator(held.begin() + i),
                             std::make_move_iterator(held.end()));
                break;
            }
            const eth_message m = decoder_.decode(held[i]);
            deliver(m, held[i]);
        }
    }

    void on_frame(std::string_view text) {
        const eth_message m = decoder_.decode(text);
        if (m.ok() && m.id >= 0) {
            return on_response(m, text);
        }
        if (state_ == eth_ws_state::backfilling) {
            ++stats_.held_frames;
            held_.emplace_back(text);
            return;
        }
        deliver(m, text);
    }

    void deliver(const eth_message& m, std::string_view text) {
        if (opt_.capture) {
            capture_line_.assign(text);
            std::replace_if(
                capture_line_.begin(), capture_line_.end(),
                [](char c) { return c == '\n' || c == '\r'; }, ' ');
            opt_.capture(capture_line_);
        }
        if (!m.ok()) {
            ++stats_.malformed;
            sink_.on_message(m);
            return;
        }
        if (m.kind == eth_message_kind::logs) {
            for (const auto& log : m.logs) {
                if (log.error == eth_error::ok) {
                    last_log_block_ = std::max(last_log_block_, log.block_number);
                }
            }
            sink_.on_message(m);
        } else if (m.kind == eth_message_kind::head) {
            const std::uint64_t previous = last_head_;
            sink_.on_message(m);
            last_head_ = std::max(last_head_, m.head.number);
            if (previous != 0 && m.head.number > previous + 1) {
                // Heads were skipped on a live connection: their logs may be too.
                ++stats_.head_gaps;
                begin_backfill(previous);
            }
        } else {
            sink_.on_message(m);
        }
    }

    void on_response(const eth_message& m, std::string_view text) {
        const bool error = m.kind == eth_message_kind::error;
        if (error) {
            ++stats_.rpc_errors;
        }
        if (m.id == logs_sub_id_ || m.id == heads_sub_id_) {
            if (error) {
                return fail("eth_subscribe refused: " + std::string(m.rpc_error));
            }
        } else if (m.id == block_number_id_) {
            const auto head = m.kind == eth_message_kind::subscribed
                                  ? parse_hex_quantity(m.subscription)
                                  : std::nullopt;
            if (!head) {
                return fail(error ? "eth_blockNumber: " + std::string(m.rpc_error)
                                  : "eth_blockNumber: result is not a block number");
            }
            on_head_number(*head);
        } else if (m.id == get_logs_id_) {
            if (error || m.kind != eth_message_kind::logs) {
                if (chunk_ > 1) { // "too many results": ask for fewer blocks at a time
                    chunk_ = std::max<std::uint64_t>(chunk_ / 4, 1);
                    return request_chunk();
                }
                return fail("eth_getLogs: " + (error ? std::string(m.rpc_error)
                                                     : std::string("result is not a log list")));
            }
            stats_.backfilled_logs += m.logs.size();
            deliver(m, text);
            next_from_ = chunk_to_ + 1;
            request_chunk();
        }
    }

    void send(std::string text) {
        if (conn_) {
            conn_->send(std::move(text));
        }
    }

    void close_connection() {
        if (conn_) {
            conn_->close();
            conn_.reset();
        }
    }

    /// The connection is gone: report the gap once, then retry after a backoff.
    void fail(std::string reason) {
        if (state_ == eth_ws_state::stopped) {
            return;
        }
        ++generation_;
        ++stats_.connection_losses;
        last_error_ = std::move(reason);
        close_connection();
        held_.clear();
        if (!in_gap_) {
            in_gap_ = true;
            const std::string gap = "node connection lost (" + last_error_ + ")";
            if (opt_.capture) {
                std::string line = R"({"ballast":"gap","reason":)";
                append_json_string(line, gap);
                opt_.capture(line + "}");
            }
            sink_.on_gap(gap);
        }
        state_ = eth_ws_state::backoff;
        timer_.expires_after(backoff_.delay(attempt_++));
        timer_.async_wait(
            [self = shared_from_this(), gen = generation_](const boost::system::error_code& ec) {
                if (!ec && gen == self->generation_) {
                    self->connect();
                }
            });
    }

    net::io_context& io_;
    eth_stream_sink& sink_;
    eth_ws_options opt_;
    ws_url url_;
    net::steady_timer timer_;
    std::shared_ptr<net::ssl::context> tls_context_;
    reconnect_backoff backoff_;
    eth_rpc_decoder decoder_;
    std::shared_ptr<ws_connection> conn_;
    std::uint64_t generation_ = 0;
    unsigned attempt_ = 0;
    bool in_gap_ = false;
    std::vector<std::string> held_;
    std::string capture_line_;
    std::int64_t next_id_ = 1;
    std::int64_t logs_sub_id_ = -1;
    std::int64_t heads_sub_id_ = -1;
    std::int64_t block_number_id_ = -1;
    std::int64_t get_logs_id_ = -1;
    std::uint64_t chunk_;
    std::optional<std::uint64_t> backfill_from_;
    std::uint64_t next_from_ = 0;
    std::uint64_t chunk_to_ = 0;
    std::uint64_t backfill_to_ = 0;
    std::uint64_t last_log_block_ = 0;
    std::string filter_;
};

eth_ws_client::eth_ws_client(boost::asio::io_context& io, eth_stream_sink& sink,
                             eth_ws_options options)
    : session_(std::make_shared<session>(io, sink, std::move(options))) {}

eth_ws_client::~eth_ws_client() {
    session_->stop();
}

bool eth_ws_client::start() {
    return session_->start();
}
void eth_ws_client::stop() {
    session_->stop();
}
eth_ws_state eth_ws_client::state() const noexcept {
    return session_->state_;
}
const eth_ws_stats& eth_ws_client::stats() const noexcept {
    return session_->stats_;
}
const std::string& eth_ws_client::last_error() const noexcept {
    return session_->last_error_;
}
std::uint64_t eth_ws_client::caught_up_block() const noexcept {
    return session_->caught_up_;
}
std::uint64_t eth_ws_client::last_head() const noexcept {
    return session_->last_head_;
}
std::chrono::milliseconds eth_ws_client::backoff_delay(unsigned attempt) {
    return session_->backoff_delay(attempt);
}

} // namespace ballast::feed
