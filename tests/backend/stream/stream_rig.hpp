// StreamRig: everything a StreamState needs, faked in one process: a stream configuration,
// fake grants playing both the frontend (sharing the buffer and writing its page directory)
// and the backend's grant service, and a host endpoint that opens FakeHosts. Shared by the
// unit tests, the server tests and the fuzzer.
#pragma once

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "backend/stream/stream_env.hpp"
#include "core/protocol/page_directory.hpp"
#include "core/protocol/sndif_wire.hpp"
#include "fake_grants.hpp"
#include "fake_host.hpp"

namespace xensnd::test {

struct SharedBuffer {
    platform::GrantRef directory = 0;  // OPEN's gref_directory
    platform::GrantRef first_page = 0;
    std::uint32_t bytes = 0;
};

struct StreamRig {
    std::vector<std::string> journal;
    FakeGrants grants{&journal};
    config::StreamConfig config;
    backend::audio::PcmCapabilities caps;
    std::uint32_t host_buffer = 1024;
    int open_errno = 0;        // open_host fails with it when set
    int caps_errno = 0;        // capabilities fails with it when set
    FakeHost* host = nullptr;  // the last host opened (owned by the stream)
    int hosts_opened = 0;
    backend::audio::PcmParams last_params;
    std::vector<std::byte> last_heard;  // what the last closed playback host heard

    StreamRig() {
        config.type = config::StreamType::Playback;
        config.hw.formats = (1ull << XENSND_PCM_FORMAT_S16_LE) | (1ull << XENSND_PCM_FORMAT_U8) |
                            (1ull << XENSND_PCM_FORMAT_S32_LE) | (1ull << XENSND_PCM_FORMAT_F32_LE);
        config.hw.rates = config::SampleRates::from_list({8000, 44100, 48000});
        config.hw.channels = {1, 2};
        config.hw.buffer_bytes = 256 * 1024;
        caps.formats = (1ull << XENSND_PCM_FORMAT_S16_LE) | (1ull << XENSND_PCM_FORMAT_S32_LE) |
                       (1ull << XENSND_PCM_FORMAT_U8) | (1ull << XENSND_PCM_FORMAT_F32_LE);
        caps.rates = {8000, 96000};
        caps.channels = {1, 8};
        caps.buffer_frames = {16, 1u << 20};
        caps.period_frames = {8, 1u << 19};
    }

    backend::stream::StreamEnv env() {
        backend::stream::StreamEnv e;
        e.frontend = 1;
        e.device = 0;
        e.config = &config;
        e.grants = &grants;
        e.capabilities = [this](std::string* why) -> Result<backend::audio::PcmCapabilities> {
            if (caps_errno) {
                if (why) *why = "probe failed";
                return Err(caps_errno);
            }
            return caps;
        };
        e.open_host = [this](const backend::audio::PcmParams& p,
                             std::string* why) -> Result<std::unique_ptr<backend::audio::HostPcm>> {
            if (open_errno) {
                if (why) *why = "device busy";
                return Err(open_errno);
            }
            auto h = std::make_unique<FakeHost>(p, host_buffer, &journal);
            host = h.get();
            h->slot = &host;
            h->keep_heard = &last_heard;
            ++hosts_opened;
            last_params = p;
            return std::unique_ptr<backend::audio::HostPcm>(std::move(h));
        };
        e.log = log::Logger("dom1 vsnd0 0/0");
        return e;
    }

    // The frontend's side: shares a buffer of `bytes` and its page directory.
    SharedBuffer share(std::uint32_t bytes) {
        const std::uint32_t pages = sndif::buffer_page_count(bytes);
        const std::uint32_t dir_pages = sndif::directory_page_count(pages);
        SharedBuffer s;
        s.bytes = bytes;
        s.first_page = grants.grant(pages);
        const platform::GrantRef dir_first = grants.grant(dir_pages);
        std::vector<platform::GrantRef> refs(pages), dirs(dir_pages);
        std::vector<void*> dir_mem(dir_pages);
        for (std::uint32_t i = 0; i < pages; ++i)
            refs[i] = s.first_page + i;
        for (std::uint32_t i = 0; i < dir_pages; ++i) {
            dirs[i] = dir_first + i;
            dir_mem[i] = grants.page(dirs[i]);
        }
        if (!sndif::write_page_directory(refs, dirs, dir_mem)) bug("write_page_directory");
        s.directory = dir_first;
        return s;
    }
    // The buffer as the frontend sees it.
    std::byte* buffer(const SharedBuffer& s) { return grants.page(s.first_page); }
};

inline sndif::Request open_request(const SharedBuffer& buf,
                                   std::uint8_t format = XENSND_PCM_FORMAT_S16_LE,
                                   unsigned channels = 2, unsigned rate = 48000,
                                   std::uint32_t period = 0) {
    auto r = sndif::make_request(1, XENSND_OP_OPEN);
    r.op.open.pcm_format = format;
    r.op.open.pcm_channels = static_cast<std::uint8_t>(channels);
    r.op.open.pcm_rate = rate;
    r.op.open.buffer_sz = buf.bytes;
    r.op.open.gref_directory = buf.directory;
    r.op.open.period_sz = period ? period : buf.bytes / 4;
    return r;
}

inline sndif::Request rw_request(std::uint8_t op, std::uint32_t offset, std::uint32_t length) {
    auto r = sndif::make_request(2, op);
    r.op.rw.offset = offset;
    r.op.rw.length = length;
    return r;
}

inline sndif::Request trigger_request(std::uint8_t type) {
    auto r = sndif::make_request(3, XENSND_OP_TRIGGER);
    r.op.trigger.type = type;
    return r;
}

}  // namespace xensnd::test
