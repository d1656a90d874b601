// Finding the vsnd= setting in an xl.cfg file as `xl create` reads it: among other settings,
// across lines, with comments, and errors that point at the file's own line and column.
#include <string>

#include <doctest/doctest.h>

#include "loopback/toolstack/xl_cfg_file.hpp"

using namespace xensnd::loopback::toolstack;
using xensnd::config::StreamType;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("the vsnd= setting among a guest's other settings") {
    auto specs = parse_xl_cfg_vsnd(
        "# guest.cfg\n"
        "name = \"guest; with [brackets] and # in a string\"\n"
        "memory = 512; vcpus = 2\n"
        "disk = [ 'file:/img,xvda,w',\n"
        "         'file:/data,xvdb,r' ]\n"
        "vsnd = [  # the sound card\n"
        "  [ 'card, short-name=Virt, backend=2',  # its card\n"
        "    'pcm, name=Main', 'stream, unique-id=0, type=p', ],\n"
        "  [ 'stream, type=c' ]\n"
        "]\n"
        "on_crash = 'destroy'\n");
    REQUIRE_MESSAGE(specs.ok(), specs.error().message());
    REQUIRE(specs->size() == 2);
    CHECK((*specs)[0].short_name == "Virt");
    CHECK((*specs)[0].backend == "2");
    REQUIRE((*specs)[0].pcms.size() == 1);
    CHECK((*specs)[0].pcms[0].name == "Main");
    CHECK((*specs)[0].pcms[0].streams[0].unique_id == "0");
    CHECK((*specs)[1].pcms[0].streams[0].type == StreamType::Capture);
}

TEST_CASE("a file holding only the vsnd line, or one card's item list") {
    auto line = parse_xl_cfg_vsnd("vsnd = [ [ 'stream, type=p' ] ]");
    REQUIRE_MESSAGE(line.ok(), line.error().message());
    CHECK(line->size() == 1);

    auto one_card = parse_xl_cfg_vsnd("vsnd=['card, short-name=A', 'stream, type=p'];\n");
    REQUIRE_MESSAGE(one_card.ok(), one_card.error().message());
    REQUIRE(one_card->size() == 1);
    CHECK((*one_card)[0].short_name == "A");
}

TEST_CASE("errors point at the file's line and column") {
    auto bad_type = parse_xl_cfg_vsnd("name = 'g'\n\nvsnd = [ [ 'stream, type=q' ] ]\n");
    REQUIRE(!bad_type.ok());
    CHECK(contains(bad_type.error().message(), "vsnd[0][0] stream/type"));

    auto syntax = parse_xl_cfg_vsnd("name = 'g'\n  vsnd = [ [ 'stream, type=p' ] x ]\n");
    REQUIRE(!syntax.ok());
    CHECK(contains(syntax.error().message(), "line 2, column 33"));

    auto unterminated = parse_xl_cfg_vsnd("name = 'g'\nvsnd = [ [ 'stream, type=p' ]\n");
    REQUIRE(!unterminated.ok());
    CHECK(contains(unterminated.error().message(), "line 2, column 8"));
    CHECK(contains(unterminated.error().message(), "unterminated list"));

    auto string = parse_xl_cfg_vsnd("name = 'g\nvsnd = []\n");
    REQUIRE(!string.ok());
    CHECK(contains(string.error().message(), "line 1"));
    CHECK(contains(string.error().message(), "unterminated string"));
}

TEST_CASE("no vsnd=, two of them, or something that is no xl.cfg") {
    auto none = parse_xl_cfg_vsnd("name = 'g'\nmemory = 5\n");
    REQUIRE(!none.ok());
    CHECK(contains(none.error().message(), "no vsnd= setting"));

    auto twice =
        parse_xl_cfg_vsnd("vsnd = [ [ 'stream, type=p' ] ]\n\nvsnd = [ [ 'stream, type=c' ] ]\n");
    REQUIRE(!twice.ok());
    CHECK(contains(twice.error().message(), "line 3"));
    CHECK(contains(twice.error().message(), "set twice (first on line 1)"));

    auto garbage = parse_xl_cfg_vsnd("\x7f\x45LF binary");
    REQUIRE(!garbage.ok());
    CHECK(contains(garbage.error().message(), "expected a setting name"));

    auto stray = parse_xl_cfg_vsnd("disk = ]\n");
    REQUIRE(!stray.ok());
    CHECK(contains(stray.error().message(), "] without a matching ["));

    CHECK(!parse_xl_cfg_vsnd(std::string(kMaxXlCfgBytes + 1, '#')).ok());
}
