#include "backend/device/vsnd_device.hpp"

#include <utility>

#include "backend/device/backend_state.hpp"
#include "backend/device/device_nodes.hpp"
#include "backend/device/frontend_tree.hpp"
#include "core/config/vsnd_config.hpp"

namespace xensnd::backend::device {

using platform::XenbusState;

namespace {

bool is_below(std::string_view path, std::string_view dir) {
    return path.size() > dir.size() && path.substr(0, dir.size()) == dir && path[dir.size()] == '/';
}

bool is_ready(XenbusState s) {
    return s == XenbusState::Initialised || s == XenbusState::Connected;
}

std::string device_context(platform::DomId frontend, unsigned devid) {
    return "dom" + std::to_string(frontend) + " vsnd" + std::to_string(devid);
}

// A node that may be absent: nullopt for ENOENT.
coro::Task<Result<std::optional<std::string>>> read_optional(platform::Store& store,
                                                             std::string path) {
    auto reading = store.read(std::move(path));
    Result<std::string> value = co_await std::move(reading);
    if (value) co_return std::optional<std::string>(std::move(*value));
    if (value.errno_value() == ENOENT) co_return std::optional<std::string>();
    co_return Err(value.error());
}

}  // namespace

VsndDevice::VsndDevice(const DeviceEnv& env, platform::DomId frontend, unsigned devid)
    : env_(env),
      frontend_(frontend),
      devid_(devid),
      backend_dir_(backend_dir_of(env.self, frontend, devid)),
      log_(device_context(frontend, devid)) {}

VsndDevice::~VsndDevice() {
    if (connection_) bug("a VsndDevice destroyed while connected (run() not finished)");
}

coro::Task<void> VsndDevice::pump(platform::Watch watch, VsndDevice* self, bool frontend) {
    const std::string own = watch.path();
    for (;;) {
        Result<std::string> changed = co_await watch.next();
        if (!changed) {
            if (changed.errno_value() != ECANCELED) {
                self->watch_error_ = changed.errno_value();
                self->wake_.notify_one();
            }
            co_return;
        }
        const std::string& path = *changed;
        bool relevant = !is_below(path, own);  // the directory itself, or it was removed
        if (frontend) {
            if (path == self->frontend_state_path_) {
                ++self->frontend_state_writes_;
                relevant = true;
            }
        } else {
            // Our own `versions` writes and the like need no look; `state` is the toolstack's
            // Closing (and our own writes, which cost one harmless look).
            for (const char* node : {"/online", "/state", "/frontend", "/frontend-id"})
                if (path == own + node) relevant = true;
        }
        if (relevant) self->wake_.notify_one();
    }
}

coro::Task<void> VsndDevice::run() {
    coro::Context ctx = co_await coro::current_context();
    coro::TaskScope watches(ctx);
    auto serving = serve(&watches);
    co_await std::move(serving);
    auto disconnecting = disconnect();
    co_await std::move(disconnecting);
    watches.cancel();
    co_await watches.join();
}

coro::Task<void> VsndDevice::close(std::string why) {
    if (gone_ || !published_ || *published_ == XenbusState::Closed) co_return;
    auto publishing = publish(XenbusState::Closed, std::move(why));
    (void)co_await std::move(publishing);
}

coro::Task<void> VsndDevice::serve(coro::TaskScope* watches) {
    auto watching = env_.platform->store->watch(backend_dir_);
    Result<platform::Watch> watch = co_await std::move(watching);
    if (!watch) {
        if (watch.errno_value() != ECANCELED)
            log_.error("cannot watch {}: {}", backend_dir_, watch.error().message());
        co_return;
    }
    watches->spawn(pump(std::move(*watch), this, false));
    for (;;) {
        auto evaluating = evaluate(watches);
        Step step = co_await std::move(evaluating);
        if (step == Step::End) co_return;
        Result<void> woken = co_await wake_.notified();
        if (!woken) co_return;
    }
}

void VsndDevice::refuse(const std::string& message) {
    // A peer that keeps repeating one mistake gets one error line, not one per attempt.
    if (message != last_refusal_) {
        log_.error("{}", message);
        last_refusal_ = message;
    } else {
        log_.debug("{}", message);
    }
}

void VsndDevice::store_error(const char* what, const std::string& path, std::error_code ec) {
    std::string line = std::string(what) + " " + path + ": " + ec.message();
    if (line != last_store_error_) log_.error("{}", line);
    last_store_error_ = std::move(line);
}

coro::Task<VsndDevice::Step> VsndDevice::publish(XenbusState state, std::string why) {
    auto publishing = publish_backend_state(*env_.platform->store, backend_dir_, state);
    Result<void> done = co_await std::move(publishing);
    if (!done) {
        switch (done.errno_value()) {
            case ENOENT:
                gone_ = true;
                log_.info("backend directory removed");
                co_return Step::End;
            case ECANCELED:
                co_return Step::End;
            case ENOTCONN:
                store_error("writing", backend_dir_ + "/state", done.error());
                co_return Step::End;
            default:
                store_error("writing", backend_dir_ + "/state", done.error());
                co_return Step::Continue;
        }
    }
    std::string_view from = published_         ? platform::to_string(*published_)
                            : toolstack_state_ ? platform::to_string(*toolstack_state_)
                                               : "Unknown";
    log_.info("{} -> {} ({})", from, platform::to_string(state), why);
    published_ = state;
    co_return Step::Continue;
}

coro::Task<void> VsndDevice::disconnect() {
    if (!connection_) co_return;
    auto stopping = connection_->stop();
    co_await std::move(stopping);
    connection_.reset();
    if (counted_connected_) {
        --env_.counters->connected;
        counted_connected_ = false;
    }
}

coro::Task<VsndDevice::Step> VsndDevice::check_link(coro::TaskScope* watches) {
    platform::Store& store = *env_.platform->store;
    auto reading_frontend = read_optional(store, backend_dir_ + "/frontend");
    auto frontend = co_await std::move(reading_frontend);
    auto reading_id = read_optional(store, backend_dir_ + "/frontend-id");
    auto frontend_id = co_await std::move(reading_id);
    for (const auto* r : {&frontend, &frontend_id}) {
        if (!*r) {
            if (r->errno_value() == ECANCELED || r->errno_value() == ENOTCONN) co_return Step::End;
            store_error("reading", backend_dir_, r->error());
            co_return Step::Continue;
        }
    }
    if (!*frontend || !*frontend_id) {
        // A toolstack that writes the nodes one by one: they come.
        log_.debug("waiting for {}/frontend and frontend-id", backend_dir_);
        co_return Step::Continue;
    }
    auto link = check_frontend_link(frontend_, devid_, backend_dir_, **frontend, **frontend_id);
    if (!link) {
        if (link.error().message() != last_refusal_) ++env_.counters->failures;
        refuse("refused: " + link.error().message());
        if (published_ != XenbusState::Closed) {
            Step next = co_await publish(XenbusState::Closed, "backend nodes refused");
            co_return next;
        }
        co_return Step::Continue;
    }
    frontend_dir_ = std::move(*link);
    frontend_state_path_ = frontend_dir_ + "/state";
    last_refusal_.clear();
    auto watching = store.watch(frontend_dir_);
    Result<platform::Watch> watch = co_await std::move(watching);
    if (!watch) {
        if (watch.errno_value() == ECANCELED) co_return Step::End;
        store_error("watching", frontend_dir_, watch.error());
        co_return Step::End;
    }
    watches->spawn(pump(std::move(*watch), this, true));
    linked_ = true;
    log_.debug("frontend {}", frontend_dir_);
    co_return Step::Continue;
}

coro::Task<VsndDevice::Step> VsndDevice::evaluate(coro::TaskScope* watches) {
    platform::Store& store = *env_.platform->store;
    if (watch_error_ != 0) {
        log_.error("watch failed: {}", errno_code(watch_error_).message());
        co_return Step::End;
    }
    auto listing = store.directory(backend_dir_);
    auto listed = co_await std::move(listing);
    if (!listed) {
        switch (listed.errno_value()) {
            case ENOENT:
                gone_ = true;
                log_.info("backend directory removed");
                co_return Step::End;
            case ECANCELED:
                co_return Step::End;
            default:
                store_error("reading", backend_dir_, listed.error());
                co_return listed.errno_value() == ENOTCONN ? Step::End : Step::Continue;
        }
    }
    if (!linked_) {
        auto checking = check_link(watches);
        Step step = co_await std::move(checking);
        if (step == Step::End || !linked_) co_return step;
    }

    auto reading_online = read_optional(store, backend_dir_ + "/online");
    auto online = co_await std::move(reading_online);
    if (!online) {
        if (online.errno_value() == ECANCELED) co_return Step::End;
        store_error("reading", backend_dir_ + "/online", online.error());
        co_return online.errno_value() == ENOTCONN ? Step::End : Step::Continue;
    }
    auto reading_state = platform::read_state(store, backend_dir_);
    Result<XenbusState> backend_state = co_await std::move(reading_state);
    if (!backend_state && backend_state.errno_value() == ECANCELED) co_return Step::End;
    if (backend_state && !published_) toolstack_state_ = *backend_state;
    // libxl's removal: online = 0 and state = Closing (we never write Closing ourselves).
    // Sticky: once we answer with Closed, the state node no longer says Closing.
    if (backend_state && *backend_state == XenbusState::Closing) toolstack_closing_ = true;
    const bool removal = !*online || !is_online(**online) || toolstack_closing_;
    if (removal) {
        auto disconnecting = disconnect();
        co_await std::move(disconnecting);
        if (published_ != XenbusState::Closed) {
            std::string why = "removed by the toolstack: ";
            why += *online ? "online=" + (*online)->substr(0, 16) : "no online node";
            if (toolstack_closing_) why += ", state Closing";
            Step next = co_await publish(XenbusState::Closed, std::move(why));
            co_return next;
        }
        co_return Step::Continue;
    }

    auto reading_frontend = platform::read_state(store, frontend_dir_);
    Result<XenbusState> frontend_state = co_await std::move(reading_frontend);
    if (!frontend_state) {
        if (frontend_state.errno_value() == ECANCELED) co_return Step::End;
        if (frontend_state.errno_value() != EINVAL) {
            store_error("reading", frontend_state_path_, frontend_state.error());
            co_return frontend_state.errno_value() == ENOTCONN ? Step::End : Step::Continue;
        }
        refuse(frontend_state_path_ + ": not a XenBus state");
    }
    // A state that is no state is a frontend that is not ready.
    const XenbusState fs = frontend_state.value_or(XenbusState::Unknown);
    const bool ready = is_ready(fs);
    if (!ready || frontend_state_writes_ != writes_mark_) fresh_ = true;

    if (connection_) {
        if (connection_->ended()) {
            std::string why = connection_->end_reason();
            auto disconnecting = disconnect();
            co_await std::move(disconnecting);
            fresh_ = !ready;
            writes_mark_ = frontend_state_writes_;
            Step next = co_await publish(XenbusState::InitWait, std::move(why));
            co_return next;
        }
        if (!ready) {
            auto disconnecting = disconnect();
            co_await std::move(disconnecting);
            std::string why = "frontend " + std::string(platform::to_string(fs));
            Step next = co_await publish(XenbusState::InitWait, std::move(why));
            co_return next;
        }
        if (published_ != XenbusState::Connected) {
            Step next = co_await publish_connected(fs);
            co_return next;
        }
        co_return Step::Continue;
    }

    if (published_ != XenbusState::InitWait) {
        // After a refusal, wait until the frontend starts over.
        if (published_ == XenbusState::Closed && !fresh_) co_return Step::Continue;
        std::string why = !published_                         ? "new device"
                          : published_ == XenbusState::Closed ? "frontend starts over"
                                                              : "ready for a frontend";
        auto publishing = publish(XenbusState::InitWait, std::move(why));
        Step step = co_await std::move(publishing);
        if (step == Step::End || published_ != XenbusState::InitWait) co_return step;
    }
    if (ready && fresh_) {
        Step next = co_await connect(fs);
        co_return next;
    }
    co_return Step::Continue;
}

coro::Task<VsndDevice::Step> VsndDevice::fail(std::string message) {
    ++env_.counters->failures;
    refuse(message);
    fresh_ = false;
    writes_mark_ = frontend_state_writes_;
    Step next = co_await publish(XenbusState::Closed, "frontend refused");
    co_return next;
}

coro::Task<VsndDevice::Step> VsndDevice::connect(XenbusState frontend_state) {
    auto reading = read_frontend_tree(*env_.platform->store, frontend_dir_);
    Result<config::StoreTree> tree = co_await std::move(reading);
    if (!tree) {
        switch (tree.errno_value()) {
            case ECANCELED:
                co_return Step::End;
            case ENOENT:  // the frontend's directory went away: it is not ready any more
                co_return Step::Continue;
            case E2BIG: {
                Step next = co_await fail(frontend_dir_ + ": more than " +
                                          std::to_string(kMaxFrontendNodes) + " nodes");
                co_return next;
            }
            default:
                store_error("reading", frontend_dir_, tree.error());
                co_return tree.errno_value() == ENOTCONN ? Step::End : Step::Continue;
        }
    }
    auto version = check_frontend_version(*tree, frontend_dir_);
    if (!version) {
        Step next = co_await fail(version.error().message());
        co_return next;
    }
    auto config = config::parse_vsnd_tree(*tree, frontend_dir_);
    if (!config) {
        Step next = co_await fail(config.error().message());
        co_return next;
    }
    for (const std::string& warning : config.warnings())
        log_.warning("{}", warning);
    auto opened = Connection::open(*env_.platform, frontend_, devid_, std::move(*config), *tree,
                                   frontend_dir_, log_);
    if (!opened) {
        Step next = co_await fail(opened.error().message());
        co_return next;
    }
    connection_ = std::move(*opened);
    last_refusal_.clear();
    auto starting = connection_->start(env_.runner, &wake_);
    co_await std::move(starting);
    Step next = co_await publish_connected(frontend_state);
    co_return next;
}

coro::Task<VsndDevice::Step> VsndDevice::publish_connected(XenbusState frontend_state) {
    std::string why = "frontend " + std::string(platform::to_string(frontend_state)) + ", " +
                      std::to_string(connection_->stream_count()) + " stream(s)";
    auto publishing = publish(XenbusState::Connected, std::move(why));
    Step step = co_await std::move(publishing);
    if (published_ == XenbusState::Connected && !counted_connected_) {
        counted_connected_ = true;
        ++env_.counters->connected;
        ++env_.counters->connections;
    }
    co_return step;
}

}  // namespace xensnd::backend::device
