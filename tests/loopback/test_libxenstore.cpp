// libxenstore's C API against the daemon, from two domains at once: permissions, watches,
// a transaction conflict, long directories and the toolstack's domain calls.
#include <poll.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

// xenstore.h has no C++ guards of its own.
extern "C" {
#include <xenstore.h>
}

#include <doctest/doctest.h>

#include "child_process.hpp"

using namespace xensnd::loopback::testing;

namespace {

struct Handle {
    xs_handle* h = nullptr;
    Handle(const Daemon& d, unsigned domid) {
        // libxenstore reads XENSTORED_PATH at every xs_open.
        REQUIRE(setenv("XENSTORED_PATH", d.socket(domid).c_str(), 1) == 0);
        h = xs_open(0);
        REQUIRE(h != nullptr);
    }
    ~Handle() { xs_close(h); }
    operator xs_handle*() const { return h; }
};

// The value, or "<errno name>" when the read fails.
std::string read(xs_handle* h, const char* path, xs_transaction_t t = XBT_NULL) {
    unsigned len = 0;
    char* v = static_cast<char*>(xs_read(h, t, path, &len));
    if (v == nullptr) return std::string("<") + strerrorname_np(errno) + ">";
    std::string out(v, len);
    free(v);
    return out;
}

bool write(xs_handle* h, const char* path, const std::string& value,
           xs_transaction_t t = XBT_NULL) {
    return xs_write(h, t, path, value.data(), static_cast<unsigned>(value.size()));
}

// The next watch event's path and token, or {"<timeout>", ""}.
std::pair<std::string, std::string> next_event(xs_handle* h, int timeout_ms = 10000) {
    pollfd p{xs_fileno(h), POLLIN, 0};
    if (poll(&p, 1, timeout_ms) != 1) return {"<timeout>", ""};
    unsigned num = 0;
    char** v = xs_read_watch(h, &num);
    REQUIRE(v != nullptr);
    std::pair<std::string, std::string> e{v[XS_WATCH_PATH], v[XS_WATCH_TOKEN]};
    free(v);
    return e;
}

bool no_event(xs_handle* h, int wait_ms = 200) {
    pollfd p{xs_fileno(h), POLLIN, 0};
    return poll(&p, 1, wait_ms) == 0;
}

}  // namespace

TEST_CASE("permissions between two guests through xs_set_permissions") {
    Daemon d("1,2");
    Handle dom1(d, 1);
    Handle dom2(d, 2);
    REQUIRE(write(dom1, "/local/domain/1/data", "x"));
    CHECK(read(dom2, "/local/domain/1/data") == "<EACCES>");

    xs_permissions perms[2] = {{1, XS_PERM_NONE}, {2, XS_PERM_READ}};
    REQUIRE(xs_set_permissions(dom1, XBT_NULL, "/local/domain/1/data", perms, 2));
    CHECK(read(dom2, "/local/domain/1/data") == "x");
    CHECK_FALSE(write(dom2, "/local/domain/1/data", "y"));
    CHECK(errno == EACCES);

    unsigned n = 0;
    xs_permissions* got = xs_get_permissions(dom2, XBT_NULL, "/local/domain/1/data", &n);
    REQUIRE(got != nullptr);
    REQUIRE(n == 2);
    CHECK(got[0].id == 1);
    CHECK(got[0].perms == XS_PERM_NONE);
    CHECK(got[1].id == 2);
    CHECK(got[1].perms == XS_PERM_READ);
    free(got);

    xs_permissions chown[1] = {{2, XS_PERM_NONE}};
    CHECK_FALSE(xs_set_permissions(dom1, XBT_NULL, "/local/domain/1/data", chown, 1));
    CHECK(errno == EPERM);
}

TEST_CASE("a watch in one guest hears the other's writes") {
    Daemon d("1,2");
    Handle dom1(d, 1);
    Handle dom2(d, 2);
    REQUIRE(xs_mkdir(dom1, XBT_NULL, "/local/domain/1/shared"));
    xs_permissions perms[2] = {{1, XS_PERM_NONE}, {2, XS_PERM_READ | XS_PERM_WRITE}};
    REQUIRE(xs_set_permissions(dom1, XBT_NULL, "/local/domain/1/shared", perms, 2));

    REQUIRE(xs_watch(dom1, "shared", "rel-token"));
    CHECK(next_event(dom1) == std::pair<std::string, std::string>{"shared", "rel-token"});
    REQUIRE(xs_watch(dom2, "/local/domain/1/shared", "abs-token"));
    CHECK(next_event(dom2) ==
          std::pair<std::string, std::string>{"/local/domain/1/shared", "abs-token"});

    REQUIRE(write(dom2, "/local/domain/1/shared/from2", "hello"));
    CHECK(next_event(dom1) == std::pair<std::string, std::string>{"shared/from2", "rel-token"});
    CHECK(next_event(dom2) ==
          std::pair<std::string, std::string>{"/local/domain/1/shared/from2", "abs-token"});
    // dom2 owns what it created, with the directory's entries (b2) inherited: dom1 heard
    // of it through its directory but may not read it, as under xenstored.
    CHECK(read(dom1, "shared/from2") == "<EACCES>");
    CHECK(read(dom2, "/local/domain/1/shared/from2") == "hello");

    REQUIRE(xs_unwatch(dom2, "/local/domain/1/shared", "abs-token"));
    REQUIRE(xs_rm(dom2, XBT_NULL, "/local/domain/1/shared/from2"));
    CHECK(next_event(dom1) == std::pair<std::string, std::string>{"shared/from2", "rel-token"});
    CHECK(no_event(dom2));
}

