// The whole runtime in one include.
#pragma once

#include "coro/channel.hpp"
#include "coro/event.hpp"
#include "coro/io.hpp"
#include "coro/mutex.hpp"
#include "coro/notify.hpp"
#include "coro/poll_stream.hpp"
#include "coro/reactor.hpp"
#include "coro/result.hpp"
#include "coro/select.hpp"
#include "coro/spawn.hpp"
#include "coro/task.hpp"
#include "coro/task_scope.hpp"
#include "coro/timeout.hpp"
#include "coro/timer.hpp"
#include "coro/when_all.hpp"
