// Debian's stock xenstore-* tools against the daemon, unchanged, as a user runs them:
// XENSTORED_PATH=<rundir>/xenstore/domain-<id>.sock xenstore-ls -f, and so on.
#include <string>

#include <doctest/doctest.h>

#include "child_process.hpp"

using namespace xensnd::loopback::testing;

TEST_CASE("write, read, list, ls and rm from the toolstack domain") {
    Daemon d("1,2");
    auto w = run_as(d, 0,
                    {"xenstore-write", "/local/domain/1/device/vsnd/0/state", "1",
                     "/local/domain/1/name", "guest one"});
    REQUIRE_MESSAGE(w.status == 0, w.err);
    auto r = run_as(d, 0, {"xenstore-read", "/local/domain/1/name"});
    CHECK(r.status == 0);
    CHECK(r.out == "guest one\n");

    auto l = run_as(d, 0, {"xenstore-list", "/local/domain"});
    CHECK(l.out == "0\n1\n2\n");

    auto ls = run_as(d, 0, {"xenstore-ls", "-f", "/local/domain/1"});
    CHECK(ls.status == 0);
    CHECK(ls.out ==
          "/local/domain/1/domid = \"1\"\n"
          "/local/domain/1/device = \"\"\n"
          "/local/domain/1/device/vsnd = \"\"\n"
          "/local/domain/1/device/vsnd/0 = \"\"\n"
          "/local/domain/1/device/vsnd/0/state = \"1\"\n"
          "/local/domain/1/name = \"guest one\"\n");

    auto whole = run_as(d, 0, {"xenstore-ls", "-f"});
    CHECK(whole.out.find("/tool/xenstored = \"\"\n") != std::string::npos);
    CHECK(whole.out.find("/local/domain/2 = \"\"\n") != std::string::npos);

    auto rm = run_as(d, 0, {"xenstore-rm", "/local/domain/1/device"});
    CHECK(rm.status == 0);
    auto gone = run_as(d, 0, {"xenstore-read", "/local/domain/1/device/vsnd/0/state"});
    CHECK(gone.status == 1);
    CHECK(gone.err.find("couldn't read path") != std::string::npos);

    auto exists = run_as(d, 0, {"xenstore-exists", "/local/domain/1/name"});
    CHECK(exists.status == 0);
}

TEST_CASE("a guest's tools use its relative paths and its permissions") {
    Daemon d("1,2");
    REQUIRE(run_as(d, 1, {"xenstore-write", "data/secret", "s", "data/shared", "x"}).status == 0);
    CHECK(run_as(d, 0, {"xenstore-read", "/local/domain/1/data/secret"}).out == "s\n");

    auto denied = run_as(d, 2, {"xenstore-read", "/local/domain/1/data/shared"});
    CHECK(denied.status == 1);
    REQUIRE(run_as(d, 1, {"xenstore-chmod", "data/shared", "n1", "r2"}).status == 0);
    CHECK(run_as(d, 2, {"xenstore-read", "/local/domain/1/data/shared"}).out == "x\n");
    CHECK(run_as(d, 2, {"xenstore-write", "/local/domain/1/data/shared", "y"}).status == 1);
    CHECK(run_as(d, 2, {"xenstore-read", "/local/domain/1/data/secret"}).status == 1);

    // A guest may not give its node away; the toolstack may.
    auto give = run_as(d, 1, {"xenstore-chmod", "data/shared", "n2"});
    CHECK(give.status == 1);
    CHECK(give.err.find("Operation not permitted") != std::string::npos);
    CHECK(run_as(d, 0, {"xenstore-chmod", "/local/domain/1/data/shared", "n2"}).status == 0);

    auto perms = run_as(d, 0, {"xenstore-ls", "-fp", "/local/domain/1"});
    CHECK(perms.out.find("/local/domain/1/data/secret = \"s\"") != std::string::npos);
    CHECK(perms.out.find("(n1)") != std::string::npos);
    CHECK(perms.out.find("(n2)") != std::string::npos);

    // chmod -r applies to the subtree.
    REQUIRE(run_as(d, 1, {"xenstore-write", "tree/a/b", "1"}).status == 0);
    REQUIRE(run_as(d, 1, {"xenstore-chmod", "-r", "tree", "n1", "r2"}).status == 0);
    CHECK(run_as(d, 2, {"xenstore-read", "/local/domain/1/tree/a/b"}).out == "1\n");
}

TEST_CASE("xenstore-watch prints the first event, then one per change below the path") {
    Daemon d("1");
    ChildProcess watch({"xenstore-watch", "-n", "3", "/local/domain/1/device"}, {d.env(1)});
    CHECK(watch.read_line(10000) == std::optional<std::string>("/local/domain/1/device"));
    REQUIRE(run_as(d, 0, {"xenstore-write", "/local/domain/1/device/vsnd/0/state", "2"}).status ==
            0);
    CHECK(watch.read_line(10000) ==
          std::optional<std::string>("/local/domain/1/device/vsnd/0/state"));
    REQUIRE(run_as(d, 0, {"xenstore-write", "/local/domain/1/other", "x"}).status == 0);
    REQUIRE(run_as(d, 1, {"xenstore-rm", "device/vsnd"}).status == 0);
    CHECK(watch.read_line(10000) == std::optional<std::string>("/local/domain/1/device/vsnd"));
    CHECK(watch.finish().status == 0);

    // A relative watch prints relative paths.
    ChildProcess rel({"xenstore-watch", "-n", "2", "device"}, {d.env(1)});
    CHECK(rel.read_line(10000) == std::optional<std::string>("device"));
    REQUIRE(run_as(d, 1, {"xenstore-write", "device/x", "1"}).status == 0);
    CHECK(rel.read_line(10000) == std::optional<std::string>("device/x"));
    CHECK(rel.finish().status == 0);
}

TEST_CASE("rm -t tidies empty parents; errors are the tools' usual ones") {
    Daemon d("1");
    REQUIRE(run_as(d, 1, {"xenstore-write", "keep", "1", "a/b/c", "1"}).status == 0);
    REQUIRE(run_as(d, 1, {"xenstore-rm", "-t", "a/b/c"}).status == 0);
    CHECK(run_as(d, 1, {"xenstore-list", "/local/domain/1"}).out == "domid\nkeep\n");
    auto bad = run_as(d, 1, {"xenstore-write", "bad//path", "1"});
    CHECK(bad.status == 1);
    auto denied = run_as(d, 1, {"xenstore-write", "/tool/x", "1"});
    CHECK(denied.status == 1);
}

TEST_CASE("the daemon's command line") {
    ChildProcess help({std::getenv("XENSND_LOOPBACK_DAEMON"), "--help"});
    auto h = help.finish();
    CHECK(h.status == 0);
    CHECK(h.out.find("XENSTORED_PATH") != std::string::npos);

    ChildProcess bad({std::getenv("XENSND_LOOPBACK_DAEMON"), "--domains", "x"});
    auto b = bad.finish();
    CHECK(b.status == 2);
    CHECK(b.err.find("--domains: 'x' is not a domain id") != std::string::npos);

    // A second daemon on the same run directory refuses to take the sockets over.
    Daemon d("1");
    ChildProcess second({std::getenv("XENSND_LOOPBACK_DAEMON"), "--rundir", d.rundir()});
    auto s = second.finish();
    CHECK(s.status == 1);
    CHECK(s.err.find("another daemon listens there") != std::string::npos);
    CHECK(run_as(d, 0, {"xenstore-read", "/local/domain/1"}).status == 0);
}
