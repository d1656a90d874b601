// XenStore paths: absolute ("/local/domain/1/device"), relative to the caller's home
// ("device" from domain 1 is /local/domain/1/device), or special ("@releaseDomain").
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "loopback/xenstore/ids.hpp"

namespace xensnd::loopback::xenstore {

// "/local/domain/<id>": a domain's home, where its relative paths point.
std::string domain_path(DomId domid);

// A relative path made absolute against `domid`'s home; absolute and special paths as given.
std::string canonical_path(std::string_view path, DomId domid);

// xenstored's rules for a node name: starts with '/', no trailing '/' (except "/" itself),
// no "//", only [A-Za-z0-9-/_@], and at most `max_len` characters after a leading
// "/local/domain/<id>/" (so every domain gets the same room below its home) and at most
// XENSTORE_ABS_PATH_MAX in all.
bool is_valid_node_path(std::string_view path, std::size_t max_len);

inline bool is_special_path(std::string_view path) {
    return !path.empty() && path[0] == '@';
}

// Precondition for the three below: a valid node path.
// "/a/b" -> "/a", "/a" -> "/", "/" -> "/".
std::string_view parent_path(std::string_view path);
// "/a/b" -> "b".
std::string_view base_name(std::string_view path);
// "/a" + "b" -> "/a/b", "/" + "b" -> "/b".
std::string child_path(std::string_view parent, std::string_view name);

// Whether `path` is `ancestor` or lies below it; everything lies below "/".
bool is_at_or_below(std::string_view path, std::string_view ancestor);

}  // namespace xensnd::loopback::xenstore
