// Domains as XenStore knows them: an id given on the command line or in backend= is checked
// against /local/domain/<id>; a domain name is looked up in /local/domain/*/name as libxl does.
#pragma once

#include <string_view>

extern "C" {
#include <xenstore.h>
}

#include "loopback/toolstack/domain_id.hpp"
#include "loopback/toolstack/toolstack_error.hpp"

namespace xensnd::loopback::toolstack {

// ENOENT "domain 7 does not exist" unless /local/domain/7 is there.
ToolstackResult<void> require_domain(xs_handle* xs, DomId domid);

// backend= as xl reads it: a domain id, or else the name of a domain (its /local/domain/<id>/name).
ToolstackResult<DomId> resolve_domain(xs_handle* xs, std::string_view id_or_name);

}  // namespace xensnd::loopback::toolstack
