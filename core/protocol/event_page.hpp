// The event page of one sndif stream: the backend posts events (CUR_POS) into 63 slots after a
// 64-byte header, the frontend consumes them. The producer writes slot in_prod % 63, then
// bumps in_prod behind a write barrier; the consumer bumps in_cons after copying the slots out.
//
// Neither side trusts the other's index: an in_prod more than 63 ahead of our in_cons, or an
// in_cons that is ahead of our in_prod or more than 63 behind it, is a protocol error. The call
// returns Err(EPROTO) with nothing changed and the object refuses every later call.
//
// Slots are found modulo 63 on a 32-bit index, as the header (and Linux) do, so the slot order
// jumps when in_prod wraps at 2^32; both sides compute the same slot, which is all that
// matters, and the wrap needs 2^32 events (months of CUR_POS at any sane rate).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/protocol/sndif_wire.hpp"
#include "coro/result.hpp"

namespace xensnd::sndif {

// The backend's side. Event ids are consecutive for the object's lifetime (one connection;
// Linux ignores every event after a gap), and an id is used only by an event that was posted.
// Full pages are never overwritten: a CUR_POS that does not fit is held, and a newer CUR_POS
// replaces the held one (only the newest position matters to the guest).
class EventPageProducer {
  public:
    static constexpr RingIndex kSize = kEventRingSize;

    // Takes the page the frontend zeroed. in_prod is read once, here; nothing is written (the
    // indices start where the frontend put them, normally 0).
    explicit EventPageProducer(void* page);

    // Posts `event` with the next id; returns that id. Posts a held CUR_POS first when there is
    // room, so events keep their order. Err(EAGAIN) when the page is full (nothing written, no
    // id used), Err(EPROTO) when in_cons is impossible.
    Result<std::uint16_t> post(Event event) noexcept;

    // Posts CUR_POS(position) now if there is room (true: notify the frontend), else holds it
    // for flush() (false). A held CUR_POS is replaced by this newer one either way.
    Result<bool> post_cur_pos(std::uint64_t position) noexcept;

    // Posts the held CUR_POS if the frontend has freed a slot. True when something was posted
    // (notify the frontend). Call it after the frontend may have consumed, e.g. periodically.
    Result<bool> flush() noexcept;

    // The position waiting for room, if any.
    std::optional<std::uint64_t> pending_position() const noexcept { return pending_; }

    // Forgets the held CUR_POS, e.g. on CLOSE: an event posted while the guest's stream is not
    // open would be replayed into its next stream.
    void drop_pending() noexcept { pending_.reset(); }

    // Free slots now (reads in_cons once).
    Result<RingIndex> free_slots() noexcept;

    // The id the next posted event gets.
    std::uint16_t next_id() const noexcept { return next_id_; }

    bool broken() const noexcept { return broken_; }

  private:
    // nullopt once the page is broken.
    std::optional<RingIndex> unconsumed() noexcept;
    std::optional<RingIndex> room() noexcept;
    void write_slot(Event event) noexcept;

    void* page_;
    RingIndex prod_;  // our in_prod: read from the page once, then never again
    std::uint16_t next_id_ = 0;
    std::optional<std::uint64_t> pending_;
    bool broken_ = false;
};

// The frontend's side.
class EventPageConsumer {
  public:
    static constexpr RingIndex kSize = kEventRingSize;

    // Takes the 4096-byte page the caller owns and zeroes it: in_cons = in_prod = 0.
    explicit EventPageConsumer(void* page);

    // Copies up to out.size() new events into `out` (oldest first) and consumes them; returns
    // how many. Err(EPROTO) when in_prod - in_cons > 63.
    Result<std::size_t> consume(std::span<Event> out) noexcept;

    bool broken() const noexcept { return broken_; }

  private:
    void* page_;
    RingIndex cons_ = 0;  // our in_cons: never read back from the page
    bool broken_ = false;
};

}  // namespace xensnd::sndif
