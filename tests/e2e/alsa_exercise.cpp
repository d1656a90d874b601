// xensnd-alsa-exercise: a small ALSA application for the end-to-end tests. It does what stock
// aplay/arecord do not: mmap access, pause/resume, a deliberate xrun, playback and capture of
// one device in one process, and holding a device so that a second process can be refused.
// It knows nothing of xensnd: it only speaks alsa-lib, on whatever PCM names it is given.
//
//   xensnd-alsa-exercise mmap-play  PCM FORMAT RATE CHANNELS IN.raw
//   xensnd-alsa-exercise pause-play PCM FORMAT RATE CHANNELS IN.raw
//   xensnd-alsa-exercise xrun-play  PCM FORMAT RATE CHANNELS IN.raw
//   xensnd-alsa-exercise duplex     PCM FORMAT RATE CHANNELS IN.raw OUT.raw FRAMES
//   xensnd-alsa-exercise hold       PCM
//
// Exit status 0 when everything behaved as ALSA promises; otherwise a line on stderr says what
// did not, and the status is 1.
#include <alsa/asoundlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

[[noreturn]] void die(const std::string& what, int err = 0) {
    std::fprintf(stderr, "xensnd-alsa-exercise: %s%s%s\n", what.c_str(), err ? ": " : "",
                 err ? snd_strerror(err) : "");
    std::exit(1);
}

