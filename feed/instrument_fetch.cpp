#include "feed/instrument_fetch.hpp"

#include "feed/http_client.hpp"
#include "feed/instruments.hpp"
#include "feed/venue_protocol.hpp"

#include <boost/asio/io_context.hpp>

#include <functional>

namespace ballast::feed {

std::optional<std::string> fetch_instrument_lists(const std::string& venue,
                                                  const std::vector<std::string>& symbols,
                                                  const instrument_fetch_options& options,
                                                  instrument_registry& out) {
    const auto protocol = make_venue_protocol(venue);
    if (!protocol) {
        return "venue: '" + venue + "' has no live protocol";
    }
    std::string base = options.rest_url.empty() ? protocol->production().rest : options.rest_url;
    while (!base.empty() && base.back() == '/') {
        base.pop_back();
    }
    boost::asio::io_context io;
    http_client_options ho;
    ho.tls_ca_file = options.tls_ca_file;
    ho.timeout = options.timeout;
    http_client client(io, ho);
    std::optional<std::string> error;
    const auto targets = protocol->instrument_targets(symbols);
    std::size_t next = 0;
    std::function<void()> fetch_next = [&] {
        if (next >= targets.size() || error) {
            client.stop();
            return;
        }
        const std::string url = base + targets[next++];
        client.get(url, [&, url](http_response r) {
            if (!r.ok()) {
                error = venue + ": instruments " + url + ": " +
                        (r.error.empty() ? "HTTP " + std::to_string(r.status) : r.error);
            } else if (auto err = load_instrument_reply(venue, url, r.body, out)) {
                error = *err;
            }
            fetch_next();
        });
    };
    fetch_next();
    io.run_for(options.timeout);
    if (!error && next < targets.size()) {
        error = venue + ": instruments: no answer within " +
                std::to_string(options.timeout.count()) + " ms";
    }
    return error;
}

} // namespace ballast::feed
