// Capture through pcm.xen: READ requests, then the backend's bytes reach the application
// bit-exact (the scripted backend captures a known pattern), with readi, mmap and arecord.
#include <doctest/doctest.h>

#include <cstring>

#include "plugin_rig.hpp"

using namespace xensnd::test;

namespace {

std::string read_all(snd_pcm_t* pcm, std::size_t frames, std::size_t frame_bytes) {
    std::string out(frames * frame_bytes, '\0');
    std::size_t done = 0;
    while (done < frames) {
        auto n = snd_pcm_readi(pcm, out.data() + done * frame_bytes,
                               std::min<std::size_t>(frames - done, 500));
        REQUIRE_MESSAGE(n > 0, "readi: " << snd_strerror(static_cast<int>(n)));
        done += static_cast<std::size_t>(n);
    }
    return out;
}

}  // namespace

TEST_CASE("captured bytes reach the application bit-exact, S16_LE 48000 Hz stereo") {
    PluginRig rig;
    snd_pcm_t* pcm = nullptr;
    REQUIRE(rig.open(&pcm, SND_PCM_STREAM_CAPTURE) == 0);
    REQUIRE(set_params(pcm, SND_PCM_FORMAT_S16_LE, 48000, 2) == 0);
    const std::string got = read_all(pcm, 9600, 4);
    snd_pcm_close(pcm);
    CHECK(got == capture_pattern(got.size()));
    CHECK(rig.log_text().find("read 0 ") != std::string::npos);
}

TEST_CASE("capture in other formats, rates and channel counts is bit-exact") {
    PluginRig rig;
    struct Case {
        snd_pcm_format_t format;
        unsigned bytes, rate, channels;
    };
    const Case cases[] = {{SND_PCM_FORMAT_U8, 1, 8000, 1},
                          {SND_PCM_FORMAT_S32_LE, 4, 96000, 6},
                          {SND_PCM_FORMAT_FLOAT_LE, 4, 44100, 2}};
    for (const Case& c : cases) {
        CAPTURE(snd_pcm_format_name(c.format));
        snd_pcm_t* pcm = nullptr;
        REQUIRE(rig.open(&pcm, SND_PCM_STREAM_CAPTURE) == 0);
        REQUIRE(set_params(pcm, c.format, c.rate, c.channels) == 0);
        const std::string got = read_all(pcm, c.rate / 20, c.bytes * c.channels);
        snd_pcm_close(pcm);
        CHECK(got == capture_pattern(got.size()));
    }
}

TEST_CASE("capture with mmap access is bit-exact") {
    PluginRig rig;
    snd_pcm_t* pcm = nullptr;
    REQUIRE(rig.open(&pcm, SND_PCM_STREAM_CAPTURE) == 0);
    REQUIRE(set_params(pcm, SND_PCM_FORMAT_S16_LE, 48000, 2, SND_PCM_ACCESS_MMAP_INTERLEAVED) == 0);
    REQUIRE(snd_pcm_start(pcm) == 0);
    const std::size_t total = 4800;
    std::string got;
    while (got.size() < total * 4) {
        snd_pcm_sframes_t avail = snd_pcm_avail_update(pcm);
        REQUIRE(avail >= 0);
        if (avail == 0) {
            REQUIRE(snd_pcm_wait(pcm, 1000) >= 0);
            continue;
        }
        const snd_pcm_channel_area_t* areas;
        snd_pcm_uframes_t offset, frames = static_cast<snd_pcm_uframes_t>(avail);
        REQUIRE(snd_pcm_mmap_begin(pcm, &areas, &offset, &frames) == 0);
        got.append(static_cast<const char*>(areas[0].addr) + offset * 4, frames * 4);
        REQUIRE(snd_pcm_mmap_commit(pcm, offset, frames) == static_cast<snd_pcm_sframes_t>(frames));
    }
    snd_pcm_close(pcm);
    CHECK(got == capture_pattern(got.size()));
}

TEST_CASE("stock arecord records through pcm.xen bit-exact") {
    PluginRig rig;
    const std::string file = rig.dir() + "/out.raw";
    pid_t pid = spawn_process({"/usr/bin/arecord", "-q", "-D", "xentest", "-t", "raw", "-f",
                               "S16_LE", "-r", "48000", "-c", "2", "-s", "9600", file},
                              {rig.guest_env(), rig.alsa_env(), rig.preload_env()},
                              rig.dir() + "/arecord.out");
    REQUIRE(pid > 0);
    CHECK_MESSAGE(wait_exit(pid) == 0, slurp(rig.dir() + "/arecord.out"));
    const std::string got = slurp(file);
    CHECK(got.size() == 9600 * 4);
    CHECK(got == capture_pattern(got.size()));
}
