#include "loopback/xenstore/permissions.hpp"

#include <cerrno>
#include <charconv>

namespace xensnd::loopback::xenstore {

Permissions::Permissions(std::vector<Permission> entries) : entries_(std::move(entries)) {
    if (entries_.empty()) bug("Permissions without an owner entry");
}

bool Permissions::forget_domain(DomId domid) {
    // The owner entry stays: nodes a released domain owned are removed with it.
    bool changed = false;
    for (std::size_t i = 1; i < entries_.size(); ++i) {
        if (entries_[i].domid == domid && !entries_[i].ignored) {
            entries_[i].ignored = true;
            changed = true;
        }
    }
    return changed;
}

Result<Permission> parse_permission(std::string_view text) {
    if (text.size() < 2) return Err(EINVAL);
    Permission p;
    switch (text[0]) {
        case 'r':
            p.access = kAccessRead;
            break;
        case 'w':
            p.access = kAccessWrite;
            break;
        case 'b':
            p.access = kAccessRead | kAccessWrite;
            break;
        case 'n':
            p.access = kAccessNone;
            break;
        default:
            return Err(EINVAL);
    }
    const char* first = text.data() + 1;
    const char* last = text.data() + text.size();
    auto [end, ec] = std::from_chars(first, last, p.domid, 10);
    if (ec != std::errc{} || end != last) return Err(EINVAL);
    return p;
}

std::string format_permission(const Permission& p) {
    char letter = 'n';
    switch (p.access & (kAccessRead | kAccessWrite)) {
        case kAccessRead:
            letter = 'r';
            break;
        case kAccessWrite:
            letter = 'w';
            break;
        case kAccessRead | kAccessWrite:
            letter = 'b';
            break;
        default:
            break;
    }
    return letter + std::to_string(p.domid);
}

std::string format_permissions(const Permissions& perms) {
    std::string out;
    for (const auto& e : perms.entries()) {
        out += format_permission(e);
        out += '\0';
    }
    return out;
}

unsigned access_for(const Requester& who, const Permissions& perms) {
    const auto& entries = perms.entries();
    auto names = [&](DomId domid) {
        return domid == who.domid || (who.target && domid == *who.target);
    };
    if (is_privileged(who.domid) || names(entries[0].domid)) return kAccessAll;
    for (std::size_t i = 1; i < entries.size(); ++i) {
        if (!entries[i].ignored && names(entries[i].domid)) return entries[i].access & kAccessAll;
    }
    return entries[0].access & kAccessAll;
}

}  // namespace xensnd::loopback::xenstore
