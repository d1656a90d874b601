// Arbitrary request sequences through the stream's request handler and DMA engine, with fake
// grants (including directories the input corrupts) and a fake host whose clock the input
// runs. Nothing may crash, read or write out of bounds, or leak.
#include <cstddef>
#include <cstdint>
#include <cstring>

#define XENSND_FAKE_HOST_NO_WAIT
#include "backend/stream/stream_state.hpp"
#include "stream_rig.hpp"

namespace xensnd::test {
// The fuzz tree has no coroutines; the handler never waits on the host.
coro::Task<Result<void>> FakeHost::wait_avail(std::size_t) {
    bug("wait_avail in the fuzzer");
}
}  // namespace xensnd::test

using namespace xensnd;
using namespace xensnd::backend::stream;

namespace {

struct Input {
    const std::uint8_t* data;
    std::size_t size;
    std::size_t at = 0;
    bool empty() const { return at >= size; }
    std::uint8_t byte() { return at < size ? data[at++] : 0; }
    std::uint32_t word() {
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i)
            v |= std::uint32_t(byte()) << (8 * i);
        return v;
    }
    void bytes(void* out, std::size_t n) {
        auto* o = static_cast<std::uint8_t*>(out);
        for (std::size_t i = 0; i < n; ++i)
            o[i] = byte();
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const bool quiet = [] {
        log::set_level(log::Level::Error);
        return true;
    }();
    (void)quiet;
    Input in{data, size};
    test::StreamRig rig;
    const std::uint8_t setup = in.byte();
    rig.config.type = (setup & 1) ? config::StreamType::Capture : config::StreamType::Playback;
    rig.host_buffer = 1 + (setup >> 1) * 16;
    const test::SharedBuffer buffers[] = {rig.share(3 * 4096), rig.share(4096), rig.share(1000)};
    StreamEnv env = rig.env();
    StreamState state(env);

    while (!in.empty()) {
        const std::uint8_t cmd = in.byte();
        switch (cmd % 8) {
            case 0:
            case 1:
            case 2:
            case 3:
            case 4: {
                sndif::Request req;
                std::memset(&req, 0, sizeof req);
                in.bytes(&req, cmd & 0x80 ? sizeof req : 16);
                if (cmd & 0x10) req.operation %= 11;
                if (req.operation == XENSND_OP_OPEN && (cmd & 0x20)) {
                    // A plausible OPEN of one of the shared buffers, so that the rest of the
                    // sequence reaches the open stream.
                    const auto& b = buffers[(cmd >> 6) % 3];
                    req.op.open.gref_directory = b.directory;
                    req.op.open.buffer_sz = b.bytes;
                    req.op.open.pcm_format = XENSND_PCM_FORMAT_S16_LE;
                    req.op.open.pcm_channels = 1 + (req.op.open.pcm_channels & 1);
                    req.op.open.pcm_rate = 48000;
                    req.op.open.period_sz = 4 + (req.op.open.period_sz % b.bytes);
                }
                if (req.operation == XENSND_OP_TRIGGER && (cmd & 0x20)) req.op.trigger.type %= 4;
                const auto h = state.handle(req);
                if (h.response.id != req.id || h.response.operation != req.operation)
                    __builtin_trap();
                break;
            }
            case 5: {  // the device clock runs, then one pump step
                const std::size_t frames = std::size_t(in.byte()) * 8;
                if (state.run_state() != RunState::Running) break;
                if (rig.host) rig.host->advance(frames);
                (void)state.engine()->wake_frames(*state.host());
                (void)state.engine()->transfer(*state.host());
                (void)state.engine()->position(*state.host());
                break;
            }
            case 6: {  // the guest rewrites a directory word (loops, short chains, bad refs)
                const auto& b = buffers[in.byte() % 3];
                auto* dir = reinterpret_cast<std::uint32_t*>(rig.grants.page(b.directory));
                dir[in.byte() % 8] = in.word() % 64;
                break;
            }
            case 7: {  // the guest ends a grant
                rig.grants.revoke(in.word() % 32);
                break;
            }
        }
    }
    state.close();
    if (rig.grants.live_mappings() != 0 || rig.host != nullptr) __builtin_trap();
    return 0;
}
