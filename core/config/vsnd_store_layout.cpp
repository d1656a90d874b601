#include "core/config/vsnd_store_layout.hpp"

extern "C" {
#include <xen/io/sndif.h>
#include <xen/io/xenbus.h>
}

#include "core/config/format_names.hpp"
#include "core/config/store_path.hpp"

namespace xensnd::config {

namespace {

using detail::join_path;
using detail::level_dir;

// The domain libxl runs in; libxl hard-codes 0 as the owner of /libxl/D.
constexpr unsigned kToolstackDomid = 0;

template <class T>
std::string joined(const std::vector<T>& items, auto&& text) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += XENSND_LIST_SEPARATOR;
        out += text(item);
    }
    return out;
}

// The frontend's part: one entry per set parameter, relative paths, in libxl's order.
class FrontendEntries {
  public:
    void add(std::string rel, std::string value) {
        entries_.emplace_back(std::move(rel), std::move(value));
    }

    void add_name(std::string rel, const std::optional<std::string>& value) {
        if (value) add(std::move(rel), *value);
    }

    void add_hw(const std::string& dir, const HwSpec& hw) {
        if (hw.sample_rates && !hw.sample_rates->empty())
            add(dir + XENSND_FIELD_SAMPLE_RATES,
                joined(*hw.sample_rates, [](unsigned r) { return std::to_string(r); }));
        if (hw.sample_formats && !hw.sample_formats->empty())
            add(dir + XENSND_FIELD_SAMPLE_FORMATS,
                joined(*hw.sample_formats, [](const std::string& name) {
                    auto format = detail::format_from_name(name);
                    return format ? std::string(detail::libxl_format_name(*format)) : name;
                }));
        add_nonzero(dir + XENSND_FIELD_CHANNELS_MIN, hw.channels_min);
        add_nonzero(dir + XENSND_FIELD_CHANNELS_MAX, hw.channels_max);
        add_nonzero(dir + XENSND_FIELD_BUFFER_SIZE, hw.buffer_size);
    }

    std::vector<std::pair<std::string, std::string>> take() { return std::move(entries_); }

  private:
    void add_nonzero(std::string rel, const std::optional<unsigned>& v) {
        if (v && *v != 0) add(std::move(rel), std::to_string(*v));
    }

    std::vector<std::pair<std::string, std::string>> entries_;
};

std::vector<std::pair<std::string, std::string>> frontend_config(const VsndDeviceSpec& spec) {
    FrontendEntries out;
    // libxl writes the long name first.
    out.add_name(XENSND_FIELD_VCARD_LONG_NAME, spec.long_name);
    out.add_name(XENSND_FIELD_VCARD_SHORT_NAME, spec.short_name);
    out.add_hw("", spec.hw);
    for (std::size_t p = 0; p < spec.pcms.size(); ++p) {
        const PcmSpec& pcm = spec.pcms[p];
        const std::string dir = level_dir(static_cast<int>(p));
        out.add_name(dir + XENSND_FIELD_DEVICE_NAME, pcm.name);
        out.add_hw(dir, pcm.hw);
        for (std::size_t s = 0; s < pcm.streams.size(); ++s) {
            const StreamSpec& stream = pcm.streams[s];
            const std::string sdir = level_dir(static_cast<int>(p), static_cast<int>(s));
            out.add_name(sdir + XENSND_FIELD_STREAM_UNIQUE_ID, stream.unique_id);
            if (stream.type)
                out.add(sdir + XENSND_FIELD_TYPE, *stream.type == StreamType::Playback
                                                      ? XENSND_STREAM_TYPE_PLAYBACK
                                                      : XENSND_STREAM_TYPE_CAPTURE);
            out.add_hw(sdir, stream.hw);
        }
    }
    return out.take();
}

}  // namespace

std::string StorePerms::to_string() const {
    std::string out;
    out += static_cast<char>(others);
    out += std::to_string(owner);
    for (const auto& e : acl) {
        out += ',';
        out += static_cast<char>(e.access);
        out += std::to_string(e.domid);
    }
    return out;
}

std::string VsndDeviceAddress::frontend_path() const {
    return "/local/domain/" + std::to_string(frontend_domid) + "/device/" XENSND_DRIVER_NAME "/" +
           std::to_string(devid);
}

std::string VsndDeviceAddress::backend_path() const {
    return "/local/domain/" + std::to_string(backend_domid) + "/backend/" XENSND_DRIVER_NAME "/" +
           std::to_string(frontend_domid) + "/" + std::to_string(devid);
}

std::string VsndDeviceAddress::libxl_path() const {
    return "/libxl/" + std::to_string(frontend_domid) + "/device/" XENSND_DRIVER_NAME "/" +
           std::to_string(devid);
}

const StoreNode* VsndDeviceNodes::find(std::string_view path) const {
    for (const auto& node : written)
        if (node.path == path) return &node;
    return nullptr;
}

VsndDeviceNodes libxl_device_nodes(const VsndDeviceSpec& spec, const VsndDeviceAddress& address) {
    const std::string fe = address.frontend_path();
    const std::string be = address.backend_path();
    const std::string lx = address.libxl_path();
    const std::string initialising = std::to_string(XenbusStateInitialising);

    // Each side owns its directory and its peer may read it; nobody else may.
    const StorePerms fe_perms{
        address.frontend_domid, StoreAccess::None, {{address.backend_domid, StoreAccess::Read}}};
    const StorePerms be_perms{
        address.backend_domid, StoreAccess::None, {{address.frontend_domid, StoreAccess::Read}}};
    const StorePerms lx_perms{kToolstackDomid, StoreAccess::None, {}};

    // The backend's keys, which libxl also copies to its private directory.
    const std::vector<std::pair<std::string, std::string>> backend_entries{
        {"frontend-id", std::to_string(address.frontend_domid)},
        {"online", "1"},
        {"state", initialising},
    };

    VsndDeviceNodes out;
    out.removed = {lx, fe, be};
    auto& w = out.written;
    w.push_back({join_path(lx, "frontend"), fe, lx_perms});
    w.push_back({join_path(lx, "backend"), be, lx_perms});

    w.push_back({fe, "", fe_perms});
    w.push_back({join_path(fe, "backend"), be, fe_perms});
    w.push_back({join_path(fe, "backend-id"), std::to_string(address.backend_domid), fe_perms});
    w.push_back({join_path(fe, "state"), initialising, fe_perms});
    for (auto& [rel, value] : frontend_config(spec))
        w.push_back({join_path(fe, rel), std::move(value), fe_perms});

    w.push_back({be, "", be_perms});
    w.push_back({join_path(be, "frontend"), fe, be_perms});
    for (const auto& [key, value] : backend_entries)
        w.push_back({join_path(be, key), value, be_perms});

    for (const auto& [key, value] : backend_entries)
        w.push_back({join_path(lx, key), value, lx_perms});
    return out;
}

StoreTree subtree(const std::vector<StoreNode>& nodes, std::string_view dir) {
    std::string prefix(dir);
    if (prefix.empty() || prefix.back() != '/') prefix += '/';
    StoreTree tree;
    for (const auto& node : nodes) {
        if (node.path.size() > prefix.size() && node.path.compare(0, prefix.size(), prefix) == 0)
            tree[node.path.substr(prefix.size())] = node.value;
    }
    return tree;
}

}  // namespace xensnd::config
