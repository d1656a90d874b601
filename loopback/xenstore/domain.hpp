// The domains the store knows: which are introduced (may connect and be named in
// permissions), each one's watch count and target, and who may hear of domains coming and
// going through the special watch paths @introduceDomain and @releaseDomain.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "loopback/xenstore/ids.hpp"
#include "loopback/xenstore/permissions.hpp"

namespace xensnd::loopback::xenstore {

struct Domain {
    DomId id = kPrivilegedDomain;
    // Set by SET_TARGET: this domain acts for `target` (a device model for its guest).
    std::optional<DomId> target;
    int watches = 0;  // over all its connections, for the per-domain quota
};

class Domains {
  public:
    // The privileged domain is always there.
    Domains();

    Domain* find(DomId domid);
    const Domain* find(DomId domid) const;
    bool introduced(DomId domid) const { return find(domid) != nullptr; }
    // Returns whether it is new.
    bool introduce(DomId domid);
    // Forgets the domain and every mention of it in the special paths' permissions (their
    // owner falls back to the privileged domain, as xenstored does).
    void release(DomId domid);

    std::size_t size() const { return domains_.size(); }
    std::vector<DomId> ids() const;

    // The permissions of "@introduceDomain" / "@releaseDomain"; nullptr for any other path.
    Permissions* special_permissions(std::string_view path);

  private:
    std::map<DomId, Domain> domains_;
    Permissions introduce_perms_;
    Permissions release_perms_;
};

}  // namespace xensnd::loopback::xenstore
