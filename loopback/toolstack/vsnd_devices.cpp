#include "loopback/toolstack/vsnd_devices.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <iterator>
#include <string_view>

#include "loopback/toolstack/device_state.hpp"
#include "loopback/toolstack/store_io.hpp"

namespace xensnd::loopback::toolstack {

namespace {

std::string device_name(DomId frontend, unsigned devid) {
    return "vsnd device " + std::to_string(devid) + " of domain " + std::to_string(frontend);
}

// The backend domain a libxl record names, if it is exactly this device's backend directory
// "/local/domain/B/backend/vsnd/D/N".
std::optional<DomId> backend_in_record(std::string_view path, DomId frontend, unsigned devid) {
    constexpr std::string_view kPrefix = "/local/domain/";
    if (path.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
    path.remove_prefix(kPrefix.size());
    const auto slash = path.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    auto backend = parse_domid(path.substr(0, slash));
    if (!backend) return std::nullopt;
    config::VsndDeviceAddress expected{*backend, frontend, devid};
    if (std::string(kPrefix) + std::string(path) != expected.backend_path()) return std::nullopt;
    return backend;
}

ToolstackResult<unsigned> count_streams(xs_handle* xs, const std::string& frontend_dir) {
    auto pcms = device_indices(xs, XBT_NULL, frontend_dir);
    if (!pcms) return pcms.error();
    unsigned streams = 0;
    for (unsigned pcm : *pcms) {
        auto in_pcm = device_indices(xs, XBT_NULL, frontend_dir + "/" + std::to_string(pcm));
        if (!in_pcm) return in_pcm.error();
        streams += static_cast<unsigned>(in_pcm->size());
    }
    return streams;
}

ToolstackResult<std::optional<std::string>> read_state(xs_handle* xs, const std::string& dir) {
    auto value = read_if_present(xs, XBT_NULL, dir + "/state");
    if (!value) return store_failure("reading " + dir + "/state", value.error());
    return std::move(*value);
}

}  // namespace

std::string frontend_vsnd_dir(DomId frontend) {
    return "/local/domain/" + std::to_string(frontend) + "/device/vsnd";
}

std::string libxl_vsnd_dir(DomId frontend) {
    return "/libxl/" + std::to_string(frontend) + "/device/vsnd";
}

ToolstackResult<std::vector<unsigned>> device_indices(xs_handle* xs, xs_transaction_t t,
                                                      const std::string& dir) {
    auto names = list_children(xs, t, dir);
    if (!names) {
        if (names.errno_value() == ENOENT) return std::vector<unsigned>{};
        return store_failure("listing " + dir, names.error());
    }
    std::vector<unsigned> out;
    for (const auto& name : *names)
        if (auto index = parse_index(name, kMaxDevid)) out.push_back(*index);
    std::sort(out.begin(), out.end());
    return out;
}

ToolstackResult<config::VsndDeviceAddress> find_vsnd(xs_handle* xs, DomId frontend, unsigned devid,
                                                     xs_transaction_t t) {
    config::VsndDeviceAddress address{kToolstackDomain, frontend, devid};
    const std::string record = address.libxl_path() + "/backend";
    auto backend_path = read_if_present(xs, t, record);
    if (!backend_path) return store_failure("reading " + record, backend_path.error());
    if (*backend_path) {
        auto backend = backend_in_record(**backend_path, frontend, devid);
        if (!backend)
            return toolstack_error(EPROTO, record + " does not name the backend directory of " +
                                               device_name(frontend, devid));
        address.backend_domid = *backend;
        return address;
    }

    const std::string fe = address.frontend_path();
    auto frontend_dir = read_if_present(xs, t, fe);
    if (!frontend_dir) return store_failure("reading " + fe, frontend_dir.error());
    if (!*frontend_dir)
        return toolstack_error(ENOENT, "domain " + std::to_string(frontend) +
                                           " has no vsnd device " + std::to_string(devid));
    auto backend_id = read_if_present(xs, t, fe + "/backend-id");
    if (!backend_id) return store_failure("reading " + fe + "/backend-id", backend_id.error());
    if (*backend_id) {
        if (auto backend = parse_domid(**backend_id)) address.backend_domid = *backend;
    }
    return address;
}

ToolstackResult<std::vector<VsndDeviceStatus>> list_vsnd(xs_handle* xs, DomId frontend) {
    if (auto r = require_domain(xs, frontend); !r) return r.error();
    auto recorded = device_indices(xs, XBT_NULL, libxl_vsnd_dir(frontend));
    if (!recorded) return recorded.error();
    auto published = device_indices(xs, XBT_NULL, frontend_vsnd_dir(frontend));
    if (!published) return published.error();
    std::vector<unsigned> devids;
    std::set_union(recorded->begin(), recorded->end(), published->begin(), published->end(),
                   std::back_inserter(devids));

    std::vector<VsndDeviceStatus> out;
    for (unsigned devid : devids) {
        auto address = find_vsnd(xs, frontend, devid);
        if (!address) return address.error();
        VsndDeviceStatus status{*address, {}, {}, 0};
        auto fe_state = read_state(xs, address->frontend_path());
        if (!fe_state) return fe_state.error();
        status.frontend_state = std::move(*fe_state);
        auto be_state = read_state(xs, address->backend_path());
        if (!be_state) return be_state.error();
        status.backend_state = std::move(*be_state);
        auto streams = count_streams(xs, address->frontend_path());
        if (!streams) return streams.error();
        status.streams = *streams;
        out.push_back(std::move(status));
    }
    return out;
}

std::string format_vsnd_list(const std::vector<VsndDeviceStatus>& devices) {
    auto line = [](std::string_view idx, std::string_view be, std::string_view fe_state,
                   std::string_view be_state, std::string_view streams) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "%-5.*s %-5.*s %-14.*s %-14.*s %.*s\n",
                      static_cast<int>(idx.size()), idx.data(), static_cast<int>(be.size()),
                      be.data(), static_cast<int>(fe_state.size()), fe_state.data(),
                      static_cast<int>(be_state.size()), be_state.data(),
                      static_cast<int>(streams.size()), streams.data());
        return std::string(buf);
    };
    std::string out = line("Idx", "BE", "FE-state", "BE-state", "Streams");
    for (const auto& d : devices)
        out += line(std::to_string(d.address.devid), std::to_string(d.address.backend_domid),
                    describe_state(d.frontend_state), describe_state(d.backend_state),
                    std::to_string(d.streams));
    return out;
}

}  // namespace xensnd::loopback::toolstack
