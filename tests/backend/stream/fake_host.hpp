// FakeHost: a HostPcm whose clock the test drives (advance()), so the pump's behaviour is
// deterministic. Playback keeps every frame the device "heard" (bit for bit); capture makes
// frames from a counter the test can predict. Every call that changes the device is
// journaled. Define XENSND_FAKE_HOST_NO_WAIT (the clang fuzz tree: no coroutines) to leave
// wait_avail() to the includer.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backend/audio/host_pcm.hpp"
#ifndef XENSND_FAKE_HOST_NO_WAIT
#include "coro/notify.hpp"
#endif

namespace xensnd::test {

class FakeHost : public backend::audio::HostPcm {
  public:
    FakeHost(const backend::audio::PcmParams& p, std::uint32_t host_buffer,
             std::vector<std::string>* journal)
        : params_(p), host_buffer_(host_buffer), journal_(journal) {
        note("open");
    }
    ~FakeHost() override {
        note("close");
        if (slot && *slot == this) *slot = nullptr;
        if (keep_heard) *keep_heard = std::move(heard);
    }
    FakeHost** slot = nullptr;                     // cleared when this host is closed
    std::vector<std::byte>* keep_heard = nullptr;  // receives `heard` when closed

    // ---- the test's side
    // The device clock runs `frames` frames: playback plays (or underruns), capture records.
    void advance(std::size_t frames) {
        if (!started_ || paused_) return;
        const std::size_t fb = params_.frame_bytes;
        if (params_.direction == backend::audio::Direction::Playback) {
            const std::size_t n = std::min(frames, fill_);
            heard.insert(heard.end(), queued_.begin(), queued_.begin() + n * fb);
            queued_.erase(queued_.begin(), queued_.begin() + n * fb);
            fill_ -= n;
            if (n < frames) ++counters_.host_xruns;  // ran dry
        } else {
            ready_ = std::min<std::size_t>(ready_ + frames, host_buffer_);
        }
#ifndef XENSND_FAKE_HOST_NO_WAIT
        clock_.notify_one();
#endif
    }
    std::vector<std::byte> heard;  // playback: what the listener heard
    std::uint64_t captured = 0;    // capture: bytes handed out so far
    int wait_errno = 0;            // wait_avail() fails with it when set
    bool can_pause = true;
    int start_errno = 0;
    std::size_t waits = 0;
    std::size_t last_wait_frames = 0;
    bool started() const {
        return started_;
    }
    bool paused() const {
        return paused_;
    }
    std::size_t fill() const {
        return fill_;
    }
    // The byte capture produces at absolute stream byte `at`.
    static std::byte capture_byte(std::uint64_t at) {
        return std::byte((at * 7 + 3) % 251);
    }

    // ---- HostPcm
    const backend::audio::PcmParams& params() const override {
        return params_;
    }
    std::uint32_t host_buffer_frames() const override {
        return host_buffer_;
    }
    Result<void> start() override {
        if (start_errno) return Err(start_errno);
        started_ = true;
        paused_ = false;
        note("start");
        return ok();
    }
    Result<void> stop() override {
        started_ = false;
        paused_ = false;
        queued_.clear();
        fill_ = 0;
        ready_ = 0;
        note("stop");
        return ok();
    }
    Result<void> pause(bool p) override {
        if (!can_pause) return Err(ENOSYS);
        paused_ = p;
        note(p ? "pause" : "resume");
        return ok();
    }
    Result<std::size_t> avail() override {
        if (params_.direction == backend::audio::Direction::Playback) return host_buffer_ - fill_;
        return ready_;
    }
    Result<std::size_t> write(std::span<const std::byte> frames) override {
        const std::size_t fb = params_.frame_bytes;
        const std::size_t n = std::min(frames.size() / fb, host_buffer_ - fill_);
        queued_.insert(queued_.end(), frames.begin(), frames.begin() + n * fb);
        fill_ += n;
        counters_.frames += n;
        return n;
    }
    Result<std::size_t> read(std::span<std::byte> frames) override {
        const std::size_t fb = params_.frame_bytes;
        const std::size_t n = std::min(frames.size() / fb, ready_);
        for (std::size_t i = 0; i < n * fb; ++i)
            frames[i] = capture_byte(captured + i);
        captured += n * fb;
        ready_ -= n;
        counters_.frames += n;
        return n;
    }
    Result<std::size_t> delay() override {
        return params_.direction == backend::audio::Direction::Playback ? fill_ : 0;
    }
#ifndef XENSND_FAKE_HOST_NO_WAIT
    coro::Task<Result<void>> wait_avail(std::size_t min_frames) override {
        ++waits;
        last_wait_frames = min_frames;
        min_frames = std::min<std::size_t>(min_frames, host_buffer_);
        for (;;) {
            if (wait_errno) co_return Err(wait_errno);
            auto a = avail();
            if (*a >= min_frames) co_return ok();
            auto woken = co_await clock_.notified();
            if (!woken) co_return woken;
        }
    }
#else
    coro::Task<Result<void>> wait_avail(std::size_t) override;
#endif
    backend::audio::PcmCounters counters() const override {
        return counters_;
    }

  private:
    void note(const char* what) {
        if (journal_) journal_->push_back(std::string("host ") + what);
    }
    backend::audio::PcmParams params_;
    std::size_t host_buffer_;
    std::vector<std::string>* journal_;
    std::deque<std::byte> queued_;
    std::size_t fill_ = 0;
    std::size_t ready_ = 0;
    bool started_ = false;
    bool paused_ = false;
    backend::audio::PcmCounters counters_;
#ifndef XENSND_FAKE_HOST_NO_WAIT
    coro::Notify clock_;
#endif
};

}  // namespace xensnd::test
