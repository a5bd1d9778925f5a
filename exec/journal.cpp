#include "exec/journal.hpp"

#include "exec/crash_point.hpp"

#include <boost/crc.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <random>

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ballast::exec {

namespace {

// Bounds of the text fields (raw bytes; escaping at most triples them).
constexpr std::size_t max_symbol = 32;
constexpr std::size_t max_underlying = 32;
constexpr std::size_t max_quantity_text = 48;
constexpr std::size_t max_venue_order_id = 64;
constexpr std::size_t max_trade_id = 47; // exec_report::trade_id holds 47 bytes
constexpr std::size_t max_reason = 95;   // exec_report::reason holds 95 bytes
constexpr std::size_t max_fields = 16;
constexpr std::string_view torn_mark = " ~torn\n";

constexpr char hex_digit[] = "0123456789abcdef";

bool printable(unsigned char c) noexcept {
    return c > 0x20 && c < 0x7f && c != '%';
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

std::string_view type_text(order_type t) noexcept {
    return t == order_type::market ? "market" : "limit";
}
std::string_view tif_text(order_tif t) noexcept {
    switch (t) {
    case order_tif::gtc:
        return "gtc";
    case order_tif::ioc:
        return "ioc";
    case order_tif::fok:
        return "fok";
    case order_tif::post_only:
        return "post_only";
    }
    return "ioc";
}

std::string errno_text(int err) {
    return std::strerror(err);
}

} // namespace

std::uint32_t journal_crc32c(std::string_view bytes) noexcept {
    // Boost.CRC, parameterised as CRC-32C (Castagnoli polynomial, reflected, inverted).
    boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;
    crc.process_bytes(bytes.data(), bytes.size());
    return crc.checksum();
}

std::size_t journal_escape(std::string_view text, std::size_t max_bytes, char* out) noexcept {
    if (text.empty()) {
        out[0] = '%';
        return 1;
    }
    const std::size_t n = std::min(text.size(), max_bytes);
    std::size_t w = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (printable(c)) {
            out[w++] = static_cast<char>(c);
        } else {
            out[w++] = '%';
            out[w++] = hex_digit[c >> 4];
            out[w++] = hex_digit[c & 15];
        }
    }
    return w;
}

std::optional<std::string> journal_unescape(std::string_view field) {
    if (field == "%") {
        return std::string();
    }
    if (field.empty()) {
        return std::nullopt;
    }
    std::string s;
    s.reserve(field.size());
    for (std::size_t i = 0; i < field.size(); ++i) {
        const char c = field[i];
        if (c == '%') {
            if (i + 2 >= field.size()) {
                return std::nullopt;
            }
            const int hi = hex_value(field[i + 1]);
            const int lo = hex_value(field[i + 2]);
            if (hi < 0 || lo < 0) {
                return std::nullopt;
            }
            s.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else if (printable(static_cast<unsigned char>(c))) {
            s.push_back(c);
        } else {
            return std::nullopt;
        }
    }
    return s;
}

/// One record under construction in the journal's buffer. buf_[0] is kept free for the
/// newline that terminates a torn tail on open.
class journal::line {
  public:
    line(journal& j, std::string_view kind) noexcept
        : begin_(j.buf_ + torn_mark.size()), p_(begin_), end_(j.buf_ + sizeof j.buf_ - 16) {
        u(j.seq_ + 1);
        word(kind);
    }
    line& u(std::uint64_t v) noexcept {
        sep();
        p_ = std::to_chars(p_, end_, v).ptr;
        return *this;
    }
    line& i(std::int64_t v) noexcept {
        sep();
        p_ = std::to_chars(p_, end_, v).ptr;
        return *this;
    }
    line& d(double v) noexcept {
        sep();
        p_ = std::to_chars(p_, end_, v).ptr; // shortest text that reads back exactly
        return *this;
    }
    line& word(std::string_view w) noexcept {
        sep();
        std::memcpy(p_, w.data(), w.size());
        p_ += w.size();
        return *this;
    }
    line& ch(char c) noexcept {
        sep();
        *p_++ = c;
        return *this;
    }
    /// The source kind letter and index as one token ("b3").
    line& source(char kind, std::uint16_t index) noexcept {
        sep();
        *p_++ = kind;
        p_ = std::to_chars(p_, end_, index).ptr;
        return *this;
    }
    line& text(std::string_view t, std::size_t max) noexcept {
        sep();
        p_ += journal_escape(t, max, p_);
        return *this;
    }
    line& hex16(std::uint64_t v) noexcept {
        sep();
        for (int k = 15; k >= 0; --k) {
            *p_++ = hex_digit[(v >> (4 * k)) & 15];
        }
        return *this;
    }
    /// Appends " *<crc>\n"; the record's bytes.
    std::string_view finish() noexcept {
        const std::uint32_t crc = journal_crc32c({begin_, static_cast<std::size_t>(p_ - begin_)});
        *p_++ = ' ';
        *p_++ = '*';
        for (int k = 7; k >= 0; --k) {
            *p_++ = hex_digit[(crc >> (4 * k)) & 15];
        }
        *p_++ = '\n';
        return {begin_, static_cast<std::size_t>(p_ - begin_)};
    }
    char* begin() noexcept { return begin_; }

  private:
    void sep() noexcept {
        if (p_ != begin_) {
            *p_++ = ' ';
        }
    }
    char* begin_;
    char* p_;
    char* end_;
};

// --- reading ---------------------------------------------------------------------------------

namespace {

struct record_view {
    std::size_t line = 0;
    std::uint64_t seq = 0;
    std::string_view kind;
    std::array<std::string_view, max_fields> f{};
    std::size_t n = 0;
};

/// Parses one line (without its newline); false with `reason` when it is not a good record.
bool parse_record(std::string_view l, record_view& r, std::string& reason) {
    const auto star = l.rfind(" *");
    if (star == std::string_view::npos) {
        reason = "no checksum";
        return false;
    }
    if (l.size() != star + 2 + 8) {
        reason = "malformed checksum";
        return false;
    }
    std::uint32_t crc = 0;
    for (std::size_t k = star + 2; k < l.size(); ++k) {
        const int v = hex_value(l[k]);
        if (v < 0 || (l[k] >= 'A' && l[k] <= 'F')) {
            reason = "malformed checksum";
            return false;
        }
        crc = crc << 4 | static_cast<std::uint32_t>(v);
    }
    const std::string_view body = l.substr(0, star);
    if (journal_crc32c(body) != crc) {
        reason = "checksum mismatch";
        return false;
    }
    std::array<std::string_view, max_fields + 2> tok{};
    std::size_t nt = 0;
    std::size_t pos = 0;
    while (pos <= body.size()) {
        auto sp = body.find(' ', pos);
        if (sp == std::string_view::npos) {
            sp = body.size();
        }
        if (sp == pos || nt == tok.size()) {
            reason = sp == pos ? "empty field" : "too many fields";
            return false;
        }
        tok[nt++] = body.substr(pos, sp - pos);
        pos = sp + 1;
    }
    if (nt < 2) {
        reason = "no record kind";
        return false;
    }
    const auto [ptr, ec] = std::from_chars(tok[0].data(), tok[0].data() + tok[0].size(), r.seq);
    if (ec != std::errc() || ptr != tok[0].data() + tok[0].size()) {
        reason = "malformed sequence number";
        return false;
    }
    r.kind = tok[1];
    r.n = nt - 2;
    for (std::size_t k = 0; k < r.n; ++k) {
        r.f[k] = tok[k + 2];
    }
    return true;
}

struct scan_summary {
    std::string error; ///< "path:line: reason"
    std::uint64_t last_seq = 0;
    std::size_t good = 0;
    std::size_t torn = 0;
    bool unterminated = false; ///< the file does not end with a newline
};

/// Walks the records of `text`, applying the torn-record rule (see recover_journal), and
/// hands each good record to `on_record`, which returns an error reason or "".
template <class OnRecord>
scan_summary scan_journal(std::string_view text, const std::string& path, OnRecord&& on_record) {
    scan_summary s;
    auto where = [&](std::size_t line) { return path + ":" + std::to_string(line) + ": "; };
    std::size_t pos = 0;
    std::size_t line_no = 0;
    bool pending = false;
    std::size_t pending_line = 0;
    std::string pending_reason;
    while (pos < text.size()) {
        ++line_no;
        const auto nl = text.find('\n', pos);
        const bool terminated = nl != std::string_view::npos;
        const std::string_view l = text.substr(pos, (terminated ? nl : text.size()) - pos);
        pos = terminated ? nl + 1 : text.size();
        record_view r;
        r.line = line_no;
        std::string reason;
        bool good = terminated ? parse_record(l, r, reason) : false;
        if (!terminated) {
            reason = "torn record (no newline)";
        }
        if (good && r.seq != s.last_seq + 1) {
            good = false;
            reason = "sequence " + std::to_string(r.seq) + " after " + std::to_string(s.last_seq);
        }
        if (pending) {
            // Only a session start (or the header of a file whose first write tore) that
            // continues the sequence makes the bad record before it a torn one.
            const bool restart =
                good && (r.kind == "session" || (s.last_seq == 0 && r.kind == "journal"));
            if (!restart) {
                s.error = where(pending_line) +
                          (s.good == 0 ? "not a journal (" + pending_reason + ")" : pending_reason);
                return s;
            }
            ++s.torn;
            pending = false;
        }
        if (!good) {
            pending = true;
            pending_line = line_no;
            pending_reason = reason;
            continue;
        }
        if ((s.last_seq == 0) != (r.kind == "journal")) {
            s.error = where(line_no) +
                      (s.last_seq == 0 ? "the first record is not the header" : "a second header");
            return s;
        }
        std::string err = on_record(r);
        if (!err.empty()) {
            s.error = where(line_no) + err;
            return s;
        }
        s.last_seq = r.seq;
        ++s.good;
    }
    if (pending) {
        ++s.torn; // the last line: a write the crash cut short
    }
    s.unterminated = !text.empty() && text.back() != '\n';
    return s;
}

bool read_all(int fd, std::string& out, int& err) {
    out.clear();
    char chunk[65536];
    off_t off = 0;
    for (;;) {
        const ssize_t n = ::pread(fd, chunk, sizeof chunk, off);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            err = errno;
            return false;
        }
        if (n == 0) {
            // A journal's reserved space (journal::reserve) reads as NUL bytes when the process
            // that wrote it died before closing it: it holds no record.
            while (!out.empty() && out.back() == '\0') {
                out.pop_back();
            }
            return true;
        }
        out.append(chunk, static_cast<std::size_t>(n));
        off += n;
    }
}

template <class T> bool parse_int(std::string_view s, T& v) {
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && ptr == s.data() + s.size();
}

bool parse_double(std::string_view s, double& v) {
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && ptr == s.data() + s.size();
}

bool parse_hex64(std::string_view s, std::uint64_t& v) {
    if (s.size() != 16) {
        return false;
    }
    v = 0;
    for (char c : s) {
        const int h = hex_value(c);
        if (h < 0) {
            return false;
        }
        v = v << 4 | static_cast<std::uint64_t>(h);
    }
    return true;
}

bool parse_side(std::string_view s, side& out) {
    if (s == "b" || s == "a") {
        out = s == "b" ? side::bid : side::ask;
        return true;
    }
    return false;
}

/// Field counts per record kind.
std::size_t fields_of(std::string_view kind) noexcept {
    static constexpr std::pair<std::string_view, std::size_t> table[] = {
        {"journal", 2}, {"session", 2}, {"parent", 4},     {"submit", 14},     {"sent", 3},
        {"ack", 3},     {"fill", 7},    {"cancel_req", 2}, {"canceled", 2},    {"rejected", 4},
        {"unknown", 3}, {"status", 4},  {"not_found", 2},  {"recon_start", 2}, {"recon_end", 2},
    };
    for (const auto& [k, n] : table) {
        if (k == kind) {
            return n;
        }
    }
    return 0;
}

} // namespace

// --- writing ---------------------------------------------------------------------------------

journal::~journal() {
    close();
}

std::optional<std::string> journal::open(const std::string& path, journal_options options) {
    close();
    failed_ = false;
    error_.clear();
    records_ = 0;
    torn_on_open_ = 0;
    seq_ = 0;
    tag_ = 0;
    last_order_id_ = 0;
    unsynced_ = 0;
    path_ = path;
    policy_ = options.sync;
    group_ = options.group == 0 ? 1 : options.group;
    reserve_ = std::max<std::size_t>(options.reserve_bytes, 1);
    page_ = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));

    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        return "journal: cannot open " + path + ": " + errno_text(errno);
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return "journal: " + path + " is not a regular file";
    }
    std::string text;
    int err = 0;
    // An open-file-description lock: exclusive against every other open of the file, in this
    // process too (a classic POSIX lock would not see a second open by the same process).
    struct flock lk {};
    lk.l_type = F_WRLCK;
    lk.l_whence = SEEK_SET;
    if (::fcntl(fd, F_OFD_SETLK, &lk) != 0) {
        const int lerr = errno;
        std::string holder;
        if ((lerr == EAGAIN || lerr == EACCES) && read_all(fd, text, err)) {
            // The holder's pid is in its session-start record (OFD locks do not report it).
            std::int64_t pid = 0;
            (void)scan_journal(text, path, [&](const record_view& r) {
                if (r.kind == "session" && r.n == 2) {
                    (void)parse_int(r.f[0], pid);
                }
                return std::string();
            });
            holder = pid > 0 ? " (pid " + std::to_string(pid) + ")" : std::string();
        }
        ::close(fd);
        if (lerr == EAGAIN || lerr == EACCES) {
            busy_ = true;
            return "journal " + path + " is in use by another engine" + holder;
        }
        return "journal: cannot lock " + path + ": " + errno_text(lerr);
    }
    if (!read_all(fd, text, err)) {
        ::close(fd);
        return "journal: cannot read " + path + ": " + errno_text(err);
    }
    const scan_summary s = scan_journal(text, path, [&](const record_view& r) -> std::string {
        if (r.kind == "journal") {
            int version = 0;
            if (r.n != 2 || !parse_int(r.f[0], version) || !parse_hex64(r.f[1], tag_)) {
                return "malformed header";
            }
            if (version != format_version) {
                return "journal format version " + std::to_string(version) + ", this build reads " +
                       std::to_string(format_version);
            }
        } else if (r.kind == "submit") {
            std::uint64_t id = 0;
            if (r.n < 1 || !parse_int(r.f[0], id)) {
                return "malformed submit";
            }
            last_order_id_ = std::max(last_order_id_, id);
        }
        return {};
    });
    if (!s.error.empty()) {
        ::close(fd);
        return "journal: " + s.error;
    }
    // Records are appended after the last byte of the last record; what a crash left reserved
    // beyond it goes.
    if ((::fstat(fd, &st) != 0 || st.st_size > static_cast<off_t>(text.size())) &&
        ::ftruncate(fd, static_cast<off_t>(text.size())) != 0) {
        const int terr = errno;
        ::close(fd);
        return "journal: cannot cut the reserved tail of " + path + ": " + errno_text(terr);
    }
    fd_ = fd;
    end_ = text.size();
    seq_ = s.last_seq;
    torn_on_open_ = s.torn;
    const bool creating = s.good == 0;
    // A torn tail gets a mark that spoils any checksum it may hold, then its newline: the next
    // record starts clean and the torn one can never read as good.
    std::size_t prefix = s.unterminated ? torn_mark.size() : 0;
    if (creating) {
        tag_ = options.random
                   ? options.random()
                   : (std::uint64_t{std::random_device{}()} << 32 | std::random_device{}());
        line h(*this, "journal");
        h.u(static_cast<std::uint64_t>(format_version)).hex16(tag_);
        const std::string_view rec = h.finish();
        std::memcpy(h.begin() - prefix, torn_mark.data() + torn_mark.size() - prefix, prefix);
        if (!write_all(rec.data() - prefix, rec.size() + prefix)) {
            const std::string e = error_;
            close();
            return e;
        }
        ++seq_;
        ++records_;
        prefix = 0;
    }
    std::int64_t wall = 0;
    if (options.wall_clock_ns) {
        wall = options.wall_clock_ns();
    } else {
        timespec ts{};
        ::clock_gettime(CLOCK_REALTIME, &ts);
        wall = std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
    }
    line l(*this, "session");
    l.i(options.pid != 0 ? options.pid : static_cast<std::int64_t>(::getpid())).i(wall);
    const std::string_view rec = l.finish();
    std::memcpy(l.begin() - prefix, torn_mark.data() + torn_mark.size() - prefix, prefix);
    if (!write_all(rec.data() - prefix, rec.size() + prefix) ||
        (policy_ != journal_sync::none && ::fdatasync(fd_) != 0 && fail("fdatasync", errno))) {
        const std::string e = error_;
        close();
        return e;
    }
    ++seq_;
    ++records_;
    if (creating && policy_ != journal_sync::none) {
        // The new file's directory entry must survive a crash of the machine too.
        const auto dir = std::filesystem::absolute(path).parent_path();
        const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            (void)::fsync(dfd);
            ::close(dfd);
        }
    }
    if (policy_ == journal_sync::grouped && options.background_sync) {
        appended_.store(records_, std::memory_order_relaxed);
        syncer_ = std::thread([this] {
            ::pthread_setname_np(::pthread_self(), "ballast-journal");
            sync_loop();
        });
    }
    return std::nullopt;
}

