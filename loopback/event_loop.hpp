// The daemon's event loop: epoll over non-blocking descriptors, plus signals read through a
// signalfd. Single-threaded; handlers run one at a time and may add or remove descriptors
// (including their own) freely.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>

#include "coro/result.hpp"

namespace xensnd::loopback {

class EventLoop {
  public:
    using Handler = std::function<void(std::uint32_t events)>;

    static Result<std::unique_ptr<EventLoop>> create();
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // Calls `handler` with the epoll event bits whenever `fd` is ready for `events`.
    // EPOLLHUP and EPOLLERR are always reported. The loop does not own `fd`.
    Result<void> add(int fd, std::uint32_t events, Handler handler);
    Result<void> modify(int fd, std::uint32_t events);
    // After this, the handler is never called again, even for events already collected.
    void remove(int fd);

    // Blocks `signals` for the process and calls `on_signal(signo)` from the loop when one
    // arrives. Once per loop.
    Result<void> handle_signals(std::initializer_list<int> signals,
                                std::function<void(int)> on_signal);

    // Dispatches until stop(). Error: epoll_wait failed for a reason other than EINTR.
    Result<void> run();
    void stop() { running_ = false; }

  private:
    EventLoop(int epoll_fd) : epoll_fd_(epoll_fd) {}

    struct Registration {
        int fd;
        std::shared_ptr<Handler> handler;  // shared: a handler may remove itself while it runs
    };

    int epoll_fd_;
    int signal_fd_ = -1;
    std::uint64_t next_token_ = 1;
    std::map<std::uint64_t, Registration> registrations_;  // by token (epoll's data)
    std::map<int, std::uint64_t> tokens_;                  // by fd
    bool running_ = false;
};

}  // namespace xensnd::loopback
