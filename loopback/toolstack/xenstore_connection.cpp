#include "loopback/toolstack/xenstore_connection.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>

namespace xensnd::loopback::toolstack {

ToolstackResult<XenStoreConnection> connect_xenstore(const std::optional<std::string>& socket) {
    std::string path;
    if (socket) {
        path = *socket;
        if (path.empty()) return toolstack_error(EINVAL, "--xenstore: empty socket path");
        if (setenv("XENSTORED_PATH", path.c_str(), 1) != 0)
            return store_failure("setting XENSTORED_PATH", errno_code(errno));
    } else {
        const char* env = std::getenv("XENSTORED_PATH");
        if (env == nullptr || *env == '\0')
            return toolstack_error(
                EDESTADDRREQ,
                "no XenStore to talk to: set XENSTORED_PATH to the domain-0 socket of the loopback "
                "daemon (<rundir>/xenstore/domain-0.sock) or pass --xenstore SOCKET");
        path = env;
    }

    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        const int e = errno;
        return toolstack_error(e, "XenStore socket " + path + ": " + errno_code(e).message() +
                                      " (is xensnd-loopback running?)");
    }
    if (!S_ISSOCK(st.st_mode))
        return toolstack_error(ENOTSOCK, "XenStore socket " + path + ": not a socket");

    xs_handle* h = xs_open(XS_OPEN_SOCKETONLY);
    if (h == nullptr) {
        const int e = errno;
        return toolstack_error(
            e, "connecting to XenStore at " + path + ": " + errno_code(e).message());
    }
    return XenStoreConnection(h);
}

}  // namespace xensnd::loopback::toolstack
