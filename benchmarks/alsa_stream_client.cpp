// A small ALSA application for the product-level benchmarks: plays and/or captures 48 kHz
// stereo S16 through any PCM name (the xen plugin, null, pulse) for a fixed time, driven by
// poll() as a real player is, and records what a benchmark needs to join with the backend's
// and the plugin's CUR_POS traces: when each poll() started and returned (CLOCK_MONOTONIC),
// xruns, frames moved, and the process's own CPU time. Prints one JSON object on stdout.
#include <alsa/asoundlib.h>
#include <poll.h>
#include <sys/resource.h>
#include <time.h>

#include <dirent.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Options {
    std::string playback;  // PCM names; empty: that direction is not used
    std::string capture;
    unsigned rate = 48000;
    snd_pcm_uframes_t period = 480;
    unsigned periods = 4;
    double seconds = 3.0;
    std::string wake_log;   // "<poll start ns> <poll end ns> <p|c> <woke for it 0/1>" per poll
    std::string write_log;  // "<ns before writei> <first frame> <frames> <delay after>" per write
};

std::int64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

double cpu_seconds(const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

[[noreturn]] void fail(const char* what, int err) {
    std::fprintf(stderr, "alsa_stream_client: %s: %s\n", what, snd_strerror(err));
    std::exit(1);
}

struct Stream {
    snd_pcm_t* pcm = nullptr;
    bool playback = true;
    std::vector<std::int16_t> buf;
    std::uint64_t frames = 0;
    std::uint64_t target = 0;
    unsigned xruns = 0;
    int first_fd = 0;
    int nfds = 0;
    bool done = false;
    struct Write {
        std::int64_t t_ns;
        std::uint64_t first;
        std::int64_t frames, delay;
    };
    std::vector<Write>* writes = nullptr;  // playback only, when logging
};

void configure(Stream& s, const std::string& name, bool playback, const Options& o) {
    s.playback = playback;
    int err =
        snd_pcm_open(&s.pcm, name.c_str(),
                     playback ? SND_PCM_STREAM_PLAYBACK : SND_PCM_STREAM_CAPTURE, SND_PCM_NONBLOCK);
    if (err < 0) fail(("open " + name).c_str(), err);
    snd_pcm_hw_params_t* hw;
    snd_pcm_hw_params_alloca(&hw);
    snd_pcm_hw_params_any(s.pcm, hw);
    if ((err = snd_pcm_hw_params_set_access(s.pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED)) < 0 ||
        (err = snd_pcm_hw_params_set_format(s.pcm, hw, SND_PCM_FORMAT_S16_LE)) < 0 ||
        (err = snd_pcm_hw_params_set_channels(s.pcm, hw, 2)) < 0 ||
        (err = snd_pcm_hw_params_set_rate(s.pcm, hw, o.rate, 0)) < 0)
        fail("hw params (access/format/channels/rate)", err);
    snd_pcm_uframes_t period = o.period;
    snd_pcm_uframes_t buffer = o.period * o.periods;
    if ((err = snd_pcm_hw_params_set_period_size_near(s.pcm, hw, &period, nullptr)) < 0 ||
        (err = snd_pcm_hw_params_set_buffer_size_near(s.pcm, hw, &buffer)) < 0 ||
        (err = snd_pcm_hw_params(s.pcm, hw)) < 0)
        fail("hw params (period/buffer)", err);
    snd_pcm_sw_params_t* sw;
    snd_pcm_sw_params_alloca(&sw);
    snd_pcm_sw_params_current(s.pcm, sw);
    snd_pcm_sw_params_set_avail_min(s.pcm, sw, period);
    snd_pcm_sw_params_set_start_threshold(s.pcm, sw, playback ? buffer : 1);
    if ((err = snd_pcm_sw_params(s.pcm, sw)) < 0) fail("sw params", err);
    s.buf.assign(period * 2, 0);
    for (std::size_t i = 0; i < s.buf.size(); ++i)
        s.buf[i] = static_cast<std::int16_t>((i * 97) % 20000 + 1);
    s.target = static_cast<std::uint64_t>(o.seconds * o.rate);
    s.nfds = snd_pcm_poll_descriptors_count(s.pcm);
    if (!playback && (err = snd_pcm_start(s.pcm)) < 0) fail("start capture", err);
}

// Moves what the device allows now; false when the stream has moved its frames.
void service(Stream& s) {
    snd_pcm_sframes_t avail = snd_pcm_avail_update(s.pcm);
    if (avail < 0) {
        ++s.xruns;
        if (s.writes) s.writes->push_back({now_ns(), s.frames, -1, -1});  // an xrun
        if (snd_pcm_recover(s.pcm, static_cast<int>(avail), 1) < 0) fail("recover", avail);
        if (!s.playback) snd_pcm_start(s.pcm);
        return;
    }
    const snd_pcm_uframes_t chunk = s.buf.size() / 2;
    while (avail > 0 && s.frames < s.target) {
        snd_pcm_uframes_t n = std::min<snd_pcm_uframes_t>(
            {chunk, static_cast<snd_pcm_uframes_t>(avail), s.target - s.frames});
        const std::int64_t t = now_ns();
        snd_pcm_sframes_t r = s.playback ? snd_pcm_writei(s.pcm, s.buf.data(), n)
                                         : snd_pcm_readi(s.pcm, s.buf.data(), n);
        if (r > 0 && s.writes) {
            snd_pcm_sframes_t delay = -1;
            if (snd_pcm_delay(s.pcm, &delay) < 0) delay = -1;
            s.writes->push_back({t, s.frames, r, delay});
        }
        if (r == -EAGAIN) break;
        if (r < 0) {
            ++s.xruns;
            if (s.writes) s.writes->push_back({now_ns(), s.frames, -1, -1});  // an xrun
            if (snd_pcm_recover(s.pcm, static_cast<int>(r), 1) < 0) fail("recover", r);
            if (!s.playback) snd_pcm_start(s.pcm);
            break;
        }
        s.frames += static_cast<std::uint64_t>(r);
        avail -= r;
    }
    if (s.frames >= s.target) s.done = true;
}

// Each thread's scheduler statistics (/proc/self/task/*/schedstat: CPU time, time spent
// runnable but waiting for a CPU, times run) as JSON: where a wake-up's latency goes.
std::string thread_schedstats() {
    std::string out = "[";
    DIR* d = ::opendir("/proc/self/task");
    if (!d) return "[]";
    while (dirent* e = ::readdir(d)) {
        if (e->d_name[0] == '.') continue;
        std::string base = std::string("/proc/self/task/") + e->d_name;
        char comm[64] = "";
        unsigned long long run = 0, wait = 0, slices = 0;
        if (FILE* f = std::fopen((base + "/comm").c_str(), "r")) {
            if (std::fgets(comm, sizeof comm, f)) comm[std::strcspn(comm, "\n\"\\")] = 0;
            std::fclose(f);
        }
        if (FILE* f = std::fopen((base + "/schedstat").c_str(), "r")) {
            if (std::fscanf(f, "%llu %llu %llu", &run, &wait, &slices) != 3)
                run = wait = slices = 0;
            std::fclose(f);
        }
        char buf[192];
        std::snprintf(buf, sizeof buf,
                      "\"comm\": \"%s\", \"run_ns\": %llu, \"wait_ns\": %llu, \"slices\": %llu}",
                      comm, run, wait, slices);
        out += std::string(out.size() > 1 ? ", " : "") + "{\"tid\": " + e->d_name + ", " + buf;
    }
    ::closedir(d);
    return out + "]";
}

void usage() {
    std::printf(
        "usage: alsa_stream_client [--playback PCM] [--capture PCM] [--rate R] [--period F]\n"
        "                          [--periods K] [--seconds S] [--wake-log FILE]\n"
        "                          [--write-log FILE]\n"
        "  plays (silence-free pattern) and/or captures S seconds of 2ch S16 through PCM,\n"
        "  poll()-driven; prints {frames, xruns, cpu} as JSON; --wake-log writes one line\n"
        "  '<poll start ns> <poll end ns> <dir p|c> <ready 0/1>' per poll() (CLOCK_MONOTONIC);\n"
        "  --write-log: '<ns before writei> <first frame> <frames> <snd_pcm_delay after>'\n");
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> const char* {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "alsa_stream_client: %s needs a value\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--playback")
            o.playback = next();
        else if (a == "--capture")
            o.capture = next();
        else if (a == "--rate")
            o.rate = static_cast<unsigned>(std::atoi(next()));
        else if (a == "--period")
            o.period = static_cast<snd_pcm_uframes_t>(std::atol(next()));
        else if (a == "--periods")
            o.periods = static_cast<unsigned>(std::atoi(next()));
        else if (a == "--seconds")
            o.seconds = std::atof(next());
        else if (a == "--wake-log")
            o.wake_log = next();
        else if (a == "--write-log")
            o.write_log = next();
        else if (a == "--help" || a == "-h") {
            usage();
            return 0;
        } else {
            std::fprintf(stderr, "alsa_stream_client: unknown option %s\n", a.c_str());
            return 2;
        }
    }
    if ((o.playback.empty() && o.capture.empty()) || o.rate == 0 || o.period == 0 ||
        o.periods < 2 || o.seconds <= 0) {
        std::fprintf(stderr,
                     "alsa_stream_client: need --playback and/or --capture, a rate, "
                     "a period, >= 2 periods and > 0 seconds\n");
        return 2;
    }
    std::vector<Stream> streams;
    streams.reserve(2);
    std::vector<Stream::Write> writes;
    if (!o.write_log.empty())
        writes.reserve(static_cast<std::size_t>(o.seconds * o.rate / o.period * 2 + 64));
    if (!o.playback.empty()) {
        configure(streams.emplace_back(), o.playback, true, o);
        if (!o.write_log.empty()) streams.back().writes = &writes;
    }
    if (!o.capture.empty()) configure(streams.emplace_back(), o.capture, false, o);

    struct Wake {
        std::int64_t start, end;
        char dir;
        bool ready;
    };
    std::vector<Wake> wakes;
    wakes.reserve(static_cast<std::size_t>(o.seconds * o.rate / o.period * 4 + 64));
    std::vector<pollfd> fds;
    const std::int64_t began = now_ns();
    const std::int64_t give_up = began + static_cast<std::int64_t>((o.seconds * 3 + 5) * 1e9);
    for (auto& s : streams)
        service(s);  // playback: fill the buffer, which starts it
    for (;;) {
        bool all_done = true;
        fds.clear();
        for (auto& s : streams) {
            all_done = all_done && s.done;
            s.first_fd = static_cast<int>(fds.size());
            fds.resize(fds.size() + static_cast<std::size_t>(s.nfds));
            if (s.done) continue;
            snd_pcm_poll_descriptors(s.pcm, &fds[static_cast<std::size_t>(s.first_fd)],
                                     static_cast<unsigned>(s.nfds));
        }
        if (all_done) break;
        if (now_ns() > give_up) {
            std::fprintf(stderr, "alsa_stream_client: the streams stalled\n");
            return 1;
        }
        for (auto& s : streams)
            if (s.done)
                for (int k = 0; k < s.nfds; ++k)
                    fds[static_cast<std::size_t>(s.first_fd + k)].fd = -1;
        const std::int64_t t0 = now_ns();
        int n = ::poll(fds.data(), fds.size(), 1000);
        const std::int64_t t1 = now_ns();
        if (n < 0 && errno != EINTR) fail("poll", -errno);
        for (auto& s : streams) {
            if (s.done) continue;
            unsigned short revents = 0;
            snd_pcm_poll_descriptors_revents(s.pcm, &fds[static_cast<std::size_t>(s.first_fd)],
                                             static_cast<unsigned>(s.nfds), &revents);
            const bool ready = (revents & (POLLIN | POLLOUT | POLLERR)) != 0;
            if (!o.wake_log.empty()) wakes.push_back({t0, t1, s.playback ? 'p' : 'c', ready});
            if (ready) service(s);
        }
    }
    const std::int64_t ended = now_ns();
    const std::string threads = thread_schedstats();  // before close ends the plugin's threads
    for (auto& s : streams) {
        if (s.playback) snd_pcm_drain(s.pcm);
        snd_pcm_close(s.pcm);
    }
    if (!o.wake_log.empty()) {
        FILE* f = std::fopen(o.wake_log.c_str(), "w");
        if (!f) {
            std::perror(o.wake_log.c_str());
            return 1;
        }
        for (const auto& w : wakes)
            std::fprintf(f, "%lld %lld %c %d\n", static_cast<long long>(w.start),
                         static_cast<long long>(w.end), w.dir, w.ready ? 1 : 0);
        std::fclose(f);
    }
    if (!o.write_log.empty()) {
        FILE* f = std::fopen(o.write_log.c_str(), "w");
        if (!f) {
            std::perror(o.write_log.c_str());
            return 1;
        }
        for (const auto& w : writes)
            std::fprintf(f, "%lld %llu %lld %lld\n", static_cast<long long>(w.t_ns),
                         static_cast<unsigned long long>(w.first), static_cast<long long>(w.frames),
                         static_cast<long long>(w.delay));
        std::fclose(f);
    }
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    std::uint64_t frames = 0, xruns = 0, played = 0, captured = 0;
    for (const auto& s : streams) {
        frames += s.frames;
        xruns += s.xruns;
        (s.playback ? played : captured) += s.frames;
    }
    std::printf(
        "{\"frames\": %llu, \"played\": %llu, \"captured\": %llu, \"xruns\": %llu, \"wall_s\": "
        "%.3f, \"user_s\": %.4f, "
        "\"sys_s\": %.4f, \"polls\": %zu, \"threads\": %s}\n",
        static_cast<unsigned long long>(frames), static_cast<unsigned long long>(played),
        static_cast<unsigned long long>(captured), static_cast<unsigned long long>(xruns),
        static_cast<double>(ended - began) / 1e9, cpu_seconds(ru.ru_utime),
        cpu_seconds(ru.ru_stime), wakes.size(), threads.c_str());
    return 0;
}