void journal::sync_loop() noexcept {
    std::uint64_t synced = appended_.load(std::memory_order_acquire);
    while (!syncer_stop_.load(std::memory_order_acquire)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        const std::uint64_t appended = appended_.load(std::memory_order_acquire);
        if (appended - synced < group_) {
            continue;
        }
        if (::fdatasync(fd_) != 0) {
            if (errno == EINTR) {
                continue;
            }
            sync_errno_.store(errno, std::memory_order_release);
            return;
        }
        syncs_.fetch_add(1, std::memory_order_release);
        synced = appended;
    }
}

void journal::stop_syncer() noexcept {
    if (syncer_.joinable()) {
        syncer_stop_.store(true, std::memory_order_release);
        syncer_.join();
    }
    syncer_stop_.store(false, std::memory_order_relaxed);
    sync_errno_.store(0, std::memory_order_relaxed);
}

void journal::close() noexcept {
    stop_syncer();
    unmap();
    if (fd_ >= 0) {
        // The file ends at its last record again (the reserved space goes).
        (void)::ftruncate(fd_, static_cast<off_t>(end_));
        if (!failed_ && unsynced_ > 0 && policy_ != journal_sync::none) {
            (void)::fdatasync(fd_);
        }
        ::close(fd_); // releases the lock
        fd_ = -1;
    }
    unsynced_ = 0;
}

