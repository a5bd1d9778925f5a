// A scenario that contradicts itself is refused with one line naming the field: the same
// recording, symbol or pool twice, a pool quoted in a currency that is not the portfolio's, a
// journal that is one of the run's own inputs. (Checks that need the recordings' contents, such
// as a warm-up longer than the recordings, are in engine_setup.cpp.)
#include "exec/scenario.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace ballast::exec {

bool same_file(const std::string& a, const std::string& b) {
    std::error_code ec;
    if (std::filesystem::equivalent(a, b, ec) && !ec) {
        return true;
    }
    const auto na = std::filesystem::weakly_canonical(a, ec);
    if (ec) {
        return false;
    }
    const auto nb = std::filesystem::weakly_canonical(b, ec);
    return !ec && na == nb;
}

namespace {

std::string at(std::string_view list, std::size_t i) {
    return std::string(list) + "[" + std::to_string(i) + "]";
}

bool is_quote(const scenario& s, const std::string& token) {
    return std::find(s.quote_aliases.begin(), s.quote_aliases.end(), token) !=
           s.quote_aliases.end();
}

} // namespace

std::string check_scenario(const scenario& s) {
    // Inputs, named by their field: a journal must be none of them.
    std::vector<std::pair<std::string, std::string>> inputs{{"the scenario file", s.path}};
    if (!s.portfolio.empty()) {
        inputs.emplace_back("portfolio", s.portfolio);
    }
    for (std::size_t i = 0; i < s.feeds.size(); ++i) {
        const feed_input& f = s.feeds[i];
        for (std::size_t j = 0; j < i; ++j) {
            if (same_file(f.recording, s.feeds[j].recording)) {
                return at("feeds", i) + ".recording: the same file as " + at("feeds", j) +
                       ".recording (each recording once)";
            }
        }
        for (std::size_t k = 0; k < f.symbols.size(); ++k) {
            const std::string& sym = f.symbols[k];
            const std::string w = at("feeds", i) + "." + at("symbols", k);
            if (sym.empty()) {
                return w + ": empty";
            }
            if (std::find(f.symbols.begin(), f.symbols.begin() + static_cast<std::ptrdiff_t>(k),
                          sym) != f.symbols.begin() + static_cast<std::ptrdiff_t>(k)) {
                return w + ": \"" + sym + "\" given twice";
            }
        }
        inputs.emplace_back(at("feeds", i) + ".recording", f.recording);
        for (std::size_t k = 0; k < f.instruments.size(); ++k) {
            inputs.emplace_back(at("feeds", i) + "." + at("instruments", k), f.instruments[k]);
        }
    }
    for (std::size_t i = 0; i < s.pools.size(); ++i) {
        const pool_input& p = s.pools[i];
        const std::string w = at("pools", i);
        for (std::size_t j = 0; j < i; ++j) {
            if (same_file(p.state, s.pools[j].state)) {
                return w + ".state: the same file as " + at("pools", j) + ".state";
            }
            if (p.venue == s.pools[j].venue && p.symbol == s.pools[j].symbol) {
                return w + ": " + p.venue + ":" + p.symbol + " is also " + at("pools", j);
            }
        }
        if (!is_quote(s, p.quote_token)) {
            return w + ".quote_token: \"" + p.quote_token +
                   "\" is not one of the quote currencies (quote_aliases)";
        }
        if (is_quote(s, p.base_token)) {
            return w + ".base_token: \"" + p.base_token +
                   "\" is a quote currency: base and quote are the wrong way round";
        }
        inputs.emplace_back(w + ".state", p.state);
    }
    for (std::size_t i = 0; i < s.live.feeds.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            if (s.live.feeds[i].venue == s.live.feeds[j].venue) {
                return at("live.feeds", i) + ".venue: \"" + s.live.feeds[i].venue + "\" is also " +
                       at("live.feeds", j) + " (one feed per venue)";
            }
        }
    }
    if (!s.journal.empty()) {
        for (const auto& [field, path] : inputs) {
            if (!path.empty() && same_file(s.journal, path)) {
                return "journal: the same file as " + field + " (the journal would overwrite it)";
            }
        }
    }
    return {};
}

} // namespace ballast::exec
