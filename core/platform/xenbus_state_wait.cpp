// Reading, writing and waiting for a XenBus state on a Store.
#include "core/platform/xenbus_state.hpp"
#include "coro/timeout.hpp"

namespace xensnd::platform {

namespace {

std::string state_path(std::string dir) {
    while (!dir.empty() && dir.back() == '/')
        dir.pop_back();
    return dir + "/state";
}

coro::Task<Result<XenbusState>> watch_until(Store* store, std::string dir,
                                            std::function<bool(XenbusState)> done) {
    std::string path = state_path(dir);
    // Tasks are built outside co_await operands (coro/README.md, g++ 12 temporaries).
    auto watching = store->watch(path);
    Result<Watch> watch = co_await std::move(watching);
    if (!watch) co_return Err(watch.error());
    for (;;) {
        // The first event is the watch's registration: the state as it is now.
        Result<std::string> changed = co_await watch->next();
        if (!changed) co_return Err(changed.error());
        auto reading = read_state(*store, dir);
        Result<XenbusState> state = co_await std::move(reading);
        if (!state) co_return Err(state.error());
        if (done(*state)) co_return *state;
    }
}

}  // namespace

coro::Task<Result<XenbusState>> read_state(Store& store, std::string dir, TransactionId t) {
    auto reading = store.read(state_path(std::move(dir)), t);
    Result<std::string> text = co_await std::move(reading);
    if (!text) {
        if (text.errno_value() == ENOENT) co_return XenbusState::Unknown;
        co_return Err(text.error());
    }
    co_return parse_xenbus_state(*text);
}

coro::Task<Result<void>> write_state(Store& store, std::string dir, XenbusState s,
                                     TransactionId t) {
    auto writing = store.write(state_path(std::move(dir)), format_xenbus_state(s), t);
    Result<void> written = co_await std::move(writing);
    co_return written;
}

coro::Task<Result<XenbusState>> wait_for_state(Store& store, std::string dir,
                                               std::function<bool(XenbusState)> done,
                                               coro::Duration limit) {
    return coro::timeout(limit, watch_until(&store, std::move(dir), std::move(done)));
}

coro::Task<Result<XenbusState>> wait_for_state(Store& store, std::string dir, XenbusStates wanted,
                                               coro::Duration limit) {
    return wait_for_state(
        store, std::move(dir), [wanted](XenbusState s) { return wanted.contains(s); }, limit);
}

}  // namespace xensnd::platform
