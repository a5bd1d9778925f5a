// The feed -> engine hand-off: feed's SPSC ring against moodycamel::ConcurrentQueue, two
// threads, one producer and one consumer, book-event-sized items (40 bytes), same binary.
// And the order journal's append under each fdatasync policy.
// ballast_exec_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include "exec/journal.hpp"
#include "feed/book_events.hpp"

#include <benchmark/benchmark.h>
#include <concurrentqueue/concurrentqueue.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace {

// The engine's own event: market time, TSC stamps (ring entry, frame read), price, size, slot
// and kind.
using event = ballast::feed::book_event;
static_assert(sizeof(event) == 48);

constexpr std::int64_t items_per_iteration = 1 << 20;

void BM_Queue_SpscRing(benchmark::State& state) {
    ballast::feed::spsc_ring<event> ring(static_cast<std::size_t>(state.range(0)));
    std::int64_t checksum = 0;
    for (auto _ : state) {
        std::thread producer([&] {
            for (std::int64_t i = 0; i < items_per_iteration; ++i) {
                event e;
                e.ts = i;
                e.px = i;
                while (!ring.try_push(e)) {
                }
            }
        });
        for (std::int64_t n = 0; n < items_per_iteration;) {
            const event* e = ring.front();
            if (e == nullptr) {
                continue;
            }
            checksum += e->px;
            ring.pop();
            ++n;
        }
        producer.join();
    }
    benchmark::DoNotOptimize(checksum);
    state.SetItemsProcessed(state.iterations() * items_per_iteration);
}
BENCHMARK(BM_Queue_SpscRing)->Arg(65536)->Arg(1024)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_Queue_Moodycamel(benchmark::State& state) {
    moodycamel::ConcurrentQueue<event> queue(static_cast<std::size_t>(state.range(0)));
    std::int64_t checksum = 0;
    for (auto _ : state) {
        std::thread producer([&] {
            moodycamel::ProducerToken token(queue);
            for (std::int64_t i = 0; i < items_per_iteration; ++i) {
                event e;
                e.ts = i;
                e.px = i;
                // try_enqueue: bounded like the ring (no allocation once the blocks exist).
                while (!queue.try_enqueue(token, e)) {
                }
            }
        });
        moodycamel::ConsumerToken token(queue);
        for (std::int64_t n = 0; n < items_per_iteration;) {
            event e;
            if (!queue.try_dequeue(token, e)) {
                continue;
            }
            checksum += e.px;
            ++n;
        }
        producer.join();
    }
    benchmark::DoNotOptimize(checksum);
    state.SetItemsProcessed(state.iterations() * items_per_iteration);
}
BENCHMARK(BM_Queue_Moodycamel)->Arg(65536)->Arg(1024)->UseRealTime()->Unit(benchmark::kMillisecond);

// The journal's append: one fill record (the longest an engine writes often), written with
// write(2), under each fdatasync policy; a temp file on the machine's disk. Per-record
// latencies are timed one by one: p50_ns and p99_ns counters beside the mean.
/// p50/p99 counters from per-call times.
void latency_counters(benchmark::State& state, std::vector<std::int64_t>& ns) {
    std::sort(ns.begin(), ns.end());
    if (!ns.empty()) {
        state.counters["p50_ns"] = static_cast<double>(ns[ns.size() / 2]);
        state.counters["p99_ns"] = static_cast<double>(ns[ns.size() * 99 / 100]);
    }
    state.SetItemsProcessed(state.iterations());
}

/// `gap`: a pause between records, outside the measured call (an engine's orders come
/// sporadically; a record after a pause pays the cold path and, with write(2), the file's mtime
/// update once per clock tick).
void pause_between(std::chrono::microseconds gap) {
    if (gap.count() > 0) {
        std::this_thread::sleep_for(gap);
    }
}

