// A 4096-byte page with an inaccessible page on each side: a read or write beyond the page
// ends the test binary with SIGSEGV instead of passing silently.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace xensnd::sndif::test {

class GuardedPage {
  public:
    GuardedPage() {
        void* p = mmap(nullptr, 3 * kSize, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) std::abort();
        base_ = static_cast<std::byte*>(p);
        if (mprotect(base_ + kSize, kSize, PROT_READ | PROT_WRITE) != 0) std::abort();
    }
    ~GuardedPage() { munmap(base_, 3 * kSize); }
    GuardedPage(const GuardedPage&) = delete;
    GuardedPage& operator=(const GuardedPage&) = delete;

    void* get() const { return base_ + kSize; }
    std::byte* bytes() const { return base_ + kSize; }

    // The peer's view: a raw 32-bit word of the page (an index, an event field).
    std::uint32_t& word(std::size_t offset) const {
        return *reinterpret_cast<std::uint32_t*>(bytes() + offset);
    }

  private:
    static constexpr std::size_t kSize = 4096;
    std::byte* base_;
};

}  // namespace xensnd::sndif::test
