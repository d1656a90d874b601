// HW_PARAM_QUERY's answer: configuration x host capabilities x the guest's intervals, buffer
// and period in frames.
#include <doctest/doctest.h>

#include "backend/stream/hw_query.hpp"

using namespace xensnd;
using namespace xensnd::backend::stream;
namespace audio = xensnd::backend::audio;

namespace {

xensnd_query_hw_param everything() {
    xensnd_query_hw_param q{};
    q.formats = ~0ull;
    q.rates = {0, UINT32_MAX};
    q.channels = {0, UINT32_MAX};
    q.buffer = {0, UINT32_MAX};
    q.period = {0, UINT32_MAX};
    return q;
}

audio::PcmCapabilities wide_host() {
    audio::PcmCapabilities c;
    c.formats = ~0ull;
    c.rates = {1, 384000};
    c.channels = {1, 32};
    c.buffer_frames = {1, UINT32_MAX};
    c.period_frames = {1, UINT32_MAX};
    return c;
}

}  // namespace

TEST_CASE("Linux's defaults: U8 + S16_LE, 5512..48000 Hz, 1..2 channels, 64 KiB") {
    config::PcmHwConfig cfg;
    std::string why;
    auto a = answer_hw_query(cfg, wide_host(), everything(), &why);
    REQUIRE(a.ok());
    CHECK(a->formats == ((1ull << XENSND_PCM_FORMAT_U8) | (1ull << XENSND_PCM_FORMAT_S16_LE)));
    CHECK(a->rates.min == 5512);
    CHECK(a->rates.max == 48000);
    CHECK(a->channels.min == 1);
    CHECK(a->channels.max == 2);
    CHECK(a->buffer.max == 65536);  // U8 mono: one byte per frame
    CHECK(a->period.max == 65536);
}

TEST_CASE("a narrowed query gets exact frames for its format and channels") {
    config::PcmHwConfig cfg;
    auto q = everything();
    q.formats = 1ull << XENSND_PCM_FORMAT_S16_LE;
    q.channels = {2, 2};
    std::string why;
    auto a = answer_hw_query(cfg, wide_host(), q, &why);
    REQUIRE(a.ok());
    CHECK(a->formats == (1ull << XENSND_PCM_FORMAT_S16_LE));
    CHECK(a->buffer.max == 16384);  // 64 KiB / 4-byte frames
}

TEST_CASE("listed rates narrow to the listed rates inside the guest's interval") {
    config::PcmHwConfig cfg;
    cfg.rates = config::SampleRates::from_list({8000, 44100, 48000, 96000});
    auto q = everything();
    q.rates = {10000, 50000};
    std::string why;
    auto a = answer_hw_query(cfg, wide_host(), q, &why);
    REQUIRE(a.ok());
    CHECK(a->rates.min == 44100);
    CHECK(a->rates.max == 48000);
}

TEST_CASE("the host's capabilities narrow the answer") {
    config::PcmHwConfig cfg;
    cfg.channels = {1, 8};
    auto host = wide_host();
    host.channels = {2, 6};
    host.rates = {44100, 44100};
    host.period_frames = {32, 1024};
    std::string why;
    auto a = answer_hw_query(cfg, host, everything(), &why);
    REQUIRE(a.ok());
    CHECK(a->channels.min == 2);
    CHECK(a->channels.max == 6);
    CHECK(a->rates.min == 44100);
    CHECK(a->period.min == 32);
    CHECK(a->period.max == 1024);
}

TEST_CASE("formats without whole-byte frames are never offered") {
    config::PcmHwConfig cfg;
    cfg.formats = (1ull << XENSND_PCM_FORMAT_GSM) | (1ull << XENSND_PCM_FORMAT_IMA_ADPCM);
    std::string why;
    auto a = answer_hw_query(cfg, wide_host(), everything(), &why);
    CHECK(a.errno_value() == EINVAL);
    CHECK(why.find("no common format") != std::string::npos);
}

TEST_CASE("empty intersections and inverted intervals are -EINVAL with a reason") {
    config::PcmHwConfig cfg;
    std::string why;
    auto q = everything();
    q.channels = {3, 8};
    CHECK(answer_hw_query(cfg, wide_host(), q, &why).errno_value() == EINVAL);
    CHECK(why.find("channel") != std::string::npos);
    q = everything();
    q.buffer = {100000, 200000};
    CHECK(answer_hw_query(cfg, wide_host(), q, &why).errno_value() == EINVAL);
    q = everything();
    q.period = {9, 3};
    CHECK(answer_hw_query(cfg, wide_host(), q, &why).errno_value() == EINVAL);
    CHECK(why.find("inverted") != std::string::npos);
    q = everything();
    q.formats = 0;
    CHECK(answer_hw_query(cfg, wide_host(), q, &why).errno_value() == EINVAL);
}

TEST_CASE("the buffer never exceeds what one mapping takes") {
    config::PcmHwConfig cfg;
    cfg.buffer_bytes = 64 << 20;
    std::string why;
    auto a = answer_hw_query(cfg, wide_host(), everything(), &why);
    REQUIRE(a.ok());
    CHECK(a->buffer.max == kMaxBufferBytes);  // U8 mono
    CHECK(kMaxBufferBytes == 4u << 20);
}
