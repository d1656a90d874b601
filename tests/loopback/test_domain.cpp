// Domains: creation with a home, INTRODUCE/RELEASE/IS_DOMAIN_INTRODUCED/RESUME, and what a
// release takes with it.
#include <string>

#include <doctest/doctest.h>

#include "engine_client.hpp"

using namespace xensnd::loopback::xenstore;
using namespace xensnd::loopback::xenstore::testing;
using namespace std::string_literals;

TEST_CASE("the privileged domain exists from the start and its socket is asked for") {
    Server server;
    auto notices = server.take_notices();
    CHECK(notices.introduced == std::vector<DomId>{0});
    CHECK(server.is_introduced(0));
    CHECK(server.release(0).errno_value() == EINVAL);
}

TEST_CASE("create_domain makes a home owned by the domain and introduces it once") {
    Server server;
    (void)server.take_notices();
    REQUIRE(server.create_domain(3).ok());
    REQUIRE(server.create_domain(3).ok());
    auto notices = server.take_notices();
    CHECK(notices.introduced == std::vector<DomId>{3});
    EngineClient dom3(server, 3);
    CHECK(dom3.get_perms("/local/domain/3").strings() == std::vector<std::string>{"n3"});
    CHECK(dom3.write("x", "1").text() == "OK");
    CHECK(server.create_domain(kFirstReservedDomain).errno_value() == EINVAL);

    // The home holds the domain's id, as libxl writes it: readable, not writable, by the domain.
    CHECK(dom3.read("domid").payload == "3");
    CHECK(dom3.get_perms("domid").strings() == std::vector<std::string>{"n0", "r3"});
    CHECK(dom3.write("domid", "0").error() == "EACCES");
}

TEST_CASE("INTRODUCE and IS_DOMAIN_INTRODUCED as the toolstack uses them") {
    Server server = server_with_domains({1});
    EngineClient dom0(server, 0);
    CHECK(dom0.request(XS_IS_DOMAIN_INTRODUCED, "4\0"s).text() == "F");
    CHECK(dom0.request(XS_INTRODUCE, "4\0"s + "1234\0"s + "3\0"s).text() == "OK");
    CHECK(dom0.request(XS_IS_DOMAIN_INTRODUCED, "4\0"s).text() == "T");
    CHECK(dom0.request(XS_IS_DOMAIN_INTRODUCED, std::to_string(kDomidSelf) + '\0').text() == "T");
    CHECK(server.take_notices().introduced == std::vector<DomId>{4});
    CHECK(server.connect(4).ok());
    CHECK(dom0.request(XS_INTRODUCE, "4\0"s + "1\0"s + "3\0"s).text() == "OK");  // again: fine
    CHECK(dom0.request(XS_INTRODUCE, std::to_string(kFirstReservedDomain) + "\0"s + "1\0"s + "3\0"s)
              .error() == "EINVAL");
    CHECK(dom0.request(XS_RESUME, "4\0"s).text() == "OK");
    CHECK(dom0.request(XS_RESUME, "9\0"s).error() == "ENOENT");
    CHECK(dom0.request(XS_RESUME, "0\0"s).error() == "EINVAL");
}

TEST_CASE("the number of domains is limited") {
    Limits limits;
    limits.domains = 3;
    Server server = server_with_domains({1, 2}, limits);
    EngineClient dom0(server, 0);
    CHECK(dom0.request(XS_INTRODUCE, "4\0"s + "1\0"s + "3\0"s).error() == "ENOSPC");
}

TEST_CASE("RELEASE closes the domain's connections and removes what it owned") {
    Server server = server_with_domains({1, 2});
    EngineClient dom0(server, 0);
    EngineClient dom1(server, 1);
    EngineClient dom2(server, 2);
    REQUIRE(dom1.write("data", "1").text() == "OK");
    REQUIRE(dom0.mkdir("/shared").text() == "OK");
    REQUIRE(dom0.set_perms("/shared", {"n0", "w1", "r2"}).text() == "OK");
    REQUIRE(dom1.write("/shared/from1", "x").text() == "OK");
    REQUIRE(dom0.write("/shared/from0", "y").text() == "OK");
    REQUIRE(dom2.write("/local/domain/2/granted", "g").text() == "OK");
    REQUIRE(dom2.set_perms("granted", {"n2", "r1"}).text() == "OK");
    REQUIRE(dom0.watch("/local/domain", "home").text() == "OK");
    dom0.events();
    (void)server.take_notices();

    CHECK(dom0.request(XS_RELEASE, "1\0"s).text() == "OK");
    auto notices = server.take_notices();
    CHECK(notices.closing == std::vector<ConnectionId>{dom1.id()});
    CHECK(notices.released == std::vector<DomId>{1});
    CHECK(dom0.read("/local/domain/1").error() == "ENOENT");
    CHECK(dom0.read("/shared/from1").error() == "ENOENT");
    CHECK(dom0.read("/shared/from0").payload == "y");
    CHECK(dom0.events() == std::vector<Event>{{"/local/domain/1", "home"}});
    CHECK(dom0.request(XS_IS_DOMAIN_INTRODUCED, "1\0"s).text() == "F");
    CHECK(dom0.request(XS_RELEASE, "1\0"s).error() == "ENOENT");
    CHECK(server.connect(1).errno_value() == ENOENT);

    // A new domain 1 does not inherit the old one's rights.
    REQUIRE(server.create_domain(1).ok());
    EngineClient reborn(server, 1);
    CHECK(reborn.read("/local/domain/2/granted").error() == "EACCES");
    CHECK(reborn.write("/shared/again", "z").error() == "EACCES");
}
