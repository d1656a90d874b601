// ctl.xen: volume and mute set with stock amixer (another process than the one playing) reach
// the backend as SET_VOLUME and MUTE/UNMUTE: at the next OPEN when set beforehand, during a
// stream when set while it plays. The scripted backend logs the values it finds in the buffer.
#include <doctest/doctest.h>

#include <sstream>
#include <thread>

#include "plugin_rig.hpp"

using namespace xensnd::test;

namespace {

int amixer(const PluginRig& rig, const std::vector<std::string>& args,
           const std::string& out = "/dev/null") {
    std::vector<std::string> argv = {"/usr/bin/amixer", "-q", "-D", "xentest"};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_t pid = spawn_process(argv, {rig.guest_env(), rig.alsa_env(), rig.preload_env()}, out);
    return pid > 0 ? wait_exit(pid) : -1;
}

std::string amixer_get(const PluginRig& rig, const std::string& name) {
    const std::string out = rig.dir() + "/amixer-get.out";
    ::unlink(out.c_str());
    pid_t pid = spawn_process({"/usr/bin/amixer", "-D", "xentest", "cget", "name=" + name},
                              {rig.guest_env(), rig.alsa_env(), rig.preload_env()}, out);
    if (pid <= 0 || wait_exit(pid) != 0) return "";
    return slurp(out);
}

// Plays `frames`; an underrun (amixer runs in between, on a loaded machine) is recovered, as
// an application would: the stream stays OPEN, so what reaches the backend afterwards came
// through the running stream.
void play(snd_pcm_t* pcm, std::size_t frames) {
    const std::string audio = test_audio(4 * frames, 5);
    std::size_t done = 0;
    while (done < frames) {
        auto n =
            snd_pcm_writei(pcm, audio.data() + done * 4, std::min<std::size_t>(480, frames - done));
        if (n == -EPIPE) {
            REQUIRE(snd_pcm_prepare(pcm) == 0);
            continue;
        }
        REQUIRE_MESSAGE(n > 0, snd_strerror(static_cast<int>(n)));
        done += static_cast<std::size_t>(n);
    }
}

// The volume and mute the backend has now for the playback stream, replayed from its log:
// an OPEN starts at 0 dB unmuted.
struct BackendMix {
    std::string volume = "0";
    bool muted = false;
};
BackendMix backend_mix(const std::string& log) {
    BackendMix m;
    std::istringstream in(log);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("open ", 0) == 0) m = BackendMix{};
        if (line.rfind("mute ", 0) == 0) m.muted = true;
        if (line.rfind("unmute ", 0) == 0) m.muted = false;
        if (line.rfind("set-volume ", 0) == 0) m.volume = line.substr(11, line.find(' ', 11) - 11);
    }
    return m;
}

bool wait_mix(const PluginRig& rig, const std::string& volume, bool muted) {
    for (int i = 0; i < 500; ++i) {
        const BackendMix m = backend_mix(rig.log_text());
        if (m.volume == volume && m.muted == muted) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

}  // namespace

TEST_CASE("volume and mute set before the stream opens are sent right after OPEN") {
    PluginRig rig;
    // -6.02 dB: the control counts 0.01 dB from -100 dB.
    REQUIRE(amixer(rig, {"cset", "name=PCM Playback Volume", "9398"}) == 0);
    REQUIRE(amixer(rig, {"cset", "name=PCM Playback Switch", "off"}) == 0);
    CHECK(amixer_get(rig, "PCM Playback Volume").find(": values=9398") != std::string::npos);
    CHECK(amixer_get(rig, "PCM Playback Switch").find(": values=off") != std::string::npos);

    snd_pcm_t* pcm = nullptr;
    REQUIRE(rig.open(&pcm, SND_PCM_STREAM_PLAYBACK) == 0);
    REQUIRE(set_params(pcm, SND_PCM_FORMAT_S16_LE, 48000, 2) == 0);
    play(pcm, 2400);
    CHECK(snd_pcm_drain(pcm) == 0);
    snd_pcm_close(pcm);
    const std::string log = rig.log_text();
    const auto open_at = log.find("open 48000");
    const auto volume_at = log.find("set-volume -6020 -6020");
    const auto mute_at = log.find("mute 1 1");
    const auto write_at = log.find("write ");
    REQUIRE(open_at != std::string::npos);
    REQUIRE(volume_at != std::string::npos);
    REQUIRE(mute_at != std::string::npos);
    CHECK(open_at < volume_at);
    CHECK(volume_at < write_at);
    CHECK(mute_at < write_at);
    // The data itself is untouched by the frontend (the backend applies volume).
    CHECK(rig.recorded() == test_audio(4 * 2400, 5));
}

TEST_CASE("a change made while the stream plays reaches the backend during the stream") {
    PluginRig rig;
    snd_pcm_t* pcm = nullptr;
    REQUIRE(rig.open(&pcm, SND_PCM_STREAM_PLAYBACK) == 0);
    // The largest buffer the device allows, so that amixer's start-up rarely starves it.
    REQUIRE(set_params(pcm, SND_PCM_FORMAT_S16_LE, 48000, 2, SND_PCM_ACCESS_RW_INTERLEAVED, 16384,
                       4096) == 0);
    play(pcm, 4800);
    CHECK(rig.log_text().find("set-volume") == std::string::npos);  // 0 dB: nothing sent
    REQUIRE(amixer(rig, {"cset", "name=PCM Playback Switch", "off"}) == 0);
    play(pcm, 9600);
    CHECK(wait_mix(rig, "0", true));
    REQUIRE(amixer(rig, {"cset", "name=PCM Playback Switch", "on"}) == 0);
    REQUIRE(amixer(rig, {"cset", "name=PCM Playback Volume", "9000"}) == 0);
    play(pcm, 9600);
    CHECK(wait_mix(rig, "-10000", false));
    CHECK(snd_pcm_drain(pcm) == 0);
    snd_pcm_close(pcm);
    // Capture was not touched.
    CHECK(amixer_get(rig, "Capture Switch").find(": values=on") != std::string::npos);
}
