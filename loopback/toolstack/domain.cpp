#include "loopback/toolstack/domain.hpp"

#include <cerrno>
#include <string>

#include "loopback/toolstack/store_io.hpp"

namespace xensnd::loopback::toolstack {

namespace {

std::string home(DomId domid) {
    return "/local/domain/" + std::to_string(domid);
}

// A name from the command line or a config, bounded and quoted for a message.
std::string quoted(std::string_view text) {
    constexpr std::size_t kShown = 64;
    std::string out = "'";
    for (char c : text.substr(0, kShown))
        out += (c >= 0x20 && c < 0x7f) ? c : '?';
    if (text.size() > kShown) out += "...";
    return out + "'";
}

}  // namespace

ToolstackResult<void> require_domain(xs_handle* xs, DomId domid) {
    auto present = read_if_present(xs, XBT_NULL, home(domid));
    if (!present) return store_failure("reading " + home(domid), present.error());
    if (!*present)
        return toolstack_error(
            ENOENT, "domain " + std::to_string(domid) + " does not exist (no " + home(domid) + ")");
    return {};
}

ToolstackResult<DomId> resolve_domain(xs_handle* xs, std::string_view id_or_name) {
    if (auto id = parse_domid(id_or_name)) {
        if (auto r = require_domain(xs, *id); !r) return r.error();
        return *id;
    }
    auto domains = list_children(xs, XBT_NULL, "/local/domain");
    if (!domains) return store_failure("listing /local/domain", domains.error());
    for (const std::string& entry : *domains) {
        auto id = parse_domid(entry);
        if (!id) continue;
        auto name = read_if_present(xs, XBT_NULL, home(*id) + "/name");
        if (!name) return store_failure("reading " + home(*id) + "/name", name.error());
        if (*name && **name == id_or_name) return *id;
    }
    return toolstack_error(ENOENT, "no domain is named " + quoted(id_or_name) +
                                       " (backend= takes a domain id or a name from "
                                       "/local/domain/<id>/name)");
}

}  // namespace xensnd::loopback::toolstack
