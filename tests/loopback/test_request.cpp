// Per-operation payload rules: how many NUL-terminated strings each request takes, and what
// a malformed one gets.
#include <cerrno>
#include <string>
#include <variant>

#include <xen/io/xs_wire.h>

#include <doctest/doctest.h>

#include "loopback/xenstore/request.hpp"

using namespace xensnd::loopback::xenstore;
using namespace std::string_literals;

TEST_CASE("path requests take exactly one string filling the payload") {
    const std::string payload = "/a/b\0"s;  // the request's views point into it
    auto ok = decode_request(XS_READ, payload);
    REQUIRE(ok.ok());
    CHECK(std::get<request::Read>(*ok).path == "/a/b");

    CHECK(decode_request(XS_READ, "/a/b"s).errno_value() == EINVAL);      // no terminator
    CHECK(decode_request(XS_READ, "/a\0/b\0"s).errno_value() == EINVAL);  // two strings
    CHECK(decode_request(XS_RM, "/a\0junk"s).errno_value() == EINVAL);    // bytes after it
    CHECK(decode_request(XS_DIRECTORY, ""s).errno_value() == EINVAL);     // nothing
    CHECK(decode_request(XS_MKDIR, "\0"s).ok());  // an empty path: the server says EINVAL
}

TEST_CASE("WRITE takes a path and then any bytes, NULs included") {
    const std::string payload = "/k\0va\0lue"s;
    auto w = decode_request(XS_WRITE, payload);
    REQUIRE(w.ok());
    CHECK(std::get<request::Write>(*w).path == "/k");
    CHECK(std::get<request::Write>(*w).value == "va\0lue"s);

    const std::string bare = "/k\0"s;
    auto empty = decode_request(XS_WRITE, bare);
    REQUIRE(empty.ok());
    CHECK(std::get<request::Write>(*empty).value.empty());

    CHECK(decode_request(XS_WRITE, "/k"s).errno_value() == EINVAL);
}

TEST_CASE("WATCH and UNWATCH take exactly a path and a token") {
    const std::string payload = "/a\0tok\0"s;
    auto w = decode_request(XS_WATCH, payload);
    REQUIRE(w.ok());
    CHECK(std::get<request::Watch>(*w).token == "tok");
    // Bytes after the last NUL are not a string, as xenstored counts.
    CHECK(decode_request(XS_WATCH, "/a\0tok\0dangling"s).ok());
    CHECK(decode_request(XS_WATCH, "/a\0"s).errno_value() == EINVAL);
    CHECK(decode_request(XS_UNWATCH, "/a\0t\0x\0"s).errno_value() == EINVAL);
}

TEST_CASE("TRANSACTION_END takes T or F") {
    CHECK(std::get<request::TransactionEnd>(*decode_request(XS_TRANSACTION_END, "T\0"s)).commit);
    CHECK_FALSE(
        std::get<request::TransactionEnd>(*decode_request(XS_TRANSACTION_END, "F\0"s)).commit);
    CHECK(decode_request(XS_TRANSACTION_END, "X\0"s).errno_value() == EINVAL);
    CHECK(decode_request(XS_TRANSACTION_END, "TT\0"s).errno_value() == EINVAL);
    CHECK(decode_request(XS_TRANSACTION_START, "anything"s).ok());
}

