#pragma once
// Replaces the global operator new/delete with versions that count allocations made by the
// current thread while it is watching. Include from exactly one source file of an executable
// (replacement functions must be defined once, and not inline).
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace ballast::alloc_test {

inline thread_local bool watching = false;
inline std::atomic<std::uint64_t> watched{0};

/// Counts the allocations of the calling thread between construction and destruction.
class watch {
  public:
    watch() noexcept : start_(watched.load()) { watching = true; }
    ~watch() { watching = false; }
    watch(const watch&) = delete;
    watch& operator=(const watch&) = delete;
    [[nodiscard]] std::uint64_t allocations() const noexcept { return watched.load() - start_; }

  private:
    std::uint64_t start_;
};

inline void count() noexcept {
    if (watching) {
        watched.fetch_add(1, std::memory_order_relaxed);
    }
}

} // namespace ballast::alloc_test

void* operator new(std::size_t n) {
    ballast::alloc_test::count();
    if (void* p = std::malloc(n == 0 ? 1 : n)) {
        return p;
    }
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
    return ::operator new(n);
}
void* operator new(std::size_t n, std::align_val_t a) {
    ballast::alloc_test::count();
    const auto al = static_cast<std::size_t>(a);
    if (void* p = std::aligned_alloc(al, (n + al - 1) / al * al)) {
        return p;
    }
    throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) {
    return ::operator new(n, a);
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    ballast::alloc_test::count();
    return std::malloc(n == 0 ? 1 : n);
}
// These deletes free what the replaced operator new took from malloc: GCC cannot see that the
// pairing is this file's own and warns (-Wmismatched-new-delete) where it inlines a delete.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}
#pragma GCC diagnostic pop
