#include "core/protocol/event_page.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/protocol/shared_page.hpp"

namespace xensnd::sndif {
namespace {

constexpr std::size_t kInCons = offsetof(xensnd_event_page, in_cons);
constexpr std::size_t kInProd = offsetof(xensnd_event_page, in_prod);

constexpr std::size_t slot_offset(RingIndex index) noexcept {
    return kEventRingOffset + (index % kEventRingSize) * sizeof(Event);
}

}  // namespace

// ---- EventPageProducer

EventPageProducer::EventPageProducer(void* page) : page_(page), prod_(0) {
    shared::require_page(page);
    // Not in_prod = in_cons (libxenbe does that on connect): in_prod is where the frontend
    // left it, and in_cons is the frontend's to move.
    prod_ = shared::load_relaxed(page, kInProd);
}

std::optional<RingIndex> EventPageProducer::unconsumed() noexcept {
    if (broken_) return std::nullopt;
    // Acquire pairs with the consumer's release of in_cons: its reads of the slots it gave
    // back are done before we overwrite them.
    const RingIndex in_cons = shared::load_acquire(page_, kInCons);
    const RingIndex used = prod_ - in_cons;
    if (used > kSize) {
        broken_ = true;
        return std::nullopt;
    }
    return used;
}

std::optional<RingIndex> EventPageProducer::room() noexcept {
    const auto used = unconsumed();
    if (!used) return std::nullopt;
    return kSize - *used;
}

Result<RingIndex> EventPageProducer::free_slots() noexcept {
    const auto free = room();
    if (!free) return Err(EPROTO);
    return *free;
}

void EventPageProducer::write_slot(Event event) noexcept {
    event.id = next_id_;
    shared::copy_in(page_, slot_offset(prod_), event);
    ++prod_;
    shared::store_release(page_, kInProd, prod_);  // xen_wmb(); in_prod++
    ++next_id_;
}

Result<std::uint16_t> EventPageProducer::post(Event event) noexcept {
    const auto free = room();
    if (!free) return Err(EPROTO);
    RingIndex slots = *free;
    if (event.type == XENSND_EVT_CUR_POS) {
        if (slots == 0) return Err(EAGAIN);
        pending_.reset();  // this position is newer than the held one
    } else if (pending_ && slots > 0) {
        write_slot(make_cur_pos_event(*pending_));
        pending_.reset();
        --slots;
    }
    if (slots == 0) return Err(EAGAIN);
    const std::uint16_t id = next_id_;
    write_slot(event);
    return id;
}

Result<bool> EventPageProducer::post_cur_pos(std::uint64_t position) noexcept {
    const auto free = room();
    if (!free) return Err(EPROTO);
    if (*free == 0) {
        pending_ = position;
        return false;
    }
    pending_.reset();
    write_slot(make_cur_pos_event(position));
    return true;
}

Result<bool> EventPageProducer::flush() noexcept {
    const auto free = room();
    if (!free) return Err(EPROTO);
    if (!pending_ || *free == 0) return false;
    write_slot(make_cur_pos_event(*pending_));
    pending_.reset();
    return true;
}

// ---- EventPageConsumer

EventPageConsumer::EventPageConsumer(void* page) : page_(page) {
    shared::require_page(page);
    // No barrier needed: the backend learns of the page only through the grant and the
    // XenStore write that follow, both system calls.
    std::memset(page, 0, kPageSize);
}

Result<std::size_t> EventPageConsumer::consume(std::span<Event> out) noexcept {
    if (broken_) return Err(EPROTO);
    const RingIndex in_prod = shared::load_acquire(page_, kInProd);  // then xen_rmb()
    const RingIndex available = in_prod - cons_;
    if (available > kSize) {
        broken_ = true;
        return Err(EPROTO);
    }
    const std::size_t n = std::min<std::size_t>(available, out.size());
    if (n == 0) return n;
    for (std::size_t i = 0; i < n; ++i)
        out[i] = shared::copy_out<Event>(page_, slot_offset(cons_ + i));
    cons_ += static_cast<RingIndex>(n);
    // Release (a read-to-write barrier, what xen_mb() gives and xen_wmb() alone would not):
    // our copies are complete before the backend may reuse the slots.
    shared::store_release(page_, kInCons, cons_);
    return n;
}

}  // namespace xensnd::sndif