bool journal::fail(const char* what, int err) noexcept {
    if (!failed_) {
        failed_ = true;
        error_ = "journal " + path_ + ": " + what + ": " + errno_text(err);
    }
    return true;
}

bool journal::write_all(const char* p, std::size_t n) noexcept {
    if (fd_ < 0 || failed_) {
        return false;
    }
    if (end_ + n > map_off_ + map_len_ && !reserve(n)) {
        return false;
    }
    std::memcpy(map_ + (end_ - map_off_), p, n);
    end_ += n;
    return true;
}

void journal::unmap() noexcept {
    if (map_ != nullptr) {
        ::munmap(map_, map_len_);
        map_ = nullptr;
        map_len_ = 0;
    }
}

bool journal::reserve(std::size_t n) noexcept {
    unmap();
    const std::size_t page = page_;
    map_off_ = end_ / page * page;
    const std::size_t want = end_ - map_off_ + std::max(n, reserve_);
    const std::size_t len = (want + page - 1) / page * page;
    // Blocks allocated up front: a full disk is an error here, never a SIGBUS on a store into
    // the mapping.
    if (const int e = ::posix_fallocate(fd_, static_cast<off_t>(map_off_), static_cast<off_t>(len));
        e != 0) {
        fail("reserving space", e);
        return false;
    }
    void* m =
        ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, static_cast<off_t>(map_off_));
    if (m == MAP_FAILED) {
        fail("mmap", errno);
        return false;
    }
    map_ = static_cast<char*>(m);
    map_len_ = len;
    warmed_to_ = 0; // a new mapping: nothing in it is writable yet
    return true;
}

