// The daemon as a whole: the run directory, the event loop, and the services sharing one
// idea of which domains exist.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "coro/result.hpp"
#include "loopback/event_loop.hpp"
#include "loopback/options.hpp"
#include "loopback/service.hpp"
#include "loopback/xenstore_service.hpp"

namespace xensnd::loopback {

class Daemon {
  public:
    // Creates the run directory and the services, and every configured domain with its
    // sockets. Errors are printed to stderr with what failed.
    static Result<std::unique_ptr<Daemon>> start(const Options& options);
    ~Daemon();

    // Until SIGTERM or SIGINT.
    Result<void> run();

  private:
    Daemon() = default;
    void domain_changed(DomId domid, bool exists);

    std::string rundir_;
    std::unique_ptr<EventLoop> loop_;
    XenStoreService* xenstore_ = nullptr;  // one of services_
    std::vector<std::unique_ptr<Service>> services_;
    std::vector<std::string> created_dirs_;  // removed again on the way out, if empty
    bool failed_ = false;
};

}  // namespace xensnd::loopback
