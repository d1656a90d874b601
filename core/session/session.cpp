#include "core/session/session.hpp"

#include <algorithm>
#include <array>

#include "coro/timeout.hpp"

namespace xensnd::session {

namespace {
// Answers to timed-out calls that we still recognise; older ones count as unexpected.
constexpr std::size_t kMaxAbandoned = sndif::kRequestRingSize;
}  // namespace

template <Role R>
coro::Task<Result<sndif::Response>> Session<R>::call(sndif::Request request) requires kFront {
    auto guard = co_await call_lock_.lock();
    if (!guard) co_return Err(guard.error());
    if (broken()) co_return Err(EPROTO);

    request.id = next_request_id_++;
    ++front_counters_.calls;
    auto pushed = ring_.send(request);
    if (!pushed) co_return Err(pushed.error());
    if (*pushed) {
        if (auto n = notify_ring(); !n) co_return Err(n.error());
    }

    // Remember an unanswered call so that its late answer is recognised and dropped.
    auto abandon = [&] {
        if (abandoned_ids_.size() == kMaxAbandoned) abandoned_ids_.erase(abandoned_ids_.begin());
        abandoned_ids_.push_back(request.id);
    };
    const coro::TimePoint deadline = coro::Clock::now() + response_timeout_;
    std::array<sndif::Response, sndif::kRequestRingSize> batch;
    for (;;) {
        auto n = ring_.consume_responses(batch);
        if (!n) co_return Err(EPROTO);
        for (std::size_t i = 0; i < *n; ++i) {
            const sndif::Response& r = batch[i];
            if (r.id == request.id) {
                if (r.operation != request.operation) {
                    ++front_counters_.unexpected_responses;
                    co_return Err(EPROTO);
                }
                co_return r;
            }
            auto late = std::find(abandoned_ids_.begin(), abandoned_ids_.end(), r.id);
            if (late != abandoned_ids_.end()) {
                abandoned_ids_.erase(late);
                ++front_counters_.late_responses;
                continue;
            }
            ++front_counters_.unexpected_responses;
            abandon();
            co_return Err(EPROTO);
        }
        if (*n > 0) continue;
        auto more = ring_.final_check_for_responses();
        if (!more) co_return Err(EPROTO);
        if (*more) continue;
        Result<void> woken = co_await coro::timeout_at(deadline, ring_ch_->wait());
        if (!woken) {
            abandon();
            if (woken.errno_value() == ETIMEDOUT) ++front_counters_.timeouts;
            co_return Err(woken.error());
        }
    }
}

template <Role R>
coro::Task<Result<std::size_t>> Session<R>::next_events(
    std::span<sndif::Event> out) requires kFront {
    if (out.empty()) co_return Err(EINVAL);
    for (;;) {
        auto n = events_.consume(out);
        if (!n) co_return Err(EPROTO);
        if (*n > 0) {
            for (std::size_t i = 0; i < *n; ++i) {
                if (expected_event_id_ && out[i].id != *expected_event_id_)
                    ++front_counters_.event_id_gaps;
                expected_event_id_ = static_cast<std::uint16_t>(out[i].id + 1);
            }
            front_counters_.events += *n;
            co_return *n;
        }
        Result<void> woken = co_await event_ch_->wait();
        if (!woken) co_return Err(woken.error());
    }
}

template <Role R>
coro::Task<Result<std::size_t>> Session<R>::next_requests(std::span<sndif::Request> out) requires(
    !kFront) {
    if (out.empty()) co_return Err(EINVAL);
    for (;;) {
        auto n = ring_.consume_requests(out);
        if (!n) co_return Err(EPROTO);
        if (*n > 0) {
            back_counters_.requests += *n;
            co_return *n;
        }
        auto more = ring_.final_check_for_requests();
        if (!more) co_return Err(EPROTO);
        if (*more) continue;
        Result<void> woken = co_await ring_ch_->wait();
        if (!woken) co_return Err(woken.error());
    }
}

template <Role R>
Result<void> Session<R>::respond(const sndif::Response& response) requires(!kFront) {
    auto pushed = ring_.send(response);
    if (!pushed) return Err(pushed.error());
    ++back_counters_.responses;
    if (*pushed) return notify_ring();
    return ok();
}

template <Role R>
Result<void> Session<R>::post_cur_pos(std::uint64_t position_bytes) requires(!kFront) {
    const bool was_holding = events_.pending_position().has_value();
    auto posted = events_.post_cur_pos(position_bytes);
    if (!posted) return Err(posted.error());
    if (!*posted) {
        if (was_holding) ++back_counters_.cur_pos_coalesced;
        return ok();
    }
    ++back_counters_.events_posted;
    return event_ch_->notify();
}

template <Role R>
Result<void> Session<R>::post_event(sndif::Event event) requires(!kFront) {
    auto id = events_.post(event);
    if (!id) return Err(id.error());
    ++back_counters_.events_posted;
    return event_ch_->notify();
}

template <Role R>
Result<void> Session<R>::flush_events() requires(!kFront) {
    auto posted = events_.flush();
    if (!posted) return Err(posted.error());
    if (!*posted) return ok();
    ++back_counters_.events_posted;
    return event_ch_->notify();
}

template class Session<Role::Frontend>;
template class Session<Role::Backend>;

}  // namespace xensnd::session
