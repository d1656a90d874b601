#include "core/trace/cur_pos_trace.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace xensnd::trace {

namespace {
// Enough for several seconds of a busy stream between writes.
constexpr std::size_t kFlushAt = 4096;
}  // namespace

std::string stream_key(unsigned domid, unsigned device, unsigned pcm, unsigned stream) {
    return "dom" + std::to_string(domid) + "-vsnd" + std::to_string(device) + "-" +
           std::to_string(pcm) + "." + std::to_string(stream);
}

std::int64_t monotonic_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

Result<std::unique_ptr<CurPosTrace>> CurPosTrace::open(const std::string& path, std::string* why) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        if (why) *why = "cannot open CUR_POS trace file " + path + ": " + std::strerror(e);
        return Err(e);
    }
    std::unique_ptr<CurPosTrace> t(new CurPosTrace(fd));
    t->entries_.reserve(kFlushAt);
    return t;
}

CurPosTrace::~CurPosTrace() {
    flush();
    ::close(fd_);
}

void CurPosTrace::record(std::string_view stream, std::uint64_t position, std::int64_t t_ns) {
    std::lock_guard lock(mutex_);
    entries_.push_back({t_ns, position, std::string(stream)});
    if (entries_.size() >= kFlushAt) flush_locked();
}

void CurPosTrace::flush() {
    std::lock_guard lock(mutex_);
    flush_locked();
}

void CurPosTrace::flush_locked() {
    std::string out;
    out.reserve(entries_.size() * 48);
    for (const auto& e : entries_) {
        out += std::to_string(e.t_ns);
        out += ' ';
        out += e.stream;
        out += ' ';
        out += std::to_string(e.position);
        out += '\n';
    }
    entries_.clear();
    std::string_view rest = out;
    while (!rest.empty()) {
        ssize_t n = ::write(fd_, rest.data(), rest.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // a full disk loses trace lines, never audio
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
}

}  // namespace xensnd::trace
