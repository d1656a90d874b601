#include "core/log/log.hpp"

#include <unistd.h>

#include <atomic>
#include <mutex>

namespace xensnd::log {

namespace {
std::atomic<int> g_level{static_cast<int>(Level::Info)};

struct SinkState {
    std::mutex mutex;
    Sink sink;
    std::string program = "xensnd";
};

SinkState& sink_state() {
    static SinkState s;  // a function-local static: usable from other statics' constructors
    return s;
}
}  // namespace

std::optional<Level> parse_level(std::string_view t) {
    if (t == "error") return Level::Error;
    if (t == "warning" || t == "warn") return Level::Warning;
    if (t == "info") return Level::Info;
    if (t == "debug") return Level::Debug;
    return std::nullopt;
}

std::string_view to_string(Level l) {
    switch (l) {
        case Level::Error:
            return "error";
        case Level::Warning:
            return "warning";
        case Level::Info:
            return "info";
        case Level::Debug:
            return "debug";
    }
    return "?";
}

void set_level(Level l) {
    g_level.store(static_cast<int>(l), std::memory_order_relaxed);
}
Level level() {
    return static_cast<Level>(g_level.load(std::memory_order_relaxed));
}

void set_sink(Sink sink) {
    auto& s = sink_state();
    std::lock_guard lock(s.mutex);
    s.sink = std::move(sink);
}

void set_program(std::string name) {
    auto& s = sink_state();
    std::lock_guard lock(s.mutex);
    s.program = std::move(name);
}

void write(Level l, std::string_view context, std::string_view text) {
    std::string line;
    line.reserve(context.size() + text.size() + 2);
    if (!context.empty()) {
        line += context;
        line += ": ";
    }
    line += text;
    auto& s = sink_state();
    std::lock_guard lock(s.mutex);
    if (s.sink) {
        s.sink(l, line);
        return;
    }
    std::string out = s.program;
    out += ' ';
    out += to_string(l);
    out += ": ";
    out += line;
    out += '\n';
    // One write(2) per line so lines from several processes sharing stderr do not interleave.
    std::string_view rest = out;
    while (!rest.empty()) {
        ssize_t n = ::write(STDERR_FILENO, rest.data(), rest.size());
        if (n <= 0) break;
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
}

}  // namespace xensnd::log
