#include "loopback/event_loop.hpp"

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace xensnd::loopback {

Result<std::unique_ptr<EventLoop>> EventLoop::create() {
    int fd = epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0) return Err(errno);
    return std::unique_ptr<EventLoop>(new EventLoop(fd));
}

EventLoop::~EventLoop() {
    if (signal_fd_ >= 0) ::close(signal_fd_);
    ::close(epoll_fd_);
}

Result<void> EventLoop::add(int fd, std::uint32_t events, Handler handler) {
    if (tokens_.count(fd) != 0) return Err(EEXIST);
    std::uint64_t token = next_token_++;
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = token;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) return Err(errno);
    registrations_.emplace(token, Registration{fd, std::make_shared<Handler>(std::move(handler))});
    tokens_.emplace(fd, token);
    return ok();
}

Result<void> EventLoop::modify(int fd, std::uint32_t events) {
    auto it = tokens_.find(fd);
    if (it == tokens_.end()) return Err(ENOENT);
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = it->second;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) != 0) return Err(errno);
    return ok();
}

void EventLoop::remove(int fd) {
    auto it = tokens_.find(fd);
    if (it == tokens_.end()) return;
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    registrations_.erase(it->second);
    tokens_.erase(it);
}

Result<void> EventLoop::handle_signals(std::initializer_list<int> signals,
                                       std::function<void(int)> on_signal) {
    if (signal_fd_ >= 0) return Err(EBUSY);
    sigset_t set;
    sigemptyset(&set);
    for (int s : signals)
        sigaddset(&set, s);
    // The daemon is single-threaded; pthread_sigmask is what sigprocmask means then.
    if (int err = pthread_sigmask(SIG_BLOCK, &set, nullptr); err != 0) return Err(err);
    int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0) return Err(errno);
    signal_fd_ = fd;
    return add(fd, EPOLLIN, [fd, on_signal = std::move(on_signal)](std::uint32_t) {
        signalfd_siginfo info;
        while (::read(fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
            on_signal(static_cast<int>(info.ssi_signo));
        }
    });
}

Result<void> EventLoop::run() {
    running_ = true;
    epoll_event events[64];
    while (running_) {
        int n = epoll_wait(epoll_fd_, events, 64, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            return Err(errno);
        }
        for (int i = 0; i < n && running_; ++i) {
            auto it = registrations_.find(events[i].data.u64);
            if (it == registrations_.end()) continue;  // removed by an earlier handler
            std::shared_ptr<Handler> handler = it->second.handler;
            (*handler)(events[i].events);
        }
    }
    return ok();
}

}  // namespace xensnd::loopback
