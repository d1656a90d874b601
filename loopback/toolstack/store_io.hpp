// The synchronous XenStore calls the toolstack makes, as values: libxenstore's bool/NULL +
// errno results turned into Result<T> (errno codes) and its malloc'd answers into owned C++
// values. Blocking calls are fine here: the toolstack is a command-line tool doing one thing.
#pragma once

#include <optional>
#include <string>
#include <vector>

extern "C" {
#include <xenstore.h>
}

#include "core/config/vsnd_store_layout.hpp"
#include "coro/result.hpp"

namespace xensnd::loopback::toolstack {

// The node's value; ENOENT when it does not exist.
Result<std::string> read_node(xs_handle* xs, xs_transaction_t t, const std::string& path);
// The node's value, or nullopt when it does not exist (any other failure is an error).
Result<std::optional<std::string>> read_if_present(xs_handle* xs, xs_transaction_t t,
                                                   const std::string& path);
// The names of the node's children, as the store orders them; ENOENT when it does not exist.
Result<std::vector<std::string>> list_children(xs_handle* xs, xs_transaction_t t,
                                               const std::string& path);
Result<void> write_node(xs_handle* xs, xs_transaction_t t, const std::string& path,
                        const std::string& value);
// Removes the node and everything below it; a node that is already gone is no error.
Result<void> remove_subtree(xs_handle* xs, xs_transaction_t t, const std::string& path);
Result<void> set_permissions(xs_handle* xs, xs_transaction_t t, const std::string& path,
                             const config::StorePerms& perms);
// EPROTO for an access bit pattern StorePerms cannot express.
Result<config::StorePerms> get_permissions(xs_handle* xs, xs_transaction_t t,
                                           const std::string& path);

}  // namespace xensnd::loopback::toolstack
