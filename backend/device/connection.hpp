// Connection: one connected frontend of a vsnd device. Per stream it maps the ring page and the
// event page the frontend granted, binds the two event channels it allocated, builds the
// BackendSession over them and runs the StreamRunner; it owns all of it and releases it in
// the right order (runners joined, then sessions, then channels and mappings).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/device/device_nodes.hpp"
#include "backend/device/vsnd_backend.hpp"
#include "core/config/vsnd_config.hpp"
#include "core/log/log.hpp"
#include "core/platform/platform.hpp"
#include "core/session/session.hpp"
#include "coro/notify.hpp"
#include "coro/task.hpp"
#include "coro/task_scope.hpp"

namespace xensnd::backend::device {

class Connection {
  public:
    // Maps and binds every stream of `config` with the channels the frontend published in
    // `tree` (frontend_dir prefixes error paths). A refusal names the node, its value and the
    // cause (a missing or non-numeric node, a grant that cannot be mapped, a port that cannot
    // be bound); what was set up so far is released.
    static config::ConfigResult<std::unique_ptr<Connection>> open(
        platform::Platform& platform, platform::DomId frontend, unsigned devid,
        config::VsndDeviceConfig config, const config::StoreTree& tree,
        std::string_view frontend_dir, const log::Logger& log);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Runs `runner` for every stream, concurrently, on the caller's reactor. When one returns
    // (the frontend is gone, the ring broke, ...), ended() turns true and `wake` is notified.
    // `runner` and `wake` must outlive the connection. Call once, from a task.
    coro::Task<void> start(const StreamRunner* runner, coro::Notify* wake);
    // Stops the runners and waits for them; the connection may then be destroyed. Safe in a
    // cancelled task.
    coro::Task<void> stop();

    bool ended() const { return ended_; }
    // "stream 0/1: <what its runner returned>" for the first runner that returned.
    const std::string& end_reason() const { return end_reason_; }
    std::size_t stream_count() const { return streams_.size(); }
    const config::VsndDeviceConfig& config() const { return *config_; }

  private:
    struct Stream;
    Connection(platform::Platform& platform, platform::DomId frontend, unsigned devid,
               log::Logger log);
    static coro::Task<void> serve(const StreamRunner* runner, ConnectedStream cs, Connection* self,
                                  std::string name, coro::Notify* wake);

    platform::Platform* platform_;
    platform::DomId frontend_;
    unsigned devid_;
    log::Logger log_;
    // Heap-held so that StreamConfig pointers handed to runners stay put.
    std::unique_ptr<const config::VsndDeviceConfig> config_;
    std::vector<std::unique_ptr<Stream>> streams_;
    std::optional<coro::TaskScope> runners_;
    bool ended_ = false;
    std::string end_reason_;
};

}  // namespace xensnd::backend::device
