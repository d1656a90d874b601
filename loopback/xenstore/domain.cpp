#include "loopback/xenstore/domain.hpp"

#include <algorithm>

namespace xensnd::loopback::xenstore {

Domains::Domains() {
    introduce(kPrivilegedDomain);
}

Domain* Domains::find(DomId domid) {
    auto it = domains_.find(domid);
    return it == domains_.end() ? nullptr : &it->second;
}

const Domain* Domains::find(DomId domid) const {
    auto it = domains_.find(domid);
    return it == domains_.end() ? nullptr : &it->second;
}

bool Domains::introduce(DomId domid) {
    return domains_.emplace(domid, Domain{domid, std::nullopt, 0}).second;
}

void Domains::release(DomId domid) {
    domains_.erase(domid);
    for (auto& [id, d] : domains_) {
        if (d.target == domid) d.target.reset();
    }
    for (Permissions* p : {&introduce_perms_, &release_perms_}) {
        auto& e = p->entries();
        if (e[0].domid == domid) e[0].domid = kPrivilegedDomain;
        e.erase(std::remove_if(e.begin() + 1, e.end(),
                               [&](const Permission& x) { return x.domid == domid; }),
                e.end());
    }
}

std::vector<DomId> Domains::ids() const {
    std::vector<DomId> out;
    for (const auto& [id, d] : domains_)
        out.push_back(id);
    return out;
}

Permissions* Domains::special_permissions(std::string_view path) {
    if (path == "@introduceDomain") return &introduce_perms_;
    if (path == "@releaseDomain") return &release_perms_;
    return nullptr;
}

}  // namespace xensnd::loopback::xenstore
