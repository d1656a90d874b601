// The mixer file ctl.xen writes and pcm.xen reads: values round-trip, anything else in the
// file is ignored or clamped, never trusted.
#include <doctest/doctest.h>

#include "frontend-user/mixer_state.hpp"

using namespace xensnd::frontend;

TEST_CASE("values round-trip through the file's text") {
    MixerValues v;
    v.playback = {-6020, true};
    v.capture = {-100000, false};
    CHECK(format_mixer_text(v) == "playback volume -6020 mute 1\ncapture volume -100000 mute 0\n");
    CHECK(parse_mixer_text(format_mixer_text(v)) == v);
}

TEST_CASE("an empty or missing file means 0 dB, unmuted: nothing to send") {
    const MixerValues v = parse_mixer_text("");
    CHECK(v.playback.is_default());
    CHECK(v.capture.is_default());
}

TEST_CASE("out-of-range volumes are clamped, garbage is ignored") {
    const MixerValues v = parse_mixer_text(
        "playback volume 5000 mute 7\ncapture volume -99999999999 mute x\nbogus volume 1\n"
        "playback mute 0 volume 99999999999999999999999");
    CHECK(v.playback.volume_mdb == 0);  // 5000 clamped to 0 dB; the overlong number ignored
    CHECK(v.playback.muted == false);   // the later line's mute 0
    CHECK(v.capture.volume_mdb == kMinVolumeMilliDb);
    CHECK(v.capture.muted == false);
}
