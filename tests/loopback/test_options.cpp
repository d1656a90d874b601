// The daemon's command line.
#include <vector>

#include <doctest/doctest.h>

#include "loopback/options.hpp"

using namespace xensnd::loopback;

namespace {
ParsedOptions parse(std::vector<const char*> args) {
    return parse_options(args);
}
}  // namespace

TEST_CASE("--rundir is required; domain 0 always exists") {
    auto p = parse({"--rundir", "/run/x"});
    REQUIRE(p.ok());
    CHECK(p.options.rundir == "/run/x");
    CHECK(p.options.domains == std::vector<xenstore::DomId>{0});
    CHECK_FALSE(p.options.trace);
    CHECK(parse({}).error == "--rundir is required");
    CHECK(parse({"--help"}).ok());
    CHECK(parse({"-h"}).options.help);
}

TEST_CASE("--domains lists ids; 0 is added and duplicates merged") {
    auto p = parse({"--rundir=/r", "--domains", "2,1,2", "-v"});
    REQUIRE(p.ok());
    CHECK(p.options.domains == std::vector<xenstore::DomId>{0, 2, 1});
    CHECK(p.options.trace);
    CHECK(parse({"--rundir=/r", "--domains=0"}).options.domains == std::vector<xenstore::DomId>{0});
}

TEST_CASE("bad command lines say what is wrong") {
    CHECK(parse({"--rundir"}).error == "--rundir needs a value");
    CHECK(parse({"--rundir="}).error == "--rundir: empty path");
    CHECK(parse({"--rundir=/r", "--domains", "1,x"}).error == "--domains: 'x' is not a domain id");
    CHECK(parse({"--rundir=/r", "--domains", "1,"}).error == "--domains: trailing ','");
    CHECK(parse({"--rundir=/r", "--domains", ""}).error.empty());
    CHECK(parse({"--rundir=/r", "--domains", "32752"}).error.find("reserved") != std::string::npos);
    CHECK(parse({"--rundir=/r", "--bogus"}).error == "unknown argument '--bogus'");
    CHECK(usage("xensnd-loopback").find("--rundir DIR") != std::string::npos);
}