TEST_CASE("a transaction that raced another writer ends with EAGAIN and can be retried") {
    Daemon d("1,2");
    Handle dom1(d, 1);
    Handle other(d, 2);  // the racing writer is another guest, allowed in
    REQUIRE(write(dom1, "/local/domain/1/counter", "1"));
    xs_permissions perms[2] = {{1, XS_PERM_NONE}, {2, XS_PERM_READ | XS_PERM_WRITE}};
    REQUIRE(xs_set_permissions(dom1, XBT_NULL, "/local/domain/1/counter", perms, 2));

    xs_transaction_t t = xs_transaction_start(dom1);
    REQUIRE(t != XBT_NULL);
    CHECK(read(dom1, "/local/domain/1/counter", t) == "1");
    REQUIRE(write(dom1, "/local/domain/1/counter", "2", t));
    REQUIRE(write(other, "/local/domain/1/counter", "10"));
    CHECK(read(other, "/local/domain/1/counter") == "10");
    CHECK_FALSE(xs_transaction_end(dom1, t, false));
    CHECK(errno == EAGAIN);
    CHECK(read(dom1, "/local/domain/1/counter") == "10");

    t = xs_transaction_start(dom1);
    REQUIRE(t != XBT_NULL);
    CHECK(read(dom1, "/local/domain/1/counter", t) == "10");
    REQUIRE(write(dom1, "/local/domain/1/counter", "11", t));
    CHECK(xs_transaction_end(dom1, t, false));
    CHECK(read(other, "/local/domain/1/counter") == "11");

    t = xs_transaction_start(dom1);
    REQUIRE(write(dom1, "/local/domain/1/abandoned", "x", t));
    CHECK(xs_transaction_end(dom1, t, true));
    CHECK(read(dom1, "/local/domain/1/abandoned") == "<ENOENT>");
}

TEST_CASE("directories too long for one reply come back whole") {
    Daemon d("1");
    Handle dom0(d, 0);
    for (int i = 0; i < 300; ++i) {
        std::string p = "/big/a-rather-long-child-name-number-" + std::to_string(i);
        REQUIRE(xs_mkdir(dom0, XBT_NULL, p.c_str()));
    }
    unsigned num = 0;
    char** list = xs_directory(dom0, XBT_NULL, "/big", &num);
    REQUIRE(list != nullptr);
    CHECK(num == 300);
    CHECK(std::string(list[0]) == "a-rather-long-child-name-number-0");
    CHECK(std::string(list[299]) == "a-rather-long-child-name-number-299");
    free(list);
    CHECK(xs_rm(dom0, XBT_NULL, "/big"));
    CHECK(xs_directory(dom0, XBT_NULL, "/big", &num) == nullptr);
    CHECK(errno == ENOENT);
}

TEST_CASE("the toolstack introduces and releases domains; their sockets come and go") {
    Daemon d("1");
    Handle dom0(d, 0);
    Handle dom1(d, 1);
    char* path = xs_get_domain_path(dom1, 7);
    REQUIRE(path != nullptr);
    CHECK(std::string(path) == "/local/domain/7");
    free(path);

    CHECK_FALSE(xs_is_domain_introduced(dom0, 7));
    CHECK_FALSE(xs_introduce_domain(dom1, 7, 0, 1));  // not the toolstack
    CHECK(errno == EACCES);

    REQUIRE(xs_watch(dom0, "@introduceDomain", "i"));
    REQUIRE(xs_watch(dom0, "@releaseDomain", "r"));
    CHECK(next_event(dom0).first == "@introduceDomain");
    CHECK(next_event(dom0).first == "@releaseDomain");

    REQUIRE(write(dom0, "/local/domain/7/name", "late"));
    xs_permissions perms[1] = {{0, XS_PERM_NONE}};
    REQUIRE(xs_set_permissions(dom0, XBT_NULL, "/local/domain/7", perms, 1));
    REQUIRE(xs_introduce_domain(dom0, 7, 1234, 5));
    CHECK(next_event(dom0) == std::pair<std::string, std::string>{"@introduceDomain", "i"});
    CHECK(xs_is_domain_introduced(dom0, 7));
    struct stat st {};
    CHECK(stat(d.socket(7).c_str(), &st) == 0);
    {
        Handle dom7(d, 7);
        CHECK(read(dom7, "name") == "<EACCES>");  // dom0's node, no entry for 7
        REQUIRE(write(dom0, "/local/domain/7/name", "late"));
    }

    REQUIRE(xs_release_domain(dom0, 7));
    CHECK(next_event(dom0) == std::pair<std::string, std::string>{"@releaseDomain", "r"});
    CHECK_FALSE(xs_is_domain_introduced(dom0, 7));
    CHECK(stat(d.socket(7).c_str(), &st) != 0);
    CHECK(read(dom0, "/local/domain/7/name") == "late");  // dom0's nodes stay
}
