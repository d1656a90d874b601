// The request/response ring of one sndif stream, from each side. The page is shared with a peer
// we do not trust: its producer index is read once per pass and checked against what the ring
// can hold, every entry is copied out before it is looked at, and we never read back an index
// we own from the page (the peer may have scribbled on it).
//
// A broken index is a protocol error: the call returns Err(EPROTO) with nothing consumed, and
// the ring stays broken and refuses every later call; the caller disconnects the peer.
//
// Neither class locks: each side is driven by one thread (or one reactor) at a time.
//
// Frontend loop for responses (the backend's loop for requests is the same shape):
//
//     for (;;) {
//         auto n = ring.consume_responses(buf);          // handle buf[0..n)
//         if (!n) ...disconnect...;
//         if (*n == buf.size()) continue;
//         auto more = ring.final_check_for_responses();  // re-arms rsp_event
//         if (!more) ...disconnect...;
//         if (!*more) break;                             // sleep until notified
//     }
#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include "core/protocol/sndif_wire.hpp"
#include "coro/result.hpp"

namespace xensnd::sndif {

// The frontend's side: queues requests, pushes them, takes responses.
class FrontRing {
  public:
    static constexpr RingIndex kSize = kRequestRingSize;

    // Takes the 4096-byte page the caller owns and initialises it as an empty ring
    // (SHARED_RING_INIT + FRONT_RING_INIT): the frontend owns the page's first contents.
    explicit FrontRing(void* page);

    // Slots free for new requests: the ring holds at most kSize requests without a consumed
    // response.
    RingIndex free_requests() const noexcept { return kSize - (req_prod_pvt_ - rsp_cons_); }

    // Writes `request` into the next free slot; the backend sees it after push().
    // Err(EAGAIN) when the ring is full, Err(EPROTO) when the ring is broken.
    Result<void> queue(const Request& request) noexcept;

    // Makes every queued request visible (RING_PUSH_REQUESTS_AND_CHECK_NOTIFY). The value says
    // whether the backend asked to be notified (its req_event lies within what we pushed).
    Result<bool> push() noexcept;

    // queue() then push().
    Result<bool> send(const Request& request) noexcept;

    // Copies up to out.size() new responses into `out` and consumes them; returns how many.
    // Err(EPROTO) when the backend's rsp_prod claims more responses than requests pushed.
    Result<std::size_t> consume_responses(std::span<Response> out) noexcept;

    // After consuming everything, before sleeping (RING_FINAL_CHECK_FOR_RESPONSES): asks for a
    // notification on the next response, then checks once more. True means responses arrived
    // meanwhile: consume again.
    Result<bool> final_check_for_responses() noexcept;

    bool broken() const noexcept { return broken_; }

  private:
    // nullopt once the ring is broken.
    std::optional<RingIndex> unconsumed_responses() noexcept;

    void* page_;
    RingIndex req_prod_pvt_ = 0;  // next slot we write
    RingIndex req_prod_ = 0;      // what we last published as req_prod
    RingIndex rsp_cons_ = 0;      // next response we read
    bool broken_ = false;
};

// The backend's side: takes requests, queues responses, pushes them.
class BackRing {
  public:
    static constexpr RingIndex kSize = kRequestRingSize;

    // Takes the page the frontend initialised (BACK_RING_INIT): touches nothing in it.
    explicit BackRing(void* page);

    // Copies up to out.size() new requests into `out` and consumes them; returns how many.
    // Consumes no request whose response slot is still unpushed (RING_REQUEST_CONS_OVERFLOW).
    // Err(EPROTO) when req_prod is more than kSize ahead of our responses or went backwards.
    Result<std::size_t> consume_requests(std::span<Request> out) noexcept;

    // Writes a response into the next response slot; the frontend sees it after push().
    // Err(ENOSPC) when every consumed request already has its response (a response to nothing
    // would overwrite a request the frontend is still writing), Err(EPROTO) when broken.
    Result<void> queue_response(const Response& response) noexcept;

    // Makes every queued response visible (RING_PUSH_RESPONSES_AND_CHECK_NOTIFY); the value
    // says whether the frontend asked to be notified.
    Result<bool> push() noexcept;

    // queue_response() then push().
    Result<bool> send(const Response& response) noexcept;

    // Requests consumed and not yet answered.
    RingIndex unanswered() const noexcept { return req_cons_ - rsp_prod_pvt_; }

    // RING_FINAL_CHECK_FOR_REQUESTS: asks for a notification on the next request, then checks
    // once more. True means requests arrived meanwhile: consume again before sleeping.
    Result<bool> final_check_for_requests() noexcept;

    bool broken() const noexcept { return broken_; }

  private:
    // nullopt once the ring is broken.
    std::optional<RingIndex> unconsumed_requests() noexcept;

    void* page_;
    RingIndex rsp_prod_pvt_ = 0;  // next response slot we write
    RingIndex rsp_prod_ = 0;      // what we last published as rsp_prod
    RingIndex req_cons_ = 0;      // next request we read
    bool broken_ = false;
};

}  // namespace xensnd::sndif
