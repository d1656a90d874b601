// MixerState: the volume and mute a user set for a vsnd device's streams with `ctl.xen`
// (alsamixer, amixer), as sndif's SET_VOLUME and MUTE/UNMUTE carry them.
//
// One process owns a device's streams (ownership_lock.hpp), so a mixer in another process can
// send no request itself. The values live in a small file next to the ownership lock
// (<runtime dir>/xensnd-<hash>-vsnd<N>.mixer, one line per direction:
// "playback volume -6020 mute 0"); ctl.xen rewrites it under an flock and then rings the
// owner's doorbell, an abstract unix datagram socket named after the same identity. The owner
// (the process whose pcm.xen holds the device) re-reads the file when the doorbell rang and
// sends the values on its next transfer; a PCM OPENs with the file's values, so values set
// while no PCM is open apply at the next OPEN, in this process or another.
//
// The file is another program's output and is read as untrusted: bounded, unknown lines
// ignored, values clamped to the range below.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "coro/result.hpp"
#include "frontend-user/position_tracker.hpp"

namespace xensnd::frontend {

// sndif units: 0.001 dB, 0 = 0 dB (the backend's default: samples untouched).
constexpr std::int32_t kMinVolumeMilliDb = -100'000;
constexpr std::int32_t kMaxVolumeMilliDb = 0;

struct StreamMix {
    std::int32_t volume_mdb = 0;
    bool muted = false;
    bool operator==(const StreamMix&) const = default;
    // What the backend does by default after OPEN (nothing to send).
    bool is_default() const { return volume_mdb == 0 && !muted; }
};

// The first stream of each direction (what pcm.xen opens by default).
struct MixerValues {
    StreamMix playback;
    StreamMix capture;
    bool operator==(const MixerValues&) const = default;
    StreamMix& of(Direction d) { return d == Direction::Playback ? playback : capture; }
    const StreamMix& of(Direction d) const { return d == Direction::Playback ? playback : capture; }
};

// Pure (fuzzed): the file's text <-> values. Parsing never fails: what cannot be read keeps
// its default.
MixerValues parse_mixer_text(std::string_view text);
std::string format_mixer_text(const MixerValues& values);

// Where a device's mixer file and doorbell are ("identity" as for the ownership lock).
std::string mixer_file_path(const std::string& identity, unsigned device);
std::string mixer_doorbell_name(const std::string& identity, unsigned device);

// Reads the file (shared flock); defaults when it does not exist.
Result<MixerValues> load_mixer(const std::string& path);
// Read-modify-write under an exclusive flock; returns the values written.
template <class F>
Result<MixerValues> update_mixer(const std::string& path, F&& change);
Result<MixerValues> update_mixer_with(const std::string& path,
                                      void (*change)(MixerValues&, const void*), const void* arg);

// Tells the device's owner (if any) that the file changed. Best effort: no owner is fine.
void ring_mixer_doorbell(const std::string& name);

// The owner's side of the doorbell: a thread counting rings.
class MixerDoorbell {
  public:
    // EADDRINUSE if another process listens (it should own the device, not us).
    static Result<std::unique_ptr<MixerDoorbell>> listen(const std::string& name);
    ~MixerDoorbell();
    MixerDoorbell(const MixerDoorbell&) = delete;
    MixerDoorbell& operator=(const MixerDoorbell&) = delete;
    // Increases with every ring.
    std::uint64_t rings() const { return rings_.load(std::memory_order_acquire); }

  private:
    MixerDoorbell(int socket_fd, int stop_fd);
    void run();
    int socket_fd_ = -1;
    int stop_fd_ = -1;
    std::atomic<std::uint64_t> rings_{0};
    std::thread thread_;
};

template <class F>
Result<MixerValues> update_mixer(const std::string& path, F&& change) {
    return update_mixer_with(
        path, [](MixerValues& v, const void* f) { (*static_cast<const F*>(f))(v); }, &change);
}

}  // namespace xensnd::frontend
