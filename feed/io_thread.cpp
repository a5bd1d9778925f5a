#include "feed/io_thread.hpp"

#include "feed/thread_pin.hpp"

#include <boost/asio/post.hpp>

#include <pthread.h>

namespace ballast::feed {

std::optional<std::string> io_thread::start(std::string name, int cpu,
                                            std::chrono::milliseconds interval,
                                            std::function<void()> tick) {
    if (thread_.joinable()) {
        return std::string("already started");
    }
    interval_ = interval;
    tick_ = std::move(tick);
    thread_ = std::thread([this, name = name.substr(0, 15)] {
        pthread_setname_np(pthread_self(), name.c_str());
        schedule_tick();
        io_.run();
        if (tick_) {
            tick_();
        }
    });
    if (cpu >= 0) {
        if (auto err = pin_thread(thread_.native_handle(), cpu)) {
            stop({});
            return err;
        }
    }
    return std::nullopt;
}

void io_thread::schedule_tick() {
    if (tick_) {
        tick_();
    }
    timer_.expires_after(interval_);
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) {
            schedule_tick();
        }
    });
}

void io_thread::stop(std::function<void()> last) {
    if (!thread_.joinable()) {
        return;
    }
    boost::asio::post(io_, [this, last = std::move(last)] {
        if (last) {
            last();
        }
        timer_.cancel();
        work_.reset();
        io_.stop(); // pending completions of closed sockets are not waited for
    });
    thread_.join();
}

} // namespace ballast::feed
