// Reads a libFuzzer input as a script: numbers of fixed width, zero once the input runs out,
// so every input is a valid (if short) script.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace xensnd::sndif::test {

class FuzzInput {
  public:
    FuzzInput(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

    bool empty() const { return pos_ >= size_; }

    template <class T>
    T take() {
        T v{};
        const std::size_t n = size_ - pos_ < sizeof v ? size_ - pos_ : sizeof v;
        if (n > 0) std::memcpy(&v, data_ + pos_, n);
        pos_ += n;
        return v;
    }

    // Fills `out` with the next bytes, zero-padded.
    void take_bytes(void* out, std::size_t n) {
        const std::size_t have = size_ - pos_ < n ? size_ - pos_ : n;
        if (have > 0) std::memcpy(out, data_ + pos_, have);
        std::memset(static_cast<std::uint8_t*>(out) + have, 0, n - have);
        pos_ += have;
    }

  private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
};

}  // namespace xensnd::sndif::test
