#include "loopback/xenstore/wire.hpp"

#include <cerrno>
#include <cstring>
#include <iterator>

// xs_wire.h uses uint32_t and the errno names without including their headers.
#include <xen/io/xs_wire.h>

namespace xensnd::loopback::xenstore {

static_assert(sizeof(xsd_sockmsg) == kHeaderSize);
static_assert(XENSTORE_PAYLOAD_MAX == kPayloadMax);
static_assert(XENSTORE_ABS_PATH_MAX == kAbsPathMax);
static_assert(XENSTORE_REL_PATH_MAX == kRelPathMax);

Result<std::optional<Frame>> parse_frame(std::string_view bytes) {
    if (bytes.size() < kHeaderSize) return std::optional<Frame>{};
    xsd_sockmsg raw;
    std::memcpy(&raw, bytes.data(), kHeaderSize);
    if (raw.len > kPayloadMax) return Err(E2BIG);
    if (bytes.size() - kHeaderSize < raw.len) return std::optional<Frame>{};
    Frame frame;
    frame.header = Header{raw.type, raw.req_id, raw.tx_id, raw.len};
    frame.payload = bytes.substr(kHeaderSize, raw.len);
    return std::optional<Frame>{frame};
}

std::string encode(std::uint32_t type, std::uint32_t req_id, std::uint32_t tx_id,
                   std::string_view payload) {
    xsd_sockmsg raw{};
    raw.type = type;
    raw.req_id = req_id;
    raw.tx_id = tx_id;
    raw.len = static_cast<std::uint32_t>(payload.size());
    std::string out(kHeaderSize + payload.size(), '\0');
    std::memcpy(out.data(), &raw, kHeaderSize);
    if (!payload.empty()) std::memcpy(out.data() + kHeaderSize, payload.data(), payload.size());
    return out;
}

std::string_view error_name(int errnum) {
    for (const auto& e : xsd_errors) {
        if (e.errnum == errnum) return e.errstring;
    }
    return xsd_errors[0].errstring;  // EINVAL heads the table
}

int error_from_name(std::string_view name) {
    for (const auto& e : xsd_errors) {
        if (name == e.errstring) return e.errnum;
    }
    return EINVAL;
}

std::string_view type_name(std::uint32_t type) {
    static constexpr std::string_view kNames[] = {
        "CONTROL",
        "DIRECTORY",
        "READ",
        "GET_PERMS",
        "WATCH",
        "UNWATCH",
        "TRANSACTION_START",
        "TRANSACTION_END",
        "INTRODUCE",
        "RELEASE",
        "GET_DOMAIN_PATH",
        "WRITE",
        "MKDIR",
        "RM",
        "SET_PERMS",
        "WATCH_EVENT",
        "ERROR",
        "IS_DOMAIN_INTRODUCED",
        "RESUME",
        "SET_TARGET",
        "",
        "RESET_WATCHES",
        "DIRECTORY_PART",
    };
    static_assert(std::size(kNames) == XS_TYPE_COUNT);
    if (type >= std::size(kNames) || kNames[type].empty()) return "UNKNOWN";
    return kNames[type];
}

}  // namespace xensnd::loopback::xenstore
