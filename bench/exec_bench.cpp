// The feed -> engine hand-off: feed's SPSC ring against moodycamel::ConcurrentQueue, two
// threads, one producer and one consumer, book-event-sized items (40 bytes), same binary.
// ballast_exec_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include "feed/book_events.hpp"

#include <benchmark/benchmark.h>
#include <concurrentqueue/concurrentqueue.h>

#include <cstdint>
#include <thread>

namespace {

// The engine's own event: market time, TSC stamp, price, size, slot and kind.
using event = ballast::feed::book_event;
static_assert(sizeof(event) == 40);

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

} // namespace

BENCHMARK_MAIN();
