// Path rules: what xenstored accepts as a node name, and relative paths.
#include <string>

#include <doctest/doctest.h>

#include "loopback/xenstore/path.hpp"
#include "loopback/xenstore/wire.hpp"

using namespace xensnd::loopback::xenstore;

TEST_CASE("node names: absolute, no empty components, a limited alphabet") {
    for (const char* good : {"/", "/a", "/local/domain/1/device/vsnd/0", "/A-Z_09@x"}) {
        CHECK_MESSAGE(is_valid_node_path(good, kRelPathMax), good);
    }
    for (const char* bad :
         {"", "a", "/a/", "/a//b", "//", "/a b", "/a.b", "/a\xc3\xa9", "/a:b", "/a\\b"}) {
        CHECK_MESSAGE(!is_valid_node_path(bad, kRelPathMax), bad);
    }
}

TEST_CASE("the length limit counts from below /local/domain/<id>/") {
    std::string tail(kRelPathMax - 1, 'x');  // with the leading '/' exactly the limit
    CHECK(is_valid_node_path("/" + tail, kRelPathMax));
    CHECK_FALSE(is_valid_node_path("/" + tail + "x", kRelPathMax));
    // Every domain gets the same room below its home.
    CHECK(is_valid_node_path("/local/domain/12345/" + tail + "x", kRelPathMax));
    CHECK_FALSE(is_valid_node_path("/local/domain/12345/" + tail + "xx", kRelPathMax));
    // Six digits are not a domain prefix.
    CHECK_FALSE(is_valid_node_path("/local/domain/123456/" + tail, kRelPathMax));
    // Nothing is longer than XENSTORE_ABS_PATH_MAX, whatever the limit.
    CHECK_FALSE(is_valid_node_path("/" + std::string(kAbsPathMax, 'y'), kAbsPathMax * 2));
}

TEST_CASE("relative paths are below the domain's home; absolute and special ones stay") {
    CHECK(domain_path(7) == "/local/domain/7");
    CHECK(canonical_path("device/vsnd", 7) == "/local/domain/7/device/vsnd");
    CHECK(canonical_path("/tool", 7) == "/tool");
    CHECK(canonical_path("@releaseDomain", 7) == "@releaseDomain");
    CHECK(canonical_path("", 7) == "/local/domain/7/");  // and so invalid
}

TEST_CASE("parents, base names, children") {
    CHECK(parent_path("/a/b/c") == "/a/b");
    CHECK(parent_path("/a") == "/");
    CHECK(parent_path("/") == "/");
    CHECK(base_name("/a/b") == "b");
    CHECK(child_path("/", "a") == "/a");
    CHECK(child_path("/a", "b") == "/a/b");
}

TEST_CASE("at-or-below compares whole components") {
    CHECK(is_at_or_below("/a/b", "/a"));
    CHECK(is_at_or_below("/a", "/a"));
    CHECK(is_at_or_below("/anything", "/"));
    CHECK_FALSE(is_at_or_below("/ab", "/a"));
    CHECK_FALSE(is_at_or_below("/a", "/a/b"));
}