bool journal::append(line& l) noexcept {
    const std::string_view rec = l.finish();
    if (crash_hit(crash_point::mid_write)) {
        // Recovery tests: half the record reaches the file, then the process dies.
        (void)write_all(rec.data(), rec.size() / 2);
        crash_detail::die();
    }
    if (!write_all(rec.data(), rec.size())) {
        return false;
    }
    ++seq_;
    ++records_;
    ++unsynced_;
    if (policy_ == journal_sync::grouped && syncer_.joinable()) {
        if (const int e = sync_errno_.load(std::memory_order_acquire); e != 0) {
            fail("fdatasync", e);
            return false;
        }
        appended_.store(records_, std::memory_order_release);
        return true;
    }
    if (policy_ == journal_sync::every ||
        (policy_ == journal_sync::grouped && unsynced_ >= group_)) {
        return sync();
    }
    return true;
}

bool journal::sync() noexcept {
    if (fd_ < 0 || failed_) {
        return false;
    }
    if (policy_ == journal_sync::none || unsynced_ == 0) {
        return true;
    }
    while (::fdatasync(fd_) != 0) {
        if (errno != EINTR) {
            fail("fdatasync", errno);
            return false;
        }
    }
    syncs_.fetch_add(1, std::memory_order_release);
    unsynced_ = 0;
    return true;
}

