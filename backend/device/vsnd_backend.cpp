#include "backend/device/vsnd_backend.hpp"

#include <map>
#include <set>
#include <string_view>
#include <utility>

#include "backend/device/device_nodes.hpp"
#include "backend/device/vsnd_device.hpp"
#include "coro/spawn.hpp"

namespace xensnd::backend::device {

namespace {

// Junk names under backend/vsnd are logged once each; past this many, no more are remembered
// (nor logged), so a runaway toolstack cannot grow our memory.
constexpr std::size_t kMaxJunkRemembered = 1024;

bool is_below(std::string_view path, std::string_view dir) {
    return path.size() > dir.size() && path.substr(0, dir.size()) == dir && path[dir.size()] == '/';
}

std::string device_name(platform::DomId frontend, unsigned devid) {
    return "dom" + std::to_string(frontend) + " vsnd" + std::to_string(devid);
}

}  // namespace

struct VsndBackend::Impl {
    using Key = std::pair<platform::DomId, unsigned>;
    struct Slot {
        std::unique_ptr<VsndDevice> device;
        coro::JoinHandle<void> task;
    };

    platform::Platform* platform;
    StreamRunner runner;
    log::Logger log;
    DeviceCounters counters;
    DeviceEnv env;
    coro::Reactor* reactor = nullptr;
    std::string root;  // /local/domain/<self>/backend/vsnd
    std::map<Key, Slot> devices;
    std::set<std::string, std::less<>> junk_logged;

    void junk(const std::string& name) {
        if (junk_logged.size() >= kMaxJunkRemembered || junk_logged.count(name) != 0) return;
        junk_logged.insert(name);
        log.warning("{}/{}: not a vsnd device entry (expected <domid>/<index>), ignored", root,
                    name);
    }

    void start(platform::DomId frontend, unsigned devid) {
        auto device = std::make_unique<VsndDevice>(env, frontend, devid);
        coro::JoinHandle<void> task = coro::spawn(*reactor, device->run());
        devices.insert_or_assign(Key{frontend, devid}, Slot{std::move(device), std::move(task)});
        counters.devices = static_cast<unsigned>(devices.size());
    }

    // Stops the device's task (it releases everything it set up) and forgets it.
    coro::Task<void> remove(Key key, bool log_it) {
        auto it = devices.find(key);
        if (it == devices.end()) co_return;
        it->second.task.abort();
        (void)co_await it->second.task;
        devices.erase(key);
        counters.devices = static_cast<unsigned>(devices.size());
        if (log_it) log.info("{}: backend entry removed", device_name(key.first, key.second));
    }

    coro::Task<void> rescan_domain(std::string name) {
        auto frontend = parse_frontend_entry(name);
        if (!frontend) {
            junk(name);
            co_return;
        }
        auto listing = platform->store->directory(root + "/" + name);
        Result<std::vector<std::string>> entries = co_await std::move(listing);
        if (!entries && entries.errno_value() != ENOENT) {
            if (entries.errno_value() != ECANCELED)
                log.error("reading {}/{}: {}", root, name, entries.error().message());
            co_return;
        }
        std::set<unsigned> present;
        if (entries) {
            for (const std::string& entry : *entries) {
                auto devid = parse_device_entry(entry);
                if (!devid) {
                    junk(name + "/" + entry);
                    continue;
                }
                present.insert(*devid);
                auto it = devices.find(Key{*frontend, *devid});
                if (it != devices.end()) {
                    if (!it->second.task.is_finished()) continue;
                    // It ended on its own (its directory vanished): this is a new device.
                    auto removing = remove(it->first, false);
                    co_await std::move(removing);
                }
                start(*frontend, *devid);
            }
        }
        std::vector<Key> vanished;
        for (auto it = devices.lower_bound(Key{*frontend, 0});
             it != devices.end() && it->first.first == *frontend; ++it)
            if (present.count(it->first.second) == 0) vanished.push_back(it->first);
        for (Key key : vanished) {
            auto removing = remove(key, true);
            co_await std::move(removing);
        }
    }

    coro::Task<void> rescan_all() {
        auto listing = platform->store->directory(root);
        Result<std::vector<std::string>> names = co_await std::move(listing);
        if (!names && names.errno_value() != ENOENT) {
            if (names.errno_value() != ECANCELED)
                log.error("reading {}: {}", root, names.error().message());
            co_return;
        }
        std::set<std::string, std::less<>> listed;
        if (names) listed.insert(names->begin(), names->end());
        std::vector<Key> vanished;
        for (const auto& [key, slot] : devices)
            if (listed.count(std::to_string(key.first)) == 0) vanished.push_back(key);
        for (Key key : vanished) {
            auto removing = remove(key, true);
            co_await std::move(removing);
        }
        for (const std::string& name : listed) {
            auto rescanning = rescan_domain(name);
            co_await std::move(rescanning);
        }
    }

