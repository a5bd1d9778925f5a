#include "exec/sim_node.hpp"

#include "feed/eth_rpc.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <simdjson.h>

#include <pthread.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>

namespace ballast::exec {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

std::string hex_quantity(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

/// The node's block hash for a number: the number in the hash's high bits (any fixed
/// one-to-one scheme does; clients only compare hashes).
std::string block_hash(std::uint64_t number) {
    char buf[80];
    std::snprintf(buf, sizeof buf, "0x%048llx%016llx", 0ULL,
                  static_cast<unsigned long long>(number << 8));
    return buf;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string rpc_result(std::string_view id, std::string_view result) {
    return R"({"jsonrpc":"2.0","id":)" + std::string(id) + R"(,"result":)" + std::string(result) +
           "}";
}

std::string rpc_error(std::string_view id, int code, std::string_view message) {
    return R"({"jsonrpc":"2.0","id":)" + std::string(id) + R"(,"error":{"code":)" +
           std::to_string(code) + R"(,"message":")" + std::string(message) + "\"}}";
}

std::string notification(std::string_view subscription, std::string_view result) {
    return R"({"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":")" +
           std::string(subscription) + R"(","result":)" + std::string(result) + "}}";
}

struct stored_log {
    std::uint64_t block = 0;
    std::string address; ///< lower-case 0x-hex
    std::string json;
};

class session;

} // namespace

struct sim_node::impl {
    sim_node_options options;
    net::io_context io{1};
    net::executor_work_guard<net::io_context::executor_type> work{io.get_executor()};
    tcp::acceptor acceptor{io};
    net::steady_timer block_timer{io};
    std::thread thread;
    std::uint16_t port = 0;
    std::vector<std::shared_ptr<session>> sessions; // io thread only
    std::uint64_t next_subscription = 1;            // io thread only
    simdjson::dom::parser parser;                   // io thread only

    mutable std::mutex m; // the chain and the counters, shared with mine() callers
    std::uint64_t head = 0;
    std::vector<stored_log> logs;
    bool silent = false;
    sim_node_stats stats;

    void accept();
    void on_request(session& s, const std::string& text);
    std::string get_logs(simdjson::dom::element filter, std::string_view id);
    void announce(std::uint64_t block);
    void schedule_block();
    void remove(session* s) {
        std::erase_if(sessions, [s](const auto& p) { return p.get() == s; });
    }
};

namespace {

/// One client connection: reads requests, writes answers and notifications in order.
class session final : public std::enable_shared_from_this<session> {
  public:
    session(tcp::socket socket, sim_node::impl& node) : ws_(std::move(socket)), node_(node) {}

    void run() {
        ws_.read_message_max(1 << 20);
        ws_.async_accept([self = shared_from_this()](beast::error_code ec) {
            if (!ec) {
                self->read();
            } else {
                self->node_.remove(self.get());
            }
        });
    }
    void send(std::string text) {
        if (gone_) {
            return;
        }
        queue_.push_back(std::move(text));
        write_next();
    }
    void drop() {
        if (gone_) {
            return;
        }
        gone_ = true;
        beast::error_code ec;
        ws_.next_layer().shutdown(tcp::socket::shutdown_both, ec);
        ws_.next_layer().close(ec);
    }

    std::string heads_id;           ///< the newHeads subscription ("" when none)
    std::string logs_id;            ///< the logs subscription ("" when none)
    std::vector<std::string> match; ///< its address filter (lower case); empty: every address

  private:
    void read() {
        ws_.async_read(buf_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec || self->gone_) {
                self->gone_ = true;
                self->node_.remove(self.get());
                return;
            }
            const std::string text = beast::buffers_to_string(self->buf_.data());
            self->buf_.consume(self->buf_.size());
            self->node_.on_request(*self, text);
            self->read();
        });
    }
    void write_next() {
        if (writing_ || queue_.empty() || gone_) {
            return;
        }
        writing_ = true;
        ws_.text(true);
        ws_.async_write(net::buffer(queue_.front()),
                        [self = shared_from_this()](beast::error_code ec, std::size_t) {
                            self->writing_ = false;
                            if (ec) {
                                self->drop();
                                return;
                            }
                            self->queue_.pop_front();
                            self->write_next();
                        });
    }

    websocket::stream<tcp::socket> ws_;
    sim_node::impl& node_;
    beast::flat_buffer buf_;
    std::deque<std::string> queue_;
    bool writing_ = false;
    bool gone_ = false;
};

} // namespace

void sim_node::impl::accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
        if (ec) {
            return; // closed at stop
        }
        {
            std::lock_guard lock(m);
            ++stats.connections;
        }
        auto s = std::make_shared<session>(std::move(socket), *this);
        sessions.push_back(s);
        s->run();
        accept();
    });
}