void journal::warm() noexcept {
    if (map_ == nullptr || failed_) {
        return;
    }
    constexpr std::size_t pages_ahead = 4;
    const std::size_t page = page_;
    const std::uint64_t syncs = syncs_.load(std::memory_order_acquire);
    if (syncs == warmed_syncs_ && end_ + page <= warmed_to_) {
        return; // still a page of writable space ahead, and no sync made it read-only
    }
    const std::size_t from = end_ / page * page;
    const std::size_t to = std::min(map_off_ + map_len_, from + pages_ahead * page);
    // Errors are ignored: an older kernel without MADV_POPULATE_WRITE only loses the warming.
    if (to > from) {
        (void)::madvise(map_ + (from - map_off_), to - from, MADV_POPULATE_WRITE);
    }
    warmed_to_ = to;
    warmed_syncs_ = syncs;
}

bool journal::number_and_time(std::string_view kind, std::uint64_t n, timestamp_ns t) noexcept {
    line l(*this, kind);
    l.u(n).i(t.ns);
    return append(l);
}

bool journal::parent_created(std::uint32_t index, std::string_view underlying, side s,
                             std::string_view quantity_text) noexcept {
    line l(*this, "parent");
    l.u(index)
        .text(underlying, max_underlying)
        .ch(s == side::bid ? 'b' : 'a')
        .text(quantity_text, max_quantity_text);
    return append(l);
}

