// Who owns a vsnd device: one process at a time (a second gets EBUSY with a clear message),
// both PCMs of one device in one process share the connection, closing the last PCM lets
// another process take the device, and the plugin's parameters are checked.
#include <doctest/doctest.h>

#include "plugin_rig.hpp"

using namespace xensnd::test;

TEST_CASE("playback and capture of one device run together in one process") {
    PluginRig rig;
    snd_pcm_t* play = nullptr;
    snd_pcm_t* cap = nullptr;
    REQUIRE(rig.open(&play, SND_PCM_STREAM_PLAYBACK) == 0);
    REQUIRE(rig.open(&cap, SND_PCM_STREAM_CAPTURE) == 0);
    REQUIRE(set_params(play, SND_PCM_FORMAT_S16_LE, 48000, 2) == 0);
    REQUIRE(set_params(cap, SND_PCM_FORMAT_S16_LE, 48000, 2) == 0);
    const std::string audio = test_audio(4 * 4800);
    std::string got(4 * 4800, '\0');
    // Fill the playback buffer first so that it never runs dry while we wait for capture.
    std::size_t wrote = 0, read = 0;
    while (wrote < 3840) {
        auto n = snd_pcm_writei(play, audio.data() + wrote * 4, 3840 - wrote);
        REQUIRE(n > 0);
        wrote += static_cast<std::size_t>(n);
    }
    while (wrote < 4800 || read < 4800) {
        if (wrote < 4800) {
            auto n = snd_pcm_writei(play, audio.data() + wrote * 4,
                                    std::min<std::size_t>(480, 4800 - wrote));
            REQUIRE(n > 0);
            wrote += static_cast<std::size_t>(n);
        }
        if (read < 4800) {
            auto n =
                snd_pcm_readi(cap, got.data() + read * 4, std::min<std::size_t>(480, 4800 - read));
            REQUIRE(n > 0);
            read += static_cast<std::size_t>(n);
        }
    }
    CHECK(snd_pcm_drain(play) == 0);
    snd_pcm_close(play);
    snd_pcm_close(cap);
    CHECK(rig.recorded() == audio);
    CHECK(got == capture_pattern(got.size()));
    CHECK(PluginRig::count(rig.log_text(), "\nconnected\n") == 1);  // one connection for both
}

TEST_CASE("a second process gets EBUSY naming the owner; after close it can play") {
    PluginRig rig;
    snd_pcm_t* pcm = nullptr;
    REQUIRE(rig.open(&pcm, SND_PCM_STREAM_PLAYBACK) == 0);
    const std::string file = rig.dir() + "/in.raw";
    {
        std::ofstream out(file, std::ios::binary);
        out << test_audio(4 * 4800);
    }
    const std::vector<std::string> aplay = {
        "/usr/bin/aplay", "-q", "-D",    "xentest", "-t", "raw", "-f",
        "S16_LE",         "-r", "48000", "-c",      "2",  file};
    pid_t pid = spawn_process(aplay, {rig.guest_env(), rig.alsa_env(), rig.preload_env()},
                              rig.dir() + "/busy.out");
    REQUIRE(pid > 0);
    CHECK(wait_exit(pid) != 0);
    const std::string out = slurp(rig.dir() + "/busy.out");
    CHECK_MESSAGE(out.find("in use by another process (pid " + std::to_string(::getpid())) !=
                      std::string::npos,
                  out);
    CHECK(out.find("busy") != std::string::npos);
    snd_pcm_close(pcm);

    // Disconnected cleanly: the backend is ready for the next frontend.
    REQUIRE(rig.wait_log("initwait", 2));
    pid = spawn_process(aplay, {rig.guest_env(), rig.alsa_env(), rig.preload_env()},
                        rig.dir() + "/second.out");
    CHECK_MESSAGE(wait_exit(pid) == 0, slurp(rig.dir() + "/second.out"));
    CHECK(rig.recorded().substr(0, 4 * 4800) == test_audio(4 * 4800));  // aplay pads the end
}

TEST_CASE("a device left Connected by a killed process is recovered by the next opener") {
    PluginRig rig;
    const std::string file = rig.dir() + "/long.raw";
    {
        std::ofstream out(file, std::ios::binary);
        out << test_audio(4 * 48000 * 5);
    }
    pid_t pid = spawn_process({"/usr/bin/aplay", "-q", "-D", "xentest", "-t", "raw", "-f", "S16_LE",
                               "-r", "48000", "-c", "2", file},
                              {rig.guest_env(), rig.alsa_env(), rig.preload_env()},
                              rig.dir() + "/killed.out");
    REQUIRE(pid > 0);
    REQUIRE(rig.wait_log("write "));
    ::kill(pid, SIGKILL);
    (void)wait_exit(pid);
    // The backend notices the dead frontend's channels and waits for a new one.
    REQUIRE(rig.wait_log("initwait", 2));
    snd_pcm_t* pcm = nullptr;
    REQUIRE(rig.open(&pcm, SND_PCM_STREAM_PLAYBACK) == 0);
    CHECK(set_params(pcm, SND_PCM_FORMAT_S16_LE, 48000, 2) == 0);
    snd_pcm_close(pcm);
}

TEST_CASE("an unknown asoundrc parameter fails the open with an error naming it") {
    PluginRig rig;
    snd_pcm_t* pcm = nullptr;
    CHECK(rig.open(&pcm, SND_PCM_STREAM_PLAYBACK, "devce 1") == -EINVAL);
    CHECK(rig.open(&pcm, SND_PCM_STREAM_PLAYBACK, "pcm 4") == -ENOENT);
    CHECK(rig.open(&pcm, SND_PCM_STREAM_PLAYBACK, "stream 1") == -ENOENT);  // 0/1 is capture
}
