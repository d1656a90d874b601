// Reading a frontend XenStore directory: what is found, what is ignored, and that every bad
// value is refused with its path and value.
#include <doctest/doctest.h>

#include <string>

#include "core/config/vsnd_config.hpp"

using namespace xensnd::config;

namespace {

const std::string kBase = "/local/domain/5/device/vsnd/0";

// A minimal valid device plus `extra`, so each bad-value case changes one thing.
StoreTree device(const StoreTree& extra) {
    StoreTree tree{{"0/0/type", "p"}};
    for (auto& [k, v] : extra)
        tree[k] = v;
    return tree;
}

void check_refused(const StoreTree& tree, const std::string& rel, const std::string& value) {
    auto r = parse_vsnd_tree(tree, kBase);
    REQUIRE_FALSE(r);
    INFO(r.error().message());
    CHECK(r.error().path == kBase + (rel.empty() ? "" : "/" + rel));
    CHECK(r.error().value == value);
    CHECK_FALSE(r.error().reason.empty());
}

}  // namespace

TEST_CASE("the sndif header's example directory reads into the spec it describes") {
    StoreTree tree{
        {"backend-id", "0"},
        {"backend", "/local/domain/0/backend/vsnd/1/0"},
        {"state", "4"},
        {"version", "1"},
        {"short-name", "Card short name"},
        {"long-name", "Card long name"},
        {"sample-rates", "8000,32000,44100,48000,96000"},
        {"sample-formats", "s8,u8,s16_le,s16_be"},
        {"buffer-size", "262144"},
        {"0/name", "General analog"},
        {"0/channels-max", "5"},
        {"0/0/type", "p"},
        {"0/0/sample-formats", "s8,u8"},
        {"0/0/unique-id", "0"},
        {"0/0/ring-ref", "386"},
        {"0/0/event-channel", "15"},
        {"0/1/type", "c"},
        {"0/1/channels-max", "2"},
        {"0/1/unique-id", "1"},
        {"1/name", "HDMI-0"},
        {"1/sample-rates", "8000,32000,44100"},
        {"1/0/type", "c"},
        {"1/0/unique-id", "2"},
        {"2/name", "SPDIF"},
        {"2/0/type", "p"},
        {"2/0/unique-id", "3"},
    };
    auto r = read_vsnd_spec(tree, kBase);
    REQUIRE(r);
    const VsndDeviceSpec& spec = *r;
    CHECK(spec.short_name == "Card short name");
    CHECK(spec.hw.sample_rates == std::vector<unsigned>{8000, 32000, 44100, 48000, 96000});
    CHECK(spec.hw.sample_formats == std::vector<std::string>{"s8", "u8", "s16_le", "s16_be"});
    CHECK(spec.hw.buffer_size == 262144u);
    CHECK_FALSE(spec.hw.channels_min);
    REQUIRE(spec.pcms.size() == 3);
    CHECK(spec.pcms[0].name == "General analog");
    CHECK(spec.pcms[0].hw.channels_max == 5u);
    REQUIRE(spec.pcms[0].streams.size() == 2);
    CHECK(spec.pcms[0].streams[1].type == StreamType::Capture);
    CHECK(spec.pcms[0].streams[1].unique_id == "1");
    CHECK(spec.pcms[1].streams.size() == 1);
    CHECK(spec.pcms[2].streams[0].unique_id == "3");
}

TEST_CASE("directories count when only their children are listed, and also when listed") {
    auto implied = parse_vsnd_tree({{"0/0/type", "p"}, {"0/1/type", "c"}}, kBase);
    auto listed = parse_vsnd_tree(
        {{"0", ""}, {"0/0", ""}, {"0/0/type", "p"}, {"0/1", ""}, {"0/1/type", "c"}}, kBase);
    REQUIRE(implied);
    REQUIRE(listed);
    CHECK(*implied == *listed);
    CHECK(implied->stream_count() == 2);
}

TEST_CASE("keys it does not know are ignored, including numbers Linux would not look up") {
    auto r = parse_vsnd_tree(device({{"state", "3"},
                                     {"frobnicate", "???"},
                                     {"0/0/ring-ref", "x"},
                                     {"0/0/evt-event-channel", "y"},
                                     {"01/0/type", "bogus"},
                                     {"0/00/type", "bogus"},
                                     {"0/x/type", "bogus"},
                                     {"/", "?"},
                                     {"", "?"}}),
                             kBase);
    REQUIRE(r);
    CHECK(r->card.pcm_devices.size() == 1);
    CHECK(r->card.pcm_devices[0].streams.size() == 1);
}

TEST_CASE("stream type is p or c in any case and anything else names path and value") {
    auto r = parse_vsnd_tree({{"0/0/type", "P"}, {"0/1/type", "C"}}, kBase);
    REQUIRE(r);
    CHECK(r->card.pcm_devices[0].streams[0].type == StreamType::Playback);
    CHECK(r->card.pcm_devices[0].streams[1].type == StreamType::Capture);

    auto bad = parse_vsnd_tree({{"0/0/type", "p"}, {"0/1/type", "x"}}, kBase);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message() == kBase + "/0/1/type: \"x\": stream type must be p or c");
    check_refused({{"0/0/type", "playback"}}, "0/0/type", "playback");
    check_refused({{"0/0/type", "p "}}, "0/0/type", "p ");
    check_refused({{"0/0/type", ""}}, "0/0/type", "");
}

