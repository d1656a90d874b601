// Per-domain listening sockets: appear ready, refuse to steal a live daemon's socket,
// replace a dead one's, and disappear with their owner.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include <doctest/doctest.h>

#include "loopback/listening_socket.hpp"

using namespace xensnd::loopback;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/xsnd-ls-XXXXXX";
        REQUIRE(mkdtemp(tmpl) != nullptr);
        path = tmpl;
    }
    ~TempDir() { ::rmdir(path.c_str()); }
};

bool exists(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0;
}

bool can_connect(const std::string& p) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, p.c_str(), sizeof addr.sun_path - 1);
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

}  // namespace

TEST_CASE("a socket is connectable as soon as its file exists, and goes with its owner") {
    TempDir dir;
    std::string path = dir.path + "/domain-1.sock";
    {
        auto s = ListeningSocket::open(path);
        REQUIRE(s.ok());
        CHECK(exists(path));
        CHECK_FALSE(exists(path + ".new"));
        CHECK(can_connect(path));
        // A second daemon must not take it over.
        CHECK(ListeningSocket::open(path).errno_value() == EADDRINUSE);
    }
    CHECK_FALSE(exists(path));
}

TEST_CASE("a stale socket file left by a dead daemon is replaced") {
    TempDir dir;
    std::string path = dir.path + "/domain-2.sock";
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    ::close(fd);  // the file stays, nobody listens
    auto s = ListeningSocket::open(path);
    REQUIRE(s.ok());
    CHECK(can_connect(path));
}

TEST_CASE("a path too long for sockaddr_un is ENAMETOOLONG") {
    std::string path = "/tmp/" + std::string(120, 'x') + ".sock";
    CHECK(ListeningSocket::open(path).errno_value() == ENAMETOOLONG);
    CHECK(ListeningSocket::open("/nonexistent-dir/x.sock").errno_value() == ENOENT);
}