bool journal::submitted(const order& o, const submit_detail& d) noexcept {
    if (fd_ < 0 || failed_ || o.id.value <= last_order_id_) {
        return false;
    }
    line l(*this, "submit");
    l.u(o.id.value).u(o.parent).u(o.venue.value).u(o.instrument.value);
    l.source(o.kind == router::source_kind::book ? 'b' : 'p', o.source);
    l.text(d.symbol, max_symbol)
        .ch(o.order_side == side::bid ? 'b' : 'a')
        .word(type_text(d.type))
        .word(tif_text(d.tif))
        .word(o.tif == time_in_force::ioc ? "ioc" : "mlimit")
        .i(o.quantity.value())
        .i(o.limit.value())
        .d(o.limit_price)
        .i(o.created.ns);
    if (!append(l)) {
        return false;
    }
    last_order_id_ = o.id.value;
    return true;
}

bool journal::sent(client_order_id id, std::size_t bytes, timestamp_ns t) noexcept {
    line l(*this, "sent");
    l.u(id.value).u(bytes).i(t.ns);
    return append(l);
}

bool journal::acknowledged(client_order_id id, std::string_view venue_order_id,
                           timestamp_ns t) noexcept {
    line l(*this, "ack");
    l.u(id.value).text(venue_order_id, max_venue_order_id).i(t.ns);
    return append(l);
}

bool journal::filled(client_order_id id, std::string_view trade_id, qty q, price px,
                     double notional_quote, double fee_quote, timestamp_ns t) noexcept {
    line l(*this, "fill");
    l.u(id.value)
        .text(trade_id, max_trade_id)
        .i(q.value())
        .i(px.value())
        .d(notional_quote)
        .d(fee_quote)
        .i(t.ns);
    return append(l);
}

bool journal::cancel_requested(client_order_id id, timestamp_ns t) noexcept {
    return number_and_time("cancel_req", id.value, t);
}

bool journal::canceled(client_order_id id, timestamp_ns t) noexcept {
    return number_and_time("canceled", id.value, t);
}

bool journal::rejected(client_order_id id, std::int64_t venue_code, std::string_view reason,
                       timestamp_ns t) noexcept {
    line l(*this, "rejected");
    l.u(id.value).i(venue_code).text(reason, max_reason).i(t.ns);
    return append(l);
}

bool journal::unknown_outcome(client_order_id id, std::string_view reason,
                              timestamp_ns t) noexcept {
    line l(*this, "unknown");
    l.u(id.value).text(reason, max_reason).i(t.ns);
    return append(l);
}

bool journal::query_answer(client_order_id id, order_state state, qty cum_qty,
                           timestamp_ns t) noexcept {
    line l(*this, "status");
    l.u(id.value).word(to_string(state)).i(cum_qty.value()).i(t.ns);
    return append(l);
}

bool journal::not_found(client_order_id id, timestamp_ns t) noexcept {
    return number_and_time("not_found", id.value, t);
}

bool journal::reconcile_start(venue_id v, timestamp_ns t) noexcept {
    return number_and_time("recon_start", v.value, t);
}

bool journal::reconcile_end(venue_id v, timestamp_ns t) noexcept {
    return number_and_time("recon_end", v.value, t);
}

// --- recovery --------------------------------------------------------------------------------

namespace {

std::optional<order_state> parse_state(std::string_view s) {
    for (auto st :
         {order_state::new_order, order_state::acknowledged, order_state::partially_filled,
          order_state::filled, order_state::canceled, order_state::rejected}) {
        if (to_string(st) == s) {
            return st;
        }
    }
    return std::nullopt;
}

std::optional<order_type> parse_type(std::string_view s) {
    if (s == "limit") {
        return order_type::limit;
    }
    if (s == "market") {
        return order_type::market;
    }
    return std::nullopt;
}

std::optional<order_tif> parse_tif(std::string_view s) {
    for (auto t : {order_tif::gtc, order_tif::ioc, order_tif::fok, order_tif::post_only}) {
        if (tif_text(t) == s) {
            return t;
        }
    }
    return std::nullopt;
}

} // namespace

