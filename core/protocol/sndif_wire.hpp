// The sndif wire format: the structures of the system's xen/io/sndif.h, checked against the
// layout the header draws, plus the few typed names the rest of xensnd uses for them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

// The Xen public headers are C; they compile cleanly as C++ (-Wall -Wextra -Werror, g++ 12 and
// clang 14), but their linkage must stay C so the types match the peer's idea of them.
extern "C" {
#include <xen/io/ring.h>
#include <xen/io/sndif.h>
}

namespace xensnd::sndif {

using GrantRef = grant_ref_t;
using RingIndex = RING_IDX;
using Request = xensnd_req;
using Response = xensnd_resp;
using Event = xensnd_evt;

// Ring protocols always use 4 KiB pages, whatever the host's page size (ring.h).
inline constexpr std::size_t kPageSize = 4096;

// Request ring: 64-byte header, then as many 64-byte slots as fit, rounded down to a power of
// two: 32.
inline constexpr RingIndex kRequestRingSize = __CONST_RING_SIZE(xen_sndif, kPageSize);
inline constexpr std::size_t kRequestRingOffset = offsetof(xen_sndif_sring, ring);

// Event page: 64-byte header (in_cons, in_prod), then 63 slots of 64 bytes, indexed modulo 63.
inline constexpr RingIndex kEventRingSize = XENSND_IN_RING_LEN;
inline constexpr std::size_t kEventRingOffset = XENSND_IN_RING_OFFS;

// A page directory page: gref_dir_next_page, then (4096 - 4) / 4 buffer grant refs.
inline constexpr std::uint32_t kGrefsPerDirectoryPage =
    (kPageSize - offsetof(xensnd_page_directory, gref)) / sizeof(GrantRef);

// ---- The layout the header draws, octet by octet. A mismatch here means the peer and we
// would disagree on every message, so it must not compile.
static_assert(sizeof(GrantRef) == 4);
static_assert(sizeof(RingIndex) == 4);

static_assert(sizeof(Request) == 64);
static_assert(offsetof(Request, id) == 0);
static_assert(offsetof(Request, operation) == 2);
static_assert(offsetof(Request, op) == 8);
static_assert(offsetof(xensnd_open_req, pcm_rate) == 0);      // request octet 8
static_assert(offsetof(xensnd_open_req, pcm_format) == 4);    // request octet 12
static_assert(offsetof(xensnd_open_req, pcm_channels) == 5);  // request octet 13
static_assert(offsetof(xensnd_open_req, buffer_sz) == 8);     // request octet 16
static_assert(offsetof(xensnd_open_req, gref_directory) == 12);
static_assert(offsetof(xensnd_open_req, period_sz) == 16);
static_assert(offsetof(xensnd_rw_req, offset) == 0);
static_assert(offsetof(xensnd_rw_req, length) == 4);
static_assert(offsetof(xensnd_trigger_req, type) == 0);
static_assert(sizeof(xensnd_query_hw_param) == 40);
static_assert(offsetof(xensnd_query_hw_param, formats) == 0);
static_assert(offsetof(xensnd_query_hw_param, rates) == 8);
static_assert(offsetof(xensnd_query_hw_param, channels) == 16);
static_assert(offsetof(xensnd_query_hw_param, buffer) == 24);
static_assert(offsetof(xensnd_query_hw_param, period) == 32);

static_assert(sizeof(Response) == 64);
static_assert(offsetof(Response, id) == 0);
static_assert(offsetof(Response, operation) == 2);
static_assert(offsetof(Response, status) == 4);
static_assert(offsetof(Response, resp) == 8);

static_assert(sizeof(Event) == 64);
static_assert(offsetof(Event, id) == 0);
static_assert(offsetof(Event, type) == 2);
static_assert(offsetof(Event, op) == 8);
static_assert(offsetof(xensnd_cur_pos_evt, position) == 0);

static_assert(offsetof(xen_sndif_sring, req_prod) == 0);
static_assert(offsetof(xen_sndif_sring, req_event) == 4);
static_assert(offsetof(xen_sndif_sring, rsp_prod) == 8);
static_assert(offsetof(xen_sndif_sring, rsp_event) == 12);
static_assert(kRequestRingOffset == 64);
static_assert(sizeof(xen_sndif_sring_entry) == 64);
static_assert(kRequestRingSize == 32);
static_assert(kRequestRingOffset + kRequestRingSize * sizeof(xen_sndif_sring_entry) <= kPageSize);

static_assert(sizeof(xensnd_event_page) == 64);
static_assert(offsetof(xensnd_event_page, in_cons) == 0);
static_assert(offsetof(xensnd_event_page, in_prod) == 4);
static_assert(XENSND_EVENT_PAGE_SIZE == kPageSize);
static_assert(kEventRingOffset == 64);
static_assert(kEventRingSize == 63);
static_assert(kEventRingOffset + kEventRingSize * sizeof(Event) == kPageSize);

static_assert(offsetof(xensnd_page_directory, gref_dir_next_page) == 0);
static_assert(offsetof(xensnd_page_directory, gref) == 4);
static_assert(kGrefsPerDirectoryPage == 1023);

// Operation, trigger and event names for log lines ("open", "trigger", ...); a value the
// header does not define is named "unknown" so a hostile byte still logs cleanly.
std::string_view operation_name(std::uint8_t operation) noexcept;
std::string_view trigger_name(std::uint8_t trigger_type) noexcept;
std::string_view event_name(std::uint8_t event_type) noexcept;

// A request, response or event with every byte zero (so reserved fields go out as zero), with
// the header fields set.
inline Request make_request(std::uint16_t id, std::uint8_t operation) noexcept {
    Request r;
    std::memset(&r, 0, sizeof r);
    r.id = id;
    r.operation = operation;
    return r;
}

// A response echoes the request's id and operation unchanged (Linux drops any other id).
inline Response make_response(const Request& to, std::int32_t status) noexcept {
    Response r;
    std::memset(&r, 0, sizeof r);
    r.id = to.id;
    r.operation = to.operation;
    r.status = status;
    return r;
}

inline Event make_cur_pos_event(std::uint64_t position) noexcept {
    Event e;
    std::memset(&e, 0, sizeof e);
    e.type = XENSND_EVT_CUR_POS;
    e.op.cur_pos.position = position;
    return e;
}

}  // namespace xensnd::sndif
