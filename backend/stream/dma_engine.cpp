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
    // Played in the order written, from where it was written: a guest whose pointers restart
    // after its xrun (Linux resets them at prepare) is heard as it wrote, not shifted.
    if (!pending_.empty() && pending_.back().offset + pending_.back().length == offset)
        pending_.back().length += length;
    else
        pending_.push_back(Segment{offset, length});
    pending_bytes_ += length;
    // More than a buffer pending: the guest overwrote what it had not let us play yet (only
    // a broken or hostile guest does); its oldest bytes are gone. Bounded either way.
    while (pending_bytes_ > g_.buffer_bytes || pending_.size() > kMaxSegments)
        drop_pending_front(pending_bytes_ > g_.buffer_bytes ? pending_bytes_ - g_.buffer_bytes
                                                            : pending_.front().length);
}

template <class Taken>
void DmaEngine::take_pending_front(std::uint64_t bytes, Taken&& taken) {
    while (bytes > 0 && !pending_.empty()) {
        Segment& f = pending_.front();
        const std::uint32_t n =
            static_cast<std::uint32_t>(std::min<std::uint64_t>(bytes, f.length));
        taken(Segment{f.offset, n});
        f.offset += n;
        f.length -= n;
        pending_bytes_ -= n;
        bytes -= n;
        if (f.length == 0) pending_.pop_front();
    }
}

void DmaEngine::drop_pending_front(std::uint64_t bytes) {
    take_pending_front(bytes, [](Segment) {});
}

std::size_t DmaEngine::copy_pending(std::byte* out, std::size_t bytes) const {
    std::size_t done = 0;
    for (const Segment& seg : pending_) {
        if (done == bytes) break;
        const std::size_t n = std::min<std::size_t>(bytes - done, seg.length);
        std::memcpy(out + done, g_.buffer + seg.offset, n);
        done += n;
    }
    return done;
}

void DmaEngine::hand_over(std::uint64_t data_bytes, std::uint64_t silence_bytes) {
    // Remember what the host holds, most recent last, so STOP can give back what it dropped.
    take_pending_front(data_bytes, [this](Segment piece) {
        if (!handed_.empty() && handed_.back().offset != kSilence &&
            handed_.back().offset + handed_.back().length == piece.offset)
            handed_.back().length += piece.length;
        else
            handed_.push_back(piece);
        handed_bytes_ += piece.length;
    });
    if (silence_bytes > 0) {
        if (!handed_.empty() && handed_.back().offset == kSilence)
            handed_.back().length += static_cast<std::uint32_t>(silence_bytes);
        else
            handed_.push_back(Segment{kSilence, static_cast<std::uint32_t>(silence_bytes)});
        handed_bytes_ += silence_bytes;
    }
}

void DmaEngine::forget_heard(std::uint64_t host_holds_bytes) {
    while (handed_bytes_ > host_holds_bytes && !handed_.empty()) {
        Segment& f = handed_.front();
        const std::uint32_t n = static_cast<std::uint32_t>(
            std::min<std::uint64_t>(handed_bytes_ - host_holds_bytes, f.length));
        if (f.offset != kSilence) f.offset += n;
        f.length -= n;
        handed_bytes_ -= n;
        if (f.length == 0) handed_.pop_front();
    }
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
    const std::uint64_t written = pending_bytes_ / g_.frame_bytes;
    const std::size_t target = target_fill(host);
    std::size_t want = *delay < target ? target - *delay : 0;
    want = static_cast<std::size_t>(std::min<std::uint64_t>(want, written));
    // The host is down to its low water and the guest has written nothing more: it is late.
    // Keep the device clock going with a step of silence (the guest's underrun: its position
    // passes what it wrote, which its ALSA reports as an xrun).
    if (want == written && *delay + want <= low_water_frames(host))
        want = std::max(want, step_frames(host) - std::min(*delay, step_frames(host)));
    auto played = play(host, std::min(*avail, want));
    // The host holds what it held plus what it just took: older hand-overs were heard.
    if (played) forget_heard((std::uint64_t{*delay} + *played) * g_.frame_bytes);
    return played;
}

Result<std::size_t> DmaEngine::play(audio::HostPcm& host, std::size_t frames) {
    const std::uint32_t fb = g_.frame_bytes;
    std::size_t done = 0;
    while (done < frames) {
        const std::size_t chunk = std::min(frames - done, scratch_.size() / fb);
        const std::size_t data =
            std::min<std::uint64_t>(chunk, pending_bytes_ / fb);  // whole frames written
        std::span<std::byte> out(scratch_.data(), chunk * fb);
        copy_pending(out.data(), data * fb);
        audio::fill_silence(out.subspan(data * fb), g_.format);
        volume_->apply(out);
        auto taken = host.write(out);
        if (!taken) return Err(taken.error());
        const std::size_t n = std::min(*taken, chunk);
        const std::size_t used = std::min(n, data);
        hand_over(std::uint64_t{used} * fb, std::uint64_t{n - used} * fb);
        moved_ += n;
        frames_ += n;
        underrun_frames_ += n - used;
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

Result<void> DmaEngine::stop(audio::HostPcm& host, StopKind kind) {
    if (g_.direction == audio::Direction::Playback) {
        auto delay = host.delay();
        const std::uint64_t held = delay ? std::min<std::uint64_t>(*delay, moved_) : 0;
        // What the host drops was never heard: the position goes on from what was.
        const std::uint64_t back =
            moved_ - std::max(moved_ - held, last_position_ / g_.frame_bytes);
        if (kind == StopKind::Hold) {
            give_back(back * g_.frame_bytes);
        } else {
            pending_.clear();
            pending_bytes_ = 0;
            handed_.clear();
            handed_bytes_ = 0;
        }
        moved_ -= back;
    }
    return host.stop();
}

void DmaEngine::give_back(std::uint64_t bytes) {
    while (bytes > 0 && !handed_.empty()) {
        Segment& last = handed_.back();
        const std::uint32_t n =
            static_cast<std::uint32_t>(std::min<std::uint64_t>(bytes, last.length));
        if (last.offset != kSilence) {  // silence is not the guest's: nothing to replay
            const std::uint32_t at = last.offset + last.length - n;
            if (!pending_.empty() && at + n == pending_.front().offset) {
                pending_.front().offset = at;
                pending_.front().length += n;
            } else {
                pending_.push_front(Segment{at, n});
            }
            pending_bytes_ += n;
        }
        last.length -= n;
        handed_bytes_ -= n;
        bytes -= n;
        if (last.length == 0) handed_.pop_back();
    }
    handed_.clear();
    handed_bytes_ = 0;
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
