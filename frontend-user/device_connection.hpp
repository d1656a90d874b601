// DeviceConnection: one vsnd device connected to its backend, in the frontend's role of the
// XenBus protocol, driven by one reactor thread (plugin shape (a), see README.md).
//
// The reactor thread owns everything Xen-facing: the Store, the event channels, the shared
// pages and one FrontendSession per stream of the device. Application threads (ALSA calls)
// reach it only through call() / share_buffer() / release(), which post work to the reactor
// and wait for the answer (never longer than the response timeout). CUR_POS events reach the
// PCM that attached a StreamListener to the stream, on the reactor thread.
//
// Life cycle: acquire() takes the device's ownership lock and connects every stream of the
// device (ring page + event page shared, two unbound ports, the four nodes of every stream
// and state Initialised in one transaction, then Connected once the backend is). If the
// backend leaves Connected, a stream's ring or event page breaks, or the backend's channels
// close (its process died), the connection is torn down: attached streams get on_lost, every
// later call with the old generation fails with ENODEV, the state goes back to Initialising,
// and the device reconnects when the backend is at InitWait again. Dropping the last
// reference disconnects cleanly (Closing, then Closed and Initialising once the backend let go).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/config/vsnd_config.hpp"
#include "core/log/log.hpp"
#include "core/platform/grants.hpp"
#include "core/protocol/sndif_wire.hpp"
#include "coro/result.hpp"
#include "frontend-user/plugin_params.hpp"

namespace xensnd::frontend {

// What the PCM using a stream hears from the reactor thread. Called with the connection's
// listener lock held: the implementation must not call back into the connection.
class StreamListener {
  public:
    virtual ~StreamListener() = default;
    virtual void on_position(std::uint64_t position_bytes) = 0;
    // The connection is gone (ENODEV) or the backend broke the protocol (EIO).
    virtual void on_lost(int error) = 0;
};

// The shared buffer of one OPEN: buffer pages and their page directory, granted to the backend.
struct StreamBuffer {
    std::unique_ptr<platform::SharedPages> pages;
    std::unique_ptr<platform::SharedPages> directory;
    std::uint32_t bytes = 0;
    std::byte* data() const { return static_cast<std::byte*>(pages->data()); }
    sndif::GrantRef directory_ref() const { return directory->refs()[0]; }
};

class DeviceConnection {
  public:
    // The process's connection to the device `params` names: a new one (taking the ownership
    // lock: EBUSY if another process holds it) or the one another PCM of this process uses.
    // On failure `why` says what went wrong in a sentence.
    static Result<std::shared_ptr<DeviceConnection>> acquire(const PluginParams& params,
                                                             std::string* why);
    ~DeviceConnection();
    DeviceConnection(const DeviceConnection&) = delete;
    DeviceConnection& operator=(const DeviceConnection&) = delete;

    // The device's configuration as read at the first connection (stable for the object's life).
    const config::VsndDeviceConfig& config() const { return config_; }
    const log::Logger& log() const { return log_; }
    // Increases with every connection; 0 while not connected.
    std::uint64_t generation() const;

    // The mixer state ctl.xen sets for this device (mixer_state.hpp), and how many times its
    // doorbell rang (a PCM re-reads the file when this changed).
    const std::string& mixer_path() const { return mixer_path_; }
    std::uint64_t mixer_rings() const;

    // One request on stream `ring` of connection `generation`; ENODEV when that connection is
    // gone, ETIMEDOUT after the response timeout, EPROTO when the backend broke the protocol.
    Result<sndif::Response> call(unsigned ring, std::uint64_t generation, sndif::Request request);
    // A zeroed buffer of `bytes` shared with the backend, with its page directory written.
    Result<std::shared_ptr<StreamBuffer>> share_buffer(std::uint64_t generation,
                                                       std::uint32_t bytes);
    // Unshares a buffer on the reactor thread (where the grant service lives).
    void release(std::shared_ptr<StreamBuffer> buffer);

    // One PCM per stream at a time: EBUSY when another PCM of this process has it.
    Result<void> attach(unsigned ring, StreamListener* listener);
    void detach(unsigned ring, StreamListener* listener);

    struct Impl;

  private:
    DeviceConnection() = default;
    std::unique_ptr<Impl> impl_;
    std::string mixer_path_;
    config::VsndDeviceConfig config_;
    log::Logger log_;
};

}  // namespace xensnd::frontend
