// pcm.xen against backends that misbehave: every case ends in a clear error for the
// application (never a hang, a crash or a pointer out of bounds), and the device is usable
// again with a sane backend.
#include <doctest/doctest.h>

#include "plugin_rig.hpp"

using namespace xensnd::test;

namespace {

RigOptions hostile(const char* behaviour, const char* params = "timeout_ms 300") {
    RigOptions o;
    o.behaviour = behaviour;
    o.pcm_params = params;
    return o;
}

// Plays until an error; returns it (0 if everything was written).
int play_until_error(snd_pcm_t* pcm, std::size_t frames) {
    const std::string audio = test_audio(frames * 4);
    std::size_t done = 0;
    while (done < frames) {
        auto n =
            snd_pcm_writei(pcm, audio.data() + done * 4, std::min<std::size_t>(512, frames - done));
        if (n < 0) return static_cast<int>(n);
        done += static_cast<std::size_t>(n);
    }
    return snd_pcm_drain(pcm);
}

}  // namespace

TEST_CASE("a backend that never answers: open fails after timeout_ms with EIO") {
    PluginRig rig(hostile("silent"));
    snd_pcm_t* pcm = nullptr;
    CHECK(rig.open(&pcm, SND_PCM_STREAM_PLAYBACK) == -EIO);
}

TEST_CASE("a backend answering with the wrong id: EIO, no hang") {
    PluginRig rig(hostile("wrong-id"));
    snd_pcm_t* pcm = nullptr;
    CHECK(rig.open(&pcm, SND_PCM_STREAM_PLAYBACK) == -EIO);
}

TEST_CASE("a backend answering with the wrong operation: EIO") {
    PluginRig rig(hostile("wrong-operation"));
    snd_pcm_t* pcm = nullptr;
    CHECK(rig.open(&pcm, SND_PCM_STREAM_PLAYBACK) == -EIO);
}

TEST_CASE("a response producer index beyond the ring: EIO, then the device is usable again") {
    PluginRig rig(hostile("bad-rsp-prod"));
    snd_pcm_t* pcm = nullptr;
    int err = rig.open(&pcm, SND_PCM_STREAM_PLAYBACK);
    if (err == 0) {
        // The first answer arrived before the index went bad: the next request sees it.
        err = set_params(pcm, SND_PCM_FORMAT_S16_LE, 48000, 2);
        snd_pcm_close(pcm);
    }
    CHECK(err == -EIO);
    rig.stop_backend();
    rig.start_backend("normal");
    REQUIRE(rig.open(&pcm, SND_PCM_STREAM_PLAYBACK) == 0);
    CHECK(set_params(pcm, SND_PCM_FORMAT_S16_LE, 48000, 2) == 0);
    snd_pcm_close(pcm);
}

TEST_CASE("an event producer index beyond the page: the stream fails with ENODEV/EIO") {
    PluginRig rig(hostile("bad-evt-prod"));
    snd_pcm_t* pcm = nullptr;
    REQUIRE(rig.open(&pcm, SND_PCM_STREAM_PLAYBACK) == 0);
    REQUIRE(set_params(pcm, SND_PCM_FORMAT_S16_LE, 48000, 2) == 0);
    const int err = play_until_error(pcm, 48000);
    CHECK((err == -ENODEV || err == -EIO || err == -EPIPE));
    snd_pcm_close(pcm);
}

TEST_CASE("CUR_POS going backwards never moves the pointer backwards; playback completes") {
    PluginRig rig(hostile("backwards", "timeout_ms 2000"));
    snd_pcm_t* pcm = nullptr;
    REQUIRE(rig.open(&pcm, SND_PCM_STREAM_PLAYBACK) == 0);
    REQUIRE(set_params(pcm, SND_PCM_FORMAT_S16_LE, 48000, 2) == 0);
    const std::string audio = test_audio(4 * 9600, 2);
    std::size_t done = 0;
    snd_pcm_sframes_t last_avail_delay = -1;
    while (done < 9600) {
        auto n = snd_pcm_writei(pcm, audio.data() + done * 4, 480);
        REQUIRE(n > 0);
        done += static_cast<std::size_t>(n);
        snd_pcm_sframes_t avail = snd_pcm_avail(pcm);
        REQUIRE(avail >= 0);
        CHECK(avail <= 4096);
        (void)last_avail_delay;
    }
    CHECK(snd_pcm_drain(pcm) == 0);
    snd_pcm_close(pcm);
    CHECK(rig.recorded() == audio);
}

TEST_CASE("CUR_POS beyond what was written: clamped, reported as an xrun, recoverable") {
    PluginRig rig(hostile("beyond", "timeout_ms 2000"));
    snd_pcm_t* pcm = nullptr;
    REQUIRE(rig.open(&pcm, SND_PCM_STREAM_PLAYBACK) == 0);
    REQUIRE(set_params(pcm, SND_PCM_FORMAT_S16_LE, 48000, 2) == 0);
    const std::string audio = test_audio(4 * 8192, 4);
    int err = 0;
    std::size_t done = 0;
    while (done < 8192 && err == 0) {
        auto n = snd_pcm_writei(pcm, audio.data() + done * 4, 512);
        if (n < 0)
            err = static_cast<int>(n);
        else
            done += static_cast<std::size_t>(n);
        snd_pcm_sframes_t avail = snd_pcm_avail_update(pcm);
        CHECK(avail <= 4096);
    }
    CHECK(err == -EPIPE);
    CHECK(snd_pcm_prepare(pcm) == 0);
    snd_pcm_close(pcm);
}

TEST_CASE("a backend vanishing mid-stream: ENODEV/EIO to the application, then reconnect") {
    RigOptions o = hostile("vanish", "timeout_ms 1000");
    o.vanish_after = 6;
    PluginRig rig(o);
    snd_pcm_t* pcm = nullptr;
    REQUIRE(rig.open(&pcm, SND_PCM_STREAM_PLAYBACK) == 0);
    REQUIRE(set_params(pcm, SND_PCM_FORMAT_S16_LE, 48000, 2) == 0);
    const int err = play_until_error(pcm, 48000);
    CHECK((err == -ENODEV || err == -EIO));
    rig.reap_backend();
    rig.start_backend("normal");
    // The stream in use stays failed ...
    CHECK(snd_pcm_prepare(pcm) < 0);
    snd_pcm_close(pcm);
    // ... and a new open connects to the new backend.
    REQUIRE(rig.open(&pcm, SND_PCM_STREAM_PLAYBACK) == 0);
    REQUIRE(set_params(pcm, SND_PCM_FORMAT_S16_LE, 48000, 2) == 0);
    CHECK(play_until_error(pcm, 4800) == 0);
    snd_pcm_close(pcm);
}
