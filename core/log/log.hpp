// Logging for both halves: one line per event, naming where it happened ("dom5 vsnd0 0/1")
// and what went wrong, so an operator can act on it without a debugger.
//
// Lines go to a process-wide sink (stderr by default; the ALSA plugin or a test may replace
// it) when their level is at or above the process-wide threshold. Thread-safe: a line is
// written whole even when several threads log at once.
#pragma once

#include <fmt/format.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace xensnd::log {

enum class Level { Error = 0, Warning = 1, Info = 2, Debug = 3 };

// "error", "warning", "info", "debug" (also "warn"); nullopt for anything else.
std::optional<Level> parse_level(std::string_view text);
std::string_view to_string(Level level);

// What lines are kept (default Info).
void set_level(Level level);
Level level();
inline bool enabled(Level l) {
    return static_cast<int>(l) <= static_cast<int>(level());
}

// Where lines go: receives the level and the whole line without a newline ("context: text").
// An empty function restores the default (stderr, prefixed with the program name and level).
using Sink = std::function<void(Level, std::string_view line)>;
void set_sink(Sink sink);
// The program name the default sink prints first ("xensnd-backend").
void set_program(std::string name);

void write(Level level, std::string_view context, std::string_view text);

// A named place to log from: a daemon, a device ("dom5 vsnd0"), a stream ("dom5 vsnd0 0/1").
// Cheap to copy; child() extends the context.
class Logger {
  public:
    Logger() = default;
    explicit Logger(std::string context) : context_(std::move(context)) {}

    const std::string& context() const { return context_; }
    Logger child(std::string_view more) const {
        if (context_.empty()) return Logger(std::string(more));
        return Logger(context_ + " " + std::string(more));
    }

    template <class... A>
    void error(fmt::format_string<A...> f, A&&... a) const {
        emit(Level::Error, f, std::forward<A>(a)...);
    }
    template <class... A>
    void warning(fmt::format_string<A...> f, A&&... a) const {
        emit(Level::Warning, f, std::forward<A>(a)...);
    }
    template <class... A>
    void info(fmt::format_string<A...> f, A&&... a) const {
        emit(Level::Info, f, std::forward<A>(a)...);
    }
    template <class... A>
    void debug(fmt::format_string<A...> f, A&&... a) const {
        emit(Level::Debug, f, std::forward<A>(a)...);
    }

  private:
    template <class... A>
    void emit(Level l, fmt::format_string<A...> f, A&&... a) const {
        if (!enabled(l)) return;
        write(l, context_, fmt::format(f, std::forward<A>(a)...));
    }
    std::string context_;
};

}  // namespace xensnd::log
