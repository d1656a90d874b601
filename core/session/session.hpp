// Session: the one coroutine sndif session type, shared by both roles. One session drives one
// stream's channel pair: the request/response ring with its event channel, and the event page
// with its own event channel (sndif.h: ring-ref + event-channel, evt-ring-ref +
// evt-event-channel). It is built only on the platform interfaces, so it runs unchanged on
// Xen and on the loopback platform.
//
//   Frontend role: `co_await session.call(request)` sends one request and waits (at most the
//   response timeout, 3 s by default as Linux) for the response with its id; events (CUR_POS)
//   arrive through `co_await session.next_events(buf)`.
//   Backend role: `co_await session.next_requests(buf)` yields requests as they come;
//   `respond()` answers one; `post_cur_pos()` / `post_event()` post events with consecutive ids
//   for the whole connection, coalescing CUR_POS when the event page is full.
//
// Neither role trusts the peer: a ring or event page whose indices lie breaks the session
// (EPROTO from then on, never a read out of bounds); a response with an unexpected id or
// operation is an error for that call, not a crash. The session does not own the shared pages
// or the event channels; the device connection code that set them up does.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/platform/event_channel.hpp"
#include "core/protocol/event_page.hpp"
#include "core/protocol/request_ring.hpp"
#include "coro/mutex.hpp"
#include "coro/result.hpp"
#include "coro/task.hpp"
#include "coro/timer.hpp"

namespace xensnd::session {

enum class Role { Frontend, Backend };

// What a frontend learns about protocol trouble on its session (for logs and tests).
struct FrontendCounters {
    std::uint64_t calls = 0;
    std::uint64_t timeouts = 0;
    std::uint64_t late_responses = 0;        // answers to calls that had already timed out
    std::uint64_t unexpected_responses = 0;  // wrong id or operation
    std::uint64_t events = 0;
    std::uint64_t event_id_gaps = 0;
};

struct BackendCounters {
    std::uint64_t requests = 0;
    std::uint64_t responses = 0;
    std::uint64_t events_posted = 0;
    std::uint64_t cur_pos_coalesced = 0;  // positions replaced while the page was full
};

inline constexpr std::chrono::milliseconds kDefaultResponseTimeout{3000};

template <Role R>
class Session {
    static constexpr bool kFront = R == Role::Frontend;
    using Ring = std::conditional_t<kFront, sndif::FrontRing, sndif::BackRing>;
    using EventPage =
        std::conditional_t<kFront, sndif::EventPageConsumer, sndif::EventPageProducer>;

  public:
    // ring_page and event_page are the stream's two shared pages (4096 bytes each, owned by the
    // caller). The frontend role initialises both; the backend role writes neither index it
    // does not own. The channels must outlive the session.
    Session(void* ring_page, void* event_page, platform::EventChannel& ring_channel,
            platform::EventChannel& event_channel)
        : ring_(ring_page),
          events_(event_page),
          ring_ch_(&ring_channel),
          event_ch_(&event_channel) {}
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // True once the peer broke the ring or the event page; every call then fails with EPROTO.
    bool broken() const { return ring_.broken() || events_.broken(); }

    // ---- frontend role

    void set_response_timeout(coro::Duration d) requires kFront { response_timeout_ = d; }

    // Sends `request` (its id is assigned here) and returns the backend's response. One call
    // at a time per session (the Linux frontend's discipline; concurrent callers queue).
    // ETIMEDOUT when no answer came in time (the late answer is dropped when it comes),
    // EPROTO when the ring broke or the backend answered with the wrong id or operation,
    // ECANCELED when the caller was cancelled.
    coro::Task<Result<sndif::Response>> call(sndif::Request request) requires kFront;

    // Waits for events from the backend; copies up to out.size() of them (oldest first).
    // Event ids must be consecutive for the connection; the events after a gap are still
    // delivered, and the gap is counted (counters().event_id_gaps) for the caller to log.
    // EPROTO when the event page broke.
    coro::Task<Result<std::size_t>> next_events(std::span<sndif::Event> out) requires kFront;

    const FrontendCounters& counters() const requires kFront { return front_counters_; }

    // ---- backend role

    // Waits for requests; copies up to out.size() of them. EPROTO when the ring broke.
    coro::Task<Result<std::size_t>> next_requests(std::span<sndif::Request> out) requires(!kFront);

    // Answers one request that next_requests() returned (id and operation echoed).
    Result<void> respond(const sndif::Response& response) requires(!kFront);

    // Posts the stream position (bytes). When the page is full the position is held and a
    // newer one replaces it; flush_events() or the next post delivers it.
    Result<void> post_cur_pos(std::uint64_t position_bytes) requires(!kFront);
    // Posts any other event (its id is assigned here). EAGAIN when the page is full.
    Result<void> post_event(sndif::Event event) requires(!kFront);
    // Posts a held CUR_POS if the frontend made room.
    Result<void> flush_events() requires(!kFront);
    // Forgets a held CUR_POS (on CLOSE: the guest must not see it in its next stream).
    void drop_pending_events() requires(!kFront) { events_.drop_pending(); }
    std::uint16_t next_event_id() const requires(!kFront) { return events_.next_id(); }

    const BackendCounters& counters() const requires(!kFront) { return back_counters_; }

  private:
    Result<void> notify_ring() { return ring_ch_->notify(); }

    Ring ring_;
    EventPage events_;
    platform::EventChannel* ring_ch_;
    platform::EventChannel* event_ch_;

    // frontend state
    coro::Mutex call_lock_;
    std::uint16_t next_request_id_ = 0;
    std::vector<std::uint16_t> abandoned_ids_;  // calls that timed out; their answers may come
    std::optional<std::uint16_t> expected_event_id_;
    coro::Duration response_timeout_ = kDefaultResponseTimeout;
    FrontendCounters front_counters_;

    // backend state
    BackendCounters back_counters_;
};

using FrontendSession = Session<Role::Frontend>;
using BackendSession = Session<Role::Backend>;

extern template class Session<Role::Frontend>;
extern template class Session<Role::Backend>;

}  // namespace xensnd::session
