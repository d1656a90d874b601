// How pcm.xen leaves a device: closing the last PCM of the process says Closing while the
// rings and channels still exist (the backend sees a frontend leaving, not one that died) and
// the next opener connects at once; a backend lost under an open PCM is an error for the
// application, and a later open, in this process or another, connects again.
#include <doctest/doctest.h>

#include "plugin_rig.hpp"

using namespace xensnd::test;

namespace {

void play(snd_pcm_t* pcm, std::size_t frames, unsigned seed) {
    const std::string audio = test_audio(4 * frames, seed);
    std::size_t done = 0;
    while (done < frames) {
        auto n = snd_pcm_writei(pcm, audio.data() + done * 4, frames - done);
        REQUIRE_MESSAGE(n > 0, snd_strerror(static_cast<int>(n)));
        done += static_cast<std::size_t>(n);
    }
    REQUIRE(snd_pcm_drain(pcm) == 0);
}

// The part of the backend's log since the n-th (1-based) "connected".
std::string since_connection(const std::string& log, std::size_t n) {
    std::size_t at = 0;
    for (std::size_t i = 0; i < n; ++i) {
        at = log.find("\nconnected\n", at == 0 ? 0 : at + 1);
        if (at == std::string::npos) return {};
    }
    return log.substr(at);
}

}  // namespace

TEST_CASE("closing the last PCM writes Closing before the transport goes; reopening connects") {
    PluginRig rig;
    snd_pcm_t* play_pcm = nullptr;
    snd_pcm_t* cap_pcm = nullptr;
    REQUIRE(rig.open(&play_pcm, SND_PCM_STREAM_PLAYBACK) == 0);
    REQUIRE(rig.open(&cap_pcm, SND_PCM_STREAM_CAPTURE) == 0);
    REQUIRE(set_params(play_pcm, SND_PCM_FORMAT_S16_LE, 48000, 2) == 0);
    play(play_pcm, 2400, 1);
    snd_pcm_close(play_pcm);
    // One PCM still open: the connection stays.
    CHECK(rig.log_text().find("frontend Closing") == std::string::npos);
    snd_pcm_close(cap_pcm);
    REQUIRE(rig.wait_log("initwait", 2));
    const std::string first = since_connection(rig.log_text(), 1);
    CHECK_MESSAGE(first.find("frontend Closing") != std::string::npos, first);
    CHECK_MESSAGE(first.find("transport ended") == std::string::npos, first);

    // The backend is ready again: the next open connects at once and plays.
    REQUIRE(rig.open(&play_pcm, SND_PCM_STREAM_PLAYBACK) == 0);
    REQUIRE(set_params(play_pcm, SND_PCM_FORMAT_S16_LE, 48000, 2) == 0);
    play(play_pcm, 2400, 2);
    snd_pcm_close(play_pcm);
    REQUIRE(rig.wait_log("initwait", 3));
    CHECK(PluginRig::count(rig.log_text(), "\nconnected\n") == 2);
    CHECK(PluginRig::count(rig.log_text(), "frontend Closing") == 2);
    CHECK(rig.recorded() == test_audio(4 * 2400, 1) + test_audio(4 * 2400, 2));
}

TEST_CASE("a process playing when the backend vanishes fails; a new process then plays") {
    RigOptions o;
    o.behaviour = "vanish";
    o.vanish_after = 6;
    o.pcm_params = "timeout_ms 1000";
    PluginRig rig(o);
    const std::string file = rig.dir() + "/long.raw";
    {
        std::ofstream out(file, std::ios::binary);
        out << test_audio(4 * 48000 * 2);
    }
    const std::vector<std::string> aplay = {
        "/usr/bin/aplay", "-q", "-D",    "xentest", "-t", "raw", "-f",
        "S16_LE",         "-r", "48000", "-c",      "2",  file};
    const std::vector<std::string> env = {rig.guest_env(), rig.alsa_env(), rig.preload_env()};
    pid_t pid = spawn_process(aplay, env, rig.dir() + "/lost.out");
    REQUIRE(pid > 0);
    CHECK(wait_exit(pid) != 0);
    const std::string lost = slurp(rig.dir() + "/lost.out");
    CHECK_MESSAGE(lost.find("error") != std::string::npos, lost);
    CHECK(rig.log_text().find("vanish") != std::string::npos);

    rig.reap_backend();
    rig.start_backend("normal");
    pid = spawn_process(aplay, env, rig.dir() + "/again.out");
    REQUIRE(pid > 0);
    CHECK_MESSAGE(wait_exit(pid) == 0, slurp(rig.dir() + "/again.out"));
}
