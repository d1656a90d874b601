#include "backend/device/device_nodes.hpp"

#include <xen/io/sndif.h>

#include <string>

namespace xensnd::backend::device {

namespace {

std::string join(std::string_view dir, std::string_view node) {
    std::string out(dir);
    if (!out.empty() && out.back() != '/') out += '/';
    out += node;
    return out;
}

}  // namespace

Result<std::uint32_t> parse_store_number(std::string_view text, const char** why) {
    auto fail = [why](const char* reason) -> Result<std::uint32_t> {
        if (why) *why = reason;
        return Err(EINVAL);
    };
    if (text.empty()) return fail("not a number (empty)");
    std::uint64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return fail("not a plain decimal number");
        value = value * 10 + static_cast<unsigned>(c - '0');
        if (value > UINT32_MAX) return fail("out of range (more than 4294967295)");
    }
    if (text.size() > 1 && text[0] == '0') return fail("leading zeros are not allowed");
    return static_cast<std::uint32_t>(value);
}

Result<platform::DomId> parse_frontend_entry(std::string_view name) {
    return platform::parse_domid(name);
}

Result<unsigned> parse_device_entry(std::string_view name) {
    auto n = parse_store_number(name);
    if (!n) return Err(n.error());
    return static_cast<unsigned>(*n);
}

std::string frontend_dir_of(platform::DomId frontend, unsigned devid) {
    return "/local/domain/" + std::to_string(frontend) + "/device/vsnd/" + std::to_string(devid);
}

std::string backend_dir_of(platform::DomId backend, platform::DomId frontend, unsigned devid) {
    return "/local/domain/" + std::to_string(backend) + "/backend/vsnd/" +
           std::to_string(frontend) + "/" + std::to_string(devid);
}

config::ConfigResult<std::string> check_frontend_link(platform::DomId frontend, unsigned devid,
                                                      std::string_view backend_dir,
                                                      std::string_view frontend_node,
                                                      std::string_view frontend_id_node) {
    auto id = platform::parse_domid(frontend_id_node);
    if (!id) {
        return config::config_error(join(backend_dir, "frontend-id"), frontend_id_node,
                                    "not a domain id");
    }
    if (*id != frontend) {
        return config::config_error(join(backend_dir, "frontend-id"), frontend_id_node,
                                    "names another domain than the directory it is in (dom" +
                                        std::to_string(frontend) + ")");
    }
    std::string expected = frontend_dir_of(frontend, devid);
    if (frontend_node != expected) {
        return config::config_error(join(backend_dir, "frontend"), frontend_node,
                                    "must be " + expected);
    }
    return expected;
}

bool is_online(std::string_view value) {
    return value == "1";
}

config::ConfigResult<unsigned> check_frontend_version(const config::StoreTree& tree,
                                                      std::string_view frontend_dir) {
    auto it = tree.find(std::string_view(XENSND_FIELD_FE_VERSION));
    if (it == tree.end()) return kProtocolVersion;
    const char* why = nullptr;
    auto v = parse_store_number(it->second, &why);
    if (!v) {
        return config::config_error(join(frontend_dir, XENSND_FIELD_FE_VERSION), it->second, why);
    }
    if (*v != kProtocolVersion) {
        return config::config_error(join(frontend_dir, XENSND_FIELD_FE_VERSION), it->second,
                                    "unsupported protocol version (this backend offers " +
                                        std::string(kVersionsValue) + ")");
    }
    return kProtocolVersion;
}

config::ConfigResult<StreamChannels> read_stream_channels(const config::StoreTree& tree,
                                                          std::string_view stream_dir,
                                                          std::string_view frontend_dir) {
    StreamChannels out;
    struct Field {
        const char* node;
        std::uint32_t* target;
        bool port;
    };
    const Field fields[] = {
        {XENSND_FIELD_RING_REF, &out.ring_ref, false},
        {XENSND_FIELD_EVT_CHNL, &out.ring_port, true},
        {XENSND_FIELD_EVT_RING_REF, &out.evt_ring_ref, false},
        {XENSND_FIELD_EVT_EVT_CHNL, &out.evt_port, true},
    };
    for (const Field& f : fields) {
        std::string rel = join(stream_dir, f.node);
        auto it = tree.find(rel);
        if (it == tree.end()) {
            return config::config_error(join(frontend_dir, rel), "", "missing");
        }
        const char* why = nullptr;
        auto v = parse_store_number(it->second, &why);
        if (!v) return config::config_error(join(frontend_dir, rel), it->second, why);
        if (f.port && *v == 0) {
            return config::config_error(join(frontend_dir, rel), it->second,
                                        "port 0 is no event channel");
        }
        *f.target = *v;
    }
    return out;
}

}  // namespace xensnd::backend::device
