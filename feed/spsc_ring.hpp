#pragma once
/// A bounded single-producer single-consumer ring: the hand-off between a feed thread and the
/// engine thread. Lock-free, allocation-free after construction.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace ballast::feed {

/// Keeps the producer's and the consumer's lines apart (64 bytes on every x86-64 we run on;
/// std::hardware_destructive_interference_size warns as ABI-unstable under GCC).
inline constexpr std::size_t cache_line = 64;

/// SPSC ring of `T` with a power-of-two capacity. Each side owns one index on its own cache
/// line and keeps a cached copy of the other side's index, so the shared line is read only
/// when the cached copy says the ring looks full (producer) or empty (consumer).
template <class T> class spsc_ring {
    static_assert(std::is_nothrow_move_constructible_v<T> && std::is_nothrow_destructible_v<T>,
                  "elements move without throwing (the hot path never throws)");

  public:
    /// Setup only: allocates `capacity` slots (rounded up to a power of two, at least 2).
    explicit spsc_ring(std::size_t capacity) {
        std::size_t c = 2;
        while (c < capacity) {
            c <<= 1;
        }
        mask_ = c - 1;
        slots_ = std::allocator<T>().allocate(c);
    }
    ~spsc_ring() {
        while (front() != nullptr) {
            pop();
        }
        std::allocator<T>().deallocate(slots_, mask_ + 1);
    }
    spsc_ring(const spsc_ring&) = delete;
    spsc_ring& operator=(const spsc_ring&) = delete;

    /// Producer: false when the ring is full (the caller decides how to back off).
    template <class... Args> [[nodiscard]] bool try_emplace(Args&&... args) noexcept {
        const std::size_t head = head_.load(std::memory_order_relaxed);
        if (head - tail_cached_ > mask_) {
            // Acquire pairs with the consumer's release in pop(): the slot is free to reuse.
            tail_cached_ = tail_.load(std::memory_order_acquire);
            if (head - tail_cached_ > mask_) {
                return false;
            }
        }
        ::new (static_cast<void*>(&slots_[head & mask_])) T(std::forward<Args>(args)...);
        // Release publishes the constructed element before the consumer can see the index.
        head_.store(head + 1, std::memory_order_release);
        return true;
    }
    [[nodiscard]] bool try_push(const T& v) noexcept { return try_emplace(v); }
    [[nodiscard]] bool try_push(T&& v) noexcept { return try_emplace(std::move(v)); }

    /// Consumer: the oldest element, nullptr when empty. Valid until pop().
    [[nodiscard]] T* front() noexcept {
        const std::size_t tail = tail_.load(std::memory_order_relaxed);
        if (tail == head_cached_) {
            head_cached_ = head_.load(std::memory_order_acquire);
            if (tail == head_cached_) {
                return nullptr;
            }
        }
        return &slots_[tail & mask_];
    }
    /// Consumer: drops the element front() returned. Precondition: front() != nullptr.
    void pop() noexcept {
        const std::size_t tail = tail_.load(std::memory_order_relaxed);
        slots_[tail & mask_].~T();
        tail_.store(tail + 1, std::memory_order_release);
    }
    /// Consumer: moves the oldest element out; false when empty.
    [[nodiscard]] bool try_pop(T& out) noexcept {
        T* p = front();
        if (p == nullptr) {
            return false;
        }
        out = std::move(*p);
        pop();
        return true;
    }

    [[nodiscard]] std::size_t capacity() const noexcept { return mask_ + 1; }
    /// Approximate when the other side is active.
    [[nodiscard]] std::size_t size() const noexcept {
        return head_.load(std::memory_order_acquire) - tail_.load(std::memory_order_acquire);
    }
    [[nodiscard]] bool empty() const noexcept { return size() == 0; }

  private:
    // Read-mostly configuration, shared by both sides.
    std::size_t mask_ = 0;
    T* slots_ = nullptr;
    // Producer line: its index and its cached view of the consumer.
    alignas(cache_line) std::atomic<std::size_t> head_{0};
    std::size_t tail_cached_ = 0;
    // Consumer line: its index and its cached view of the producer.
    alignas(cache_line) std::atomic<std::size_t> tail_{0};
    std::size_t head_cached_ = 0;
    // Keeps the next object off the consumer's line.
    alignas(cache_line) char pad_[1] = {};
};

} // namespace ballast::feed