TEST_CASE("SET_PERMS takes a path and one or more permission strings") {
    const std::string payload = "/a\0n1\0r2\0b3\0w4\0"s;
    auto p = decode_request(XS_SET_PERMS, payload);
    REQUIRE(p.ok());
    const auto& perms = std::get<request::SetPerms>(*p).perms;
    REQUIRE(perms.size() == 4);
    CHECK(perms[0] == Permission{1, kAccessNone, false});
    CHECK(perms[1] == Permission{2, kAccessRead, false});
    CHECK(perms[2] == Permission{3, kAccessRead | kAccessWrite, false});
    CHECK(perms[3] == Permission{4, kAccessWrite, false});

    CHECK(decode_request(XS_SET_PERMS, "/a\0"s).errno_value() == EINVAL);
    CHECK(decode_request(XS_SET_PERMS, "/a\0x1\0"s).errno_value() == EINVAL);
    CHECK(decode_request(XS_SET_PERMS, "/a\0r\0"s).errno_value() == EINVAL);
    CHECK(decode_request(XS_SET_PERMS, "/a\0r1x\0"s).errno_value() == EINVAL);
    CHECK(decode_request(XS_SET_PERMS, "/a\0r99999999999\0"s).errno_value() == EINVAL);
}

TEST_CASE("domain ids must be decimal numbers") {
    CHECK(std::get<request::GetDomainPath>(*decode_request(XS_GET_DOMAIN_PATH, "12\0"s)).domid ==
          12);
    CHECK(decode_request(XS_GET_DOMAIN_PATH, "x\0"s).errno_value() == EINVAL);
    CHECK(decode_request(XS_RELEASE, "-1\0"s).errno_value() == EINVAL);
    CHECK(decode_request(XS_IS_DOMAIN_INTRODUCED, "\0"s).errno_value() == EINVAL);
}

TEST_CASE("INTRODUCE takes domid, frame and a non-zero port") {
    auto i = decode_request(XS_INTRODUCE, "5\0"s + "123\0"s + "7\0"s);
    REQUIRE(i.ok());
    CHECK(std::get<request::Introduce>(*i).domid == 5);
    CHECK(std::get<request::Introduce>(*i).port == 7);
    CHECK(decode_request(XS_INTRODUCE, "5\0"s + "123\0"s + "0\0"s).errno_value() == EINVAL);
    CHECK(decode_request(XS_INTRODUCE, "5\0"s + "123\0"s).errno_value() == EINVAL);
}

TEST_CASE("DIRECTORY_PART takes a path and a byte offset") {
    const std::string payload = "/a\0"s + "40\0"s;
    auto d = decode_request(XS_DIRECTORY_PART, payload);
    REQUIRE(d.ok());
    CHECK(std::get<request::DirectoryPart>(*d).offset == 40);
    CHECK(decode_request(XS_DIRECTORY_PART, "/a\0"s).errno_value() == EINVAL);
    CHECK(decode_request(XS_DIRECTORY_PART, "/a\0x\0"s).errno_value() == EINVAL);
}

TEST_CASE("types no client may send are ENOSYS") {
    CHECK_FALSE(op_rules(XS_WATCH_EVENT).has_value());
    CHECK_FALSE(op_rules(XS_ERROR).has_value());
    CHECK_FALSE(op_rules(XS_SET_TARGET + 1).has_value());
    CHECK_FALSE(op_rules(XS_TYPE_COUNT).has_value());
    CHECK(decode_request(XS_WATCH_EVENT, "/a\0t\0"s).errno_value() == ENOSYS);
    CHECK(decode_request(XS_INVALID, ""s).errno_value() == ENOSYS);
}

TEST_CASE("only the toolstack's operations are privileged, and only watches ignore tx ids") {
    for (auto t : {XS_CONTROL, XS_INTRODUCE, XS_RELEASE, XS_IS_DOMAIN_INTRODUCED, XS_RESUME,
                   XS_SET_TARGET}) {
        CHECK(op_rules(t)->privileged_only);
    }
    for (auto t : {XS_READ, XS_WRITE, XS_GET_DOMAIN_PATH, XS_SET_PERMS, XS_RESET_WATCHES}) {
        CHECK_FALSE(op_rules(t)->privileged_only);
    }
    CHECK(op_rules(XS_WATCH)->ignores_transaction);
    CHECK(op_rules(XS_UNWATCH)->ignores_transaction);
    CHECK_FALSE(op_rules(XS_READ)->ignores_transaction);
}
