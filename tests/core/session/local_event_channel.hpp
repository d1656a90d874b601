// A connected pair of in-process event channels over two eventfds, for testing the session
// type without a platform (the platform-level tests run it across processes on loopback).
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <memory>
#include <utility>

#include "core/platform/event_channel.hpp"
#include "coro/io.hpp"

namespace xensnd::test {

class LocalEventChannel final : public platform::EventChannel {
  public:
    LocalEventChannel(int own, int peer, platform::Port port)
        : own_(own), peer_(peer), port_(port) {}
    ~LocalEventChannel() override { ::close(own_); }
    platform::Port local_port() const override { return port_; }
    Result<void> notify() override {
        std::uint64_t one = 1;
        if (::write(peer_, &one, sizeof one) != sizeof one) return Err(errno);
        ++notifies;
        return ok();
    }
    coro::Task<Result<void>> wait() override {
        std::uint64_t count = 0;
        auto r = co_await coro::read(own_, std::as_writable_bytes(std::span(&count, 1)));
        if (!r) co_return Err(r.error());
        co_return ok();
    }
    int notifies = 0;

  private:
    int own_;
    int peer_;
    platform::Port port_;
};

inline std::pair<std::unique_ptr<LocalEventChannel>, std::unique_ptr<LocalEventChannel>>
make_local_channel_pair(platform::Port a_port, platform::Port b_port) {
    int a = ::eventfd(0, EFD_CLOEXEC);
    int b = ::eventfd(0, EFD_CLOEXEC);
    return {std::make_unique<LocalEventChannel>(a, b, a_port),
            std::make_unique<LocalEventChannel>(b, a, b_port)};
}

// Two page-aligned shared pages (request ring, event page).
struct StreamPages {
    alignas(4096) std::array<std::byte, 4096> ring{};
    alignas(4096) std::array<std::byte, 4096> events{};
};

}  // namespace xensnd::test
