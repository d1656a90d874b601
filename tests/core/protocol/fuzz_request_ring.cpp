// Both ring roles over one page while a hostile peer rewrites indices, events and slots between
// calls. The page is a 4096-byte heap block, so ASan reports any access beyond it.
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "core/protocol/request_ring.hpp"
#include "tests/core/protocol/fuzz_input.hpp"

using namespace xensnd::sndif;
using xensnd::sndif::test::FuzzInput;

namespace {

void require(bool condition) {
    if (!condition) std::abort();
}

// After a protocol error the ring must refuse everything that touches the peer's index.
template <class T>
void check(const xensnd::Result<T>& r, bool broken_before, bool broken_now) {
    if (broken_before) require(!r.ok() && r.errno_value() == EPROTO);
    if (!r.ok() && r.errno_value() == EPROTO) require(broken_now);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzInput in(data, size);
    std::unique_ptr<void, decltype(&std::free)> page(std::aligned_alloc(4096, 4096), &std::free);
    FrontRing front(page.get());
    BackRing back(page.get());
    auto* words = static_cast<std::uint32_t*>(page.get());
    auto* bytes = static_cast<std::uint8_t*>(page.get());

    std::array<Request, 40> reqs{};
    std::array<Response, 40> rsps{};
    for (int step = 0; step < 4096 && !in.empty(); ++step) {
        const std::uint8_t op = in.take<std::uint8_t>();
        const bool front_broken = front.broken();
        const bool back_broken = back.broken();
        switch (op % 12) {
            case 0:
                words[offsetof(xen_sndif_sring, req_prod) / 4] = in.take<std::uint32_t>();
                break;
            case 1:
                words[offsetof(xen_sndif_sring, rsp_prod) / 4] = in.take<std::uint32_t>();
                break;
            case 2:
                words[offsetof(xen_sndif_sring, req_event) / 4] = in.take<std::uint32_t>();
                break;
            case 3:
                words[offsetof(xen_sndif_sring, rsp_event) / 4] = in.take<std::uint32_t>();
                break;
            case 4: {  // scribble anywhere in the page
                const std::uint16_t at = in.take<std::uint16_t>() % 4096;
                bytes[at] = in.take<std::uint8_t>();
                break;
            }
            case 5: {
                Request r = make_request(in.take<std::uint16_t>(), in.take<std::uint8_t>());
                auto q = front.queue(r);
                check(q, front_broken, front.broken());
                if (!q.ok()) require(q.errno_value() == EPROTO || q.errno_value() == EAGAIN);
                break;
            }
            case 6:
                check(front.push(), front_broken, front.broken());
                break;
            case 7: {
                const std::size_t want = in.take<std::uint8_t>() % (reqs.size() + 1);
                auto n = back.consume_requests(std::span(reqs).first(want));
                check(n, back_broken, back.broken());
                if (n.ok()) require(*n <= want && *n <= BackRing::kSize);
                break;
            }
            case 8: {
                auto q = back.queue_response(make_response(reqs[0], in.take<std::int32_t>()));
                check(q, back_broken, back.broken());
                if (!q.ok()) require(q.errno_value() == EPROTO || q.errno_value() == ENOSPC);
                break;
            }
            case 9:
                check(back.push(), back_broken, back.broken());
                break;
            case 10: {
                const std::size_t want = in.take<std::uint8_t>() % (rsps.size() + 1);
                auto n = front.consume_responses(std::span(rsps).first(want));
                check(n, front_broken, front.broken());
                if (n.ok()) require(*n <= want && *n <= FrontRing::kSize);
                break;
            }
            case 11:
                check(front.final_check_for_responses(), front_broken, front.broken());
                check(back.final_check_for_requests(), back.broken(), back.broken());
                break;
        }
        require(front.free_requests() <= FrontRing::kSize);
        require(back.unanswered() <= BackRing::kSize);
    }
    return 0;
}
