#include "loopback/toolstack/vsnd_detach.hpp"

#include <algorithm>
#include <cerrno>

extern "C" {
#include <xen/io/xenbus.h>
}

#include "loopback/toolstack/device_state.hpp"
#include "loopback/toolstack/store_io.hpp"
#include "loopback/toolstack/store_transaction.hpp"
#include "loopback/toolstack/vsnd_devices.hpp"

namespace xensnd::loopback::toolstack {

namespace {

// Directories the tidying never removes, even when empty: "/local", "/local/domain" and a
// domain's home "/local/domain/<id>", which libxl never sees empty because they hold more.
bool kept(const std::string& dir) {
    return dir.rfind("/local", 0) == 0 && std::count(dir.begin(), dir.end(), '/') <= 3;
}

ToolstackResult<void> remove_and_tidy(xs_handle* xs, xs_transaction_t t, const std::string& path) {
    if (auto r = remove_subtree(xs, t, path); !r)
        return store_failure("removing " + path, r.error());
    std::string dir = path;
    for (;;) {
        const auto slash = dir.rfind('/');
        if (slash == std::string::npos || slash == 0) return {};
        dir.resize(slash);
        if (kept(dir)) return {};
        auto value = read_if_present(xs, t, dir);
        if (!value) return store_failure("reading " + dir, value.error());
        if (!*value || !(*value)->empty()) return {};
        auto children = list_children(xs, t, dir);
        if (!children) return store_failure("listing " + dir, children.error());
        if (!children->empty()) return {};
        if (auto r = remove_subtree(xs, t, dir); !r)
            return store_failure("removing " + dir, r.error());
    }
}

const std::string kClosing = std::to_string(XenbusStateClosing);
const std::string kClosed = std::to_string(XenbusStateClosed);

}  // namespace

ToolstackResult<void> remove_vsnd(xs_handle* xs, const config::VsndDeviceAddress& address) {
    return in_transaction(xs, [&](xs_transaction_t t) -> ToolstackResult<void> {
        for (const auto& path :
             {address.frontend_path(), address.backend_path(), address.libxl_path()}) {
            if (auto r = remove_and_tidy(xs, t, path); !r) return r;
        }
        return {};
    });
}

ToolstackResult<Detached> detach_vsnd(xs_handle* xs, DomId frontend, unsigned devid,
                                      const DetachOptions& options) {
    auto address = find_vsnd(xs, frontend, devid);
    if (!address) return address.error();
    const std::string be = address->backend_path();

    Detached out{*address, Detached::Backend::Closed, std::nullopt};
    bool backend_present = false;
    auto asked = in_transaction(xs, [&](xs_transaction_t t) -> ToolstackResult<void> {
        auto state = read_if_present(xs, t, be + "/state");
        if (!state) return store_failure("reading " + be + "/state", state.error());
        backend_present = state->has_value();
        // Writing to a backend that is gone would only create a stray directory.
        if (!backend_present) return {};
        if (auto r = write_node(xs, t, be + "/online", "0"); !r)
            return store_failure("writing " + be + "/online", r.error());
        // A backend that already closed is left in Closed.
        if (**state != kClosed) {
            if (auto r = write_node(xs, t, be + "/state", kClosing); !r)
                return store_failure("writing " + be + "/state", r.error());
        }
        return {};
    });
    if (!asked) return asked.error();

    if (!backend_present) {
        out.backend = Detached::Backend::Gone;
    } else {
        auto waited = wait_for_state(
            xs, be + "/state", [](unsigned s) { return s == XenbusStateClosed; }, options.timeout);
        if (!waited) return store_failure("waiting on " + be + "/state", waited.error());
        out.backend_state = waited->value;
        switch (waited->end) {
            case StateWait::End::Reached:
                out.backend = Detached::Backend::Closed;
                break;
            case StateWait::End::Removed:
                out.backend = Detached::Backend::Gone;
                break;
            case StateWait::End::TimedOut:
                out.backend = Detached::Backend::TimedOut;
                break;
        }
    }

    if (auto r = remove_vsnd(xs, *address); !r) return r.error();
    return out;
}

}  // namespace xensnd::loopback::toolstack
