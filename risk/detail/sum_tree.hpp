#pragma once
// A fixed-shape pairwise sum over a fixed number of leaves: every inner node holds the sum of
// its two children, so changing one leaf re-adds only its log2(n) ancestors, and the root is a
// pure function of the leaves. Built from scratch or updated leaf by leaf, it holds the same
// bits: incremental sums cannot drift from a full recomputation.

#include <cstddef>
#include <vector>

namespace ballast::risk::detail {

/// Sum of `leaves()` values of `T` (any type with `+=`), updated in O(log n) per leaf.
template <typename T> class sum_tree {
  public:
    /// Sets the number of leaves (setup: allocates), keeping the existing ones; re-sums.
    void resize(std::size_t leaves) {
        std::size_t cap = 1;
        while (cap < leaves) {
            cap *= 2;
        }
        std::vector<T> nodes(2 * cap);
        for (std::size_t i = 0; i < leaves_ && i < leaves; ++i) {
            nodes[cap + i] = nodes_[cap_ + i];
        }
        nodes_ = std::move(nodes);
        cap_ = cap;
        leaves_ = leaves;
        rebuild();
    }
    [[nodiscard]] std::size_t leaves() const noexcept { return leaves_; }

    /// Sets a leaf and re-adds its ancestors. The running sum stays in registers (only the
    /// siblings are read), added in rebuild()'s order: left child + right child.
    void set(std::size_t leaf, const T& value) noexcept {
        std::size_t i = cap_ + leaf;
        T acc = value;
        nodes_[i] = acc;
        for (; i > 1; i /= 2) {
            acc = (i & 1) != 0 ? sum(nodes_[i - 1], acc) : sum(acc, nodes_[i + 1]);
            nodes_[i / 2] = acc;
        }
    }
    /// Sets a leaf without re-adding: call rebuild() after the last one.
    void assign(std::size_t leaf, const T& value) noexcept { nodes_[cap_ + leaf] = value; }
    /// Re-adds every inner node, bottom up (O(n)): the same bits as set() leaf by leaf.
    void rebuild() noexcept {
        for (std::size_t i = cap_ - 1; i > 0; --i) {
            nodes_[i] = sum(nodes_[2 * i], nodes_[2 * i + 1]);
        }
    }
    [[nodiscard]] const T& total() const noexcept { return nodes_[1]; }

  private:
    static T sum(const T& a, const T& b) noexcept {
        T r = a;
        r += b;
        return r;
    }

    std::vector<T> nodes_ = std::vector<T>(2); ///< [1] root; leaves at [cap_, cap_ + leaves_)
    std::size_t cap_ = 1;                      ///< leaf slots, a power of two
    std::size_t leaves_ = 0;
};

} // namespace ballast::risk::detail