void sim_node::impl::on_request(session& s, const std::string& text) {
    {
        std::lock_guard lock(m);
        ++stats.requests;
    }
    simdjson::dom::element req;
    std::string_view method;
    simdjson::dom::element id_el;
    if (parser.parse(text).get(req) || req["method"].get(method) || req["id"].get(id_el)) {
        std::lock_guard lock(m);
        ++stats.bad_requests;
        s.send(rpc_error("null", -32600, "invalid request"));
        return;
    }
    const std::string id = simdjson::to_string(id_el);
    simdjson::dom::array params;
    const bool has_params = !req["params"].get(params);
    if (method == "eth_blockNumber") {
        std::lock_guard lock(m);
        s.send(rpc_result(id, "\"" + hex_quantity(head) + "\""));
    } else if (method == "eth_chainId") {
        s.send(rpc_result(id, "\"" + hex_quantity(options.chain_id) + "\""));
    } else if (method == "eth_subscribe" && has_params && params.size() >= 1) {
        std::string_view kind;
        if (params.at(0).get(kind)) {
            s.send(rpc_error(id, -32602, "params[0]: not a string"));
            return;
        }
        const std::string sub = hex_quantity(next_subscription++);
        if (kind == "newHeads") {
            s.heads_id = sub;
        } else if (kind == "logs") {
            s.logs_id = sub;
            s.match.clear();
            simdjson::dom::element addr;
            if (params.size() >= 2 && !params.at(1)["address"].get(addr)) {
                if (addr.is_string()) {
                    s.match.push_back(lower(std::string_view(addr)));
                } else if (addr.is_array()) {
                    for (simdjson::dom::element a : simdjson::dom::array(addr)) {
                        std::string_view v;
                        if (!a.get(v)) {
                            s.match.push_back(lower(v));
                        }
                    }
                }
            }
        } else {
            s.send(rpc_error(id, -32602, "unsupported subscription"));
            return;
        }
        s.send(rpc_result(id, "\"" + sub + "\""));
    } else if (method == "eth_unsubscribe") {
        s.send(rpc_result(id, "true"));
    } else if (method == "eth_getLogs" && has_params && params.size() >= 1) {
        {
            std::lock_guard lock(m);
            ++stats.get_logs;
        }
        s.send(get_logs(params.at(0).value_unsafe(), id));
    } else {
        std::lock_guard lock(m);
        ++stats.bad_requests;
        s.send(rpc_error(id, -32601, "the method " + std::string(method) + " is not available"));
    }
}

std::string sim_node::impl::get_logs(simdjson::dom::element filter, std::string_view id) {
    std::lock_guard lock(m);
    const auto block_of = [&](const char* key, std::uint64_t dflt) -> std::optional<std::uint64_t> {
        std::string_view v;
        if (filter[key].get(v)) {
            return dflt;
        }
        if (v == "latest") {
            return head;
        }
        if (v == "earliest") {
            return 0;
        }
        return feed::parse_hex_quantity(v);
    };
    const auto from = block_of("fromBlock", head);
    const auto to = block_of("toBlock", head);
    if (!from || !to) {
        return rpc_error(id, -32602, "fromBlock/toBlock: not a block number");
    }
    if (*to > head) {
        return rpc_error(id, -32000, "toBlock " + std::to_string(*to) + " is past the head");
    }
    std::vector<std::string> want;
    simdjson::dom::element addr;
    if (!filter["address"].get(addr)) {
        if (addr.is_string()) {
            want.push_back(lower(std::string_view(addr)));
        } else if (addr.is_array()) {
            for (simdjson::dom::element a : simdjson::dom::array(addr)) {
                std::string_view v;
                if (!a.get(v)) {
                    want.push_back(lower(v));
                }
            }
        }
    }
    std::string out = "[";
    for (const stored_log& l : logs) {
        if (l.block < *from || l.block > *to) {
            continue;
        }
        if (!want.empty() && std::find(want.begin(), want.end(), l.address) == want.end()) {
            continue;
        }
        out += (out.size() == 1 ? "" : ",") + l.json;
    }
    return rpc_result(id, out + "]");
}

void sim_node::impl::announce(std::uint64_t block) {
    std::vector<stored_log> block_logs; // copies: mine() may grow `logs` meanwhile
    {
        std::lock_guard lock(m);
        for (const stored_log& l : logs) {
            if (l.block == block) {
                block_logs.push_back(l);
            }
        }
    }
    const std::string head_json = R"({"number":")" + hex_quantity(block) + R"(","hash":")" +
                                  block_hash(block) + R"(","parentHash":")" +
                                  block_hash(block - 1) + "\"}";
    const auto all = sessions; // a send may remove a session
    for (const auto& s : all) {
        // Logs first, then the head, as a node delivers a block's logs before its head.
        if (!s->logs_id.empty()) {
            for (const stored_log& l : block_logs) {
                if (s->match.empty() ||
                    std::find(s->match.begin(), s->match.end(), l.address) != s->match.end()) {
                    s->send(notification(s->logs_id, l.json));
                }
            }
        }
        if (!s->heads_id.empty()) {
            s->send(notification(s->heads_id, head_json));
        }
    }
}

