#include "loopback/toolstack/device_state.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>

extern "C" {
#include <xen/io/xenbus.h>
}

#include "loopback/toolstack/store_io.hpp"

namespace xensnd::loopback::toolstack {

namespace {

// A missed watch event (a daemon restart, a dropped event under its memory quota) only delays
// the answer by this much: the state is read again after every wake-up.
constexpr std::chrono::milliseconds kRecheck{500};

// Tokens tell this wait's events from those of any other watch on the same handle.
std::string next_token() {
    static std::atomic<unsigned> counter{0};
    return "xensnd-xl/" + std::to_string(::getpid()) + "/" + std::to_string(++counter);
}

class Watch {
  public:
    Watch(xs_handle* xs, const std::string& path) : xs_(xs), path_(path), token_(next_token()) {}
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;
    ~Watch() {
        if (active_) xs_unwatch(xs_, path_.c_str(), token_.c_str());
    }

    Result<void> start() {
        errno = 0;
        if (!xs_watch(xs_, path_.c_str(), token_.c_str())) return Err(errno ? errno : EIO);
        active_ = true;
        return ok();
    }

  private:
    xs_handle* xs_;
    std::string path_;
    std::string token_;
    bool active_ = false;
};

// Discards every queued watch event: any of them only means "read the state again".
Result<void> drain_events(xs_handle* xs) {
    for (;;) {
        errno = 0;
        char** event = xs_check_watch(xs);
        if (event == nullptr) {
            if (errno == EAGAIN) return ok();
            return Err(errno ? errno : EIO);
        }
        std::free(event);
    }
}

}  // namespace

std::optional<unsigned> parse_xenbus_state(std::string_view text) {
    if (text.size() != 1 || text[0] < '0' || text[0] > '8') return std::nullopt;
    return static_cast<unsigned>(text[0] - '0');
}

std::string_view xenbus_state_name(unsigned state) {
    switch (state) {
        case XenbusStateUnknown:
            return "Unknown";
        case XenbusStateInitialising:
            return "Initialising";
        case XenbusStateInitWait:
            return "InitWait";
        case XenbusStateInitialised:
            return "Initialised";
        case XenbusStateConnected:
            return "Connected";
        case XenbusStateClosing:
            return "Closing";
        case XenbusStateClosed:
            return "Closed";
        case XenbusStateReconfiguring:
            return "Reconfiguring";
        case XenbusStateReconfigured:
            return "Reconfigured";
        default:
            return "invalid";
    }
}

std::string describe_state(const std::optional<std::string>& value) {
    if (!value) return "-";
    if (auto state = parse_xenbus_state(*value)) return std::string(xenbus_state_name(*state));
    constexpr std::size_t kShown = 16;
    std::string out = "'";
    for (char c : std::string_view(*value).substr(0, kShown))
        out += (c >= 0x20 && c < 0x7f && c != '\'') ? c : '?';
    if (value->size() > kShown) out += "...";
    return out + "'";
}

Result<StateWait> wait_for_state(xs_handle* xs, const std::string& state_path,
                                 const std::function<bool(unsigned)>& done,
                                 std::chrono::milliseconds limit) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + limit;

    // Watch first, then read: a change between the two is then never missed.
    Watch watch(xs, state_path);
    if (auto r = watch.start(); !r) return Err(r.error());
    const int fd = xs_fileno(xs);
    if (fd < 0) return Err(errno ? errno : EIO);

    for (;;) {
        auto value = read_if_present(xs, XBT_NULL, state_path);
        if (!value) return Err(value.error());
        if (!*value) return StateWait{StateWait::End::Removed, std::nullopt};
        if (auto state = parse_xenbus_state(**value); state && done(*state))
            return StateWait{StateWait::End::Reached, std::move(*value)};

        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return StateWait{StateWait::End::TimedOut, std::move(*value)};
        pollfd p{fd, POLLIN, 0};
        const int n = ::poll(&p, 1, static_cast<int>(std::min(left, kRecheck).count()));
        if (n < 0 && errno != EINTR) return Err(errno);
        if (n > 0) {
            if (auto r = drain_events(xs); !r) return Err(r.error());
        }
    }
}

}  // namespace xensnd::loopback::toolstack
