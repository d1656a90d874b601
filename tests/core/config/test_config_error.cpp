// ConfigError::message(): what a log line shows for a refused configuration value.
#include <doctest/doctest.h>

#include <string>

#include "core/config/config_error.hpp"

using xensnd::config::config_error;
using xensnd::config::ConfigResult;

TEST_CASE("a message names the path, the value and the reason") {
    auto e =
        config_error("/local/domain/5/device/vsnd/0/0/1/type", "x", "stream type must be p or c");
    CHECK(e.message() ==
          "/local/domain/5/device/vsnd/0/0/1/type: \"x\": stream type must be p or c");
}

TEST_CASE("a hostile value cannot break the log line") {
    auto e = config_error("p", "a\"b\n\x01", "bad");
    CHECK(e.message() == "p: \"a\\\"b\\x0a\\x01\": bad");
}

TEST_CASE("a huge value is stored bounded and shown shortened") {
    auto e = config_error("p", std::string(100000, 'v'), "bad");
    CHECK(e.value.size() <= 256);
    CHECK(e.message().size() < 200);
    CHECK(e.message().find("...\": bad") != std::string::npos);
}

TEST_CASE("a ConfigResult carries warnings on success and on failure") {
    ConfigResult<int> good(3);
    good.warnings().push_back("w");
    REQUIRE(good);
    CHECK(*good == 3);
    CHECK(good.warnings().size() == 1);

    ConfigResult<int> bad(config_error("p", "v", "r"));
    bad.warnings().push_back("w");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().path == "p");
    CHECK(bad.warnings().size() == 1);
}
