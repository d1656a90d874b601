// The xl.cfg vsnd= syntax with xl's rules: what it accepts, what it refuses, and that a refusal
// names the item and the key.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/config/xl_vsnd.hpp"

using namespace xensnd::config;

namespace {

const char* const kExample =
    "vsnd = [ [ 'card, short-name=Virt, sample-rates=44100;48000, sample-formats=s16_le', "
    "'pcm, name=Main', 'stream, unique-id=0, type=p', 'stream, unique-id=1, type=c' ] ]";

VsndDeviceSpec one_card(std::vector<std::string> items) {
    auto r = parse_xl_vsnd_card(items);
    if (!r) FAIL(r.error().message());
    return *r;
}

ConfigError refused(std::vector<std::string> items) {
    auto r = parse_xl_vsnd_card(items);
    REQUIRE_FALSE(r);
    return r.error();
}

}  // namespace

TEST_CASE("the example line") {
    auto r = parse_xl_vsnd(kExample);
    REQUIRE(r);
    CHECK(r.warnings().empty());
    REQUIRE(r->size() == 1);
    const VsndDeviceSpec& card = (*r)[0];
    CHECK(card.short_name == "Virt");
    CHECK_FALSE(card.long_name);
    CHECK_FALSE(card.backend);
    CHECK(card.hw.sample_rates == std::vector<unsigned>{44100, 48000});
    CHECK(card.hw.sample_formats == std::vector<std::string>{"s16_le"});
    REQUIRE(card.pcms.size() == 1);
    CHECK(card.pcms[0].name == "Main");
    REQUIRE(card.pcms[0].streams.size() == 2);
    CHECK(card.pcms[0].streams[0].unique_id == "0");
    CHECK(card.pcms[0].streams[0].type == StreamType::Playback);
    CHECK(card.pcms[0].streams[1].unique_id == "1");
    CHECK(card.pcms[0].streams[1].type == StreamType::Capture);
}

TEST_CASE("the same card as its inner list, as item strings, or over several lines") {
    const VsndDeviceSpec expected = (*parse_xl_vsnd(kExample))[0];
    auto inner = parse_xl_vsnd(
        "[ 'card, short-name=Virt, sample-rates=44100;48000, sample-formats=s16_le', "
        "'pcm, name=Main', 'stream, unique-id=0, type=p', 'stream, unique-id=1, type=c' ]");
    REQUIRE(inner);
    REQUIRE(inner->size() == 1);
    CHECK((*inner)[0] == expected);

    CHECK(one_card({"card, short-name=Virt, sample-rates=44100;48000, sample-formats=s16_le",
                    "pcm, name=Main", "stream, unique-id=0, type=p",
                    "stream, unique-id=1, type=c"}) == expected);

    auto spread = parse_xl_vsnd(
        "vsnd=[\n"
        "  [ # the card\n"
        "    \"card, short-name=Virt, sample-rates=44100;48000, sample-formats=s16_le\",\n"
        "    'pcm, name=Main',\n"
        "    'stream, unique-id=0, type=p',\n"
        "    'stream, unique-id=1, type=c',\n"
        "  ],\n"
        "]\n");
    REQUIRE(spread);
    CHECK((*spread)[0] == expected);
}

TEST_CASE("several cards, and none") {
    auto two = parse_xl_vsnd("[ [ 'pcm', 'stream, type=p' ], [ 'stream, type=c' ] ]");
    REQUIRE(two);
    CHECK(two->size() == 2);
    auto none = parse_xl_vsnd("vsnd = []");
    REQUIRE(none);
    CHECK(none->empty());
}

TEST_CASE("items are case-insensitive, keys are not") {
    auto spec = one_card({"CARD, short-name=X", "Pcm, name=Y", "STREAM, type=P"});
    CHECK(spec.short_name == "X");
    CHECK(spec.pcms[0].streams[0].type == StreamType::Playback);

    ConfigError e = refused({"stream, Type=p"});
    CHECK(e.path == "vsnd[0][0] stream/Type");
}

TEST_CASE("id= is refused: xl accepts only unique-id=") {
    auto r = parse_xl_vsnd("[ [ 'pcm', 'stream, type=p', 'stream, id=0, type=p' ] ]");
    REQUIRE_FALSE(r);
    CHECK(r.error().path == "vsnd[0][2] stream/id");
    CHECK(r.error().value == "0");
    CHECK(r.error().message().find("unique-id") != std::string::npos);
}

TEST_CASE("unknown items are refused, naming the item") {
    ConfigError e = refused({"pcm", "mixer, volume=3"});
    CHECK(e.path == "vsnd[0][1]");
    CHECK(e.value == "mixer");
    CHECK(refused({"card , short-name=x"}).value == "card ");  // xl keeps trailing spaces
    CHECK(refused({"   , name=x"}).value.empty());
}

TEST_CASE("backend= belongs to the card item only") {
    CHECK(one_card({"card, backend=driver-domain", "stream, type=p"}).backend == "driver-domain");
    ConfigError pcm = refused({"pcm, backend=0"});
    CHECK(pcm.path == "vsnd[0][0] pcm/backend");
    CHECK(pcm.reason.find("only on the card") != std::string::npos);
    CHECK(refused({"stream, backend=0"}).path == "vsnd[0][0] stream/backend");
    CHECK(refused({"card, backend="}).path == "vsnd[0][0] card/backend");
}

TEST_CASE("each item accepts only its own keys") {
    CHECK(refused({"card, name=x"}).path == "vsnd[0][0] card/name");
    CHECK(refused({"pcm, short-name=x"}).path == "vsnd[0][0] pcm/short-name");
    CHECK(refused({"pcm, type=p"}).path == "vsnd[0][0] pcm/type");
    CHECK(refused({"stream, name=x"}).path == "vsnd[0][0] stream/name");
    CHECK(refused({"stream, type"}).path == "vsnd[0][0] stream");
}