void check(int err, const std::string& what) {
    if (err < 0) die(what, err);
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) die("cannot read " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct Setup {
    snd_pcm_format_t format = SND_PCM_FORMAT_S16_LE;
    unsigned rate = 48000;
    unsigned channels = 2;
    std::size_t frame_bytes = 4;
    snd_pcm_uframes_t buffer = 0;
};

Setup parse_setup(char** argv) {
    Setup s;
    s.format = snd_pcm_format_value(argv[0]);
    if (s.format == SND_PCM_FORMAT_UNKNOWN) die(std::string("unknown format ") + argv[0]);
    s.rate = static_cast<unsigned>(std::stoul(argv[1]));
    s.channels = static_cast<unsigned>(std::stoul(argv[2]));
    s.frame_bytes =
        static_cast<std::size_t>(snd_pcm_format_physical_width(s.format)) / 8 * s.channels;
    return s;
}

snd_pcm_t* open_pcm(const char* name, snd_pcm_stream_t stream, Setup& s, snd_pcm_access_t access) {
    snd_pcm_t* pcm = nullptr;
    check(snd_pcm_open(&pcm, name, stream, 0), std::string("opening ") + name);
    snd_pcm_hw_params_t* hw;
    snd_pcm_hw_params_alloca(&hw);
    check(snd_pcm_hw_params_any(pcm, hw), "hw_params_any");
    check(snd_pcm_hw_params_set_access(pcm, hw, access), "access");
    check(snd_pcm_hw_params_set_format(pcm, hw, s.format), "format");
    check(snd_pcm_hw_params_set_channels(pcm, hw, s.channels), "channels");
    check(snd_pcm_hw_params_set_rate(pcm, hw, s.rate, 0), "rate");
    unsigned buffer_us = 200000, period_us = 50000;
    check(snd_pcm_hw_params_set_buffer_time_near(pcm, hw, &buffer_us, nullptr), "buffer time");
    check(snd_pcm_hw_params_set_period_time_near(pcm, hw, &period_us, nullptr), "period time");
    check(snd_pcm_hw_params(pcm, hw), "hw_params");
    check(snd_pcm_hw_params_get_buffer_size(hw, &s.buffer), "buffer size");
    return pcm;
}

// Writes frames [from, to) of `audio` with writei; returns the first error (0 if none).
int write_frames(snd_pcm_t* pcm, const Setup& s, const std::string& audio, std::size_t from,
                 std::size_t to) {
    while (from < to) {
        auto n = snd_pcm_writei(pcm, audio.data() + from * s.frame_bytes, to - from);
        if (n < 0) return static_cast<int>(n);
        from += static_cast<std::size_t>(n);
    }
    return 0;
}

int mmap_play(char** argv) {
    Setup s = parse_setup(argv + 1);
    const std::string audio = slurp(argv[4]);
    const std::size_t total = audio.size() / s.frame_bytes;
    snd_pcm_t* pcm = open_pcm(argv[0], SND_PCM_STREAM_PLAYBACK, s, SND_PCM_ACCESS_MMAP_INTERLEAVED);
    std::size_t done = 0;
    while (done < total) {
        snd_pcm_sframes_t avail = snd_pcm_avail_update(pcm);
        check(static_cast<int>(std::min<snd_pcm_sframes_t>(avail, 0)), "avail_update");
        if (avail == 0) {
            check(snd_pcm_wait(pcm, 2000), "wait");
            continue;
        }
        const snd_pcm_channel_area_t* areas = nullptr;
        snd_pcm_uframes_t offset = 0;
        snd_pcm_uframes_t frames =
            std::min<snd_pcm_uframes_t>(static_cast<snd_pcm_uframes_t>(avail), total - done);
        check(snd_pcm_mmap_begin(pcm, &areas, &offset, &frames), "mmap_begin");
        // Interleaved: every channel's area starts at the frame; step is one frame.
        auto* dst =
            static_cast<char*>(areas[0].addr) + areas[0].first / 8 + offset * (areas[0].step / 8);
        std::memcpy(dst, audio.data() + done * s.frame_bytes, frames * s.frame_bytes);
        auto committed = snd_pcm_mmap_commit(pcm, offset, frames);
        if (committed != static_cast<snd_pcm_sframes_t>(frames))
            die("mmap_commit", static_cast<int>(std::min<snd_pcm_sframes_t>(committed, -EIO)));
        done += frames;
        if (snd_pcm_state(pcm) == SND_PCM_STATE_PREPARED) check(snd_pcm_start(pcm), "start");
    }
    check(snd_pcm_drain(pcm), "drain");
    snd_pcm_close(pcm);
    return 0;
}

int pause_play(char** argv) {
    Setup s = parse_setup(argv + 1);
    const std::string audio = slurp(argv[4]);
    const std::size_t total = audio.size() / s.frame_bytes;
    snd_pcm_t* pcm = open_pcm(argv[0], SND_PCM_STREAM_PLAYBACK, s, SND_PCM_ACCESS_RW_INTERLEAVED);
    const std::size_t half = total / 2;
    check(write_frames(pcm, s, audio, 0, half), "writing the first half");
    if (snd_pcm_state(pcm) != SND_PCM_STATE_RUNNING) die("not running after the first half");
    check(snd_pcm_pause(pcm, 1), "pause");
    if (snd_pcm_state(pcm) != SND_PCM_STATE_PAUSED) die("not paused after snd_pcm_pause(1)");
    // Paused for longer than the buffer lasts: a paused stream must not underrun.
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    if (snd_pcm_state(pcm) != SND_PCM_STATE_PAUSED) die("left PAUSED while paused");
    check(snd_pcm_pause(pcm, 0), "resume");
    check(write_frames(pcm, s, audio, half, total), "writing the second half");
    check(snd_pcm_drain(pcm), "drain");
    snd_pcm_close(pcm);
    return 0;
}

int xrun_play(char** argv) {
    Setup s = parse_setup(argv + 1);
    const std::string audio = slurp(argv[4]);
    const std::size_t total = audio.size() / s.frame_bytes;
    snd_pcm_t* pcm = open_pcm(argv[0], SND_PCM_STREAM_PLAYBACK, s, SND_PCM_ACCESS_RW_INTERLEAVED);
    const std::size_t first = std::min<std::size_t>(s.buffer, total / 2);
    check(write_frames(pcm, s, audio, 0, first), "writing before the xrun");
    if (snd_pcm_state(pcm) != SND_PCM_STATE_RUNNING) check(snd_pcm_start(pcm), "start");
    // Sleep well past the buffer: the device runs dry.
    const auto buffer_ms = s.buffer * 1000 / s.rate;
    std::this_thread::sleep_for(std::chrono::milliseconds(buffer_ms * 3 + 200));
    const int err = write_frames(pcm, s, audio, first, first + 1);
    if (err != -EPIPE)
        die("a write after the device ran dry was not -EPIPE (" + std::to_string(err) + ")");
    check(snd_pcm_prepare(pcm), "prepare after the xrun");
    // The caller checks what the device got from here on.
    std::printf("recovered at byte %zu\n", first * s.frame_bytes);
    std::fflush(stdout);
    check(write_frames(pcm, s, audio, first, total), "writing after the recovery");
    check(snd_pcm_drain(pcm), "drain");
    snd_pcm_close(pcm);
    return 0;
}

int duplex(char** argv) {
    Setup ps = parse_setup(argv + 1);
    Setup cs = ps;
    const std::string audio = slurp(argv[4]);
    const std::string out_path = argv[5];
    const std::size_t want = std::stoul(argv[6]);
    const std::size_t total = audio.size() / ps.frame_bytes;
    snd_pcm_t* play = open_pcm(argv[0], SND_PCM_STREAM_PLAYBACK, ps, SND_PCM_ACCESS_RW_INTERLEAVED);
    snd_pcm_t* cap = open_pcm(argv[0], SND_PCM_STREAM_CAPTURE, cs, SND_PCM_ACCESS_RW_INTERLEAVED);
    std::string got(want * cs.frame_bytes, '\0');
    std::size_t wrote = 0, read = 0;
    // A full playback buffer first, so that it never runs dry while capture is waited for.
    const std::size_t prefill = std::min<std::size_t>(ps.buffer, total);
    check(write_frames(play, ps, audio, 0, prefill), "playback prefill");
    wrote = prefill;
    if (snd_pcm_state(play) == SND_PCM_STATE_PREPARED) check(snd_pcm_start(play), "start");
    check(snd_pcm_start(cap), "capture start");
    const std::size_t chunk = std::max<std::size_t>(ps.buffer / 4, 1);
    while (wrote < total || read < want) {
        if (wrote < total) {
            auto n = snd_pcm_writei(play, audio.data() + wrote * ps.frame_bytes,
                                    std::min(chunk, total - wrote));
            if (n < 0) die("playback write", static_cast<int>(n));
            wrote += static_cast<std::size_t>(n);
        }
        if (read < want) {
            auto n = snd_pcm_readi(cap, got.data() + read * cs.frame_bytes,
                                   std::min(chunk, want - read));
            if (n < 0) die("capture read", static_cast<int>(n));
            read += static_cast<std::size_t>(n);
        }
    }
    check(snd_pcm_drain(play), "drain");
    snd_pcm_close(play);
    snd_pcm_close(cap);
    std::ofstream out(out_path, std::ios::binary);
    out << got;
    return out ? 0 : 1;
}

int hold(char** argv) {
    snd_pcm_t* pcm = nullptr;
    check(snd_pcm_open(&pcm, argv[0], SND_PCM_STREAM_PLAYBACK, 0), "opening");
    std::printf("held\n");
    std::fflush(stdout);
    // Until stdin closes (the test's pipe) or a signal ends us.
    char c;
    while (::read(0, &c, 1) > 0) {
    }
    snd_pcm_close(pcm);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "mmap-play" && argc == 7) return mmap_play(argv + 2);
    if (cmd == "pause-play" && argc == 7) return pause_play(argv + 2);
    if (cmd == "xrun-play" && argc == 7) return xrun_play(argv + 2);
    if (cmd == "duplex" && argc == 9) return duplex(argv + 2);
    if (cmd == "hold" && argc == 3) return hold(argv + 2);
    std::fprintf(stderr,
                 "usage: xensnd-alsa-exercise mmap-play|pause-play|xrun-play PCM FORMAT RATE "
                 "CHANNELS IN.raw\n"
                 "       xensnd-alsa-exercise duplex PCM FORMAT RATE CHANNELS IN.raw OUT.raw "
                 "FRAMES\n"
                 "       xensnd-alsa-exercise hold PCM\n");
    return 2;
}