    // Acts on one watch event under the root. A change inside a known device's directory is
    // that device's business (its own watch sees it); anything at the level of the entries
    // (added, removed, or the watch's "look at everything") rescans the part it names.
    coro::Task<void> reconcile(std::string path) {
        if (!is_below(path, root)) {
            auto rescanning = rescan_all();
            co_await std::move(rescanning);
            co_return;
        }
        std::string_view rel = std::string_view(path).substr(root.size() + 1);
        std::string_view domain = rel.substr(0, rel.find('/'));
        if (domain.size() < rel.size()) {
            std::string_view rest = rel.substr(domain.size() + 1);
            std::size_t slash = rest.find('/');
            if (slash != std::string_view::npos) {
                auto frontend = parse_frontend_entry(domain);
                auto devid = parse_device_entry(rest.substr(0, slash));
                if (frontend && devid) {
                    auto it = devices.find(Key{*frontend, *devid});
                    if (it != devices.end() && !it->second.task.is_finished()) co_return;
                }
            }
        }
        auto rescanning = rescan_domain(std::string(domain));
        co_await std::move(rescanning);
    }

    // Runs in a fresh root task: the stopped run() cannot talk to XenStore any more.
    static coro::Task<void> close_all(Impl* self) {
        for (auto& [key, slot] : self->devices) {
            auto closing = slot.device->close("backend stopping");
            co_await std::move(closing);
        }
    }

    coro::Task<void> shutdown() {
        for (auto& [key, slot] : devices)
            slot.task.abort();
        for (auto& [key, slot] : devices)
            (void)co_await slot.task;
        coro::JoinHandle<void> closing = coro::spawn(*reactor, close_all(this));
        (void)co_await closing;
        devices.clear();
        counters.devices = 0;
    }
};

VsndBackend::VsndBackend(platform::Platform& platform, StreamRunner runner, log::Logger log)
    : impl_(std::make_unique<Impl>()) {
    impl_->platform = &platform;
    impl_->runner = std::move(runner);
    impl_->log = std::move(log);
    impl_->env.platform = &platform;
    impl_->env.runner = &impl_->runner;
    impl_->env.counters = &impl_->counters;
}

VsndBackend::~VsndBackend() {
    if (!impl_->devices.empty()) bug("a VsndBackend destroyed while run() is serving");
}

const DeviceCounters& VsndBackend::counters() const {
    return impl_->counters;
}

coro::Task<Result<void>> VsndBackend::run() {
    Impl& im = *impl_;
    if (!im.platform->store || !im.platform->events || !im.platform->grants)
        bug("incomplete platform");
    coro::Context ctx = co_await coro::current_context();
    im.reactor = ctx.reactor;
    platform::Store& store = *im.platform->store;

    auto asking = store.self_domid();
    Result<platform::DomId> self = co_await std::move(asking);
    if (!self) {
        if (self.errno_value() == ECANCELED) co_return ok();
        im.log.error("cannot tell which domain this is: {}", self.error().message());
        co_return Err(self.error());
    }
    im.env.self = *self;
    im.root = "/local/domain/" + std::to_string(*self) + "/backend/vsnd";
    auto watching = store.watch(im.root);
    Result<platform::Watch> watch = co_await std::move(watching);
    if (!watch) {
        if (watch.errno_value() == ECANCELED) co_return ok();
        im.log.error("cannot watch {}: {}", im.root, watch.error().message());
        co_return Err(watch.error());
    }
    im.log.info("serving vsnd devices under {}", im.root);

    Result<void> outcome = ok();
    for (;;) {
        // The first event is the registration: the whole directory is scanned once.
        Result<std::string> changed = co_await watch->next();
        if (!changed) {
            if (changed.errno_value() != ECANCELED) {
                im.log.error("watching {}: {}", im.root, changed.error().message());
                outcome = Err(changed.error());
            }
            break;
        }
        auto reconciling = im.reconcile(std::move(*changed));
        co_await std::move(reconciling);
    }
    auto stopping = im.shutdown();
    co_await std::move(stopping);
    im.log.info("stopped serving vsnd devices");
    co_return outcome;
}

}  // namespace xensnd::backend::device