void BM_Journal_AppendFill(benchmark::State& state, ballast::exec::journal_sync policy,
                           bool background_sync, std::chrono::microseconds gap) {
    namespace exec = ballast::exec;
    const auto path = (std::filesystem::temp_directory_path() /
                       ("ballast_bench_journal_" + std::to_string(::getpid())))
                          .string();
    std::filesystem::remove(path);
    exec::journal j;
    exec::journal_options opt;
    opt.sync = policy;
    opt.group = 16;
    opt.background_sync = background_sync;
    if (auto err = j.open(path, opt)) {
        state.SkipWithError(err->c_str());
        return;
    }
    std::vector<std::int64_t> ns;
    ns.reserve(1 << 20);
    std::uint64_t id = 1;
    for (auto _ : state) {
        const auto t0 = std::chrono::steady_clock::now();
        const bool ok = j.filled(ballast::client_order_id{id}, "8412093377", ballast::qty(125),
                                 ballast::price(6512345), 8140.43125, 8.14043125,
                                 ballast::timestamp_ns{1'700'000'000'123'456'789});
        const auto t1 = std::chrono::steady_clock::now();
        benchmark::DoNotOptimize(ok);
        if (ns.size() < ns.capacity()) {
            ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
        }
        ++id;
        if (gap.count() > 0) {
            j.warm(); // as the engine does when idle
        }
        pause_between(gap);
    }
    if (j.failed()) {
        state.SkipWithError(j.error().c_str());
    }
    j.close();
    std::filesystem::remove(path);
    latency_counters(state, ns);
}
constexpr std::chrono::microseconds back_to_back{0};
constexpr std::chrono::microseconds paced{1000};
BENCHMARK_CAPTURE(BM_Journal_AppendFill, none, ballast::exec::journal_sync::none, true,
                  back_to_back)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Journal_AppendFill, grouped16, ballast::exec::journal_sync::grouped, true,
                  back_to_back)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Journal_AppendFill, grouped16_inline, ballast::exec::journal_sync::grouped,
                  false, back_to_back)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Journal_AppendFill, every, ballast::exec::journal_sync::every, true,
                  back_to_back)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Journal_AppendFill, none_paced_1ms, ballast::exec::journal_sync::none, true,
                  paced)
    ->Iterations(2000)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Journal_AppendFill, grouped16_paced_1ms, ballast::exec::journal_sync::grouped,
                  true, paced)
    ->Iterations(2000)
    ->UseRealTime();

/// The baseline: what a typical append log does, one write(2) of the same 130-byte line per
/// record to an O_APPEND file, and an fdatasync every `sync_every` records (0: never).
void BM_Journal_Write2Baseline(benchmark::State& state, int sync_every,
                               std::chrono::microseconds gap) {
    const auto path = (std::filesystem::temp_directory_path() /
                       ("ballast_bench_write2_" + std::to_string(::getpid())))
                          .string();
    std::filesystem::remove(path);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        state.SkipWithError("cannot open the baseline's file");
        return;
    }
    const std::string line = "12 fill 41 8412093377 125 6512345 8140.43125 8.14043125 "
                             "1700000000123456789 *0123abcd\n";
    std::vector<std::int64_t> ns;
    ns.reserve(1 << 20);
    std::int64_t n = 0;
    for (auto _ : state) {
        const auto t0 = std::chrono::steady_clock::now();
        bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
        if (sync_every > 0 && ++n % sync_every == 0) {
            ok = ok && ::fdatasync(fd) == 0;
        }
        const auto t1 = std::chrono::steady_clock::now();
        benchmark::DoNotOptimize(ok);
        if (ns.size() < ns.capacity()) {
            ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
        }
        pause_between(gap);
    }
    ::close(fd);
    std::filesystem::remove(path);
    latency_counters(state, ns);
}
BENCHMARK_CAPTURE(BM_Journal_Write2Baseline, none, 0, back_to_back)->UseRealTime();
BENCHMARK_CAPTURE(BM_Journal_Write2Baseline, grouped16, 16, back_to_back)->UseRealTime();
BENCHMARK_CAPTURE(BM_Journal_Write2Baseline, none_paced_1ms, 0, paced)
    ->Iterations(2000)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Journal_Write2Baseline, grouped16_paced_1ms, 16, paced)
    ->Iterations(2000)
    ->UseRealTime();

} // namespace

BENCHMARK_MAIN();
