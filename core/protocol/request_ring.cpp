#include "core/protocol/request_ring.hpp"

#include <algorithm>
#include <cerrno>

#include "core/protocol/shared_page.hpp"

namespace xensnd::sndif {
namespace {

constexpr std::size_t kReqProd = offsetof(xen_sndif_sring, req_prod);
constexpr std::size_t kReqEvent = offsetof(xen_sndif_sring, req_event);
constexpr std::size_t kRspProd = offsetof(xen_sndif_sring, rsp_prod);
constexpr std::size_t kRspEvent = offsetof(xen_sndif_sring, rsp_event);

static_assert((kRequestRingSize & (kRequestRingSize - 1)) == 0, "slots are found by masking");

constexpr std::size_t slot_offset(RingIndex index) noexcept {
    return kRequestRingOffset + (index & (kRequestRingSize - 1)) * sizeof(xen_sndif_sring_entry);
}

// The notify hold-off test of RING_PUSH_*_AND_CHECK_NOTIFY: the peer wants a notification when
// the index it is waiting for (`event`) lies in (old, new]. `event` comes from the peer; any
// value only changes whether we notify.
constexpr bool event_in_range(RingIndex event, RingIndex old_prod, RingIndex new_prod) noexcept {
    return static_cast<RingIndex>(new_prod - event) < static_cast<RingIndex>(new_prod - old_prod);
}

}  // namespace

// ---- FrontRing

FrontRing::FrontRing(void* page) : page_(page) {
    shared::require_page(page);
    // SHARED_RING_INIT: no requests or responses yet; ask for a notification on the first
    // one of each. The whole page is zeroed so no stale bytes of ours reach the backend.
    std::memset(page, 0, kPageSize);
    shared::store_relaxed(page, kReqEvent, 1);
    shared::store_relaxed(page, kRspEvent, 1);
    // No barrier needed: the backend learns of the page only through the grant and the
    // XenStore write that follow, both system calls.
}

Result<void> FrontRing::queue(const Request& request) noexcept {
    if (broken_) return Err(EPROTO);
    if (free_requests() == 0) return Err(EAGAIN);
    shared::copy_in(page_, slot_offset(req_prod_pvt_), request);
    ++req_prod_pvt_;
    return ok();
}

Result<bool> FrontRing::push() noexcept {
    if (broken_) return Err(EPROTO);
    // The old value is our own record, not the page's req_prod: the backend could rewrite that.
    const RingIndex old_prod = req_prod_;
    const RingIndex new_prod = req_prod_pvt_;
    if (old_prod == new_prod) return false;
    // xen_wmb(); req_prod = new; xen_mb(): the backend sees the requests before the index,
    // and the index before we read req_event.
    shared::store_seq_cst(page_, kReqProd, new_prod);
    req_prod_ = new_prod;
    return event_in_range(shared::load_seq_cst(page_, kReqEvent), old_prod, new_prod);
}

Result<bool> FrontRing::send(const Request& request) noexcept {
    if (auto queued = queue(request); !queued) return Err(queued.error());
    return push();
}

std::optional<RingIndex> FrontRing::unconsumed_responses() noexcept {
    if (broken_) return std::nullopt;
    const RingIndex rsp_prod = shared::load_seq_cst(page_, kRspProd);  // then xen_rmb()
    // The backend can answer only requests we pushed (RING_RESPONSE_PROD_OVERFLOW, tightened
    // to what is outstanding); unsigned wrap makes an index that went backwards huge.
    const RingIndex available = rsp_prod - rsp_cons_;
    const RingIndex outstanding = req_prod_ - rsp_cons_;
    if (available > outstanding) {
        broken_ = true;
        return std::nullopt;
    }
    return available;
}

Result<std::size_t> FrontRing::consume_responses(std::span<Response> out) noexcept {
    auto available = unconsumed_responses();
    if (!available) return Err(EPROTO);
    const std::size_t n = std::min<std::size_t>(*available, out.size());
    for (std::size_t i = 0; i < n; ++i)
        out[i] = shared::copy_out<Response>(page_, slot_offset(rsp_cons_ + i));
    rsp_cons_ += static_cast<RingIndex>(n);
    return n;
}

Result<bool> FrontRing::final_check_for_responses() noexcept {
    auto available = unconsumed_responses();
    if (!available) return Err(EPROTO);
    if (*available > 0) return true;
    // rsp_event = cons + 1; xen_mb(): visible before we look at rsp_prod again.
    shared::store_seq_cst(page_, kRspEvent, rsp_cons_ + 1);
    available = unconsumed_responses();
    if (!available) return Err(EPROTO);
    return *available > 0;
}

// ---- BackRing

BackRing::BackRing(void* page) : page_(page) {
    shared::require_page(page);
}

std::optional<RingIndex> BackRing::unconsumed_requests() noexcept {
    if (broken_) return std::nullopt;
    const RingIndex req_prod = shared::load_seq_cst(page_, kReqProd);  // then xen_rmb()
    // RING_REQUEST_PROD_OVERFLOW: the frontend may have at most kSize requests without a
    // response. Also refuse an index that moved back behind what we already consumed.
    const RingIndex unanswered_total = req_prod - rsp_prod_pvt_;
    const RingIndex consumed_unanswered = req_cons_ - rsp_prod_pvt_;
    if (unanswered_total > kSize || unanswered_total < consumed_unanswered) {
        broken_ = true;
        return std::nullopt;
    }
    return unanswered_total - consumed_unanswered;
}

Result<std::size_t> BackRing::consume_requests(std::span<Request> out) noexcept {
    auto available = unconsumed_requests();
    if (!available) return Err(EPROTO);
    // Each consumed index stays below rsp_prod_pvt + kSize (RING_REQUEST_CONS_OVERFLOW) because
    // req_prod does, as checked above.
    const std::size_t n = std::min<std::size_t>(*available, out.size());
    for (std::size_t i = 0; i < n; ++i)
        out[i] = shared::copy_out<Request>(page_, slot_offset(req_cons_ + i));
    req_cons_ += static_cast<RingIndex>(n);
    return n;
}

Result<void> BackRing::queue_response(const Response& response) noexcept {
    if (broken_) return Err(EPROTO);
    if (unanswered() == 0) return Err(ENOSPC);
    shared::copy_in(page_, slot_offset(rsp_prod_pvt_), response);
    ++rsp_prod_pvt_;
    return ok();
}

Result<bool> BackRing::push() noexcept {
    if (broken_) return Err(EPROTO);
    const RingIndex old_prod = rsp_prod_;
    const RingIndex new_prod = rsp_prod_pvt_;
    if (old_prod == new_prod) return false;
    // xen_wmb(); rsp_prod = new; xen_mb(): the frontend sees the responses before the index,
    // and the index before we read rsp_event.
    shared::store_seq_cst(page_, kRspProd, new_prod);
    rsp_prod_ = new_prod;
    return event_in_range(shared::load_seq_cst(page_, kRspEvent), old_prod, new_prod);
}

Result<bool> BackRing::send(const Response& response) noexcept {
    if (auto queued = queue_response(response); !queued) return Err(queued.error());
    return push();
}

Result<bool> BackRing::final_check_for_requests() noexcept {
    auto available = unconsumed_requests();
    if (!available) return Err(EPROTO);
    if (*available > 0) return true;
    // req_event = cons + 1; xen_mb(): visible before we look at req_prod again.
    shared::store_seq_cst(page_, kReqEvent, req_cons_ + 1);
    available = unconsumed_requests();
    if (!available) return Err(EPROTO);
    return *available > 0;
}

}  // namespace xensnd::sndif
