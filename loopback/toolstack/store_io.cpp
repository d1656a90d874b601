#include "loopback/toolstack/store_io.hpp"

#include <cerrno>
#include <cstdlib>
#include <memory>

namespace xensnd::loopback::toolstack {

namespace {

struct FreeDeleter {
    void operator()(void* p) const { std::free(p); }
};

// libxenstore's failures leave errno set; 0 would turn an error into a success.
Err last_error() {
    return Err(errno != 0 ? errno : EIO);
}

unsigned access_bits(config::StoreAccess access) {
    switch (access) {
        case config::StoreAccess::None:
            return XS_PERM_NONE;
        case config::StoreAccess::Read:
            return XS_PERM_READ;
        case config::StoreAccess::Write:
            return XS_PERM_WRITE;
        case config::StoreAccess::ReadWrite:
            return XS_PERM_READ | XS_PERM_WRITE;
    }
    return XS_PERM_NONE;
}

std::optional<config::StoreAccess> access_from_bits(unsigned bits) {
    switch (bits) {
        case XS_PERM_NONE:
            return config::StoreAccess::None;
        case XS_PERM_READ:
            return config::StoreAccess::Read;
        case XS_PERM_WRITE:
            return config::StoreAccess::Write;
        case XS_PERM_READ | XS_PERM_WRITE:
            return config::StoreAccess::ReadWrite;
        default:
            return std::nullopt;
    }
}

}  // namespace

Result<std::string> read_node(xs_handle* xs, xs_transaction_t t, const std::string& path) {
    unsigned len = 0;
    errno = 0;
    std::unique_ptr<char, FreeDeleter> value(
        static_cast<char*>(xs_read(xs, t, path.c_str(), &len)));
    if (!value) return last_error();
    return std::string(value.get(), len);
}

Result<std::optional<std::string>> read_if_present(xs_handle* xs, xs_transaction_t t,
                                                   const std::string& path) {
    auto value = read_node(xs, t, path);
    if (value) return std::optional<std::string>(std::move(*value));
    if (value.errno_value() == ENOENT) return std::optional<std::string>();
    return Err(value.error());
}

Result<std::vector<std::string>> list_children(xs_handle* xs, xs_transaction_t t,
                                               const std::string& path) {
    unsigned count = 0;
    errno = 0;
    // One allocation holds the array and the strings.
    std::unique_ptr<char*, FreeDeleter> names(xs_directory(xs, t, path.c_str(), &count));
    if (!names) return last_error();
    std::vector<std::string> out;
    out.reserve(count);
    for (unsigned i = 0; i < count; ++i)
        out.emplace_back(names.get()[i]);
    return out;
}

Result<void> write_node(xs_handle* xs, xs_transaction_t t, const std::string& path,
                        const std::string& value) {
    errno = 0;
    if (!xs_write(xs, t, path.c_str(), value.data(), static_cast<unsigned>(value.size())))
        return last_error();
    return ok();
}

Result<void> remove_subtree(xs_handle* xs, xs_transaction_t t, const std::string& path) {
    errno = 0;
    if (xs_rm(xs, t, path.c_str()) || errno == ENOENT) return ok();
    return last_error();
}

Result<void> set_permissions(xs_handle* xs, xs_transaction_t t, const std::string& path,
                             const config::StorePerms& perms) {
    std::vector<xs_permissions> entries;
    entries.push_back({perms.owner, access_bits(perms.others)});
    for (const auto& e : perms.acl)
        entries.push_back({e.domid, access_bits(e.access)});
    errno = 0;
    if (!xs_set_permissions(xs, t, path.c_str(), entries.data(),
                            static_cast<unsigned>(entries.size())))
        return last_error();
    return ok();
}

Result<config::StorePerms> get_permissions(xs_handle* xs, xs_transaction_t t,
                                           const std::string& path) {
    unsigned count = 0;
    errno = 0;
    std::unique_ptr<xs_permissions, FreeDeleter> entries(
        xs_get_permissions(xs, t, path.c_str(), &count));
    if (!entries) return last_error();
    if (count == 0) return Err(EPROTO);
    config::StorePerms perms;
    for (unsigned i = 0; i < count; ++i) {
        auto access = access_from_bits(entries.get()[i].perms);
        if (!access) return Err(EPROTO);
        if (i == 0) {
            perms.owner = entries.get()[i].id;
            perms.others = *access;
        } else {
            perms.acl.push_back({entries.get()[i].id, *access});
        }
    }
    return perms;
}

}  // namespace xensnd::loopback::toolstack
