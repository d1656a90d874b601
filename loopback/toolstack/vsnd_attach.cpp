#include "loopback/toolstack/vsnd_attach.hpp"

#include <cerrno>
#include <string>

extern "C" {
#include <xen/io/xenbus.h>
}

#include "loopback/toolstack/device_state.hpp"
#include "loopback/toolstack/seconds.hpp"
#include "loopback/toolstack/store_io.hpp"
#include "loopback/toolstack/store_transaction.hpp"
#include "loopback/toolstack/vsnd_detach.hpp"
#include "loopback/toolstack/vsnd_devices.hpp"

namespace xensnd::loopback::toolstack {

namespace {

std::string device_name(const config::VsndDeviceAddress& a) {
    return "vsnd device " + std::to_string(a.devid) + " of domain " +
           std::to_string(a.frontend_domid);
}

ToolstackResult<void> write_device(xs_handle* xs, xs_transaction_t t,
                                   const config::VsndDeviceNodes& nodes) {
    for (const auto& path : nodes.removed) {
        if (auto r = remove_subtree(xs, t, path); !r)
            return store_failure("removing the stale " + path, r.error());
    }
    for (const auto& node : nodes.written) {
        if (auto r = write_node(xs, t, node.path, node.value); !r)
            return store_failure("writing " + node.path, r.error());
        if (auto r = set_permissions(xs, t, node.path, node.perms); !r)
            return store_failure("setting the permissions of " + node.path, r.error());
    }
    return {};
}

}  // namespace

ToolstackResult<unsigned> next_vsnd_devid(xs_handle* xs, xs_transaction_t t, DomId frontend) {
    auto recorded = device_indices(xs, t, libxl_vsnd_dir(frontend));
    if (!recorded) return recorded.error();
    if (recorded->empty()) return 0u;
    if (recorded->back() >= kMaxDevid)
        return toolstack_error(EOVERFLOW, libxl_vsnd_dir(frontend) + " already holds index " +
                                              std::to_string(recorded->back()) +
                                              ": no higher index left");
    return recorded->back() + 1;
}

ToolstackResult<config::VsndDeviceAddress> attach_vsnd(xs_handle* xs, DomId frontend,
                                                       const config::VsndDeviceSpec& spec,
                                                       const AttachOptions& options) {
    DomId backend = kToolstackDomain;
    if (spec.backend) {
        auto resolved = resolve_domain(xs, *spec.backend);
        if (!resolved) return resolved.error();
        backend = *resolved;
    } else if (auto r = require_domain(xs, backend); !r) {
        return r.error();
    }
    if (auto r = require_domain(xs, frontend); !r) return r.error();

    config::VsndDeviceAddress address{backend, frontend, 0};
    auto written = in_transaction(xs, [&](xs_transaction_t t) -> ToolstackResult<void> {
        auto devid = next_vsnd_devid(xs, t, frontend);
        if (!devid) return devid.error();
        address.devid = *devid;
        return write_device(xs, t, config::libxl_device_nodes(spec, address));
    });
    if (!written) return written.error();
    if (!options.wait_backend) return address;

    auto ready = wait_for_backend(xs, address, *options.wait_backend);
    if (ready) return address;
    // xl create destroys the guest here; for a single device, removing it is the equivalent.
    ToolstackError failure = ready.error();
    if (auto removed = remove_vsnd(xs, address); removed)
        failure.message += "; the device was removed";
    else
        failure.message += "; removing the device failed too: " + removed.error().message;
    return failure;
}

ToolstackResult<void> wait_for_backend(xs_handle* xs, const config::VsndDeviceAddress& address,
                                       std::chrono::milliseconds limit) {
    const std::string state_path = address.backend_path() + "/state";
    auto waited = wait_for_state(
        xs, state_path,
        [](unsigned s) {
            return s == XenbusStateInitWait || s == XenbusStateInitialised ||
                   s == XenbusStateConnected;
        },
        limit);
    if (!waited) return store_failure("waiting on " + state_path, waited.error());
    switch (waited->end) {
        case StateWait::End::Reached:
            return {};
        case StateWait::End::Removed:
            return toolstack_error(ENODEV, "the backend directory of " + device_name(address) +
                                               " was removed while waiting for InitWait");
        case StateWait::End::TimedOut:
            break;
    }
    return toolstack_error(ETIMEDOUT, "backend domain " + std::to_string(address.backend_domid) +
                                          " did not move " + device_name(address) +
                                          " to InitWait within " + seconds_text(limit) +
                                          " (its state is " + describe_state(waited->value) +
                                          "; is the backend running?)");
}

}  // namespace xensnd::loopback::toolstack
