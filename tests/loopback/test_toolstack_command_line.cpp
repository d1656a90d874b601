// xensnd-xl's command line, parsed without running anything: commands, options in any order,
// the numbers people type (domain ids, device indices, seconds) and the errors they get.
#include <chrono>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "loopback/toolstack/command_line.hpp"
#include "loopback/toolstack/seconds.hpp"

using namespace xensnd::loopback::toolstack;
using std::chrono::milliseconds;

namespace {

ParsedCommandLine parse(std::vector<const char*> args) {
    return parse_command_line(args);
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("vsnd-attach takes a domain and a card's items, with xl create's wait by default") {
    auto p = parse({"vsnd-attach", "1", "card, short-name=Virt", "stream, type=p"});
    REQUIRE_MESSAGE(p.ok(), p.error);
    const auto& cl = p.command_line;
    CHECK(cl.command == Command::Attach);
    CHECK(cl.domid == 1);
    CHECK(cl.items == std::vector<std::string>{"card, short-name=Virt", "stream, type=p"});
    CHECK(cl.wait_backend == milliseconds(10'000));
    CHECK(!cl.config_file);
    CHECK(!cl.unchecked);

    auto no_wait = parse({"vsnd-attach", "--no-wait", "3", "stream, type=p", "--unchecked"});
    REQUIRE_MESSAGE(no_wait.ok(), no_wait.error);
    CHECK(!no_wait.command_line.wait_backend);
    CHECK(no_wait.command_line.unchecked);
    CHECK(no_wait.command_line.domid == 3);

    auto waits = parse({"--xenstore", "/run/x.sock", "vsnd-attach", "1", "--wait-backend=0.25",
                        "--config", "guest.cfg"});
    REQUIRE_MESSAGE(waits.ok(), waits.error);
    CHECK(waits.command_line.wait_backend == milliseconds(250));
    CHECK(waits.command_line.config_file == "guest.cfg");
    CHECK(waits.command_line.xenstore_socket == "/run/x.sock");
    CHECK(waits.command_line.items.empty());

    // After --, an item that looks like an option is an item.
    auto dashed = parse({"vsnd-attach", "1", "--", "--odd"});
    REQUIRE_MESSAGE(dashed.ok(), dashed.error);
    CHECK(dashed.command_line.items == std::vector<std::string>{"--odd"});
}

TEST_CASE("vsnd-attach refuses what cannot be meant") {
    CHECK(contains(parse({"vsnd-attach", "1"}).error, "no device given"));
    CHECK(contains(parse({"vsnd-attach"}).error, "no domain id given"));
    CHECK(contains(parse({"vsnd-attach", "1", "stream, type=p", "--config", "f"}).error,
                   "either as items or with --config"));
    CHECK(contains(parse({"vsnd-attach", "--no-wait", "--wait-backend", "1", "1", "x"}).error,
                   "exclude each other"));
    CHECK(contains(parse({"vsnd-attach", "--wait-backend", "1", "--no-wait", "1", "x"}).error,
                   "exclude each other"));
    CHECK(contains(parse({"vsnd-attach", "1", "x", "--wait-backend"}).error,
                   "--wait-backend needs a value"));
    CHECK(contains(parse({"vsnd-attach", "1", "x", "--wait-backend", "soon"}).error,
                   "--wait-backend: 'soon' is not a number of seconds"));
    CHECK(contains(parse({"vsnd-attach", "1", "x", "--timeout", "1"}).error,
                   "unknown option '--timeout' for vsnd-attach"));
    CHECK(contains(parse({"vsnd-attach", "-1", "x"}).error, "'-1' is not a domain id"));
    CHECK(contains(parse({"vsnd-attach", "1", "x", "--config="}).error, "empty file name"));
}

TEST_CASE("vsnd-detach and vsnd-list take their ids; detach a timeout") {
    auto detach = parse({"vsnd-detach", "--timeout", "2.5", "4", "12"});
    REQUIRE_MESSAGE(detach.ok(), detach.error);
    CHECK(detach.command_line.command == Command::Detach);
    CHECK(detach.command_line.domid == 4);
    CHECK(detach.command_line.devid == 12);
    CHECK(detach.command_line.close_timeout == milliseconds(2500));
    CHECK(parse({"vsnd-detach", "1", "0"}).command_line.close_timeout == milliseconds(10'000));

    CHECK(contains(parse({"vsnd-detach", "1"}).error, "no device index given"));
    CHECK(contains(parse({"vsnd-detach", "1", "0", "2"}).error, "unexpected argument '2'"));
    CHECK(contains(parse({"vsnd-detach", "1", "00"}).error, "'00' is not a device index"));
    CHECK(contains(parse({"vsnd-detach", "1", "0", "--no-wait"}).error,
                   "unknown option '--no-wait' for vsnd-detach"));

    auto list = parse({"vsnd-list", "0"});
    REQUIRE_MESSAGE(list.ok(), list.error);
    CHECK(list.command_line.command == Command::List);
    CHECK(list.command_line.domid == 0);
    CHECK(contains(parse({"vsnd-list"}).error, "vsnd-list: no domain id given"));
}

TEST_CASE("help for the tool and for each command") {
    auto tool = parse({"--help"});
    REQUIRE(tool.ok());
    CHECK(tool.command_line.help);
    CHECK(!tool.command_line.command);
    CHECK(contains(usage(std::nullopt), "vsnd-attach DOMID ITEM..."));
    CHECK(contains(usage(std::nullopt), "XENSTORED_PATH"));

    for (auto args : {std::vector<const char*>{"vsnd-attach", "--help"},
                      std::vector<const char*>{"help", "vsnd-attach"},
                      std::vector<const char*>{"vsnd-attach", "-h", "not-a-domid"}}) {
        auto p = parse(args);
        REQUIRE_MESSAGE(p.ok(), p.error);
        CHECK(p.command_line.help);
        CHECK(p.command_line.command == Command::Attach);
    }
    CHECK(contains(usage(Command::Attach), "--wait-backend SECS"));
    CHECK(contains(usage(Command::Attach), "unique-id="));
    CHECK(contains(usage(Command::Detach), "Closing (5)"));
    CHECK(contains(usage(Command::List), "InitWait"));
}

TEST_CASE("unknown commands and options name what is wrong") {
    CHECK(contains(parse({}).error, "no command given"));
    CHECK(contains(parse({"vsnd-frob", "1"}).error, "unknown command 'vsnd-frob'"));
    CHECK(contains(parse({"--no-wait", "vsnd-attach", "1", "x"}).error,
                   "unknown option '--no-wait' before the command"));
    CHECK(contains(parse({"--xenstore"}).error, "--xenstore needs a value"));
    // Control characters in an argument do not reach the terminal.
    CHECK(contains(parse({"vsnd-list", "\x1b[2J"}).error, "'?[2J' is not a domain id"));
}

TEST_CASE("domain ids, device indices and seconds are plain decimal") {
    CHECK(parse_domid("0") == 0u);
    CHECK(parse_domid("32751") == 32751u);
    for (const char* bad :
         {"", "32752", "07", "+7", "0x7", " 7", "7 ", "4294967296", "99999999999"})
        CHECK_MESSAGE(!parse_domid(bad), bad);
    CHECK(parse_index("2147483647", kMaxDevid) == 2147483647u);
    CHECK(!parse_index("2147483648", kMaxDevid));

    CHECK(parse_seconds("10") == milliseconds(10'000));
    CHECK(parse_seconds("0") == milliseconds(0));
    CHECK(parse_seconds("0.5") == milliseconds(500));
    CHECK(parse_seconds("1.025") == milliseconds(1025));
    CHECK(parse_seconds("86400") == milliseconds(86'400'000));
    for (const char* bad : {"", ".5", "1.", "1.0001", "-1", "1e3", "86400.001", "1s", "inf"})
        CHECK_MESSAGE(!parse_seconds(bad), bad);

    CHECK(seconds_text(milliseconds(10'000)) == "10 s");
    CHECK(seconds_text(milliseconds(500)) == "0.5 s");
    CHECK(seconds_text(milliseconds(1025)) == "1.025 s");
    CHECK(seconds_text(milliseconds(1250)) == "1.25 s");
}
