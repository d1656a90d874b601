// A well-behaved backend for the session tests: answers every request with status 0 and
// narrows HW_PARAM_QUERY's rates to 48 kHz, so the payload's round trip is visible.
#pragma once

#include <array>

#include "core/session/session.hpp"
#include "coro/task.hpp"

namespace xensnd::test {

inline coro::Task<Result<void>> serve(session::BackendSession& back, int count) {
    std::array<sndif::Request, sndif::kRequestRingSize> reqs;
    for (int served = 0; served < count;) {
        auto n = co_await back.next_requests(reqs);
        if (!n) co_return Err(n.error());
        for (std::size_t i = 0; i < *n; ++i, ++served) {
            sndif::Response rsp{};
            rsp.id = reqs[i].id;
            rsp.operation = reqs[i].operation;
            rsp.status = 0;
            if (reqs[i].operation == XENSND_OP_HW_PARAM_QUERY) {
                rsp.resp.hw_param = reqs[i].op.hw_param;
                rsp.resp.hw_param.rates.min = rsp.resp.hw_param.rates.max = 48000;
            }
            if (auto r = back.respond(rsp); !r) co_return r;
        }
    }
    co_return ok();
}

inline sndif::Request request_of(std::uint8_t op) {
    sndif::Request r{};
    r.operation = op;
    return r;
}

}  // namespace xensnd::test
