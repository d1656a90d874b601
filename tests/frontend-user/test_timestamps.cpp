// The timestamps pcm.xen reports (trigger and status) are on the clock the PCM says it uses
// (snd_pcm_hw_params_is_monotonic), so an application that subtracts them from its own clock
// gets a sane duration: aplay's "underrun!!! (at least N ms long)" after an xrun in particular.
#include <doctest/doctest.h>
#include <time.h>

#include <regex>
#include <thread>

#include "plugin_rig.hpp"

using namespace xensnd::test;

namespace {

double seconds_of(const snd_htimestamp_t& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

double now_on(clockid_t clock) {
    timespec t{};
    clock_gettime(clock, &t);
    return seconds_of(t);
}

}  // namespace

TEST_CASE("trigger and status timestamps are on the PCM's clock, after start and after an xrun") {
    PluginRig rig;
    snd_pcm_t* pcm = nullptr;
    REQUIRE(rig.open(&pcm, SND_PCM_STREAM_PLAYBACK) == 0);
    snd_pcm_hw_params_t* hw;
    snd_pcm_hw_params_alloca(&hw);
    REQUIRE(snd_pcm_hw_params_any(pcm, hw) >= 0);
    REQUIRE(snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED) == 0);
    REQUIRE(snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16_LE) == 0);
    REQUIRE(snd_pcm_hw_params_set_channels(pcm, hw, 2) == 0);
    REQUIRE(snd_pcm_hw_params_set_rate(pcm, hw, 48000, 0) == 0);
    snd_pcm_uframes_t buffer = 4096, period = 1024;
    REQUIRE(snd_pcm_hw_params_set_buffer_size_near(pcm, hw, &buffer) == 0);
    REQUIRE(snd_pcm_hw_params_set_period_size_near(pcm, hw, &period, nullptr) == 0);
    REQUIRE(snd_pcm_hw_params(pcm, hw) == 0);
    // What aplay asks: which clock the stamps are on.
    const clockid_t clock = snd_pcm_hw_params_is_monotonic(hw) ? CLOCK_MONOTONIC : CLOCK_REALTIME;

    snd_pcm_status_t* status;
    snd_pcm_status_alloca(&status);
    const std::string audio = test_audio(4 * 2048);
    const double before_start = now_on(clock);
    REQUIRE(snd_pcm_writei(pcm, audio.data(), 2048) == 2048);
    if (snd_pcm_state(pcm) == SND_PCM_STATE_PREPARED) REQUIRE(snd_pcm_start(pcm) == 0);
    REQUIRE(snd_pcm_state(pcm) == SND_PCM_STATE_RUNNING);
    REQUIRE(snd_pcm_status(pcm, status) == 0);
    snd_htimestamp_t trigger{}, stamp{};
    snd_pcm_status_get_trigger_htstamp(status, &trigger);
    snd_pcm_status_get_htstamp(status, &stamp);
    const double after_start = now_on(clock);
    CHECK(seconds_of(trigger) >= before_start);
    CHECK(seconds_of(trigger) <= after_start);
    CHECK(seconds_of(stamp) >= seconds_of(trigger));
    CHECK(seconds_of(stamp) <= after_start);

    // Starve it: 2048 frames last ~43 ms.
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    CHECK(snd_pcm_avail_update(pcm) == -EPIPE);
    REQUIRE(snd_pcm_status(pcm, status) == 0);
    CHECK(snd_pcm_status_get_state(status) == SND_PCM_STATE_XRUN);
    snd_pcm_status_get_trigger_htstamp(status, &trigger);
    const double now = now_on(clock);
    // aplay prints now - trigger as "at least N ms long": it must be a duration of this test.
    CHECK(now - seconds_of(trigger) >= 0.0);
    CHECK(now - seconds_of(trigger) <= now - before_start);
    CHECK(snd_pcm_prepare(pcm) == 0);
    snd_pcm_close(pcm);
}

TEST_CASE("stock aplay reports an underrun of a sane length") {
    PluginRig rig;
    const std::string file = rig.dir() + "/tone.raw";
    {
        std::ofstream out(file, std::ios::binary);
        out << test_audio(4 * 48000);
    }
    // aplay reads a pipe that stalls for a second after more than a buffer (aplay starts the
    // PCM once its buffer is full): the device runs dry in between.
    const std::string script = "{ head -c 96000 '" + file + "'; sleep 1; cat '" + file +
                               "'; } | /usr/bin/aplay -D xentest -t raw -f S16_LE -r 48000 -c 2";
    pid_t pid = spawn_process({"/bin/sh", "-c", script},
                              {rig.guest_env(), rig.alsa_env(), rig.preload_env()},
                              rig.dir() + "/aplay.out");
    REQUIRE(pid > 0);
    const int rc = wait_exit(pid);
    const std::string out = slurp(rig.dir() + "/aplay.out");
    CHECK_MESSAGE(rc == 0, out);
    std::smatch m;
    REQUIRE_MESSAGE(std::regex_search(out, m, std::regex(R"(underrun!!! \(at least ([0-9.]+) ms)")),
                    out);
    const double ms = std::stod(m[1].str());
    CHECK_MESSAGE(ms < 10000.0, out);  // the stall lasted about a second
}
