// Playback through pcm.xen against the scripted backend: the bytes an application writes reach
// the backend bit-exact, in every format, rate and channel count the device offers, with
// read/write and mmap access; pause/resume, xrun recovery and drain behave as ALSA promises.
#include <doctest/doctest.h>

#include <cstring>

#include "plugin_rig.hpp"

using namespace xensnd::test;

namespace {

// Writes `audio` (whole frames) with writei, recovering nothing: every error fails the test.
void write_all(snd_pcm_t* pcm, const std::string& audio, std::size_t frame_bytes) {
    std::size_t frames = audio.size() / frame_bytes, done = 0;
    while (done < frames) {
        auto n = snd_pcm_writei(pcm, audio.data() + done * frame_bytes,
                                std::min<std::size_t>(frames - done, 700));
        REQUIRE_MESSAGE(n > 0, "writei: " << snd_strerror(static_cast<int>(n)));
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace

TEST_CASE("playback bytes reach the backend bit-exact, S16_LE 48000 Hz stereo") {
    PluginRig rig;
    snd_pcm_t* pcm = nullptr;
    REQUIRE(rig.open(&pcm, SND_PCM_STREAM_PLAYBACK) == 0);
    REQUIRE(set_params(pcm, SND_PCM_FORMAT_S16_LE, 48000, 2) == 0);
    const std::string audio = test_audio(4 * 12000);
    write_all(pcm, audio, 4);
    CHECK(snd_pcm_drain(pcm) == 0);
    snd_pcm_close(pcm);
    CHECK(rig.recorded() == audio);
    const std::string log = rig.log_text();
    CHECK(log.find("open 48000 2 2 16384 4096") != std::string::npos);
    CHECK(log.find("trigger start") != std::string::npos);
}

TEST_CASE("every offered format, rate and channel count plays bit-exact") {
    PluginRig rig;
    struct Case {
        snd_pcm_format_t format;
        unsigned bytes;
        unsigned rate, channels;
    };
    const Case cases[] = {
        {SND_PCM_FORMAT_U8, 1, 8000, 1},        {SND_PCM_FORMAT_S16_LE, 2, 44100, 2},
        {SND_PCM_FORMAT_S24_LE, 4, 96000, 6},   {SND_PCM_FORMAT_S32_LE, 4, 48000, 2},
        {SND_PCM_FORMAT_FLOAT_LE, 4, 44100, 1}, {SND_PCM_FORMAT_S16_LE, 2, 96000, 6},
    };
    std::string expected;
    unsigned seed = 1;
    for (const Case& c : cases) {
        CAPTURE(snd_pcm_format_name(c.format));
        CAPTURE(c.rate);
        CAPTURE(c.channels);
        snd_pcm_t* pcm = nullptr;
        REQUIRE(rig.open(&pcm, SND_PCM_STREAM_PLAYBACK) == 0);
        REQUIRE(set_params(pcm, c.format, c.rate, c.channels) == 0);
        const std::size_t fb = c.bytes * c.channels;
        const std::string audio = test_audio(fb * (c.rate / 20), seed++);
        write_all(pcm, audio, fb);
        CHECK(snd_pcm_drain(pcm) == 0);
        snd_pcm_close(pcm);
        expected += audio;
        CHECK(rig.recorded() == expected);
    }
}

TEST_CASE("a format the device does not offer is refused by hw_params") {
    PluginRig rig;
    snd_pcm_t* pcm = nullptr;
    REQUIRE(rig.open(&pcm, SND_PCM_STREAM_PLAYBACK) == 0);
    CHECK(set_params(pcm, SND_PCM_FORMAT_S16_BE, 48000, 2) < 0);
    CHECK(set_params(pcm, SND_PCM_FORMAT_S16_LE, 22050, 2) < 0);
    snd_pcm_close(pcm);
}

TEST_CASE("mmap access plays bit-exact") {
    PluginRig rig;
    snd_pcm_t* pcm = nullptr;
    REQUIRE(rig.open(&pcm, SND_PCM_STREAM_PLAYBACK) == 0);
    REQUIRE(set_params(pcm, SND_PCM_FORMAT_S16_LE, 48000, 2, SND_PCM_ACCESS_MMAP_INTERLEAVED) == 0);
    const std::size_t total = 8192;
    const std::string audio = test_audio(4 * total, 7);
    std::size_t done = 0;
    while (done < total) {
        snd_pcm_sframes_t avail = snd_pcm_avail_update(pcm);
        REQUIRE(avail >= 0);
        if (avail == 0) {
            REQUIRE(snd_pcm_wait(pcm, 1000) >= 0);
            continue;
        }
        const snd_pcm_channel_area_t* areas;
        snd_pcm_uframes_t offset, frames = std::min<snd_pcm_uframes_t>(
                                      static_cast<snd_pcm_uframes_t>(avail), total - done);
        REQUIRE(snd_pcm_mmap_begin(pcm, &areas, &offset, &frames) == 0);
        auto* dst = static_cast<char*>(areas[0].addr) + offset * 4;
        std::memcpy(dst, audio.data() + done * 4, frames * 4);
        REQUIRE(snd_pcm_mmap_commit(pcm, offset, frames) == static_cast<snd_pcm_sframes_t>(frames));
        done += frames;
        if (snd_pcm_state(pcm) == SND_PCM_STATE_PREPARED) REQUIRE(snd_pcm_start(pcm) == 0);
    }
    CHECK(snd_pcm_drain(pcm) == 0);
    snd_pcm_close(pcm);
    CHECK(rig.recorded() == audio);
}

TEST_CASE("pause and resume send TRIGGER PAUSE and RESUME; playback then completes") {
    PluginRig rig;
    snd_pcm_t* pcm = nullptr;
    REQUIRE(rig.open(&pcm, SND_PCM_STREAM_PLAYBACK) == 0);
    REQUIRE(set_params(pcm, SND_PCM_FORMAT_S16_LE, 48000, 2) == 0);
    const std::string audio = test_audio(4 * 8192, 3);
    write_all(pcm, audio.substr(0, 4 * 4096), 4);
    REQUIRE(snd_pcm_state(pcm) == SND_PCM_STATE_RUNNING);
    REQUIRE(snd_pcm_pause(pcm, 1) == 0);
    CHECK(snd_pcm_state(pcm) == SND_PCM_STATE_PAUSED);
    REQUIRE(snd_pcm_pause(pcm, 0) == 0);
    write_all(pcm, audio.substr(4 * 4096), 4);
    CHECK(snd_pcm_drain(pcm) == 0);
    snd_pcm_close(pcm);
    const std::string log = rig.log_text();
    CHECK(log.find("trigger pause") != std::string::npos);
    CHECK(log.find("trigger resume") != std::string::npos);
    CHECK(rig.recorded() == audio);
}

TEST_CASE("an underrun is an xrun (-EPIPE); snd_pcm_prepare recovers: STOP, a fresh OPEN, START") {
    PluginRig rig;
    snd_pcm_t* pcm = nullptr;
    REQUIRE(rig.open(&pcm, SND_PCM_STREAM_PLAYBACK) == 0);
    REQUIRE(set_params(pcm, SND_PCM_FORMAT_S16_LE, 48000, 2, SND_PCM_ACCESS_RW_INTERLEAVED, 2048,
                       512) == 0);
    const std::string audio = test_audio(4 * 2048, 5);
    write_all(pcm, audio, 4);
    // The backend's clock runs on: 2048 frames last 43 ms.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    snd_pcm_sframes_t n = snd_pcm_writei(pcm, audio.data(), 256);
    CHECK(n == -EPIPE);
    CHECK(snd_pcm_state(pcm) == SND_PCM_STATE_XRUN);
    REQUIRE(snd_pcm_prepare(pcm) == 0);
    write_all(pcm, audio, 4);
    CHECK(snd_pcm_drain(pcm) == 0);
    snd_pcm_close(pcm);
    const std::string log = rig.log_text();
    const auto stop = log.find("trigger stop");
    REQUIRE(stop != std::string::npos);
    // The backend's position went on through the xrun; ALSA restarts at 0: a fresh OPEN
    // puts both at 0 again, so the data after the recovery lands where the backend reads.
    const auto close = log.find("close", stop);
    const auto reopen = log.find("open 48000", stop);
    REQUIRE(close != std::string::npos);
    REQUIRE(reopen != std::string::npos);
    CHECK(close < reopen);
    CHECK(log.find("trigger start", reopen) != std::string::npos);
    CHECK(PluginRig::count(log, "open 48000") == 2);
    CHECK(rig.recorded() == audio + audio);
}

TEST_CASE("drain returns once the backend played everything; delay counts what is queued") {
    PluginRig rig;
    snd_pcm_t* pcm = nullptr;
    REQUIRE(rig.open(&pcm, SND_PCM_STREAM_PLAYBACK) == 0);
    REQUIRE(set_params(pcm, SND_PCM_FORMAT_S16_LE, 48000, 2) == 0);
    const std::string audio = test_audio(4 * 1000, 9);
    write_all(pcm, audio, 4);  // below the start threshold: drain must start the stream
    snd_pcm_sframes_t delay = -1;
    REQUIRE(snd_pcm_delay(pcm, &delay) == 0);
    CHECK(delay > 0);
    CHECK(delay <= 1000);
    CHECK(snd_pcm_drain(pcm) == 0);
    CHECK(snd_pcm_state(pcm) == SND_PCM_STATE_SETUP);
    snd_pcm_close(pcm);
    CHECK(rig.recorded() == audio);
}

TEST_CASE("stock aplay plays a raw file through pcm.xen bit-exact") {
    PluginRig rig;
    const std::string audio = test_audio(4 * 24000, 11);
    const std::string file = rig.dir() + "/in.raw";
    {
        std::ofstream out(file, std::ios::binary);
        out << audio;
    }
    pid_t pid = spawn_process({"/usr/bin/aplay", "-q", "-D", "xentest", "-t", "raw", "-f", "S16_LE",
                               "-r", "48000", "-c", "2", file},
                              {rig.guest_env(), rig.alsa_env(), rig.preload_env()},
                              rig.dir() + "/aplay.out");
    REQUIRE(pid > 0);
    CHECK_MESSAGE(wait_exit(pid) == 0, slurp(rig.dir() + "/aplay.out"));
    // aplay pads its last chunk with silence up to a period.
    const std::string got = rig.recorded();
    REQUIRE(got.size() >= audio.size());
    CHECK(got.substr(0, audio.size()) == audio);
    CHECK(got.find_first_not_of('\0', audio.size()) == std::string::npos);
}
