// Task<T>: lazy, move-only, awaited once, and a million sequential awaits keep the stack
// flat (this file runs at -O2 in build/ and at -O0 in build-asan/).
#include <doctest/doctest.h>

#include <string>
#include <type_traits>

#include "reactor_fixture.hpp"

using namespace xensnd;
using namespace xensnd::coro;
using namespace xensnd::coro::test;

static_assert(!std::is_copy_constructible_v<Task<int>>, "Task is move-only");
static_assert(std::is_nothrow_move_constructible_v<Task<int>>);

namespace {

Task<int> value_of(int v) {
    co_return v;
}

Task<int> sum_of_million() {
    long sum = 0;
    for (int i = 0; i < 1'000'000; ++i)
        sum += co_await value_of(1);
    co_return static_cast<int>(sum);
}

Task<int> deep(int depth) {
    if (depth == 0) co_return 0;
    co_return 1 + co_await deep(depth - 1);
}

Task<std::string> greet(std::string name) {
    co_return "hello " + name;
}

}  // namespace

TEST_CASE("a task does nothing until awaited") {
    auto reactor = make_reactor();
    bool ran = false;
    auto t = [](bool* flag) -> Task<void> {
        *flag = true;
        co_return;
    }(&ran);
    CHECK_FALSE(ran);
    block_on(*reactor, std::move(t));
    CHECK(ran);
}

TEST_CASE("a million sequential co_awaits complete without growing the stack") {
    auto reactor = make_reactor();
    CHECK(block_on(*reactor, sum_of_million()) == 1'000'000);
}

TEST_CASE("nested tasks return values through every level") {
    auto reactor = make_reactor();
    CHECK(block_on(*reactor, deep(1000)) == 1000);
    CHECK(block_on(*reactor, greet("dom1")) == "hello dom1");
}

TEST_CASE("a task that suspends on I/O resumes its awaiter with the value") {
    auto reactor = make_reactor();
    EventFd ev;
    auto waiter = [](int fd) -> Task<int> {
        auto r = co_await poll(fd, POLLIN);
        co_return r.ok() ? static_cast<int>(*r & POLLIN) : -1;
    };
    auto outer = [&](int fd) -> Task<int> {
        ev.signal();
        int a = co_await waiter(fd);
        co_return a;
    };
    CHECK(block_on(*reactor, outer(ev.fd)) == POLLIN);
}
