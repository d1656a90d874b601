#include "backend/stream/dma_engine.hpp"

#include <algorithm>
#include <cstring>
#include <span>

#include "backend/audio/sample_layout.hpp"

namespace xensnd::backend::stream {
namespace {
// Playback copies through this much scratch (volume is applied there, never in the guest's
// buffer, which the guest may read back).
constexpr std::size_t kScratchBytes = 16 * 1024;
}  // namespace

DmaEngine::DmaEngine(DmaGeometry geometry, const audio::SoftVolume* volume)
    : g_(geometry), volume_(volume) {
    if (g_.buffer == nullptr || g_.frame_bytes == 0 || g_.buffer_bytes % g_.frame_bytes != 0 ||
        g_.buffer_bytes == 0 || g_.period_frames == 0 || volume_ == nullptr)
        bug("DmaEngine: inconsistent geometry");
    if (g_.direction == audio::Direction::Playback)
        scratch_.resize(std::max<std::size_t>(kScratchBytes / g_.frame_bytes, 1) * g_.frame_bytes);
}

void DmaEngine::guest_wrote(std::uint32_t offset, std::uint32_t length) {
    if (length == 0 || g_.direction != audio::Direction::Playback) return;
    const std::uint64_t size = g_.buffer_bytes;
    // The guest writes ahead of the position it was told (at most one buffer ahead): its
    // bytes belong to [played, played + size), whatever it wrote before.
    const std::uint64_t played = last_position_;
    std::uint64_t start;
    if (written_end_ % size == offset && written_end_ >= played)
        start = written_end_;  // the usual case: right after the previous write
    else
        start = played + (offset + size - played % size) % size;
    const std::uint64_t end = std::min(start + length, played + size);
    written_end_ = std::max(written_end_, end);
}

std::size_t DmaEngine::target_fill(const audio::HostPcm& host) const {
    const std::size_t guest = g_.buffer_bytes / g_.frame_bytes;
    const std::size_t period = g_.period_frames;
    // The guest keeps about a period short of its whole buffer written ahead of the position.
    std::size_t target = guest > 2 * period ? guest - period : period;
    target = std::min<std::size_t>(target, std::max<std::uint32_t>(host.host_buffer_frames(), 1));
    return std::max<std::size_t>(target, 1);
}

std::size_t DmaEngine::step_frames(const audio::HostPcm& host) const {
    return std::max<std::size_t>(std::min<std::size_t>(g_.period_frames / 2, target_fill(host) / 2),
                                 1);
}

std::size_t DmaEngine::low_water_frames(const audio::HostPcm& host) const {
    return std::max<std::size_t>(step_frames(host) / 4, 1);
}

std::size_t DmaEngine::wake_frames(audio::HostPcm& host) const {
    const std::size_t host_buffer = std::max<std::uint32_t>(host.host_buffer_frames(), 1);
    if (g_.direction == audio::Direction::Capture)
        return std::clamp<std::size_t>(g_.period_frames / 2, 1, host_buffer);
    // Wake once the host has played one more step (at least two positions per guest period),
    // or sooner, when it is down to its low water, so a guest writing just in time is handed
    // over before the host runs dry.
    auto avail = host.avail();
    auto delay = host.delay();
    if (!avail || !delay) return host_buffer;
    const std::size_t low_water = low_water_frames(host);
    const std::size_t until_low = *delay > low_water ? *delay - low_water : 1;
    return std::min(host_buffer, *avail + std::min(step_frames(host), until_low));
}

Result<std::size_t> DmaEngine::transfer(audio::HostPcm& host) {
    auto avail = host.avail();
    if (!avail) return Err(avail.error());
    const std::size_t host_buffer = std::max<std::uint32_t>(host.host_buffer_frames(), 1);
    if (g_.direction == audio::Direction::Capture)
        return capture(host, std::min(*avail, host_buffer));
    auto delay = host.delay();
    if (!delay) return Err(delay.error());
    const std::uint64_t consumed = moved_ * g_.frame_bytes;
    const std::uint64_t written =
        written_end_ > consumed ? (written_end_ - consumed) / g_.frame_bytes : 0;
    const std::size_t target = target_fill(host);
    std::size_t want = *delay < target ? target - *delay : 0;
    want = static_cast<std::size_t>(std::min<std::uint64_t>(want, written));
    // The host is down to its low water and the guest has written nothing more: it is late.
    // Keep the device clock going with a step of silence (the guest's underrun: its position
    // passes what it wrote, which its ALSA reports as an xrun).
    if (want == written && *delay + want <= low_water_frames(host))
        want = std::max(want, step_frames(host) - std::min(*delay, step_frames(host)));
    return play(host, std::min(*avail, want));
}

Result<std::size_t> DmaEngine::play(audio::HostPcm& host, std::size_t frames) {
    const std::uint32_t fb = g_.frame_bytes;
    const std::size_t ring_frames = g_.buffer_bytes / fb;
    std::size_t done = 0;
    while (done < frames) {
        const std::uint64_t consumed = moved_ * fb;
        const std::size_t ring_at = static_cast<std::size_t>(moved_ % ring_frames);
        const std::size_t chunk =
            std::min({frames - done, scratch_.size() / fb, ring_frames - ring_at});
        const std::size_t data =
            written_end_ > consumed ? std::min<std::uint64_t>(chunk, (written_end_ - consumed) / fb)
                                    : 0;
        std::span<std::byte> out(scratch_.data(), chunk * fb);
        std::memcpy(out.data(), g_.buffer + ring_at * fb, data * fb);
        audio::fill_silence(out.subspan(data * fb), g_.format);
        volume_->apply(out);
        auto taken = host.write(out);
        if (!taken) return Err(taken.error());
        const std::size_t n = std::min(*taken, chunk);
        moved_ += n;
        frames_ += n;
        if (n > data) underrun_frames_ += n - data;
        done += n;
        if (n < chunk) break;
    }
    return done;
}

Result<std::size_t> DmaEngine::capture(audio::HostPcm& host, std::size_t frames) {
    const std::uint32_t fb = g_.frame_bytes;
    const std::size_t ring_frames = g_.buffer_bytes / fb;
    std::size_t done = 0;
    while (done < frames) {
        const std::size_t ring_at = static_cast<std::size_t>(moved_ % ring_frames);
        const std::size_t chunk = std::min(frames - done, ring_frames - ring_at);
        std::span<std::byte> into(g_.buffer + ring_at * fb, chunk * fb);
        auto got = host.read(into);
        if (!got) return Err(got.error());
        const std::size_t n = std::min(*got, chunk);
        volume_->apply(into.first(n * fb));
        moved_ += n;
        frames_ += n;
        done += n;
        if (n < chunk) break;
    }
    return done;
}

Result<void> DmaEngine::start(audio::HostPcm& host) {
    if (g_.direction == audio::Direction::Playback) {
        auto filled = transfer(host);
        if (!filled) return Err(filled.error());
    }
    return host.start();
}

Result<void> DmaEngine::stop(audio::HostPcm& host) {
    if (g_.direction == audio::Direction::Playback) {
        auto delay = host.delay();
        const std::uint64_t held = delay ? std::min<std::uint64_t>(*delay, moved_) : 0;
        // What the host drops was never heard: it is played from the buffer after START.
        moved_ = std::max(moved_ - held, last_position_ / g_.frame_bytes);
    }
    return host.stop();
}

Result<std::uint64_t> DmaEngine::position(audio::HostPcm& host) {
    std::uint64_t frames = moved_;
    if (g_.direction == audio::Direction::Playback) {
        auto delay = host.delay();
        if (!delay) return Err(delay.error());
        frames -= std::min<std::uint64_t>(*delay, frames);
    }
    last_position_ = std::max(last_position_, frames * g_.frame_bytes);
    return last_position_;
}

}  // namespace xensnd::backend::stream
