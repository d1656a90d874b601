// when_all: run tasks concurrently and wait for all of them; yields every result. A failing
// task does not cancel the others (errors are values; inspect them). Cancelling the caller
// cancels every child.
#pragma once

#include <tuple>
#include <vector>

#include "coro/detail/group.hpp"
#include "coro/select.hpp"

namespace xensnd::coro {

template <class... Ts>
Task<std::tuple<Value<Ts>...>> when_all(Task<Ts>... tasks) {
    std::tuple<detail::Slot<Ts>...> slots;
    detail::GroupAwaiter aw;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (aw.children.push_back(detail::run_child<Ts>(std::move(tasks), &std::get<I>(slots))), ...);
    }
    (std::index_sequence_for<Ts...>{});
    co_await aw;
    co_return std::apply([](auto&... s) { return std::tuple<Value<Ts>...>(std::move(*s)...); },
                         slots);
}

template <class T>
Task<std::vector<Value<T>>> when_all(std::vector<Task<T>> tasks) {
    std::vector<detail::Slot<T>> slots(tasks.size());
    detail::GroupAwaiter aw;
    for (std::size_t i = 0; i < tasks.size(); ++i)
        aw.children.push_back(detail::run_child<T>(std::move(tasks[i]), &slots[i]));
    if (!tasks.empty()) {
        co_await aw;
    }
    std::vector<Value<T>> out;
    out.reserve(slots.size());
    for (auto& s : slots)
        out.push_back(std::move(*s));
    co_return out;
}

}  // namespace xensnd::coro
