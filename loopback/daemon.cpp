#include "loopback/daemon.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "loopback/evtchn_service.hpp"
#include "loopback/gnttab_service.hpp"

namespace xensnd::loopback {

namespace {

void complain(const std::string& what, int err) {
    (void)std::fprintf(stderr, "xensnd-loopback: %s: %s\n", what.c_str(),
                       errno_code(err).message().c_str());
}

// mkdir -p; records what it made so that shutdown removes only that.
Result<void> make_dirs(const std::string& path, std::vector<std::string>& created) {
    std::string prefix;
    std::size_t pos = 0;
    while (pos != std::string::npos) {
        pos = path.find('/', pos + 1);
        prefix = path.substr(0, pos);
        if (prefix.empty()) continue;
        if (::mkdir(prefix.c_str(), 0700) == 0) {
            created.push_back(prefix);
        } else if (errno != EEXIST) {
            return Err(errno);
        }
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return Err(errno);
    if (!S_ISDIR(st.st_mode)) return Err(ENOTDIR);
    return ok();
}

}  // namespace

Result<std::unique_ptr<Daemon>> Daemon::start(const Options& options) {
    std::unique_ptr<Daemon> d(new Daemon());
    d->rundir_ = options.rundir;
    while (d->rundir_.size() > 1 && d->rundir_.back() == '/')
        d->rundir_.pop_back();

    auto loop = EventLoop::create();
    if (!loop) {
        complain("epoll", loop.errno_value());
        return Err(loop.error());
    }
    d->loop_ = std::move(*loop);
    // A peer that closes its socket must not kill the daemon; sends use MSG_NOSIGNAL too.
    (void)std::signal(SIGPIPE, SIG_IGN);
    auto signals =
        d->loop_->handle_signals({SIGTERM, SIGINT}, [raw = d.get()](int) { raw->loop_->stop(); });
    if (!signals) {
        complain("signalfd", signals.errno_value());
        return Err(signals.error());
    }

    std::string xenstore_dir = d->rundir_ + "/xenstore";
    if (auto made = make_dirs(xenstore_dir, d->created_dirs_); !made) {
        complain("cannot create " + xenstore_dir, made.errno_value());
        return Err(made.error());
    }
    auto xs = std::make_unique<XenStoreService>(*d->loop_, xenstore_dir, xenstore::Limits{},
                                                options.trace);
    d->xenstore_ = xs.get();
    d->services_.push_back(std::move(xs));
    d->xenstore_->set_domain_listener(
        [raw = d.get()](DomId domid, bool exists) { raw->domain_changed(domid, exists); });
    // Event channels and grants share one hypervisor: unmap notifications ring ports.
    auto hypervisor = std::make_shared<Hypervisor>();
    d->services_.push_back(std::make_unique<EvtchnService>(*d->loop_, d->rundir_, hypervisor));
    d->services_.push_back(std::make_unique<GnttabService>(*d->loop_, d->rundir_, hypervisor));

    for (DomId domid : options.domains) {
        auto created = d->xenstore_->create_domain(domid);
        if (!created) {
            complain("cannot create domain " + std::to_string(domid), created.errno_value());
            return Err(created.error());
        }
        if (d->failed_) return Err(EIO);
    }
    return d;
}

void Daemon::domain_changed(DomId domid, bool exists) {
    for (auto& service : services_) {
        if (exists) {
            auto added = service->add_domain(domid);
            if (!added) {
                std::string what =
                    std::string(service->name()) + ": cannot serve domain " + std::to_string(domid);
                if (added.errno_value() == EADDRINUSE) what += " (another daemon listens there)";
                if (added.errno_value() == ENAMETOOLONG) what += " (the socket path is too long)";
                complain(what, added.errno_value());
                failed_ = true;
            }
        } else {
            service->remove_domain(domid);
        }
    }
}

Result<void> Daemon::run() {
    (void)std::printf("ready\n");
    (void)std::fflush(stdout);
    auto ran = loop_->run();
    if (!ran) complain("event loop", ran.errno_value());
    return ran;
}

Daemon::~Daemon() {
    for (auto& service : services_)
        service->stop();
    services_.clear();
    for (auto it = created_dirs_.rbegin(); it != created_dirs_.rend(); ++it)
        ::rmdir(it->c_str());
    // The service directory is ours even when the run directory was not.
    ::rmdir((rundir_ + "/xenstore").c_str());
}

}  // namespace xensnd::loopback
