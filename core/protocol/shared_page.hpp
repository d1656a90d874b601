// Word access to a page that the peer writes while we read it (a mapped grant, or a memfd page
// on loopback). Every access is an atomic access of one aligned word, so the compiler can
// neither tear, repeat nor merge it: a value we inspect is exactly the one copy we took (no
// double fetch), and tests that run both roles over one page in two threads are race-free.
//
// Internal to core/protocol; the public classes take a void* and use these.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "coro/result.hpp"

namespace xensnd::sndif::shared {

inline std::uint32_t& word32(void* page, std::size_t offset) noexcept {
    return *reinterpret_cast<std::uint32_t*>(static_cast<std::byte*>(page) + offset);
}

inline std::uint64_t& word64(void* page, std::size_t offset) noexcept {
    return *reinterpret_cast<std::uint64_t*>(static_cast<std::byte*>(page) + offset);
}

// The peer's producer index, with the read barrier ring.h puts after it (xen_rmb): the
// entries we read next are at least as new as the index.
inline std::uint32_t load_acquire(void* page, std::size_t offset) noexcept {
    return std::atomic_ref<std::uint32_t>(word32(page, offset)).load(std::memory_order_acquire);
}

inline std::uint32_t load_relaxed(void* page, std::size_t offset) noexcept {
    return std::atomic_ref<std::uint32_t>(word32(page, offset)).load(std::memory_order_relaxed);
}

// Our own producer/consumer index, with the barrier ring.h puts before it: xen_wmb for a
// producer (the peer sees the entries before the index); for a consumer it also orders our
// earlier reads of the slots before the index that lets the peer overwrite them.
inline void store_release(void* page, std::size_t offset, std::uint32_t value) noexcept {
    std::atomic_ref<std::uint32_t>(word32(page, offset)).store(value, std::memory_order_release);
}

inline void store_relaxed(void* page, std::size_t offset, std::uint32_t value) noexcept {
    std::atomic_ref<std::uint32_t>(word32(page, offset)).store(value, std::memory_order_relaxed);
}

// The pair that replaces ring.h's xen_mb(): "store our index (or event field), full barrier,
// read the peer's". A seq_cst store followed by a seq_cst load of another word is never
// reordered, and when both sides do it (push vs final check) at least one sees the other's
// store: the missed-wake-up race ring.h's xen_mb() closes. The store also has release
// semantics (the xen_wmb before a producer index), the load acquire (the xen_rmb after one).
// A std::atomic_thread_fence would do the same on hardware but TSan cannot model it.
inline void store_seq_cst(void* page, std::size_t offset, std::uint32_t value) noexcept {
    std::atomic_ref<std::uint32_t>(word32(page, offset)).store(value, std::memory_order_seq_cst);
}

inline std::uint32_t load_seq_cst(void* page, std::size_t offset) noexcept {
    return std::atomic_ref<std::uint32_t>(word32(page, offset)).load(std::memory_order_seq_cst);
}

// A private copy of a T living at page+offset, taken one 64-bit word at a time.
template <class T>
T copy_out(void* page, std::size_t offset) noexcept {
    static_assert(std::is_trivially_copyable_v<T> && sizeof(T) % 8 == 0);
    std::uint64_t words[sizeof(T) / 8];
    for (std::size_t i = 0; i < sizeof(T) / 8; ++i)
        words[i] = std::atomic_ref<std::uint64_t>(word64(page, offset + 8 * i))
                       .load(std::memory_order_relaxed);
    T out;
    std::memcpy(&out, words, sizeof out);
    return out;
}

template <class T>
void copy_in(void* page, std::size_t offset, const T& value) noexcept {
    static_assert(std::is_trivially_copyable_v<T> && sizeof(T) % 8 == 0);
    std::uint64_t words[sizeof(T) / 8];
    std::memcpy(words, &value, sizeof value);
    for (std::size_t i = 0; i < sizeof(T) / 8; ++i)
        std::atomic_ref<std::uint64_t>(word64(page, offset + 8 * i))
            .store(words[i], std::memory_order_relaxed);
}

// The classes keep raw pointers into the page; a null or misaligned one is the caller's bug,
// not the peer's, and would make every word access undefined.
inline void require_page(const void* page) {
    if (page == nullptr) bug("sndif: null shared page");
    if (reinterpret_cast<std::uintptr_t>(page) % alignof(std::uint64_t) != 0)
        bug("sndif: shared page is not 8-byte aligned");
}

}  // namespace xensnd::sndif::shared
