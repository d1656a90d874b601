// PluginRig: everything a pcm.xen test needs on the loopback platform: a loopback hypervisor
// (domain 0 the backend, domain 1 the guest), a vsnd device made by the loopback toolstack
// (xensnd-xl vsnd-attach, as libxl would), the scripted backend as its own process, and the
// build tree's plugin loaded through a generated asoundrc. This process speaks for the guest
// (XENSTORED_PATH names domain 1's socket).
#pragma once

#include <alsa/asoundlib.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "loopback/daemon_process.hpp"

extern char** environ;

namespace xensnd::test {

inline std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Runs argv with extra environment entries; returns the pid.
inline pid_t spawn_process(const std::vector<std::string>& argv,
                           const std::vector<std::string>& extra_env,
                           const std::string& output = "") {
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e)
        env.emplace_back(*e);
    for (const auto& e : extra_env) {
        const auto key = e.substr(0, e.find('=') + 1);
        std::erase_if(env, [&](const std::string& x) { return x.rfind(key, 0) == 0; });
        env.push_back(e);
    }
    std::vector<char*> a, en;
    for (const auto& s : argv)
        a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    for (const auto& s : env)
        en.push_back(const_cast<char*>(s.c_str()));
    en.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (!output.empty()) {
        posix_spawn_file_actions_addopen(&fa, 1, output.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                         0600);
        posix_spawn_file_actions_addopen(&fa, 2, output.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                         0600);
    }
    pid_t pid = -1;
    if (posix_spawn(&pid, a[0], &fa, nullptr, a.data(), en.data()) != 0) pid = -1;
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

inline int wait_exit(pid_t pid) {
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct RigOptions {
    // The xl.cfg vsnd= items of the device.
    std::vector<std::string> items = {
        "card, sample-rates=8000;44100;48000;96000, "
        "sample-formats=u8;s16_le;s24_le;s32_le;f32_le, "
        "channels-min=1, channels-max=6, buffer-size=65536",
        "pcm, name=Main", "stream, unique-id=0, type=p", "stream, unique-id=1, type=c"};
    std::string behaviour = "normal";
    std::string pcm_params = "timeout_ms 2000";
    int vanish_after = 4;
};

class PluginRig {
  public:
    explicit PluginRig(RigOptions o = {}) : options_(std::move(o)) {
        std::string why;
        auto d = loopback::DaemonProcess::start(XENSND_LOOPBACK_BIN, {0, 1}, &why);
        if (!d) throw std::runtime_error("loopback daemon: " + why);
        daemon_ = std::move(*d);
        dir_ = daemon_->rundir();
        record_ = dir_ + "/record.bin";
        log_ = dir_ + "/backend.log";
        asoundrc_ = dir_ + "/asoundrc";

        std::vector<std::string> attach = {XENSND_XL_BIN, "vsnd-attach", "--no-wait", "1"};
        for (const auto& i : options_.items)
            attach.push_back(i);
        pid_t xl = spawn_process(attach, {backend_env()}, dir_ + "/xl.out");
        if (xl < 0 || wait_exit(xl) != 0)
            throw std::runtime_error("xensnd-xl vsnd-attach failed: " + slurp(dir_ + "/xl.out"));

        start_backend(options_.behaviour);

        std::ofstream rc(asoundrc_);
#ifdef XENSND_CTL_XEN_PLUGIN
        rc << "ctl_type.xen { lib \"" << XENSND_CTL_XEN_PLUGIN << "\" }\n"
           << "ctl.xentest { type xen device 0 platform loopback }\n";
#endif
        // Last: open() adds parameters before the file's final brace.
        rc << "pcm_type.xen { lib \"" << XENSND_PCM_XEN_PLUGIN << "\" }\n"
           << "pcm.xentest { type xen device 0 platform loopback " << options_.pcm_params << " }\n";
        rc.close();
        ::setenv("XENSTORED_PATH", daemon_->xenstore_socket(1).c_str(), 1);
    }
    ~PluginRig() {
        stop_backend();
    }

    std::string backend_env() const {
        return "XENSTORED_PATH=" + daemon_->xenstore_socket(0);
    }
    std::string guest_env() const {
        return "XENSTORED_PATH=" + daemon_->xenstore_socket(1);
    }
    std::string alsa_env() const {
        return "ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:" + asoundrc_;
    }
    // For stock programs loading the plugin: a sanitized plugin needs its runtimes first.
    std::string preload_env() const {
#ifdef XENSND_SANITIZER_PRELOAD
        return "LD_PRELOAD=" XENSND_SANITIZER_PRELOAD;
#else
        return "XENSND_NO_PRELOAD=1";
#endif
    }

    void start_backend(const std::string& behaviour) {
        const auto before = count(log_text(), "initwait");
        backend_ = spawn_process({XENSND_SCRIPTED_BACKEND_BIN, "--frontend", "1", "--device", "0",
                                  "--record", record_, "--log", log_, "--behaviour", behaviour,
                                  "--vanish-after", std::to_string(options_.vanish_after)},
                                 {backend_env()}, dir_ + "/backend.out");
        wait_log("initwait", before + 1);
    }
    void stop_backend() {
        if (backend_ > 0) {
            ::kill(backend_, SIGTERM);
            (void)wait_exit(backend_);
            backend_ = -1;
        }
    }
    // Reaps a backend that exited by itself (vanish).
    void reap_backend() {
        if (backend_ > 0) (void)wait_exit(backend_);
        backend_ = -1;
    }

    std::string log_text() const {
        return slurp(log_);
    }
    std::string recorded() const {
        return slurp(record_);
    }
    const std::string& dir() const {
        return dir_;
    }

    static std::size_t count(const std::string& text, const std::string& what) {
        std::size_t n = 0;
        for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1))
            ++n;
        return n;
    }
    // Waits (bounded) until the backend's log holds `n` lines with `what`.
    bool wait_log(const std::string& what, std::size_t n = 1) const {
        for (int i = 0; i < 1000; ++i) {
            if (count(log_text(), what) >= n) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return false;
    }

    // Opens pcm.xentest (with extra parameters appended) from this process.
    int open(snd_pcm_t** pcm, snd_pcm_stream_t stream, const std::string& extra = "",
             int mode = 0) const {
        std::string text = slurp(asoundrc_);
        if (!extra.empty()) {
            const auto close = text.rfind('}');
            text.insert(close, " " + extra + " ");
        }
        snd_config_t* top = nullptr;
        snd_input_t* in = nullptr;
        if (snd_config_top(&top) < 0) return -ENOMEM;
        snd_input_buffer_open(&in, text.data(), static_cast<ssize_t>(text.size()));
        int err = snd_config_load(top, in);
        snd_input_close(in);
        if (err >= 0) err = snd_pcm_open_lconf(pcm, "xentest", stream, mode, top);
        snd_config_delete(top);
        return err;
    }

  private:
    RigOptions options_;
    std::unique_ptr<loopback::DaemonProcess> daemon_;
    std::string dir_, record_, log_, asoundrc_;
    pid_t backend_ = -1;
};

// Sets the usual parameters; returns ALSA's error.
inline int set_params(snd_pcm_t* pcm, snd_pcm_format_t format, unsigned rate, unsigned channels,
                      snd_pcm_access_t access = SND_PCM_ACCESS_RW_INTERLEAVED,
                      snd_pcm_uframes_t buffer = 4096, snd_pcm_uframes_t period = 1024) {
    snd_pcm_hw_params_t* hw;
    snd_pcm_hw_params_alloca(&hw);
    int err = snd_pcm_hw_params_any(pcm, hw);
    if (err >= 0) err = snd_pcm_hw_params_set_access(pcm, hw, access);
    if (err >= 0) err = snd_pcm_hw_params_set_format(pcm, hw, format);
    if (err >= 0) err = snd_pcm_hw_params_set_channels(pcm, hw, channels);
    if (err >= 0) err = snd_pcm_hw_params_set_rate(pcm, hw, rate, 0);
    if (err >= 0) err = snd_pcm_hw_params_set_buffer_size_near(pcm, hw, &buffer);
    if (err >= 0) err = snd_pcm_hw_params_set_period_size_near(pcm, hw, &period, nullptr);
    if (err >= 0) err = snd_pcm_hw_params(pcm, hw);
    return err;
}

// The capture pattern of the scripted backend.
inline std::string capture_pattern(std::size_t bytes) {
    std::string s(bytes, '\0');
    for (std::size_t k = 0; k < bytes; ++k)
        s[k] = static_cast<char>(static_cast<unsigned char>(k * 7 + 3));
    return s;
}

// Deterministic test audio.
inline std::string test_audio(std::size_t bytes, unsigned seed = 1) {
    std::string s(bytes, '\0');
    std::uint32_t x = seed * 2654435761u + 1;
    for (auto& c : s) {
        x = x * 1103515245u + 12345u;
        c = static_cast<char>(x >> 24);
    }
    return s;
}

}  // namespace xensnd::test