TEST_CASE("values are checked, naming item and key") {
    ConfigError type = refused({"stream, type=x"});
    CHECK(type.path == "vsnd[0][0] stream/type");
    CHECK(type.value == "x");
    CHECK(refused({"stream, type=p "}).value == "p ");
    CHECK(refused({"card, channels-min=abc"}).path == "vsnd[0][0] card/channels-min");
    CHECK(refused({"card, channels-max=0"}).path == "vsnd[0][0] card/channels-max");
    CHECK(refused({"card, channels-max=256"}).value == "256");
    CHECK(refused({"pcm, buffer-size=0x1000"}).value == "0x1000");
    CHECK(refused({"pcm, sample-rates="}).path == "vsnd[0][0] pcm/sample-rates");
    CHECK(refused({"pcm, sample-rates=;;"}).path == "vsnd[0][0] pcm/sample-rates");
    CHECK(refused({"pcm, sample-rates=44100;x"}).value == "44100;x");
    CHECK(refused({"pcm, sample-rates=0"}).value == "0");
    CHECK(refused({"pcm, sample-formats=s16_le;s17_le"}).path == "vsnd[0][0] pcm/sample-formats");
    CHECK(refused({"card, short-name=" + std::string(300, 'x')}).path ==
          "vsnd[0][0] card/short-name");
}

TEST_CASE("lists use ';' and skip empty entries as xl's strtok does") {
    auto spec = one_card({"card, sample-rates=44100;;48000;", "stream, type=p"});
    CHECK(spec.hw.sample_rates == std::vector<unsigned>{44100, 48000});
}

TEST_CASE("float formats: either spelling, stored as libxl writes them") {
    auto r = parse_xl_vsnd_card(
        std::vector<std::string>{"card, sample-formats=f32_le;FLOAT_BE;s16_le", "stream, type=p"});
    REQUIRE(r);
    CHECK(r->hw.sample_formats == std::vector<std::string>{"f32_le", "f32_be", "s16_le"});
    // Real xl refuses float_be: say so.
    REQUIRE(r.warnings().size() == 1);
    CHECK(r.warnings()[0].find("FLOAT_BE") != std::string::npos);
    CHECK(r.warnings()[0].find("f32_be") != std::string::npos);
}

TEST_CASE("structure follows xl: stream creates PCM 0 if needed, card params go to the card") {
    auto spec = one_card({"stream, type=p", "stream, type=c", "card, long-name=L", "pcm, name=B",
                          "stream, type=p, channels-max=1", "pcm"});
    CHECK(spec.long_name == "L");
    REQUIRE(spec.pcms.size() == 3);
    CHECK_FALSE(spec.pcms[0].name);
    CHECK(spec.pcms[0].streams.size() == 2);
    CHECK(spec.pcms[1].name == "B");
    CHECK(spec.pcms[1].streams[0].hw.channels_max == 1u);
    CHECK(spec.pcms[2].streams.empty());
    CHECK(spec.hw.empty());
}

TEST_CASE("empty tokens are skipped and a repeated key keeps the last value") {
    auto spec = one_card({"card,,short-name=a,, short-name=b", "", "stream, type=p"});
    CHECK(spec.short_name == "b");
    CHECK(spec.pcms.size() == 1);
}

TEST_CASE("things libxl would write but no guest can use are warned about") {
    auto empty = parse_xl_vsnd_card(std::vector<std::string>{"card, short-name=x"});
    REQUIRE(empty);
    CHECK(empty.warnings().size() == 1);

    auto bare = parse_xl_vsnd_card(std::vector<std::string>{"pcm", "stream", "stream, type=c"});
    REQUIRE(bare);
    REQUIRE(bare.warnings().size() == 1);
    CHECK(bare.warnings()[0].rfind("vsnd[0][1] stream:", 0) == 0);
}

TEST_CASE("the value syntax is checked like xl.cfg's") {
    auto check_refused = [](const char* text) {
        auto r = parse_xl_vsnd(text);
        INFO(text);
        REQUIRE_FALSE(r);
        CHECK(r.error().path.rfind("vsnd", 0) == 0);
        return r.error();
    };
    check_refused("vsnd = 'card'");
    check_refused("vsnd = [ 'pcm', [ 'pcm' ] ]");
    check_refused("vsnd = [ [ [ 'pcm' ] ] ]");
    check_refused("vsnd = [ [ 'pcm' ] ");
    check_refused("vsnd = [ [ 'pcm ] ]");
    check_refused("vsnd = [ [ 'pcm' 'stream' ] ]");
    check_refused("vif = [ [ 'pcm' ] ]");
    check_refused("vsnd [ [ 'pcm' ] ]");
    check_refused("vsnd = [ [ 'pcm\\x41' ] ]");
    check_refused("vsnd = [ [ 'pcm', 3 ] ]");
    check_refused("vsnd = [ [ 'pcm' ] ] extra");
    check_refused("");
    ConfigError where = check_refused("vsnd = [\n  [ 'pcm',\n    'stream, type=p'\n  ] x ]");
    CHECK(where.path == "vsnd (line 4, column 5)");

    auto escaped = parse_xl_vsnd("[ \"pcm, name=a \\\"b\\\" \\\\c\", 'stream, type=p' ];");
    REQUIRE(escaped);
    CHECK((*escaped)[0].pcms[0].name == "a \"b\" \\c");
}

TEST_CASE("more cards than allowed are refused") {
    std::string text = "[";
    for (unsigned i = 0; i <= kMaxXlCards; ++i)
        text += "['stream, type=p'],";
    text += "]";
    CHECK_FALSE(parse_xl_vsnd(text));
}