void sim_node::impl::schedule_block() {
    if (options.block_interval.count() <= 0) {
        return;
    }
    block_timer.expires_after(options.block_interval);
    block_timer.async_wait([this](beast::error_code ec) {
        if (ec) {
            return;
        }
        std::uint64_t b = 0;
        bool announced = true;
        {
            std::lock_guard lock(m);
            b = ++head;
            announced = !silent;
        }
        if (announced) {
            announce(b);
        }
        schedule_block();
    });
}

sim_node::sim_node(sim_node_options options) : impl_(std::make_unique<impl>()) {
    impl_->options = std::move(options);
    impl_->head = impl_->options.head;
}

sim_node::~sim_node() {
    stop();
}

std::optional<std::string> sim_node::start() {
    impl& n = *impl_;
    const auto colon = n.options.listen.rfind(':');
    if (colon == std::string::npos) {
        return "node listen: '" + n.options.listen + "' is not HOST:PORT";
    }
    beast::error_code ec;
    const auto address = net::ip::make_address(n.options.listen.substr(0, colon), ec);
    unsigned long port = 0;
    try {
        port = std::stoul(n.options.listen.substr(colon + 1));
    } catch (const std::exception&) {
        ec = net::error::invalid_argument;
    }
    if (ec || port > 65535) {
        return "node listen: '" + n.options.listen + "' is not IP:PORT";
    }
    const tcp::endpoint ep(address, static_cast<std::uint16_t>(port));
    n.acceptor.open(ep.protocol(), ec);
    if (!ec) {
        n.acceptor.set_option(net::socket_base::reuse_address(true), ec);
        n.acceptor.bind(ep, ec);
    }
    if (!ec) {
        n.acceptor.listen(net::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        return "node listen: cannot listen on " + n.options.listen + ": " + ec.message();
    }
    n.port = n.acceptor.local_endpoint().port();
    n.accept();
    n.schedule_block();
    n.thread = std::thread([&n] {
        pthread_setname_np(pthread_self(), "sim-node");
        n.io.run();
    });
    return std::nullopt;
}

void sim_node::stop() {
    impl& n = *impl_;
    if (!n.thread.joinable()) {
        return;
    }
    net::post(n.io, [&n] {
        beast::error_code ec;
        n.acceptor.close(ec);
        n.block_timer.cancel();
        for (const auto& s : n.sessions) {
            s->drop();
        }
        n.sessions.clear();
        n.work.reset();
        n.io.stop();
    });
    n.thread.join();
}

std::string sim_node::url() const {
    return "ws://127.0.0.1:" + std::to_string(impl_->port) + "/";
}

sim_node::mined
sim_node::mine(const std::function<std::vector<std::string>(std::uint64_t)>& logs_of) {
    impl& n = *impl_;
    mined r;
    simdjson::dom::parser parser;
    std::uint64_t next = 0;
    bool announced = true;
    {
        std::lock_guard lock(n.m);
        next = n.head + 1;
        announced = !n.silent; // as it is when the block is mined
        const std::vector<std::string> logs = logs_of(next);
        std::vector<stored_log> parsed;
        for (std::size_t i = 0; i < logs.size(); ++i) {
            const std::string w = "logs[" + std::to_string(i) + "]";
            simdjson::dom::element e;
            std::string_view block;
            std::string_view address;
            if (parser.parse(logs[i]).get(e)) {
                r.error = w + ": not JSON";
                return r;
            }
            if (e["blockNumber"].get(block) || e["address"].get(address)) {
                r.error = w + ": blockNumber and address are required";
                return r;
            }
            const auto b = feed::parse_hex_quantity(block);
            if (!b || *b != next) {
                r.error = w + ".blockNumber: " + std::string(block) + " is not the next block (" +
                          hex_quantity(next) + ")";
                return r;
            }
            parsed.push_back({*b, lower(address), logs[i]});
        }
        n.head = next;
        for (auto& l : parsed) {
            n.logs.push_back(std::move(l));
        }
    }
    r.block = next;
    if (announced && n.thread.joinable()) {
        net::post(n.io, [&n, next] { n.announce(next); });
    }
    return r;
}

void sim_node::drop_connections() {
    impl& n = *impl_;
    net::post(n.io, [&n] {
        const auto all = n.sessions;
        for (const auto& s : all) {
            s->drop();
        }
        n.sessions.clear();
    });
}

void sim_node::silence(bool on) {
    std::lock_guard lock(impl_->m);
    impl_->silent = on;
}

std::uint64_t sim_node::head() const {
    std::lock_guard lock(impl_->m);
    return impl_->head;
}

sim_node_stats sim_node::stats() const {
    std::lock_guard lock(impl_->m);
    return impl_->stats;
}

} // namespace ballast::exec
