// What a client asks for: a received Frame's payload decoded per operation, with
// xenstored's rules for how many NUL-terminated strings each operation takes.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "coro/result.hpp"
#include "loopback/xenstore/ids.hpp"
#include "loopback/xenstore/permissions.hpp"

namespace xensnd::loopback::xenstore {

namespace request {
// Paths are as the client sent them (possibly relative); the server canonicalises them.
struct Control {
    std::vector<std::string_view> args;
};
struct Directory {
    std::string_view path;
};
struct DirectoryPart {
    std::string_view path;
    std::uint32_t offset;
};
struct Read {
    std::string_view path;
};
struct GetPerms {
    std::string_view path;
};
struct Watch {
    std::string_view path;
    std::string_view token;
};
struct Unwatch {
    std::string_view path;
    std::string_view token;
};
struct TransactionStart {};
struct TransactionEnd {
    bool commit;
};
struct Introduce {
    DomId domid;
    std::uint32_t port;
};
struct Release {
    DomId domid;
};
struct Resume {
    DomId domid;
};
struct GetDomainPath {
    DomId domid;
};
struct IsDomainIntroduced {
    DomId domid;
};
struct Write {
    std::string_view path;
    std::string_view value;
};
struct Mkdir {
    std::string_view path;
};
struct Rm {
    std::string_view path;
};
struct SetPerms {
    std::string_view path;
    std::vector<Permission> perms;
};
struct SetTarget {
    DomId domid;
    DomId target;
};
struct ResetWatches {};
}  // namespace request

using Request =
    std::variant<request::Control, request::Directory, request::DirectoryPart, request::Read,
                 request::GetPerms, request::Watch, request::Unwatch, request::TransactionStart,
                 request::TransactionEnd, request::Introduce, request::Release, request::Resume,
                 request::GetDomainPath, request::IsDomainIntroduced, request::Write,
                 request::Mkdir, request::Rm, request::SetPerms, request::SetTarget,
                 request::ResetWatches>;

// How the server treats an operation before looking at its payload.
struct OpRules {
    bool privileged_only;      // others get EACCES
    bool ignores_transaction;  // tx_id is not looked up (WATCH, UNWATCH)
};

// nullopt for a type no client may send (WATCH_EVENT, ERROR, unknown numbers): ENOSYS.
std::optional<OpRules> op_rules(std::uint32_t type);

// The payload of a `type` request, checked as xenstored checks it. Errors: ENOSYS for a type
// op_rules() rejects, EINVAL for a malformed payload (missing NUL terminators, wrong number of
// strings, a number or permission that does not parse). The views point into `payload`.
// Where xenstored would atoi() a domain id or offset, garbage is EINVAL here instead of 0.
Result<Request> decode_request(std::uint32_t type, std::string_view payload);

}  // namespace xensnd::loopback::xenstore
