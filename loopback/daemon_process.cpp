#include "loopback/daemon_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace xensnd::loopback {

namespace {
std::string join_domains(const std::vector<platform::DomId>& domains) {
    std::string s;
    for (auto d : domains) {
        if (!s.empty()) s += ',';
        s += std::to_string(d);
    }
    return s.empty() ? "0" : s;
}
}  // namespace

Result<std::unique_ptr<DaemonProcess>> DaemonProcess::start(
    const std::string& binary, const std::vector<platform::DomId>& domains, std::string* why,
    std::chrono::milliseconds ready_timeout) {
    auto fail = [&](int e, const std::string& what) {
        if (why) *why = what + ": " + std::strerror(e);
        return Err(e);
    };
    std::unique_ptr<DaemonProcess> d(new DaemonProcess());
    char tmpl[] = "/tmp/xensnd-loopback-XXXXXX";
    if (!::mkdtemp(tmpl)) return fail(errno, "creating a run directory");
    d->rundir_ = tmpl;

    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return fail(errno, "pipe");
    std::string domain_list = join_domains(domains);
    pid_t pid = ::fork();
    if (pid < 0) return fail(errno, "fork");
    if (pid == 0) {
        ::dup2(out[1], 1);
        const char* argv[] = {binary.c_str(), "--rundir",          d->rundir_.c_str(),
                              "--domains",    domain_list.c_str(), nullptr};
        ::execv(binary.c_str(), const_cast<char* const*>(argv));
        std::fprintf(stderr, "exec %s: %s\n", binary.c_str(), std::strerror(errno));
        ::_exit(127);
    }
    ::close(out[1]);
    d->pid_ = pid;

    // Wait for "ready" on its stdout.
    std::string seen;
    auto deadline = std::chrono::steady_clock::now() + ready_timeout;
    for (;;) {
        if (seen.find("ready") != std::string::npos) break;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            ::close(out[0]);
            return fail(ETIMEDOUT, binary + " did not print 'ready'");
        }
        pollfd p{out[0], POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
        char buf[256];
        ssize_t n = ::read(out[0], buf, sizeof buf);
        if (n <= 0) {
            ::close(out[0]);
            return fail(ECHILD, binary + " exited before it was ready");
        }
        seen.append(buf, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    return d;
}

std::string DaemonProcess::xenstore_socket(platform::DomId domid) const {
    return rundir_ + "/xenstore/domain-" + std::to_string(domid) + ".sock";
}

DaemonProcess::~DaemonProcess() {
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        int status = 0;
        for (int i = 0; i < 200; ++i) {
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                break;
            }
            ::usleep(10'000);
        }
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status, 0);
        }
    }
    if (!rundir_.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(rundir_, ec);
    }
}

}  // namespace xensnd::loopback
