#include "loopback/xenstore/request.hpp"

#include <cerrno>
#include <charconv>
#include <cstddef>

#include <xen/io/xs_wire.h>

namespace xensnd::loopback::xenstore {

std::optional<OpRules> op_rules(std::uint32_t type) {
    switch (type) {
        case XS_CONTROL:
        case XS_INTRODUCE:
        case XS_RELEASE:
        case XS_IS_DOMAIN_INTRODUCED:
        case XS_RESUME:
        case XS_SET_TARGET:
            return OpRules{true, false};
        case XS_WATCH:
        case XS_UNWATCH:
            return OpRules{false, true};
        case XS_DIRECTORY:
        case XS_READ:
        case XS_GET_PERMS:
        case XS_TRANSACTION_START:
        case XS_TRANSACTION_END:
        case XS_GET_DOMAIN_PATH:
        case XS_WRITE:
        case XS_MKDIR:
        case XS_RM:
        case XS_SET_PERMS:
        case XS_RESET_WATCHES:
        case XS_DIRECTORY_PART:
            return OpRules{false, false};
        default:
            return std::nullopt;
    }
}

namespace {

// The NUL-terminated strings at the start of `payload`; bytes after the last NUL are not a
// string (xenstored's get_strings ignores them too).
std::vector<std::string_view> strings_of(std::string_view payload) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (start < payload.size()) {
        auto nul = payload.find('\0', start);
        if (nul == std::string_view::npos) break;
        out.push_back(payload.substr(start, nul - start));
        start = nul + 1;
    }
    return out;
}

std::size_t nul_count(std::string_view payload) {
    std::size_t n = 0;
    for (char c : payload)
        n += c == '\0';
    return n;
}

// Exactly one string that fills the payload (xenstored's onearg()).
std::optional<std::string_view> one_arg(std::string_view payload) {
    if (payload.empty() || payload.find('\0') != payload.size() - 1) return std::nullopt;
    return payload.substr(0, payload.size() - 1);
}

template <class T>
std::optional<T> decimal(std::string_view text) {
    T value{};
    const char* last = text.data() + text.size();
    auto [end, ec] = std::from_chars(text.data(), last, value, 10);
    if (text.empty() || ec != std::errc{} || end != last) return std::nullopt;
    return value;
}

std::optional<DomId> domid_arg(std::string_view payload) {
    auto arg = one_arg(payload);
    if (!arg) return std::nullopt;
    return decimal<DomId>(*arg);
}

}  // namespace

Result<Request> decode_request(std::uint32_t type, std::string_view payload) {
    if (!op_rules(type)) return Err(ENOSYS);
    switch (type) {
        case XS_CONTROL: {
            auto args = strings_of(payload);
            if (args.empty()) return Err(EINVAL);
            return Request{request::Control{std::move(args)}};
        }
        case XS_DIRECTORY:
        case XS_READ:
        case XS_GET_PERMS:
        case XS_MKDIR:
        case XS_RM: {
            auto path = one_arg(payload);
            if (!path) return Err(EINVAL);
            if (type == XS_DIRECTORY) return Request{request::Directory{*path}};
            if (type == XS_READ) return Request{request::Read{*path}};
            if (type == XS_GET_PERMS) return Request{request::GetPerms{*path}};
            if (type == XS_MKDIR) return Request{request::Mkdir{*path}};
            return Request{request::Rm{*path}};
        }
        case XS_DIRECTORY_PART: {
            if (nul_count(payload) != 2) return Err(EINVAL);
            auto args = strings_of(payload);
            auto offset = decimal<std::uint32_t>(args[1]);
            if (!offset) return Err(EINVAL);
            return Request{request::DirectoryPart{args[0], *offset}};
        }
        case XS_WATCH:
        case XS_UNWATCH: {
            auto args = strings_of(payload);
            if (args.size() != 2) return Err(EINVAL);
            if (type == XS_WATCH) return Request{request::Watch{args[0], args[1]}};
            return Request{request::Unwatch{args[0], args[1]}};
        }
        case XS_TRANSACTION_START:
            return Request{request::TransactionStart{}};
        case XS_TRANSACTION_END: {
            auto arg = one_arg(payload);
            if (!arg || (*arg != "T" && *arg != "F")) return Err(EINVAL);
            return Request{request::TransactionEnd{*arg == "T"}};
        }
        case XS_INTRODUCE: {
            // domid, the guest frame of its ring page (meaningless here), event channel port
            auto args = strings_of(payload);
            if (args.size() < 3) return Err(EINVAL);
            auto domid = decimal<DomId>(args[0]);
            auto port = decimal<std::uint32_t>(args[2]);
            if (!domid || !port || *port == 0) return Err(EINVAL);
            return Request{request::Introduce{*domid, *port}};
        }
        case XS_RELEASE:
        case XS_RESUME:
        case XS_GET_DOMAIN_PATH:
        case XS_IS_DOMAIN_INTRODUCED: {
            auto domid = domid_arg(payload);
            if (!domid) return Err(EINVAL);
            if (type == XS_RELEASE) return Request{request::Release{*domid}};
            if (type == XS_RESUME) return Request{request::Resume{*domid}};
            if (type == XS_GET_DOMAIN_PATH) return Request{request::GetDomainPath{*domid}};
            return Request{request::IsDomainIntroduced{*domid}};
        }
        case XS_WRITE: {
            // The value is everything after the path's NUL and may itself hold NULs.
            auto nul = payload.find('\0');
            if (nul == std::string_view::npos) return Err(EINVAL);
            return Request{request::Write{payload.substr(0, nul), payload.substr(nul + 1)}};
        }
        case XS_SET_PERMS: {
            auto args = strings_of(payload);
            if (args.size() < 2) return Err(EINVAL);
            request::SetPerms req{args[0], {}};
            for (std::size_t i = 1; i < args.size(); ++i) {
                auto p = parse_permission(args[i]);
                if (!p) return Err(p.error());
                req.perms.push_back(*p);
            }
            return Request{std::move(req)};
        }
        case XS_SET_TARGET: {
            auto args = strings_of(payload);
            if (args.size() < 2) return Err(EINVAL);
            auto domid = decimal<DomId>(args[0]);
            auto target = decimal<DomId>(args[1]);
            if (!domid || !target) return Err(EINVAL);
            return Request{request::SetTarget{*domid, *target}};
        }
        case XS_RESET_WATCHES:
            return Request{request::ResetWatches{}};
        default:
            return Err(ENOSYS);
    }
}

}  // namespace xensnd::loopback::xenstore
