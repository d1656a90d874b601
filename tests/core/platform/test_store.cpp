// The Store against the loopback XenStore daemon, as domains 0..3 see it: every operation,
// watches, transactions, permissions, cancellation, shutdown with requests in flight, and a
// connection lost under it.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/platform/store.hpp"
#include "coro/spawn.hpp"
#include "coro/timer.hpp"
#include "reactor_fixture.hpp"

using namespace xensnd;
using namespace xensnd::platform;
using namespace xensnd::platform::test;

namespace {

using Access = Permission::Access;

// A value, or "<ENOENT>"-style for an error, so that a CHECK shows what came back.
std::string shown(const Result<std::string>& r) {
    if (r) return *r;
    const char* name = strerrorname_np(r.errno_value());
    return std::string("<") + (name ? name : std::to_string(r.errno_value()).c_str()) + ">";
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

template <class T>
coro::Task<Result<T>> join(coro::JoinHandle<Result<T>>* h) {
    co_return co_await *h;
}

coro::Task<Result<std::string>> next_of(Watch* w) {
    co_return co_await w->next();
}

}  // namespace

TEST_CASE("write, read, mkdir, directory and rm do what XenStore does") {
    LoopbackDaemon d;
    auto reactor = make_reactor();
    auto store = open_store(*reactor, d, 1);
    auto& r = *reactor;

    REQUIRE(run(r, store->write("/local/domain/1/a/b", "value")).ok());
    CHECK(shown(run(r, store->read("/local/domain/1/a/b"))) == "value");
    // Values are bytes, not C strings.
    std::string bytes("x\0y", 3);
    REQUIRE(run(r, store->write("/local/domain/1/bytes", bytes)).ok());
    CHECK(shown(run(r, store->read("/local/domain/1/bytes"))) == bytes);
    // A relative path is in this domain's home.
    REQUIRE(run(r, store->write("relative", "r")).ok());
    CHECK(shown(run(r, store->read("/local/domain/1/relative"))) == "r");

    REQUIRE(run(r, store->mkdir("/local/domain/1/empty")).ok());
    CHECK(shown(run(r, store->read("/local/domain/1/empty"))) == "");
    auto names = run(r, store->directory("/local/domain/1"));
    REQUIRE(names.ok());
    for (const char* n : {"a", "bytes", "relative", "empty"})
        CHECK_MESSAGE(contains(*names, n), n);
    auto below = run(r, store->directory("/local/domain/1/a"));
    REQUIRE(below.ok());
    CHECK(*below == std::vector<std::string>{"b"});

    REQUIRE(run(r, store->rm("/local/domain/1/a")).ok());
    CHECK(shown(run(r, store->read("/local/domain/1/a/b"))) == "<ENOENT>");
    CHECK(shown(run(r, store->read("/local/domain/1/a"))) == "<ENOENT>");
    // Removing what is not there is not an error, even below a missing parent.
    CHECK(run(r, store->rm("/local/domain/1/a")).ok());
    CHECK(run(r, store->rm("/local/domain/1/no/such/parent")).ok());
}

TEST_CASE("errors come back as xenstored's errnos, bad arguments without a round trip") {
    LoopbackDaemon d;
    auto reactor = make_reactor();
    auto& r = *reactor;
    auto dom1 = open_store(r, d, 1);
    auto dom2 = open_store(r, d, 2);

    CHECK(shown(run(r, dom1->read("/local/domain/1/missing"))) == "<ENOENT>");
    CHECK(run(r, dom1->directory("/local/domain/1/missing")).errno_value() == ENOENT);
    REQUIRE(run(r, dom1->write("/local/domain/1/private", "p")).ok());
    CHECK(shown(run(r, dom2->read("/local/domain/1/private"))) == "<EACCES>");
    CHECK(run(r, dom2->write("/local/domain/1/private", "x")).errno_value() == EACCES);

    CHECK(shown(run(r, dom1->read(std::string("/local/domain/1/a\0b", 19)))) == "<EINVAL>");
    CHECK(run(r, dom1->write("", "x")).errno_value() == EINVAL);
    CHECK(run(r, dom1->set_permissions("/local/domain/1/private", {})).errno_value() == EINVAL);
    CHECK(run(r, dom1->watch("relative/path")).errno_value() == EINVAL);
    CHECK(run(r, dom1->watch("")).errno_value() == EINVAL);
}

TEST_CASE("permissions round trip through xs_permissions and take effect") {
    LoopbackDaemon d;
    auto reactor = make_reactor();
    auto& r = *reactor;
    auto dom1 = open_store(r, d, 1);
    auto dom2 = open_store(r, d, 2);
    auto dom3 = open_store(r, d, 3);
    const std::string node = "/local/domain/1/shared";
    REQUIRE(run(r, dom1->write(node, "s")).ok());

    auto initial = run(r, dom1->get_permissions(node));
    REQUIRE(initial.ok());
    REQUIRE(!initial->empty());
    CHECK((*initial)[0].domid == 1);  // the owner is the domain whose home it is

    std::vector<Permission> read_only{{1, Access::None}, {2, Access::Read}};
    REQUIRE(run(r, dom1->set_permissions(node, read_only)).ok());
    auto got = run(r, dom1->get_permissions(node));
    REQUIRE(got.ok());
    CHECK(*got == read_only);
    CHECK(shown(run(r, dom2->read(node))) == "s");
    CHECK(run(r, dom2->write(node, "x")).errno_value() == EACCES);
    CHECK(shown(run(r, dom3->read(node))) == "<EACCES>");

    // Every access value, both ways.
    std::vector<Permission> mixed{{1, Access::Read}, {2, Access::Write}, {3, Access::Both}};
    REQUIRE(run(r, dom1->set_permissions(node, mixed)).ok());
    got = run(r, dom1->get_permissions(node));
    REQUIRE(got.ok());
    CHECK(*got == mixed);
    CHECK(run(r, dom2->write(node, "from 2")).ok());
    CHECK(run(r, dom3->write(node, "from 3")).ok());
    CHECK(shown(run(r, dom3->read(node))) == "from 3");
}

TEST_CASE("a transaction commits atomically, aborts cleanly, and conflicts with EAGAIN") {
    LoopbackDaemon d;
    auto reactor = make_reactor();
    auto& r = *reactor;
    auto store = open_store(r, d, 1);
    auto other = open_store(r, d, 1);
    const std::string node = "/local/domain/1/tx";
    REQUIRE(run(r, store->write(node, "0")).ok());

    auto t = run(r, store->transaction_start());
    REQUIRE(t.ok());
    CHECK(*t != kNoTransaction);
    REQUIRE(run(r, store->write(node, "1", *t)).ok());
    CHECK(shown(run(r, store->read(node, *t))) == "1");
    CHECK(shown(run(r, other->read(node))) == "0");  // not visible before the commit
    REQUIRE(run(r, store->transaction_end(*t)).ok());
    CHECK(shown(run(r, other->read(node))) == "1");

    t = run(r, store->transaction_start());
    REQUIRE(t.ok());
    REQUIRE(run(r, store->write(node, "2", *t)).ok());
    REQUIRE(run(r, store->transaction_end(*t, /*commit=*/false)).ok());
    CHECK(shown(run(r, other->read(node))) == "1");

    t = run(r, store->transaction_start());
    REQUIRE(t.ok());
    CHECK(shown(run(r, store->read(node, *t))) == "1");
    REQUIRE(run(r, store->write(node, "3", *t)).ok());
    REQUIRE(run(r, other->write(node, "other")).ok());
    CHECK(run(r, store->transaction_end(*t)).errno_value() == EAGAIN);
    CHECK(shown(run(r, store->read(node))) == "other");
}

TEST_CASE("a watch fires at registration, then for every change at or below its path") {
    LoopbackDaemon d;
    auto reactor = make_reactor();
    auto& r = *reactor;
    auto store = open_store(r, d, 1);
    auto dom0 = open_store(r, d, 0);
    const std::string path = "/local/domain/1/w";

    auto w = run(r, store->watch(path));
    REQUIRE(w.ok());
    CHECK(w->path() == path);
    CHECK(shown(run(r, w->next())) == path);  // fired at registration, before any change

    REQUIRE(run(r, store->write(path + "/child", "c")).ok());
    CHECK(shown(run(r, w->next())) == path + "/child");
    // Neither a sibling nor a name that merely starts the same is below the path.
    REQUIRE(run(r, store->write("/local/domain/1/other", "o")).ok());
    REQUIRE(run(r, store->write("/local/domain/1/wx", "o")).ok());
    REQUIRE(run(r, store->write(path + "/z", "z")).ok());
    CHECK(shown(run(r, w->next())) == path + "/z");
    // Another domain's change, and a removal, fire too.
    REQUIRE(run(r, dom0->write(path + "/from0", "0")).ok());
    CHECK(shown(run(r, w->next())) == path + "/from0");
    REQUIRE(run(r, store->rm(path)).ok());
    CHECK(shown(run(r, w->next())) == path);
    // Nothing else is pending.
    CHECK(run(r, w->next(), 200ms).errno_value() == ETIMEDOUT);
}

TEST_CASE("two watches on one Store each get their own events") {
    LoopbackDaemon d;
    auto reactor = make_reactor();
    auto& r = *reactor;
    auto store = open_store(r, d, 1);
    auto a = run(r, store->watch("/local/domain/1/a"));
    auto b = run(r, store->watch("/local/domain/1/b"));
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(shown(run(r, a->next())) == "/local/domain/1/a");
    CHECK(shown(run(r, b->next())) == "/local/domain/1/b");
    REQUIRE(run(r, store->write("/local/domain/1/b/x", "x")).ok());
    REQUIRE(run(r, store->write("/local/domain/1/a/y", "y")).ok());
    CHECK(shown(run(r, a->next())) == "/local/domain/1/a/y");
    CHECK(shown(run(r, b->next())) == "/local/domain/1/b/x");
}

TEST_CASE("changes to one path coalesce while nobody reads them; distinct paths do not") {
    LoopbackDaemon d;
    auto reactor = make_reactor();
    auto& r = *reactor;
    auto store = open_store(r, d, 1);
    const std::string path = "/local/domain/1/c";
    auto w = run(r, store->watch(path));
    REQUIRE(w.ok());
    REQUIRE(shown(run(r, w->next())) == path);
    for (int i = 0; i < 3; ++i)
        REQUIRE(run(r, store->write(path + "/p", std::to_string(i))).ok());
    REQUIRE(run(r, store->write(path + "/q", "q")).ok());
    REQUIRE(run(r, store->write(path + "/end", "e")).ok());
    // Events on one connection arrive in order: everything before "end" is queued by now.
    std::vector<std::string> seen;
    for (;;) {
        auto next = run(r, w->next());
        REQUIRE(next.ok());
        seen.push_back(*next);
        if (*next == path + "/end") break;
    }
    CHECK(seen == std::vector<std::string>{path + "/p", path + "/q", path + "/end"});
}

TEST_CASE("a flood of distinct changes collapses into one event on the watch's path") {
    LoopbackDaemon d;
    auto reactor = make_reactor();
    auto& r = *reactor;
    auto dom0 = open_store(r, d, 0);  // the privileged domain has no node quota
    const std::string path = "/flood";
    auto w = run(r, dom0->watch(path));
    REQUIRE(w.ok());
    REQUIRE(shown(run(r, w->next())) == path);
    const int writes = static_cast<int>(Watch::kMaxQueuedPaths) + 100;
    for (int i = 0; i < writes; ++i) {
        REQUIRE(run(r, dom0->write(path + "/n" + std::to_string(i), "x"), 30s).ok());
    }
    REQUIRE(run(r, dom0->write(path + "/end", "e")).ok());
    std::vector<std::string> seen;
    for (;;) {
        auto next = run(r, w->next());
        REQUIRE(next.ok());
        seen.push_back(*next);
        if (*next == path + "/end") break;
    }
    CHECK(seen.front() == path);  // "look at everything"
    CHECK(seen.size() <= Watch::kMaxQueuedPaths + 1);
}

TEST_CASE("destroying a Watch unregisters it") {
    LoopbackDaemon d;
    auto reactor = make_reactor();
    auto& r = *reactor;
    auto store = open_store(r, d, 1);
    // xenstored allows a guest 128 watches: leaked ones would run out well before 300.
    for (int i = 0; i < 300; ++i) {
        auto w = run(r, store->watch("/local/domain/1/q"));
        REQUIRE_MESSAGE(w.ok(), "watch #" << i << ": " << w.error().message());
    }

    // A next() waiting when its Watch goes away ends with ECANCELED, not never.
    auto w = run(r, store->watch("/local/domain/1/q"));
    REQUIRE(w.ok());
    REQUIRE(shown(run(r, w->next())) == "/local/domain/1/q");
    auto waiting = coro::spawn(r, next_of(&*w));
    turn(r);
    { Watch gone = std::move(*w); }
    CHECK(shown(run(r, join(&waiting))) == "<ECANCELED>");
    // And its path's changes reach nobody: the Store goes on working.
    REQUIRE(run(r, store->write("/local/domain/1/q", "x")).ok());
    CHECK(shown(run(r, store->read("/local/domain/1/q"))) == "x");
}

TEST_CASE("a cancelled request leaves the Store in step") {
    LoopbackDaemon d;
    auto reactor = make_reactor();
    auto& r = *reactor;
    auto store = open_store(r, d, 1);
    REQUIRE(run(r, store->write("/local/domain/1/c", "c")).ok());
    REQUIRE(run(r, store->write("/local/domain/1/d", "d")).ok());

    std::vector<coro::JoinHandle<Result<std::string>>> reads;
    for (int i = 0; i < 40; ++i)
        reads.push_back(coro::spawn(r, store->read("/local/domain/1/c")));
    turn(r);
    for (std::size_t i = 0; i < reads.size(); i += 2)
        reads[i].abort();
    int cancelled = 0;
    for (std::size_t i = 0; i < reads.size(); ++i) {
        std::string got = shown(run(r, join(&reads[i])));
        if (got == "<ECANCELED>") {
            ++cancelled;
            CHECK(i % 2 == 0);
        } else {
            CHECK(got == "c");
        }
    }
    CHECK(cancelled > 0);
    // A request that timed out must not hand its reply to the next one.
    for (int i = 0; i < 10; ++i)
        (void)run(r, store->read("/local/domain/1/c"), 0ms);
    CHECK(shown(run(r, store->read("/local/domain/1/d"))) == "d");
}

TEST_CASE("destroying a Store with requests in flight completes every one of them") {
    LoopbackDaemon d;
    auto reactor = make_reactor();
    auto& r = *reactor;
    auto store = open_store(r, d, 1);
    const std::string node = "/local/domain/1/v";
    REQUIRE(run(r, store->write(node, "v")).ok());
    auto w = run(r, store->watch(node));
    REQUIRE(w.ok());
    REQUIRE(shown(run(r, w->next())) == node);

    constexpr int kReads = 200;
    std::vector<coro::JoinHandle<Result<std::string>>> reads;
    for (int i = 0; i < kReads; ++i)
        reads.push_back(coro::spawn(r, store->read(node)));
    auto waiting = coro::spawn(r, next_of(&*w));
    auto made_before = store->read(node);
    turn(r);  // every read is queued or under way
    store.reset();

    int cancelled = 0;
    int completed = 0;
    for (auto& h : reads) {
        std::string got = shown(run(r, join(&h)));
        if (got == "<ECANCELED>") {
            ++cancelled;
        } else {
            CHECK(got == "v");
            ++completed;
        }
    }
    CHECK(cancelled + completed == kReads);
    CHECK(cancelled > 0);
    CHECK(shown(run(r, join(&waiting))) == "<ECANCELED>");
    CHECK(shown(run(r, std::move(made_before))) == "<ECANCELED>");
    CHECK(shown(run(r, w->next())) == "<ECANCELED>");
    // The Watch outlives its Store and is destroyed after it, harmlessly.
}

TEST_CASE("self_domid and domain_path") {
    LoopbackDaemon d;
    auto reactor = make_reactor();
    auto& r = *reactor;
    auto dom0 = open_store(r, d, 0);
    auto dom1 = open_store(r, d, 1);
    auto dom2 = open_store(r, d, 2);
    auto dom3 = open_store(r, d, 3);

    auto zero = run(r, dom0->self_domid());
    REQUIRE_MESSAGE(zero.ok(), zero.error().message());
    CHECK(*zero == 0);
    // The toolstack writes a guest's domid (libxl does; the loopback daemon may already have).
    REQUIRE(run(r, dom0->write("/local/domain/1/domid", "1")).ok());
    auto one = run(r, dom1->self_domid());
    REQUIRE_MESSAGE(one.ok(), one.error().message());
    CHECK(*one == 1);
    // A guest without the node cannot tell, and says so.
    REQUIRE(run(r, dom0->rm("/local/domain/2/domid")).ok());
    CHECK(run(r, dom2->self_domid()).errno_value() == ENOENT);
    REQUIRE(run(r, dom0->write("/local/domain/3/domid", "three")).ok());
    CHECK(run(r, dom3->self_domid()).errno_value() == EPROTO);

    CHECK(shown(run(r, dom1->domain_path(3))) == "/local/domain/3");
    CHECK(shown(run(r, dom0->domain_path(0))) == "/local/domain/0");
}

TEST_CASE("a lost connection is ENOTCONN, for requests and for watches") {
    LoopbackDaemon d;
    auto reactor = make_reactor();
    auto& r = *reactor;
    auto store = open_store(r, d, 1);
    auto w = run(r, store->watch("/local/domain/1/l"));
    REQUIRE(w.ok());
    REQUIRE(shown(run(r, w->next())) == "/local/domain/1/l");

    REQUIRE(d.stop(SIGKILL));
    // The request that meets the closed socket fails with what libxenstore saw; from then on
    // the Store says ENOTCONN.
    int last = 0;
    for (int i = 0; i < 20 && last != ENOTCONN; ++i) {
        auto got = run(r, store->read("/local/domain/1/l"));
        REQUIRE_FALSE(got.ok());
        last = got.errno_value();
        if (last != ENOTCONN) (void)run(r, coro::sleep_task(coro::Clock::now() + 20ms));
    }
    CHECK(last == ENOTCONN);
    CHECK(shown(run(r, w->next())) == "<ENOTCONN>");
    CHECK(run(r, store->watch("/local/domain/1/m")).errno_value() == ENOTCONN);
}

TEST_CASE("open names the socket it could not connect to") {
    ::setenv("XENSTORED_PATH", "/nonexistent/xensnd/xenstore.sock", 1);
    auto reactor = make_reactor();
    std::string why;
    auto store = Store::open(*reactor, &why);
    CHECK_FALSE(store.ok());
    CHECK(why.find("/nonexistent/xensnd/xenstore.sock") != std::string::npos);
    CHECK(why.find("XENSTORED_PATH") != std::string::npos);
}
