// ScriptedGuest: a sndif frontend for one vsnd device on the loopback platform, scripted by a
// test, that can behave like Linux's snd_xen_front (publish rings and ports, Initialised, play
// and capture through a shared buffer following CUR_POS) or break any rule on purpose: garbage
// XenStore nodes, raw ring indices, requests out of order or out of range, page directories
// that loop, end early or name refs never granted.
//
// It talks to whatever backend serves the device (the tests run the real xensnd-backend
// daemon in another process). Everything is owned here and released in the destructor, as a
// guest kernel would when the driver unloads; a test that wants a vanished guest kills the
// process it runs in instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/platform/grants.hpp"
#include "core/platform/store.hpp"
#include "core/platform/xenbus_state.hpp"
#include "core/protocol/sndif_wire.hpp"
#include "core/session/session.hpp"
#include "coro/reactor.hpp"
#include "coro/result.hpp"
#include "coro/task.hpp"
#include "coro/timer.hpp"

namespace xensnd::test {

// The PCM parameters of one OPEN.
struct PcmShape {
    std::uint8_t format = XENSND_PCM_FORMAT_S16_LE;
    std::uint32_t rate = 48000;
    std::uint8_t channels = 2;
    std::uint32_t buffer_bytes = 32768;
    std::uint32_t period_bytes = 4096;

    std::uint32_t frame_bytes() const;  // linear formats with whole-byte samples only
};

// A buffer shared for one OPEN and the page directory describing it.
struct SharedBuffer {
    std::unique_ptr<platform::SharedPages> pages;
    std::unique_ptr<platform::SharedPages> directory;
    std::uint32_t bytes = 0;

    std::byte* data() const { return static_cast<std::byte*>(pages->data()); }
    sndif::GrantRef gref_directory() const { return directory->refs()[0]; }
    // Directory page i, for tests that rewrite the chain.
    std::uint32_t* directory_page(std::size_t i) const;
};

sndif::Request open_request(const PcmShape& shape, sndif::GrantRef gref_directory);
sndif::Request rw_request(std::uint8_t operation, std::uint32_t offset, std::uint32_t length);
sndif::Request trigger_request(std::uint8_t type);

// What a playback or capture run saw.
struct RunReport {
    std::uint64_t cur_pos_events = 0;
    std::uint64_t requests = 0;
    std::uint64_t bytes = 0;  // played or captured
};

class ScriptedGuest {
  public:
    static constexpr platform::DomId kBackendDom = 0;

    // Opens domain `dom`'s XenStore, event channels and grants on the loopback platform in
    // `rundir` (XENSTORED_PATH is set to that domain's socket for the Store).
    static Result<std::unique_ptr<ScriptedGuest>> open(coro::Reactor& reactor,
                                                       const std::string& rundir,
                                                       platform::DomId dom, unsigned devid);
    ~ScriptedGuest();
    ScriptedGuest(const ScriptedGuest&) = delete;
    ScriptedGuest& operator=(const ScriptedGuest&) = delete;

    platform::DomId domain() const { return dom_; }
    unsigned devid() const { return devid_; }
    const std::string& dir() const { return dir_; }  // /local/domain/D/device/vsnd/N
    std::string backend_dir() const;
    platform::Store& store() { return *store_; }
    platform::GrantService& grants() { return *grants_; }

    // ---- XenBus

    // Shares fresh ring and event pages and allocates ports for each stream directory
    // ("P/S"), then writes ring-ref, event-channel, evt-ring-ref, evt-event-channel.
    coro::Task<Result<void>> publish(std::vector<std::string> stream_dirs);
    coro::Task<Result<void>> set_state(platform::XenbusState state);
    coro::Task<Result<platform::XenbusState>> wait_backend(platform::XenbusStates wanted,
                                                           coro::Duration limit);
    // As Linux's frontend: Initialising, publish, Initialised, wait for the backend's
    // Connected, Connected.
    coro::Task<Result<void>> connect(std::vector<std::string> stream_dirs, coro::Duration limit);
    // Drops every stream (unshares pages, closes ports), as a frontend does on disconnect.
    void drop_streams();

    // ---- one stream (ring index i)

    std::size_t stream_count() const { return streams_.size(); }
    session::FrontendSession& session(std::size_t i);
    void* ring_page(std::size_t i);
    platform::EventChannel& ring_channel(std::size_t i);

    coro::Task<Result<sndif::Response>> call(std::size_t i, sndif::Request request);
    // The status of one request; Err only when no answer came (timeout, broken ring, ...).
    coro::Task<Result<std::int32_t>> status(std::size_t i, sndif::Request request);

    // Shares `bytes` (rounded up to pages) and a page directory for them.
    Result<SharedBuffer> share_buffer(std::uint32_t bytes);

    // OPEN with a fresh buffer of shape.buffer_bytes (kept as buffer(i)); Err(-status) if
    // refused.
    coro::Task<Result<void>> open_pcm(std::size_t i, PcmShape shape);
    SharedBuffer& buffer(std::size_t i);

    // On a stream opened with open_pcm: writes `signal` through the buffer ahead of CUR_POS,
    // START, waits until CUR_POS has passed its end, STOP. Once `*finish` (when given) is true
    // it writes nothing more and ends after what it wrote (RunReport::bytes says how much).
    // Err(ETIMEDOUT) when no CUR_POS comes within `stall`, Err(-status) when a request is
    // refused.
    coro::Task<Result<RunReport>> play(std::size_t i, std::vector<std::byte> signal,
                                       coro::Duration stall, const bool* finish = nullptr);
    // On a capture stream opened with open_pcm: START, copies what CUR_POS says was captured
    // (and sends READ for it) until `bytes` are in, STOP.
    coro::Task<Result<std::vector<std::byte>>> capture(std::size_t i, std::size_t bytes,
                                                       coro::Duration stall);

  private:
    struct Stream;
    ScriptedGuest() = default;
    coro::Task<Result<std::uint64_t>> next_position(std::size_t i, std::uint64_t known,
                                                    coro::Duration stall, RunReport* report);
    coro::Task<Result<void>> expect_ok(std::size_t i, sndif::Request request, RunReport* report);

    platform::DomId dom_ = 0;
    unsigned devid_ = 0;
    std::string dir_;
    std::unique_ptr<platform::Store> store_;
    std::unique_ptr<platform::EventChannelService> events_;
    std::unique_ptr<platform::GrantService> grants_;
    std::vector<std::unique_ptr<Stream>> streams_;
};

}  // namespace xensnd::test
