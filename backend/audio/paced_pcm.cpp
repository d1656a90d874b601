#include "backend/audio/paced_pcm.hpp"

#include <algorithm>
#include <variant>

#include "coro/select.hpp"

namespace xensnd::backend::audio {

namespace {

coro::Task<Result<void>> monotonic_sleep(coro::TimePoint deadline) {
    co_return co_await coro::sleep_until(deadline);
}

coro::Task<Result<void>> notified(coro::Notify* n) {
    co_return co_await n->notified();
}

}  // namespace

Timebase Timebase::monotonic() {
    return Timebase{[] { return coro::Clock::now(); }, &monotonic_sleep};
}

PacedPcm::PacedPcm(const PcmParams& params, std::uint32_t host_buffer_frames,
                   std::unique_ptr<PacedMedium> medium, Timebase timebase)
    : params_(params),
      buffer_(host_buffer_frames),
      medium_(std::move(medium)),
      timebase_(std::move(timebase)),
      clock_(params.rate) {
    if (params_.frame_bytes == 0 || buffer_ == 0 || !medium_)
        bug("PacedPcm without frame size, buffer or medium");
}

PacedPcm::~PacedPcm() = default;

std::uint32_t PacedPcm::choose_buffer_frames(const PcmParams& params) {
    std::uint64_t period = params.period_frames ? params.period_frames : params.rate / 100;
    return static_cast<std::uint32_t>(std::clamp<std::uint64_t>(2 * period, 32, 524288));
}

void PacedPcm::advance() {
    if (!clock_.running()) return;
    std::uint64_t position = clock_.position(timebase_.now());
    std::uint64_t elapsed = position - observed_;
    observed_ = position;
    if (elapsed == 0) return;
    if (params_.direction == Direction::Playback) {
        std::uint64_t played = std::min(elapsed, queued_);
        queued_ -= played;
        if (elapsed > played) {
            counters_.silence_frames += elapsed - played;
            if (!starved_) ++counters_.host_xruns;
            starved_ = true;
        }
    } else {
        ready_ += elapsed;
        if (ready_ > buffer_) {
            medium_->skip(ready_ - buffer_);
            ready_ = buffer_;
            if (!overrun_) ++counters_.host_xruns;
            overrun_ = true;
        }
    }
}

std::size_t PacedPcm::current_avail() const {
    if (params_.direction == Direction::Playback)
        return static_cast<std::size_t>(buffer_ - queued_);
    return static_cast<std::size_t>(ready_);
}

Result<void> PacedPcm::start() {
    if (clock_.running() || clock_.paused()) return Err(EBADFD);
    clock_.start(timebase_.now());
    observed_ = 0;
    starved_ = false;
    overrun_ = false;
    changed_.notify_all();
    return ok();
}

Result<void> PacedPcm::stop() {
    clock_.stop();
    observed_ = 0;
    queued_ = 0;
    ready_ = 0;
    changed_.notify_all();
    return ok();
}

Result<void> PacedPcm::pause(bool paused) {
    if (!clock_.running() && !clock_.paused()) return Err(EBADFD);
    if (paused) {
        advance();
        clock_.pause(timebase_.now());
    } else {
        clock_.resume(timebase_.now());
    }
    changed_.notify_all();
    return ok();
}

Result<std::size_t> PacedPcm::avail() {
    advance();
    return current_avail();
}

Result<std::size_t> PacedPcm::write(std::span<const std::byte> frames) {
    if (params_.direction != Direction::Playback) return Err(EBADFD);
    advance();
    std::size_t n = std::min<std::size_t>(frames.size() / params_.frame_bytes, current_avail());
    if (n == 0) return std::size_t{0};
    if (auto r = medium_->consume(frames.first(n * params_.frame_bytes)); !r) return Err(r.error());
    queued_ += n;
    counters_.frames += n;
    starved_ = false;
    return n;
}

Result<std::size_t> PacedPcm::read(std::span<std::byte> frames) {
    if (params_.direction != Direction::Capture) return Err(EBADFD);
    advance();
    std::size_t n = std::min<std::size_t>(frames.size() / params_.frame_bytes, current_avail());
    if (n == 0) return std::size_t{0};
    auto silent = medium_->produce(frames.first(n * params_.frame_bytes));
    if (!silent) return Err(silent.error());
    counters_.silence_frames += *silent;
    ready_ -= n;
    counters_.frames += n;
    overrun_ = false;
    return n;
}

Result<std::size_t> PacedPcm::delay() {
    if (params_.direction != Direction::Playback) return std::size_t{0};
    advance();
    return static_cast<std::size_t>(queued_);
}

coro::Task<Result<void>> PacedPcm::wait_avail(std::size_t min_frames) {
    const std::size_t target = std::min<std::size_t>(min_frames, buffer_);
    for (;;) {
        advance();
        const std::size_t now_avail = current_avail();
        if (now_avail >= target) co_return ok();
        if (!clock_.running()) {
            // Held or stopped: only start/pause(false)/stop can change avail by themselves.
            Result<void> r = co_await changed_.notified();
            if (!r) co_return r;
            continue;
        }
        // Playback and capture alike gain one frame of avail per frame of the clock.
        coro::TimePoint deadline = clock_.when(observed_ + (target - now_avail));
        auto sleep = timebase_.sleep_until(deadline);
        auto change = notified(&changed_);
        auto winner = co_await coro::select(std::move(sleep), std::move(change));
        Result<void> r = std::visit([](auto& v) { return Result<void>(v); }, winner);
        if (!r) co_return r;
    }
}

}  // namespace xensnd::backend::audio
