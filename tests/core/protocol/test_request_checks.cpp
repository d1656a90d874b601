// Protocol checks a backend applies to a frontend's requests.
#include <doctest/doctest.h>

#include <cerrno>
#include <cstring>

#include "core/protocol/request_checks.hpp"

using namespace xensnd::sndif;

TEST_CASE("buffer ranges: inside is fine, outside or overflowing is EINVAL") {
    CHECK(check_buffer_range(0, 65536, 65536).ok());
    CHECK(check_buffer_range(65535, 1, 65536).ok());
    CHECK(check_buffer_range(4096, 0, 65536).ok());
    CHECK(check_buffer_range(0, 65537, 65536).errno_value() == EINVAL);
    CHECK(check_buffer_range(1, 65536, 65536).errno_value() == EINVAL);
    CHECK(check_buffer_range(65536, 0, 65536).errno_value() == EINVAL);
    CHECK(check_buffer_range(0, 0, 0).errno_value() == EINVAL);
    // offset + length wraps to a small number in 32 bits.
    CHECK(check_buffer_range(0xFFFFFFF0u, 0x20, 65536).errno_value() == EINVAL);
    CHECK(check_buffer_range(16, 0xFFFFFFF8u, 65536).errno_value() == EINVAL);
    CHECK(check_buffer_range(0xFFFFFFFEu, 1, 0xFFFFFFFFu).ok());
    CHECK(check_buffer_range(0xFFFFFFFEu, 2, 0xFFFFFFFFu).errno_value() == EINVAL);
}

TEST_CASE("OPEN needs a known format, a rate, channels, a bounded buffer and period") {
    xensnd_open_req open;
    std::memset(&open, 0, sizeof open);
    open.pcm_rate = 48000;
    open.pcm_format = XENSND_PCM_FORMAT_S16_LE;
    open.pcm_channels = 2;
    open.buffer_sz = 65536;
    open.period_sz = 16384;
    CHECK(check_open_request(open, 1 << 20).ok());

    auto with = [&](auto change) {
        xensnd_open_req o = open;
        change(o);
        return check_open_request(o, 1 << 20).errno_value();
    };
    CHECK(with([](auto& o) { o.pcm_format = 25; }) == EINVAL);
    CHECK(with([](auto& o) { o.pcm_rate = 0; }) == EINVAL);
    CHECK(with([](auto& o) { o.pcm_channels = 0; }) == EINVAL);
    CHECK(with([](auto& o) { o.buffer_sz = 0; }) == EINVAL);
    CHECK(with([](auto& o) { o.buffer_sz = (1 << 20) + 1; }) == EINVAL);
    CHECK(with([](auto& o) { o.period_sz = 65537; }) == EINVAL);
    CHECK(with([](auto& o) { o.period_sz = 0; }) == 0);  // no CUR_POS wanted
}

TEST_CASE("TRIGGER knows four types") {
    xensnd_trigger_req t{};
    for (std::uint8_t type : {XENSND_OP_TRIGGER_START, XENSND_OP_TRIGGER_PAUSE,
                              XENSND_OP_TRIGGER_STOP, XENSND_OP_TRIGGER_RESUME}) {
        t.type = type;
        CHECK(check_trigger(t).ok());
    }
    t.type = 4;
    CHECK(check_trigger(t).errno_value() == EINVAL);
}

TEST_CASE("HW_PARAM_QUERY intervals must not be inverted") {
    xensnd_query_hw_param q{};
    q.rates = {8000, 48000};
    q.channels = {1, 2};
    q.buffer = {64, 16384};
    q.period = {32, 8192};
    CHECK(check_hw_param_query(q).ok());
    q.channels = {3, 2};
    CHECK(check_hw_param_query(q).errno_value() == EINVAL);
}
