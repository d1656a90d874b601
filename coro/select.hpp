// select / when_any: run tasks concurrently; the first to finish wins, the others are
// cancelled, and select returns only after every loser has finished (their operations'
// completions reaped), so nothing outlives the call.
//
// If several are ready at once, the lowest index wins. A loser's result is dropped: select
// is cancellation-safe only for tasks whose own cancellation loses nothing (see README.md).
#pragma once

#include <utility>
#include <variant>
#include <vector>

#include "coro/detail/group.hpp"

namespace xensnd::coro {

template <class T>
using Value = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

namespace detail {
template <class V, class Tuple, std::size_t... I>
V take_winner(Tuple& slots, std::size_t w, std::index_sequence<I...>) {
    std::optional<V> out;
    ((w == I ? (void)out.emplace(std::in_place_index<I>, std::move(*std::get<I>(slots))) : void()),
     ...);
    return std::move(*out);
}
}  // namespace detail

// co_await select(a, b, ...) -> std::variant<Value<A>, Value<B>, ...> whose index() is the
// winner (void tasks yield std::monostate).
template <class... Ts>
Task<std::variant<Value<Ts>...>> select(Task<Ts>... tasks) {
    static_assert(sizeof...(Ts) >= 1);
    std::tuple<detail::Slot<Ts>...> slots;
    detail::GroupAwaiter aw;
    aw.group.stop_on_first = true;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (aw.children.push_back(detail::run_child<Ts>(std::move(tasks), &std::get<I>(slots))), ...);
    }
    (std::index_sequence_for<Ts...>{});
    co_await aw;
    co_return detail::take_winner<std::variant<Value<Ts>...>>(slots, aw.group.first,
                                                              std::index_sequence_for<Ts...>{});
}

// The winner's index and value among any number of tasks of one type.
template <class T>
struct AnyResult {
    std::size_t index;
    Value<T> value;
};

template <class T>
Task<AnyResult<T>> when_any(std::vector<Task<T>> tasks) {
    if (tasks.empty()) bug("when_any of no tasks");
    std::vector<detail::Slot<T>> slots(tasks.size());
    detail::GroupAwaiter aw;
    aw.group.stop_on_first = true;
    for (std::size_t i = 0; i < tasks.size(); ++i)
        aw.children.push_back(detail::run_child<T>(std::move(tasks[i]), &slots[i]));
    co_await aw;
    std::size_t w = aw.group.first;
    co_return AnyResult<T>{w, std::move(*slots[w])};
}

}  // namespace xensnd::coro