TEST_CASE("a stream without a type is refused (Linux refuses the card)") {
    check_refused({{"0/0/unique-id", "a"}}, "0/0/type", "");
}

TEST_CASE("numbers must be plain decimal") {
    check_refused(device({{"channels-max", "abc"}}), "channels-max", "abc");
    check_refused(device({{"channels-min", ""}}), "channels-min", "");
    check_refused(device({{"channels-min", "-1"}}), "channels-min", "-1");
    check_refused(device({{"channels-min", " 1"}}), "channels-min", " 1");
    check_refused(device({{"0/channels-max", "0x4"}}), "0/channels-max", "0x4");
    check_refused(device({{"0/0/buffer-size", "4294967296"}}), "0/0/buffer-size", "4294967296");
    check_refused(device({{"buffer-size", "0100"}}), "buffer-size", "0100");
    check_refused(device({{"buffer-size", "99999999999999999999999"}}), "buffer-size",
                  "99999999999999999999999");
}

TEST_CASE("lists must be non-empty, without empty entries, and bounded") {
    check_refused(device({{"sample-rates", ""}}), "sample-rates", "");
    check_refused(device({{"0/sample-formats", ""}}), "0/sample-formats", "");
    check_refused(device({{"0/0/sample-rates", "44100,,48000"}}), "0/0/sample-rates",
                  "44100,,48000");
    check_refused(device({{"sample-rates", "44100,"}}), "sample-rates", "44100,");
    check_refused(device({{"sample-rates", "44100,abc"}}), "sample-rates", "44100,abc");
    check_refused(device({{"sample-rates", "44100, 48000"}}), "sample-rates", "44100, 48000");
    check_refused(device({{"sample-rates", "0"}}), "sample-rates", "0");
    check_refused(device({{"sample-formats", "s16_le,bogus"}}), "sample-formats", "s16_le,bogus");

    std::string many;
    for (int i = 0; i < 65; ++i)
        many += (i ? "," : "") + std::string("44100");
    check_refused(device({{"sample-rates", many}}), "sample-rates", many.substr(0, 256));
}

TEST_CASE("channels are 1..255 and min must not exceed max") {
    check_refused(device({{"channels-min", "0"}}), "channels-min", "0");
    check_refused(device({{"0/0/channels-max", "256"}}), "0/0/channels-max", "256");
    check_refused(device({{"channels-min", "4"}, {"channels-max", "2"}}), "channels-min", "4");
    // Across levels: the lower level's node is the one to fix.
    check_refused(device({{"channels-max", "2"}, {"0/0/channels-min", "3"}}), "0/0/channels-min",
                  "3");
    check_refused(device({{"channels-min", "3"}, {"channels-max", "4"}, {"0/channels-max", "2"}}),
                  "0/channels-max", "2");
    // Against Linux's default maximum of 2 too: Linux would silently use 2..2.
    auto r = parse_vsnd_tree(device({{"channels-min", "4"}}), kBase);
    REQUIRE_FALSE(r);
    CHECK(r.error().reason.find("Linux's default") != std::string::npos);
}

TEST_CASE("numbering must be contiguous and start at 0") {
    check_refused({}, "", "");
    check_refused({{"state", "1"}}, "", "");
    check_refused({{"1/0/type", "p"}}, "0", "");
    check_refused({{"0/0/type", "p"}, {"2/0/type", "p"}}, "1", "");
    check_refused({{"0/0/type", "p"}, {"0/2/type", "p"}}, "0/1", "");
    check_refused({{"0/1/type", "p"}}, "0/0", "");
}

TEST_CASE("counts are bounded so a hostile frontend cannot make us allocate without limit") {
    check_refused(device({{"64/0/type", "p"}}), "64", "");
    check_refused(device({{"4000000000/0/type", "p"}}), "4000000000", "");
    check_refused(device({{"0/64/type", "p"}}), "0/64", "");
    check_refused(device({{"0/99999999999999/type", "p"}}), "0/99999999999999", "");

    // 64 PCM devices of 64 streams each would be 4096 streams: more than a device may have.
    StoreTree tree;
    for (int p = 0; p < 64; ++p)
        for (int s = 0; s < 64; ++s)
            tree[std::to_string(p) + "/" + std::to_string(s) + "/type"] = "p";
    auto r = parse_vsnd_tree(tree, kBase);
    REQUIRE_FALSE(r);
    CHECK(r.error().reason.find("256") != std::string::npos);
}

TEST_CASE("names are bounded") {
    check_refused(device({{"short-name", std::string(300, 'n')}}), "short-name",
                  std::string(256, 'n'));
    check_refused(device({{"0/0/unique-id", std::string(256, 'u')}}), "0/0/unique-id",
                  std::string(256, 'u'));
    CHECK(parse_vsnd_tree(device({{"long-name", std::string(255, 'n')}}), kBase));
}

TEST_CASE("a base path with a trailing slash or none gives the same error paths") {
    auto a = parse_vsnd_tree({{"0/0/type", "x"}}, kBase);
    auto b = parse_vsnd_tree({{"0/0/type", "x"}}, kBase + "/");
    REQUIRE_FALSE(a);
    REQUIRE_FALSE(b);
    CHECK(a.error().path == b.error().path);
}