recovery_result recover_journal(const std::string& path, oms& out) {
    recovery_result r;
    if (!out.orders().empty()) {
        r.error = path + ": recovery needs an empty OMS";
        return r;
    }
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        r.error = path + ": cannot open: " + errno_text(errno);
        return r;
    }
    std::string text;
    int err = 0;
    const bool read_ok = read_all(fd, text, err);
    ::close(fd);
    if (!read_ok) {
        r.error = path + ": cannot read: " + errno_text(err);
        return r;
    }
    std::map<std::uint32_t, std::int64_t> lots;
    std::map<std::pair<std::uint16_t, std::uint32_t>, recovered_cash> cash;
    std::map<std::uint16_t, bool> reconciling;

    auto apply = [&](const record_view& v) -> std::string {
        const std::string_view k = v.kind;
        const std::size_t want = fields_of(k);
        if (want == 0) {
            return "unknown record kind '" + std::string(k) + "'";
        }
        if (v.n != want) {
            return std::string(k) + ": " + std::to_string(v.n) + " fields, expected " +
                   std::to_string(want);
        }
        const auto bad = [&](std::string_view field) {
            return std::string(k) + ": malformed " + std::string(field);
        };
        if (k == "journal") {
            int version = 0;
            if (!parse_int(v.f[0], version) || version != journal::format_version) {
                return bad("version");
            }
            return parse_hex64(v.f[1], r.tag) ? std::string() : bad("tag");
        }
        if (k == "session") {
            std::int64_t pid = 0;
            std::int64_t wall = 0;
            if (!parse_int(v.f[0], pid) || !parse_int(v.f[1], wall)) {
                return bad("pid or time");
            }
            ++r.sessions;
            return {};
        }
        if (k == "parent") {
            recovered_parent p;
            auto u = journal_unescape(v.f[1]);
            auto q = journal_unescape(v.f[3]);
            if (!parse_int(v.f[0], p.index) || !u || !parse_side(v.f[2], p.parent_side) || !q) {
                return bad("field");
            }
            p.underlying = std::move(*u);
            p.quantity_text = std::move(*q);
            r.parents.push_back(std::move(p));
            return {};
        }
        if (k == "recon_start" || k == "recon_end") {
            std::uint16_t venue = 0;
            std::int64_t t = 0;
            if (!parse_int(v.f[0], venue) || !parse_int(v.f[1], t)) {
                return bad("venue or time");
            }
            reconciling[venue] = k == "recon_start";
            return {};
        }
        std::uint64_t id_value = 0;
        if (!parse_int(v.f[0], id_value)) {
            return bad("order id");
        }
        const client_order_id id{id_value};
        if (k == "submit") {
            order o;
            std::int64_t src = 0;
            std::int64_t q = 0;
            std::int64_t lim = 0;
            std::int64_t t = 0;
            std::uint16_t venue = 0;
            std::uint32_t instrument = 0;
            auto symbol = journal_unescape(v.f[5]);
            const auto type = parse_type(v.f[7]);
            const auto tif = parse_tif(v.f[8]);
            const std::string_view src_text = v.f[4];
            if (!parse_int(v.f[1], o.parent) || !parse_int(v.f[2], venue) ||
                !parse_int(v.f[3], instrument) || src_text.size() < 2 ||
                (src_text[0] != 'b' && src_text[0] != 'p') || !parse_int(src_text.substr(1), src) ||
                src < 0 || src > 0xffff || !symbol || !parse_side(v.f[6], o.order_side) || !type ||
                !tif || (v.f[9] != "ioc" && v.f[9] != "mlimit") || !parse_int(v.f[10], q) ||
                !parse_int(v.f[11], lim) || !parse_double(v.f[12], o.limit_price) ||
                !parse_int(v.f[13], t)) {
                return bad("field");
            }
            if (id != out.next_id()) {
                return "submit: order id " + std::to_string(id.value) + " out of sequence (next " +
                       std::to_string(out.next_id().value) + ")";
            }
            o.venue = venue_id{venue};
            o.instrument = instrument_id{instrument};
            o.kind = src_text[0] == 'b' ? router::source_kind::book : router::source_kind::pool;
            o.source = static_cast<std::uint16_t>(src);
            o.tif = v.f[9] == "ioc" ? time_in_force::ioc : time_in_force::marketable_limit;
            o.quantity = qty(q);
            o.limit = price(lim);
            o.created = timestamp_ns{t};
            const oms_error e = out.add(o);
            if (e != oms_error::ok) {
                return "submit: order " + std::to_string(id.value) + ": " +
                       std::string(to_string(e));
            }
            recovered_order ro;
            ro.id = id;
            ro.symbol = std::move(*symbol);
            ro.type = *type;
            ro.tif = *tif;
            r.orders.push_back(std::move(ro));
            return {};
        }
        order* o = out.find(id);
        if (o == nullptr) {
            return std::string(k) + ": no order " + std::to_string(id.value);
        }
        recovered_order& ro = r.orders[id.value - 1];
        std::int64_t t = 0;
        if (!parse_int(v.f[v.n - 1], t)) {
            return bad("time");
        }
        oms_error e = oms_error::ok;
        if (k == "sent") {
            std::uint64_t bytes = 0;
            if (!parse_int(v.f[1], bytes)) {
                return bad("bytes");
            }
            ro.sent = true;
        } else if (k == "ack") {
            auto voi = journal_unescape(v.f[1]);
            if (!voi) {
                return bad("venue order id");
            }
            ro.venue_order_id = std::move(*voi);
            e = out.acknowledge(id);
        } else if (k == "fill") {
            auto trade = journal_unescape(v.f[1]);
            std::int64_t q = 0;
            std::int64_t px = 0;
            double notional = 0.0;
            double fee = 0.0;
            if (!trade || !parse_int(v.f[2], q) || !parse_int(v.f[3], px) ||
                !parse_double(v.f[4], notional) || !parse_double(v.f[5], fee)) {
                return bad("field");
            }
            if (!trade->empty() &&
                !r.booked_trades.insert({o->venue.value, id.value, *trade}).second) {
                return "fill: trade id " + *trade + " booked twice for order " +
                       std::to_string(id.value) + " on venue " + std::to_string(o->venue.value);
            }
            e = out.fill(id, qty(q), notional, fee);
            if (e == oms_error::ok) {
                const bool bid = o->order_side == side::bid;
                lots[o->instrument.value] += bid ? q : -q;
                recovered_cash& c = cash[{o->venue.value, o->instrument.value}];
                c.venue = o->venue;
                c.instrument = o->instrument;
                c.notional_quote += bid ? -notional : notional;
                c.fee_quote += fee;
            }
        } else if (k == "cancel_req") {
            ro.cancel_requested = true;
        } else if (k == "canceled") {
            e = out.cancel(id);
        } else if (k == "rejected") {
            std::int64_t code = 0;
            if (!parse_int(v.f[1], code) || !journal_unescape(v.f[2])) {
                return bad("field");
            }
            e = out.reject(id);
        } else if (k == "unknown") {
            if (!journal_unescape(v.f[1])) {
                return bad("reason");
            }
            ro.outcome_unknown = true;
        } else if (k == "status") {
            const auto st = parse_state(v.f[1]);
            std::int64_t cum = 0;
            if (!st || !parse_int(v.f[2], cum)) {
                return bad("field");
            }
            ro.outcome_unknown = false;
            // The venue's word settles the state; its fills arrive as fill records.
            if (o->state == order_state::new_order && *st != order_state::new_order &&
                *st != order_state::rejected) {
                e = out.acknowledge(id);
            }
            if (e == oms_error::ok && !is_final(o->state)) {
                if (*st == order_state::canceled) {
                    e = out.cancel(id);
                } else if (*st == order_state::rejected) {
                    e = out.reject(id);
                }
            }
        } else if (k == "not_found") {
            ro.not_found = true;
            ro.outcome_unknown = false;
            if (!is_final(o->state)) {
                e = out.reject(id); // the venue never saw it: it is not working anywhere
            }
        }
        if (e != oms_error::ok) {
            return std::string(k) + ": order " + std::to_string(id.value) + ": " +
                   std::string(to_string(e));
        }
        return {};
    };

    const scan_summary s = scan_journal(text, path, apply);
    if (!s.error.empty()) {
        r.error = s.error;
        return r;
    }
    if (s.good == 0) {
        r.error = path + ": no journal header";
        return r;
    }
    r.records = s.good;
    r.torn_records = s.torn;
    r.last_sequence = s.last_seq;
    for (const auto& [inst, l] : lots) {
        r.position_lots.emplace_back(instrument_id{inst}, l);
    }
    for (const auto& [key, c] : cash) {
        r.cash.push_back(c);
    }
    for (const auto& [venue, open] : reconciling) {
        if (open) {
            r.reconcile_unfinished.push_back(venue_id{venue});
        }
    }
    for (const order& o : out.orders()) {
        if (!is_final(o.state)) {
            r.needs_reconcile.push_back(o.id);
            if (!r.orders[o.id.value - 1].sent) {
                r.never_sent.push_back(o.id);
            }
        }
    }
    r.open_orders = out.open_orders();
    return r;
}

} // namespace ballast::exec
