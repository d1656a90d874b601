// The effective configuration: inheritance card -> pcm -> stream as Linux does it (override,
// warn when a setting widens), Linux's defaults, ring numbering, and warnings about what a
// Linux guest cannot see.
#include <doctest/doctest.h>

#include <string>

extern "C" {
#include <xen/io/sndif.h>
}

#include "core/config/vsnd_config.hpp"

using namespace xensnd::config;

namespace {

const std::string kBase = "/local/domain/5/device/vsnd/0";

constexpr std::uint64_t bit(unsigned format) {
    return 1ull << format;
}

bool warned(const std::vector<std::string>& warnings, const std::string& path,
            const std::string& word) {
    for (const auto& w : warnings)
        if (w.rfind(path + ": ", 0) == 0 && w.find(word) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST_CASE("with nothing set every level gets Linux's defaults") {
    auto r = parse_vsnd_tree({{"0/0/type", "p"}}, kBase);
    REQUIRE(r);
    CHECK(r.warnings().empty());
    for (const PcmHwConfig* hw :
         {&r->card.hw, &r->card.pcm_devices[0].hw, &r->card.pcm_devices[0].streams[0].hw}) {
        CHECK(hw->channels == Range{1, 2});
        CHECK(hw->rates.continuous);
        CHECK(hw->rates.range == Range{5512, 48000});
        CHECK(hw->rates.contains(5512));
        CHECK(hw->rates.contains(37000));  // continuous: any rate in the range
        CHECK_FALSE(hw->rates.contains(96000));
        CHECK(hw->formats == (bit(XENSND_PCM_FORMAT_U8) | bit(XENSND_PCM_FORMAT_S16_LE)));
        CHECK(hw->buffer_bytes == 65536);
        CHECK(hw->period_bytes_min() == 64);
        CHECK(hw->period_bytes_max() == 65536);
        CHECK(hw->periods_min() == 2);
        CHECK(hw->periods_max() == 1024);
    }
    CHECK(r->card.short_name.empty());
    CHECK(r->card.pcm_devices[0].name.empty());
    CHECK(r->card.pcm_devices[0].streams[0].unique_id.empty());
}

TEST_CASE("each level inherits its parent and overrides what it sets") {
    auto r = parse_vsnd_tree({{"sample-rates", "48000,8000,44100,8000"},
                              {"channels-max", "8"},
                              {"buffer-size", "131072"},
                              {"0/channels-max", "4"},
                              {"0/0/type", "p"},
                              {"0/0/sample-formats", "s16_le,S32_LE"},
                              {"0/1/type", "c"},
                              {"0/1/channels-min", "2"},
                              {"0/1/buffer-size", "4096"}},
                             kBase);
    REQUIRE(r);
    const CardConfig& card = r->card;
    CHECK(card.hw.channels == Range{1, 8});
    CHECK_FALSE(card.hw.rates.continuous);
    CHECK(card.hw.rates.list == std::vector<unsigned>{8000, 44100, 48000});  // sorted, unique
    CHECK(card.hw.rates.range == Range{8000, 48000});
    CHECK_FALSE(card.hw.rates.contains(32000));

    const PcmDeviceConfig& pcm = card.pcm_devices[0];
    CHECK(pcm.hw.channels == Range{1, 4});
    CHECK(pcm.hw.rates == card.hw.rates);
    CHECK(pcm.hw.buffer_bytes == 131072);

    const StreamConfig& play = pcm.streams[0];
    CHECK(play.hw.channels == Range{1, 4});
    CHECK(play.hw.formats == (bit(XENSND_PCM_FORMAT_S16_LE) | bit(XENSND_PCM_FORMAT_S32_LE)));
    CHECK(play.hw.rates == card.hw.rates);

    const StreamConfig& cap = pcm.streams[1];
    CHECK(cap.type == StreamType::Capture);
    CHECK(cap.hw.channels == Range{2, 4});
    CHECK(cap.hw.formats == linux_default::kFormats);
    CHECK(cap.hw.buffer_bytes == 4096);
    CHECK(cap.hw.periods_max() == 64);
    CHECK(r.warnings().empty());
}

TEST_CASE("a lower level may widen what its parent set, with a warning naming it") {
    auto r = parse_vsnd_tree({{"channels-max", "2"},
                              {"sample-rates", "44100"},
                              {"sample-formats", "s16_le"},
                              {"buffer-size", "4096"},
                              {"0/0/type", "p"},
                              {"0/0/channels-max", "6"},
                              {"0/0/sample-rates", "44100,96000"},
                              {"0/0/sample-formats", "s16_le,s24_le"},
                              {"0/0/buffer-size", "8192"}},
                             kBase);
    REQUIRE(r);
    const StreamConfig& s = r->card.pcm_devices[0].streams[0];
    CHECK(s.hw.channels == Range{1, 6});
    CHECK(s.hw.rates.list == std::vector<unsigned>{44100, 96000});
    CHECK(s.hw.has_format(XENSND_PCM_FORMAT_S24_LE));
    CHECK(s.hw.buffer_bytes == 8192);
    CHECK(warned(r.warnings(), kBase + "/0/0/channels-max", "widens"));
    CHECK(warned(r.warnings(), kBase + "/0/0/sample-rates", "96000"));
    CHECK(warned(r.warnings(), kBase + "/0/0/sample-formats", "widens"));
    CHECK(warned(r.warnings(), kBase + "/0/0/buffer-size", "widens"));
}

TEST_CASE("going beyond Linux's defaults is not widening: no warning") {
    auto r = parse_vsnd_tree({{"0/0/type", "p"},
                              {"0/0/channels-max", "6"},
                              {"0/0/sample-rates", "96000"},
                              {"0/0/sample-formats", "s32_le"},
                              {"0/0/buffer-size", "1048576"}},
                             kBase);
    REQUIRE(r);
    CHECK(r.warnings().empty());
    CHECK(r->card.pcm_devices[0].streams[0].hw.channels == Range{1, 6});
}

TEST_CASE("narrowing is silent") {
    auto r = parse_vsnd_tree({{"channels-max", "8"},
                              {"sample-rates", "44100,48000"},
                              {"0/0/type", "p"},
                              {"0/0/channels-max", "2"},
                              {"0/0/sample-rates", "48000"}},
                             kBase);
    REQUIRE(r);
    CHECK(r.warnings().empty());
}

TEST_CASE("both float spellings name the same formats; Linux only sees the header's") {
    auto r = parse_vsnd_tree(
        {{"0/0/type", "p"}, {"0/0/sample-formats", "float_le,f32_be,FLOAT64_LE,f64_be"}}, kBase);
    REQUIRE(r);
    const auto& hw = r->card.pcm_devices[0].streams[0].hw;
    CHECK(hw.formats == (bit(XENSND_PCM_FORMAT_F32_LE) | bit(XENSND_PCM_FORMAT_F32_BE) |
                         bit(XENSND_PCM_FORMAT_F64_LE) | bit(XENSND_PCM_FORMAT_F64_BE)));
    REQUIRE(r.warnings().size() == 1);
    CHECK(warned(r.warnings(), kBase + "/0/0/sample-formats", "f32_be"));
    CHECK(r.warnings()[0].find("float_le (") == std::string::npos);
    CHECK(r.warnings()[0].find("f64_be") != std::string::npos);
}

TEST_CASE("a rate Linux has no name for is kept, with a warning") {
    auto r = parse_vsnd_tree({{"0/0/type", "p"}, {"sample-rates", "44100,88200"}}, kBase);
    REQUIRE(r);
    CHECK(r->card.hw.rates.list == std::vector<unsigned>{44100, 88200});
    CHECK(warned(r.warnings(), kBase + "/sample-rates", "88200"));
    CHECK_FALSE(warned(r.warnings(), kBase + "/sample-rates", "44100"));
    CHECK(linux_knows_rate(5512));
    CHECK(linux_knows_rate(192000));
    CHECK_FALSE(linux_knows_rate(88200));
}

TEST_CASE("rings are numbered in order of appearance over all PCM devices") {
    auto r = parse_vsnd_tree({{"0/0/type", "c"},
                              {"0/0/unique-id", "mic"},
                              {"0/1/type", "p"},
                              {"1/0/type", "p"},
                              {"1/0/unique-id", "hdmi"}},
                             kBase);
    REQUIRE(r);
    CHECK(r->stream_count() == 3);
    const StreamConfig* s = r->stream_by_ring(2);
    REQUIRE(s != nullptr);
    CHECK(s->pcm_index == 1);
    CHECK(s->index == 0);
    CHECK(s->relative_dir() == "1/0");
    CHECK(s->unique_id == "hdmi");
    CHECK(r->stream_by_ring(3) == nullptr);
    REQUIRE(r->stream_by_unique_id("mic") != nullptr);
    CHECK(r->stream_by_unique_id("mic")->ring_index == 0);
    CHECK(r->stream_by_unique_id("none") == nullptr);
}

TEST_CASE("more than Linux reads is accepted with a warning") {
    StoreTree tree;
    for (int p = 0; p < 9; ++p)
        tree[std::to_string(p) + "/0/type"] = "p";
    for (int s = 1; s < 10; ++s)
        tree["0/" + std::to_string(s) + "/type"] = "c";
    auto r = parse_vsnd_tree(tree, kBase);
    REQUIRE(r);
    CHECK(r->card.pcm_devices.size() == 9);
    CHECK(r->card.pcm_devices[0].streams.size() == 10);
    CHECK(warned(r.warnings(), kBase + "/8", "first 8 PCM devices"));
    CHECK(warned(r.warnings(), kBase + "/0/8", "first 8 streams"));
}

TEST_CASE("a spec built by hand is checked like one read from XenStore") {
    VsndDeviceSpec spec;
    spec.pcms.resize(1);
    spec.pcms[0].streams.resize(1);
    spec.pcms[0].streams[0].type = StreamType::Playback;
    CHECK(effective_config(spec, kBase));

    spec.hw.sample_rates = std::vector<unsigned>{};
    auto empty = effective_config(spec, kBase);
    REQUIRE_FALSE(empty);
    CHECK(empty.error().path == kBase + "/sample-rates");

    spec.hw.sample_rates.reset();
    spec.pcms.resize(65);
    auto many = effective_config(spec, kBase);
    REQUIRE_FALSE(many);
    CHECK(many.error().reason.find("64") != std::string::npos);
}
