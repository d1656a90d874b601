// Node permissions as xenstored keeps them: an ordered list whose first entry names the owner
// and the access every domain not listed gets; each later entry grants one domain access.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "coro/result.hpp"
#include "loopback/xenstore/ids.hpp"

namespace xensnd::loopback::xenstore {

// Access bits; the values are xenstore_lib.h's XS_PERM_* so traces read the same.
enum Access : unsigned {
    kAccessNone = 0x00,
    kAccessRead = 0x01,
    kAccessWrite = 0x02,
    kAccessOwner = 0x08,  // never stored: the owner and the privileged domain have it
    kAccessAll = kAccessRead | kAccessWrite | kAccessOwner,
};

struct Permission {
    DomId domid = kPrivilegedDomain;
    unsigned access = kAccessNone;  // kAccessRead | kAccessWrite
    // The entry names a domain that did not exist when it was set, or has since gone: it
    // must not grant anything to a later domain reusing the id (xenstored's XS_PERM_IGNORE).
    bool ignored = false;

    bool operator==(const Permission&) const = default;
};

class Permissions {
  public:
    // Owned by `owner`, no access for anyone else.
    explicit Permissions(DomId owner = kPrivilegedDomain) : entries_{{owner, kAccessNone, false}} {}
    // Precondition: at least one entry.
    explicit Permissions(std::vector<Permission> entries);

    DomId owner() const { return entries_[0].domid; }
    void set_owner(DomId domid) { entries_[0].domid = domid; }
    const std::vector<Permission>& entries() const { return entries_; }
    std::vector<Permission>& entries() { return entries_; }

    // Marks every access entry (not the owner's) naming `domid` as ignored; returns whether
    // any was.
    bool forget_domain(DomId domid);

    bool operator==(const Permissions&) const = default;

  private:
    std::vector<Permission> entries_;
};

// "r5", "w0", "b3", "n1": one letter (read, write, both, none) then a decimal domain id,
// as libxenstore's xs_perm_to_string writes them. Error EINVAL otherwise.
Result<Permission> parse_permission(std::string_view text);
std::string format_permission(const Permission& p);
// The GET_PERMS payload: every entry, each NUL-terminated.
std::string format_permissions(const Permissions& perms);

// Who is asking: a domain, possibly acting for a target domain (a device-model stub domain
// gets its guest's rights after SET_TARGET).
struct Requester {
    DomId domid = kPrivilegedDomain;
    std::optional<DomId> target;
};

// The access bits `who` holds on a node with `perms`: everything for the privileged domain
// and the owner, else the first live entry naming the domain (or its target), else the
// owner entry's access, which is what everyone else gets.
unsigned access_for(const Requester& who, const Permissions& perms);

}  // namespace xensnd::loopback::xenstore
